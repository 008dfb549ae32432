/*
 * version.c - deltaq's own version and those of the libraries it was built with, for
 * `deltaq --version` and bug reports.
 */
#include <stdio.h>

#include <zlib.h>

#include "codeclibs.h"
#include "deltaq.h"
#include "larchive.h"

const char *dq_version_string(void)
{
	static char buf[4096]; /* room for four error messages */
	if (!buf[0]) {
		/* Loading each library is what shows that it can be: a missing one says why. */
		struct dq_error e1, e2, e3, e4;
		const struct larchive *la = larchive(&e1);
		const struct lzstd *zs = lzstd(&e2);
		const struct llz4 *lz = llz4(&e3);
		const struct lbrotli *br = lbrotli(&e4);
		uint32_t b = br ? br->BrotliDecoderVersion() : 0;
		char brotli[64];
		snprintf(brotli, sizeof(brotli), "%u.%u.%u", b >> 24, (b >> 12) & 0xFFF, b & 0xFFF);
		snprintf(buf, sizeof(buf), "deltaq %s\njansson %s\n%s%s\nzstd %s\nzlib %s\nlz4 %s\nbrotli %s\n",
			 DQ_VERSION, JANSSON_VERSION, la ? "" : "libarchive: ",
			 la ? la->archive_version_string() : e1.msg, zs ? zs->ZSTD_versionString() : e2.msg,
			 zlibVersion(), lz ? lz->LZ4_versionString() : e3.msg, br ? brotli : e4.msg);
	}
	return buf;
}
