/*
 * jsonv.c - a recursive descent over JSON text that answers only "valid" or "ask jansson"
 * (jsonv.h).  It decides what is cheap to decide exactly and gives up on the rest, so that
 * a true answer always agrees with jansson: UTF-8 is checked as jansson checks it (no
 * overlong forms, surrogates or code points beyond U+10FFFF), control characters in
 * strings are refused, numbers follow the JSON grammar (no leading zeros), and a number
 * jansson could not represent (an integer beyond int64, a real beyond a double) is left to
 * jansson.  tests/unit/test_stats_fast.c compares it with jansson on hand cases and random
 * mutations, bounded (no terminator) and with each flag; tests/fuzz/fuzz_stats.c fuzzes it.
 */
#include <stdint.h>
#include <string.h>

#include "deltaq.h"
#include "jsonv.h"

enum { JV_MAX_DEPTH = 32, JV_MAX_KEYS = 512 };

struct jv {
	const char *p, *end;
	unsigned flags;
	int depth;
	size_t nkeys;
	struct { const char *s; size_t n; } keys[JV_MAX_KEYS];
};

/* The byte at p, or NUL past the end (NUL is never valid where it is looked at). */
static char at(const struct jv *v, const char *p)
{
	return p < v->end ? *p : '\0';
}

static bool digit(char c)
{
	return c >= '0' && c <= '9';
}

static void ws(struct jv *v)
{
	while (v->p < v->end && (*v->p == ' ' || *v->p == '\t' || *v->p == '\n' || *v->p == '\r'))
		v->p++;
}

static bool value(struct jv *v);

/* v->p at the opening quote of a string; *s and *n its raw bytes. */
static bool string(struct jv *v, bool key, const char **s, size_t *n)
{
	const char *p = v->p + 1, *start = p;
	for (;;) {
		unsigned char c = (unsigned char)at(v, p);
		if (c == '"')
			break;
		if (c < 0x20) /* a control character, or the end of the text */
			return false;
		if (c == '\\') {
			char e = at(v, p + 1);
			if (key || !e || !strchr("\"\\/bfnrt", e))
				return false;
			p += 2;
		} else if (c >= 0x80) {
			char seq[5] = { 0 };
			size_t avail = (size_t)(v->end - p);
			memcpy(seq, p, avail < 4 ? avail : 4);
			size_t k = dq_utf8_seq(seq);
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

/* An integer token (no fraction or exponent) is 1, a real 2; 0: give up. */
static int number(struct jv *v)
{
	const char *p = v->p;
	int digits = 0, whole, real = 0;
	if (at(v, p) == '-')
		p++;
	if (at(v, p) == '0') {
		p++;
		digits = 1;
	} else if (at(v, p) >= '1' && at(v, p) <= '9') {
		for (; digit(at(v, p)); p++)
			digits++;
	} else {
		return 0;
	}
	whole = digits;
	if (at(v, p) == '.') {
		real = 1;
		if (!digit(at(v, ++p)))
			return 0;
		for (; digit(at(v, p)); p++)
			digits++;
	}
	if (at(v, p) == 'e' || at(v, p) == 'E') {
		real = 1;
		p++;
		bool down = at(v, p) == '-';
		if (at(v, p) == '+' || at(v, p) == '-')
			p++;
		if (!digit(at(v, p)))
			return 0;
		int e = 0;
		for (; digit(at(v, p)); p++)
			if ((e = e * 10 + (at(v, p) - '0')) > 250)
				return 0;
		if (!down && whole + e > 300) /* beyond a double: jansson fails on it */
			return 0;
	}
	if (real ? digits > 100 : digits > 18)
		return 0;
	v->p = p;
	return real ? 2 : 1;
}

static bool literal(struct jv *v, const char *lit, size_t n)
{
	if ((size_t)(v->end - v->p) < n || memcmp(v->p, lit, n))
		return false;
	v->p += n;
	return true;
}

static bool object(struct jv *v)
{
	size_t first = v->nkeys;
	bool top = v->depth == 1;
	v->p++;
	ws(v);
	if (at(v, v->p) == '}') {
		v->p++;
		return true;
	}
	for (;;) {
		const char *k;
		size_t n;
		if (at(v, v->p) != '"' || !string(v, true, &k, &n))
			return false;
		if (v->flags & JV_REJECT_DUPLICATES) {
			if (v->nkeys == JV_MAX_KEYS)
				return false;
			for (size_t i = first; i < v->nkeys; i++)
				if (v->keys[i].n == n && !memcmp(v->keys[i].s, k, n))
					return false;
			v->keys[v->nkeys].s = k;
			v->keys[v->nkeys++].n = n;
		}
		ws(v);
		if (at(v, v->p) != ':')
			return false;
		v->p++;
		ws(v);
		if (top && (v->flags & JV_NUM_RECORDS) && n == 10 && !memcmp(k, "numRecords", 10)) {
			if (!literal(v, "null", 4) && (at(v, v->p) == '-' || number(v) != 1))
				return false;
		} else if (!value(v)) {
			return false;
		}
		ws(v);
		if (at(v, v->p) == '}') {
			v->p++;
			v->nkeys = first;
			return true;
		}
		if (at(v, v->p) != ',')
			return false;
		v->p++;
		ws(v);
	}
}

static bool array(struct jv *v)
{
	v->p++;
	ws(v);
	if (at(v, v->p) == ']') {
		v->p++;
		return true;
	}
	for (;;) {
		if (!value(v))
			return false;
		ws(v);
		if (at(v, v->p) == ']') {
			v->p++;
			return true;
		}
		if (at(v, v->p) != ',')
			return false;
		v->p++;
		ws(v);
	}
}

static bool value(struct jv *v)
{
	const char *s;
	size_t n;
	bool ok;
	switch (at(v, v->p)) {
	case '{':
	case '[':
		if (++v->depth > JV_MAX_DEPTH)
			return false;
		ok = at(v, v->p) == '{' ? object(v) : array(v);
		v->depth--;
		return ok;
	case '"':
		return string(v, false, &s, &n);
	case 't':
		return literal(v, "true", 4);
	case 'f':
		return literal(v, "false", 5);
	case 'n':
		return literal(v, "null", 4);
	default:
		return number(v) != 0;
	}
}

bool json_surely_valid(const char *s, size_t n, unsigned flags)
{
	struct jv v;
	v.p = s;
	v.end = s + n;
	v.flags = flags;
	v.depth = 1;
	v.nkeys = 0;
	ws(&v);
	if (at(&v, v.p) != '{' || !object(&v))
		return false;
	ws(&v);
	return v.p == v.end;
}
