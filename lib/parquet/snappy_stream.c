/*
 * snappy_stream.c - raw Snappy decompression a piece at a time, through a window buffer
 * (google/snappy:format_description.txt).  A checkpoint's add.stats page can be 46 MB once
 * decompressed (DuckDB writes one page per column chunk); a scan that only needs each
 * value once is faster reading it from a few hundred KiB of cache-warm window than from a
 * page-sized buffer faulted in and written out to memory first.
 *
 * The window keeps what the caller still needs (from `keep` on) and the last
 * SNAPPY_WINDOW bytes of output for back-references.  Snappy's own compressor (and
 * others) never refer further back than 64 KiB, but the format allows any offset: one
 * that reaches before the window gives SNAPPY_STREAM_FAR, and the caller decompresses
 * the page whole instead.  Every length and offset is checked against the input and the
 * output produced, as snappy_uncompress does.
 */
#include <stdlib.h>
#include <string.h>

#include "snappy_stream.h"

#define SNAPPY_WINDOW ((size_t)1 << 16)
#define SLACK 64        /* bytes the copy loops may write past the end of a tag's output */

int snappy_stream_init(struct snappy_stream *s, const uint8_t *in, size_t len, uint8_t *buf,
		       size_t cap)
{
	uint64_t total = 0;
	size_t i = 0;

	memset(s, 0, sizeof(*s));
	for (int shift = 0; shift <= 28; shift += 7) {
		if (i >= len)
			return SNAPPY_STREAM_CORRUPT;
		uint8_t b = in[i++];
		total |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
		if (shift == 28)
			return SNAPPY_STREAM_CORRUPT;
	}
	if (total > UINT32_MAX || cap < 2 * SNAPPY_WINDOW + SLACK)
		return SNAPPY_STREAM_CORRUPT;
	s->in = in + i;
	s->end = in + len;
	s->total = (size_t)total;
	s->buf = buf;
	s->cap = cap;
	return 0;
}

/*
 * Room for n more bytes (plus SLACK) at the end of the output in the window: drops what
 * is before both `keep` and the back-reference window.  SNAPPY_STREAM_NOROOM when even
 * then the window is too small (a value bigger than it): the caller gives a bigger one.
 */
static int room(struct snappy_stream *s, size_t n, size_t keep)
{
	size_t used = s->produced - s->base;
	if (used + n + SLACK <= s->cap)
		return 0;
	size_t from = s->produced > SNAPPY_WINDOW ? s->produced - SNAPPY_WINDOW : 0;
	if (keep < from)
		from = keep;
	if (from > s->base) {
		size_t drop = from - s->base;
		memmove(s->buf, s->buf + drop, used - drop);
		s->base = from;
		used -= drop;
	}
	return used + n + SLACK <= s->cap ? 0 : SNAPPY_STREAM_NOROOM;
}

static inline uint32_t le(const uint8_t *p, int n)
{
	uint32_t v = 0;
	for (int i = 0; i < n; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

int snappy_stream_fill(struct snappy_stream *s, size_t want, size_t keep)
{
	if (want > s->total)
		return SNAPPY_STREAM_CORRUPT;
	/* The state lives in locals while decoding: stores through the byte pointers could
	 * alias *s, and reloading it for every tag costs more than the tag. */
	const uint8_t *in = s->in, *end = s->end;
	uint8_t *buf = s->buf;
	size_t produced = s->produced, base = s->base, cap = s->cap, total = s->total;
	int rc = 0;
	while (produced < want) {
		if (in >= end) {
			rc = SNAPPY_STREAM_CORRUPT;
			break;
		}
		const uint8_t *at_tag = in;
		uint8_t tag = *in++;
		size_t len, off = 0;
		switch (tag & 3) {
		case 0:
			len = tag >> 2;
			if (len >= 60) {
				int nb = (int)len - 59;
				if (end - in < nb)
					return SNAPPY_STREAM_CORRUPT;
				len = le(in, nb);
				in += nb;
			}
			len += 1;
			if ((size_t)(end - in) < len)
				return SNAPPY_STREAM_CORRUPT;
			break;
		case 1:
			if (end - in < 1)
				return SNAPPY_STREAM_CORRUPT;
			len = 4 + ((tag >> 2) & 7);
			off = (size_t)(tag >> 5) << 8 | *in++;
			break;
		case 2:
			if (end - in < 2)
				return SNAPPY_STREAM_CORRUPT;
			len = 1 + (tag >> 2);
			off = (size_t)in[0] | (size_t)in[1] << 8;
			in += 2;
			break;
		default:
			if (end - in < 4)
				return SNAPPY_STREAM_CORRUPT;
			len = 1 + (tag >> 2);
			off = le(in, 4);
			in += 4;
			break;
		}
		if (len > total - produced)
			return SNAPPY_STREAM_CORRUPT;
		if (produced - base + len + SLACK > cap) {
			/* consistent state before the window moves: this tag is decoded again
			 * after a failure (snappy_stream_grow, then fill) */
			s->in = at_tag;
			s->produced = produced;
			if ((rc = room(s, len, keep)))
				return rc;
			base = s->base;
		}
		uint8_t *dst = buf + (produced - base);
		if ((tag & 3) == 0) {
			if (len <= 16 && end - in >= 16)
				memcpy(dst, in, 16); /* the rest is overwritten or never read */
			else
				memcpy(dst, in, len);
			in += len;
		} else {
			if (off == 0 || off > produced)
				return SNAPPY_STREAM_CORRUPT;
			if (off > produced - base)
				return SNAPPY_STREAM_FAR;
			const uint8_t *src = dst - off;
			if (off >= 16 && len <= 16) {
				memcpy(dst, src, 16);
			} else if (off >= 8) {
				/* 8 bytes at a time: each read is of bytes already written */
				for (size_t i = 0; i < len; i += 8)
					memcpy(dst + i, src + i, 8);
			} else {
				for (size_t i = 0; i < len; i++)
					dst[i] = src[i];
			}
		}
		produced += len;
	}
	s->in = in;
	s->produced = produced;
	return rc;
}

const uint8_t *snappy_stream_at(const struct snappy_stream *s, size_t pos)
{
	return pos >= s->base && pos <= s->produced ? s->buf + (pos - s->base) : NULL;
}

bool snappy_stream_done(const struct snappy_stream *s)
{
	return s->produced == s->total && s->in == s->end;
}

void snappy_stream_grow(struct snappy_stream *s, uint8_t *buf, size_t cap)
{
	memcpy(buf, s->buf, s->produced - s->base);
	s->buf = buf;
	s->cap = cap;
}
