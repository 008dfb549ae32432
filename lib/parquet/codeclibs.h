/*
 * codeclibs.h - the page codecs' libraries, loaded when a page first needs one
 * (dynlib.h): snappy alone pulls libstdc++ into the process, and most commands decompress
 * nothing (footers, JSON commits).  zlib stays linked: it is small, and its crc32 checks
 * pages and deletion vectors.  Loaders in codec.c.
 */
#ifndef DQ_PARQUET_CODECLIBS_H
#define DQ_PARQUET_CODECLIBS_H

#include <brotli/decode.h>
#include <lz4.h>
#include <lz4frame.h>
#include <snappy-c.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "dynlib.h"

#define LSNAPPY_SYMBOLS(X) X(snappy_uncompress) X(snappy_uncompressed_length)
#define LZSTD_SYMBOLS(X)                                                                   \
	X(ZSTD_decompress) X(ZSTD_findFrameCompressedSize) X(ZSTD_getErrorCode)            \
	X(ZSTD_getErrorName) X(ZSTD_getFrameContentSize) X(ZSTD_isError)                   \
	X(ZSTD_versionString)
#define LLZ4_SYMBOLS(X)                                                                    \
	X(LZ4F_createDecompressionContext) X(LZ4F_decompress)                              \
	X(LZ4F_freeDecompressionContext) X(LZ4F_isError) X(LZ4F_resetDecompressionContext) \
	X(LZ4_decompress_safe) X(LZ4_versionString)
#define LBROTLI_SYMBOLS(X)                                                                 \
	X(BrotliDecoderCreateInstance) X(BrotliDecoderDecompressStream)                    \
	X(BrotliDecoderDestroyInstance) X(BrotliDecoderVersion)

DYNLIB_STRUCT(lsnappy, LSNAPPY_SYMBOLS);
DYNLIB_STRUCT(lzstd, LZSTD_SYMBOLS);
DYNLIB_STRUCT(llz4, LLZ4_SYMBOLS);
DYNLIB_STRUCT(lbrotli, LBROTLI_SYMBOLS);

const struct lsnappy *lsnappy(struct dq_error *err);
const struct lzstd *lzstd(struct dq_error *err);
const struct llz4 *llz4(struct dq_error *err);
const struct lbrotli *lbrotli(struct dq_error *err);

#endif
