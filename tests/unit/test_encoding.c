/*
 * test_encoding.c - lib/parquet/encoding.c: the RLE/bit-packed hybrid (the level sequences
 * of research/parquet.md 3.1, bit widths 0-32, padded last groups, runs claiming huge
 * counts), BIT_PACKED levels, PLAIN of every type, RLE booleans, DELTA_BINARY_PACKED (the
 * examples of Encodings.md, INT64 and INT32 wrapping deltas, bit widths up to 64, a last
 * block with unused miniblocks), DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY (the spec's
 * examples), BYTE_STREAM_SPLIT; every valid input cut short at every byte must fail
 * cleanly; and reference encoders written here drive randomised round trips.
 */
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "parquet.h"
#include "unit.h"

static uint64_t rng_state = 0xdecade;

static uint64_t rng(void)
{
	return unit_rng(&rng_state);
}

/* ---- a byte buffer and reference encoders ---------------------------------------------------- */

struct buf {
	uint8_t *p;
	size_t n, cap;
	uint64_t acc; /* bit writer */
	int nbits;
};

static void put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 16;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void put_byte(struct buf *b, unsigned v)
{
	uint8_t c = (uint8_t)v;
	put(b, &c, 1);
}

static void put_uleb(struct buf *b, uint64_t v)
{
	do {
		put_byte(b, (unsigned)(v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
}

static uint64_t zigzag(uint64_t v)
{
	return (v << 1) ^ (0 - (v >> 63));
}

static void put_le32(struct buf *b, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		put_byte(b, (v >> (8 * i)) & 0xff);
}

/* LSB-first bits; bits_end pads to a byte. */
static void put_bits(struct buf *b, uint64_t v, int bw)
{
	for (int i = 0; i < bw; i++) {
		b->acc |= ((v >> i) & 1) << b->nbits;
		if (++b->nbits == 8) {
			put_byte(b, (unsigned)b->acc);
			b->acc = 0;
			b->nbits = 0;
		}
	}
}

static void bits_end(struct buf *b)
{
	if (b->nbits)
		put_bits(b, 0, 8 - b->nbits);
}

static void buf_free(struct buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

static int bits_needed(uint64_t max)
{
	int bw = 0;

	while (bw < 64 && (max >> bw))
		bw++;
	return bw;
}

/* The hybrid.  style 0: one bit-packed run (last group padded); 1: RLE runs only;
 * 2: a random mix of RLE runs of any length and bit-packed runs of 1-3 groups. */
static void rle_encode(struct buf *b, const uint32_t *v, size_t n, int bw, int style)
{
	size_t i = 0;

	while (i < n) {
		size_t run = 1;

		while (i + run < n && v[i + run] == v[i])
			run++;
		if (style == 1 || (style == 2 && (run >= 8 || rng() % 3 == 0))) {
			if (style == 2)
				run = 1 + rng() % run;
			put_uleb(b, (uint64_t)run << 1);
			for (int k = 0; k < (bw + 7) / 8; k++)
				put_byte(b, (v[i] >> (8 * k)) & 0xff);
			i += run;
		} else {
			size_t groups = style == 0 ? (n - i + 7) / 8 : 1 + rng() % 3;

			put_uleb(b, (uint64_t)groups << 1 | 1);
			for (size_t k = 0; k < groups * 8; k++)
				put_bits(b, i + k < n ? v[i + k] : 0, bw);
			bits_end(b);
			i += groups * 8;
		}
	}
}

/* What dbp_encode writes as the bit width of an unused miniblock: the spec allows garbage. */
static unsigned unused_width = 0xee;

/* DELTA_BINARY_PACKED.  wrap32 takes deltas modulo 2^32, as parquet-mr does for INT32
 * (bit widths up to 32); otherwise modulo 2^64.  Unused miniblocks of the last block get
 * unused_width as bit width and no data. */
static void dbp_encode(struct buf *b, const uint64_t *v, size_t n, uint64_t block, uint64_t nmini,
		       bool wrap32)
{
	uint64_t per = block / nmini;

	put_uleb(b, block);
	put_uleb(b, nmini);
	put_uleb(b, n);
	put_uleb(b, zigzag(n ? v[0] : 0));
	for (size_t i = 1; i < n;) {
		size_t count = n - i < block ? n - i : (size_t)block;
		uint64_t *d = malloc(count * sizeof(*d)), min;

		for (size_t k = 0; k < count; k++) {
			d[k] = v[i + k] - v[i + k - 1];
			if (wrap32)
				d[k] = (uint64_t)(int64_t)(int32_t)(uint32_t)d[k];
		}
		min = d[0];
		for (size_t k = 1; k < count; k++)
			if ((int64_t)d[k] < (int64_t)min)
				min = d[k];
		put_uleb(b, zigzag(min));
		int widths[64];
		for (uint64_t m = 0; m < nmini; m++) {
			uint64_t max = 0;

			if (m * per >= count) {
				widths[m] = -1;
				put_byte(b, unused_width);
				continue;
			}
			for (size_t k = (size_t)(m * per); k < count && k < (m + 1) * per; k++) {
				uint64_t r = d[k] - min;
				if (wrap32)
					r = (uint32_t)r;
				if (r > max)
					max = r;
			}
			widths[m] = bits_needed(max);
			put_byte(b, (unsigned)widths[m]);
		}
		for (uint64_t m = 0; m < nmini; m++) {
			if (widths[m] < 0)
				continue;
			for (size_t k = (size_t)(m * per); k < (m + 1) * per; k++) {
				uint64_t r = k < count ? d[k] - min : 0;
				put_bits(b, wrap32 ? (uint32_t)r : r, widths[m]);
			}
			bits_end(b);
		}
		free(d);
		i += count;
	}
}

struct str {
	const char *p;
	size_t n;
};

static void dlba_encode(struct buf *b, const struct str *s, size_t n)
{
	uint64_t *lens = calloc(n + 1, sizeof(*lens));

	for (size_t i = 0; i < n; i++)
		lens[i] = s[i].n;
	dbp_encode(b, lens, n, 128, 4, false);
	for (size_t i = 0; i < n; i++)
		put(b, s[i].p, s[i].n);
	free(lens);
}

/* DELTA_BYTE_ARRAY with the longest shared prefix, or a random shorter one. */
static void dba_encode(struct buf *b, const struct str *s, size_t n, bool shorter)
{
	uint64_t *pre = calloc(n + 1, sizeof(*pre));
	struct str *suf = malloc((n + 1) * sizeof(*suf));

	for (size_t i = 0; i < n; i++) {
		size_t p = 0;

		while (i > 0 && p < s[i].n && p < s[i - 1].n && s[i].p[p] == s[i - 1].p[p])
			p++;
		if (shorter && p)
			p = rng() % (p + 1);
		pre[i] = p;
		suf[i].p = s[i].p + p;
		suf[i].n = s[i].n - p;
	}
	dbp_encode(b, pre, n, 128, 4, false);
	dlba_encode(b, suf, n);
	free(pre);
	free(suf);
}

/* ---- helpers ---------------------------------------------------------------------------------- */

/* A copy in a buffer of exactly n bytes, so ASan sees a read past its end. */
static uint8_t *exact(const void *p, size_t n)
{
	uint8_t *q = malloc(n ? n : 1);

	if (n)
		memcpy(q, p, n);
	return q;
}

static int rle(const void *bytes, size_t len, int bw, uint32_t *out, size_t n, size_t *consumed,
	       struct dq_error *err)
{
	uint8_t *b = exact(bytes, len);
	int rc = parquet_rle_decode(b, len, bw, out, n, consumed, err);

	free(b);
	return rc;
}

/* Decodes hybrid bytes and compares with the expected values and size. */
static void check_rle(const char *name, const void *bytes, size_t len, int bw, const uint32_t *want,
		      size_t n)
{
	uint32_t *out = malloc((n + 1) * sizeof(*out));
	size_t consumed = 0, bad = 0;
	struct dq_error err;

	CHECKF(rle(bytes, len, bw, out, n, &consumed, &err) == 0, "%s: %s", name, err.msg);
	CHECKF(consumed <= len, "%s: consumed %zu of %zu", name, consumed, len);
	for (size_t i = 0; i < n && !bad; i++)
		if (out[i] != want[i]) {
			FAILF("%s: value %zu is %u, expected %u", name, i, out[i], want[i]);
			bad++;
		}
	/* Cut short before what it read: must fail. */
	for (size_t cut = 0; cut < consumed; cut++) {
		if (rle(bytes, cut, bw, out, n, NULL, &err) == 0 || err.code != DQ_ECORRUPT) {
			FAILF("%s: cut at %zu of %zu accepted", name, cut, consumed);
			break;
		}
	}
	free(out);
}

/* parquet_decode on an exact copy; the values are left in *v (arena kept by caller). */
static int decode(int enc, enum parquet_type type, int32_t tl, const void *bytes, size_t len,
		  size_t n, struct dq_arena *a, struct parquet_values *v, struct dq_error *err)
{
	uint8_t *b = exact(bytes, len);
	int rc;

	memset(err, 0, sizeof(*err));
	rc = parquet_decode(enc, type, tl, b, len, n, a, v, err);
	/* Byte arrays point into the input; keep it alive with the arena. */
	if (rc == 0 && (type == PQ_BYTE_ARRAY || type == PQ_FIXED_LEN_BYTE_ARRAY ||
			type == PQ_INT96)) {
		uint8_t *keep = dq_arena_alloc(a, len ? len : 1);
		if (len)
			memcpy(keep, b, len);
		for (size_t i = 0; i < n; i++)
			if (v->v.ba[i].ptr >= b && v->v.ba[i].ptr <= b + len)
				v->v.ba[i].ptr = keep + (v->v.ba[i].ptr - b);
	}
	free(b);
	if (rc != 0 && n <= (1 << 20)) {
		/* Zeroed values, so a failed check does not turn into a crash. */
		static const uint8_t zero[1];

		v->n = n;
		v->v.ba = dq_arena_alloc(a, (n + 1) * sizeof(*v->v.ba));
		memset(v->v.ba, 0, (n + 1) * sizeof(*v->v.ba));
		if (type == PQ_BYTE_ARRAY || type == PQ_FIXED_LEN_BYTE_ARRAY || type == PQ_INT96)
			for (size_t i = 0; i < n; i++)
				v->v.ba[i].ptr = zero;
	}
	return rc;
}

/* Every cut of a valid exact input fails with DQ_ECORRUPT. */
static void check_cuts(const char *name, int enc, enum parquet_type type, int32_t tl,
		       const void *bytes, size_t len, size_t n)
{
	struct dq_arena a = { NULL };
	struct parquet_values v;
	struct dq_error err;

	CHECKF(decode(enc, type, tl, bytes, len, n, &a, &v, &err) == 0, "%s: %s", name, err.msg);
	for (size_t cut = 0; cut < len; cut++) {
		if (decode(enc, type, tl, bytes, cut, n, &a, &v, &err) == 0 ||
		    err.code != DQ_ECORRUPT) {
			FAILF("%s: cut at %zu of %zu gave %d (%s)", name, cut, len, err.code, err.msg);
			break;
		}
	}
	dq_arena_release(&a);
}

static bool bytes_eq(struct parquet_bytes b, const char *s)
{
	return b.len == strlen(s) && !memcmp(b.ptr, s, b.len);
}

/* ---- RLE / bit-packed hybrid ------------------------------------------------------------------- */

static void test_rle_spec(void)
{
	static const uint32_t seq8[] = { 0, 1, 2, 3, 4, 5, 6, 7 };
	/* Encodings.md: 0..7 at bit width 3, one bit-packed group. */
	static const uint8_t bp[] = { 0x03, 0x88, 0xc6, 0xfa };
	check_rle("spec bit-packed", bp, sizeof(bp), 3, seq8, 8);

	/* research/parquet.md 3.1, written by DuckDB: add.path def levels (max 2). */
	static const uint32_t path_def[] = { 0, 1, 2, 2, 2 };
	static const uint8_t path_bp[] = { 0x03, 0xa4, 0x02 };
	static const uint8_t path_rle[] = { 0x02, 0x00, 0x02, 0x01, 0x06, 0x02 };
	check_rle("add.path def, bit-packed", path_bp, sizeof(path_bp), 2, path_def, 5);
	check_rle("add.path def, runs", path_rle, sizeof(path_rle), 2, path_def, 5);

	/* add.partitionValues key (maxR 1, maxD 3) and value (maxD 4). */
	static const uint32_t key_rep[] = { 0, 0, 0, 0, 0, 1, 1 };
	static const uint32_t key_def[] = { 0, 1, 2, 3, 3, 3, 3 };
	static const uint32_t val_def[] = { 0, 1, 2, 4, 3, 4, 4 };
	static const uint8_t key_rep_b[] = { 0x0a, 0x00, 0x04, 0x01 };
	/* 0,1,2,3,3,3,3,pad at 2 bits: 0b11100100 0b00111111 */
	static const uint8_t key_def_b[] = { 0x03, 0xe4, 0x3f };
	/* Runs of one for 0, 1, 2, then one padded group of 4,3,4,4 at 3 bits. */
	static const uint8_t val_def_b[] = { 0x02, 0x00, 0x02, 0x01, 0x02, 0x02,
					     0x03, 0x1c, 0x09, 0x00 };
	check_rle("key rep", key_rep_b, sizeof(key_rep_b), 1, key_rep, 7);
	check_rle("key def", key_def_b, sizeof(key_def_b), 2, key_def, 7);
	check_rle("value def", val_def_b, sizeof(val_def_b), 3, val_def, 7);

	/* Padded last group: 10 values at 3 bits in 2 groups (6 bytes); only the bytes of the
	 * 10 values are needed, the padding may be missing. */
	{
		static const uint32_t ten[] = { 7, 6, 5, 4, 3, 2, 1, 0, 5, 2 };
		struct buf b = { 0 };
		uint32_t out[10];
		size_t consumed;
		struct dq_error err;

		rle_encode(&b, ten, 10, 3, 0);
		CHECK_INT(b.n, 7);
		check_rle("padded group", b.p, b.n, 3, ten, 10);
		CHECK_INT(rle(b.p, b.n, 3, out, 10, &consumed, &err), 0);
		CHECK_INT(consumed, 1 + 4); /* header, then 30 bits */
		CHECK_INT(rle(b.p, 5, 3, out, 10, &consumed, &err), 0);
		CHECK_INT(out[9], 2);
		buf_free(&b);
	}
}

static void test_rle_widths(void)
{
	for (int bw = 0; bw <= 32; bw++) {
		uint32_t v[300];
		uint64_t max = bw == 32 ? UINT32_MAX : ((uint64_t)1 << bw) - 1;
		char name[64];

		for (size_t i = 0; i < 300; i++) {
			uint64_t r = rng();
			/* runs, extremes and noise */
			v[i] = (uint32_t)(i % 50 < 20 ? max : i % 50 < 30 ? 0 : (r & max));
		}
		for (int style = 0; style < 3; style++) {
			struct buf b = { 0 };

			rle_encode(&b, v, 300, bw, style);
			snprintf(name, sizeof(name), "width %d style %d", bw, style);
			if (bw == 0) {
				/* Width 0: all zeros, nothing read, even with no bytes. */
				uint32_t out[300];
				size_t consumed = 99;
				struct dq_error err;

				CHECK_INT(rle("", 0, 0, out, 300, &consumed, &err), 0);
				CHECK_INT(consumed, 0);
				CHECK_INT(out[299], 0);
			} else {
				check_rle(name, b.p, b.n, bw, v, 300);
			}
			buf_free(&b);
		}
	}
	/* Hand-made runs at wide widths: 4-byte and 2-byte values. */
	static const uint8_t w32[] = { 0x06, 0xff, 0xff, 0xff, 0xff };
	static const uint32_t w32v[] = { UINT32_MAX, UINT32_MAX, UINT32_MAX };
	check_rle("width 32 run", w32, sizeof(w32), 32, w32v, 3);
	static const uint8_t w9[] = { 0x04, 0xff, 0x01 };
	static const uint32_t w9v[] = { 511, 511 };
	check_rle("width 9 run", w9, sizeof(w9), 9, w9v, 2);
}

static void test_rle_bad(void)
{
	uint32_t out[16];
	size_t consumed;
	struct dq_error err;

	CHECK(rle("\x02\x00", 2, 33, out, 1, NULL, &err) != 0);
	CHECK_STR(err.msg, "invalid RLE/bit-packed data: bit width 33");
	CHECK(rle("\x02\x00", 2, -1, out, 1, NULL, &err) != 0);
	/* A run value wider than the bit width. */
	CHECK(rle("\x02\x02", 2, 1, out, 1, NULL, &err) != 0);
	CHECK_STR(err.msg, "invalid RLE/bit-packed data: run value 2 does not fit in 1 bits");
	/* Runs that end before n values. */
	CHECK(rle("\x04\x01", 2, 1, out, 3, NULL, &err) != 0);
	CHECK_INT(err.code, DQ_ECORRUPT);
	CHECK_STR(err.msg, "invalid RLE/bit-packed data: truncated at value 2 of 3");
	/* An overlong varint header. */
	CHECK(rle("\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f\x00", 11, 1, out, 1, NULL, &err) != 0);
	/* Zero-length runs are harmless no-ops. */
	static const uint32_t ones[] = { 1, 1 };
	check_rle("empty runs", "\x00\x01\x01\x04\x01", 5, 1, ones, 2);
	/* Runs claiming 2^62 values, or 2^61 groups (2^64 values): stop at n, allocate
	 * nothing. */
	{
		struct buf b = { 0 };
		static const uint32_t fives[5] = { 5, 5, 5, 5, 5 };

		put_uleb(&b, (uint64_t)1 << 63);
		put_byte(&b, 5);
		CHECK_INT(rle(b.p, b.n, 3, out, 5, &consumed, &err), 0);
		CHECK_INT(consumed, b.n);
		CHECK(!memcmp(out, fives, sizeof(fives)));
		buf_free(&b);
		put_uleb(&b, (uint64_t)1 << 62 | 1);
		put_byte(&b, 0xff);
		CHECK_INT(rle(b.p, b.n, 1, out, 8, &consumed, &err), 0);
		CHECK_INT(out[7], 1);
		CHECK(rle(b.p, b.n, 1, out, 9, &consumed, &err) != 0);
		CHECK_STR(err.msg, "invalid RLE/bit-packed data: bit-packed run of 9 values needs "
				   "2 bytes, 1 left");
		buf_free(&b);
	}
	/* n = 0 reads nothing. */
	CHECK_INT(rle("", 0, 5, out, 0, &consumed, &err), 0);
	CHECK_INT(consumed, 0);
}

static void test_bit_packed(void)
{
	/* Encodings.md: 0..7 at 3 bits, MSB first. */
	static const uint8_t bytes[] = { 0x05, 0x39, 0x77 };
	uint32_t out[8];
	size_t consumed;
	struct dq_error err;

	CHECK_INT(parquet_bitpacked_decode(bytes, 3, 3, out, 8, &consumed, &err), 0);
	CHECK_INT(consumed, 3);
	for (int i = 0; i < 8; i++)
		CHECK_INT(out[i], i);
	CHECK(parquet_bitpacked_decode(bytes, 2, 3, out, 8, &consumed, &err) != 0);
	CHECK_INT(err.code, DQ_ECORRUPT);
	CHECK(parquet_bitpacked_decode(bytes, 3, 33, out, 1, &consumed, &err) != 0);
	CHECK_INT(parquet_bitpacked_decode(NULL, 0, 0, out, 8, &consumed, &err), 0);
	CHECK_INT(out[7], 0);
	/* 5 values at 1 bit: 1,0,1,1,0 -> 0b10110000 */
	CHECK_INT(parquet_bitpacked_decode((const uint8_t *)"\xb0", 1, 1, out, 5, &consumed, &err),
		  0);
	CHECK(out[0] == 1 && out[1] == 0 && out[2] == 1 && out[3] == 1 && out[4] == 0);
}

static void test_uleb(void)
{
	const uint8_t max[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01 };
	const uint8_t over[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02 };
	const uint8_t *p = max;
	uint64_t v;

	CHECK_INT(parquet_uleb128(&p, max + 10, &v), 0);
	CHECK(v == UINT64_MAX && p == max + 10);
	p = max;
	CHECK_INT(parquet_uleb128(&p, max + 9, &v), -1);
	CHECK(p == max);
	p = over;
	CHECK_INT(parquet_uleb128(&p, over + 10, &v), -1);
	p = (const uint8_t *)"\x80\x01";
	CHECK_INT(parquet_uleb128(&p, p + 2, &v), 0);
	CHECK_INT(v, 128);
	CHECK_STR(parquet_encoding_name(PQ_DELTA_BYTE_ARRAY), "DELTA_BYTE_ARRAY");
	CHECK(parquet_encoding_name(1) == NULL && parquet_encoding_name(11) == NULL);
	CHECK_STR(parquet_type_name(PQ_FIXED_LEN_BYTE_ARRAY), "FIXED_LEN_BYTE_ARRAY");
	CHECK_STR(parquet_codec_name(PQ_LZ4_RAW), "LZ4_RAW");
	CHECK(parquet_codec_name(8) == NULL && parquet_type_name(8) == NULL);
}

/* ---- PLAIN and RLE booleans ---------------------------------------------------------------------- */

static void test_plain(void)
{
	struct dq_arena a = { NULL };
	struct parquet_values v;
	struct dq_error err;

	/* BOOLEAN: 1,0,1,1,0,0,0,1 1,0 */
	static const uint8_t bools[] = { 0x8d, 0x01 };
	CHECK_INT(decode(PQ_PLAIN, PQ_BOOLEAN, 0, bools, 2, 10, &a, &v, &err), 0);
	CHECK(v.n == 10 && v.type == PQ_BOOLEAN);
	CHECK(v.v.b[0] == 1 && v.v.b[1] == 0 && v.v.b[2] == 1 && v.v.b[3] == 1 && v.v.b[4] == 0 &&
	      v.v.b[7] == 1 && v.v.b[8] == 1 && v.v.b[9] == 0);
	check_cuts("PLAIN BOOLEAN", PQ_PLAIN, PQ_BOOLEAN, 0, bools, 2, 10);

	static const uint8_t i32[] = { 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0x80 };
	CHECK_INT(decode(PQ_PLAIN, PQ_INT32, 0, i32, 12, 3, &a, &v, &err), 0);
	CHECK(v.v.i32[0] == 1 && v.v.i32[1] == -1 && v.v.i32[2] == INT32_MIN);
	check_cuts("PLAIN INT32", PQ_PLAIN, PQ_INT32, 0, i32, 12, 3);

	static const uint8_t i64[] = { 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f };
	CHECK_INT(decode(PQ_PLAIN, PQ_INT64, 0, i64, 16, 2, &a, &v, &err), 0);
	CHECK(v.v.i64[0] == -2 && v.v.i64[1] == INT64_MAX);
	check_cuts("PLAIN INT64", PQ_PLAIN, PQ_INT64, 0, i64, 16, 2);

	static const uint8_t f32[] = { 0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x20, 0xc1 };
	CHECK_INT(decode(PQ_PLAIN, PQ_FLOAT, 0, f32, 8, 2, &a, &v, &err), 0);
	CHECK(v.v.f32[0] == 1.5f && v.v.f32[1] == -10.0f);
	static const uint8_t f64[] = { 0, 0, 0, 0, 0, 0, 0xf8, 0x3f };
	CHECK_INT(decode(PQ_PLAIN, PQ_DOUBLE, 0, f64, 8, 1, &a, &v, &err), 0);
	CHECK(v.v.f64[0] == 1.5);
	check_cuts("PLAIN DOUBLE", PQ_PLAIN, PQ_DOUBLE, 0, f64, 8, 1);

	static const uint8_t ba[] = { 3, 0, 0, 0, 'a', 'b', 'c', 0, 0, 0, 0, 1, 0, 0, 0, 'z' };
	CHECK_INT(decode(PQ_PLAIN, PQ_BYTE_ARRAY, 0, ba, sizeof(ba), 3, &a, &v, &err), 0);
	CHECK(bytes_eq(v.v.ba[0], "abc") && bytes_eq(v.v.ba[1], "") && bytes_eq(v.v.ba[2], "z"));
	check_cuts("PLAIN BYTE_ARRAY", PQ_PLAIN, PQ_BYTE_ARRAY, 0, ba, sizeof(ba), 3);
	/* A length running past the end. */
	static const uint8_t ba_bad[] = { 9, 0, 0, 0, 'a', 'b', 'c', 'd' };
	CHECK(decode(PQ_PLAIN, PQ_BYTE_ARRAY, 0, ba_bad, 8, 1, &a, &v, &err) != 0);
	CHECK_STR(err.msg, "invalid PLAIN data: BYTE_ARRAY value 0 of 9 bytes runs past the end");
	static const uint8_t ba_huge[] = { 0xff, 0xff, 0xff, 0xff, 'a', 'b', 'c', 'd' };
	CHECK(decode(PQ_PLAIN, PQ_BYTE_ARRAY, 0, ba_huge, 8, 1, &a, &v, &err) != 0);

	static const uint8_t flba[] = { 'a', 'b', 'c', 'd', 'e', 'f' };
	CHECK_INT(decode(PQ_PLAIN, PQ_FIXED_LEN_BYTE_ARRAY, 3, flba, 6, 2, &a, &v, &err), 0);
	CHECK(v.type_length == 3 && bytes_eq(v.v.ba[0], "abc") && bytes_eq(v.v.ba[1], "def"));
	check_cuts("PLAIN FLBA", PQ_PLAIN, PQ_FIXED_LEN_BYTE_ARRAY, 3, flba, 6, 2);
	CHECK(decode(PQ_PLAIN, PQ_FIXED_LEN_BYTE_ARRAY, 0, flba, 6, 2, &a, &v, &err) != 0);
	CHECK_STR(err.msg, "invalid FIXED_LEN_BYTE_ARRAY type_length 0");

	/* INT96: a Spark timestamp, 12 bytes. */
	static const uint8_t i96[12] = { 1, 2, 3, 4, 5, 6, 7, 8, 0x8c, 0x3d, 0x25, 0x00 };
	CHECK_INT(decode(PQ_PLAIN, PQ_INT96, 0, i96, 12, 1, &a, &v, &err), 0);
	CHECK(v.type_length == 12 && v.v.ba[0].len == 12 && v.v.ba[0].ptr[8] == 0x8c);
	check_cuts("PLAIN INT96", PQ_PLAIN, PQ_INT96, 0, i96, 12, 1);

	/* PLAIN_DICTIONARY, on a dictionary page, is PLAIN. */
	CHECK_INT(decode(PQ_PLAIN_DICTIONARY, PQ_INT32, 0, i32, 12, 3, &a, &v, &err), 0);
	CHECK(v.v.i32[2] == INT32_MIN);

	/* Counts far beyond the bytes fail before any allocation. */
	CHECK(decode(PQ_PLAIN, PQ_INT64, 0, i64, 16, SIZE_MAX / 2, &a, &v, &err) != 0);
	CHECK_STR(err.msg, "invalid PLAIN data: 16 bytes are too few for 9223372036854775807 "
			   "INT64 values");
	CHECK(decode(PQ_PLAIN, PQ_BYTE_ARRAY, 0, ba, sizeof(ba), SIZE_MAX, &a, &v, &err) != 0);
	CHECK(decode(PQ_PLAIN, PQ_BOOLEAN, 0, bools, 2, SIZE_MAX, &a, &v, &err) != 0);
	CHECK(decode(PQ_PLAIN, PQ_FIXED_LEN_BYTE_ARRAY, INT32_MAX, flba, 6, 1, &a, &v, &err) != 0);
	/* No values, no bytes. */
	CHECK_INT(decode(PQ_PLAIN, PQ_INT32, 0, NULL, 0, 0, &a, &v, &err), 0);
	CHECK(v.n == 0 && v.v.i32 != NULL);
	CHECK_INT(parquet_decode(PQ_PLAIN, PQ_BYTE_ARRAY, 0, NULL, 0, 0, &a, &v, &err), 0);
	dq_arena_release(&a);
}

static void test_rle_bool(void)
{
	struct dq_arena a = { NULL };
	struct parquet_values v;
	struct dq_error err;
	/* length 5: a run of 3 ones, then one group 0,1,0,... */
	static const uint8_t b[] = { 5, 0, 0, 0, 0x06, 0x01, 0x03, 0x02, 0x00 };

	CHECK_INT(decode(PQ_RLE, PQ_BOOLEAN, 0, b, sizeof(b), 6, &a, &v, &err), 0);
	CHECK(v.v.b[0] == 1 && v.v.b[2] == 1 && v.v.b[3] == 0 && v.v.b[4] == 1 && v.v.b[5] == 0);
	check_cuts("RLE BOOLEAN", PQ_RLE, PQ_BOOLEAN, 0, b, sizeof(b), 6);
	/* The runs must fit in the prefixed length. */
	static const uint8_t short_len[] = { 2, 0, 0, 0, 0x06, 0x01, 0x03, 0x02, 0x00 };
	CHECK(decode(PQ_RLE, PQ_BOOLEAN, 0, short_len, sizeof(short_len), 6, &a, &v, &err) != 0);
	static const uint8_t long_len[] = { 9, 0, 0, 0, 0x06, 0x01, 0x03, 0x02, 0x00 };
	CHECK(decode(PQ_RLE, PQ_BOOLEAN, 0, long_len, sizeof(long_len), 6, &a, &v, &err) != 0);
	CHECK_STR(err.msg, "invalid RLE boolean data: length 9, 5 bytes follow");
	/* No prefix (the bare hybrid) is refused. */
	CHECK(decode(PQ_RLE, PQ_BOOLEAN, 0, b + 4, 5, 6, &a, &v, &err) != 0);
	/* A value of 2 at bit width 1. */
	static const uint8_t two[] = { 2, 0, 0, 0, 0x06, 0x02 };
	CHECK(decode(PQ_RLE, PQ_BOOLEAN, 0, two, sizeof(two), 3, &a, &v, &err) != 0);
	/* RLE for anything but booleans is not a value encoding. */
	CHECK(decode(PQ_RLE, PQ_INT32, 0, b, sizeof(b), 1, &a, &v, &err) != 0);
	CHECK_INT(err.code, DQ_ENOTIMPL);
	CHECK_STR(err.msg, "unsupported encoding RLE for INT32 values");
	dq_arena_release(&a);
}

/* ---- DELTA_BINARY_PACKED ---------------------------------------------------------------------- */

static void test_delta_spec(void)
{
	struct dq_arena a = { NULL };
	struct parquet_values v;
	struct dq_error err;
	size_t consumed;
	uint64_t count;

	/* Encodings.md example 1: 1 2 3 4 5. */
	static const uint8_t ex1[] = { 0x80, 0x01, 0x04, 0x05, 0x02, 0x02, 0, 0, 0, 0 };
	CHECK_INT(decode(PQ_DELTA_BINARY_PACKED, PQ_INT32, 0, ex1, sizeof(ex1), 5, &a, &v, &err), 0);
	for (int i = 0; i < 5; i++)
		CHECK_INT(v.v.i32[i], i + 1);
	check_cuts("DBP example 1", PQ_DELTA_BINARY_PACKED, PQ_INT32, 0, ex1, sizeof(ex1), 5);
	CHECK_INT(parquet_delta_decode(ex1, sizeof(ex1), 0, NULL, NULL, &count, &consumed, &err), 0);
	CHECK(count == 5 && consumed == sizeof(ex1));

	/* Example 2: 7 5 3 1 2 3 4 5: min delta -2, widths 2,0,0,0, one miniblock of data. */
	static const uint8_t ex2[] = { 0x80, 0x01, 0x04, 0x08, 0x0e, 0x03, 2, 0, 0, 0,
				       0xc0, 0x3f, 0, 0, 0, 0, 0, 0 };
	static const int64_t ex2v[] = { 7, 5, 3, 1, 2, 3, 4, 5 };
	CHECK_INT(decode(PQ_DELTA_BINARY_PACKED, PQ_INT64, 0, ex2, sizeof(ex2), 8, &a, &v, &err), 0);
	CHECK(!memcmp(v.v.i64, ex2v, sizeof(ex2v)));
	check_cuts("DBP example 2", PQ_DELTA_BINARY_PACKED, PQ_INT64, 0, ex2, sizeof(ex2), 8);
	/* Fewer values than the page needs; more is fine (the first n are taken). */
	CHECK(decode(PQ_DELTA_BINARY_PACKED, PQ_INT64, 0, ex2, sizeof(ex2), 9, &a, &v, &err) != 0);
	CHECK_STR(err.msg, "invalid DELTA_BINARY_PACKED data: 8 values, 9 expected");
	CHECK_INT(decode(PQ_DELTA_BINARY_PACKED, PQ_INT64, 0, ex2, sizeof(ex2), 4, &a, &v, &err), 0);
	CHECK_INT(v.v.i64[3], 1);

	/* One value: a header and no block. */
	static const uint8_t one[] = { 0x80, 0x01, 0x04, 0x01, 0x03 };
	CHECK_INT(decode(PQ_DELTA_BINARY_PACKED, PQ_INT64, 0, one, sizeof(one), 1, &a, &v, &err), 0);
	CHECK_INT(v.v.i64[0], -2);
	check_cuts("DBP one value", PQ_DELTA_BINARY_PACKED, PQ_INT64, 0, one, sizeof(one), 1);
	/* No values (an all-null page): nothing is read. */
	CHECK_INT(decode(PQ_DELTA_BINARY_PACKED, PQ_INT64, 0, "", 0, 0, &a, &v, &err), 0);
	dq_arena_release(&a);
}

static void test_delta_wrap(void)
{
	struct dq_arena a = { NULL };
	struct parquet_values v;
	struct dq_error err;
	static const int64_t cases[][6] = {
		{ INT64_MIN, INT64_MAX, INT64_MIN, 0, -1, INT64_MAX },
		{ 0, INT64_MIN, -1, INT64_MAX, INT64_MIN, 1 },  /* needs bit width 64 */
		{ INT64_MAX, INT64_MIN, INT64_MAX, INT64_MIN, INT64_MAX, INT64_MIN },
	};

	for (size_t c = 0; c < 3; c++) {
		struct buf b = { 0 };
		uint64_t u[6];

		for (int i = 0; i < 6; i++)
			u[i] = (uint64_t)cases[c][i];
		dbp_encode(&b, u, 6, 128, 4, false);
		CHECK_INT(decode(PQ_DELTA_BINARY_PACKED, PQ_INT64, 0, b.p, b.n, 6, &a, &v, &err),
			  0);
		CHECKF(!memcmp(v.v.i64, cases[c], sizeof(cases[c])), "INT64 wrap case %zu", c);
		check_cuts("DBP INT64 wrap", PQ_DELTA_BINARY_PACKED, PQ_INT64, 0, b.p, b.n, 6);
		buf_free(&b);
	}
	/* Case 2's widths: min delta INT64_MIN, relative MAX - MIN = 2^64 - 1. */
	{
		struct buf b = { 0 };
		uint64_t u[3] = { 0, (uint64_t)INT64_MIN, UINT64_MAX };

		dbp_encode(&b, u, 3, 128, 4, false);
		CHECK_INT(b.p[b.n - 32 * 8 - 4], 64);
		buf_free(&b);
	}
	/* INT32 both ways: deltas modulo 2^32 (parquet-mr, widths <= 32) and modulo 2^64 (widths
	 * up to 33). */
	static const int32_t i32[] = { INT32_MIN, INT32_MAX, INT32_MIN, 0, -1, INT32_MAX, 5 };
	for (int wrap = 0; wrap < 2; wrap++) {
		struct buf b = { 0 };
		uint64_t u[7];

		for (int i = 0; i < 7; i++)
			u[i] = (uint64_t)(int64_t)i32[i];
		dbp_encode(&b, u, 7, 256, 8, wrap);
		CHECK_INT(decode(PQ_DELTA_BINARY_PACKED, PQ_INT32, 0, b.p, b.n, 7, &a, &v, &err),
			  0);
		CHECKF(!memcmp(v.v.i32, i32, sizeof(i32)), "INT32 wrap %d", wrap);
		check_cuts("DBP INT32", PQ_DELTA_BINARY_PACKED, PQ_INT32, 0, b.p, b.n, 7);
		buf_free(&b);
	}
	dq_arena_release(&a);
}

static void test_delta_blocks(void)
{
	struct dq_arena a = { NULL };
	struct parquet_values v;
	struct dq_error err;
	size_t consumed;
	uint64_t count;
	int64_t vals[300];
	uint64_t u[300];

	/* 1 + 128 + 40 values: block 2 uses one full and one part miniblock of 32, the last
	 * two have garbage widths (0xee) and no data; a trailing byte must stay unread. */
	for (int i = 0; i < 169; i++) {
		vals[i] = (int64_t)(rng() % 1000) - 500;
		u[i] = (uint64_t)vals[i];
	}
	struct buf b = { 0 };
	dbp_encode(&b, u, 169, 128, 4, false);
	size_t len = b.n;
	put_byte(&b, 0x5a);
	CHECK_INT(parquet_delta_decode(b.p, b.n, 0, NULL, NULL, &count, &consumed, &err), 0);
	CHECK_INT(count, 169);
	CHECK_INT(consumed, len);
	CHECK_INT(decode(PQ_DELTA_BINARY_PACKED, PQ_INT64, 0, b.p, len, 169, &a, &v, &err), 0);
	CHECK(!memcmp(v.v.i64, vals, 169 * sizeof(int64_t)));
	check_cuts("DBP unused miniblocks", PQ_DELTA_BINARY_PACKED, PQ_INT64, 0, b.p, len, 169);
	buf_free(&b);

	/* Bad headers. */
	static const struct {
		const char *bytes;
		size_t n;
		const char *msg;
	} bad[] = {
		{ "\x64\x04\x05\x02", 4, "invalid DELTA_BINARY_PACKED data: block size 100 is not a "
					 "positive multiple of 128" },
		{ "\x80\x01\x03\x05\x02", 5, "invalid DELTA_BINARY_PACKED data: 3 miniblocks in a "
					     "block of 128 values" },
		{ "\x80\x01\x08\x05\x02", 5, "invalid DELTA_BINARY_PACKED data: 8 miniblocks in a "
					     "block of 128 values" },
		{ "\x80\x01\x00\x05\x02", 5, "invalid DELTA_BINARY_PACKED data: 0 miniblocks in a "
					     "block of 128 values" },
		{ "\x80\x01\x04\x05", 4, "invalid DELTA_BINARY_PACKED data: truncated header" },
		{ "\x80\x01\x04\x05\x02\x02\x41\x00\x00\x00", 10,
		  "invalid DELTA_BINARY_PACKED data: bit width 65" },
		{ "\x80\x01\x04\x05\x02\x02\x01\x00\x00\x00\x01", 11,
		  "invalid DELTA_BINARY_PACKED data: truncated after 1 of 5 values" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CHECK(decode(PQ_DELTA_BINARY_PACKED, PQ_INT64, 0, bad[i].bytes, bad[i].n, 5, &a, &v,
			     &err) != 0);
		CHECK_INT(err.code, DQ_ECORRUPT);
		CHECK_STR(err.msg, bad[i].msg);
	}

	/* A header claiming 2^40 values in blocks of 2^27 with bit width 0: cheap to walk,
	 * truncated after a few blocks, and nothing allocated for the claimed count. */
	{
		struct buf h = { 0 };

		put_uleb(&h, (uint64_t)1 << 27);
		put_uleb(&h, 1);
		put_uleb(&h, (uint64_t)1 << 40);
		put_uleb(&h, 0);
		for (int k = 0; k < 10; k++) {
			put_byte(&h, 0);
			put_byte(&h, 0);
		}
		CHECK(decode(PQ_DELTA_BINARY_PACKED, PQ_INT64, 0, h.p, h.n, (size_t)1 << 40, &a,
			     &v, &err) != 0);
		CHECK_INT(err.code, DQ_ECORRUPT);
		/* Complete, with 8 values asked for: the walk covers 2^13 blocks quickly. */
		for (int k = 10; k < 8192; k++) {
			put_byte(&h, 0x02); /* min delta 1 */
			put_byte(&h, 0);
		}
		CHECK_INT(decode(PQ_DELTA_BINARY_PACKED, PQ_INT64, 0, h.p, h.n, 8, &a, &v, &err), 0);
		CHECK_INT(v.v.i64[7], 0);
		buf_free(&h);
	}
	dq_arena_release(&a);
}

/* ---- byte arrays ----------------------------------------------------------------------------- */

static void test_dlba(void)
{
	struct dq_arena a = { NULL };
	struct parquet_values v;
	struct dq_error err;
	/* Encodings.md: Hello World Foobar ABCDEF -> lengths 5 5 6 6 then the bytes. */
	static const uint8_t ex[] = { 0x80, 0x01, 0x04, 0x04, 0x0a, 0x00, 0x01, 0x00, 0x00, 0x00,
				      0x02, 0x00, 0x00, 0x00, 'H', 'e', 'l', 'l', 'o', 'W', 'o',
				      'r', 'l', 'd', 'F', 'o', 'o', 'b', 'a', 'r', 'A', 'B', 'C',
				      'D', 'E', 'F' };
	CHECK_INT(decode(PQ_DELTA_LENGTH_BYTE_ARRAY, PQ_BYTE_ARRAY, 0, ex, sizeof(ex), 4, &a, &v,
			 &err),
		  0);
	CHECK(bytes_eq(v.v.ba[0], "Hello") && bytes_eq(v.v.ba[1], "World") &&
	      bytes_eq(v.v.ba[2], "Foobar") && bytes_eq(v.v.ba[3], "ABCDEF"));
	check_cuts("DLBA example", PQ_DELTA_LENGTH_BYTE_ARRAY, PQ_BYTE_ARRAY, 0, ex, sizeof(ex), 4);
	/* The same through the reference encoder. */
	{
		struct str s[] = { { "Hello", 5 }, { "World", 5 }, { "Foobar", 6 }, { "ABCDEF", 6 } };
		struct buf b = { 0 };

		unused_width = 0;
		dlba_encode(&b, s, 4);
		unused_width = 0xee;
		CHECK(b.n == sizeof(ex) && !memcmp(b.p, ex, sizeof(ex)));
		buf_free(&b);
	}
	/* A negative length. */
	{
		struct buf b = { 0 };
		uint64_t lens[2] = { 1, (uint64_t)-3 };

		dbp_encode(&b, lens, 2, 128, 4, false);
		put(&b, "abcd", 4);
		CHECK(decode(PQ_DELTA_LENGTH_BYTE_ARRAY, PQ_BYTE_ARRAY, 0, b.p, b.n, 2, &a, &v,
			     &err) != 0);
		CHECK_STR(err.msg, "invalid DELTA_LENGTH_BYTE_ARRAY data: value 1 has length -3");
		buf_free(&b);
	}
	CHECK(decode(PQ_DELTA_LENGTH_BYTE_ARRAY, PQ_INT32, 0, ex, sizeof(ex), 4, &a, &v, &err) !=
	      0);
	CHECK_INT(err.code, DQ_ENOTIMPL);
	dq_arena_release(&a);
}

static void test_dba(void)
{
	struct dq_arena a = { NULL };
	struct parquet_values v;
	struct dq_error err;
	/* Encodings.md: axis axle babble babyhood -> prefixes 0 2 0 3, suffixes axis le babble
	 * yhood. */
	struct str s[] = { { "axis", 4 }, { "axle", 4 }, { "babble", 6 }, { "babyhood", 8 } };
	struct buf b = { 0 };

	unused_width = 0;
	dba_encode(&b, s, 4, false);
	unused_width = 0xee;
	CHECK_INT(decode(PQ_DELTA_BYTE_ARRAY, PQ_BYTE_ARRAY, 0, b.p, b.n, 4, &a, &v, &err), 0);
	CHECK(bytes_eq(v.v.ba[0], "axis") && bytes_eq(v.v.ba[1], "axle") &&
	      bytes_eq(v.v.ba[2], "babble") && bytes_eq(v.v.ba[3], "babyhood"));
	check_cuts("DBA example", PQ_DELTA_BYTE_ARRAY, PQ_BYTE_ARRAY, 0, b.p, b.n, 4);
	/* The prefix stream is 0 2 0 3: deltas 2 -2 3, min -2 (zigzag 3), relative 4 0 5 at
	 * 3 bits: 0b01 000 100, 0b0000000 1, then 10 bytes of padding. */
	static const uint8_t pre[] = { 0x80, 0x01, 0x04, 0x04, 0x00, 0x03, 0x03, 0, 0, 0,
				       0x44, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
	CHECK(b.n > sizeof(pre) && !memcmp(b.p, pre, sizeof(pre)));
	buf_free(&b);

	/* Repeats and empty suffixes share bytes; FLBA values must have type_length. */
	{
		struct str r[] = { { "abc", 3 }, { "abc", 3 }, { "abd", 3 }, { "xyz", 3 } };

		dba_encode(&b, r, 4, false);
		CHECK_INT(decode(PQ_DELTA_BYTE_ARRAY, PQ_FIXED_LEN_BYTE_ARRAY, 3, b.p, b.n, 4, &a,
				 &v, &err),
			  0);
		CHECK(bytes_eq(v.v.ba[1], "abc") && bytes_eq(v.v.ba[2], "abd") &&
		      bytes_eq(v.v.ba[3], "xyz"));
		CHECK(decode(PQ_DELTA_BYTE_ARRAY, PQ_FIXED_LEN_BYTE_ARRAY, 4, b.p, b.n, 4, &a, &v,
			     &err) != 0);
		CHECK_STR(err.msg, "invalid DELTA_BYTE_ARRAY data: value 0 has 3 bytes, "
				   "FIXED_LEN_BYTE_ARRAY of 4");
		buf_free(&b);
	}
	/* A prefix longer than the value before. */
	{
		uint64_t p[2] = { 0, 3 };
		struct str suf[2] = { { "ab", 2 }, { "c", 1 } };

		dbp_encode(&b, p, 2, 128, 4, false);
		dlba_encode(&b, suf, 2);
		CHECK(decode(PQ_DELTA_BYTE_ARRAY, PQ_BYTE_ARRAY, 0, b.p, b.n, 2, &a, &v, &err) != 0);
		CHECK_STR(err.msg, "invalid DELTA_BYTE_ARRAY data: prefix length 3 of value 1 "
				   "exceeds the 2 bytes of the value before");
		buf_free(&b);
	}
	/* A first value with a prefix. */
	{
		uint64_t p[1] = { 1 };
		struct str suf[1] = { { "ab", 2 } };

		dbp_encode(&b, p, 1, 128, 4, false);
		dlba_encode(&b, suf, 1);
		CHECK(decode(PQ_DELTA_BYTE_ARRAY, PQ_BYTE_ARRAY, 0, b.p, b.n, 1, &a, &v, &err) != 0);
		buf_free(&b);
	}
	/* A rebuild bomb: a 64 KiB value then 4200 values each sharing all of the one before
	 * plus one byte would copy 275 MB from 70 KB. */
	{
		size_t m = 4201;
		uint64_t *p = calloc(m, sizeof(*p));
		struct str *suf = calloc(m, sizeof(*suf));
		char *big = malloc(65535);

		memset(big, 'q', 65535);
		suf[0].p = big;
		suf[0].n = 65535;
		for (size_t i = 1; i < m; i++) {
			p[i] = 65535 + i - 1;
			suf[i].p = "r";
			suf[i].n = 1;
		}
		dbp_encode(&b, p, m, 128, 4, false);
		dlba_encode(&b, suf, m);
		CHECK(decode(PQ_DELTA_BYTE_ARRAY, PQ_BYTE_ARRAY, 0, b.p, b.n, m, &a, &v, &err) != 0);
		CHECK_STR(err.msg, "invalid DELTA_BYTE_ARRAY data: values rebuild to more than "
				   "268435456 bytes");
		/* 2000 of them are fine (131 MB, under the cap). */
		CHECK_INT(decode(PQ_DELTA_BYTE_ARRAY, PQ_BYTE_ARRAY, 0, b.p, b.n, 2000, &a, &v,
				 &err),
			  0);
		CHECK(v.v.ba[1999].len == 65535 + 1999 && v.v.ba[1999].ptr[65535] == 'r');
		buf_free(&b);
		free(p);
		free(suf);
		free(big);
		dq_arena_release(&a);
	}
	dq_arena_release(&a);
}

/* ---- BYTE_STREAM_SPLIT ------------------------------------------------------------------------ */

static void test_bss(void)
{
	struct dq_arena a = { NULL };
	struct parquet_values v;
	struct dq_error err;
	float f[3] = { 1.5f, -2.25f, 1e30f };
	double d[2] = { 3.141592653589793, -0.0 };
	int32_t i32[3] = { 1, -1, INT32_MIN };
	int64_t i64[2] = { INT64_MIN, 0x0102030405060708 };
	uint8_t buf[64];

#define SPLIT(arr, k, n)                                                                       \
	do {                                                                                   \
		const uint8_t *src_ = (const uint8_t *)(arr);                                  \
		for (size_t i_ = 0; i_ < (n); i_++)                                            \
			for (size_t j_ = 0; j_ < (k); j_++)                                    \
				buf[j_ * (n) + i_] = src_[i_ * (k) + j_];                      \
	} while (0)

	SPLIT(f, 4, 3);
	CHECK_INT(decode(PQ_BYTE_STREAM_SPLIT, PQ_FLOAT, 0, buf, 12, 3, &a, &v, &err), 0);
	CHECK(!memcmp(v.v.f32, f, sizeof(f)));
	check_cuts("BSS FLOAT", PQ_BYTE_STREAM_SPLIT, PQ_FLOAT, 0, buf, 12, 3);
	SPLIT(d, 8, 2);
	CHECK_INT(decode(PQ_BYTE_STREAM_SPLIT, PQ_DOUBLE, 0, buf, 16, 2, &a, &v, &err), 0);
	CHECK(!memcmp(v.v.f64, d, sizeof(d)));
	check_cuts("BSS DOUBLE", PQ_BYTE_STREAM_SPLIT, PQ_DOUBLE, 0, buf, 16, 2);
	SPLIT(i32, 4, 3);
	CHECK_INT(decode(PQ_BYTE_STREAM_SPLIT, PQ_INT32, 0, buf, 12, 3, &a, &v, &err), 0);
	CHECK(!memcmp(v.v.i32, i32, sizeof(i32)));
	SPLIT(i64, 8, 2);
	CHECK_INT(decode(PQ_BYTE_STREAM_SPLIT, PQ_INT64, 0, buf, 16, 2, &a, &v, &err), 0);
	CHECK(!memcmp(v.v.i64, i64, sizeof(i64)));
	/* Hand-made: 0x01020304 as INT32, streams 04 03 02 01. */
	CHECK_INT(decode(PQ_BYTE_STREAM_SPLIT, PQ_INT32, 0, "\x04\x03\x02\x01", 4, 1, &a, &v, &err),
		  0);
	CHECK_INT(v.v.i32[0], 0x01020304);
	/* Streams longer than n values (as arrow: the stride is len / 4). */
	CHECK_INT(decode(PQ_BYTE_STREAM_SPLIT, PQ_INT32, 0, "\x04\xaa\x03\xaa\x02\xaa\x01\xaa", 8,
			 1, &a, &v, &err),
		  0);
	CHECK_INT(v.v.i32[0], 0x01020304);
	/* FLBA of 3: "abc" "def" -> streams "ad" "be" "cf". */
	CHECK_INT(decode(PQ_BYTE_STREAM_SPLIT, PQ_FIXED_LEN_BYTE_ARRAY, 3, "adbecf", 6, 2, &a, &v,
			 &err),
		  0);
	CHECK(bytes_eq(v.v.ba[0], "abc") && bytes_eq(v.v.ba[1], "def"));
	check_cuts("BSS FLBA", PQ_BYTE_STREAM_SPLIT, PQ_FIXED_LEN_BYTE_ARRAY, 3, "adbecf", 6, 2);
	CHECK(decode(PQ_BYTE_STREAM_SPLIT, PQ_BOOLEAN, 0, buf, 4, 1, &a, &v, &err) != 0);
	CHECK_STR(err.msg, "unsupported encoding BYTE_STREAM_SPLIT for BOOLEAN values");
	CHECK(decode(PQ_BYTE_STREAM_SPLIT, PQ_DOUBLE, 0, buf, 16, SIZE_MAX, &a, &v, &err) != 0);
	dq_arena_release(&a);
}

static void test_unsupported(void)
{
	struct dq_arena a = { NULL };
	struct parquet_values v;
	struct dq_error err;
	static const struct {
		int enc;
		enum parquet_type type;
		const char *msg;
	} cases[] = {
		{ PQ_DELTA_BINARY_PACKED, PQ_BYTE_ARRAY,
		  "unsupported encoding DELTA_BINARY_PACKED for BYTE_ARRAY values" },
		{ PQ_DELTA_BINARY_PACKED, PQ_DOUBLE,
		  "unsupported encoding DELTA_BINARY_PACKED for DOUBLE values" },
		{ PQ_DELTA_LENGTH_BYTE_ARRAY, PQ_FIXED_LEN_BYTE_ARRAY,
		  "unsupported encoding DELTA_LENGTH_BYTE_ARRAY for FIXED_LEN_BYTE_ARRAY values" },
		{ PQ_DELTA_BYTE_ARRAY, PQ_INT64, "unsupported encoding DELTA_BYTE_ARRAY for INT64 values" },
		{ PQ_RLE_DICTIONARY, PQ_INT32, "unsupported encoding RLE_DICTIONARY for INT32 values" },
		{ PQ_BIT_PACKED, PQ_INT32, "unsupported encoding BIT_PACKED for INT32 values" },
		{ 10, PQ_DOUBLE, "unsupported encoding ALP for DOUBLE values" },
		{ 42, PQ_INT32, "unsupported encoding 42 for INT32 values" },
		{ PQ_PLAIN, PQ_GROUP, "unsupported encoding PLAIN for group values" },
		{ PQ_PLAIN, (enum parquet_type)9, "unsupported encoding PLAIN for 9 values" },
		{ PQ_BYTE_STREAM_SPLIT, PQ_INT96,
		  "unsupported encoding BYTE_STREAM_SPLIT for INT96 values" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK(decode(cases[i].enc, cases[i].type, 4, "\0\0\0\0", 4, 1, &a, &v, &err) != 0);
		CHECK_INT(err.code, DQ_ENOTIMPL);
		CHECK_STR(err.msg, cases[i].msg);
	}
	dq_arena_release(&a);
}

/* ---- randomised round trips ------------------------------------------------------------------- */

static void test_random(void)
{
	struct dq_arena a = { NULL };
	struct parquet_values v;
	struct dq_error err;

	for (int round = 0; round < 300; round++) {
		size_t n = rng() % 5 == 0 ? rng() % 5000 : rng() % 100;
		int bw = (int)(rng() % 33);
		uint32_t *lv = malloc((n + 1) * sizeof(*lv)), *out = malloc((n + 1) * sizeof(*out));
		uint64_t *u = malloc((n + 1) * sizeof(*u));
		uint64_t mask = bw == 32 ? UINT32_MAX : ((uint64_t)1 << bw) - 1;
		int shape = (int)(rng() % 4);
		struct buf b = { 0 };
		size_t consumed;

		/* levels / indices */
		for (size_t i = 0; i < n; i++) {
			if (shape == 0 || i == 0)
				lv[i] = (uint32_t)(rng() & mask);
			else
				lv[i] = rng() % (shape == 1 ? 2 : 20) ? lv[i - 1]
								      : (uint32_t)(rng() & mask);
		}
		rle_encode(&b, lv, n, bw, (int)(rng() % 3));
		if (bw == 0) {
			memset(lv, 0, (n + 1) * sizeof(*lv));
		}
		uint8_t *e = exact(b.p, b.n);
		CHECKF(parquet_rle_decode(e, b.n, bw, out, n, &consumed, &err) == 0,
		       "round %d rle: %s", round, err.msg);
		CHECKF(n == 0 || !memcmp(out, lv, n * sizeof(*lv)), "round %d rle values", round);
		free(e);
		buf_free(&b);

		/* RLE booleans: a length, then the hybrid at width 1 */
		for (size_t i = 0; i < n; i++)
			lv[i] &= 1;
		{
			struct buf h = { 0 };

			rle_encode(&h, lv, n, 1, (int)(rng() % 3));
			put_le32(&b, (uint32_t)h.n);
			put(&b, h.p, h.n);
			buf_free(&h);
		}
		CHECKF(decode(PQ_RLE, PQ_BOOLEAN, 0, b.p, b.n, n, &a, &v, &err) == 0,
		       "round %d rle bool: %s", round, err.msg);
		bool same = true;
		for (size_t i = 0; i < n && same; i++)
			same = v.v.b[i] == lv[i];
		CHECKF(same, "round %d rle bool values", round);
		buf_free(&b);

		/* DELTA_BINARY_PACKED, INT64 and INT32 */
		uint64_t spread = shape == 0 ? UINT64_MAX : shape == 1 ? 3 : shape == 2 ? 1 << 20 : 0;
		uint64_t base = rng();
		for (size_t i = 0; i < n; i++) {
			uint64_t r = spread == UINT64_MAX ? rng() : spread ? rng() % (spread + 1) : 0;
			u[i] = shape == 3 ? base + i * 7 : (shape == 1 ? (i ? u[i - 1] : base) + r : r);
		}
		uint64_t blocks[][2] = { { 128, 4 }, { 128, 1 }, { 256, 8 }, { 1024, 32 } };
		int which = (int)(rng() % 4);
		bool wrap32 = rng() % 2;
		dbp_encode(&b, u, n, blocks[which][0], blocks[which][1], false);
		CHECKF(decode(PQ_DELTA_BINARY_PACKED, PQ_INT64, 0, b.p, b.n, n, &a, &v, &err) == 0,
		       "round %d dbp64: %s", round, err.msg);
		same = true;
		for (size_t i = 0; i < n && same; i++)
			same = (uint64_t)v.v.i64[i] == u[i];
		CHECKF(same, "round %d dbp64 values", round);
		buf_free(&b);
		for (size_t i = 0; i < n; i++)
			u[i] = (uint64_t)(int64_t)(int32_t)(uint32_t)u[i];
		dbp_encode(&b, u, n, blocks[which][0], blocks[which][1], wrap32);
		CHECKF(decode(PQ_DELTA_BINARY_PACKED, PQ_INT32, 0, b.p, b.n, n, &a, &v, &err) == 0,
		       "round %d dbp32: %s", round, err.msg);
		same = true;
		for (size_t i = 0; i < n && same; i++)
			same = v.v.i32[i] == (int32_t)(uint32_t)u[i];
		CHECKF(same, "round %d dbp32 values", round);
		buf_free(&b);

		/* byte arrays from a small alphabet, so prefixes are shared */
		struct str *s = malloc((n + 1) * sizeof(*s));
		char *pool = malloc(n * 12 + 1);
		for (size_t i = 0; i < n; i++) {
			size_t l = rng() % 12;

			for (size_t k = 0; k < l; k++)
				pool[i * 12 + k] = "ab"[rng() % 2];
			s[i].p = pool + i * 12;
			s[i].n = l;
		}
		for (int enc = 0; enc < 3; enc++) {
			int code = enc == 0 ? PQ_DELTA_LENGTH_BYTE_ARRAY : PQ_DELTA_BYTE_ARRAY;

			if (enc == 0)
				dlba_encode(&b, s, n);
			else
				dba_encode(&b, s, n, enc == 2);
			CHECKF(decode(code, PQ_BYTE_ARRAY, 0, b.p, b.n, n, &a, &v, &err) == 0,
			       "round %d enc %d: %s", round, enc, err.msg);
			same = true;
			for (size_t i = 0; i < n && same; i++)
				same = v.v.ba[i].len == s[i].n &&
				       !memcmp(v.v.ba[i].ptr, s[i].p, s[i].n);
			CHECKF(same, "round %d enc %d values", round, enc);
			buf_free(&b);
		}
		free(s);
		free(pool);
		free(lv);
		free(out);
		free(u);
		dq_arena_release(&a);
	}
}

/* Damaged valid inputs: any result, but no crash or overrun (ASan). */
static void test_damage(void)
{
	struct dq_arena a = { NULL };
	struct parquet_values v;
	struct dq_error err;
	uint64_t u[200];
	struct str s[50];
	char pool[50 * 8];
	struct buf b[4] = { { 0 } };

	for (int i = 0; i < 200; i++)
		u[i] = rng() % 100000;
	dbp_encode(&b[0], u, 200, 128, 4, false);
	for (int i = 0; i < 50; i++) {
		for (int k = 0; k < 8; k++)
			pool[i * 8 + k] = "xy"[rng() % 2];
		s[i].p = pool + i * 8;
		s[i].n = rng() % 9;
	}
	dlba_encode(&b[1], s, 50);
	dba_encode(&b[2], s, 50, false);
	uint32_t lv[200];
	for (int i = 0; i < 200; i++)
		lv[i] = (uint32_t)(rng() % 5);
	rle_encode(&b[3], lv, 200, 3, 2);
	for (int round = 0; round < 4000; round++) {
		struct buf *src = &b[round % 4];
		uint8_t *d = exact(src->p, src->n);
		uint32_t out[256];

		for (int k = 0; k < 1 + round % 3; k++)
			d[rng() % src->n] ^= (uint8_t)(1 + rng() % 255);
		switch (round % 4) {
		case 0:
			parquet_decode(PQ_DELTA_BINARY_PACKED, PQ_INT64, 0, d, src->n, 200, &a, &v,
				       &err);
			break;
		case 1:
			parquet_decode(PQ_DELTA_LENGTH_BYTE_ARRAY, PQ_BYTE_ARRAY, 0, d, src->n, 50,
				       &a, &v, &err);
			break;
		case 2:
			parquet_decode(PQ_DELTA_BYTE_ARRAY, PQ_BYTE_ARRAY, 0, d, src->n, 50, &a, &v,
				       &err);
			break;
		default:
			parquet_rle_decode(d, src->n, 3, out, 200, NULL, &err);
		}
		free(d);
		if (round % 100 == 99)
			dq_arena_release(&a);
	}
	CHECK(1);
	for (int i = 0; i < 4; i++)
		buf_free(&b[i]);
	dq_arena_release(&a);
}

int main(void)
{
	unit_run("rle: spec and level sequences", test_rle_spec);
	unit_run("rle: bit widths 0-32", test_rle_widths);
	unit_run("rle: bad and hostile runs", test_rle_bad);
	unit_run("bit_packed levels", test_bit_packed);
	unit_run("uleb128 and names", test_uleb);
	unit_run("plain", test_plain);
	unit_run("rle booleans", test_rle_bool);
	unit_run("delta_binary_packed: spec", test_delta_spec);
	unit_run("delta_binary_packed: wrapping", test_delta_wrap);
	unit_run("delta_binary_packed: blocks", test_delta_blocks);
	unit_run("delta_length_byte_array", test_dlba);
	unit_run("delta_byte_array", test_dba);
	unit_run("byte_stream_split", test_bss);
	unit_run("unsupported", test_unsupported);
	unit_run("random round trips", test_random);
	unit_run("damaged inputs", test_damage);
	return unit_done();
}
