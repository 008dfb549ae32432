/*
 * test_fast_action.c - fast_file_action() and fast_unescape() against jansson.  Hand
 * cases first, then differential tests: random string bodies through fast_unescape and
 * json_loadb, and mutations of realistic add/remove lines through fast_file_action and a
 * jansson reference that applies file_action()'s rules (lib/action.c).  The contract
 * (lib/fast_action.c): whenever the fast path answers 1, jansson reads the line and
 * yields the same fields.  Ends with a microbenchmark, printed, not asserted.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "fast_action.h"
#include "unit.h"

/* splitmix64 (unit.h): deterministic, so a failure reproduces. */
static uint64_t rng_state = 0xfa57ac7;

static uint64_t rng(void)
{
	return unit_rng(&rng_state);
}

static size_t pick(size_t n)
{
	return (size_t)(rng() % n);
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		abort();
	return p;
}

/* ---- the jansson reference -------------------------------------------------------- */

struct ref {
	bool add;
	char *path;
	size_t path_len;
	bool has_size, has_mtime, has_dv;
	int64_t size, mtime;
	char *pv;               /* json_dumps compact; NULL when absent, null or {} */
	char *stats;            /* decoded; NULL when absent or null */
	size_t stats_len;
};

static void ref_release(struct ref *r)
{
	free(r->path);
	free(r->pv);
	free(r->stats);
	memset(r, 0, sizeof(*r));
}

static char *copy(const char *s, size_t n)
{
	char *c = xmalloc(n + 1);
	memcpy(c, s, n);
	c[n] = '\0';
	return c;
}

/* Optional integer: 1 ok (absent/null leaves *has false), 0 not an integer. */
static int ref_int(json_t *a, const char *key, bool *has, int64_t *v)
{
	json_t *x = json_object_get(a, key);
	if (!x || json_is_null(x))
		return 1;
	if (!json_is_integer(x))
		return 0;
	*has = true;
	*v = json_integer_value(x);
	return 1;
}

/*
 * 1 with *r filled when json_loadb(line, 0) reads a one-member {"add"|"remove": {...}}
 * that file_action() accepts and whose partitionValues and stats have the types an add
 * needs (the fast path applies those rules to a remove too); 0 otherwise.
 */
static int ref_file_action(const char *line, size_t n, struct ref *r)
{
	memset(r, 0, sizeof(*r));
	json_t *o = json_loadb(line, n, 0, NULL), *a, *x;
	if (!json_is_object(o) || json_object_size(o) != 1)
		goto fail;
	r->add = (a = json_object_get(o, "add")) != NULL;
	if (!a)
		a = json_object_get(o, "remove");
	if (!json_is_object(a))
		goto fail;
	x = json_object_get(a, "path");
	if (!json_is_string(x))
		goto fail;
	r->path = copy(json_string_value(x), r->path_len = json_string_length(x));
	if (!ref_int(a, "size", &r->has_size, &r->size) ||
	    !ref_int(a, "modificationTime", &r->has_mtime, &r->mtime))
		goto fail;
	if (r->add && (!r->has_size || r->size < 0))
		goto fail;
	x = json_object_get(a, "deletionVector");
	r->has_dv = x && !json_is_null(x);
	x = json_object_get(a, "partitionValues");
	if (x && !json_is_null(x)) {
		const char *k;
		json_t *v;
		if (!json_is_object(x))
			goto fail;
		json_object_foreach(x, k, v)
			if (!json_is_string(v) && !json_is_null(v))
				goto fail;
		if (json_object_size(x) && !(r->pv = json_dumps(x, JSON_COMPACT | JSON_PRESERVE_ORDER)))
			abort();
	}
	x = json_object_get(a, "stats");
	if (x && !json_is_null(x)) {
		if (!json_is_string(x))
			goto fail;
		r->stats = copy(json_string_value(x), r->stats_len = json_string_length(x));
	}
	json_decref(o);
	return 1;
fail:
	json_decref(o);
	ref_release(r);
	return 0;
}

/* NULL when f equals r, else what differs. */
static const char *differs(const struct fast_file *f, const struct ref *r)
{
	if (f->add != r->add)
		return "add";
	if (f->path_len != r->path_len || memcmp(f->path, r->path, f->path_len))
		return "path";
	if (f->has_size != r->has_size || (f->has_size && f->size != r->size))
		return "size";
	if (f->has_mtime != r->has_mtime || (f->has_mtime && f->modification_time != r->mtime))
		return "modificationTime";
	if (f->has_dv || r->has_dv)
		return "deletionVector";
	if (!f->pv != !r->pv || (f->pv && (f->pv_len != strlen(r->pv) ||
					   memcmp(f->pv, r->pv, f->pv_len))))
		return "partitionValues";
	if (!f->stats != !r->stats)
		return "stats presence";
	if (f->stats) {
		/* An exact-size copy, so ASan sees a read past the span. */
		char *s = copy(f->stats, f->stats_len), *u = xmalloc(f->stats_len + 1);
		ssize_t n = fast_unescape(s, f->stats_len, u);
		bool same = n >= 0 && (size_t)n == r->stats_len && !memcmp(u, r->stats, r->stats_len) &&
			    u[n] == '\0';
		free(s);
		free(u);
		if (!same)
			return "stats";
	}
	return NULL;
}

enum outcome { BOTH_1, FALLBACK, BOTH_0, BROKEN };

/* Runs both on an exact-size heap copy (no terminator), so ASan sees any over-read. */
static enum outcome compare(const char *line, size_t n, const char **why)
{
	char *c = xmalloc(n);
	memcpy(c, line, n);
	struct fast_file f, untouched;
	memset(&f, 0x5a, sizeof(f));
	untouched = f;
	struct ref r;
	int fr = fast_file_action(c, n, &f);
	int rr = ref_file_action(c, n, &r);
	enum outcome o;
	*why = NULL;
	if (fr == 1) {
		if (rr != 1)
			*why = "jansson refuses";
		else
			*why = differs(&f, &r);
		o = *why ? BROKEN : BOTH_1;
	} else if (fr == 0) {
		o = rr ? FALLBACK : BOTH_0;
		if (memcmp(&f, &untouched, sizeof(f))) {
			*why = "*out changed on 0";
			o = BROKEN;
		}
	} else {
		*why = "return value";
		o = BROKEN;
	}
	if (rr)
		ref_release(&r);
	free(c);
	return o;
}

/* ---- hand cases ------------------------------------------------------------------- */

#define SPARK_STATS                                                                           \
	"{\\\"numRecords\\\":1000,\\\"minValues\\\":{\\\"id\\\":1,\\\"name\\\":\\\"aaron\\\","    \
	"\\\"amount\\\":0.5,\\\"ts\\\":\\\"2024-01-01T00:00:00.000Z\\\"},\\\"maxValues\\\":"       \
	"{\\\"id\\\":1000,\\\"name\\\":\\\"zo\\u00eb\\\",\\\"amount\\\":999.99,\\\"ts\\\":"        \
	"\\\"2024-01-01T23:59:59.999Z\\\"},\\\"nullCount\\\":{\\\"id\\\":0,\\\"name\\\":3,"        \
	"\\\"amount\\\":0,\\\"ts\\\":0}}"

#define SPARK_PV "{\"date\":\"2024-01-01\"}"
#define SPARK_PATH \
	"date=2024-01-01/part-00000-1c2d3e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6.c000.snappy.parquet"

static const char spark_add[] =
	"{\"add\":{\"path\":\"" SPARK_PATH "\",\"partitionValues\":" SPARK_PV ",\"size\":123456,"
	"\"modificationTime\":1704067200000,\"dataChange\":true,\"stats\":\"" SPARK_STATS "\","
	"\"tags\":{\"INSERTION_TIME\":\"1704067200000000\",\"MIN_INSERTION_TIME\":"
	"\"1704067200000000\",\"MAX_INSERTION_TIME\":\"1704067200000000\","
	"\"OPTIMIZE_TARGET_SIZE\":\"268435456\"}}}";

static const char delta_rs_add[] =
	"{\"add\":{\"path\":\"part-00001-0a8c5d4e-2f1b-4c3d-9e8f-7a6b5c4d3e2f-c000.snappy.parquet\","
	"\"partitionValues\":{},\"size\":5489,\"modificationTime\":1700000000123,"
	"\"dataChange\":true,\"stats\":\"{\\\"numRecords\\\":3,\\\"minValues\\\":{\\\"x\\\":1},"
	"\\\"maxValues\\\":{\\\"x\\\":3},\\\"nullCount\\\":{\\\"x\\\":0}}\",\"tags\":null,"
	"\"deletionVector\":null,\"baseRowId\":null,\"defaultRowCommitVersion\":null,"
	"\"clusteringProvider\":null}}";

static const char spark_remove[] =
	"{\"remove\":{\"path\":\"date=2024-01-01/part-00000-1c2d3e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6."
	"c000.snappy.parquet\",\"deletionTimestamp\":1704153600000,\"dataChange\":true,"
	"\"extendedFileMetadata\":true,\"partitionValues\":{\"date\":\"2024-01-01\"},"
	"\"size\":123456}}";

#define C(s, f, r) { s, sizeof(s) - 1, f, r }
static const struct {
	const char *in;
	size_t len;
	int fast; /* fast_file_action's answer */
	int ref;  /* the jansson reference's */
} cases[] = {
	C("{\"add\":{\"path\":\"a\",\"size\":1}}", 1, 1),
	C("{\"remove\":{\"path\":\"a\"}}", 1, 1),
	C("{\"remove\":{\"path\":\"a\",\"size\":-5,\"modificationTime\":-1}}", 1, 1),
	C("{\"remove\":{\"path\":\"a\",\"size\":null,\"modificationTime\":null}}", 1, 1),
	C("{\"remove\":{\"path\":\"a\",\"deletionTimestamp\":1,\"extendedFileMetadata\":false,"
	  "\"tags\":null,\"stats\":null,\"partitionValues\":null}}", 1, 1),
	/* keys in other orders, whitespace between tokens */
	C("{\"add\":{\"stats\":\"{}\",\"size\":0,\"partitionValues\":{\"a\":null},\"path\":\"x\"}}",
	  1, 1),
	C("  {\"add\" : { \"size\" : 7 ,\n\"path\"\t:\r\"p\" } }  \r\n\t", 1, 1),
	C("{\"add\":{\"path\":\"p\",\"size\":7,\"partitionValues\":{\"a\":\"b\",\"c\":null,"
	  "\"d\":\"2013-07-05 17:01:00.123456\",\"\":\"\"}}}", 1, 1),
	C("{\"add\":{\"path\":\"p\",\"size\":7,\"partitionValues\":{}}}", 1, 1),
	/* whitespace or escapes inside partitionValues: fallback */
	C("{\"add\":{\"path\":\"p\",\"size\":7,\"partitionValues\":{ \"a\":\"b\"}}}", 0, 1),
	C("{\"add\":{\"path\":\"p\",\"size\":7,\"partitionValues\":{\"a\" :\"b\"}}}", 0, 1),
	C("{\"add\":{\"path\":\"p\",\"size\":7,\"partitionValues\":{\"a\":\"b\" }}}", 0, 1),
	C("{\"add\":{\"path\":\"p\",\"size\":7,\"partitionValues\":{ }}}", 0, 1),
	C("{\"add\":{\"path\":\"p\",\"size\":7,\"partitionValues\":{\"a\":\"\\u0001\"}}}", 0, 1),
	C("{\"add\":{\"path\":\"p\",\"size\":7,\"partitionValues\":{\"a\\\"\":\"b\"}}}", 0, 1),
	C("{\"add\":{\"path\":\"p\",\"size\":7,\"partitionValues\":{\"a\":\"b\",\"a\":\"c\"}}}", 0, 1),
	/* unicode paths: raw is fine, escaped falls back */
	C("{\"add\":{\"path\":\"d=\xc3\xa9t\xc3\xa9/\xf0\x9f\x98\x80.parquet\",\"size\":1}}", 1, 1),
	C("{\"add\":{\"path\":\"d=\\u00e9t\\u00e9/x.parquet\",\"size\":1}}", 0, 1),
	C("{\"add\":{\"path\":\"a\\/b\",\"size\":1}}", 0, 1),
	C("{\"add\":{\"path\":\"a%20b%253A\",\"size\":1}}", 1, 1),
	/* invalid UTF-8 anywhere: jansson refuses */
	C("{\"add\":{\"path\":\"\xff\",\"size\":1}}", 0, 0),
	C("{\"add\":{\"path\":\"\xc0\xaf\",\"size\":1}}", 0, 0),          /* overlong */
	C("{\"add\":{\"path\":\"\xe0\x80\xaf\",\"size\":1}}", 0, 0),      /* overlong */
	C("{\"add\":{\"path\":\"\xed\xa0\x80\",\"size\":1}}", 0, 0),      /* surrogate */
	C("{\"add\":{\"path\":\"\xf4\x90\x80\x80\",\"size\":1}}", 0, 0),  /* > U+10FFFF */
	C("{\"add\":{\"path\":\"\xc3\",\"size\":1}}", 0, 0),              /* truncated */
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"tags\":{\"a\":\"\x80\"}}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":\"\xf8\x88\x80\x80\x80\"}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":\"\xef\xbf\xbf\xf4\x8f\xbf\xbf\"}}", 1, 1),
	/* string escapes in stats and skipped values */
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":\"\\ud83d\\ude00\\u00e9\\n\\/\\\\\"}}", 1, 1),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":\"\\ud83d\"}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":\"\\ude00\"}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":\"\\ud83d\\u0041\"}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":\"\\ud83dx\"}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":\"\\u0000\"}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":\"\\u12\"}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":\"\\u12G4\"}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":\"\\x\"}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":\"\\'\"}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":\"a\tb\"}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":\"\\uD83D\\uDE00\\uABCD\"}}", 1, 1),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"tags\":{\"k\\u0000\":\"v\"}}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"tags\":{\"k\\ud800\":\"v\"}}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"tags\":{\"k\\u00e9\\\"\":\"v\\t\"}}}", 1, 1),
	/* unknown keys are skipped, but validated */
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"tags\":{\"a\":{\"b\":[1,-2,3.25,-0.0,true,false,"
	  "null,{},[],\"s\"]},\"c\":[]},\"baseRowId\":9223372036854775807,"
	  "\"defaultRowCommitVersion\":-9223372036854775808}}", 1, 1),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"baseRowId\":9223372036854775808}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"baseRowId\":-9223372036854775809}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"baseRowId\":123456789012345678901234}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"baseRowId\":1e3}}", 0, 1),     /* exponent */
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"baseRowId\":1e400}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"baseRowId\":01}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"baseRowId\":1.}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"baseRowId\":.5}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"baseRowId\":-}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"baseRowId\":+1}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"dataChange\":tru}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"dataChange\":truex}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"dataChange\":True}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"tags\":[1,]}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"tags\":{\"a\":1,}}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"tags\":{\"a\"}}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"tags\":{1:2}}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"tags\":[1 2]}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"x\":}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"tags\":{\"a\":1,\"a\":2}}}", 1, 1),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"dataChange\":1,\"dataChange\":2}}", 1, 1),
	/* deletion vectors: fallback unless null */
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"deletionVector\":{\"storageType\":\"u\","
	  "\"pathOrInlineDv\":\"ab^-aqEH.-t@S}K{vb[*k^\",\"offset\":4,\"sizeInBytes\":40,"
	  "\"cardinality\":6}}}", 0, 1),
	C("{\"remove\":{\"path\":\"x\",\"deletionVector\":{\"storageType\":\"i\","
	  "\"pathOrInlineDv\":\"wi5b=000010000siXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L\","
	  "\"sizeInBytes\":40,\"cardinality\":6}}}", 0, 1),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"deletionVector\":5}}", 0, 1),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"deletionVector\":null}}", 1, 1),
	/* wrong types */
	C("{\"add\":{\"path\":5,\"size\":1}}", 0, 0),
	C("{\"add\":{\"path\":null,\"size\":1}}", 0, 0),
	C("{\"add\":{\"size\":1}}", 0, 0),
	C("{\"add\":{}}", 0, 0),
	C("{\"add\":[]}", 0, 0),
	C("{\"add\":null}", 0, 0),
	C("{\"add\":\"x\"}", 0, 0),
	C("{\"add\":{\"path\":\"x\"}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":null}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":-1}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":\"1\"}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1.0}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1e2}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":true}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":-0}}", 1, 1),
	C("{\"add\":{\"path\":\"x\",\"size\":9223372036854775807}}", 1, 1),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"modificationTime\":1.5}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"modificationTime\":\"1\"}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"partitionValues\":[]}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"partitionValues\":\"a=1\"}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"partitionValues\":{\"a\":1}}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"partitionValues\":{\"a\":{}}}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":{}}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":5}}", 0, 0),
	C("{\"remove\":{\"path\":\"x\",\"size\":\"1\"}}", 0, 0),
	C("{\"remove\":{\"path\":\"x\",\"stats\":5}}", 0, 0),           /* file_action ignores */
	C("{\"remove\":{\"path\":\"x\",\"partitionValues\":5}}", 0, 0), /* these: fallback */
	/* duplicates */
	C("{\"add\":{\"path\":\"x\",\"path\":\"y\",\"size\":1}}", 0, 1),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"size\":2}}", 0, 1),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":null,\"stats\":\"{}\"}}", 0, 1),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"deletionVector\":null,\"deletionVector\":null}}",
	  0, 1),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"p\\u0061th\":\"y\"}}", 0, 1),
	C("{\"add\":{\"path\":\"x\",\"size\":1}}\n{\"add\":{\"path\":\"y\",\"size\":1}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1},\"add\":{\"path\":\"y\",\"size\":2}}", 0, 1),
	/* the line: one member, add or remove, nothing after */
	C("{\"add\":{\"path\":\"x\",\"size\":1},\"remove\":{\"path\":\"y\"}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1},\"x\":1}", 0, 0),
	C("{\"a\\u0064d\":{\"path\":\"x\",\"size\":1}}", 0, 1),
	C("{\"cdc\":{\"path\":\"x\",\"size\":1}}", 0, 0),
	C("{\"addx\":{\"path\":\"x\",\"size\":1}}", 0, 0),
	C("[{\"add\":{\"path\":\"x\",\"size\":1}}]", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1}}x", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1}}}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1}},", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1}}\0", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1}} \f", 0, 0),
	C("\xef\xbb\xbf{\"add\":{\"path\":\"x\",\"size\":1}}", 0, 0), /* BOM */
	/* truncated */
	C("", 0, 0),
	C(" ", 0, 0),
	C("{", 0, 0),
	C("{\"add\"", 0, 0),
	C("{\"add\":", 0, 0),
	C("{\"add\":{", 0, 0),
	C("{\"add\":{\"path\"", 0, 0),
	C("{\"add\":{\"path\":\"x", 0, 0),
	C("{\"add\":{\"path\":\"x\\", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1}", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":\"\\u00", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"stats\":\"\\ud83d\\u", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"dataChange\":nul", 0, 0),
	C("{\"add\":{\"path\":\"x\",\"size\":1,\"x\":\"\xf0\x9f\x98", 0, 0),
};

/* 70 nested arrays under tags: jansson reads it, the fast path stops at MAX_DEPTH. */
static void test_depth(void)
{
	char line[512];
	const char *why;
	int n = snprintf(line, sizeof(line), "{\"add\":{\"path\":\"x\",\"size\":1,\"tags\":");
	for (int i = 0; i < 70; i++)
		line[n++] = '[';
	for (int i = 0; i < 70; i++)
		line[n++] = ']';
	n += snprintf(line + n, sizeof(line) - (size_t)n, "}}");
	CHECKF(compare(line, (size_t)n, &why) == FALLBACK, "deep nesting: %s", why ? why : "");
	n = snprintf(line, sizeof(line), "{\"add\":{\"path\":\"x\",\"size\":1,\"tags\":");
	for (int i = 0; i < 20; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "{\"a\":[");
	for (int i = 0; i < 20; i++)
		n += snprintf(line + n, sizeof(line) - (size_t)n, "]}");
	n += snprintf(line + n, sizeof(line) - (size_t)n, "}}");
	CHECKF(compare(line, (size_t)n, &why) == BOTH_1, "40 levels: %s", why ? why : "");
}

static void test_cases(void)
{
	for (size_t i = 0; i < COUNT(cases); i++) {
		const char *why;
		enum outcome o = compare(cases[i].in, cases[i].len, &why);
		enum outcome want = cases[i].fast ? BOTH_1 : cases[i].ref ? FALLBACK : BOTH_0;
		CHECKF(cases[i].fast != 1 || cases[i].ref == 1, "case %zu is contradictory", i);
		CHECKF(o == want, "case %zu: outcome %d, want %d%s%s: %.*s", i, o, want,
		       why ? ": " : "", why ? why : "", (int)cases[i].len, cases[i].in);
	}
	test_depth();

	/* The three shapes of the writers, with their values spelled out. */
	struct fast_file f;
	const char *why;
	CHECKF(compare(spark_add, strlen(spark_add), &why) == BOTH_1, "spark add: %s",
	       why ? why : "");
	CHECKF(fast_file_action(spark_add, strlen(spark_add), &f) == 1 && f.add &&
	       f.path_len == sizeof(SPARK_PATH) - 1 && !memcmp(f.path, SPARK_PATH, f.path_len) &&
	       f.has_size && f.size == 123456 && f.has_mtime &&
	       f.modification_time == INT64_C(1704067200000) && f.pv_len == sizeof(SPARK_PV) - 1 &&
	       !memcmp(f.pv, SPARK_PV, f.pv_len) && f.stats &&
	       f.stats_len == sizeof(SPARK_STATS) - 1 && !memcmp(f.stats, SPARK_STATS, f.stats_len) &&
	       !f.has_dv, "spark add fields");
	char u[sizeof(SPARK_STATS)];
	ssize_t un = fast_unescape(f.stats, f.stats_len, u);
	static const char want[] =
		"{\"numRecords\":1000,\"minValues\":{\"id\":1,\"name\":\"aaron\",\"amount\":0.5,"
		"\"ts\":\"2024-01-01T00:00:00.000Z\"},\"maxValues\":{\"id\":1000,\"name\":"
		"\"zo\xc3\xab\",\"amount\":999.99,\"ts\":\"2024-01-01T23:59:59.999Z\"},"
		"\"nullCount\":{\"id\":0,\"name\":3,\"amount\":0,\"ts\":0}}";
	CHECKF(un == (ssize_t)sizeof(want) - 1 && !memcmp(u, want, sizeof(want)), "spark stats: %s",
	       u);

	CHECKF(compare(delta_rs_add, strlen(delta_rs_add), &why) == BOTH_1, "delta-rs add: %s",
	       why ? why : "");
	CHECKF(fast_file_action(delta_rs_add, strlen(delta_rs_add), &f) == 1 && f.add &&
	       f.size == 5489 && !f.pv && f.stats && !f.has_dv, "delta-rs add fields");

	CHECKF(compare(spark_remove, strlen(spark_remove), &why) == BOTH_1, "remove: %s",
	       why ? why : "");
	CHECKF(fast_file_action(spark_remove, strlen(spark_remove), &f) == 1 && !f.add &&
	       f.has_size && f.size == 123456 && !f.has_mtime && f.pv_len == sizeof(SPARK_PV) - 1 &&
	       !memcmp(f.pv, SPARK_PV, f.pv_len) && !f.stats,
	       "remove fields");

	CHECKF(fast_file_action(NULL, 0, &f) == 0, "NULL line");
}

/* ---- fast_unescape ---------------------------------------------------------------- */

#define U(s, r) { s, sizeof(s) - 1, r, sizeof(r) - 1 }
static const struct {
	const char *in;
	size_t len;
	const char *out; /* NULL: -1 */
	size_t out_len;
} unescapes[] = {
	U("", ""),
	U("abc", "abc"),
	U("\\\"\\\\\\/\\b\\f\\n\\r\\t", "\"\\/\b\f\n\r\t"),
	U("\\u0041\\u00e9\\u20AC\\ud83d\\ude00", "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
	U("\\uDBFF\\uDFFF", "\xf4\x8f\xbf\xbf"),
	U("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\x7f"),
	{ "\\u0000", 6, NULL, 0 },
	{ "\\ud83d", 6, NULL, 0 },
	{ "\\ude00", 6, NULL, 0 },
	{ "\\ud83d\\n", 8, NULL, 0 },
	{ "\\ud83d\\ud83d", 12, NULL, 0 },
	{ "\\u004", 5, NULL, 0 },
	{ "\\", 1, NULL, 0 },
	{ "\\a", 2, NULL, 0 },
	{ "\"", 1, NULL, 0 },
	{ "a\nb", 3, NULL, 0 },
	{ "a\0b", 3, NULL, 0 },
	{ "\xc3", 1, NULL, 0 },
	{ "\xc3\x28", 2, NULL, 0 },
	{ "\xed\xbf\xbf", 3, NULL, 0 },
	{ "\xf0\x8f\xbf\xbf", 4, NULL, 0 },
	{ "\xfe", 1, NULL, 0 },
};

/* jansson's reading of "body": 1 and the value in *v (new), or 0. */
static int ref_unescape(const char *body, size_t len, char **v, size_t *vlen)
{
	char *q = xmalloc(len + 2);
	q[0] = '"';
	memcpy(q + 1, body, len);
	q[len + 1] = '"';
	json_t *s = json_loadb(q, len + 2, JSON_DECODE_ANY, NULL);
	free(q);
	if (!json_is_string(s)) {
		json_decref(s);
		return 0;
	}
	*v = copy(json_string_value(s), *vlen = json_string_length(s));
	json_decref(s);
	return 1;
}

static const char *const string_pieces[] = {
	"a", "Z", " ", "0", "{", "}", ":", ",", "~", "\x7f", "\\\"", "\\\\", "\\/", "\\b", "\\f",
	"\\n", "\\r", "\\t", "\\u0041", "\\u00e9", "\\u20ac", "\\uFFFF", "\\ud83d\\ude00",
	"\\uDBFF\\uDFFF", "\\ud800", "\\udc00", "\\u0000", "\\u", "\\u12", "\\x", "\\", "\"",
	"\t", "\n", "\x01", "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xc3", "\x80",
	"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xf5", "\xff",
	"\\\\u0041", "numRecords",
};

static void test_unescape(void)
{
	for (size_t i = 0; i < COUNT(unescapes); i++) {
		char *in = copy(unescapes[i].in, unescapes[i].len);
		char *out = xmalloc(unescapes[i].len + 1);
		ssize_t n = fast_unescape(in, unescapes[i].len, out);
		if (unescapes[i].out)
			CHECKF(n == (ssize_t)unescapes[i].out_len &&
			       !memcmp(out, unescapes[i].out, unescapes[i].out_len) && out[n] == '\0',
			       "unescape %zu: %zd", i, n);
		else
			CHECKF(n == -1, "unescape %zu: %zd, want -1", i, n);
		free(in);
		free(out);
	}

	enum { N = 100000 };
	long bad = 0, valid = 0;
	char body[256];
	for (long i = 0; i < N; i++) {
		size_t len = 0;
		for (size_t k = pick(12); k > 0; k--) {
			/* Mostly valid pieces, so whole strings are often valid. */
			const char *p = string_pieces[rng() % 4 ? pick(24) : pick(COUNT(string_pieces))];
			size_t n = strlen(p);
			memcpy(body + len, p, n);
			len += n;
		}
		if (len && rng() % 8 == 0)
			len = pick(len);
		char *in = copy(body, len), *out = xmalloc(len + 1), *v = NULL;
		size_t vlen = 0;
		ssize_t n = fast_unescape(in, len, out);
		int r = ref_unescape(in, len, &v, &vlen);
		valid += r;
		if (!(r ? n == (ssize_t)vlen && !memcmp(out, v, vlen) : n == -1) && bad++ < 10)
			fprintf(stderr, "FAIL unescape %ld: fast %zd, jansson %d: \"%.*s\"\n", i, n, r,
				(int)len, in);
		free(in);
		free(out);
		free(v);
	}
	CHECKF(bad == 0, "%ld of %d string bodies disagree", bad, N);
	CHECKF(valid > N / 5 && valid < N - N / 5, "weak coverage: %ld of %d valid", valid, N);
}

/* ---- differential test on realistic lines ----------------------------------------- */

struct sb {
	char *p;
	size_t len, cap;
};

static void put(struct sb *b, const char *s)
{
	size_t n = strlen(s);
	if (b->len + n > b->cap)
		abort();
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

/* Whitespace between tokens in one line of eight, otherwise compact. */
static void ws(struct sb *b, bool spaced)
{
	static const char *const w[] = { " ", "\t", "\n", "\r", "  " };
	if (spaced && rng() % 3 == 0)
		put(b, w[pick(COUNT(w))]);
}

static const char *const gen_strings[] = {
	"", "x", "liquid", "2024-01-01", "2013-07-05 17:01:00.123456", "__HIVE_DEFAULT_PARTITION__",
	"\xc3\xa9t\xc3\xa9", "\xf0\x9f\x98\x80", "a\\\"b", "\\u00e9", "\\ud83d\\ude00", "tab\\t",
	"1704067200000000", "268435456",
};

static const char *const gen_paths[] = {
	"part-00000-1c2d3e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6-c000.snappy.parquet",
	"date=2024-01-01/part-00001-0a8c5d4e-2f1b-4c3d-9e8f-7a6b5c4d3e2f.c000.snappy.parquet",
	"tsNtzPartition=2013-07-05%2017%253A01%253A00.123456/part-00000.snappy.parquet",
	"s3://bucket/table/part-1.parquet", "file:///tmp/t/part-2.parquet",
	"d=\xc3\xa9t\xc3\xa9/\xe6\x97\xa5\xe6\x9c\xac.parquet", "a%20b/c.parquet",
	"d=\\u00e9/x.parquet", "",
};

static const char *const gen_numbers[] = {
	"0", "1", "-1", "123456", "1704067200000", "9223372036854775807", "-9223372036854775808",
	"-0", "3.25", "-0.5", "1e3", "9223372036854775808", "-9223372036854775809",
};

static void gen_value(struct sb *b, int depth, bool spaced)
{
	switch (depth > 3 ? pick(5) : pick(7)) {
	case 0:
		put(b, "\"");
		put(b, gen_strings[pick(COUNT(gen_strings))]);
		put(b, "\"");
		break;
	case 1:
		put(b, gen_numbers[pick(COUNT(gen_numbers))]);
		break;
	case 2: put(b, "true"); break;
	case 3: put(b, "false"); break;
	case 4: put(b, "null"); break;
	case 5:
	case 6: {
		bool obj = pick(2);
		put(b, obj ? "{" : "[");
		for (size_t i = 0, n = pick(4); i < n; i++) {
			if (i)
				put(b, ",");
			ws(b, spaced);
			if (obj) {
				put(b, "\"k");
				put(b, gen_strings[pick(COUNT(gen_strings))]);
				put(b, "\":");
				ws(b, spaced);
			}
			gen_value(b, depth + 1, spaced);
			ws(b, spaced);
		}
		put(b, obj ? "}" : "]");
		break;
	}
	}
}

static const char *const gen_stats[] = {
	SPARK_STATS,
	"{\\\"numRecords\\\":3,\\\"minValues\\\":{\\\"x\\\":1},\\\"maxValues\\\":{\\\"x\\\":3},"
	"\\\"nullCount\\\":{\\\"x\\\":0}}",
	"{\\\"numRecords\\\":0}",
	"{\\\"numRecords\\\":7,\\\"minValues\\\":{\\\"s\\\":\\\"\\\\u00e9\\\\n\\\"},"
	"\\\"tightBounds\\\":true}",
	"{\\\"numRecords\\\":2,\\\"minValues\\\":{\\\"s\\\":\\\"\xc3\xa9\\ud83d\\ude00\\\"}}",
	"",
};

/* A well-formed add or remove in one of the writers' shapes, fields in random order. */
static size_t gen_line(char *buf, size_t cap)
{
	struct sb b = { buf, 0, cap };
	bool add = rng() % 4 != 0, spaced = rng() % 8 == 0;
	const char *fields[16];
	size_t n = 0;

	fields[n++] = "path";
	if (add || rng() % 2)
		fields[n++] = "size";
	if (add || rng() % 4 == 0)
		fields[n++] = "modificationTime";
	fields[n++] = "dataChange";
	if (add || rng() % 2)
		fields[n++] = "partitionValues";
	if (rng() % 4)
		fields[n++] = "stats";
	if (rng() % 2)
		fields[n++] = "tags";
	if (rng() % 3 == 0)
		fields[n++] = "deletionVector";
	if (rng() % 3 == 0)
		fields[n++] = "baseRowId";
	if (rng() % 4 == 0)
		fields[n++] = "clusteringProvider";
	if (!add)
		fields[n++] = "deletionTimestamp";
	if (!add && rng() % 2)
		fields[n++] = "extendedFileMetadata";
	if (rng() % 4 == 0)
		fields[n++] = "unknownField";
	if (rng() % 2)
		for (size_t i = n - 1; i > 0; i--) {
			size_t j = pick(i + 1);
			const char *t = fields[i];
			fields[i] = fields[j];
			fields[j] = t;
		}

	ws(&b, spaced);
	put(&b, add ? "{\"add\":" : "{\"remove\":");
	ws(&b, spaced);
	put(&b, "{");
	for (size_t i = 0; i < n; i++) {
		const char *k = fields[i];
		char num[32];
		if (i)
			put(&b, ",");
		ws(&b, spaced);
		put(&b, "\"");
		put(&b, k);
		put(&b, "\":");
		ws(&b, spaced);
		if (!strcmp(k, "path")) {
			put(&b, "\"");
			put(&b, gen_paths[pick(COUNT(gen_paths))]);
			put(&b, "\"");
		} else if (!strcmp(k, "size") || !strcmp(k, "modificationTime") ||
			   !strcmp(k, "baseRowId") || !strcmp(k, "deletionTimestamp")) {
			if (rng() % 16 == 0) {
				put(&b, gen_numbers[pick(COUNT(gen_numbers))]);
			} else {
				unsigned shift = (unsigned)pick(64); /* all magnitudes */
				snprintf(num, sizeof(num), "%" PRIu64, rng() >> shift);
				put(&b, rng() % 32 ? num : "null");
			}
		} else if (!strcmp(k, "partitionValues")) {
			static const char *const keys[] = { "date", "region", "ts", "\xc3\xa9", "" };
			size_t np = rng() % 3 ? pick(4) : 0;
			if (rng() % 16 == 0) { /* null, or whatever else: mostly a type error */
				gen_value(&b, 3, spaced);
				ws(&b, spaced);
				continue;
			}
			put(&b, "{");
			for (size_t j = 0; j < np; j++) {
				if (j)
					put(&b, ",");
				put(&b, "\"");
				put(&b, keys[rng() % 16 ? j : pick(np)]); /* sometimes a duplicate */
				put(&b, "\":");
				switch (pick(8)) {
				case 0:
				case 1: put(&b, "null"); break;
				case 2: gen_value(&b, 3, spaced); break;
				default:
					put(&b, "\"");
					put(&b, gen_strings[pick(rng() % 8 ? 8 : COUNT(gen_strings))]);
					put(&b, "\"");
					break;
				}
			}
			put(&b, "}");
		} else if (!strcmp(k, "stats")) {
			if (rng() % 16 == 0) {
				gen_value(&b, 3, spaced);
			} else if (rng() % 8 == 0) {
				put(&b, "null");
			} else {
				put(&b, "\"");
				put(&b, gen_stats[pick(COUNT(gen_stats))]);
				put(&b, "\"");
			}
		} else if (!strcmp(k, "deletionVector")) {
			put(&b, rng() % 4 ? "null"
					  : "{\"storageType\":\"u\",\"pathOrInlineDv\":\"ab^-aqEH.-t@S}K{vb[*k^\","
					    "\"offset\":4,\"sizeInBytes\":40,\"cardinality\":6}");
		} else if (!strcmp(k, "dataChange") || !strcmp(k, "extendedFileMetadata")) {
			put(&b, rng() % 2 ? "true" : "false");
		} else if (!strcmp(k, "clusteringProvider")) {
			put(&b, rng() % 2 ? "\"liquid\"" : "null");
		} else {
			gen_value(&b, 0, spaced);
		}
		ws(&b, spaced);
	}
	put(&b, "}");
	ws(&b, spaced);
	put(&b, "}");
	ws(&b, spaced);
	return b.len;
}

static const char *const mut_tokens[] = {
	"\\u0000", "\\ud83d\\ude00", "\\ud83d", "\\udc00", "\\u00e9", "\\u", "\\\"", "\\\\", "\\/",
	"\\n", "\\x", "\\", "\"", "\xc3\xa9", "\xc3", "\x80", "\xed\xa0\x80", "\xc0\xaf",
	"\xf4\x90\x80\x80", "\xff", "\x01", "\t", "\n", "\r", " ", "\f", "9223372036854775807",
	"9223372036854775808", "-9223372036854775808", "-9223372036854775809", "1e400", "1.5",
	"1E2", "-0", "00", "-", ".", "null", "true", "false", "nul", "{", "}", "[", "]", ":", ",",
	",\"size\":5", ",\"size\":null", ",\"path\":\"x\"", ",\"path\":5", ",\"deletionVector\":null",
	",\"deletionVector\":{\"storageType\":\"u\"}", ",\"partitionValues\":{\"a\":null}",
	",\"partitionValues\":{}", ",\"stats\":null", ",\"stats\":\"{}\"", ",\"modificationTime\":1",
	",\"tags\":{\"a\":[1,{\"b\":true}]}", ",\"x\":[[[[]]]]", "\"add\"", "\"remove\"",
	"{\"add\":", "}}", ",\"a\":\"b\"", "\"\":\"\"",
};

static const char mut_alphabet[] = "{}[]:,\"\\ \t\n0123456789-+.eEnulltruefalsepathsize";

static size_t mutate(char *buf, size_t len, size_t cap)
{
	/* Aim at the start and end too, where the structure is, not only at the stats. */
	size_t at;
	switch (pick(3)) {
	case 0: at = pick(len + 1); break;
	case 1: at = pick(len < 160 ? len + 1 : 161); break;
	default: at = len - pick(len < 160 ? len + 1 : 161); break;
	}

	switch (pick(8)) {
	case 0: /* delete a run */
		if (at < len) {
			size_t n = 1 + pick(4);
			if (n > len - at)
				n = len - at;
			memmove(buf + at, buf + at + n, len - at - n);
			len -= n;
		}
		break;
	case 1: /* replace a byte */
		if (at < len)
			buf[at] = mut_alphabet[pick(sizeof(mut_alphabet) - 1)];
		break;
	case 2: /* insert a byte, sometimes any byte */
		if (len < cap) {
			memmove(buf + at + 1, buf + at, len - at);
			buf[at] = rng() % 4 ? mut_alphabet[pick(sizeof(mut_alphabet) - 1)]
					    : (char)pick(256);
			len++;
		}
		break;
	case 3: /* truncate */
		len = at;
		break;
	case 4: /* change a digit */
		for (size_t i = at; i < len; i++)
			if (buf[i] >= '0' && buf[i] <= '9') {
				buf[i] = (char)('0' + pick(10));
				break;
			}
		break;
	case 5: /* copy a piece of itself elsewhere */
		if (len > 0) {
			size_t from = pick(len), n = 1 + pick(24);
			if (n > len - from)
				n = len - from;
			if (len + n <= cap) {
				char piece[24];
				memcpy(piece, buf + from, n);
				memmove(buf + at + n, buf + at, len - at);
				memcpy(buf + at, piece, n);
				len += n;
			}
		}
		break;
	default: { /* insert a token */
		const char *t = mut_tokens[pick(COUNT(mut_tokens))];
		size_t n = strlen(t);
		if (len + n <= cap) {
			memmove(buf + at + n, buf + at, len - at);
			memcpy(buf + at, t, n);
			len += n;
		}
		break;
	}
	}
	return len;
}

static void test_differential(void)
{
	enum { N = 250000 };
	static const char *const seeds[] = { spark_add, delta_rs_add, spark_remove };
	char buf[8192];
	long count[4] = { 0 }, gen_ok = 0, gen_n = 0;

	for (long i = 0; i < N; i++) {
		size_t len;
		int muts = rng() % 4 ? 1 + (int)pick(3) : 0;
		if (rng() % 4 == 0) {
			const char *seed = seeds[pick(COUNT(seeds))];
			memcpy(buf, seed, len = strlen(seed));
		} else {
			len = gen_line(buf, sizeof(buf) / 2);
		}
		for (int k = 0; k < muts; k++)
			len = mutate(buf, len, sizeof(buf));

		const char *why;
		enum outcome o = compare(buf, len, &why);
		count[o]++;
		if (!muts) {
			gen_n++;
			gen_ok += o == BOTH_1;
		}
		if (o == BROKEN && count[BROKEN] <= 10)
			fprintf(stderr, "FAIL line %ld (%s): \"%.*s\"\n", i, why, (int)len, buf);
	}
	if (getenv("FAST_ACTION_COVERAGE"))
		printf("both 1: %ld, fallback: %ld, both 0: %ld, unmutated taken: %ld of %ld\n",
		       count[BOTH_1], count[FALLBACK], count[BOTH_0], gen_ok, gen_n);
	CHECKF(count[BROKEN] == 0, "%ld of %d lines broke the contract", count[BROKEN], N);
	/* The generator must reach every outcome often, or the comparison proves little. */
	CHECKF(count[BOTH_1] > N / 5 && count[FALLBACK] > N / 20 && count[BOTH_0] > N / 5,
	       "weak coverage: both 1 %ld, fallback %ld, both 0 %ld", count[BOTH_1],
	       count[FALLBACK], count[BOTH_0]);
	/* And the ordinary lines must mostly take the fast path, or it is useless. */
	CHECKF(gen_ok > gen_n / 2, "only %ld of %ld unmutated lines taken", gen_ok, gen_n);
}

/* ---- microbenchmark --------------------------------------------------------------- */

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* What action.c does with a line each way: the fields, pv as text, stats unescaped. */
static size_t bench_fast(const char *line, size_t n, char *u)
{
	struct fast_file f;
	if (fast_file_action(line, n, &f) != 1)
		return 0;
	return f.path_len + (size_t)f.size + (size_t)f.modification_time +
	       (size_t)fast_unescape(f.stats, f.stats_len, u) + f.pv_len;
}

static size_t bench_jansson(const char *line, size_t n)
{
	json_t *o = json_loadb(line, n, 0, NULL);
	json_t *a = json_object_get(o, "add");
	size_t r = json_string_length(json_object_get(a, "path")) +
		   (size_t)json_integer_value(json_object_get(a, "size")) +
		   (size_t)json_integer_value(json_object_get(a, "modificationTime")) +
		   json_string_length(json_object_get(a, "stats"));
	char *pv = json_dumps(json_object_get(a, "partitionValues"),
			      JSON_COMPACT | JSON_PRESERVE_ORDER);
	r += strlen(pv);
	free(pv);
	json_decref(o);
	return r;
}

static void bench(void)
{
	enum { ITER = 20000 };
	size_t n = strlen(spark_add), fast_sum = 0, slow_sum = 0;
	char *u = xmalloc(n + 1);
	double t0 = now_ns();
	for (int i = 0; i < ITER; i++)
		fast_sum += bench_fast(spark_add, n, u);
	double t1 = now_ns();
	for (int i = 0; i < ITER; i++)
		slow_sum += bench_jansson(spark_add, n);
	double t2 = now_ns();
	free(u);
	/* Both read the same fields; the sums also keep the loops from being optimised away. */
	CHECKF(fast_sum == slow_sum, "bench: fast sum %zu, jansson sum %zu", fast_sum, slow_sum);
	double fast = (t1 - t0) / ITER, slow = (t2 - t1) / ITER;
	printf("bench: %zu-byte Spark add: fast %.0f ns/line, jansson %.0f ns/line (x%.1f)\n", n,
	       fast, slow, slow / fast);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_cases();
	test_unescape();
	test_differential();
	bench();
	return unit_done();
}
