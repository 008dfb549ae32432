/*
 * encoding.h - the pieces of encoding.c that other Parquet modules and the unit tests use
 * beyond parquet.h: names for messages, the ULEB128 varint, the deprecated BIT_PACKED level
 * encoding and a DELTA_BINARY_PACKED decoder that reports where its stream ends.
 * Internal to libdeltaq.
 */
#ifndef DQ_PARQUET_ENCODING_H
#define DQ_PARQUET_ENCODING_H

#include <stddef.h>
#include <stdint.h>

#include "parquet.h"

/* Names as in parquet.thrift for messages ("RLE_DICTIONARY", "FIXED_LEN_BYTE_ARRAY",
 * "LZ4_RAW"); NULL for a value the reader does not know, so callers print the number. */
const char *parquet_encoding_name(int encoding);
const char *parquet_type_name(int type);
const char *parquet_codec_name(int codec);

/* Reads an unsigned LEB128 varint of at most 10 bytes (64 bits) at *p, stopping at end.
 * Advances *p and returns 0, or returns -1 when the varint is truncated or too long. */
int parquet_uleb128(const uint8_t **p, const uint8_t *end, uint64_t *out);

/*
 * The deprecated BIT_PACKED encoding (4) of levels: n values of bit_width (0..32) packed
 * from the most significant bit of each byte down, no run headers, in ceil(n*bw/8)
 * bytes.  *consumed (may be NULL) gets that size.  DQ_ECORRUPT when buf is too short.
 */
int parquet_bitpacked_decode(const uint8_t *buf, size_t len, int bit_width, uint32_t *out,
			     size_t n, size_t *consumed, struct dq_error *err);

/*
 * DELTA_BINARY_PACKED: checks the whole stream in buf[0..len) and finds its end
 * (*consumed, may be NULL: up to the last miniblock holding values; the unused miniblocks
 * of the last block have bit widths but no data) and its value count (*count, may be NULL),
 * without allocating.  Then, when out32 or out64 is non-NULL, stores the first `want`
 * values there (int32 with wrapping, or int64); DQ_ECORRUPT if the stream holds fewer.
 * Arithmetic wraps modulo 2^64, so deltas between INT64_MIN and INT64_MAX work, and
 * miniblock bit widths up to 64 are accepted for both types.
 */
int parquet_delta_decode(const uint8_t *buf, size_t len, size_t want, int32_t *out32,
			 int64_t *out64, uint64_t *count, size_t *consumed, struct dq_error *err);

#endif
