/*
 * test_codec.c - parquet_decompress (lib/parquet/codec.c): round trips through every codec
 * with the libraries' own compressors on empty, one-byte, 1 MB random and 1 MB repetitive
 * inputs; GZIP with a zlib header and concatenated members; ZSTD with several frames and
 * without recorded sizes; Hadoop-framed LZ4 built by hand, an LZ4 frame and the raw-block
 * fallback; BROTLI from stored meta-blocks written here and from a blob libbrotlienc made
 * (only the decoder is linked).  Wrong sizes, truncations and damaged bytes must fail
 * cleanly; outputs are allocated at exactly their size so ASan sees any overrun.
 */
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <zlib.h>
#include <zstd.h>

#include "parquet.h"
#include "unit.h"

static uint64_t rng_state = 0xc0dec;

struct blob {
	uint8_t *p;
	size_t n;
};

static void blob_append(struct blob *b, const void *p, size_t n)
{
	b->p = realloc(b->p, b->n + n + 1);
	if (!b->p)
		abort();
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

/* ---- compressors ------------------------------------------------------------------------- */

static struct blob c_snappy(const uint8_t *in, size_t n)
{
	struct blob b = { malloc(snappy_max_compressed_length(n)), 0 };

	b.n = snappy_max_compressed_length(n);
	if (snappy_compress((const char *)in, n, (char *)b.p, &b.n) != SNAPPY_OK)
		abort();
	return b;
}

/* windowBits 15 + 16 writes a gzip member, 15 a zlib stream. */
static struct blob c_deflate(const uint8_t *in, size_t n, int window_bits, int level)
{
	z_stream z;
	struct blob b;

	memset(&z, 0, sizeof(z));
	if (deflateInit2(&z, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	b.n = deflateBound(&z, n) + 32;
	b.p = malloc(b.n);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	z.next_out = b.p;
	z.avail_out = (uInt)b.n;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	b.n = z.total_out;
	deflateEnd(&z);
	return b;
}

static struct blob c_zstd(const uint8_t *in, size_t n, bool record_size)
{
	struct blob b = { malloc(ZSTD_compressBound(n)), ZSTD_compressBound(n) };
	ZSTD_CCtx *c = ZSTD_createCCtx();

	ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, record_size);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
	b.n = ZSTD_compress2(c, b.p, b.n, in, n);
	if (ZSTD_isError(b.n))
		abort();
	ZSTD_freeCCtx(c);
	return b;
}

static struct blob c_lz4(const uint8_t *in, size_t n)
{
	int cap = LZ4_compressBound((int)n);
	struct blob b = { malloc((size_t)cap + 1), 0 };
	int r = LZ4_compress_default((const char *)in, (char *)b.p, (int)n, cap);

	if (r <= 0)
		abort();
	b.n = (size_t)r;
	return b;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* Hadoop framing: [BE raw size][BE compressed size][LZ4 block] per chunk of `chunk`. */
static struct blob c_lz4_hadoop(const uint8_t *in, size_t n, size_t chunk)
{
	struct blob b = { NULL, 0 };
	size_t pos = 0;

	do {
		size_t m = n - pos < chunk ? n - pos : chunk;
		struct blob c = c_lz4(in + pos, m);
		uint8_t h[8];

		put_be32(h, (uint32_t)m);
		put_be32(h + 4, (uint32_t)c.n);
		blob_append(&b, h, 8);
		blob_append(&b, c.p, c.n);
		free(c.p);
		pos += m;
	} while (pos < n);
	return b;
}

static struct blob c_lz4_frame(const uint8_t *in, size_t n)
{
	size_t cap = LZ4F_compressFrameBound(n, NULL);
	struct blob b = { malloc(cap), 0 };

	b.n = LZ4F_compressFrame(b.p, cap, in, n, NULL);
	if (LZ4F_isError(b.n))
		abort();
	return b;
}

/* BROTLI made of uncompressed meta-blocks (RFC 7932 9.2), LSB-first bits. */
struct bits {
	struct blob b;
	uint32_t acc;
	int n;
};

static void bits_put(struct bits *w, uint32_t v, int n)
{
	for (int i = 0; i < n; i++) {
		w->acc |= ((v >> i) & 1) << w->n;
		if (++w->n == 8) {
			uint8_t c = (uint8_t)w->acc;
			blob_append(&w->b, &c, 1);
			w->acc = 0;
			w->n = 0;
		}
	}
}

static void bits_flush(struct bits *w)
{
	if (w->n)
		bits_put(w, 0, 8 - w->n);
}

static struct blob c_brotli_stored(const uint8_t *in, size_t n)
{
	struct bits w = { { NULL, 0 }, 0, 0 };
	size_t pos = 0;

	bits_put(&w, 0, 1); /* WBITS = 16 */
	while (pos < n) {
		size_t m = n - pos < 65536 ? n - pos : 65536;

		bits_put(&w, 0, 1);                 /* ISLAST */
		bits_put(&w, 0, 2);                 /* MNIBBLES = 4 */
		bits_put(&w, (uint32_t)(m - 1), 16); /* MLEN - 1 */
		bits_put(&w, 1, 1);                 /* ISUNCOMPRESSED */
		bits_flush(&w);
		blob_append(&w.b, in + pos, m);
		pos += m;
	}
	bits_put(&w, 1, 1); /* ISLAST */
	bits_put(&w, 1, 1); /* ISLASTEMPTY */
	bits_flush(&w);
	return w.b;
}

/* libbrotlienc quality 11 of brotli_text() (generated once; only the decoder is linked). */
static const uint8_t brotli_blob[] = {
	0x1b, 0x6f, 0x06, 0xe0, 0x2d, 0x0e, 0xec, 0x58, 0x0b, 0x78, 0x22, 0xaa, 0x86, 0x39,
	0xcb, 0x8f, 0x50, 0xe9, 0xaa, 0x6c, 0x2a, 0x4f, 0x3c, 0x59, 0xdf, 0x8e, 0xd6, 0x84,
	0x62, 0xd1, 0x49, 0x91, 0x32, 0xba, 0x50, 0x68, 0x91, 0x96, 0xb8, 0x3a, 0x60, 0xc0,
	0x8d, 0xdc, 0x37, 0x1c, 0x1e, 0x52, 0x1a, 0x86, 0x01, 0x46, 0x1a, 0x86, 0x8f, 0x9f,
	0x27, 0x84, 0xa0, 0x0a, 0xa4, 0xf3, 0x43, 0x5d, 0x7c, 0xd8, 0xd3, 0xfa, 0x78, 0x7b,
	0x76, 0xe3, 0x31, 0xff, 0x58, 0xff, 0x31, 0x5e, 0x35, 0x98, 0x39, 0x66, 0x7d, 0x02,
	0x20, 0x4e, 0xaf, 0x24, 0x37, 0xdc, 0x93, 0xa4, 0x4c, 0xe6, 0x64, 0xf3, 0x9a, 0x6f,
	0x49, 0x0a, 0x54, 0x4e, 0x31, 0xa6, 0x6b, 0x84, 0x69, 0x8b, 0x72, 0xc1, 0x9e, 0xc1,
	0x4a, 0x32, 0x91, 0xce, 0x23, 0xcf, 0x6c, 0x9e, 0x6c, 0x76, 0xf3, 0xad, 0x29, 0x05,
	0x2b, 0x5d, 0x82, 0x9c, 0x61, 0xce, 0x85, 0x45, 0x19, 0x88, 0x73, 0x97, 0x33, 0x8f,
	0x91, 0xce, 0xa6, 0x4c, 0xde, 0xf1, 0xfe, 0x44, 0xa9, 0xd9, 0xd5, 0x28, 0x54, 0x13,
	0x28, 0x43, 0x7a, 0x8c, 0xb9, 0x16, 0x4d, 0x12, 0xe6, 0xcc, 0x5a, 0xf2, 0x22, 0x3d,
	0x25, 0xda, 0x64, 0x9f, 0xec, 0x74, 0xb5, 0xdd, 0x6d, 0xfd,
};

static struct blob brotli_text(void)
{
	struct blob b = { NULL, 0 };
	char line[64];

	for (int i = 0; i < 40; i++) {
		int k = snprintf(line, sizeof(line), "{\"path\":\"part-%05d.parquet\",\"size\":%d}\n",
				 i, i * 37);
		blob_append(&b, line, (size_t)k);
	}
	return b;
}

/* ---- inputs ------------------------------------------------------------------------------- */

#define NINPUTS 5
static struct blob inputs[NINPUTS];
static const char *input_names[NINPUTS] = { "empty", "1 byte", "1 MB random", "1 MB repetitive",
					    "text" };

static void make_inputs(void)
{
	size_t mb = 1 << 20;

	inputs[0] = (struct blob){ malloc(1), 0 };
	inputs[1] = (struct blob){ malloc(1), 1 };
	inputs[1].p[0] = 'x';
	inputs[2] = (struct blob){ malloc(mb), mb };
	for (size_t i = 0; i < mb; i += 8) {
		uint64_t r = unit_rng(&rng_state);
		memcpy(inputs[2].p + i, &r, 8);
	}
	inputs[3] = (struct blob){ malloc(mb), mb };
	for (size_t i = 0; i < mb; i++)
		inputs[3].p[i] = (uint8_t)("abcabcabdeltaq"[i % 14] + (i / 100000));
	inputs[4] = brotli_text();
}

/* ---- checks ------------------------------------------------------------------------------- */

/* Decompresses into a buffer of exactly outlen bytes; returns the code. */
static int run(int codec, const struct blob *c, size_t outlen, const uint8_t *expect,
	       struct dq_error *err)
{
	/* Copy the input too, so reading one byte past it is caught. */
	uint8_t *in = malloc(c->n ? c->n : 1), *out = malloc(outlen ? outlen : 1);
	int rc;

	if (c->n)
		memcpy(in, c->p, c->n);
	memset(err, 0, sizeof(*err));
	rc = parquet_decompress(codec, in, c->n, out, outlen, "page 7", err);
	if (rc == 0 && expect)
		CHECKF(!memcmp(out, expect, outlen), "codec %d: output differs", codec);
	if (rc != 0) {
		CHECKF(err->code == DQ_ECORRUPT || err->code == DQ_ENOTIMPL,
		       "codec %d: error code %d", codec, err->code);
		CHECKF(strstr(err->msg, "page 7") != NULL, "message without what: %s", err->msg);
	}
	free(in);
	free(out);
	return rc;
}

/* A good stream: decodes at its size, fails one byte short or long, and fails when cut
 * short (at every byte for small streams, at some for big ones). */
static void check_stream(int codec, const char *name, const struct blob *c, const struct blob *raw)
{
	struct dq_error err;
	int rc;

	rc = run(codec, c, raw->n, raw->p, &err);
	CHECKF(rc == 0, "%s of %zu bytes: %s", name, raw->n, err.msg);
	rc = run(codec, c, raw->n + 1, NULL, &err);
	CHECKF(rc != 0 && err.code == DQ_ECORRUPT, "%s of %zu bytes into %zu+1 accepted", name,
	       raw->n, raw->n);
	if (raw->n > 0) {
		rc = run(codec, c, raw->n - 1, NULL, &err);
		CHECKF(rc != 0 && err.code == DQ_ECORRUPT, "%s of %zu bytes into %zu-1 accepted",
		       name, raw->n, raw->n);
	}
	size_t step = c->n < 300 ? 1 : c->n / 97;
	int bad = 0;
	for (size_t cut = 0; cut < c->n; cut += step) {
		struct blob t = { c->p, cut };

		if (cut == 0 && raw->n == 0)
			continue; /* empty in, empty out: fine whatever the codec */
		if (codec == PQ_LZ4 && cut == 1 && raw->n == 0 && c->p[0] == 0)
			continue; /* "\0" is itself an empty raw LZ4 block, the fallback */
		if (run(codec, &t, raw->n, NULL, &err) == 0 || err.code != DQ_ECORRUPT)
			bad++;
	}
	CHECKF(bad == 0, "%s of %zu bytes: %d truncations accepted", name, raw->n, bad);
}

/* Damaged streams may decode to other bytes, but must never crash or overrun. */
static void fuzz_stream(int codec, const struct blob *c, size_t outlen)
{
	struct blob d = { malloc(c->n ? c->n : 1), c->n };
	struct dq_error err;

	for (int round = 0; round < 200 && c->n; round++) {
		memcpy(d.p, c->p, c->n);
		for (int k = 0; k < 1 + round % 4; k++)
			d.p[unit_rng(&rng_state) % c->n] ^= (uint8_t)(1 + unit_rng(&rng_state) % 255);
		run(codec, &d, outlen, NULL, &err);
	}
	free(d.p);
}

static void test_uncompressed(void)
{
	struct dq_error err;

	for (int i = 0; i < NINPUTS; i++) {
		CHECK_INT(run(PQ_UNCOMPRESSED, &inputs[i], inputs[i].n, inputs[i].p, &err), 0);
		CHECK(run(PQ_UNCOMPRESSED, &inputs[i], inputs[i].n + 1, NULL, &err) != 0);
		CHECK_INT(err.code, DQ_ECORRUPT);
	}
	CHECK(run(PQ_UNCOMPRESSED, &inputs[1], 0, NULL, &err) != 0);
	CHECK_STR(err.msg, "cannot decompress page 7: uncompressed data holds 1 bytes, the page "
			   "header says 0");
}

static void test_snappy(void)
{
	struct dq_error err;

	for (int i = 0; i < NINPUTS; i++) {
		struct blob c = c_snappy(inputs[i].p, inputs[i].n);

		check_stream(PQ_SNAPPY, input_names[i], &c, &inputs[i]);
		if (i == 4)
			fuzz_stream(PQ_SNAPPY, &c, inputs[i].n);
		free(c.p);
	}
	/* A bad varint length, and a copy reaching before the start. */
	struct blob bad1 = { (uint8_t *)"\xff\xff\xff\xff\xff\xff", 6 };
	struct blob bad2 = { (uint8_t *)"\x04\x02\x00\x00", 4 };
	CHECK(run(PQ_SNAPPY, &bad1, 4, NULL, &err) != 0);
	CHECK_STR(err.msg, "cannot decompress page 7: snappy data is corrupt");
	CHECK(run(PQ_SNAPPY, &bad2, 4, NULL, &err) != 0);
	CHECK_INT(err.code, DQ_ECORRUPT);
	/* Zero bytes in, zero out: no decompressor needed, whatever the codec says. */
	struct blob none = { NULL, 0 };
	CHECK_INT(run(PQ_SNAPPY, &none, 0, NULL, &err), 0);
	CHECK(run(PQ_SNAPPY, &none, 1, NULL, &err) != 0);
}

static void test_gzip(void)
{
	struct dq_error err;

	for (int i = 0; i < NINPUTS; i++) {
		struct blob g = c_deflate(inputs[i].p, inputs[i].n, 15 + 16, 6);
		struct blob z = c_deflate(inputs[i].p, inputs[i].n, 15, 1);

		check_stream(PQ_GZIP, input_names[i], &g, &inputs[i]);
		check_stream(PQ_GZIP, input_names[i], &z, &inputs[i]);
		if (i == 4)
			fuzz_stream(PQ_GZIP, &g, inputs[i].n);
		free(g.p);
		free(z.p);
	}
	/* Concatenated members (apache/parquet-testing concatenated_gzip_members.parquet),
	 * an empty one among them. */
	{
		struct blob all = { NULL, 0 }, raw = { NULL, 0 };
		size_t cuts[] = { 0, 1000, 1000, 300000, 1 << 20 };

		for (int k = 0; k + 1 < 5; k++) {
			struct blob m = c_deflate(inputs[3].p + cuts[k], cuts[k + 1] - cuts[k],
						  15 + 16, 9);
			blob_append(&all, m.p, m.n);
			blob_append(&raw, inputs[3].p + cuts[k], cuts[k + 1] - cuts[k]);
			free(m.p);
		}
		CHECK_INT(run(PQ_GZIP, &all, raw.n, raw.p, &err), 0);
		/* Garbage after the last member is not another member. */
		blob_append(&all, "\0\0\0", 3);
		CHECK(run(PQ_GZIP, &all, raw.n, NULL, &err) != 0);
		CHECK_STR(err.msg, "cannot decompress page 7: gzip data is corrupt");
		free(all.p);
		free(raw.p);
	}
	/* A damaged CRC in the trailer. */
	{
		struct blob g = c_deflate(inputs[4].p, inputs[4].n, 15 + 16, 6);

		g.p[g.n - 6] ^= 1;
		CHECK(run(PQ_GZIP, &g, inputs[4].n, NULL, &err) != 0);
		CHECK_INT(err.code, DQ_ECORRUPT);
		free(g.p);
	}
}

static void test_zstd(void)
{
	struct dq_error err;

	for (int i = 0; i < NINPUTS; i++) {
		struct blob a = c_zstd(inputs[i].p, inputs[i].n, true);
		struct blob b = c_zstd(inputs[i].p, inputs[i].n, false);

		check_stream(PQ_ZSTD, input_names[i], &a, &inputs[i]);
		check_stream(PQ_ZSTD, input_names[i], &b, &inputs[i]);
		if (i == 4) {
			fuzz_stream(PQ_ZSTD, &a, inputs[i].n);
			fuzz_stream(PQ_ZSTD, &b, inputs[i].n);
		}
		free(a.p);
		free(b.p);
	}
	/* Two frames, one without its size, then a skippable frame. */
	{
		struct blob a = c_zstd(inputs[3].p, 5000, true);
		struct blob b = c_zstd(inputs[3].p + 5000, 7000, false);
		struct blob all = { NULL, 0 };
		uint8_t skip[12] = { 0x50, 0x2a, 0x4d, 0x18, 4, 0, 0, 0, 1, 2, 3, 4 };

		blob_append(&all, a.p, a.n);
		blob_append(&all, b.p, b.n);
		blob_append(&all, skip, sizeof(skip));
		CHECK_INT(run(PQ_ZSTD, &all, 12000, inputs[3].p, &err), 0);
		CHECK(run(PQ_ZSTD, &all, 12001, NULL, &err) != 0);
		CHECK(run(PQ_ZSTD, &all, 11999, NULL, &err) != 0);
		CHECK_STR(err.msg, "cannot decompress page 7: zstd data holds more than the 11999 "
				   "bytes the page header says");
		free(a.p);
		free(b.p);
		free(all.p);
	}
	/* The recorded size disagrees with the page header before anything is decoded. */
	{
		struct blob a = c_zstd(inputs[4].p, inputs[4].n, true);

		CHECK(run(PQ_ZSTD, &a, 10, NULL, &err) != 0);
		CHECKF(strstr(err.msg, "zstd data holds 1648 bytes, the page header says 10") != NULL,
		       "message: %s", err.msg);
		free(a.p);
	}
}

static void test_lz4_raw(void)
{
	for (int i = 0; i < NINPUTS; i++) {
		struct blob c = c_lz4(inputs[i].p, inputs[i].n);

		check_stream(PQ_LZ4_RAW, input_names[i], &c, &inputs[i]);
		if (i == 4)
			fuzz_stream(PQ_LZ4_RAW, &c, inputs[i].n);
		free(c.p);
	}
}

static void test_lz4_hadoop(void)
{
	struct dq_error err;

	for (int i = 0; i < NINPUTS; i++) {
		struct blob one = c_lz4_hadoop(inputs[i].p, inputs[i].n, SIZE_MAX);
		struct blob many = c_lz4_hadoop(inputs[i].p, inputs[i].n, 100000);
		struct blob frame = c_lz4_frame(inputs[i].p, inputs[i].n);
		struct blob raw = c_lz4(inputs[i].p, inputs[i].n);

		check_stream(PQ_LZ4, input_names[i], &one, &inputs[i]);
		check_stream(PQ_LZ4, input_names[i], &many, &inputs[i]);
		CHECKF(run(PQ_LZ4, &frame, inputs[i].n, inputs[i].p, &err) == 0,
		       "lz4 frame, %s: %s", input_names[i], err.msg);
		CHECK(run(PQ_LZ4, &frame, inputs[i].n + 1, NULL, &err) != 0);
		/* A raw block, as some writers put under this codec. */
		CHECKF(run(PQ_LZ4, &raw, inputs[i].n, inputs[i].p, &err) == 0, "lz4 raw, %s: %s",
		       input_names[i], err.msg);
		CHECK(run(PQ_LZ4, &raw, inputs[i].n + 1, NULL, &err) != 0);
		if (i == 4) {
			fuzz_stream(PQ_LZ4, &many, inputs[i].n);
			fuzz_stream(PQ_LZ4, &frame, inputs[i].n);
		}
		free(one.p);
		free(many.p);
		free(frame.p);
		free(raw.p);
	}
	/* The observed shape: one frame of 465000 bytes. */
	{
		struct blob big = c_lz4_hadoop(inputs[3].p, 465000, SIZE_MAX);
		struct blob raw = { inputs[3].p, 465000 };

		CHECK_INT(big.p[0] << 24 | big.p[1] << 16 | big.p[2] << 8 | big.p[3], 465000);
		CHECK_INT(run(PQ_LZ4, &big, 465000, raw.p, &err), 0);
		/* A frame header claiming more than is there. */
		big.p[7] += 1;
		CHECK(run(PQ_LZ4, &big, 465000, NULL, &err) != 0);
		CHECK_STR(err.msg, "cannot decompress page 7: lz4 data is corrupt");
		free(big.p);
	}
}

static void test_brotli(void)
{
	struct dq_error err;
	struct blob text = brotli_text(), blob = { (uint8_t *)brotli_blob, sizeof(brotli_blob) };

	CHECK_INT(text.n, 1648);
	check_stream(PQ_BROTLI, "libbrotlienc blob", &blob, &text);
	fuzz_stream(PQ_BROTLI, &blob, text.n);
	for (int i = 0; i < NINPUTS; i++) {
		struct blob c = c_brotli_stored(inputs[i].p, inputs[i].n);

		check_stream(PQ_BROTLI, input_names[i], &c, &inputs[i]);
		/* Bytes after the end of the stream. */
		blob_append(&c, "x", 1);
		CHECK(run(PQ_BROTLI, &c, inputs[i].n, NULL, &err) != 0);
		CHECK_STR(err.msg, "cannot decompress page 7: brotli data is corrupt");
		free(c.p);
	}
	free(text.p);
}

static void test_unsupported(void)
{
	struct dq_error err;
	struct blob c = { (uint8_t *)"abc", 3 };

	CHECK(run(PQ_LZO, &c, 3, NULL, &err) != 0);
	CHECK_INT(err.code, DQ_ENOTIMPL);
	CHECK_STR(err.msg, "cannot decompress page 7: unsupported compression codec LZO");
	CHECK(run(42, &c, 3, NULL, &err) != 0);
	CHECK_INT(err.code, DQ_ENOTIMPL);
	CHECK_STR(err.msg, "cannot decompress page 7: unsupported compression codec 42");
	c.n = 0;
	CHECK(run(PQ_LZO, &c, 0, NULL, &err) != 0);
	CHECK(run(-1, &c, 0, NULL, &err) != 0);
	CHECK_INT(err.code, DQ_ENOTIMPL);
}

int main(void)
{
	make_inputs();
	unit_run("uncompressed", test_uncompressed);
	unit_run("snappy", test_snappy);
	unit_run("gzip", test_gzip);
	unit_run("zstd", test_zstd);
	unit_run("lz4_raw", test_lz4_raw);
	unit_run("lz4 (hadoop, frame, raw)", test_lz4_hadoop);
	unit_run("brotli", test_brotli);
	unit_run("unsupported codecs", test_unsupported);
	for (int i = 0; i < NINPUTS; i++)
		free(inputs[i].p);
	return unit_done();
}
