/*
 * fast_action.c - the fields of an `add` or `remove` line (protocol.md 2.3, 2.4) pulled
 * straight from the text, without the tree jansson would build.  A big table's log is
 * mostly such lines, ~600 bytes each and most of that the escaped stats string, so
 * reading them is most of the time `info` or a replay spends in JSON.
 *
 * The scanner takes the line only when it can promise what jansson (json_loadb with
 * flags 0) followed by file_action() in action.c would produce; otherwise it returns 0
 * and the caller parses the line with jansson, which then reports or accepts it.  It
 * answers 1 only when:
 *   - the line is one object, `{"add":{...}}` or `{"remove":{...}}`, with JSON whitespace
 *     anywhere between tokens and nothing but whitespace after it;
 *   - every key of the action object is written without escapes (an escaped key might
 *     spell "path"), and none of path, size, modificationTime, partitionValues, stats,
 *     deletionVector appears twice (jansson keeps the last, we would have to as well);
 *   - path is a string without escapes, so its text is its value;
 *   - size and modificationTime are integers in int64_t range, or null, or absent, and an
 *     add has a size >= 0 (file_action()'s rule);
 *   - partitionValues is null, absent, or an object written compactly (no whitespace
 *     between tokens) whose keys are distinct and values strings or null, none with an
 *     escape: json_dumps(pv, JSON_COMPACT) then gives back exactly the text as written,
 *     because jansson escapes only '"', '\\' and bytes below 0x20 on output.  `{}` is
 *     reported as no text, as file_action() stores none;
 *   - stats is a string (escapes allowed) or null or absent; its body is returned still
 *     escaped, and fast_unescape() turns it into jansson's json_string_value();
 *   - deletionVector is null or absent (a DV needs its unique id, built from the tree);
 *   - every other value is valid JSON as jansson reads it: strings with valid escapes,
 *     paired surrogates, no \u0000 and no raw control characters; numbers in JSON syntax,
 *     integers within int64_t (jansson fails the whole line on a larger one), reals
 *     without an exponent (so they cannot overflow a double; an exponent means fallback);
 *     true, false, null; objects and arrays nested at most MAX_DEPTH deep;
 *   - every byte >= 0x80, in any string, begins a valid UTF-8 sequence as jansson
 *     defines it: no overlong forms, no surrogates, nothing beyond U+10FFFF.
 * The same field rules apply to a remove, although file_action() ignores a remove's
 * partitionValues and stats.  tests/unit/test_fast_action.c checks the promise against
 * jansson on hand cases and a few hundred thousand mutated lines.
 */
#include <string.h>

#include "fast_action.h"

#define MAX_DEPTH 64    /* jansson allows 2048; deeper lines fall back */
#define MAX_PV_KEYS 64  /* duplicate check is quadratic; more keys fall back */

enum { K_PATH = 1, K_SIZE = 2, K_MTIME = 4, K_PV = 8, K_STATS = 16, K_DV = 32 };

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The bytes that stand for themselves inside a JSON string: printable ASCII but '"' and
 * '\\'.  A table, because this test runs on every byte of every stats string. */
#define ROW(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const bool plain[256] = {
	ROW(0), ROW(0),                                           /* 0x00 controls */
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,           /* 0x20 '"' */
	ROW(1), ROW(1),
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,           /* 0x50 '\\' */
	ROW(1), ROW(1),
	ROW(0), ROW(0), ROW(0), ROW(0), ROW(0), ROW(0), ROW(0), ROW(0), /* 0x80 UTF-8 */
};
#undef ROW

static bool is_plain(char c)
{
	return plain[(unsigned char)c];
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && is_ws(*p))
		p++;
	return p;
}

static bool has_literal(const char *p, const char *end, const char *lit, size_t n)
{
	return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0;
}

/*
 * p at a byte >= 0x80: the end of its UTF-8 sequence, or NULL when jansson would reject
 * it (utf8_check_first/utf8_check_full).  *cp gets the code point.
 */
static const char *utf8_seq(const char *p, const char *end, uint32_t *cp)
{
	unsigned char c = (unsigned char)*p;
	size_t n;
	uint32_t v;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2, v = c & 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, v = c & 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, v = c & 0x07;
	else
		return NULL;
	if ((size_t)(end - p) < n)
		return NULL;
	for (size_t i = 1; i < n; i++) {
		c = (unsigned char)p[i];
		if ((c & 0xC0) != 0x80)
			return NULL;
		v = v << 6 | (c & 0x3F);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10FFFF ||
	    (v >= 0xD800 && v <= 0xDFFF))
		return NULL;
	*cp = v;
	return p + n;
}

/* The value of 4 hex digits at p (which has 4 bytes), or -1. */
static int32_t hex4(const char *p)
{
	int32_t v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int d;
		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/*
 * p at a backslash: the end of the escape, with its code point in *cp, or NULL when
 * jansson rejects it: unknown escape, bad hex, a lone or reversed surrogate, or U+0000
 * (forbidden in strings without JSON_ALLOW_NUL, and in keys always).
 */
static const char *escape_seq(const char *p, const char *end, uint32_t *cp)
{
	if (end - p < 2)
		return NULL;
	switch (p[1]) {
	case '"': *cp = '"'; return p + 2;
	case '\\': *cp = '\\'; return p + 2;
	case '/': *cp = '/'; return p + 2;
	case 'b': *cp = '\b'; return p + 2;
	case 'f': *cp = '\f'; return p + 2;
	case 'n': *cp = '\n'; return p + 2;
	case 'r': *cp = '\r'; return p + 2;
	case 't': *cp = '\t'; return p + 2;
	case 'u': break;
	default: return NULL;
	}
	if (end - p < 6)
		return NULL;
	int32_t u = hex4(p + 2);
	if (u <= 0 || (u >= 0xDC00 && u <= 0xDFFF))
		return NULL;
	p += 6;
	if (u >= 0xD800 && u <= 0xDBFF) {
		if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
			return NULL;
		int32_t lo = hex4(p + 2);
		if (lo < 0xDC00 || lo > 0xDFFF)
			return NULL;
		u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
		p += 6;
	}
	*cp = (uint32_t)u;
	return p;
}

/*
 * p just past an opening quote: the closing quote, or NULL when the string is not one
 * jansson accepts.  *escaped is set when the body holds a backslash.
 */
static const char *scan_string(const char *p, const char *end, bool *escaped)
{
	uint32_t cp;

	for (;;) {
		while (p < end && is_plain(*p))
			p++;
		if (p == end)
			return NULL;
		if (*p == '"')
			return p;
		if (*p == '\\') {
			*escaped = true;
			p = escape_seq(p, end, &cp);
		} else if ((unsigned char)*p >= 0x80) {
			p = utf8_seq(p, end, &cp);
		} else {
			return NULL; /* control character */
		}
		if (!p)
			return NULL;
	}
}

/* Like scan_string, for a string whose text must be its value: NULL on an escape. */
static const char *scan_raw_string(const char *p, const char *end)
{
	bool escaped = false;

	p = scan_string(p, end, &escaped);
	return escaped ? NULL : p;
}

/*
 * p at '-' or a digit: the end of the number, or NULL when jansson rejects it or might
 * (see the file comment).  *is_int tells an integer, whose value lands in *v.
 */
static const char *scan_number(const char *p, const char *end, bool *is_int, int64_t *v)
{
	bool neg = *p == '-';
	uint64_t u = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	size_t digits = 0;

	p += neg;
	if (p == end || !is_digit(*p))
		return NULL;
	if (*p == '0') {
		p++;
		if (p < end && is_digit(*p))
			return NULL;
	} else {
		for (; p < end && is_digit(*p); p++, digits++)
			if (digits < 19) /* 19 digits cannot overflow; 20 are rejected below */
				u = u * 10 + (uint64_t)(*p - '0');
	}
	if (p < end && (*p == 'e' || *p == 'E'))
		return NULL;
	if (p < end && *p == '.') {
		if (++p == end || !is_digit(*p))
			return NULL;
		while (p < end && is_digit(*p))
			p++;
		/* Below 10^309 without an exponent: strtod cannot overflow. */
		if (digits > 308 || (p < end && (*p == 'e' || *p == 'E')))
			return NULL;
		*is_int = false;
		return p;
	}
	if (digits > 19 || u > lim)
		return NULL; /* jansson: "too big integer" */
	*is_int = true;
	*v = neg && u ? -(int64_t)(u - 1) - 1 : (int64_t)u;
	return p;
}

/* p at a value (not whitespace): past its end, or NULL when unsure it is valid. */
static const char *skip_value(const char *p, const char *end, int depth)
{
	bool escaped, is_int;
	int64_t v;

	if (p == end)
		return NULL;
	switch (*p) {
	case '"':
		p = scan_string(p + 1, end, &escaped);
		return p ? p + 1 : NULL;
	case 't':
		return has_literal(p, end, "true", 4) ? p + 4 : NULL;
	case 'f':
		return has_literal(p, end, "false", 5) ? p + 5 : NULL;
	case 'n':
		return has_literal(p, end, "null", 4) ? p + 4 : NULL;
	case '{':
	case '[':
		break;
	default:
		return *p == '-' || is_digit(*p) ? scan_number(p, end, &is_int, &v) : NULL;
	}
	if (depth >= MAX_DEPTH)
		return NULL;
	char close = *p == '{' ? '}' : ']';
	p = skip_ws(p + 1, end);
	if (p < end && *p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			if (p == end || *p != '"' || !(p = scan_string(p + 1, end, &escaped)))
				return NULL;
			p = skip_ws(p + 1, end);
			if (p == end || *p != ':')
				return NULL;
			p = skip_ws(p + 1, end);
		}
		if (!(p = skip_value(p, end, depth + 1)))
			return NULL;
		p = skip_ws(p, end);
		if (p == end)
			return NULL;
		if (*p == close)
			return p + 1;
		if (*p != ',')
			return NULL;
		p = skip_ws(p + 1, end);
	}
}

/* p at '{' of partitionValues: past its '}', or NULL unless written as the file comment
 * requires.  *empty tells `{}`. */
static const char *scan_pv(const char *p, const char *end, bool *empty)
{
	const char *keys[MAX_PV_KEYS];
	size_t lens[MAX_PV_KEYS], n = 0;

	p++;
	*empty = p < end && *p == '}';
	if (*empty)
		return p + 1;
	for (;;) {
		if (p == end || *p != '"')
			return NULL;
		const char *k = p + 1;
		if (!(p = scan_raw_string(k, end)) || n == MAX_PV_KEYS)
			return NULL;
		size_t klen = (size_t)(p - k);
		for (size_t i = 0; i < n; i++)
			if (lens[i] == klen && memcmp(keys[i], k, klen) == 0)
				return NULL;
		keys[n] = k;
		lens[n++] = klen;
		if (++p == end || *p++ != ':')
			return NULL;
		if (p < end && *p == '"') {
			if (!(p = scan_raw_string(p + 1, end)))
				return NULL;
			p++;
		} else if (has_literal(p, end, "null", 4)) {
			p += 4;
		} else {
			return NULL;
		}
		if (p == end)
			return NULL;
		if (*p == '}')
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static unsigned key_id(const char *k, size_t n)
{
	static const struct { const char *name; size_t len; unsigned id; } known[] = {
		{ "path", 4, K_PATH }, { "size", 4, K_SIZE }, { "modificationTime", 16, K_MTIME },
		{ "partitionValues", 15, K_PV }, { "stats", 5, K_STATS },
		{ "deletionVector", 14, K_DV },
	};
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].len == n && memcmp(known[i].name, k, n) == 0)
			return known[i].id;
	return 0;
}

/* An integer field: null leaves *has false. */
static const char *scan_int_field(const char *p, const char *end, bool *has, int64_t *v)
{
	bool is_int;

	if (has_literal(p, end, "null", 4))
		return p + 4;
	if (p == end || (*p != '-' && !is_digit(*p)))
		return NULL;
	p = scan_number(p, end, &is_int, v);
	if (!p || !is_int)
		return NULL;
	*has = true;
	return p;
}

/* p at the action's value: past its '}', with f filled, or NULL to fall back. */
static const char *scan_file(const char *p, const char *end, struct fast_file *f)
{
	unsigned seen = 0;
	bool escaped = false;

	if (p == end || *p != '{')
		return NULL;
	p = skip_ws(p + 1, end);
	if (p < end && *p == '}')
		return NULL; /* no path */
	for (;;) {
		if (p == end || *p != '"')
			return NULL;
		const char *k = p + 1;
		if (!(p = scan_raw_string(k, end)))
			return NULL;
		unsigned id = key_id(k, (size_t)(p - k));
		if (seen & id)
			return NULL;
		seen |= id;
		p = skip_ws(p + 1, end);
		if (p == end || *p != ':')
			return NULL;
		p = skip_ws(p + 1, end);
		if (p == end)
			return NULL;
		const char *v = p;
		bool is_null = has_literal(p, end, "null", 4);
		switch (id) {
		case K_PATH:
			if (*p != '"' || !(p = scan_raw_string(v + 1, end)))
				return NULL;
			f->path = v + 1;
			f->path_len = (size_t)(p - f->path);
			p++;
			break;
		case K_SIZE:
			p = scan_int_field(p, end, &f->has_size, &f->size);
			break;
		case K_MTIME:
			p = scan_int_field(p, end, &f->has_mtime, &f->modification_time);
			break;
		case K_PV:
			if (is_null) {
				p += 4;
			} else if (*p == '{') {
				bool empty;
				if ((p = scan_pv(p, end, &empty)) && !empty) {
					f->pv = v;
					f->pv_len = (size_t)(p - v);
				}
			} else {
				return NULL;
			}
			break;
		case K_STATS:
			if (is_null) {
				p += 4;
			} else if (*p == '"' && (p = scan_string(v + 1, end, &escaped))) {
				f->stats = v + 1;
				f->stats_len = (size_t)(p - f->stats);
				p++;
			} else {
				return NULL;
			}
			break;
		case K_DV:
			if (!is_null)
				return NULL;
			p += 4;
			break;
		default:
			p = skip_value(p, end, 2);
			break;
		}
		if (!p)
			return NULL;
		p = skip_ws(p, end);
		if (p == end)
			return NULL;
		if (*p == '}')
			break;
		if (*p != ',')
			return NULL;
		p = skip_ws(p + 1, end);
	}
	if (!(seen & K_PATH) || (f->add && (!f->has_size || f->size < 0)))
		return NULL;
	return p + 1;
}

int fast_file_action(const char *line, size_t n, struct fast_file *out)
{
	struct fast_file f = { 0 };

	if (!line)
		return 0;
	const char *end = line + n, *p = skip_ws(line, end);
	if (p == end || *p != '{')
		return 0;
	p = skip_ws(p + 1, end);
	if (has_literal(p, end, "\"add\"", 5)) {
		f.add = true;
		p += 5;
	} else if (has_literal(p, end, "\"remove\"", 8)) {
		p += 8;
	} else {
		return 0;
	}
	p = skip_ws(p, end);
	if (p == end || *p != ':')
		return 0;
	p = scan_file(skip_ws(p + 1, end), end, &f);
	if (!p)
		return 0;
	p = skip_ws(p, end);
	if (p == end || *p != '}')
		return 0;
	if (skip_ws(p + 1, end) != end)
		return 0;
	*out = f;
	return 1;
}

/* Writes code point cp as UTF-8 at o; returns the end. */
static char *put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xC0 | cp >> 6);
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xE0 | cp >> 12);
		*o++ = (char)(0x80 | (cp >> 6 & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	} else {
		*o++ = (char)(0xF0 | cp >> 18);
		*o++ = (char)(0x80 | (cp >> 12 & 0x3F));
		*o++ = (char)(0x80 | (cp >> 6 & 0x3F));
		*o++ = (char)(0x80 | (cp & 0x3F));
	}
	return o;
}

/* Every escape and UTF-8 sequence is at least as long as what it stands for, so out
 * never needs more than len bytes plus the terminator. */
ssize_t fast_unescape(const char *s, size_t len, char *out)
{
	const char *p = s, *end = s + len, *q;
	char *o = out;
	uint32_t cp;

	while (p < end) {
		while (p < end && is_plain(*p))
			*o++ = *p++;
		if (p == end)
			break;
		if (*p == '\\') {
			if (!(q = escape_seq(p, end, &cp)))
				return -1;
			o = put_utf8(o, cp);
		} else if ((unsigned char)*p >= 0x80) {
			if (!(q = utf8_seq(p, end, &cp)))
				return -1;
			memcpy(o, p, (size_t)(q - p));
			o += q - p;
		} else {
			return -1; /* control character or quote */
		}
		p = q;
	}
	*o = '\0';
	return o - out;
}
