/*
 * test_snappy_stream.c - lib/parquet/snappy_stream.c against libsnappy: whatever
 * snappy_compress makes (runs, repeats near and far, long literals, random bytes) comes
 * back byte for byte through the window, read in pieces of every size with the caller
 * keeping what it still needs; a back-reference before the window is SNAPPY_STREAM_FAR,
 * never wrong bytes; truncated or damaged input is SNAPPY_STREAM_CORRUPT (or bytes that
 * the window got right), never a crash or a read outside the input.
 */
#include <stdlib.h>
#include <string.h>

#include <snappy-c.h>

#include "snappy_stream.h"
#include "unit.h"

#define WIN (160 << 10)

static uint64_t seed = 42;

/* Test data of kind k: text with repeats, runs, random bytes, or a mix. */
static void make_data(int k, uint8_t *p, size_t n)
{
	static const char *const words[] = { "{\"numRecords\":", "\"minValues\":{\"id\":",
					     "\"name\":\"", "aaaa", "\"},", "2024-01-01" };
	for (size_t i = 0; i < n;) {
		uint64_t r = unit_rng(&seed);
		if (k == 0 || (k == 3 && r % 3 == 0)) {
			const char *w = words[r % 6];
			size_t l = strlen(w);
			for (size_t j = 0; j < l && i < n; j++)
				p[i++] = (uint8_t)w[j];
		} else if (k == 1 || (k == 3 && r % 3 == 1)) {
			size_t l = 1 + (r >> 8) % 300;
			for (size_t j = 0; j < l && i < n; j++)
				p[i++] = (uint8_t)(r >> 40);
		} else {
			p[i++] = (uint8_t)(r >> 24);
		}
	}
}

/* Decodes c[0..clen) through the window in steps of `step`, keeping `lag` bytes behind. */
static int stream_all(const uint8_t *c, size_t clen, uint8_t *out, size_t n, size_t step,
		      size_t lag)
{
	static uint8_t win[WIN];
	uint8_t *big = NULL;
	struct snappy_stream s;
	int rc = snappy_stream_init(&s, c, clen, win, sizeof(win));
	if (rc)
		return rc;
	if (s.total != n)
		return 99;
	size_t done = 0;
	while (done < n) {
		size_t want = done + step < n ? done + step : n;
		size_t keep = done > lag ? done - lag : 0;
		rc = snappy_stream_fill(&s, want, keep);
		while (rc == SNAPPY_STREAM_NOROOM) {
			/* what the caller keeps (or a literal) outgrew the window: a bigger one */
			size_t cap = 2 * s.cap;
			uint8_t *w = malloc(cap);
			snappy_stream_grow(&s, w, cap);
			free(big);
			big = w;
			rc = snappy_stream_fill(&s, want, keep);
		}
		if (rc) {
			free(big);
			return rc;
		}
		const uint8_t *p = snappy_stream_at(&s, keep);
		if (!p) {
			free(big);
			return 98;
		}
		memcpy(out + keep, p, want - keep);
		done = want;
	}
	free(big);
	return snappy_stream_done(&s) ? 0 : 97;
}

static void test_roundtrip(void)
{
	size_t sizes[] = { 1, 15, 16, 17, 100, 4096, 65535, 65536, 65537, 200000, 1 << 20 };
	size_t steps[] = { 1, 7, 4096, 100000, 1 << 20 };
	for (int k = 0; k < 4; k++)
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			size_t n = sizes[i], clen = snappy_max_compressed_length(n);
			uint8_t *d = malloc(n), *c = malloc(clen), *o = malloc(n);
			make_data(k, d, n);
			CHECK(snappy_compress((const char *)d, n, (char *)c, &clen) == SNAPPY_OK);
			for (size_t j = 0; j < sizeof(steps) / sizeof(steps[0]); j++) {
				memset(o, 0, n);
				int rc = stream_all(c, clen, o, n, steps[j], steps[j] % 5000);
				CHECKF(rc == 0 && !memcmp(o, d, n), "kind %d size %zu step %zu: rc %d", k, n,
				       steps[j], rc);
			}
			free(d), free(c), free(o);
		}
}

/* 200,040 bytes of 60-byte literals, then a copy of 10 bytes from offset 150,000: valid
 * Snappy that reaches before the 64 KiB window (the window has slid by then). */
static void test_far(void)
{
	size_t n = 200040, lits = n / 60;
	uint8_t *c = malloc(n + lits + 64), *o = malloc(n + 10);
	size_t k = 0, out = n + 10;
	c[k++] = (uint8_t)(out & 0x7f) | 0x80;
	c[k++] = (uint8_t)((out >> 7) & 0x7f) | 0x80;
	c[k++] = (uint8_t)(out >> 14);
	for (size_t l = 0; l < lits; l++) {
		c[k++] = 59 << 2; /* literal of 60 bytes */
		for (size_t i = 0; i < 60; i++)
			c[k++] = (uint8_t)((l * 60 + i) * 7);
	}
	c[k++] = (uint8_t)(((10 - 1) << 2) | 3); /* copy, 4-byte offset */
	uint32_t off = 150000;
	memcpy(c + k, &off, 4);
	k += 4;
	CHECK(snappy_validate_compressed_buffer((const char *)c, k) == SNAPPY_OK);
	CHECK_INT(stream_all(c, k, o, out, 1000, 0), SNAPPY_STREAM_FAR);
	/* the same offset is fine while the window still holds it */
	off = 60000;
	memcpy(c + k - 4, &off, 4);
	CHECK_INT(stream_all(c, k, o, out, 1000, 0), 0);
	CHECK(!memcmp(o + n, o + n - 60000, 10));
	free(c), free(o);
}

static void test_corrupt(void)
{
	size_t n = 100000, clen = snappy_max_compressed_length(n);
	uint8_t *d = malloc(n), *c = malloc(clen), *o = malloc(n), *x = malloc(clen);
	make_data(3, d, n);
	CHECK(snappy_compress((const char *)d, n, (char *)c, &clen) == SNAPPY_OK);
	/* every truncation fails (the copy keeps no bytes past its end, for ASan) */
	for (size_t t = 0; t < clen; t += 1 + t / 50) {
		uint8_t *tc = malloc(t ? t : 1);
		memcpy(tc, c, t);
		CHECKF(stream_all(tc, t, o, n, 5000, 100) != 0, "truncated at %zu", t);
		free(tc);
	}
	/* flipped bytes: an error, or exactly what libsnappy makes of them */
	for (int r = 0; r < 300; r++) {
		memcpy(x, c, clen);
		x[unit_rng(&seed) % clen] ^= (uint8_t)(1 + unit_rng(&seed) % 255);
		size_t want;
		if (snappy_uncompressed_length((const char *)x, clen, &want) != SNAPPY_OK || want > 4 * n)
			continue;
		uint8_t *ref = malloc(want ? want : 1), *got = malloc(want ? want : 1);
		size_t rn = want;
		bool ok = snappy_uncompress((const char *)x, clen, (char *)ref, &rn) == SNAPPY_OK;
		int rc = stream_all(x, clen, got, want, 3000, 100);
		if (rc == 0)
			CHECKF(ok && rn == want && !memcmp(ref, got, want), "flip %d: bytes differ", r);
		else
			CHECK(rc != 98);
		free(ref), free(got);
	}
	free(d), free(c), free(o), free(x);
}

int main(void)
{
	unit_run("round trip", test_roundtrip);
	unit_run("far back-reference", test_far);
	unit_run("corrupt input", test_corrupt);
	return unit_done();
}
