/*
 * assemble.c - records from the leaf columns of a row group (Dremel record assembly,
 * apache/parquet-format:README.md "Nested Encoding"; ../shared/research/parquet.md sections
 * 3.1 and 3.4), rendered as JSON the way DuckDB's JSON export renders them.
 *
 * The schema decides the shape, never fixed level numbers: from each schema node this file
 * builds an assembly node that knows the definition level below which it is null, and
 * for lists and maps the level below which they are empty and the repetition level that
 * continues them.  Which schema nodes become lists, maps and structs follows DuckDB's
 * reader, since its output is the reference:
 *   - a REPEATED node is a list of its elements (a repeated group of several fields, a
 *     list of structs; of one field, a list of that field);
 *   - a group annotated LIST or MAP with one child stands for that child (so 3-level
 *     lists, whatever their middle and element nodes are called, and legacy 2-level lists
 *     come out as lists);
 *   - the repeated child of a MAP group, or a group annotated MAP_KEY_VALUE, is a map
 *     from its first field to its second (without a second field, the list of its keys,
 *     as arrow reads it);
 *   - every other group is a struct.
 * Each leaf column keeps a cursor into its level entries and its values; a node reads
 * one value by looking at the definition (and repetition) level of the first leaf under
 * it, and a null or empty node consumes one entry of every leaf under it.
 *
 * Values: DuckDB's types for Parquet's (logical type first, then converted type, then
 * physical type) and its text for them; man/deltaq-parquet.1 lists every rule.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"

#define MAX_NEST 160

/* ---- value types ------------------------------------------------------------------------ */

enum vkind {
	K_BOOL, K_INT, K_UINT, K_FLOAT, K_DOUBLE, K_FLOAT16, K_DECIMAL, K_DATE, K_TIME,
	K_TIMESTAMP, K_INT96, K_STRING, K_JSON, K_BLOB, K_UUID, K_INTERVAL,
};

struct vtype {
	enum vkind kind;
	enum parquet_type phys;
	int32_t type_length;
	int unit;                       /* K_TIME, K_TIMESTAMP: enum parquet_time_unit */
	bool utc;
	int32_t precision, scale;       /* K_DECIMAL */
};

static bool is_bytes(enum parquet_type t)
{
	return t == PQ_BYTE_ARRAY || t == PQ_FIXED_LEN_BYTE_ARRAY;
}

/* The type from the logical annotation; false when it does not decide. */
static bool classify_logical(const struct parquet_schema_element *e, struct vtype *t)
{
	const struct parquet_logical *lt = &e->logical;
	enum parquet_type p = e->type;

	switch (lt->kind) {
	case PQ_LT_STRING:
	case PQ_LT_ENUM:
		if (!is_bytes(p))
			return false;
		t->kind = K_STRING;
		return true;
	case PQ_LT_JSON:
		if (p != PQ_BYTE_ARRAY)
			return false;
		t->kind = K_JSON;
		return true;
	case PQ_LT_BSON:
		if (!is_bytes(p))
			return false;
		t->kind = K_BLOB;
		return true;
	case PQ_LT_UUID:
		if (p != PQ_FIXED_LEN_BYTE_ARRAY || e->type_length != 16)
			return false;
		t->kind = K_UUID;
		return true;
	case PQ_LT_DECIMAL:
		if (p != PQ_INT32 && p != PQ_INT64 && !is_bytes(p))
			return false;
		t->kind = K_DECIMAL;
		t->precision = lt->precision;
		t->scale = lt->scale;
		return true;
	case PQ_LT_DATE:
		if (p != PQ_INT32)
			return false;
		t->kind = K_DATE;
		return true;
	case PQ_LT_TIME:
		if (!(lt->unit == PQ_MILLIS && p == PQ_INT32) &&
		    !((lt->unit == PQ_MICROS || lt->unit == PQ_NANOS) && p == PQ_INT64))
			return false;
		t->kind = K_TIME;
		t->unit = lt->unit;
		t->utc = lt->utc;
		return true;
	case PQ_LT_TIMESTAMP:
		if (p != PQ_INT64 || lt->unit < PQ_MILLIS || lt->unit > PQ_NANOS)
			return false;
		t->kind = K_TIMESTAMP;
		t->unit = lt->unit;
		t->utc = lt->utc;
		return true;
	case PQ_LT_INTEGER:
		if (p != PQ_INT32 && p != PQ_INT64)
			return false;
		t->kind = lt->is_signed ? K_INT : K_UINT;
		return true;
	case PQ_LT_FLOAT16:
		if (p != PQ_FIXED_LEN_BYTE_ARRAY || e->type_length != 2)
			return false;
		t->kind = K_FLOAT16;
		return true;
	default:
		return false;
	}
}

static bool classify_converted(const struct parquet_schema_element *e, struct vtype *t)
{
	enum parquet_type p = e->type;

	switch (e->converted_type) {
	case PQ_CT_UTF8:
	case PQ_CT_ENUM:
		if (!is_bytes(p))
			return false;
		t->kind = K_STRING;
		return true;
	case PQ_CT_JSON:
		if (p != PQ_BYTE_ARRAY)
			return false;
		t->kind = K_JSON;
		return true;
	case PQ_CT_BSON:
		t->kind = K_BLOB;
		return is_bytes(p);
	case PQ_CT_DECIMAL:
		if (p != PQ_INT32 && p != PQ_INT64 && !is_bytes(p))
			return false;
		t->kind = K_DECIMAL;
		t->precision = e->precision;
		t->scale = e->scale;
		return true;
	case PQ_CT_DATE:
		t->kind = K_DATE;
		return p == PQ_INT32;
	case PQ_CT_TIME_MILLIS:
	case PQ_CT_TIME_MICROS:
		t->kind = K_TIME;
		t->unit = e->converted_type == PQ_CT_TIME_MILLIS ? PQ_MILLIS : PQ_MICROS;
		return p == (t->unit == PQ_MILLIS ? PQ_INT32 : PQ_INT64);
	case PQ_CT_TIMESTAMP_MILLIS:
	case PQ_CT_TIMESTAMP_MICROS:
		t->kind = K_TIMESTAMP;
		t->unit = e->converted_type == PQ_CT_TIMESTAMP_MILLIS ? PQ_MILLIS : PQ_MICROS;
		return p == PQ_INT64;
	case PQ_CT_UINT_8:
	case PQ_CT_UINT_16:
	case PQ_CT_UINT_32:
	case PQ_CT_UINT_64:
		t->kind = K_UINT;
		return p == PQ_INT32 || p == PQ_INT64;
	case PQ_CT_INT_8:
	case PQ_CT_INT_16:
	case PQ_CT_INT_32:
	case PQ_CT_INT_64:
		t->kind = K_INT;
		return p == PQ_INT32 || p == PQ_INT64;
	case PQ_CT_INTERVAL:
		t->kind = K_INTERVAL;
		return p == PQ_FIXED_LEN_BYTE_ARRAY && e->type_length == 12;
	default:
		return false;
	}
}

static void classify(const struct parquet_schema_element *e, struct vtype *t)
{
	memset(t, 0, sizeof(*t));
	t->phys = e->type;
	t->type_length = e->type == PQ_INT96 ? 12 : e->type_length;
	if (classify_logical(e, t))
		return;
	memset(t, 0, sizeof(*t));
	t->phys = e->type;
	t->type_length = e->type == PQ_INT96 ? 12 : e->type_length;
	if (classify_converted(e, t))
		return;
	t->unit = 0;
	t->utc = false;
	switch (e->type) {
	case PQ_BOOLEAN: t->kind = K_BOOL; break;
	case PQ_INT32:
	case PQ_INT64: t->kind = K_INT; break;
	case PQ_INT96: t->kind = K_INT96; break;
	case PQ_FLOAT: t->kind = K_FLOAT; break;
	case PQ_DOUBLE: t->kind = K_DOUBLE; break;
	default: t->kind = K_BLOB; break;
	}
}

/* ---- text of values ------------------------------------------------------------------- */

static void put(struct dq_buf *b, const char *s, size_t n)
{
	dq_buf_append(b, s, n); /* a failed append leaves the buffer short; the caller checks */
}

static void puts_(struct dq_buf *b, const char *s)
{
	put(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void putf(struct dq_buf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(b, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

void parquet_double_text(double v, struct dq_buf *out)
{
	char buf[40], digits[24];
	int exp10, k = 0;

	if (isnan(v)) {
		puts_(out, "NaN");
		return;
	}
	if (isinf(v)) {
		puts_(out, v > 0 ? "Infinity" : "-Infinity");
		return;
	}
	if (v == 0) {
		puts_(out, signbit(v) ? "-0.0" : "0.0");
		return;
	}
	/* the shortest digits that read back as v */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	const char *p = buf;
	if (*p == '-') {
		put(out, "-", 1);
		p++;
	}
	for (; *p && *p != 'e'; p++)
		if (*p >= '0' && *p <= '9' && k < (int)sizeof(digits) - 1)
			digits[k++] = *p;
	exp10 = *p == 'e' ? atoi(p + 1) : 0;
	while (k > 1 && digits[k - 1] == '0')
		k--;
	digits[k] = '\0';
	/* ECMAScript's Number::toString layout, with ".0" on integral values */
	int n = exp10 + 1;
	if (k <= n && n <= 21) {
		put(out, digits, (size_t)k);
		for (int i = k; i < n; i++)
			put(out, "0", 1);
		put(out, ".0", 2);
	} else if (0 < n && n <= 21) {
		put(out, digits, (size_t)n);
		put(out, ".", 1);
		put(out, digits + n, (size_t)(k - n));
	} else if (-6 < n && n <= 0) {
		put(out, "0.", 2);
		for (int i = n; i < 0; i++)
			put(out, "0", 1);
		put(out, digits, (size_t)k);
	} else {
		put(out, digits, 1);
		if (k > 1) {
			put(out, ".", 1);
			put(out, digits + 1, (size_t)(k - 1));
		}
		putf(out, "e%d", n - 1);
	}
}

/* s as a JSON string the way yyjson writes it: \" \\ \b \f \n \r \t, \u00XX for the
 * other control characters, everything else (valid UTF-8) as it is. */
static void json_str(struct dq_buf *out, const char *s, size_t n)
{
	size_t run = 0;

	put(out, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		const char *esc = NULL;
		char u[8];
		switch (ch) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			if (ch < 0x20) {
				snprintf(u, sizeof(u), "\\u%04X", ch);
				esc = u;
			}
		}
		if (!esc)
			continue;
		put(out, s + run, i - run);
		puts_(out, esc);
		run = i + 1;
	}
	put(out, s + run, n - run);
	put(out, "\"", 1);
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
		return 0;
	return len;
}

/* Text that is valid UTF-8, each invalid byte replaced by U+FFFD. */
static void utf8_text(struct dq_buf *out, const uint8_t *s, size_t n)
{
	size_t i = 0, run = 0;

	while (i < n) {
		size_t l = utf8_len(s + i, n - i);
		if (l) {
			i += l;
			continue;
		}
		put(out, (const char *)s + run, i - run);
		put(out, "\xEF\xBF\xBD", 3);
		run = ++i;
	}
	put(out, (const char *)s + run, n - run);
}

/* DuckDB's BLOB text: printable ASCII but ' " \ as it is, other bytes as \xHH. */
static void blob_text(struct dq_buf *out, const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t c = s[i];
		if (c >= 0x20 && c <= 0x7E && c != '"' && c != '\'' && c != '\\')
			put(out, (const char *)&c, 1);
		else
			putf(out, "\\x%02X", c);
	}
}

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days since 1970-01-01 to a proleptic Gregorian date (H. Hinnant's civil_from_days). */
static void civil(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = floor_div(z, 146097);
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

/* "YYYY-MM-DD", years before 1 as "YYYY-MM-DD (BC)" (DuckDB's Date::ToString). */
static void date_text(struct dq_buf *out, int64_t days)
{
	int64_t y;
	int m, d;

	civil(days, &y, &m, &d);
	if (y <= 0)
		putf(out, "%04lld-%02d-%02d (BC)", (long long)(1 - y), m, d);
	else
		putf(out, "%04lld-%02d-%02d", (long long)y, m, d);
}

/* "HH:MM:SS" and the fraction of `digits` digits with its trailing zeros dropped. */
static void clock_text(struct dq_buf *out, int64_t frac_of_day, int64_t per_sec, int digits)
{
	int64_t secs = frac_of_day / per_sec, frac = frac_of_day % per_sec;

	putf(out, "%02lld:%02lld:%02lld", (long long)(secs / 3600), (long long)(secs / 60 % 60),
	     (long long)(secs % 60));
	if (frac) {
		char f[16];
		snprintf(f, sizeof(f), "%0*lld", digits, (long long)frac);
		int n = digits;
		while (n > 0 && f[n - 1] == '0')
			n--;
		put(out, ".", 1);
		put(out, f, (size_t)n);
	}
}

static int64_t units_per_sec(int unit)
{
	return unit == PQ_MILLIS ? 1000 : unit == PQ_NANOS ? 1000000000 : 1000000;
}

static void timestamp_text(struct dq_buf *out, int64_t v, int unit, bool utc)
{
	if (utc && unit == PQ_NANOS) {  /* TIMESTAMPTZ holds microseconds */
		v /= 1000;
		unit = PQ_MICROS;
	}
	int64_t ps = units_per_sec(unit), per_day = ps * 86400;
	if (unit == PQ_MICROS && (v == INT64_MAX || v == -INT64_MAX)) {
		puts_(out, v > 0 ? "infinity" : "-infinity");
		return;
	}
	int64_t days = floor_div(v, per_day);
	date_text(out, days);
	put(out, " ", 1);
	clock_text(out, v - days * per_day, ps, unit == PQ_MILLIS ? 3 : unit == PQ_NANOS ? 9 : 6);
	if (utc)
		put(out, "+00", 3);
}

static void uuid_text(struct dq_buf *out, const uint8_t *b)
{
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			put(out, "-", 1);
		putf(out, "%02x", b[i]);
	}
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* DuckDB's Interval::ToString for months, days and microseconds. */
static void interval_text(struct dq_buf *out, int32_t months, int32_t days, int64_t micros)
{
	bool any = false;

	if (months) {
		int32_t years = months / 12, mons = months - years * 12;
		if (years) {
			putf(out, "%d year%s", years, years == 1 ? "" : "s");
			any = true;
		}
		if (mons) {
			putf(out, "%s%d month%s", any ? " " : "", mons, mons == 1 ? "" : "s");
			any = true;
		}
	}
	if (days) {
		putf(out, "%s%d day%s", any ? " " : "", days, days == 1 ? "" : "s");
		any = true;
	}
	if (micros || !any) {
		if (any)
			put(out, " ", 1);
		if (micros < 0) {
			put(out, "-", 1);
			micros = -micros;
		}
		int64_t secs = micros / 1000000, frac = micros % 1000000;
		putf(out, "%02lld:%02lld:%02lld", (long long)(secs / 3600), (long long)(secs / 60 % 60),
		     (long long)(secs % 60));
		if (frac) {
			char f[8];
			snprintf(f, sizeof(f), "%06lld", (long long)frac);
			int n = 6;
			while (n > 0 && f[n - 1] == '0')
				n--;
			put(out, ".", 1);
			put(out, f, (size_t)n);
		}
	}
}

/* IEEE half to single precision by its bits (exactly: every half is a float). */
static float half_to_float(uint16_t h)
{
	uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1F, mant = h & 0x3FF, bits;

	if (exp == 31) {
		bits = sign | 0x7F800000u | mant << 13; /* infinity, or NaN keeping its payload */
	} else if (exp) {
		bits = sign | (exp + 127 - 15) << 23 | mant << 13;
	} else if (!mant) {
		bits = sign; /* zero */
	} else {
		/* subnormal, mant x 2^-24: shift the leading 1 up to bit 10 */
		uint32_t shift = 0;
		while (!(mant & 0x400)) {
			mant <<= 1;
			shift++;
		}
		bits = sign | (127 - 14 - shift) << 23 | (mant & 0x3FF) << 13;
	}
	float v;
	memcpy(&v, &bits, sizeof(v));
	return v;
}

/* The unscaled value of a decimal as big-endian two's complement bytes. */
struct bigint {
	uint8_t b[64];
	size_t n;
	bool too_big;
};

static void bigint_from(struct bigint *x, const uint8_t *be, size_t n)
{
	/* drop sign-extension bytes that carry no value */
	while (n > 1 && ((be[0] == 0x00 && !(be[1] & 0x80)) || (be[0] == 0xFF && (be[1] & 0x80)))) {
		be++;
		n--;
	}
	x->too_big = n > sizeof(x->b);
	x->n = x->too_big ? 0 : n;
	if (!x->too_big && n)
		memcpy(x->b, be, n);
}

static void bigint_from_i64(struct bigint *x, int64_t v)
{
	uint8_t be[8];
	uint64_t u = (uint64_t)v;

	for (int i = 7; i >= 0; i--, u >>= 8)
		be[i] = (uint8_t)u;
	bigint_from(x, be, 8);
}

/* Decimal digits of |x| into digits (most significant first); returns the count. */
static size_t bigint_digits(const struct bigint *x, bool *neg, char *digits, size_t cap)
{
	uint8_t mag[64];
	size_t n = x->n, nd = 0;

	*neg = n && (x->b[0] & 0x80);
	memcpy(mag, x->b, n);
	if (*neg) {             /* two's complement negation */
		int carry = 1;
		for (size_t i = n; i-- > 0;) {
			int v = (uint8_t)~mag[i] + carry;
			mag[i] = (uint8_t)v;
			carry = v >> 8;
		}
	}
	size_t lead = 0;
	while (lead < n && !mag[lead])
		lead++;
	while (lead < n && nd < cap) {
		unsigned rem = 0;
		for (size_t i = lead; i < n; i++) {
			unsigned cur = rem << 8 | mag[i];
			mag[i] = (uint8_t)(cur / 10);
			rem = cur % 10;
		}
		digits[nd++] = (char)('0' + rem);
		while (lead < n && !mag[lead])
			lead++;
	}
	if (!nd)
		digits[nd++] = '0';
	for (size_t i = 0; i < nd / 2; i++) {
		char t = digits[i];
		digits[i] = digits[nd - 1 - i];
		digits[nd - 1 - i] = t;
	}
	return nd;
}

/* The exact decimal text with all `scale` fraction digits ("1.50", "-0.05", "12"). */
static void decimal_exact(struct dq_buf *out, const struct bigint *x, int scale)
{
	char digits[200];
	bool neg;
	size_t nd = bigint_digits(x, &neg, digits, sizeof(digits));

	if (scale < 0 || scale > 100)
		scale = 0;
	bool zero = nd == 1 && digits[0] == '0';
	if (neg && !zero)
		put(out, "-", 1);
	if ((size_t)scale >= nd) {
		put(out, "0.", 2);
		for (size_t i = nd; i < (size_t)scale; i++)
			put(out, "0", 1);
		put(out, digits, nd);
	} else {
		put(out, digits, nd - (size_t)scale);
		if (scale) {
			put(out, ".", 1);
			put(out, digits + nd - scale, (size_t)scale);
		}
	}
}

static bool decimal_of(const struct vtype *t, const struct parquet_values *v, size_t i,
		       struct bigint *x)
{
	switch (t->phys) {
	case PQ_INT32: bigint_from_i64(x, v->v.i32[i]); return true;
	case PQ_INT64: bigint_from_i64(x, v->v.i64[i]); return true;
	default: bigint_from(x, v->v.ba[i].ptr, v->v.ba[i].len); return !x->too_big;
	}
}

/* DuckDB writes a DECIMAL of up to 15 digits as the DOUBLE it casts to. */
static double decimal_double(const struct vtype *t, const struct bigint *x)
{
	static const double pow10[] = {
		1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14,
		1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
	};
	struct dq_buf b = { 0 };
	double d;

	if (x->n <= 8 && t->scale >= 0 && t->scale <= 22) {
		int64_t u = (x->n && (x->b[0] & 0x80)) ? -1 : 0;
		for (size_t i = 0; i < x->n; i++)
			u = (int64_t)((uint64_t)u << 8 | x->b[i]);
		return (double)u / pow10[t->scale];
	}
	decimal_exact(&b, x, t->scale);
	d = b.data ? strtod(b.data, NULL) : 0;
	dq_buf_release(&b);
	return d;
}

/* Number of the value; for K_INT, K_UINT. */
static void int_text(struct dq_buf *out, const struct vtype *t, const struct parquet_values *v,
		     size_t i)
{
	if (t->phys == PQ_INT32 && t->kind == K_UINT)
		putf(out, "%u", (unsigned)(uint32_t)v->v.i32[i]);
	else if (t->phys == PQ_INT32)
		putf(out, "%d", (int)v->v.i32[i]);
	else if (t->kind == K_UINT)
		putf(out, "%llu", (unsigned long long)(uint64_t)v->v.i64[i]);
	else
		putf(out, "%lld", (long long)v->v.i64[i]);
}

static double float_of(const struct vtype *t, const struct parquet_values *v, size_t i)
{
	switch (t->kind) {
	case K_FLOAT: return (double)v->v.f32[i];
	case K_DOUBLE: return v->v.f64[i];
	default: /* K_FLOAT16 */
		return (double)half_to_float((uint16_t)(v->v.ba[i].ptr[0] | v->v.ba[i].ptr[1] << 8));
	}
}

/*
 * The text of value i the way DuckDB casts it to VARCHAR (map keys, statistics) into
 * out.  *quote says whether its JSON form is this text as a JSON string.
 */
static void value_text(const struct vtype *t, const struct parquet_values *v, size_t i,
		       struct dq_buf *out, bool *quote)
{
	struct bigint x;

	*quote = true;
	switch (t->kind) {
	case K_BOOL:
		puts_(out, v->v.b[i] ? "true" : "false");
		*quote = false;
		return;
	case K_INT:
	case K_UINT:
		int_text(out, t, v, i);
		*quote = false;
		return;
	case K_FLOAT:
	case K_DOUBLE:
	case K_FLOAT16:
		parquet_double_text(float_of(t, v, i), out);
		*quote = false;
		return;
	case K_DECIMAL:
		if (!decimal_of(t, v, i, &x)) {
			blob_text(out, v->v.ba[i].ptr, v->v.ba[i].len);
			return;
		}
		decimal_exact(out, &x, t->scale);
		*quote = false;
		return;
	case K_DATE:
		if (v->v.i32[i] == INT32_MAX || v->v.i32[i] == -INT32_MAX)
			puts_(out, v->v.i32[i] > 0 ? "infinity" : "-infinity");
		else
			date_text(out, v->v.i32[i]);
		return;
	case K_TIME: {
		int64_t tv = t->phys == PQ_INT32 ? v->v.i32[i] : v->v.i64[i];
		int unit = t->unit;
		if (t->utc && unit == PQ_NANOS) {
			tv /= 1000;
			unit = PQ_MICROS;
		}
		int64_t ps = units_per_sec(unit);
		tv %= ps * 86400;
		if (tv < 0)
			tv += ps * 86400;
		clock_text(out, tv, ps, unit == PQ_MILLIS ? 3 : unit == PQ_NANOS ? 9 : 6);
		if (t->utc)
			put(out, "+00", 3);
		return;
	}
	case K_TIMESTAMP:
		timestamp_text(out, v->v.i64[i], t->unit, t->utc);
		return;
	case K_INT96: {
		/* nanoseconds of the day, then the Julian day (DuckDB reads microseconds) */
		const uint8_t *p = v->v.ba[i].ptr;
		uint64_t nanos = le32(p) | (uint64_t)le32(p + 4) << 32;
		int64_t us = (int64_t)(nanos / 1000), per_day = 86400000000LL;
		int64_t days = (int64_t)le32(p + 8) - 2440588 + floor_div(us, per_day);
		date_text(out, days);
		put(out, " ", 1);
		clock_text(out, us - floor_div(us, per_day) * per_day, 1000000, 6);
		return;
	}
	case K_STRING:
	case K_JSON:
		utf8_text(out, v->v.ba[i].ptr, v->v.ba[i].len);
		return;
	case K_UUID:
		uuid_text(out, v->v.ba[i].ptr);
		return;
	case K_INTERVAL: {
		const uint8_t *p = v->v.ba[i].ptr;
		interval_text(out, (int32_t)le32(p), (int32_t)le32(p + 4),
			      (int64_t)le32(p + 8) * 1000);
		return;
	}
	case K_BLOB:
	default:
		blob_text(out, v->v.ba[i].ptr, v->v.ba[i].len);
		return;
	}
}

/* ---- JSON of embedded JSON values ------------------------------------------------------- */

static void json_write(struct dq_buf *out, const json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;
	bool first = true;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		put(out, "{", 1);
		json_object_foreach((json_t *)v, k, x) {
			if (!first)
				put(out, ",", 1);
			first = false;
			json_str(out, k, strlen(k));
			put(out, ":", 1);
			json_write(out, x);
		}
		put(out, "}", 1);
		break;
	case JSON_ARRAY:
		put(out, "[", 1);
		json_array_foreach(v, i, x) {
			if (i)
				put(out, ",", 1);
			json_write(out, x);
		}
		put(out, "]", 1);
		break;
	case JSON_STRING:
		json_str(out, json_string_value(v), json_string_length(v));
		break;
	case JSON_INTEGER:
		putf(out, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		parquet_double_text(json_real_value(v), out);
		break;
	case JSON_TRUE:
		puts_(out, "true");
		break;
	case JSON_FALSE:
		puts_(out, "false");
		break;
	default:
		puts_(out, "null");
	}
}

/* ---- the sink: JSON text, jansson values, or nothing (rows being skipped) ---------------- */

struct sink {
	struct dq_buf *text;            /* text mode */
	bool discard;
	int depth;
	bool in_object[MAX_NEST];
	size_t count[MAX_NEST];
	/* jansson mode */
	json_t *stack[MAX_NEST];
	json_t *row;                    /* the finished top-level value */
	struct dq_buf key;
	bool have_key;
	struct dq_buf scratch;
	bool oom;
};

/* Comma between container members in text mode. */
static void sep(struct sink *s)
{
	if (s->depth > 0 && !s->in_object[s->depth - 1] && s->count[s->depth - 1]++)
		put(s->text, ",", 1);
}

static void attach(struct sink *s, json_t *v)
{
	if (!v) {
		s->oom = true;
		return;
	}
	if (s->depth == 0) {
		json_decref(s->row);
		s->row = v;
		return;
	}
	json_t *top = s->stack[s->depth - 1];
	if (json_is_array(top)) {
		json_array_append_new(top, v);
	} else {
		json_object_setn_new(top, s->key.data ? s->key.data : "", s->key.len, v);
		s->key.len = 0;
	}
}

static void sink_key(struct sink *s, const char *k, size_t n)
{
	if (s->discard)
		return;
	if (s->text) {
		if (s->count[s->depth - 1]++)
			put(s->text, ",", 1);
		json_str(s->text, k, n);
		put(s->text, ":", 1);
	} else {
		s->key.len = 0;
		put(&s->key, k, n);
		if (!s->key.data)
			put(&s->key, "", 0);
	}
}

static int sink_open(struct sink *s, bool object)
{
	if (s->depth >= MAX_NEST)
		return -1;
	if (s->discard) {
		s->depth++;
		return 0;
	}
	if (s->text) {
		sep(s);
		put(s->text, object ? "{" : "[", 1);
	} else {
		json_t *c = object ? json_object() : json_array();
		if (!c) {
			s->oom = true;
			return -1;
		}
		/* attach now (a new reference for the stack), so the key is used at once */
		json_incref(c);
		attach(s, c);
		s->stack[s->depth] = c;
	}
	s->in_object[s->depth] = object;
	s->count[s->depth] = 0;
	s->depth++;
	return 0;
}

static void sink_close(struct sink *s)
{
	s->depth--;
	if (s->discard)
		return;
	if (s->text)
		put(s->text, s->in_object[s->depth] ? "}" : "]", 1);
	else
		json_decref(s->stack[s->depth]);
}

static void sink_null(struct sink *s)
{
	if (s->discard)
		return;
	if (s->text) {
		sep(s);
		puts_(s->text, "null");
	} else {
		attach(s, json_null());
	}
}

/* The JSON form of value i. */
static void sink_value(struct sink *s, const struct vtype *t, const struct parquet_values *v,
		       size_t i)
{
	struct dq_buf *b = &s->scratch;
	bool quote;
	struct bigint x;

	if (s->discard)
		return;
	b->len = 0;
	if (t->kind == K_DECIMAL && t->precision <= 15 && decimal_of(t, v, i, &x)) {
		parquet_double_text(decimal_double(t, &x), b);
		quote = false;
	} else if (t->kind == K_DECIMAL && t->precision > 38 && decimal_of(t, v, i, &x)) {
		parquet_double_text(decimal_double(t, &x), b);
		quote = false;
	} else {
		value_text(t, v, i, b, &quote);
	}
	const char *txt = b->data ? b->data : "";
	if (t->kind == K_JSON) {
		json_error_t e;
		json_t *j = json_loadb(txt, b->len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
		if (j) {
			if (s->text) {
				sep(s);
				json_write(s->text, j);
				json_decref(j);
			} else {
				attach(s, j);
			}
			return;
		}
	}
	if (s->text) {
		sep(s);
		if (quote)
			json_str(s->text, txt, b->len);
		else
			put(s->text, txt, b->len);
		return;
	}
	if (quote) {
		attach(s, json_stringn(txt, b->len));
	} else if (t->kind == K_BOOL) {
		attach(s, json_boolean(v->v.b[i]));
	} else if ((t->kind == K_INT || (t->kind == K_UINT && t->phys == PQ_INT32)) ||
		   (t->kind == K_UINT && v->v.i64[i] >= 0)) {
		attach(s, json_integer(strtoll(txt, NULL, 10)));
	} else {
		double d = strtod(txt, NULL);
		/* jansson has no NaN or infinities: those become strings */
		attach(s, isfinite(d) ? json_real(d) : json_stringn(txt, b->len));
	}
}

/* ---- assembly nodes ----------------------------------------------------------------------- */

enum { A_LEAF, A_STRUCT, A_LIST, A_MAP };

struct anode {
	int kind;
	int16_t null_def;               /* null when the first leaf's level is below this */
	int16_t elem_def, rep;          /* A_LIST, A_MAP: empty below elem_def; R == rep continues */
	int first, last;                /* the leaves under the node */
	const char *name;               /* the schema element's name (struct field name) */
	struct anode **kids;            /* A_STRUCT: fields; A_LIST: element; A_MAP: key, value */
	size_t nkids;
	struct vtype vt;                /* A_LEAF */
};

struct asm_state {
	parquet_file *f;
	size_t rg;
	const struct parquet_meta *m;
	struct dq_arena arena;
	struct parquet_column *cols;    /* by leaf index; only those used are read */
	bool *used;
	size_t *li, *vi;                /* cursors by leaf index */
	struct dq_error *err;
};

static bool annotated(const struct parquet_schema_element *e, int ct, int lt)
{
	return e->converted_type == ct || (int)e->logical.kind == lt;
}

/* One past the last schema element of the subtree at i. */
static int subtree_end(const struct parquet_meta *m, int i, int depth)
{
	const struct parquet_schema_element *e = &m->schema[i];
	int j = i + 1;

	if (e->first_child < 0 || depth > 100)
		return j;
	j = e->first_child;
	for (int k = 0; k < e->num_children && (size_t)j < m->nschema; k++)
		j = subtree_end(m, j, depth + 1);
	return j;
}

static int unsupported(struct asm_state *a, const struct parquet_schema_element *e, const char *why)
{
	return dq_fail(a->err, DQ_ENOTIMPL, "cannot read '%s': column '%s': %s", a->f->name,
		       e->path ? e->path : e->name, why);
}

static int build(struct asm_state *a, int i, int depth, struct anode **out);

static struct anode *new_node(struct asm_state *a, int i, int kind, size_t nkids)
{
	const struct parquet_schema_element *e = &a->m->schema[i];
	struct anode *n = dq_arena_alloc(&a->arena, sizeof(*n));

	if (!n)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->name = e->name;
	n->null_def = e->max_def;
	n->nkids = nkids;
	if (nkids) {
		if (!(n->kids = dq_arena_alloc(&a->arena, nkids * sizeof(*n->kids))))
			return NULL;
		memset(n->kids, 0, nkids * sizeof(*n->kids));
	}
	/* the leaves of the subtree */
	int end = subtree_end(a->m, i, 0);
	n->first = n->last = -1;
	for (int j = i; j < end && (size_t)j < a->m->nschema; j++)
		if (a->m->schema[j].leaf >= 0) {
			if (n->first < 0)
				n->first = a->m->schema[j].leaf;
			n->last = a->m->schema[j].leaf;
		}
	return n;
}

static int oom(struct asm_state *a)
{
	return dq_fail(a->err, DQ_ENOMEM, "cannot read '%s': out of memory", a->f->name);
}

/* A list (or map) around the repeated node i. */
static void as_repeated(struct anode *n, const struct parquet_schema_element *e)
{
	n->null_def = (int16_t)(e->max_def - 1);
	n->elem_def = e->max_def;
	n->rep = e->max_rep;
}

static int build(struct asm_state *a, int i, int depth, struct anode **out)
{
	const struct parquet_meta *m = a->m;
	const struct parquet_schema_element *e = &m->schema[i];
	bool repeated = e->repetition == PQ_REPEATED;
	struct anode *n;
	int rc;

	if (depth > 100)
		return unsupported(a, e, "schema nested too deeply");
	/* the repeated child of a MAP group, or a MAP_KEY_VALUE group: a map */
	const struct parquet_schema_element *p = e->parent >= 0 ? &m->schema[e->parent] : NULL;
	bool map_kv = e->type == PQ_GROUP &&
		      (e->converted_type == PQ_CT_MAP_KEY_VALUE ||
		       (p && e->parent > 0 && annotated(p, PQ_CT_MAP, PQ_LT_MAP) && p->num_children == 1));
	/* entries with a key and no value are read as the list of their keys, like arrow */
	if (map_kv && e->num_children != 1) {
		if (!repeated)
			return unsupported(a, e, "map entries that are not repeated");
		if (e->num_children != 2)
			return unsupported(a, e, "map entries without exactly a key and a value");
		if (!(n = new_node(a, i, A_MAP, 2)))
			return oom(a);
		as_repeated(n, e);
		int c = e->first_child;
		for (int k = 0; k < e->num_children; k++) {
			if ((rc = build(a, c, depth + 1, &n->kids[k])))
				return rc;
			c = subtree_end(m, c, 0);
		}
		if (n->kids[0]->kind != A_LEAF)
			return unsupported(a, e, "map keys that are not primitive values");
		*out = n;
		return 0;
	}
	if (e->type != PQ_GROUP) {
		struct anode *leaf = new_node(a, i, A_LEAF, 0);
		if (!leaf)
			return oom(a);
		classify(e, &leaf->vt);
		if (!repeated) {
			*out = leaf;
			return 0;
		}
		if (!(n = new_node(a, i, A_LIST, 1)))
			return oom(a);
		as_repeated(n, e);
		n->kids[0] = leaf;
		*out = n;
		return 0;
	}
	if (e->num_children < 1 || e->first_child < 0)
		return unsupported(a, e, "a group without fields");
	bool list_or_map = annotated(e, PQ_CT_LIST, PQ_LT_LIST) || annotated(e, PQ_CT_MAP, PQ_LT_MAP);
	struct anode *inner;
	if (e->num_children > 1 || (!list_or_map && !repeated)) {
		if (!(inner = new_node(a, i, A_STRUCT, (size_t)e->num_children)))
			return oom(a);
		int c = e->first_child;
		for (int k = 0; k < e->num_children; k++) {
			if ((rc = build(a, c, depth + 1, &inner->kids[k])))
				return rc;
			inner->kids[k]->name = m->schema[c].name;
			c = subtree_end(m, c, 0);
		}
	} else if ((rc = build(a, e->first_child, depth + 1, &inner))) {
		return rc;
	}
	if (!repeated) {
		*out = inner;
		return 0;
	}
	if (!(n = new_node(a, i, A_LIST, 1)))
		return oom(a);
	as_repeated(n, e);
	n->kids[0] = inner;
	*out = n;
	return 0;
}

/* ---- reading records ----------------------------------------------------------------------- */

static int ran_out(struct asm_state *a, int leaf)
{
	return dq_fail(a->err, DQ_ECORRUPT, "cannot read '%s': column '%s' of row group %zu holds "
		       "fewer rows or values than its levels and the row group say", a->f->name,
		       a->m->schema[a->m->leaves[leaf]].path, a->rg);
}

static int disagree(struct asm_state *a, int leaf)
{
	return dq_fail(a->err, DQ_ECORRUPT, "cannot read '%s': column '%s' of row group %zu: its "
		       "levels disagree with the other columns of its group", a->f->name,
		       a->m->schema[a->m->leaves[leaf]].path, a->rg);
}

static int def_at(const struct asm_state *a, int leaf)
{
	const struct parquet_column *c = &a->cols[leaf];
	return c->def ? c->def[a->li[leaf]] : 0;
}

static int rep_at(const struct asm_state *a, int leaf)
{
	const struct parquet_column *c = &a->cols[leaf];
	return c->rep ? c->rep[a->li[leaf]] : 0;
}

static bool has_entry(const struct asm_state *a, int leaf)
{
	return a->li[leaf] < a->cols[leaf].nlevels;
}

/* One entry of every leaf under n, each below level `below` (a null or empty node). */
static int skip(struct asm_state *a, const struct anode *n, int below)
{
	for (int l = n->first; l <= n->last; l++) {
		if (!has_entry(a, l))
			return ran_out(a, l);
		if (def_at(a, l) >= below)
			return disagree(a, l);
		a->li[l]++;
	}
	return 0;
}

static int read_node(struct asm_state *a, struct sink *s, const struct anode *n, int depth);

/* A leaf's value (or null) at its cursor. */
static int read_leaf(struct asm_state *a, struct sink *s, const struct anode *n)
{
	int l = n->first;
	const struct parquet_column *c = &a->cols[l];

	if (def_at(a, l) < n->null_def) {
		sink_null(s);
	} else {
		if (a->vi[l] >= c->values.n)
			return ran_out(a, l);
		sink_value(s, &n->vt, &c->values, a->vi[l]);
		a->vi[l]++;
	}
	a->li[l]++;
	return 0;
}

static int read_node(struct asm_state *a, struct sink *s, const struct anode *n, int depth)
{
	int l = n->first, rc;

	if (!has_entry(a, l))
		return ran_out(a, l);
	int d = def_at(a, l);
	if (d < n->null_def && n->kind != A_LEAF) {
		sink_null(s);
		return skip(a, n, n->null_def);
	}
	switch (n->kind) {
	case A_LEAF:
		return read_leaf(a, s, n);
	case A_STRUCT:
		if (sink_open(s, true))
			return unsupported(a, &a->m->schema[a->m->leaves[l]], "nested too deeply");
		for (size_t k = 0; k < n->nkids; k++) {
			sink_key(s, n->kids[k]->name, strlen(n->kids[k]->name));
			if ((rc = read_node(a, s, n->kids[k], depth + 1)))
				return rc;
		}
		sink_close(s);
		return 0;
	case A_LIST:
	case A_MAP:
		if (sink_open(s, n->kind == A_MAP))
			return unsupported(a, &a->m->schema[a->m->leaves[l]], "nested too deeply");
		if (d < n->elem_def) {
			sink_close(s);
			return skip(a, n, n->elem_def);
		}
		do {
			if (n->kind == A_LIST) {
				rc = read_node(a, s, n->kids[0], depth + 1);
			} else {
				const struct anode *k = n->kids[0];
				struct dq_buf kt = { 0 };
				bool quote;
				if (!has_entry(a, k->first))
					return ran_out(a, k->first);
				if (def_at(a, k->first) < k->null_def) {
					puts_(&kt, "null");
				} else {
					const struct parquet_column *kc = &a->cols[k->first];
					if (a->vi[k->first] >= kc->values.n)
						return ran_out(a, k->first);
					value_text(&k->vt, &kc->values, a->vi[k->first]++, &kt, &quote);
				}
				a->li[k->first]++;
				sink_key(s, kt.data ? kt.data : "", kt.len);
				dq_buf_release(&kt);
				if (n->kids[1]) {
					rc = read_node(a, s, n->kids[1], depth + 1);
				} else {
					sink_null(s);
					rc = 0;
				}
			}
			if (rc)
				return rc;
		} while (has_entry(a, l) && rep_at(a, l) == n->rep);
		sink_close(s);
		return 0;
	}
	return 0;
}

/* The top-level fields to read: `fields`, or every child of the root. */
static int pick_fields(struct asm_state *a, const int *fields, size_t nfields, const int **out,
		       size_t *n)
{
	const struct parquet_meta *m = a->m;
	const struct parquet_schema_element *root = &m->schema[0];

	if (fields && nfields) {
		for (size_t k = 0; k < nfields; k++)
			if (fields[k] <= 0 || (size_t)fields[k] >= m->nschema ||
			    m->schema[fields[k]].parent != 0)
				return dq_fail(a->err, DQ_EINVAL, "cannot read '%s': schema element %d "
					       "is not a top-level field", a->f->name, fields[k]);
		*out = fields;
		*n = nfields;
		return 0;
	}
	int *f = dq_arena_alloc(&a->arena, (size_t)(root->num_children > 0 ? root->num_children : 1) *
				sizeof(int));
	if (!f)
		return oom(a);
	int c = root->first_child;
	size_t k = 0;
	for (int i = 0; i < root->num_children && c > 0 && (size_t)c < m->nschema; i++) {
		f[k++] = c;
		c = subtree_end(m, c, 0);
	}
	*out = f;
	*n = k;
	return 0;
}

static void asm_release(struct asm_state *a)
{
	if (a->cols && a->used)
		for (size_t l = 0; l < a->m->nleaves; l++)
			if (a->used[l])
				parquet_column_release(&a->cols[l]);
	free(a->cols);
	free(a->used);
	free(a->li);
	free(a->vi);
	dq_arena_release(&a->arena);
}

/* Rows [first, first + max) (max 0: all) into the sink; each finished row goes to emit.
 * With `present`, rows whose fields are all null are read but not emitted. */
static int assemble(parquet_file *f, size_t rg, const int *fields, size_t nfields, size_t first,
		    size_t max, bool present, struct sink *s, json_t *rows, struct dq_error *err)
{
	struct asm_state a = { .f = f, .rg = rg, .m = &f->meta, .err = err };
	const struct parquet_meta *m = &f->meta;
	struct anode **top = NULL;
	const int *fl = NULL;
	size_t nf = 0;
	int rc;

	if (rg >= m->nrow_groups)
		return dq_fail(err, DQ_EINVAL, "cannot read '%s': no row group %zu", f->name, rg);
	if (m->nschema < 1)
		return 0;
	size_t nl = m->nleaves ? m->nleaves : 1;
	a.cols = calloc(nl, sizeof(*a.cols));
	a.used = calloc(nl, sizeof(*a.used));
	a.li = calloc(nl, sizeof(*a.li));
	a.vi = calloc(nl, sizeof(*a.vi));
	if (!a.cols || !a.used || !a.li || !a.vi) {
		rc = oom(&a);
		goto out;
	}
	if ((rc = pick_fields(&a, fields, nfields, &fl, &nf)))
		goto out;
	if (!(top = dq_arena_alloc(&a.arena, (nf ? nf : 1) * sizeof(*top)))) {
		rc = oom(&a);
		goto out;
	}
	for (size_t k = 0; k < nf; k++) {
		if ((rc = build(&a, fl[k], 0, &top[k])))
			goto out;
		if (top[k]->first < 0) {
			rc = unsupported(&a, &m->schema[fl[k]], "a field without columns");
			goto out;
		}
	}
	int64_t nrows = m->row_groups[rg].num_rows;
	if (nrows <= 0 || (uint64_t)first >= (uint64_t)nrows)
		goto out;
	for (size_t k = 0; k < nf; k++)
		for (int l = top[k]->first; l <= top[k]->last; l++) {
			if (a.used[l])
				continue;
			if ((rc = parquet_read_column(f, rg, l, &a.cols[l], err)))
				goto out;
			a.used[l] = true;
		}
	uint64_t end = (uint64_t)nrows;
	if (max && (uint64_t)first + max < end)
		end = (uint64_t)first + max;
	for (uint64_t r = 0; r < end; r++) {
		for (size_t l = 0; l < m->nleaves; l++) {
			if (!a.used[l])
				continue;
			if (!has_entry(&a, (int)l)) {
				rc = ran_out(&a, (int)l);
				goto out;
			}
			if (rep_at(&a, (int)l) != 0) {
				rc = disagree(&a, (int)l);
				goto out;
			}
		}
		s->discard = r < first;
		if (present && !s->discard) {
			bool any = false;
			for (size_t k = 0; k < nf && !any; k++)
				any = def_at(&a, top[k]->first) >= top[k]->null_def;
			s->discard = !any;
		}
		s->depth = 0;
		sink_open(s, true);
		for (size_t k = 0; k < nf; k++) {
			const char *name = m->schema[fl[k]].name;
			sink_key(s, name, strlen(name));
			if ((rc = read_node(&a, s, top[k], 0)))
				goto out;
		}
		sink_close(s);
		if (s->oom) {
			rc = oom(&a);
			goto out;
		}
		if (s->discard)
			continue;
		if (s->text) {
			put(s->text, "\n", 1);
		} else if (s->row) {
			json_array_append_new(rows, s->row);
			s->row = NULL;
		}
	}
	if (end == (uint64_t)nrows)
		for (size_t l = 0; l < m->nleaves; l++)
			if (a.used[l] && has_entry(&a, (int)l)) {
				rc = disagree(&a, (int)l);
				goto out;
			}
out:
	asm_release(&a);
	return rc;
}

static void sink_release(struct sink *s)
{
	while (!s->text && s->depth > 0)
		json_decref(s->stack[--s->depth]);
	json_decref(s->row);
	dq_buf_release(&s->key);
	dq_buf_release(&s->scratch);
}

int parquet_read_rows_json(parquet_file *f, size_t rg, const int *fields, size_t nfields,
			   json_t *rows, struct dq_error *err)
{
	struct sink s;
	int rc;

	memset(&s, 0, sizeof(s));
	rc = assemble(f, rg, fields, nfields, 0, 0, false, &s, rows, err);
	sink_release(&s);
	return rc;
}

int parquet_read_present_rows_json(parquet_file *f, size_t rg, const int *fields, size_t nfields,
				   json_t *rows, struct dq_error *err)
{
	struct sink s;
	int rc;

	memset(&s, 0, sizeof(s));
	rc = assemble(f, rg, fields, nfields, 0, 0, true, &s, rows, err);
	sink_release(&s);
	return rc;
}

int parquet_read_rows_text(parquet_file *f, size_t rg, const int *fields, size_t nfields,
			   size_t first, size_t max, struct dq_buf *out, struct dq_error *err)
{
	struct sink s;
	int rc;

	memset(&s, 0, sizeof(s));
	s.text = out;
	rc = assemble(f, rg, fields, nfields, first, max, false, &s, NULL, err);
	sink_release(&s);
	return rc;
}

int parquet_value_text(const struct parquet_meta *m, int leaf, const uint8_t *p, size_t len,
		       struct dq_buf *out)
{
	const struct parquet_schema_element *e;
	struct parquet_values v;
	struct parquet_bytes ba = { p, (uint32_t)len };
	struct vtype t;
	uint8_t b;
	int32_t i32;
	int64_t i64;
	float f32;
	double f64;
	bool quote;

	if (leaf < 0 || (size_t)leaf >= m->nleaves || len > UINT32_MAX)
		return -1;
	e = &m->schema[m->leaves[leaf]];
	classify(e, &t);
	memset(&v, 0, sizeof(v));
	v.type = e->type;
	v.n = 1;
	switch (e->type) {
	case PQ_BOOLEAN:
		if (len != 1)
			return -1;
		b = p[0] & 1;
		v.v.b = &b;
		break;
	case PQ_INT32:
	case PQ_FLOAT:
		if (len != 4)
			return -1;
		memcpy(e->type == PQ_INT32 ? (void *)&i32 : (void *)&f32, p, 4);
		v.v.i32 = &i32;
		if (e->type == PQ_FLOAT)
			v.v.f32 = &f32;
		break;
	case PQ_INT64:
	case PQ_DOUBLE:
		if (len != 8)
			return -1;
		memcpy(e->type == PQ_INT64 ? (void *)&i64 : (void *)&f64, p, 8);
		v.v.i64 = &i64;
		if (e->type == PQ_DOUBLE)
			v.v.f64 = &f64;
		break;
	case PQ_INT96:
		if (len != 12)
			return -1;
		v.v.ba = &ba;
		break;
	default:
		v.v.ba = &ba;
		if ((t.kind == K_UUID && len != 16) || (t.kind == K_INTERVAL && len != 12) ||
		    (t.kind == K_FLOAT16 && len != 2))
			return -1;
		break;
	}
	value_text(&t, &v, 0, out, &quote);
	return 0;
}
