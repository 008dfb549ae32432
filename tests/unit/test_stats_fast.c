/*
 * test_stats_fast.c - stats_num_records against hand cases, then a differential test:
 * random mutations of realistic stats texts, each run through the fast entry point and
 * through the jansson-only one.  The contract (lib/stats_fast.c): both agree, except that
 * the fast path may answer 1 where jansson finds the text invalid (-1).
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "jsonv.h"
#include "stats_fast.h"
#include "unit.h"

/* splitmix64 (unit.h): deterministic, so a failure reproduces. */
static uint64_t rng_state = 0xde17a;

static uint64_t rng(void)
{
	return unit_rng(&rng_state);
}

/* Runs f on an exact-size heap copy (no terminator), so ASan sees any over-read. */
static int call(int (*f)(const char *, size_t, int64_t *), const char *s, size_t len,
		int64_t *out)
{
	char *copy = malloc(len ? len : 1);
	if (!copy)
		abort();
	memcpy(copy, s, len);
	int r = f(copy, len, out);
	free(copy);
	return r;
}

/*
 * For a fast-only answer the contract promises the text is `{"numRecords":N,...` (after
 * a '}' the fast path allows only whitespace, so that text would be valid) and that
 * `{"numRecords":N}` is valid JSON with the same count.
 */
static bool prefix_agrees(const char *buf, size_t len, int64_t fv)
{
	char prefix[64];
	size_t n = 14;
	int64_t v = -42;

	if (len <= n || memcmp(buf, "{\"numRecords\":", n) != 0)
		return false;
	n += buf[n] == '-';
	while (n < len && buf[n] >= '0' && buf[n] <= '9')
		n++;
	if (n == len || buf[n] != ',' || n + 1 >= sizeof(prefix))
		return false;
	memcpy(prefix, buf, n);
	prefix[n] = '}';
	return call(stats_num_records_slow, prefix, n + 1, &v) == 1 && v == fv;
}

#define T(s, r, v) { s, sizeof(s) - 1, r, v }
static const struct {
	const char *in;
	size_t len;
	int ret;
	int64_t value; /* when ret == 1 */
} cases[] = {
	T("{\"numRecords\":10,\"minValues\":{\"value\":0},\"maxValues\":{\"value\":9},"
	  "\"nullCount\":{\"value\":0},\"tightBounds\":false}", 1, 10),
	T("{\"numRecords\":0}", 1, 0),
	T("{\"numRecords\":7}\n", 1, 7),
	T("{\"numRecords\":7}  \t\r\n", 1, 7),
	T("{\"numRecords\":-0}", 1, 0),
	T("{\"numRecords\":9223372036854775807}", 1, INT64_MAX),
	T("{\"numRecords\":9223372036854775807,\"minValues\":{}}", 1, INT64_MAX),
	T("{\"numRecords\":9223372036854775808}", -1, 0),
	T("{\"numRecords\":18446744073709551616,\"minValues\":{}}", -1, 0),
	T("{\"numRecords\":-1}", -1, 0),
	T("{\"numRecords\":-9223372036854775808}", -1, 0),
	T("{\"numRecords\":1e3}", -1, 0),
	T("{\"numRecords\":1E3,\"minValues\":{}}", -1, 0),
	T("{\"numRecords\":1.0}", -1, 0),
	T("{\"numRecords\":1.5,\"minValues\":{}}", -1, 0),
	T("{\"numRecords\":\"5\"}", -1, 0),
	T("{\"numRecords\":true}", -1, 0),
	T("{\"numRecords\":{}}", -1, 0),
	T("{\"numRecords\":[1]}", -1, 0),
	T("{\"numRecords\":007}", -1, 0),
	T("{\"numRecords\":00}", -1, 0),
	T("{\"numRecords\":+5}", -1, 0),
	T("{\"numRecords\":null}", 0, 0),
	T("{\"numRecords\":null,\"minValues\":{\"a\":1}}", 0, 0),
	T("{}", 0, 0),
	T("{\"minValues\":{},\"maxValues\":{},\"nullCount\":{}}", 0, 0),
	T(" {\"numRecords\":5}", 1, 5),
	T("\n{ \"numRecords\" : 5 , \"minValues\" : { } }\n", 1, 5),
	T("{\"numRecords\" :5}", 1, 5),
	T("{\"numRecords\": 5}", 1, 5),
	T("{\"numRecords\":5 }", 1, 5),
	T("{\"tightBounds\":true,\"numRecords\":99}", 1, 99),
	/* nested numRecords is not the file's */
	T("{\"minValues\":{\"numRecords\":5},\"maxValues\":{\"numRecords\":6}}", 0, 0),
	T("{\"numRecords\":3,\"minValues\":{\"numRecords\":5}}", 1, 3),
	T("{\"minValues\":{\"numRecords\":5},\"numRecords\":3}", 1, 3),
	T("{\"minValues\":{\"s\":\"numRecords\"},\"numRecords\":3}", 1, 3),
	T("{\"numRecords\":3,\"minValues\":{\"s\":\"\\\"numRecords\\\":4\"}}", 1, 3),
	/* duplicates: the last one wins */
	T("{\"numRecords\":3,\"numRecords\":4}", 1, 4),
	T("{\"numRecords\":3,\"minValues\":{},\"numRecords\":null}", 0, 0),
	T("{\"numRecords\":3,\"numRecords\":\"x\"}", -1, 0),
	/* escaped keys */
	T("{\"num\\u0052ecords\":8}", 1, 8),
	T("{\"numRecords\":3,\"num\\u0052ecords\":8}", 1, 8),
	T("{\"numRecords\":3,\"\\u006eumRecords\":8,\"minValues\":{}}", 1, 8),
	T("{\"numRecords\":3,\"minValues\":{\"s\":\"\\u00e9\"}}", 1, 3),
	T("{\"numRecords\":3,\"minValues\":{\"s\":\"a\\\"b\\\\c\\n\"}}", 1, 3),
	T("{\"numRecords\":3,\"minValues\":{\"s\":\"\\u0000\"}}", 1, 3),
	T("{\"numRecords\\u0000\":3}", -1, 0), /* jansson rejects NUL in keys */
	T("{\"numRecords\":5,\"\\u0000\":1}", -1, 0),
	/* integers beyond int64_t elsewhere (decimal(38,0) stats) */
	T("{\"numRecords\":5,\"minValues\":{\"d\":123456789012345678901234567890}}", 1, 5),
	T("{\"minValues\":{\"d\":-123456789012345678901234567890},\"numRecords\":5}", 1, 5),
	T("{\"minValues\":{\"d\":123456789012345678901234567890},\"numRecords\":5.0}", -1, 0),
	T("{\"minValues\":{\"d\":123456789012345678901234567890}}", 0, 0),
	T("{\"minValues\":{\"d\":123456789012345678901234567890},\"numRecords\":null}", 0, 0),
	T("{\"minValues\":{\"d\":123456789012345678901234567890},\"numRecords\":\"5\"}", -1, 0),
	T("{\"minValues\":{\"d\":123456789012345678901234567890},\"numRecords\":-5}", -1, 0),
	T("{\"minValues\":{\"d\":123456789012345678901234567890},\"numRecords\":"
	  "123456789012345678901234567890}", -1, 0),
	T("{\"minValues\":{\"d\":123456789012345678901234567890},\"numRecords\":1,"
	  "\"num\\u0052ecords\":2,\"x\":[{\"numRecords\":3}],\"y\":\"}\"}", 1, 2),
	T("{\"minValues\":{\"d\":123456789012345678901234567890},\"numRecords\":1,}", -1, 0),
	T("{\"minValues\":{\"d\":1e400},\"numRecords\":1}", -1, 0), /* documented limit */
	/* not JSON, or not an object */
	T("", -1, 0),
	T(" ", -1, 0),
	T("null", -1, 0),
	T("5", -1, 0),
	T("[]", -1, 0),
	T("[{\"numRecords\":5}]", -1, 0),
	T("\"{\\\"numRecords\\\":5}\"", -1, 0),
	T("garbage", -1, 0),
	T("{", -1, 0),
	T("{\"numRecords\"", -1, 0),
	T("{\"numRecords\":", -1, 0),
	T("{\"numRecords\":5", -1, 0),
	T("{\"numRecords\":5}x", -1, 0),
	T("{\"numRecords\":5}{}", -1, 0),
	T("{\"numRecords\":5}\0", -1, 0),
	T("{\"numRecords\":\0 5}", -1, 0),
	T("{'numRecords':5}", -1, 0),
	T("{numRecords:5}", -1, 0),
	T("{\"numRecords\":0x10}", -1, 0),
	T("{\"numRecords\":5,\"numRecords\"}", -1, 0),
	T("{\"numRecords\":5,\"numRecords\":6,}", -1, 0),
	T("{\"a\":\"\xff\",\"numRecords\":5}", -1, 0), /* invalid UTF-8 */
};

/* Inputs where the fast path answers and jansson says invalid: allowed, pinned here. */
static const struct {
	const char *in;
	size_t len;
	int ret;
	int64_t value;
} fast_only[] = {
	T("{\"numRecords\":5,", 1, 5),
	T("{\"numRecords\":5,]", 1, 5),
	T("{\"numRecords\":5,\"minValues\":{\"a\":1}", 1, 5),
	T("{\"numRecords\":5,\"a\":\"\xff\"}", 1, 5),
	T("{\"numRecords\":5,,}", 1, 5),
};

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t fv = -42, sv = -42;
		int f = call(stats_num_records, cases[i].in, cases[i].len, &fv);
		int s = call(stats_num_records_slow, cases[i].in, cases[i].len, &sv);
		int64_t want = cases[i].ret == 1 ? cases[i].value : -42;
		CHECKF(f == cases[i].ret && fv == want, "case %zu fast: %d %" PRId64 ", want %d",
		       i, f, fv, cases[i].ret);
		CHECKF(s == cases[i].ret && sv == want, "case %zu slow: %d %" PRId64 ", want %d",
		       i, s, sv, cases[i].ret);
	}
	for (size_t i = 0; i < sizeof(fast_only) / sizeof(fast_only[0]); i++) {
		int64_t fv = -42, sv = -42;
		int f = call(stats_num_records, fast_only[i].in, fast_only[i].len, &fv);
		int s = call(stats_num_records_slow, fast_only[i].in, fast_only[i].len, &sv);
		CHECKF(f == 1 && fv == fast_only[i].value && s == -1 && sv == -42 &&
		       prefix_agrees(fast_only[i].in, fast_only[i].len, fv),
		       "fast-only %zu: fast %d %" PRId64 ", slow %d", i, f, fv, s);
	}
	int64_t v = -42;
	CHECKF(stats_num_records(NULL, 0, &v) == -1 && v == -42, "NULL");
	CHECKF(stats_num_records_slow(NULL, 0, &v) == -1 && v == -42, "NULL slow");
}

/* ---- differential test ------------------------------------------------------------ */

static const char *const seeds[] = {
	"{\"numRecords\":10,\"minValues\":{\"value\":0},\"maxValues\":{\"value\":9},"
	"\"nullCount\":{\"value\":0},\"tightBounds\":false}",
	"{\"numRecords\":3,\"minValues\":{\"id\":1,\"name\":\"a\\\"b\",\"ts\":"
	"\"2021-11-18T02:30:00.123Z\",\"nested\":{\"numRecords\":5,\"x\":-1.5e3}},"
	"\"maxValues\":{\"id\":3,\"name\":\"zz\\u007f\",\"ts\":\"2021-11-18T02:30:00.123-07:00\","
	"\"nested\":{\"numRecords\":9,\"x\":\"NaN\"}},\"nullCount\":{\"id\":0,\"name\":1,"
	"\"ts\":0,\"nested\":{\"numRecords\":0,\"x\":2}}}",
	"{\"numRecords\":42,\"minValues\":{\"d\":123456789012345678901234567890,\"f\":0.5},"
	"\"maxValues\":{\"d\":923456789012345678901234567890,\"f\":\"Infinity\"},"
	"\"nullCount\":{\"d\":0,\"f\":0}}",
	"{\"numRecords\":9223372036854775807,\"tightBounds\":true}",
	"{\"tightBounds\":false,\"numRecords\":1234,\"minValues\":{\"a\":[1,2,{\"b\":null}]}}",
	"{\"minValues\":{},\"maxValues\":{},\"nullCount\":{}}",
	"{\"numRecords\":null,\"minValues\":{\"s\":\"\\u00e9\\n\"}}",
	"{\"numRecords\":7,\"num\\u0052ecords\":8,\"minValues\":{\"s\":\"\\\\u\"}}",
	"{\"numRecords\":0}",
	" { \"numRecords\" : 17 , \"minValues\" : { \"v\" : true } } ",
};

static const char *const tokens[] = {
	"\"numRecords\":", ",\"numRecords\":5", ",\"numRecords\":null", ",\"num\\u0052ecords\":6",
	"\\u", "\\u0052", "\\\"", "\\\\", "9223372036854775807", "9223372036854775808",
	"-9223372036854775808", "123456789012345678901234567890", "1e400", "-", "0", "00",
	"1e3", "1.0", ".5", "null", "true", "\"", "{", "}", "[", "]", ":", ",", " ", "\n",
	"{\"numRecords\":", "}}", "\"x\":", "\xc3\xa9", "\xff", "numRecords",
};

static const char alphabet[] = "{}[]:,\"\\ \t\n0123456789-+.eEnulltruefalsenumRecords";

static size_t mutate(char *buf, size_t len, size_t cap)
{
	/* Half the edits land near the front, where the fast path looks. */
	size_t span = rng() % 2 && len > 24 ? 24 : len;
	size_t at = (size_t)(rng() % (span + 1));

	switch (rng() % 8) {
	case 0: /* delete a run */
		if (at < len) {
			size_t n = 1 + rng() % 4;
			if (n > len - at)
				n = len - at;
			memmove(buf + at, buf + at + n, len - at - n);
			len -= n;
		}
		break;
	case 1: /* replace a byte */
		if (at < len)
			buf[at] = alphabet[rng() % (sizeof(alphabet) - 1)];
		break;
	case 2: /* insert a byte */
		if (len < cap) {
			memmove(buf + at + 1, buf + at, len - at);
			buf[at] = alphabet[rng() % (sizeof(alphabet) - 1)];
			len++;
		}
		break;
	case 3: /* truncate */
		len = at;
		break;
	case 4: { /* bump a digit, which is where the value lives */
		for (size_t i = at; i < len; i++)
			if (buf[i] >= '0' && buf[i] <= '9') {
				buf[i] = (char)('0' + rng() % 10);
				break;
			}
		break;
	}
	case 5: /* copy a piece of itself elsewhere */
		if (len > 0) {
			size_t from = (size_t)(rng() % len), n = 1 + rng() % 16;
			if (n > len - from)
				n = len - from;
			if (len + n <= cap) {
				char piece[16];
				memcpy(piece, buf + from, n);
				memmove(buf + at + n, buf + at, len - at);
				memcpy(buf + at, piece, n);
				len += n;
			}
		}
		break;
	default: { /* insert a token */
		const char *t = tokens[rng() % (sizeof(tokens) / sizeof(tokens[0]))];
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

/* A random test text: a seed, mutated none to four times (within cap bytes). */
static size_t mutant(char *buf, size_t cap)
{
	const char *seed = seeds[rng() % (sizeof(seeds) / sizeof(seeds[0]))];
	size_t len = strlen(seed);
	memcpy(buf, seed, len);
	for (int k = rng() % 3 ? 0 : (int)(rng() % 4); k >= 0; k--)
		len = mutate(buf, len, cap);
	return len;
}

static void test_differential(void)
{
	enum { N = 200000 };
	char buf[1024];
	long agree[3] = { 0 }, fast_only_n = 0, bad = 0, fast_shape = 0;

	for (long i = 0; i < N; i++) {
		size_t len = mutant(buf, sizeof(buf));

		int64_t fv = -42, sv = -42;
		int f = call(stats_num_records, buf, len, &fv);
		int s = call(stats_num_records_slow, buf, len, &sv);
		if (f == s && fv == sv) {
			agree[s + 1]++;
			if (s == 1 && len > 14 && memcmp(buf, "{\"numRecords\":", 14) == 0)
				fast_shape++;
		} else if (f == 1 && s == -1 && sv == -42 && prefix_agrees(buf, len, fv)) {
			fast_only_n++;
		} else if (bad++ < 10) {
			fprintf(stderr,
				"FAIL mutation %ld: fast %d %" PRId64 ", slow %d %" PRId64 ": \"%.*s\"\n",
				i, f, fv, s, sv, (int)len, buf);
		}
	}
	if (getenv("STATS_COVERAGE"))
		printf("1:%ld (fast shape %ld) 0:%ld -1:%ld fast-only:%ld\n", agree[2],
		       fast_shape, agree[1], agree[0], fast_only_n);
	CHECKF(bad == 0, "%ld of %d mutations broke the contract", bad, N);
	/* The generator must reach every outcome often, or the comparison proves little. */
	CHECKF(agree[2] > N / 10 && fast_shape > N / 20 && agree[1] > N / 100 &&
	       agree[0] > N / 10 && fast_only_n > N / 100,
	       "weak coverage: 1:%ld (fast shape %ld) 0:%ld -1:%ld fast-only:%ld", agree[2],
	       fast_shape, agree[1], agree[0], fast_only_n);
}

/* What check asks jansson (lib/check.c stats_rule): the text is an object, with no key
 * twice in any object, whose numRecords is absent, null or an integer >= 0. */
static bool strictly_valid_slow(const char *s)
{
	json_t *st = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
	json_t *nr = json_object_get(st, "numRecords");
	bool ok = json_is_object(st) &&
		  (!nr || json_is_null(nr) || (json_is_integer(nr) && json_integer_value(nr) >= 0));
	json_decref(st);
	return ok;
}

/* Runs stats_strictly_valid on an exact-size heap copy with its terminator. */
static bool strictly_valid_fast(const char *s, size_t len)
{
	char *copy = malloc(len + 1);
	if (!copy)
		abort();
	memcpy(copy, s, len);
	copy[len] = '\0';
	bool r = stats_strictly_valid(copy);
	free(copy);
	return r;
}

static void test_strict_cases(void)
{
	static const struct {
		const char *s;
		bool fast; /* the fast answer; a true one must be jansson's too */
	} cases[] = {
		{ "{}", true },
		{ " {\"numRecords\":3,\"minValues\":{\"a\":1.5e-3,\"b\":\"x\\\"y\"},\"tightBounds\":true} ", true },
		{ "{\"numRecords\":null,\"nullCount\":{\"a\":[1,{\"b\":false}]}}", true },
		{ "{\"x\":{\"numRecords\":-1}}", true },          /* nested: not the count */
		{ "{\"numRecords\":-1}", false },                 /* jansson: DQ114 */
		{ "{\"numRecords\":1.0}", false },
		{ "{\"numRecords\":\"5\"}", false },
		{ "{\"a\":1,\"a\":2}", false },                   /* duplicate */
		{ "{\"m\":{\"a\":1,\"b\":{\"a\":2},\"a\":3}}", false },
		{ "{\"a\":1,\"b\":{\"a\":2}}", true },          /* same key, other object */
		{ "{\"a\\/\":1}", false },                        /* escape in a key: ask */
		{ "{\"a\":\"\\u0041\"}", false },              /* \u: ask */
		{ "{\"a\":01}", false },
		{ "{\"a\":1e400}", false },
		{ "{\"a\":123456789012345678901}", false },      /* beyond int64: ask */
		{ "{\"a\":\"\xc3\xa9\"}", true },
		{ "{\"a\":\"\xed\xa0\x80\"}", false },          /* a surrogate */
		{ "{\"a\":\"\x01\"}", false },                   /* a control character */
		{ "{\"a\":1} x", false },
		{ "[1]", false },
		{ "", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool f = stats_strictly_valid(cases[i].s), s = strictly_valid_slow(cases[i].s);
		CHECKF(f == cases[i].fast, "case %zu: fast says %d for %s", i, f, cases[i].s);
		CHECKF(!f || s, "case %zu: fast says valid, jansson does not: %s", i, cases[i].s);
	}
}

/* Random mutations: a fast "valid" must always be jansson's, and the fast path must
 * decide most valid texts itself, or it saves nothing. */
static void test_strict_differential(void)
{
	enum { N = 200000 };
	char buf[1025];
	long valid = 0, fast_valid = 0, bad = 0;
	for (long i = 0; i < N; i++) {
		size_t len = mutant(buf, sizeof(buf) - 1);
		if (memchr(buf, '\0', len))
			continue; /* check hands over NUL-terminated texts */
		buf[len] = '\0';
		bool f = strictly_valid_fast(buf, len), s = strictly_valid_slow(buf);
		valid += s;
		fast_valid += f;
		if (f && !s && bad++ < 10)
			fprintf(stderr, "FAIL mutation %ld: fast says valid, jansson does not: \"%s\"\n", i, buf);
	}
	if (getenv("STATS_COVERAGE"))
		printf("strict: %ld valid, %ld decided fast\n", valid, fast_valid);
	CHECKF(bad == 0, "%ld of %d mutations: fast valid, jansson not", bad, N);
	CHECKF(valid > N / 10 && fast_valid > valid / 2,
	       "weak coverage: %ld valid, %ld of them decided fast", valid, fast_valid);
}

/* json_surely_valid without flags, as check uses it for commit lines it does not read:
 * on exact-size copies without a terminator (ASan sees any over-read), a true answer
 * must be jansson's (json_loadb gives an object). */
static void test_lines_differential(void)
{
	enum { N = 200000 };
	char buf[1024];
	long valid = 0, fast_valid = 0, bad = 0;
	for (long i = 0; i < N; i++) {
		size_t len = mutant(buf, sizeof(buf));
		char *copy = malloc(len ? len : 1);
		if (!copy)
			abort();
		memcpy(copy, buf, len);
		bool f = json_surely_valid(copy, len, 0);
		json_t *o = json_loadb(copy, len, 0, NULL);
		bool s = json_is_object(o);
		json_decref(o);
		free(copy);
		valid += s;
		fast_valid += f;
		if (f && !s && bad++ < 10)
			fprintf(stderr, "FAIL mutation %ld: surely valid, jansson not: \"%.*s\"\n", i,
				(int)len, buf);
	}
	if (getenv("STATS_COVERAGE"))
		printf("lines: %ld valid, %ld decided fast\n", valid, fast_valid);
	CHECKF(bad == 0, "%ld of %d mutations: surely valid, jansson not", bad, N);
	CHECKF(valid > N / 10 && fast_valid > valid / 2,
	       "weak coverage: %ld valid, %ld of them decided fast", valid, fast_valid);
	/* Hand cases of the bounded form: a text cut before its end is not valid. */
	CHECK(json_surely_valid("{\"a\":1}", 7, 0));
	CHECK(!json_surely_valid("{\"a\":1}", 6, 0));
	CHECK(!json_surely_valid("{\"a\":tru", 8, 0));
	CHECK(json_surely_valid("{\"a\":1,\"a\":2}", 13, 0));   /* duplicates allowed */
	CHECK(!json_surely_valid("{\"a\":1,\"a\":2}", 13, JV_REJECT_DUPLICATES));
	CHECK(!json_surely_valid("{\"a\":1} {\"b\":2}", 15, 0));
}

int main(void)
{
	test_cases();
	test_differential();
	test_strict_cases();
	test_strict_differential();
	test_lines_differential();
	return unit_done();
}
