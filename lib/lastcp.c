/*
 * lastcp.c - reads _delta_log/_last_checkpoint and verifies its checksum (Delta protocol:
 * "Last Checkpoint File", "JSON checksum"; ../shared/research/protocol.md section 1.5).
 *
 * The file is parsed by a small strict JSON scanner of its own rather than by jansson,
 * because the checksum covers every number exactly as written, and jansson keeps only the
 * value (1.50 and 1.5, 1E2 and 100.0 come out alike).  One pass over the text checks the
 * RFC 8259 grammar and UTF-8, rejects duplicate keys, and emits each leaf as a canonical
 * "path=value" pair; sorting the pairs and hashing them joined by ',' gives the checksum.
 *
 * The canonical form follows Spark (spark/.../LastCheckpointInfo.scala), which writes and
 * checks these files:
 *  - keys and strings are quoted and URL-encoded: UTF-8 bytes, everything but A-Za-z0-9-._~
 *    as %XX with uppercase hex; array indices are bare decimals; path segments join by '+';
 *  - empty objects and arrays contribute no pair at all;
 *  - pairs sort by the bytes of the whole "path=value" string.  PROTOCOL.md says "sort on
 *    paths"; the two orders differ only for an array of more than ten scalars, where Spark
 *    puts `"a"+10=...` before `"a"+1=...` ('0' < '=').  Every file Spark writes verifies
 *    under its order, so that is the one used here;
 *  - numbers are their text as written.  Spark re-renders the parsed number instead; the two
 *    agree for everything a Java writer produces (1.0E-5, 42) and differ only for spellings
 *    no Delta writer emits (1.50, 1e2, -0);
 *  - the whole top-level "checksum" member is left out.
 * Stricter than Spark's Jackson: a lone UTF-16 surrogate escape (Jackson hashes it as '?')
 * is a syntax error here, as are a byte-order mark and anything after the object.
 *
 * Limits, so a hostile file stays cheap: LASTCP_MAX_SIZE bytes of text, MAX_DEPTH levels
 * of nesting (Jackson's default), MAX_VALUES values and MAX_CANON bytes of canonical text.
 * Past a limit the file is invalid, never an error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lastcp.h"
#include "md5.h"

#define MAX_DEPTH 1000
#define MAX_VALUES (1u << 20)
#define MAX_CANON ((size_t)32 << 20)

enum jkind { J_NULL, J_FALSE, J_TRUE, J_NUMBER, J_STRING, J_OBJECT, J_ARRAY };

/* A member of the outermost object. */
struct member {
	const char *key;   /* URL-encoded and quoted, as in a path: "\"version\"" */
	enum jkind kind;
	bool integral;     /* a number with neither fraction nor exponent */
	const char *val;   /* the value's text in the input, borrowed */
	size_t val_len;
};

enum scan_status { SCAN_OK, SCAN_BAD, SCAN_TOO_BIG, SCAN_NOMEM };

struct scan {
	const char *start, *p, *end;
	bool want_pairs;         /* build canon and pairs (the checksum) */
	bool skip;               /* inside the top-level "checksum" member: no pairs */
	size_t nvalues;
	enum scan_status status;
	char why[sizeof(((struct last_checkpoint *)0)->problem)]; /* the first failure */

	struct dq_buf str;       /* the string just scanned, decoded to UTF-8 */
	struct dq_buf path;      /* canonical path of the value being scanned */
	struct dq_buf canon;     /* every leaf as "path=value" and a NUL */
	size_t *pairs;           /* offsets of those in canon */
	size_t npairs, pairs_cap;
	struct dq_arena arena;   /* encoded keys */
	const char **keys;       /* keys of the objects now open, innermost last */
	size_t nkeys, keys_cap;
	struct member *top;      /* members of the outermost object, in file order */
	size_t ntop, top_cap;
};

static void scan_init(struct scan *s, const char *text, size_t len, bool want_pairs)
{
	memset(s, 0, sizeof(*s));
	s->start = s->p = text;
	s->end = text + len;
	s->want_pairs = want_pairs;
	s->canon.max = MAX_CANON;
}

static void scan_release(struct scan *s)
{
	dq_buf_release(&s->str);
	dq_buf_release(&s->path);
	dq_buf_release(&s->canon);
	free(s->pairs);
	dq_arena_release(&s->arena);
	free(s->keys);
	free(s->top);
}

/* Records the first failure; always false, so `return fail(...)` unwinds the scan. */
__attribute__((format(printf, 3, 4)))
static bool fail(struct scan *s, enum scan_status st, const char *fmt, ...)
{
	if (s->status == SCAN_OK) {
		va_list ap;
		s->status = st;
		va_start(ap, fmt);
		vsnprintf(s->why, sizeof(s->why), fmt, ap);
		va_end(ap);
	}
	return false;
}

static size_t at(const struct scan *s)
{
	return (size_t)(s->p - s->start);
}

static bool unexpected(struct scan *s)
{
	if (s->p >= s->end)
		return fail(s, SCAN_BAD, "not valid JSON: unexpected end of input at byte %zu", at(s));
	unsigned char c = (unsigned char)*s->p;
	if (c > 0x20 && c < 0x7f)
		return fail(s, SCAN_BAD, "not valid JSON: unexpected '%c' at byte %zu", c, at(s));
	return fail(s, SCAN_BAD, "not valid JSON: unexpected byte 0x%02x at byte %zu", c, at(s));
}

static bool reserve(struct scan *s, struct dq_buf *b, size_t n)
{
	if (dq_buf_reserve(b, n) == 0)
		return true;
	if (b->max && (n > b->max || b->len > b->max - n))
		return fail(s, SCAN_TOO_BIG, "too large to checksum: over %zu bytes in canonical form",
			    b->max);
	return fail(s, SCAN_NOMEM, "out of memory");
}

static bool put(struct scan *s, struct dq_buf *b, const void *p, size_t n)
{
	if (!reserve(s, b, n))
		return false;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return true;
}

static bool unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* Appends p[0..n) quoted and URL-encoded. */
static bool put_encoded(struct scan *s, struct dq_buf *b, const char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	if (n > (SIZE_MAX / 2 - 2) / 3)
		return fail(s, SCAN_TOO_BIG, "too large to checksum");
	if (!reserve(s, b, 3 * n + 2))
		return false;
	char *o = b->data + b->len;
	*o++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (unreserved(c)) {
			*o++ = (char)c;
		} else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
	}
	*o++ = '"';
	b->len = (size_t)(o - b->data);
	b->data[b->len] = '\0';
	return true;
}

static bool push_size(struct scan *s, size_t **arr, size_t *n, size_t *cap, size_t v)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		size_t *na = dq_realloc_array(*arr, nc, sizeof(**arr));
		if (!na)
			return fail(s, SCAN_NOMEM, "out of memory");
		*arr = na;
		*cap = nc;
	}
	(*arr)[(*n)++] = v;
	return true;
}

static bool push_key(struct scan *s, const char *key)
{
	if (s->nkeys == s->keys_cap) {
		size_t nc = s->keys_cap ? s->keys_cap * 2 : 64;
		const char **na = dq_realloc_array(s->keys, nc, sizeof(*na));
		if (!na)
			return fail(s, SCAN_NOMEM, "out of memory");
		s->keys = na;
		s->keys_cap = nc;
	}
	s->keys[s->nkeys++] = key;
	return true;
}

static bool push_top(struct scan *s, const struct member *m)
{
	if (s->ntop == s->top_cap) {
		size_t nc = s->top_cap ? s->top_cap * 2 : 16;
		struct member *na = dq_realloc_array(s->top, nc, sizeof(*na));
		if (!na)
			return fail(s, SCAN_NOMEM, "out of memory");
		s->top = na;
		s->top_cap = nc;
	}
	s->top[s->ntop++] = *m;
	return true;
}

/* One leaf: "path=value" into canon, the value URL-encoded when it is a string. */
static bool leaf(struct scan *s, const char *text, size_t len, bool is_string)
{
	if (!s->want_pairs || s->skip)
		return true;
	size_t off = s->canon.len;
	if (!put(s, &s->canon, s->path.data ? s->path.data : "", s->path.len) ||
	    !put(s, &s->canon, "=", 1))
		return false;
	if (!(is_string ? put_encoded(s, &s->canon, text, len) : put(s, &s->canon, text, len)))
		return false;
	return put(s, &s->canon, "", 1) && push_size(s, &s->pairs, &s->npairs, &s->pairs_cap, off);
}

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* Length of the well-formed UTF-8 sequence at p (Unicode table 3-7), 0 if there is none. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c == 0xe0)
		n = 3, lo = 0xa0;
	else if ((c >= 0xe1 && c <= 0xec) || c == 0xee || c == 0xef)
		n = 3;
	else if (c == 0xed)
		n = 3, hi = 0x9f;
	else if (c == 0xf0)
		n = 4, lo = 0x90;
	else if (c >= 0xf1 && c <= 0xf3)
		n = 4;
	else if (c == 0xf4)
		n = 4, hi = 0x8f;
	else
		return 0;
	if ((size_t)(end - p) < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static bool hex4(struct scan *s, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++, s->p++) {
		if (s->p >= s->end)
			return unexpected(s);
		char c = *s->p;
		unsigned d;
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return fail(s, SCAN_BAD, "not valid JSON: bad \\u escape at byte %zu", at(s));
		*v = *v << 4 | d;
	}
	return true;
}

/* At the 'u' of \uXXXX: decodes it, and the low half after a high surrogate. */
static bool unicode_escape(struct scan *s)
{
	size_t where = at(s) - 1;
	unsigned cp, lo;
	s->p++;
	if (!hex4(s, &cp))
		return false;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(s, SCAN_BAD, "not valid JSON: lone surrogate escape at byte %zu", where);
	if (cp >= 0xd800 && cp <= 0xdbff) {
		if (s->end - s->p < 2 || s->p[0] != '\\' || s->p[1] != 'u')
			return fail(s, SCAN_BAD, "not valid JSON: lone surrogate escape at byte %zu",
				    where);
		s->p += 2;
		if (!hex4(s, &lo))
			return false;
		if (lo < 0xdc00 || lo > 0xdfff)
			return fail(s, SCAN_BAD, "not valid JSON: lone surrogate escape at byte %zu",
				    where);
		cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
	}
	unsigned char u[4];
	size_t n;
	if (cp < 0x80) {
		u[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (unsigned char)(0xc0 | cp >> 6);
		u[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (unsigned char)(0xe0 | cp >> 12);
		u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (unsigned char)(0xf0 | cp >> 18);
		u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		u[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return put(s, &s->str, u, n);
}

/* At the opening quote: the string, decoded, into s->str. */
static bool scan_string(struct scan *s)
{
	s->str.len = 0;
	s->p++;
	for (;;) {
		const char *run = s->p;
		while (s->p < s->end && (unsigned char)*s->p >= 0x20 &&
		       (unsigned char)*s->p < 0x80 && *s->p != '"' && *s->p != '\\')
			s->p++;
		if (s->p > run && !put(s, &s->str, run, (size_t)(s->p - run)))
			return false;
		if (s->p >= s->end)
			return unexpected(s);
		unsigned char c = (unsigned char)*s->p;
		if (c == '"') {
			s->p++;
			return true;
		}
		if (c < 0x20)
			return fail(s, SCAN_BAD,
				    "not valid JSON: control character in a string at byte %zu", at(s));
		if (c >= 0x80) {
			size_t n = utf8_seq((const unsigned char *)s->p,
					    (const unsigned char *)s->end);
			if (!n)
				return fail(s, SCAN_BAD, "not valid JSON: invalid UTF-8 at byte %zu",
					    at(s));
			if (!put(s, &s->str, s->p, n))
				return false;
			s->p += n;
			continue;
		}
		/* a backslash */
		s->p++;
		if (s->p >= s->end)
			return unexpected(s);
		char e;
		switch (*s->p) {
		case '"': e = '"'; break;
		case '\\': e = '\\'; break;
		case '/': e = '/'; break;
		case 'b': e = '\b'; break;
		case 'f': e = '\f'; break;
		case 'n': e = '\n'; break;
		case 'r': e = '\r'; break;
		case 't': e = '\t'; break;
		case 'u':
			if (!unicode_escape(s))
				return false;
			continue;
		default:
			return fail(s, SCAN_BAD, "not valid JSON: bad escape at byte %zu", at(s) - 1);
		}
		if (!put(s, &s->str, &e, 1))
			return false;
		s->p++;
	}
}

static bool digits(struct scan *s)
{
	const char *d = s->p;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > d || unexpected(s);
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool scan_number(struct scan *s, bool *integral)
{
	*integral = true;
	if (*s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (s->p >= s->end || *s->p < '1' || *s->p > '9')
		return unexpected(s);
	else
		digits(s);
	if (s->p < s->end && *s->p == '.') {
		*integral = false;
		s->p++;
		if (!digits(s))
			return false;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		*integral = false;
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (!digits(s))
			return false;
	}
	return true;
}

static bool scan_value(struct scan *s, unsigned depth, enum jkind *kind, bool *integral);

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorts the keys of the object just closed (from keys[first]) and rejects a repeat. */
static bool check_duplicates(struct scan *s, size_t first)
{
	size_t n = s->nkeys - first;
	const char **k = s->keys + first;
	if (n > 1)
		qsort(k, n, sizeof(*k), cmp_str);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(k[i - 1], k[i])) {
			if (s->path.len)
				return fail(s, SCAN_BAD, "duplicate key %.80s in %.80s", k[i],
					    s->path.data);
			return fail(s, SCAN_BAD, "duplicate key %.80s", k[i]);
		}
	s->nkeys = first;
	return true;
}

static bool scan_object(struct scan *s, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return fail(s, SCAN_BAD, "not valid JSON: nested deeper than %d levels at byte %zu",
			    MAX_DEPTH, at(s));
	size_t first = s->nkeys;
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == '}') {
		s->p++;
		return true;
	}
	for (;;) {
		if (s->p >= s->end || *s->p != '"')
			return unexpected(s);
		if (!scan_string(s))
			return false;
		size_t path_len = s->path.len;
		if (path_len && !put(s, &s->path, "+", 1))
			return false;
		size_t seg = s->path.len;
		if (!put_encoded(s, &s->path, s->str.data ? s->str.data : "", s->str.len))
			return false;
		char *key = dq_arena_strndup(&s->arena, s->path.data + seg, s->path.len - seg);
		if (!key)
			return fail(s, SCAN_NOMEM, "out of memory");
		if (!push_key(s, key))
			return false;

		skip_ws(s);
		if (s->p >= s->end || *s->p != ':')
			return unexpected(s);
		s->p++;
		skip_ws(s);
		bool outermost = depth == 1, was_skip = s->skip;
		if (outermost && !strcmp(key, "\"checksum\""))
			s->skip = true;
		struct member m = { .key = key, .val = s->p };
		if (!scan_value(s, depth + 1, &m.kind, &m.integral))
			return false;
		s->skip = was_skip;
		m.val_len = (size_t)(s->p - m.val);
		if (outermost && !push_top(s, &m))
			return false;
		s->path.len = path_len;
		s->path.data[path_len] = '\0';

		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			skip_ws(s);
			continue;
		}
		if (s->p < s->end && *s->p == '}') {
			s->p++;
			return check_duplicates(s, first);
		}
		return unexpected(s);
	}
}

static bool scan_array(struct scan *s, unsigned depth)
{
	if (depth > MAX_DEPTH)
		return fail(s, SCAN_BAD, "not valid JSON: nested deeper than %d levels at byte %zu",
			    MAX_DEPTH, at(s));
	s->p++;
	skip_ws(s);
	if (s->p < s->end && *s->p == ']') {
		s->p++;
		return true;
	}
	for (size_t i = 0;; i++) {
		size_t path_len = s->path.len;
		char idx[24];
		int n = snprintf(idx, sizeof(idx), "%s%zu", path_len ? "+" : "", i);
		if (!put(s, &s->path, idx, (size_t)n))
			return false;
		enum jkind kind;
		bool integral;
		if (!scan_value(s, depth + 1, &kind, &integral))
			return false;
		s->path.len = path_len;
		s->path.data[path_len] = '\0';

		skip_ws(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			skip_ws(s);
			continue;
		}
		if (s->p < s->end && *s->p == ']') {
			s->p++;
			return true;
		}
		return unexpected(s);
	}
}

static bool literal(struct scan *s, const char *word)
{
	size_t n = strlen(word);
	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n))
		return unexpected(s);
	s->p += n;
	return leaf(s, word, n, false);
}

static bool scan_value(struct scan *s, unsigned depth, enum jkind *kind, bool *integral)
{
	*integral = false;
	if (++s->nvalues > MAX_VALUES)
		return fail(s, SCAN_TOO_BIG, "too large to checksum: more than %u values",
			    MAX_VALUES);
	if (s->p >= s->end)
		return unexpected(s);
	switch (*s->p) {
	case '{':
		*kind = J_OBJECT;
		return scan_object(s, depth);
	case '[':
		*kind = J_ARRAY;
		return scan_array(s, depth);
	case '"':
		*kind = J_STRING;
		return scan_string(s) &&
		       leaf(s, s->str.data ? s->str.data : "", s->str.len, true);
	case 't':
		*kind = J_TRUE;
		return literal(s, "true");
	case 'f':
		*kind = J_FALSE;
		return literal(s, "false");
	case 'n':
		*kind = J_NULL;
		return literal(s, "null");
	default: {
		const char *num = s->p;
		*kind = J_NUMBER;
		return scan_number(s, integral) && leaf(s, num, (size_t)(s->p - num), false);
	}
	}
}

/* The whole text: one object and nothing after it but white space. */
static bool scan_document(struct scan *s)
{
	skip_ws(s);
	if (s->p < s->end && *s->p && *s->p != '{' && strchr("[\"-0123456789tfn", *s->p))
		return fail(s, SCAN_BAD, "not a JSON object");
	if (s->p >= s->end || *s->p != '{')
		return unexpected(s);
	enum jkind kind;
	bool integral;
	if (!scan_value(s, 1, &kind, &integral))
		return false;
	skip_ws(s);
	if (s->p < s->end)
		return fail(s, SCAN_BAD, "not valid JSON: data after the object at byte %zu", at(s));
	return true;
}

/* MD5 of the sorted pairs joined by ','. */
static bool scan_digest(struct scan *s, char hex[33])
{
	const char **v = dq_calloc(s->npairs, sizeof(*v));
	if (!v)
		return fail(s, SCAN_NOMEM, "out of memory");
	for (size_t i = 0; i < s->npairs; i++)
		v[i] = s->canon.data + s->pairs[i];
	if (s->npairs > 1)
		qsort(v, s->npairs, sizeof(*v), cmp_str);
	struct md5_ctx c;
	unsigned char d[16];
	md5_init(&c);
	for (size_t i = 0; i < s->npairs; i++) {
		if (i)
			md5_update(&c, ",", 1);
		md5_update(&c, v[i], strlen(v[i]));
	}
	md5_final(&c, d);
	md5_hex(d, hex);
	free(v);
	return true;
}

bool lastcp_checksum(const char *text, size_t len, char hex[33])
{
	struct scan s;
	scan_init(&s, text, len, true);
	bool ok = scan_document(&s) && scan_digest(&s, hex);
	scan_release(&s);
	return ok;
}

/* ---- the fields ---------------------------------------------------------------------- */

static const struct member *find(const struct member *top, size_t n, const char *name)
{
	size_t len = strlen(name);
	for (size_t i = 0; i < n; i++) {
		const char *k = top[i].key;
		if (strlen(k) == len + 2 && !memcmp(k + 1, name, len))
			return &top[i];
	}
	return NULL;
}

static bool parse_i64(const char *p, size_t n, int64_t *out)
{
	bool neg = n && *p == '-';
	uint64_t v = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (neg)
		p++, n--;
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(p[i] - '0');
		if (d > 9 || v > (lim - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = !neg ? (int64_t)v : v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	return true;
}

/* Decodes the JSON string text m->val into b (NUL-terminated; may hold inner NULs). */
static int decode_string(const struct member *m, struct dq_buf *b)
{
	struct scan s;
	scan_init(&s, m->val, m->val_len, false);
	bool ok = scan_string(&s);
	if (ok) {
		*b = s.str;
		s.str = (struct dq_buf){ 0 };
		if (!b->data && dq_buf_append(b, "", 0))
			ok = false, s.status = SCAN_NOMEM;
	}
	int st = ok ? SCAN_OK : s.status;
	scan_release(&s);
	return st;
}

/* Records why the file is invalid; the first reason wins. */
__attribute__((format(printf, 2, 3)))
static void problem(struct last_checkpoint *c, const char *fmt, ...)
{
	if (c->problem[0])
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(c->problem, sizeof(c->problem), fmt, ap);
	va_end(ap);
}

/* An optional integer member: *v = -1 when absent or null. */
static void int_field(struct last_checkpoint *c, const struct member *top, size_t n,
		      const char *name, int64_t *v)
{
	const struct member *m = find(top, n, name);
	*v = -1;
	if (!m || m->kind == J_NULL)
		return;
	if (m->kind != J_NUMBER || !m->integral)
		problem(c, "%s is not an integer", name);
	else if (!parse_i64(m->val, m->val_len, v))
		problem(c, "%s is out of range", name);
}

/* Worth quoting in a message: a short run of letters, digits and -._ */
static bool printable_token(const struct dq_buf *b)
{
	if (b->len == 0 || b->len > 64)
		return false;
	for (size_t i = 0; i < b->len; i++)
		if (!unreserved((unsigned char)b->data[i]) || b->data[i] == '~')
			return false;
	return true;
}

static int check_checksum(struct last_checkpoint *c, const struct member *m, const char *hex)
{
	c->has_checksum = true;
	if (m->kind != J_STRING) {
		problem(c, "checksum is not a string");
		return DQ_OK;
	}
	struct dq_buf stored = { 0 };
	if (decode_string(m, &stored) == SCAN_NOMEM)
		return DQ_ENOMEM;
	/* Compared as Spark compares: exactly, so upper-case hex does not match. */
	c->checksum_ok = stored.len == 32 && !memcmp(stored.data, hex, 32);
	if (!c->checksum_ok) {
		if (printable_token(&stored))
			problem(c, "checksum does not match (stored %s, computed %s)", stored.data,
				hex);
		else
			problem(c, "checksum does not match (computed %s)", hex);
	}
	dq_buf_release(&stored);
	return DQ_OK;
}

static int v2_fields(struct last_checkpoint *c, const struct member *v2)
{
	if (v2->kind == J_NULL)
		return DQ_OK;
	if (v2->kind != J_OBJECT) {
		problem(c, "v2Checkpoint is not an object");
		return DQ_OK;
	}
	struct scan s;
	scan_init(&s, v2->val, v2->val_len, false);
	if (!scan_document(&s)) {
		int st = s.status;
		if (st != SCAN_NOMEM)
			problem(c, "v2Checkpoint: %s", s.why);
		scan_release(&s);
		return st == SCAN_NOMEM ? DQ_ENOMEM : DQ_OK;
	}
	const struct member *m = find(s.top, s.ntop, "path");
	int rc = DQ_OK;
	struct dq_buf path = { 0 };
	if (!m || m->kind == J_NULL) {
		problem(c, "v2Checkpoint.path is missing");
	} else if (m->kind != J_STRING) {
		problem(c, "v2Checkpoint.path is not a string");
	} else if (decode_string(m, &path) == SCAN_NOMEM) {
		rc = DQ_ENOMEM;
	} else if (path.len == 0 || memchr(path.data, '\0', path.len) ||
		   memchr(path.data, '/', path.len) || !strcmp(path.data, ".") ||
		   !strcmp(path.data, "..")) {
		problem(c, "v2Checkpoint.path is not a file name");
	} else if (!(c->v2_path = dq_strndup(path.data, path.len))) {
		rc = DQ_ENOMEM;
	}
	dq_buf_release(&path);
	scan_release(&s);
	return rc;
}

static void init(struct last_checkpoint *c)
{
	memset(c, 0, sizeof(*c));
	c->version = c->size = c->parts = c->size_in_bytes = c->num_of_add_files = -1;
}

int lastcp_parse(const char *text, size_t len, struct last_checkpoint *out,
		 struct dq_error *err)
{
	init(out);
	out->present = true;
	if (len == 0) {
		problem(out, "file is empty");
		return DQ_OK;
	}

	struct scan s;
	char hex[33];
	int rc = DQ_OK;
	scan_init(&s, text, len, true);
	if (!scan_document(&s) || !scan_digest(&s, hex)) {
		if (s.status == SCAN_NOMEM)
			rc = DQ_ENOMEM;
		else
			problem(out, "%s", s.why);
		goto done;
	}

	const struct member *m;
	if ((m = find(s.top, s.ntop, "checksum")) && (rc = check_checksum(out, m, hex)))
		goto done;

	m = find(s.top, s.ntop, "version");
	if (!m)
		problem(out, "version is missing");
	else if (m->kind != J_NUMBER || !m->integral)
		problem(out, "version is not an integer");
	else if (!parse_i64(m->val, m->val_len, &out->version))
		problem(out, "version is out of range");
	else if (out->version < 0)
		problem(out, "version is negative");
	if (out->version < 0)
		out->version = -1;

	int_field(out, s.top, s.ntop, "size", &out->size);
	int_field(out, s.top, s.ntop, "parts", &out->parts);
	if (out->parts == 0 || out->parts < -1)
		problem(out, "parts is not positive");
	int_field(out, s.top, s.ntop, "sizeInBytes", &out->size_in_bytes);
	int_field(out, s.top, s.ntop, "numOfAddFiles", &out->num_of_add_files);

	if ((m = find(s.top, s.ntop, "v2Checkpoint")) && (rc = v2_fields(out, m)))
		goto done;

	const struct member *t = find(s.top, s.ntop, "checkpointType");
	const struct member *a = find(s.top, s.ntop, "amtCheckpoint");
	out->unusable_preview = (t && t->kind != J_NULL) || (a && a->kind != J_NULL);

done:
	scan_release(&s);
	if (rc) {
		lastcp_release(out);
		return dq_fail(err, rc, "out of memory reading '%s'", LASTCP_PATH);
	}
	out->valid = out->problem[0] == '\0';
	return DQ_OK;
}

int lastcp_read(struct store *s, struct last_checkpoint *out, struct dq_error *err)
{
	struct dq_error e = { 0 };
	struct dq_buf buf = { 0 };

	init(out);
	int rc = store_read(s, LASTCP_PATH, LASTCP_MAX_SIZE, &buf, &e);
	if (rc == DQ_OK) {
		rc = lastcp_parse(buf.data ? buf.data : "", buf.len, out, err);
		dq_buf_release(&buf);
		return rc;
	}
	dq_buf_release(&buf);
	if (rc == DQ_EIO && (e.sys_errno == ENOENT || e.sys_errno == ENOTDIR))
		return DQ_OK;
	if (rc == DQ_EIO) {
		/* Tell "too big" and "a directory" (invalid) from a failing read (an error). */
		struct store_entry st = { 0 };
		struct dq_error e2;
		bool known = e.sys_errno == EISDIR;
		if (!known && store_stat(s, LASTCP_PATH, &st, &e2) == DQ_OK)
			known = st.is_dir || st.size > (int64_t)LASTCP_MAX_SIZE;
		free(st.name);
		if (known) {
			out->present = true;
			if (e.sys_errno == EISDIR || st.is_dir)
				problem(out, "is a directory");
			else
				problem(out, "larger than %u bytes", LASTCP_MAX_SIZE);
			return DQ_OK;
		}
	}
	if (err)
		*err = e;
	return rc;
}

void lastcp_release(struct last_checkpoint *c)
{
	if (!c)
		return;
	free(c->v2_path);
	c->v2_path = NULL;
}
