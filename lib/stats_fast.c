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

#include "jsonv.h"
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

bool stats_strictly_valid(const char *stats)
{
	return json_surely_valid(stats, strlen(stats), JV_REJECT_DUPLICATES | JV_NUM_RECORDS);
}
