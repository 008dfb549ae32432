/*
 * redact.c - the surrogates of bundle --redact (see redact.h for what they preserve).
 *
 * Randomness comes from HMAC-SHA-256 keyed with SHA-256(KEY) over "domain \0 value \0
 * counter", so a surrogate depends on the key, the kind of value (string, date, integer,
 * path, ...) and the value only.
 */
#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "redact.h"
#include "timeutil.h"
#include "uri.h"

void redact_init(struct redactor *r, const char *key)
{
	struct sha256 s;
	uint8_t k[32];
	sha256_init(&s);
	sha256_update(&s, key, strlen(key));
	sha256_final(&s, k);
	hmac_sha256_init(&r->mac, k, sizeof(k));
	r->types = json_object();
	r->partition_columns = json_array();
}

void redact_release(struct redactor *r)
{
	json_decref(r->types);
	json_decref(r->partition_columns);
	r->types = r->partition_columns = NULL;
}

/* n pseudo-random bytes for (domain, value): HMAC(domain NUL value NUL counter), the
 * counter a native-endian uint32 counting 32-byte blocks. */
static void prf(const struct redactor *r, const char *domain, const char *v, size_t vn,
		uint8_t *out, size_t n)
{
	static const uint8_t nul = 0;
	uint8_t mac[32];
	for (uint32_t ctr = 0; n; ctr++) {
		struct sha256 s = r->mac.inner;
		sha256_update(&s, domain, strlen(domain) + 1);
		sha256_update(&s, v, vn);
		sha256_update(&s, &nul, 1);
		sha256_update(&s, &ctr, 4);
		hmac_sha256_final(&r->mac, &s, mac);
		size_t take = n < 32 ? n : 32;
		memcpy(out, mac, take);
		out += take;
		n -= take;
	}
}

/* The first 8 bytes of b as a big-endian number. */
static uint64_t be64(const uint8_t *b)
{
	uint64_t x = 0;
	for (int i = 0; i < 8; i++)
		x = x << 8 | b[i];
	return x;
}

static uint64_t prf64(const struct redactor *r, const char *domain, const char *v, size_t vn)
{
	uint8_t b[8];
	prf(r, domain, v, vn, b, 8);
	return be64(b);
}

char *redact_text(const struct redactor *r, const char *domain, const char *s, size_t n)
{
	char *out = malloc(n + 1);
	uint8_t *b = malloc(n ? n : 1);
	if (!out || !b) {
		free(out);
		free(b);
		return NULL;
	}
	prf(r, domain, s, n, b, n);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 'a' && c <= 'z')
			out[i] = (char)('a' + b[i] % 26);
		else if (c >= 'A' && c <= 'Z')
			out[i] = (char)('A' + b[i] % 26);
		else if (c >= '0' && c <= '9')
			out[i] = (char)('0' + b[i] % 10);
		else
			out[i] = (char)c;
	}
	out[n] = '\0';
	free(b);
	return out;
}

/* ---- dates and timestamps ------------------------------------------------------------ */

static bool digits(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* Whether s starts "YYYY-MM-DD". */
static bool date_shaped(const char *s, size_t n)
{
	return n >= 10 && digits(s, 4) && s[4] == '-' && digits(s + 5, 2) && s[7] == '-' &&
	       digits(s + 8, 2);
}

/*
 * A date or timestamp in the same layout: a date from 1970-01-01 to 2099-12-31, a time of
 * day, random fraction digits; separators and any zone suffix kept.
 */
static char *redact_datetime(const struct redactor *r, const char *domain, const char *s,
			     size_t n)
{
	char *out = dq_strdup(s);
	if (!out)
		return NULL;
	uint8_t b[32];
	prf(r, domain, s, n, b, sizeof(b));
	int64_t y;
	unsigned m, d;
	/* 47482 days: 1970-01-01 .. 2099-12-31 */
	time_civil_from_days((int64_t)(be64(b) % 47482), &y, &m, &d);
	char date[40];
	snprintf(date, sizeof(date), "%04d-%02u-%02u", (int)y, m, d);
	memcpy(out, date, 10);
	/* "T12:34:56" or " 12:34:56", then ".fff" */
	if (n >= 19 && (s[10] == 'T' || s[10] == ' ') && digits(s + 11, 2) && s[13] == ':' &&
	    digits(s + 14, 2) && s[16] == ':' && digits(s + 17, 2)) {
		char t[16];
		snprintf(t, sizeof(t), "%02u:%02u:%02u", b[8] % 24u, b[9] % 60u, b[10] % 60u);
		memcpy(out + 11, t, 8);
		size_t i = 19, k = 11;
		if (i < n && s[i] == '.')
			for (i++; i < n && isdigit((unsigned char)s[i]); i++)
				out[i] = (char)('0' + b[k++ % 32] % 10);
	}
	return out;
}

/* ---- numbers --------------------------------------------------------------------------- */

static int64_t type_max(const char *type)
{
	if (!type)
		return INT64_MAX;
	if (!strcmp(type, "byte"))
		return 127;
	if (!strcmp(type, "short"))
		return 32767;
	if (!strcmp(type, "integer"))
		return 2147483647;
	return INT64_MAX;
}

/* An integer of the same sign and digit count, at most max in magnitude. */
static int64_t redact_int(const struct redactor *r, const char *domain, int64_t v, int64_t max)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%" PRId64, v);
	uint64_t mag = v < 0 ? (uint64_t)(-(v + 1)) + 1 : (uint64_t)v;
	int d = 1;
	uint64_t lo = 0, hi = 9;
	for (uint64_t t = mag; t >= 10; t /= 10)
		d++;
	if (d > 1) {
		lo = 1;
		for (int i = 1; i < d; i++)
			lo *= 10;
		hi = d >= 20 ? UINT64_MAX : lo * 10 - 1;
	}
	if (v < 0 && lo == 0)
		lo = 1; /* "-0" is not a surrogate of "-5" */
	if (hi > (uint64_t)max)
		hi = (uint64_t)max;
	if (hi < lo)
		hi = lo;
	uint64_t s = lo + prf64(r, domain, buf, (size_t)n) % (hi - lo + 1);
	return v < 0 ? -(int64_t)s : (int64_t)s;
}

/* A float of the same sign and power of ten. */
static double redact_double(const struct redactor *r, const char *domain, double v)
{
	if (v == 0 || !isfinite(v))
		return v;
	char buf[40], *e;
	int n = snprintf(buf, sizeof(buf), "%.17g", v);
	uint64_t m = 1000 + prf64(r, domain, buf, (size_t)n) % 9000; /* 1.000 to 9.999 */
	/* Its power of ten, from the exponent printf finds (no libm: see the Makefile). */
	snprintf(buf, sizeof(buf), "%.17e", v < 0 ? -v : v);
	e = strchr(buf, 'e');
	snprintf(buf, sizeof(buf), "%s%d.%03de%d", v < 0 ? "-" : "", (int)(m / 1000), (int)(m % 1000),
		 e ? atoi(e + 1) : 0);
	return strtod(buf, NULL);
}

/* ---- partition values and stats ------------------------------------------------------- */

static const char *type_name(const json_t *type)
{
	return json_is_string(type) ? json_string_value(type) : NULL;
}

char *redact_partition_value(const struct redactor *r, const char *type, const char *s)
{
	size_t n = strlen(s);
	if (!n)
		return dq_strdup(s);
	if (type && (!strcmp(type, "date") || !strncmp(type, "timestamp", 9)) && date_shaped(s, n))
		return redact_datetime(r, "datetime", s, n);
	if (type && (!strcmp(type, "byte") || !strcmp(type, "short") || !strcmp(type, "integer") ||
		     !strcmp(type, "long"))) {
		char *end;
		long long v = strtoll(s, &end, 10);
		if (!*end) {
			char out[32];
			snprintf(out, sizeof(out), "%" PRId64,
				 redact_int(r, "integer", (int64_t)v, type_max(type)));
			return dq_strdup(out);
		}
	}
	if (type && !strcmp(type, "boolean") && (!strcmp(s, "true") || !strcmp(s, "false")))
		return dq_strdup(prf64(r, "boolean", s, n) & 1 ? "true" : "false");
	/* strings, decimals, floats: letters stay letters, digits stay digits */
	char *out = redact_text(r, "text", s, n);
	if (out && type && strcmp(type, "string") && strcmp(type, "binary"))
		for (size_t i = 0; i < n; i++)
			/* a number keeps a non-zero leading digit */
			if (isdigit((unsigned char)s[i])) {
				if (s[i] != '0' && out[i] == '0')
					out[i] = '1';
				break;
			}
	return out;
}

json_t *redact_stat_value(const struct redactor *r, const json_t *type, const json_t *v)
{
	const char *t = type_name(type);
	if (json_is_integer(v)) {
		int64_t x = json_integer_value(v);
		int64_t max = t ? type_max(t) : (x < 0 ? INT64_MAX : x > 9 ? x : 9);
		return json_integer(redact_int(r, "integer", x, max));
	}
	if (json_is_real(v))
		return json_real(redact_double(r, "float", json_real_value(v)));
	if (json_is_boolean(v))
		return json_boolean(prf64(r, "boolean", json_is_true(v) ? "true" : "false", 4) & 1);
	if (json_is_string(v)) {
		const char *s = json_string_value(v);
		size_t n = json_string_length(v);
		char *out;
		if ((!t || !strcmp(t, "date") || !strncmp(t, "timestamp", 9)) && date_shaped(s, n) &&
		    !memchr(s, '\0', n))
			out = redact_datetime(r, "datetime", s, n);
		else
			out = redact_text(r, "text", s, n);
		json_t *j = out ? json_stringn(out, n) : NULL;
		free(out);
		return j;
	}
	return json_incref((json_t *)v);
}

/* ---- paths ------------------------------------------------------------------------------ */

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
					       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The characters Hive and Spark escape in partition folder names. */
static bool escaped(unsigned char c)
{
	return c < 0x20 || c == 0x7f || strchr("\"#%'*/:=?\\{[]^", c) != NULL;
}

static int append_escaped(struct dq_buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char e[4];
		if (escaped(c)) {
			snprintf(e, sizeof(e), "%%%02X", c);
			if (dq_buf_append(b, e, 3))
				return -1;
		} else if (dq_buf_append(b, s, 1)) {
			return -1;
		}
	}
	return 0;
}

/* "k=v" with k a partition column: v's surrogate, as partitionValues gets it. */
static int partition_segment(const struct redactor *r, const char *seg, size_t n,
			     struct dq_buf *b)
{
	const char *eq = memchr(seg, '=', n);
	if (!eq)
		return 1;
	size_t kn = (size_t)(eq - seg);
	char *key = malloc(kn + 1), *val = malloc(n - kn);
	if (!key || !val) {
		free(key);
		free(val);
		return -1;
	}
	/* both halves percent-decoded (taken as they are when an escape is malformed) */
	size_t dn;
	if (!uri_decode(seg, kn, key, &dn))
		memcpy(key, seg, dn = kn);
	key[dn] = '\0';
	if (!uri_decode(seg + kn + 1, n - kn - 1, val, &dn))
		memcpy(val, seg + kn + 1, dn = n - kn - 1);
	val[dn] = '\0';
	int rc = 1;
	size_t i;
	json_t *c;
	json_array_foreach(r->partition_columns, i, c)
		if (!strcmp(json_string_value(c), key)) {
			rc = 0;
			break;
		}
	if (rc == 0) {
		char *sv = !strcmp(val, "__HIVE_DEFAULT_PARTITION__")
				   ? dq_strdup(val)
				   : redact_partition_value(r, type_name(json_object_get(r->types, key)),
							    val);
		rc = !sv || dq_buf_append(b, seg, kn + 1) || append_escaped(b, sv) ? -1 : 0;
		free(sv);
	}
	free(key);
	free(val);
	return rc;
}

char *redact_path(const struct redactor *r, const char *path)
{
	struct dq_buf b = { 0 };
	const char *p = path;
	/* a scheme ("s3://", "file:") stays */
	const char *colon = strchr(p, ':');
	if (colon && colon > p && !memchr(p, '/', (size_t)(colon - p)) && colon - p > 1) {
		size_t keep = (size_t)(colon - p) + 1;
		while (p[keep] == '/')
			keep++;
		if (dq_buf_append(&b, p, keep))
			goto oom;
		p += keep;
	}
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);
		int rc = n ? partition_segment(r, p, n, &b) : 1;
		if (rc < 0)
			goto oom;
		if (rc > 0 && n) {
			/* a folder or file name: its extension (from the first '.') stays, and so
			 * do percent escapes */
			const char *dot = memchr(p, '.', n);
			size_t stem = dot && dot != p ? (size_t)(dot - p) : n;
			char *red = redact_text(r, "path", p, stem);
			if (!red)
				goto oom;
			for (size_t i = 0; i < stem; i++)
				if (p[i] == '%' && i + 2 < stem && hexval(p[i + 1]) >= 0 &&
				    hexval(p[i + 2]) >= 0) {
					red[i + 1] = p[i + 1];
					red[i + 2] = p[i + 2];
					i += 2;
				}
			int e = dq_buf_append(&b, red, stem) || dq_buf_append(&b, p + stem, n - stem);
			free(red);
			if (e)
				goto oom;
		}
		p += n;
		if (*p == '/') {
			if (dq_buf_append(&b, "/", 1))
				goto oom;
			p++;
		}
	}
	if (!b.data && dq_buf_append(&b, "", 0))
		goto oom;
	return b.data;
oom:
	dq_buf_release(&b);
	return NULL;
}

/* ---- actions ------------------------------------------------------------------------------ */

static void learn_fields(json_t *types, const json_t *type)
{
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(type, "fields"), i, f) {
		json_t *name = json_object_get(f, "name"), *t = json_object_get(f, "type");
		json_t *phys = json_object_get(json_object_get(f, "metadata"),
					       "delta.columnMapping.physicalName");
		if (json_is_string(name))
			json_object_set(types, json_string_value(name), t);
		if (json_is_string(phys))
			json_object_set(types, json_string_value(phys), t);
		const char *tn = json_is_object(t) ? type_name(json_object_get(t, "type")) : NULL;
		if (tn && !strcmp(tn, "struct"))
			learn_fields(types, t);
	}
}

void redact_metadata(struct redactor *r, const json_t *md)
{
	const char *text = json_string_value(json_object_get(md, "schemaString"));
	json_t *schema = text ? json_loads(text, 0, NULL) : NULL;
	if (schema) {
		json_object_clear(r->types);
		learn_fields(r->types, schema);
		json_decref(schema);
	}
	json_t *pc = json_object_get(md, "partitionColumns");
	if (json_is_array(pc)) {
		json_array_clear(r->partition_columns);
		size_t i;
		json_t *c;
		json_array_foreach(pc, i, c)
			json_array_append(r->partition_columns, c);
	}
}

/* minValues / maxValues: every leaf by its column's type. */
static int redact_bounds(const struct redactor *r, json_t *o)
{
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		if (json_is_object(v)) {
			if (redact_bounds(r, v))
				return -1;
			continue;
		}
		json_t *s = redact_stat_value(r, json_object_get(r->types, k), v);
		if (!s || json_object_set_new(o, k, s))
			return -1;
	}
	return 0;
}

/* Surrogates of a min and a max are independent: swap those that came out reversed. */
static void order_bounds(json_t *min, json_t *max)
{
	const char *k;
	json_t *a;
	json_object_foreach(min, k, a) {
		json_t *b = json_object_get(max, k);
		if (json_is_object(a) && json_is_object(b)) {
			order_bounds(a, b);
			continue;
		}
		bool swap = false;
		if (json_is_number(a) && json_is_number(b))
			swap = json_number_value(a) > json_number_value(b);
		else if (json_is_string(a) && json_is_string(b))
			swap = strcmp(json_string_value(a), json_string_value(b)) > 0;
		if (swap) {
			json_incref(a);
			json_object_set(min, k, b);
			json_object_set_new(max, k, a);
		}
	}
}

static int redact_stats(const struct redactor *r, json_t *file)
{
	json_t *st = json_object_get(file, "stats");
	if (!json_is_string(st))
		return 0;
	json_t *s = json_loads(json_string_value(st), 0, NULL);
	if (!s) /* not JSON: keep nothing of it */
		return json_object_set_new(file, "stats", json_null());
	int rc = 0;
	static const char *const bounds[] = { "minValues", "maxValues" };
	for (int i = 0; i < 2 && !rc; i++) {
		json_t *b = json_object_get(s, bounds[i]);
		if (json_is_object(b))
			rc = redact_bounds(r, b);
	}
	order_bounds(json_object_get(s, "minValues"), json_object_get(s, "maxValues"));
	char *text = rc ? NULL : json_dumps(s, JSON_COMPACT | JSON_REAL_PRECISION(12));
	json_decref(s);
	if (!text)
		return -1;
	rc = json_object_set_new(file, "stats", json_string(text));
	free(text);
	return rc;
}

static int redact_file(struct redactor *r, json_t *f)
{
	json_t *path = json_object_get(f, "path");
	if (json_is_string(path)) {
		char *p = redact_path(r, json_string_value(path));
		if (!p || json_object_set_new(f, "path", json_string(p))) {
			free(p);
			return -1;
		}
		free(p);
	}
	json_t *pv = json_object_get(f, "partitionValues");
	const char *k;
	json_t *v;
	json_object_foreach(pv, k, v) {
		if (!json_is_string(v))
			continue;
		char *s = redact_partition_value(r, type_name(json_object_get(r->types, k)),
						 json_string_value(v));
		if (!s || json_object_set_new(pv, k, json_string(s))) {
			free(s);
			return -1;
		}
		free(s);
	}
	json_t *dv = json_object_get(f, "deletionVector");
	json_t *st = json_object_get(dv, "storageType");
	if (json_is_string(st) && !strcmp(json_string_value(st), "p")) {
		/* an absolute DV path names folders; inline ('i') and UUID ('u') DVs do not */
		json_t *p = json_object_get(dv, "pathOrInlineDv");
		char *s = json_is_string(p) ? redact_path(r, json_string_value(p)) : NULL;
		if (s)
			json_object_set_new(dv, "pathOrInlineDv", json_string(s));
		free(s);
	}
	/* tags and baseRowId-like fields are not values; stats are */
	return redact_stats(r, f);
}

/* Strings anywhere below v become text surrogates. */
static int redact_strings(const struct redactor *r, json_t *v)
{
	if (json_is_string(v)) {
		char *s = redact_text(r, "text", json_string_value(v), json_string_length(v));
		int rc = !s || json_string_setn(v, s, json_string_length(v));
		free(s);
		return rc ? -1 : 0;
	}
	size_t i;
	const char *k;
	json_t *x;
	if (json_is_array(v))
		json_array_foreach(v, i, x)
			if (redact_strings(r, x))
				return -1;
	if (json_is_object(v))
		json_object_foreach(v, k, x)
			if (redact_strings(r, x))
				return -1;
	return 0;
}

int redact_action(struct redactor *r, json_t *action)
{
	json_t *x;
	if ((x = json_object_get(action, "metaData")))
		redact_metadata(r, x);
	static const char *const files[] = { "add", "remove", "cdc" };
	for (int i = 0; i < 3; i++)
		if (json_is_object(x = json_object_get(action, files[i])) && redact_file(r, x))
			return -1;
	if (json_is_object(x = json_object_get(action, "commitInfo"))) {
		static const char *const keep[] = { "timestamp", "inCommitTimestamp", "operation",
						    "operationMetrics", "readVersion", "isolationLevel",
						    "isBlindAppend", "engineInfo", "txnId" };
		const char *k;
		json_t *v;
		json_object_foreach(x, k, v) {
			bool kept = false;
			for (size_t i = 0; i < sizeof(keep) / sizeof(*keep); i++)
				kept |= !strcmp(k, keep[i]);
			if (!kept && redact_strings(r, v))
				return -1;
		}
	}
	/* a .crc file: its metadata, and allFiles when it lists them */
	if (json_is_object(x = json_object_get(action, "metadata")) && json_object_get(action, "protocol"))
		redact_metadata(r, x);
	if (json_is_array(x = json_object_get(action, "allFiles"))) {
		size_t i;
		json_t *f;
		json_array_foreach(x, i, f)
			if (json_is_object(f) && redact_file(r, f))
				return -1;
	}
	return 0;
}
