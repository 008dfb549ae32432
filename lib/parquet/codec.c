/*
 * codec.c - page decompression (apache/parquet-format:Compression.md) with the system
 * libraries: UNCOMPRESSED, SNAPPY (raw block), GZIP (zlib, concatenated members allowed),
 * ZSTD (one or more frames), LZ4_RAW (one block), the deprecated LZ4 (Hadoop framing, else
 * an LZ4 frame or a raw block, the way arrow reads what older writers produced) and BROTLI.
 * LZO is refused.
 *
 * The page header gives the uncompressed size; the output buffer is exactly that big and
 * the data must fill it exactly and use up its input.  Nothing is written past outlen.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <zlib.h>

#include "codeclibs.h"
#include "encoding.h"

/* The codecs' libraries, loaded by the first page that needs one (codeclibs.h).  The
 * sonames are those of the headers' major versions. */
DYNLIB_LOADER(lsnappy, "libsnappy.so.1", LSNAPPY_SYMBOLS)
DYNLIB_LOADER(lzstd, "libzstd.so.1", LZSTD_SYMBOLS)
DYNLIB_LOADER(llz4, "liblz4.so.1", LLZ4_SYMBOLS)
DYNLIB_LOADER(lbrotli, "libbrotlidec.so.1", LBROTLI_SYMBOLS)

static int corrupt(struct dq_error *err, const char *what, const char *codec)
{
	return dq_fail(err, DQ_ECORRUPT, "cannot decompress %s: %s data is corrupt", what, codec);
}

static int wrong_size(struct dq_error *err, const char *what, const char *codec,
		      unsigned long long got, size_t want)
{
	return dq_fail(err, DQ_ECORRUPT,
		       "cannot decompress %s: %s data holds %llu bytes, the page header says %zu",
		       what, codec, got, want);
}

static int decompress_snappy(const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen,
			     const char *what, struct dq_error *err)
{
	const struct lsnappy *sn = lsnappy(err);
	size_t n;

	if (!sn)
		return err->code;
	/* snappy_uncompress checks every copy against the input and the output it is given,
	 * so a separate snappy_validate_compressed_buffer pass would only cost time. */
	if (sn->snappy_uncompressed_length((const char *)in, inlen, &n) != SNAPPY_OK)
		return corrupt(err, what, "snappy");
	if (n != outlen)
		return wrong_size(err, what, "snappy", n, outlen);
	if (sn->snappy_uncompress((const char *)in, inlen, (char *)out, &n) != SNAPPY_OK ||
	    n != outlen)
		return corrupt(err, what, "snappy");
	return 0;
}

static int decompress_gzip(const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen,
			   const char *what, struct dq_error *err)
{
	z_stream z;
	size_t in_left = inlen, out_left = outlen;
	int ret, rc = 0;

	memset(&z, 0, sizeof(z));
	if (inflateInit2(&z, 15 + 32) != Z_OK) /* gzip or zlib header, detected */
		return dq_fail(err, DQ_ENOMEM, "cannot decompress %s: out of memory", what);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.next_out = out;
	for (;;) {
		/* zlib counts in uInt: feed it at most UINT_MAX at a time. */
		uInt ai = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
		uInt ao = out_left > UINT_MAX ? UINT_MAX : (uInt)out_left;

		z.avail_in = ai;
		z.avail_out = ao;
		ret = inflate(&z, Z_NO_FLUSH);
		in_left -= ai - z.avail_in;
		out_left -= ao - z.avail_out;
		if (ret == Z_STREAM_END) {
			if (in_left == 0)
				break;
			/* Another member follows (Compression.md allows several). */
			if (inflateReset(&z) != Z_OK) {
				rc = corrupt(err, what, "gzip");
				break;
			}
			continue;
		}
		if (ret == Z_OK)
			continue;
		if (ret == Z_BUF_ERROR && out_left == 0) {
			rc = dq_fail(err, DQ_ECORRUPT,
				     "cannot decompress %s: gzip data holds more than the %zu bytes "
				     "the page header says",
				     what, outlen);
			break;
		}
		if (ret == Z_MEM_ERROR)
			rc = dq_fail(err, DQ_ENOMEM, "cannot decompress %s: out of memory", what);
		else
			rc = corrupt(err, what, "gzip"); /* Z_DATA_ERROR, or truncated */
		break;
	}
	inflateEnd(&z);
	if (rc == 0 && out_left != 0)
		rc = wrong_size(err, what, "gzip", (unsigned long long)(outlen - out_left), outlen);
	return rc;
}

static int decompress_zstd(const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen,
			   const char *what, struct dq_error *err)
{
	const struct lzstd *zs = lzstd(err);
	const uint8_t *p = in;
	size_t left = inlen, r;
	unsigned long long sum = 0;
	bool known = true;

	if (!zs)
		return err->code;

	/* Add up the content sizes the frames record, to reject a mismatch before decoding. */
	while (left > 0) {
		unsigned long long fcs = zs->ZSTD_getFrameContentSize(p, left);
		size_t fsize;

		if (fcs == ZSTD_CONTENTSIZE_ERROR)
			return corrupt(err, what, "zstd");
		if (fcs == ZSTD_CONTENTSIZE_UNKNOWN)
			known = false;
		else if (fcs > ULLONG_MAX - sum)
			return corrupt(err, what, "zstd");
		else
			sum += fcs;
		fsize = zs->ZSTD_findFrameCompressedSize(p, left);
		if (zs->ZSTD_isError(fsize) || fsize == 0 || fsize > left)
			return corrupt(err, what, "zstd");
		p += fsize;
		left -= fsize;
	}
	if (known && sum != outlen)
		return wrong_size(err, what, "zstd", sum, outlen);
	r = zs->ZSTD_decompress(out, outlen, in, inlen);
	if (zs->ZSTD_isError(r)) {
		if (zs->ZSTD_getErrorCode(r) == ZSTD_error_dstSize_tooSmall)
			return dq_fail(err, DQ_ECORRUPT,
				       "cannot decompress %s: zstd data holds more than the %zu "
				       "bytes the page header says",
				       what, outlen);
		return dq_fail(err, DQ_ECORRUPT, "cannot decompress %s: zstd data is corrupt (%s)",
			       what, zs->ZSTD_getErrorName(r));
	}
	if (r != outlen)
		return wrong_size(err, what, "zstd", r, outlen);
	return 0;
}

/* One raw LZ4 block of exactly outlen bytes; false otherwise. */
static bool lz4_block(const struct llz4 *lz, const uint8_t *in, size_t inlen, uint8_t *out,
		      size_t outlen)
{
	if (inlen > INT_MAX || outlen > INT_MAX)
		return false;
	return lz->LZ4_decompress_safe((const char *)in, (char *)out, (int)inlen, (int)outlen) ==
	       (int)outlen;
}

static uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Hadoop's framing, as arrow reads it: [BE u32 raw size][BE u32 block size][block]...,
 * filling exactly outlen bytes. */
static bool lz4_hadoop(const struct llz4 *lz, const uint8_t *in, size_t inlen, uint8_t *out,
		       size_t outlen)
{
	size_t pos = 0, done = 0;

	if (inlen < 8)
		return false;
	while (pos < inlen) {
		uint32_t raw, clen;

		if (inlen - pos < 8)
			return false;
		raw = load_be32(in + pos);
		clen = load_be32(in + pos + 4);
		pos += 8;
		if (clen > inlen - pos || raw > outlen - done)
			return false;
		if (!lz4_block(lz, in + pos, clen, out + done, raw))
			return false;
		pos += clen;
		done += raw;
	}
	return done == outlen;
}

/* The LZ4 frame format (lz4frame.h), which older arrow-rs wrote for this codec. */
static bool lz4_frame(const struct llz4 *lz, const uint8_t *in, size_t inlen, uint8_t *out,
		      size_t outlen)
{
	LZ4F_dctx *dctx;
	size_t pos = 0, done = 0, hint = 1;

	if (inlen < 4 || in[0] != 0x04 || in[1] != 0x22 || in[2] != 0x4d || in[3] != 0x18)
		return false;
	if (lz->LZ4F_isError(lz->LZ4F_createDecompressionContext(&dctx, LZ4F_VERSION)))
		return false;
	while (pos < inlen) {
		size_t src = inlen - pos, dst = outlen - done;
		uint8_t spare;

		/* LZ4F_decompress wants somewhere to write even when nothing is left to. */
		hint = lz->LZ4F_decompress(dctx, dst ? out + done : &spare, &dst, in + pos, &src, NULL);
		if (lz->LZ4F_isError(hint))
			break;
		pos += src;
		done += dst;
		if (hint == 0) {
			/* End of a frame; another may follow. */
			lz->LZ4F_resetDecompressionContext(dctx);
			if (pos == inlen)
				break;
			hint = 1;
		} else if (src == 0 && dst == 0) {
			break; /* no progress: truncated */
		}
	}
	lz->LZ4F_freeDecompressionContext(dctx);
	return !lz->LZ4F_isError(hint) && hint == 0 && pos == inlen && done == outlen;
}

static int decompress_brotli(const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen,
			     const char *what, struct dq_error *err)
{
	const struct lbrotli *br = lbrotli(err);
	if (!br)
		return err->code;
	BrotliDecoderState *s = br->BrotliDecoderCreateInstance(NULL, NULL, NULL);
	const uint8_t *next_in = in;
	uint8_t *next_out = out;
	size_t avail_in = inlen, avail_out = outlen;
	BrotliDecoderResult r;

	if (!s)
		return dq_fail(err, DQ_ENOMEM, "cannot decompress %s: out of memory", what);
	r = br->BrotliDecoderDecompressStream(s, &avail_in, &next_in, &avail_out, &next_out, NULL);
	br->BrotliDecoderDestroyInstance(s);
	if (r == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
		return dq_fail(err, DQ_ECORRUPT,
			       "cannot decompress %s: brotli data holds more than the %zu bytes "
			       "the page header says",
			       what, outlen);
	if (r != BROTLI_DECODER_RESULT_SUCCESS || avail_in != 0)
		return corrupt(err, what, "brotli");
	if (avail_out != 0)
		return wrong_size(err, what, "brotli", (unsigned long long)(outlen - avail_out),
				  outlen);
	return 0;
}

int parquet_decompress(int codec, const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen,
		       const char *what, struct dq_error *err)
{
	static const uint8_t none[1];
	uint8_t spare[1];
	const struct llz4 *lz;

	/* An empty page needs no decompressor (an empty input is not valid snappy). */
	if (inlen == 0 && outlen == 0 && codec != PQ_LZO && parquet_codec_name(codec))
		return 0;
	/* The libraries get real pointers even for empty buffers. */
	if (!in) {
		in = none;
		inlen = 0;
	}
	if (!out || outlen == 0) {
		out = spare;
		outlen = 0;
	}
	switch (codec) {
	case PQ_UNCOMPRESSED:
		if (inlen != outlen)
			return wrong_size(err, what, "uncompressed", inlen, outlen);
		memcpy(out, in, outlen);
		return 0;
	case PQ_SNAPPY:
		return decompress_snappy(in, inlen, out, outlen, what, err);
	case PQ_GZIP:
		return decompress_gzip(in, inlen, out, outlen, what, err);
	case PQ_ZSTD:
		return decompress_zstd(in, inlen, out, outlen, what, err);
	case PQ_LZ4_RAW:
		if (!(lz = llz4(err)))
			return err->code;
		if (!lz4_block(lz, in, inlen, out, outlen))
			return corrupt(err, what, "lz4");
		return 0;
	case PQ_LZ4:
		if (!(lz = llz4(err)))
			return err->code;
		if (!lz4_hadoop(lz, in, inlen, out, outlen) && !lz4_frame(lz, in, inlen, out, outlen) &&
		    !lz4_block(lz, in, inlen, out, outlen))
			return corrupt(err, what, "lz4");
		return 0;
	case PQ_BROTLI:
		return decompress_brotli(in, inlen, out, outlen, what, err);
	case PQ_LZO:
		return dq_fail(err, DQ_ENOTIMPL,
			       "cannot decompress %s: unsupported compression codec LZO", what);
	default:
		return dq_fail(err, DQ_ENOTIMPL,
			       "cannot decompress %s: unsupported compression codec %d", what, codec);
	}
}
