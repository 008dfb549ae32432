/*
 * version.c - deltaq's own version and those of the libraries it was built with, for
 * `deltaq --version` and bug reports.
 */
#include <stdio.h>

#include <brotli/decode.h>
#include <lz4.h>
#include <zlib.h>
#include <zstd.h>

#include "deltaq.h"
#include "larchive.h"

const char *dq_version_string(void)
{
	static char buf[512];
	if (!buf[0]) {
		uint32_t b = BrotliDecoderVersion();
		struct dq_error err;
		const struct larchive *la = larchive(&err);
		snprintf(buf, sizeof(buf),
			 "deltaq %s\njansson %s\n%s\nzstd %s\nzlib %s\nlz4 %s\nbrotli %u.%u.%u\n",
			 DQ_VERSION, JANSSON_VERSION, la ? la->archive_version_string() : "libarchive (not found)", ZSTD_versionString(),
			 zlibVersion(), LZ4_versionString(), b >> 24, (b >> 12) & 0xFFF, b & 0xFFF);
	}
	return buf;
}
