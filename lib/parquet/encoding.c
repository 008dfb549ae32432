/*
 * encoding.c - Parquet value and level encodings (apache/parquet-format:Encodings.md):
 * the RLE/bit-packed hybrid of levels, dictionary indices and RLE booleans; the
 * deprecated MSB-first BIT_PACKED levels; PLAIN for every physical type;
 * DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT.
 *
 * The bytes are untrusted.  Every count is checked against the bytes at hand before an
 * array is allocated for it, and run counts are only ever consumed up to the values asked
 * for, so a run claiming 2^63 values costs nothing.  Where a valid stream can encode many
 * values in few bytes (runs, zero bit widths), the stream is walked and checked whole
 * before anything is allocated.  Messages say what is wrong with the data; the caller
 * puts the file and page in front.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"

/* DELTA_BYTE_ARRAY rebuilds values that share a prefix with the one before; a hostile page
 * could make each value a long prefix plus one byte.  The bytes copied are capped at this
 * many times the page's value bytes, or DBA_MIN_CAP, whichever is more. */
#define DBA_EXPANSION 64
#define DBA_MIN_CAP ((size_t)256 << 20)

/* ---- names ------------------------------------------------------------------------------ */

const char *parquet_encoding_name(int encoding)
{
	static const char *const names[] = {
		"PLAIN", NULL, "PLAIN_DICTIONARY", "RLE", "BIT_PACKED", "DELTA_BINARY_PACKED",
		"DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY", "RLE_DICTIONARY",
		"BYTE_STREAM_SPLIT", "ALP",
	};

	if (encoding < 0 || (size_t)encoding >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[encoding];
}

const char *parquet_type_name(int type)
{
	static const char *const names[] = {
		"BOOLEAN", "INT32", "INT64", "INT96", "FLOAT", "DOUBLE", "BYTE_ARRAY",
		"FIXED_LEN_BYTE_ARRAY",
	};

	if (type == PQ_GROUP)
		return "group";
	if (type < 0 || (size_t)type >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[type];
}

const char *parquet_codec_name(int codec)
{
	static const char *const names[] = {
		"UNCOMPRESSED", "SNAPPY", "GZIP", "LZO", "BROTLI", "LZ4", "ZSTD", "LZ4_RAW",
	};

	if (codec < 0 || (size_t)codec >= sizeof(names) / sizeof(names[0]))
		return NULL;
	return names[codec];
}

static int unsupported(struct dq_error *err, int encoding, enum parquet_type type)
{
	const char *e = parquet_encoding_name(encoding), *t = parquet_type_name(type);
	char ebuf[24], tbuf[24];

	if (!e) {
		snprintf(ebuf, sizeof(ebuf), "%d", encoding);
		e = ebuf;
	}
	if (!t) {
		snprintf(tbuf, sizeof(tbuf), "%d", (int)type);
		t = tbuf;
	}
	return dq_fail(err, DQ_ENOTIMPL, "unsupported encoding %s for %s values", e, t);
}

static int nomem(struct dq_error *err)
{
	return dq_fail(err, DQ_ENOMEM, "out of memory");
}

/* ---- little helpers ----------------------------------------------------------------------- */

static uint32_t load_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int64_t to_i64(uint64_t v)
{
	return v <= INT64_MAX ? (int64_t)v : -(int64_t)(~v) - 1;
}

static int32_t to_i32(uint64_t v)
{
	uint32_t u = (uint32_t)v;

	return u <= INT32_MAX ? (int32_t)u : -(int32_t)(~u) - 1;
}

static uint64_t mask_of(int bits)
{
	return bits >= 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
}

/* Array of n elements of size sz from the arena, never NULL for n == 0 (so callers may
 * hand it to memcpy); NULL on overflow or exhaustion. */
static void *arena_array(struct dq_arena *a, size_t n, size_t sz)
{
	if (n > (SIZE_MAX - 64) / sz)
		return NULL;
	return dq_arena_alloc(a, n ? n * sz : 1);
}

int parquet_uleb128(const uint8_t **p, const uint8_t *end, uint64_t *out)
{
	const uint8_t *q = *p;
	uint64_t v = 0;

	for (int shift = 0; shift < 70; shift += 7) {
		if (q == end)
			return -1;
		uint8_t b = *q++;
		if (shift == 63 && b > 1)
			return -1; /* more than 64 bits */
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*p = q;
			*out = v;
			return 0;
		}
	}
	return -1;
}

/* Bytes holding n values of bw bits, or SIZE_MAX when that does not fit in a size_t. */
static size_t packed_bytes(size_t n, int bw)
{
	if (bw && n > (SIZE_MAX - 7) / (size_t)bw)
		return SIZE_MAX;
	return (n * (size_t)bw + 7) / 8;
}

/* n values of bw (0..32) bits, LSB first, from in (which holds packed_bytes(n, bw)).
 * Exactly one of out32 and out8 is non-NULL. */
static void unpack_lsb(const uint8_t *in, int bw, uint32_t *out32, uint8_t *out8, size_t n)
{
	uint64_t acc = 0, mask = mask_of(bw);
	size_t i = 0, nbytes = packed_bytes(n, bw);
	int nbits = 0;

	if (bw == 0) {
		if (out32)
			memset(out32, 0, n * sizeof(*out32));
		else if (out8) /* always, but gcc -O3 inlines a caller where it cannot tell */
			memset(out8, 0, n);
		return;
	}
	/* While 8 bytes can be loaded at the value's first byte: one load per value (a value
	 * spans at most 5 bytes, at a bit shift of at most 7). */
	if (nbytes >= 8) {
		for (; i < n; i++) {
			size_t bit = i * (size_t)bw, at = bit / 8;
			uint64_t w;

			if (at + 8 > nbytes)
				break;
			w = (uint64_t)load_le32(in + at) | (uint64_t)load_le32(in + at + 4) << 32;
			w = (w >> (bit % 8)) & mask;
			if (out32)
				out32[i] = (uint32_t)w;
			else
				out8[i] = (uint8_t)w;
		}
		if (i == n)
			return;
		/* The tail, a byte at a time from where the loop stopped. */
		size_t bit = i * (size_t)bw;
		in += bit / 8;
		if (bit % 8) {
			acc = (uint64_t)*in++ >> (bit % 8);
			nbits = 8 - (int)(bit % 8);
		}
	}
	for (; i < n; i++) {
		while (nbits < bw) {
			acc |= (uint64_t)*in++ << nbits;
			nbits += 8;
		}
		if (out32)
			out32[i] = (uint32_t)(acc & mask);
		else
			out8[i] = (uint8_t)(acc & mask);
		acc >>= bw;
		nbits -= bw;
	}
}

/* n values of bw (0..64) bits, LSB first, as unpack_lsb but 64 bits wide. */
static void unpack_lsb64(const uint8_t *in, int bw, uint64_t *out, size_t n)
{
	int lo = bw > 32 ? 32 : bw, hi = bw - lo;
	uint64_t acc = 0, lomask = mask_of(lo), himask = mask_of(hi);
	int nbits = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t v;

		while (nbits < lo) {
			acc |= (uint64_t)*in++ << nbits;
			nbits += 8;
		}
		v = acc & lomask;
		acc >>= lo;
		nbits -= lo;
		if (hi) {
			while (nbits < hi) {
				acc |= (uint64_t)*in++ << nbits;
				nbits += 8;
			}
			v |= (acc & himask) << 32;
			acc >>= hi;
			nbits -= hi;
		}
		out[i] = v;
	}
}

/* ---- RLE / bit-packed hybrid --------------------------------------------------------------- */

/* The hybrid into out32 or out8 (at most one non-NULL; with neither it only checks that
 * the runs hold n values). */
static int rle_decode(const uint8_t *buf, size_t len, int bw, uint32_t *out32, uint8_t *out8,
		      size_t n, size_t *consumed, struct dq_error *err)
{
	const uint8_t *p = buf, *end = buf + len;
	size_t i = 0, vbytes = ((size_t)bw + 7) / 8;

	if (bw < 0 || bw > 32)
		return dq_fail(err, DQ_ECORRUPT, "invalid RLE/bit-packed data: bit width %d", bw);
	if (bw == 0) {
		/* Every value is 0, whatever the runs say; nothing needs reading. */
		if (out32 || out8)
			unpack_lsb(buf, 0, out32, out8, n);
		if (consumed)
			*consumed = 0;
		return 0;
	}
	while (i < n) {
		uint64_t h;

		if (parquet_uleb128(&p, end, &h))
			return dq_fail(err, DQ_ECORRUPT,
				       "invalid RLE/bit-packed data: truncated at value %zu of %zu",
				       i, n);
		if (h & 1) {
			/* Bit-packed: (h >> 1) groups of 8 values, bw bytes a group. */
			uint64_t groups = h >> 1;
			size_t left = n - i, take, need, avail = (size_t)(end - p);

			take = groups > left / 8 ? left : (size_t)groups * 8;
			need = packed_bytes(take, bw);
			if (need > avail)
				return dq_fail(err, DQ_ECORRUPT,
					       "invalid RLE/bit-packed data: bit-packed run of %zu "
					       "values needs %zu bytes, %zu left",
					       take, need, avail);
			if (out32 || out8)
				unpack_lsb(p, bw, out32 ? out32 + i : NULL, out8 ? out8 + i : NULL,
					   take);
			p += need;
			i += take;
		} else {
			uint64_t count = h >> 1, v = 0;
			size_t take;

			if ((size_t)(end - p) < vbytes)
				return dq_fail(err, DQ_ECORRUPT,
					       "invalid RLE/bit-packed data: truncated at value %zu of %zu",
					       i, n);
			for (size_t k = 0; k < vbytes; k++)
				v |= (uint64_t)p[k] << (8 * k);
			p += vbytes;
			if (v > mask_of(bw))
				return dq_fail(err, DQ_ECORRUPT,
					       "invalid RLE/bit-packed data: run value %llu does not fit "
					       "in %d bits",
					       (unsigned long long)v, bw);
			take = count < n - i ? (size_t)count : n - i;
			if (out32) {
				for (size_t k = 0; k < take; k++)
					out32[i + k] = (uint32_t)v;
			} else if (out8) {
				memset(out8 + i, (int)v, take);
			}
			i += take;
		}
	}
	if (consumed)
		*consumed = (size_t)(p - buf);
	return 0;
}

int parquet_rle_decode(const uint8_t *buf, size_t len, int bit_width, uint32_t *out, size_t n,
		       size_t *consumed, struct dq_error *err)
{
	return rle_decode(buf, len, bit_width, out, NULL, n, consumed, err);
}

int parquet_bitpacked_decode(const uint8_t *buf, size_t len, int bit_width, uint32_t *out,
			     size_t n, size_t *consumed, struct dq_error *err)
{
	size_t need;

	if (bit_width < 0 || bit_width > 32)
		return dq_fail(err, DQ_ECORRUPT, "invalid BIT_PACKED data: bit width %d",
			       bit_width);
	need = packed_bytes(n, bit_width);
	if (need > len)
		return dq_fail(err, DQ_ECORRUPT,
			       "invalid BIT_PACKED data: %zu values need %zu bytes, %zu given", n,
			       need, len);
	size_t bit = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t v = 0;

		for (int k = 0; k < bit_width; k++, bit++)
			v = (v << 1) | ((buf[bit / 8] >> (7 - bit % 8)) & 1);
		out[i] = v;
	}
	if (consumed)
		*consumed = need;
	return 0;
}

/* ---- DELTA_BINARY_PACKED ------------------------------------------------------------------- */

#define DBP_CHUNK 64 /* values unpacked at a time; a multiple of 8 keeps chunks byte-aligned */

int parquet_delta_decode(const uint8_t *buf, size_t len, size_t want, int32_t *out32,
			 int64_t *out64, uint64_t *count, size_t *consumed, struct dq_error *err)
{
	const uint8_t *p = buf, *end = buf + len;
	uint64_t block_size, nmini, total, zz, per_mini, remaining, prev;
	size_t stored = 0;
	bool store = out32 || out64;

	if (parquet_uleb128(&p, end, &block_size) || parquet_uleb128(&p, end, &nmini) ||
	    parquet_uleb128(&p, end, &total) || parquet_uleb128(&p, end, &zz))
		return dq_fail(err, DQ_ECORRUPT, "invalid DELTA_BINARY_PACKED data: truncated header");
	if (block_size == 0 || block_size % 128)
		return dq_fail(err, DQ_ECORRUPT,
			       "invalid DELTA_BINARY_PACKED data: block size %llu is not a "
			       "positive multiple of 128",
			       (unsigned long long)block_size);
	if (nmini == 0 || block_size % nmini || (block_size / nmini) % 32)
		return dq_fail(err, DQ_ECORRUPT,
			       "invalid DELTA_BINARY_PACKED data: %llu miniblocks in a block of "
			       "%llu values",
			       (unsigned long long)nmini, (unsigned long long)block_size);
	if (store && total < want)
		return dq_fail(err, DQ_ECORRUPT,
			       "invalid DELTA_BINARY_PACKED data: %llu values, %zu expected",
			       (unsigned long long)total, want);
	per_mini = block_size / nmini;
	prev = (zz >> 1) ^ (0 - (zz & 1));
	if (store && want > 0) {
		if (out32)
			out32[0] = to_i32(prev);
		else
			out64[0] = to_i64(prev);
		stored = 1;
	}
	remaining = total ? total - 1 : 0;
	while (remaining > 0) {
		uint64_t min_delta;
		const uint8_t *widths;

		if (parquet_uleb128(&p, end, &zz))
			goto truncated;
		min_delta = (zz >> 1) ^ (0 - (zz & 1));
		if ((uint64_t)(end - p) < nmini)
			goto truncated;
		widths = p;
		p += nmini;
		for (uint64_t m = 0; m < nmini && remaining > 0; m++) {
			int bw = widths[m];
			uint64_t take = per_mini < remaining ? per_mini : remaining;
			size_t bytes;

			if (bw > 64)
				return dq_fail(err, DQ_ECORRUPT,
					       "invalid DELTA_BINARY_PACKED data: bit width %d", bw);
			/* per_mini is a multiple of 32, so the size is whole bytes. */
			if (bw && per_mini / 8 > (uint64_t)(end - p) / (unsigned)bw)
				goto truncated;
			bytes = (size_t)(per_mini / 8) * (size_t)bw;
			for (uint64_t k = 0; store && stored < want && k < take; k += DBP_CHUNK) {
				uint64_t chunk[DBP_CHUNK];
				size_t c = take - k < DBP_CHUNK ? (size_t)(take - k) : DBP_CHUNK;

				if (c > want - stored)
					c = want - stored;
				unpack_lsb64(p + (size_t)(k / 8) * (size_t)bw, bw, chunk, c);
				for (size_t j = 0; j < c; j++) {
					prev += min_delta + chunk[j];
					if (out32)
						out32[stored + j] = to_i32(prev);
					else
						out64[stored + j] = to_i64(prev);
				}
				stored += c;
			}
			p += bytes;
			remaining -= take;
		}
	}
	if (count)
		*count = total;
	if (consumed)
		*consumed = (size_t)(p - buf);
	return 0;
truncated:
	return dq_fail(err, DQ_ECORRUPT,
		       "invalid DELTA_BINARY_PACKED data: truncated after %llu of %llu values",
		       (unsigned long long)(total - remaining), (unsigned long long)total);
}

/* ---- byte arrays ----------------------------------------------------------------------------- */

/* DELTA_LENGTH_BYTE_ARRAY: n lengths, then the bytes of all values back to back. */
static int decode_dlba(const uint8_t *buf, size_t len, size_t n, struct parquet_bytes *out,
		       size_t *consumed, struct dq_error *err)
{
	int32_t *lens;
	size_t hdr, pos;
	uint64_t count;

	if (parquet_delta_decode(buf, len, 0, NULL, NULL, &count, &hdr, err))
		return -1;
	if (count < n)
		return dq_fail(err, DQ_ECORRUPT,
			       "invalid DELTA_LENGTH_BYTE_ARRAY data: %llu lengths, %zu expected",
			       (unsigned long long)count, n);
	lens = malloc(n ? n * sizeof(*lens) : 1);
	if (!lens)
		return nomem(err);
	if (parquet_delta_decode(buf, len, n, lens, NULL, NULL, NULL, err)) {
		free(lens);
		return -1;
	}
	pos = hdr;
	for (size_t i = 0; i < n; i++) {
		if (lens[i] < 0 || (size_t)lens[i] > len - pos) {
			int bad = lens[i];

			free(lens);
			if (bad < 0)
				return dq_fail(err, DQ_ECORRUPT,
					       "invalid DELTA_LENGTH_BYTE_ARRAY data: value %zu has "
					       "length %d",
					       i, bad);
			return dq_fail(err, DQ_ECORRUPT,
				       "invalid DELTA_LENGTH_BYTE_ARRAY data: value %zu of %d bytes "
				       "runs past the end",
				       i, bad);
		}
		out[i].ptr = buf + pos;
		out[i].len = (uint32_t)lens[i];
		pos += (size_t)lens[i];
	}
	free(lens);
	if (consumed)
		*consumed = pos;
	return 0;
}

/* DELTA_BYTE_ARRAY: n prefix lengths, then the suffixes as DELTA_LENGTH_BYTE_ARRAY;
 * value i is the first prefix[i] bytes of value i-1 followed by suffix i.  A value with
 * an empty prefix points at its suffix in buf, one with an empty suffix at the value
 * before; only the others are copied into the arena. */
static int decode_dba(const uint8_t *buf, size_t len, size_t n, int32_t type_length,
		      struct dq_arena *arena, struct parquet_bytes *out, struct dq_error *err)
{
	int32_t *pre;
	size_t hdr, copy = 0, cap;
	uint64_t prevlen = 0;
	uint8_t *dst;
	struct parquet_bytes prev = { NULL, 0 };
	int rc = -1;

	if (n > SIZE_MAX / sizeof(*pre))
		return nomem(err);
	/* Check the prefix stream whole before allocating for it. */
	{
		uint64_t count;

		if (parquet_delta_decode(buf, len, 0, NULL, NULL, &count, &hdr, err))
			return -1;
		if (count < n)
			return dq_fail(err, DQ_ECORRUPT,
				       "invalid DELTA_BYTE_ARRAY data: %llu prefix lengths, %zu "
				       "expected",
				       (unsigned long long)count, n);
	}
	pre = malloc(n ? n * sizeof(*pre) : 1);
	if (!pre)
		return nomem(err);
	if (parquet_delta_decode(buf, len, n, pre, NULL, NULL, NULL, err))
		goto out;
	if (decode_dlba(buf + hdr, len - hdr, n, out, NULL, err))
		goto out;
	cap = len > SIZE_MAX / DBA_EXPANSION ? SIZE_MAX : len * DBA_EXPANSION;
	if (cap < DBA_MIN_CAP)
		cap = DBA_MIN_CAP;
	for (size_t i = 0; i < n; i++) {
		if (pre[i] < 0 || (uint64_t)pre[i] > prevlen) {
			dq_fail(err, DQ_ECORRUPT,
				"invalid DELTA_BYTE_ARRAY data: prefix length %d of value %zu "
				"exceeds the %llu bytes of the value before",
				pre[i], i, (unsigned long long)prevlen);
			goto out;
		}
		prevlen = (uint64_t)pre[i] + out[i].len;
		if (prevlen > UINT32_MAX) {
			dq_fail(err, DQ_ECORRUPT,
				"invalid DELTA_BYTE_ARRAY data: value %zu is too long", i);
			goto out;
		}
		if (type_length >= 0 && prevlen != (uint64_t)type_length) {
			dq_fail(err, DQ_ECORRUPT,
				"invalid DELTA_BYTE_ARRAY data: value %zu has %llu bytes, "
				"FIXED_LEN_BYTE_ARRAY of %d",
				i, (unsigned long long)prevlen, (int)type_length);
			goto out;
		}
		if (pre[i] > 0 && out[i].len > 0)
			copy += (size_t)prevlen; /* cannot overflow before the cap below */
		if (copy > cap) {
			dq_fail(err, DQ_ECORRUPT,
				"invalid DELTA_BYTE_ARRAY data: values rebuild to more than %zu "
				"bytes",
				cap);
			goto out;
		}
	}
	dst = arena_array(arena, copy, 1);
	if (!dst) {
		nomem(err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct parquet_bytes s = out[i];
		uint32_t p = (uint32_t)pre[i];

		if (p == 0) {
			out[i] = s;
		} else if (s.len == 0) {
			out[i].ptr = prev.ptr;
			out[i].len = p;
		} else {
			memcpy(dst, prev.ptr, p);
			memcpy(dst + p, s.ptr, s.len);
			out[i].ptr = dst;
			out[i].len = p + s.len;
			dst += out[i].len;
		}
		prev = out[i];
	}
	rc = 0;
out:
	free(pre);
	return rc;
}

/* ---- PLAIN ------------------------------------------------------------------------------------ */

static int too_short(struct dq_error *err, const char *enc, enum parquet_type type, size_t n,
		     size_t len)
{
	return dq_fail(err, DQ_ECORRUPT, "invalid %s data: %zu bytes are too few for %zu %s values",
		       enc, len, n, parquet_type_name(type));
}

/* n fixed-width little-endian values of `width` bytes into dst. */
static void copy_le(void *dst, const uint8_t *src, size_t n, size_t width)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (n)
		memcpy(dst, src, n * width);
#else
	for (size_t i = 0; i < n; i++) {
		if (width == 4) {
			uint32_t v = load_le32(src + 4 * i);
			memcpy((uint8_t *)dst + 4 * i, &v, 4);
		} else {
			uint64_t v = load_le32(src + 8 * i) |
				     (uint64_t)load_le32(src + 8 * i + 4) << 32;
			memcpy((uint8_t *)dst + 8 * i, &v, 8);
		}
	}
#endif
}

static int decode_plain(enum parquet_type type, const uint8_t *buf, size_t len, size_t n,
			struct dq_arena *arena, struct parquet_values *out, struct dq_error *err)
{
	size_t width;

	switch (type) {
	case PQ_BOOLEAN:
		if ((n + 7) / 8 > len || n > SIZE_MAX - 7)
			return too_short(err, "PLAIN", type, n, len);
		if (!(out->v.b = arena_array(arena, n, 1)))
			return nomem(err);
		unpack_lsb(buf, 1, NULL, out->v.b, n);
		return 0;
	case PQ_INT32:
	case PQ_FLOAT:
	case PQ_INT64:
	case PQ_DOUBLE:
		width = type == PQ_INT32 || type == PQ_FLOAT ? 4 : 8;
		if (n > len / width)
			return too_short(err, "PLAIN", type, n, len);
		if (!(out->v.i64 = arena_array(arena, n, width)))
			return nomem(err);
		copy_le(out->v.i64, buf, n, width);
		return 0;
	case PQ_INT96:
	case PQ_FIXED_LEN_BYTE_ARRAY:
		width = (size_t)out->type_length;
		if (n > len / width)
			return too_short(err, "PLAIN", type, n, len);
		if (!(out->v.ba = arena_array(arena, n, sizeof(*out->v.ba))))
			return nomem(err);
		for (size_t i = 0; i < n; i++) {
			out->v.ba[i].ptr = buf + i * width;
			out->v.ba[i].len = (uint32_t)width;
		}
		return 0;
	case PQ_BYTE_ARRAY: {
		size_t pos = 0;

		if (n > len / 4)
			return too_short(err, "PLAIN", type, n, len);
		if (!(out->v.ba = arena_array(arena, n, sizeof(*out->v.ba))))
			return nomem(err);
		for (size_t i = 0; i < n; i++) {
			uint32_t l;

			if (len - pos < 4)
				return dq_fail(err, DQ_ECORRUPT,
					       "invalid PLAIN data: BYTE_ARRAY value %zu of %zu is "
					       "truncated",
					       i, n);
			l = load_le32(buf + pos);
			pos += 4;
			if (l > len - pos)
				return dq_fail(err, DQ_ECORRUPT,
					       "invalid PLAIN data: BYTE_ARRAY value %zu of %u bytes "
					       "runs past the end",
					       i, l);
			out->v.ba[i].ptr = buf + pos;
			out->v.ba[i].len = l;
			pos += l;
		}
		return 0;
	}
	default:
		return unsupported(err, PQ_PLAIN, type);
	}
}

/* ---- the rest --------------------------------------------------------------------------------- */

/* RLE booleans: a 4-byte little-endian length, then the hybrid with bit width 1 inside it.
 * Encodings.md gives booleans the prefix on v1 and v2 pages alike, every writer known
 * writes it, and arrow-cpp requires it too; a missing or overlong prefix is corruption. */
static int decode_rle_bool(const uint8_t *buf, size_t len, size_t n, struct dq_arena *arena,
			   struct parquet_values *out, struct dq_error *err)
{
	uint32_t l;

	if (len < 4)
		return dq_fail(err, DQ_ECORRUPT, "invalid RLE boolean data: no length prefix");
	l = load_le32(buf);
	if (l > len - 4)
		return dq_fail(err, DQ_ECORRUPT,
			       "invalid RLE boolean data: length %u, %zu bytes follow", l, len - 4);
	/* Check the runs first: they can claim many values in few bytes. */
	if (rle_decode(buf + 4, l, 1, NULL, NULL, n, NULL, err))
		return -1;
	if (!(out->v.b = arena_array(arena, n, 1)))
		return nomem(err);
	return rle_decode(buf + 4, l, 1, NULL, out->v.b, n, NULL, err);
}

static int decode_bss(enum parquet_type type, const uint8_t *buf, size_t len, size_t n,
		      struct dq_arena *arena, struct parquet_values *out, struct dq_error *err)
{
	size_t k, stride;

	switch (type) {
	case PQ_INT32:
	case PQ_FLOAT:
		k = 4;
		break;
	case PQ_INT64:
	case PQ_DOUBLE:
		k = 8;
		break;
	case PQ_FIXED_LEN_BYTE_ARRAY:
		k = (size_t)out->type_length;
		break;
	default:
		return unsupported(err, PQ_BYTE_STREAM_SPLIT, type);
	}
	/* As arrow: the streams are len / k bytes long and hold at least n values. */
	stride = len / k;
	if (stride < n)
		return too_short(err, "BYTE_STREAM_SPLIT", type, n, len);
	if (type == PQ_FIXED_LEN_BYTE_ARRAY) {
		uint8_t *dst = arena_array(arena, n, k);

		if (!dst || !(out->v.ba = arena_array(arena, n, sizeof(*out->v.ba))))
			return nomem(err);
		for (size_t i = 0; i < n; i++) {
			for (size_t j = 0; j < k; j++)
				dst[i * k + j] = buf[j * stride + i];
			out->v.ba[i].ptr = dst + i * k;
			out->v.ba[i].len = (uint32_t)k;
		}
		return 0;
	}
	if (!(out->v.i64 = arena_array(arena, n, k)))
		return nomem(err);
	for (size_t i = 0; i < n; i++) {
		uint64_t v = 0;

		for (size_t j = 0; j < k; j++)
			v |= (uint64_t)buf[j * stride + i] << (8 * j);
		if (k == 4) {
			uint32_t u = (uint32_t)v;
			memcpy((uint8_t *)out->v.i64 + 4 * i, &u, 4);
		} else {
			memcpy((uint8_t *)out->v.i64 + 8 * i, &v, 8);
		}
	}
	return 0;
}

int parquet_decode(int encoding, enum parquet_type type, int32_t type_length,
		   const uint8_t *buf, size_t len, size_t n, struct dq_arena *arena,
		   struct parquet_values *out, struct dq_error *err)
{
	memset(out, 0, sizeof(*out));
	out->type = type;
	out->n = n;
	if (type == PQ_INT96) {
		out->type_length = 12;
	} else if (type == PQ_FIXED_LEN_BYTE_ARRAY) {
		if (type_length <= 0)
			return dq_fail(err, DQ_ECORRUPT,
				       "invalid FIXED_LEN_BYTE_ARRAY type_length %d", (int)type_length);
		out->type_length = type_length;
	}
	if (type < PQ_BOOLEAN || type > PQ_FIXED_LEN_BYTE_ARRAY)
		return unsupported(err, encoding, type);
	if (!buf) {
		static const uint8_t none[1];

		buf = none;
		len = 0;
	}

	switch (encoding) {
	case PQ_PLAIN:
	case PQ_PLAIN_DICTIONARY: /* on a dictionary page it means PLAIN */
		return decode_plain(type, buf, len, n, arena, out, err);
	case PQ_RLE:
		if (type != PQ_BOOLEAN)
			break;
		return decode_rle_bool(buf, len, n, arena, out, err);
	case PQ_DELTA_BINARY_PACKED: {
		size_t width = type == PQ_INT32 ? 4 : 8;
		uint64_t count;

		if (type != PQ_INT32 && type != PQ_INT64)
			break;
		if (n == 0) {
			out->v.i64 = arena_array(arena, 0, width);
			return out->v.i64 ? 0 : nomem(err);
		}
		/* The whole stream is checked, and must hold n values, before n are allocated. */
		if (parquet_delta_decode(buf, len, 0, NULL, NULL, &count, NULL, err))
			return -1;
		if (count < n)
			return dq_fail(err, DQ_ECORRUPT,
				       "invalid DELTA_BINARY_PACKED data: %llu values, %zu expected",
				       (unsigned long long)count, n);
		if (!(out->v.i64 = arena_array(arena, n, width)))
			return nomem(err);
		return parquet_delta_decode(buf, len, n, type == PQ_INT32 ? out->v.i32 : NULL,
					    type == PQ_INT64 ? out->v.i64 : NULL, NULL, NULL, err);
	}
	case PQ_DELTA_LENGTH_BYTE_ARRAY:
	case PQ_DELTA_BYTE_ARRAY: {
		uint64_t count;

		if (type != PQ_BYTE_ARRAY &&
		    !(type == PQ_FIXED_LEN_BYTE_ARRAY && encoding == PQ_DELTA_BYTE_ARRAY))
			break;
		if (n == 0) {
			out->v.ba = arena_array(arena, 0, sizeof(*out->v.ba));
			return out->v.ba ? 0 : nomem(err);
		}
		/* The first stream of lengths must hold n values before n are allocated. */
		if (parquet_delta_decode(buf, len, 0, NULL, NULL, &count, NULL, err))
			return -1;
		if (count < n)
			return dq_fail(err, DQ_ECORRUPT, "invalid %s data: %llu values, %zu expected",
				       parquet_encoding_name(encoding), (unsigned long long)count,
				       n);
		if (!(out->v.ba = arena_array(arena, n, sizeof(*out->v.ba))))
			return nomem(err);
		if (encoding == PQ_DELTA_LENGTH_BYTE_ARRAY)
			return decode_dlba(buf, len, n, out->v.ba, NULL, err);
		return decode_dba(buf, len, n, type == PQ_FIXED_LEN_BYTE_ARRAY ? type_length : -1,
				  arena, out->v.ba, err);
	}
	case PQ_BYTE_STREAM_SPLIT:
		return decode_bss(type, buf, len, n, arena, out, err);
	default:
		break;
	}
	return unsupported(err, encoding, type);
}
