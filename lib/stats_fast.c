/*
 * stats_fast.c - the row count of a data file, add.stats.numRecords (protocol section 6),
 * read without building a JSON tree when the text has the shape every known writer
 * produces: numRecords first, `{"numRecords":123,...}` (Spark, delta-rs, the kernels).
 * Snapshot totals need it for every active file, so a replay of millions of adds spends
 * most of its stats time here.
 *
 * The slow path is jansson's: json_loadb the whole text, take the top-level "numRecords".
 * Duplicate keys are allowed and the last one wins (jansson's and Jackson's behaviour).
 * An integer beyond int64_t anywhere in the text (decimal(38,0) min/max values do that)
 * makes jansson give up, so then the text is validated again with
 * JSON_DECODE_INT_AS_REAL and the numRecords token is found by walking the now known-valid
 * top level and decoded alone.  A real number beyond double range (1e400) still fails the
 * slow path: jansson cannot represent it, and no writer produces one.
 *
 * The fast path applies only when, byte for byte,
 *   - the text starts with `{"numRecords":` (no whitespace, no escapes in the key),
 *   - an integer follows in canonical form: optional '-', no leading zero, no fraction or
 *     exponent, within [0, INT64_MAX] ("-0" is 0),
 *   - then comes ',' or '}'; after '}' only JSON whitespace,
 *   - and the rest of the text holds neither "numRecords" nor "\u".
 * Any other text goes the slow way.
 *
 * The contract between the two: when the fast path returns 1 with value v, the slow path
 * returns 1 with the same v, or -1 because the text after the number is not valid JSON.
 * Proof: if the text is valid JSON, it is an object whose first member is numRecords:v.
 * A later member named numRecords would have to spell its key either literally (excluded
 * by the search for "numRecords") or with at least one \u escape, since none of the
 * letters of numRecords has a two-character escape (excluded by the search for "\u").
 * Nested keys do not count at either path.  So the top-level numRecords is v in both.
 * When the text is not valid JSON, the fast path may still answer 1, and then everything
 * up to and including the number is a valid JSON prefix.  The fast path does not check
 * the rest because that would be the full parse it exists to avoid: validating stats
 * belongs to `check`, which calls stats_num_records_slow (or parses the stats anyway).
 * tests/unit/test_stats_fast.c checks the contract on hand cases and random mutations.
 */
#include <stdbool.h>
#include <string.h>

#include <jansson.h>

#include "deltaq.h"
#include "stats_fast.h"

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Whether text[p, end) contains "numRecords" or a backslash-u escape: what makes the fast
 * path give way.  One memchr pass per candidate letter is much cheaper than two memmem
 * passes over the few hundred bytes of a stats string: 'R' and '\\' are rare in it.
 */
static bool mentions(const char *p, const char *end)
{
	for (const char *q = p; (q = memchr(q, 'R', (size_t)(end - q)));) {
		if (q - p >= 3 && end - q >= 7 && !memcmp(q - 3, "numRecords", 10))
			return true;
		q++;
	}
	for (const char *q = p; (q = memchr(q, '\\', (size_t)(end - q)));) {
		if (end - q >= 2 && q[1] == 'u')
			return true;
		q += 2; /* an escape is two bytes: an escaped backslash before a u is no escape */
		if (q > end)
			break;
	}
	return false;
}


/* 1 and *out when the fast path applies, 0 when the slow path must decide. */
static int fast(const char *s, size_t len, int64_t *out)
{
	static const char prefix[] = "{\"numRecords\":";
	const size_t plen = sizeof(prefix) - 1;
	const char *p = s + plen, *end = s + len;
	bool neg;
	uint64_t v = 0;

	if (len <= plen || memcmp(s, prefix, plen) != 0)
		return 0;
	neg = *p == '-';
	p += neg;
	if (p == end || !is_digit(*p))
		return 0;
	if (*p == '0' && p + 1 < end && is_digit(p[1]))
		return 0;
	for (; p < end && is_digit(*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > ((uint64_t)INT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	if (neg && v != 0)
		return 0;
	if (p == end || (*p != ',' && *p != '}'))
		return 0;
	if (*p == '}') {
		for (p++; p < end && is_ws(*p); p++)
			;
		if (p != end)
			return 0;
	} else if (mentions(p, end)) {
		return 0;
	}
	*out = (int64_t)v;
	return 1;
}

/* The slow path's verdict on the top-level numRecords value v (NULL when absent). */
static int from_value(const json_t *v, int64_t *out)
{
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return -1;
	*out = json_integer_value(v);
	return 1;
}

/* ---- the walk for texts with integers beyond int64_t ----------------------------- */

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && is_ws(*p))
		p++;
	return p;
}

/* p at an opening quote; returns just past the closing one. */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		else if (*p == '"')
			return p + 1;
	}
	return end;
}

/* Past the value at p, in text known to be valid JSON. */
static const char *skip_value(const char *p, const char *end)
{
	size_t depth = 0;

	while (p < end) {
		if (*p == '"') {
			p = skip_string(p, end);
		} else if (*p == '{' || *p == '[') {
			depth++;
			p++;
		} else if (*p == '}' || *p == ']') {
			depth--;
			p++;
		} else if (depth == 0) {
			while (p < end && !is_ws(*p) && *p != ',' && *p != '}' && *p != ']')
				p++;
			return p;
		} else {
			p++;
		}
		if (depth == 0)
			return p;
	}
	return p;
}

static bool key_is_num_records(const char *k, size_t n)
{
	if (n == 12 && memcmp(k, "\"numRecords\"", 12) == 0)
		return true;
	if (!memchr(k, '\\', n))
		return false;
	json_t *key = json_loadb(k, n, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	bool is = json_is_string(key) && json_string_length(key) == 10 &&
		  memcmp(json_string_value(key), "numRecords", 10) == 0;
	json_decref(key);
	return is;
}

static int slow_big_numbers(const char *s, size_t len, int64_t *out)
{
	const char *p, *end = s + len, *val = NULL, *val_end = NULL;
	json_t *root, *v;

	root = json_loadb(s, len, JSON_ALLOW_NUL | JSON_DECODE_INT_AS_REAL, NULL);
	if (!json_is_object(root)) {
		json_decref(root);
		return -1;
	}
	v = json_object_get(root, "numRecords");
	bool real = json_is_real(v);
	int ret = real ? 0 : from_value(v, out);
	json_decref(root);
	if (!real)
		return ret;

	/* Valid JSON: find the last top-level numRecords and decode its token alone. */
	p = skip_ws(s, end) + 1;
	for (;;) {
		p = skip_ws(p, end);
		if (p >= end || *p != '"')
			break;
		const char *key = p;
		p = skip_string(p, end);
		bool match = key_is_num_records(key, (size_t)(p - key));
		p = skip_ws(p, end) + 1; /* ':' */
		p = skip_ws(p, end);
		const char *vstart = p;
		p = skip_value(p, end);
		if (match) {
			val = vstart;
			val_end = p;
		}
		p = skip_ws(p, end);
		if (p >= end || *p != ',')
			break;
		p++;
	}
	if (!val)
		return -1; /* jansson saw it, the walk did not: cannot happen */
	v = json_loadb(val, (size_t)(val_end - val), JSON_DECODE_ANY, NULL);
	ret = from_value(v, out);
	json_decref(v);
	return v ? ret : -1; /* NULL: the count itself is beyond int64_t */
}

int stats_num_records_slow(const char *stats, size_t len, int64_t *out)
{
	json_error_t error;
	json_t *root;
	int ret;

	if (!stats)
		return -1;
	root = json_loadb(stats, len, JSON_ALLOW_NUL, &error);
	if (!root)
		return json_error_code(&error) == json_error_numeric_overflow
			       ? slow_big_numbers(stats, len, out)
			       : -1;
	ret = json_is_object(root) ? from_value(json_object_get(root, "numRecords"), out) : -1;
	json_decref(root);
	return ret;
}

int stats_num_records(const char *stats, size_t len, int64_t *out)
{
	if (stats && fast(stats, len, out))
		return 1;
	return stats_num_records_slow(stats, len, out);
}

/* ---- stats_strictly_valid: check's DQ114 without a JSON tree ------------------------ */

/*
 * A recursive descent over the text that answers only "valid" or "ask jansson": it gives
 * up (false) on anything it does not decide cheaply and exactly, so that a true answer
 * always means json_loads(s, JSON_REJECT_DUPLICATES) builds an object whose numRecords is
 * absent, null or an integer >= 0.  It gives up on: \u escapes, any escape in a key (two
 * spellings of one key), an integer of more than 18 digits or a real of more than 100
 * digits or an exponent beyond 250, or whose whole part and exponent reach 10^300 (jansson fails on a double's overflow), nesting deeper than 32,
 * more keys in the text than fit its key stack, a numRecords that is negative or not an
 * integer or null, and of course anything that is not JSON.
 */
enum { SV_MAX_DEPTH = 32, SV_MAX_KEYS = 512 };

struct sv {
	const char *p;
	int depth;
	size_t nkeys;
	struct { const char *s; size_t n; } keys[SV_MAX_KEYS];
};

static bool sv_value(struct sv *v);

static void sv_ws(struct sv *v)
{
	while (is_ws(*v->p))
		v->p++;
}

/* v->p at the opening quote of a string. */
static bool sv_string(struct sv *v, bool key, const char **s, size_t *n)
{
	const char *p = v->p + 1, *start = p;
	for (;;) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			break;
		if (c < 0x20) /* a control character, or the end of the text */
			return false;
		if (c == '\\') {
			if (key || !p[1] || !strchr("\"\\/bfnrt", p[1]))
				return false;
			p += 2;
		} else if (c >= 0x80) {
			size_t k = dq_utf8_seq(p);
			if (!k)
				return false;
			p += k;
		} else {
			p++;
		}
	}
	*s = start;
	*n = (size_t)(p - start);
	v->p = p + 1;
	return true;
}

/* An integer token (no fraction or exponent) is returned as 1, a real as 2; 0: give up. */
static int sv_number(struct sv *v)
{
	const char *p = v->p;
	int digits = 0, whole, real = 0;
	if (*p == '-')
		p++;
	if (*p == '0') {
		p++;
		digits = 1;
	} else if (*p >= '1' && *p <= '9') {
		for (; is_digit(*p); p++)
			digits++;
	} else {
		return 0;
	}
	whole = digits;
	if (*p == '.') {
		real = 1;
		if (!is_digit(*++p))
			return 0;
		for (; is_digit(*p); p++)
			digits++;
	}
	if (*p == 'e' || *p == 'E') {
		real = 1;
		p++;
		bool down = *p == '-';
		if (*p == '+' || *p == '-')
			p++;
		if (!is_digit(*p))
			return 0;
		int e = 0;
		for (; is_digit(*p); p++)
			if ((e = e * 10 + (*p - '0')) > 250)
				return 0;
		if (!down && whole + e > 300) /* beyond a double: jansson fails on it */
			return 0;
	}
	if (real ? digits > 100 : digits > 18)
		return 0;
	v->p = p;
	return real ? 2 : 1;
}

static bool sv_literal(struct sv *v, const char *lit, size_t n)
{
	if (strncmp(v->p, lit, n))
		return false;
	v->p += n;
	return true;
}

static bool sv_object(struct sv *v)
{
	size_t first = v->nkeys;
	bool top = v->depth == 1;
	v->p++;
	sv_ws(v);
	if (*v->p == '}') {
		v->p++;
		return true;
	}
	for (;;) {
		const char *k;
		size_t n;
		if (*v->p != '"' || !sv_string(v, true, &k, &n) || v->nkeys == SV_MAX_KEYS)
			return false;
		for (size_t i = first; i < v->nkeys; i++)
			if (v->keys[i].n == n && !memcmp(v->keys[i].s, k, n))
				return false; /* a duplicate: jansson's JSON_REJECT_DUPLICATES says so */
		v->keys[v->nkeys].s = k;
		v->keys[v->nkeys++].n = n;
		sv_ws(v);
		if (*v->p != ':')
			return false;
		v->p++;
		sv_ws(v);
		if (top && n == 10 && !memcmp(k, "numRecords", 10)) {
			if (!sv_literal(v, "null", 4) && (*v->p == '-' || sv_number(v) != 1))
				return false;
		} else if (!sv_value(v)) {
			return false;
		}
		sv_ws(v);
		if (*v->p == '}') {
			v->p++;
			v->nkeys = first;
			return true;
		}
		if (*v->p != ',')
			return false;
		v->p++;
		sv_ws(v);
	}
}

static bool sv_array(struct sv *v)
{
	v->p++;
	sv_ws(v);
	if (*v->p == ']') {
		v->p++;
		return true;
	}
	for (;;) {
		if (!sv_value(v))
			return false;
		sv_ws(v);
		if (*v->p == ']') {
			v->p++;
			return true;
		}
		if (*v->p != ',')
			return false;
		v->p++;
		sv_ws(v);
	}
}

static bool sv_value(struct sv *v)
{
	const char *s;
	size_t n;
	bool ok;
	switch (*v->p) {
	case '{':
	case '[':
		if (++v->depth > SV_MAX_DEPTH)
			return false;
		ok = *v->p == '{' ? sv_object(v) : sv_array(v);
		v->depth--;
		return ok;
	case '"':
		return sv_string(v, false, &s, &n);
	case 't':
		return sv_literal(v, "true", 4);
	case 'f':
		return sv_literal(v, "false", 5);
	case 'n':
		return sv_literal(v, "null", 4);
	default:
		return sv_number(v) != 0;
	}
}

bool stats_strictly_valid(const char *stats)
{
	struct sv v;
	v.p = stats;
	v.depth = 1;
	v.nkeys = 0;
	sv_ws(&v);
	if (*v.p != '{' || !sv_object(&v))
		return false;
	sv_ws(&v);
	return *v.p == '\0';
}
