/*
 * snappy_stream.h - raw Snappy decompression a piece at a time through a window buffer
 * (see snappy_stream.c).  Internal to the Parquet reader.
 */
#ifndef DQ_SNAPPY_STREAM_H
#define DQ_SNAPPY_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	SNAPPY_STREAM_CORRUPT = -1,     /* not valid Snappy, or shorter than it says */
	SNAPPY_STREAM_FAR = -2,         /* a back-reference before the window: decompress whole */
	SNAPPY_STREAM_NOROOM = -3,      /* the bytes asked to keep do not fit: snappy_stream_grow */
};

struct snappy_stream {
	const uint8_t *in, *end;        /* compressed input not yet decoded */
	size_t total;                   /* uncompressed length (the preamble) */
	size_t produced;                /* output bytes decoded so far */
	uint8_t *buf;                   /* the window: buf[0] is output byte `base` */
	size_t base, cap;
};

/* Reads the preamble of in[0..len); buf (borrowed, cap >= 160 KiB) becomes the window. */
int snappy_stream_init(struct snappy_stream *s, const uint8_t *in, size_t len, uint8_t *buf,
		       size_t cap);
/*
 * Decodes until output bytes [keep, want) are all in the window (want <= total), keeping
 * those from `keep` on: pointers from snappy_stream_at die here.  0 or an enum value.
 */
int snappy_stream_fill(struct snappy_stream *s, size_t want, size_t keep);
/* Moves the window into buf (borrowed, bigger than the old one). */
void snappy_stream_grow(struct snappy_stream *s, uint8_t *buf, size_t cap);
/* Output byte `pos` in the window (pos in [base, produced]), else NULL. */
const uint8_t *snappy_stream_at(const struct snappy_stream *s, size_t pos);
/* Whether all output is decoded and all input used. */
bool snappy_stream_done(const struct snappy_stream *s);

#endif
