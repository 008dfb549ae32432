/*
 * test_dv.c - deletion vectors (lib/dv.c, protocol.md 7): Z85 against the protocol's
 * verified examples, DV ids split into type / text / offset, the RoaringBitmapArray decoder
 * on hand-made payloads (array, run and bitmap containers, several buckets, every kind of
 * damage), and every deletion_vector_*.bin in ../shared/corpus (DQ_CORPUS overrides the
 * place): each record's CRC-32 holds and its payload decodes to a positive cardinality.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "dv.h"
#include "unit.h"

static void z85(void)
{
	uint8_t out[64];
	/* The ZeroMQ spec's test vector: 86 4F D2 6F B5 59 F7 5B = "HelloWorld". */
	CHECK_INT(dv_z85_decode("HelloWorld", 10, out), 8);
	static const uint8_t hello[] = { 0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B };
	CHECK(!memcmp(out, hello, 8));
	CHECK_INT(dv_z85_decode("Hello", 4, out), -1);       /* not a multiple of 5 */
	CHECK_INT(dv_z85_decode("Hel o", 5, out), -1);       /* space is not Z85 */
	CHECK_INT(dv_z85_decode("", 0, out), 0);
	/* "#####" is 85^5 - 1 > 2^32 - 1: wraps as Delta's codec does. */
	CHECK_INT(dv_z85_decode("#####", 5, out), 4);

	char path[256];
	CHECK(dv_uuid_path("ab^-aqEH.-t@S}K{vb[*k^", 22, path, sizeof(path)));
	CHECK_STR(path, "ab/deletion_vector_d2c639aa-8816-431a-aaf6-d3fe2512ff61.bin");
	CHECK(dv_uuid_path("vBn[lx{q8@P<9BNH/isA", 20, path, sizeof(path)));
	CHECK_STR(path, "deletion_vector_61d16c75-6994-46b7-a15b-8b538852e50e.bin");
	CHECK(!dv_uuid_path("vBn[lx{q8@P<9BNH/is", 19, path, sizeof(path)));
	CHECK(!dv_uuid_path("vBn[lx{q8@P<9BNH/is ", 20, path, sizeof(path)));
}

static void ids(void)
{
	char type;
	const char *s;
	size_t n;
	int64_t off;
	const char *id = "uvBn[lx{q8@P<9BNH/isA@1";
	CHECK(dv_id_split(id, strlen(id), &type, &s, &n, &off));
	CHECK_INT(type, 'u');
	CHECK_INT(n, 20);
	CHECK(!memcmp(s, "vBn[lx{q8@P<9BNH/isA", 20));
	CHECK_INT(off, 1);
	id = "i^Bg9^0rr9@1"; /* inline: '@' is Z85, never an offset */
	CHECK(dv_id_split(id, strlen(id), &type, &s, &n, &off));
	CHECK_INT(n, 11);
	CHECK_INT(off, -1);
	id = "pfile:/tmp/x.bin@42";
	CHECK(dv_id_split(id, strlen(id), &type, &s, &n, &off));
	CHECK_INT(type, 'p');
	CHECK_INT(off, 42);
	CHECK_INT(n, strlen("file:/tmp/x.bin"));
	CHECK(!dv_id_split("xabc", 4, &type, &s, &n, &off));
	CHECK(!dv_id_split("u", 1, &type, &s, &n, &off));
}

/* Little-endian writers for hand-made payloads. */
static size_t put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16), p[3] = (uint8_t)(v >> 24);
	return 4;
}

static size_t put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8);
	return 2;
}

static size_t header(uint8_t *p, uint32_t buckets)
{
	size_t n = put32(p, 1681511377u);
	n += put32(p + n, buckets);
	n += put32(p + n, 0);
	return n;
}

static bool card_of(const uint8_t *p, size_t n, uint64_t *card, char *why)
{
	size_t used;
	bool ok = dv_payload_cardinality(p, n, card, &used, why, 160);
	if (ok && used != n) {
		snprintf(why, 160, "used %zu of %zu bytes", used, n);
		return false;
	}
	return ok;
}

static void payloads(void)
{
	/* protocol.md 7.4: table-with-dv-small's payload, values {0, 9}. */
	static const uint8_t small[] = {
		0xd1, 0xd3, 0x39, 0x64, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x3a, 0x30, 0, 0,
		0x01, 0, 0, 0, 0, 0, 0x01, 0, 0x10, 0, 0, 0, 0, 0, 0x09, 0,
	};
	uint64_t card;
	char why[160];
	CHECKF(card_of(small, sizeof(small), &card, why), "%s", why);
	CHECK_INT(card, 2);
	CHECK_INT(crc32(0, small, sizeof(small)), 0x2a671846);

	/* protocol.md 7.6: kernel-rs's corrected inline example, rows {3,4,7,11,18,29}. */
	const char *inl = "^Bg9^0rr910000000000iXQKl0rr91000f55c8Xg0@@D72lkbi5=-{L";
	uint8_t buf[16384];
	long got = dv_z85_decode(inl, strlen(inl), buf);
	CHECK_INT(got, 44);
	CHECKF(card_of(buf, 44, &card, why), "%s", why);
	CHECK_INT(card, 6);

	/* Two buckets: a run container (cookie 12347, one run of 100) and a bitmap container
	 * of 5000 values. */
	size_t n = header(buf, 2);
	n += put32(buf + n, 0);                      /* bucket key 0 */
	n += put32(buf + n, 12347);                  /* 1 container, run flags follow */
	buf[n++] = 1;                                /* container 0 is a run container */
	n += put16(buf + n, 7), n += put16(buf + n, 99);
	n += put16(buf + n, 1);                      /* one run */
	n += put16(buf + n, 10), n += put16(buf + n, 99);
	n += put32(buf + n, 5);                      /* bucket key 5 */
	n += put32(buf + n, 12346);
	n += put32(buf + n, 1);
	n += put16(buf + n, 0), n += put16(buf + n, 4999);
	n += put32(buf + n, 0);                      /* offset header */
	memset(buf + n, 0, 8192);
	for (int v = 0; v < 5000; v++)
		buf[n + v / 8] |= (uint8_t)(1u << (v % 8));
	n += 8192;
	CHECKF(card_of(buf, n, &card, why), "%s", why);
	CHECK_INT(card, 5100);

	/* Damage: every one must be refused. */
	uint8_t bad[64];
	memcpy(bad, small, sizeof(small));
	bad[0] ^= 1;
	CHECK(!card_of(bad, sizeof(small), &card, why));          /* magic */
	CHECK(!card_of(small, sizeof(small) - 2, &card, why));    /* truncated */
	memcpy(bad, small, sizeof(small));
	bad[34] = 0;                                              /* values 0, 0 */
	CHECK(!card_of(bad, sizeof(small), &card, why));
	memcpy(bad, small, sizeof(small));
	bad[16] = 0x3c;                                           /* cookie */
	CHECK(!card_of(bad, sizeof(small), &card, why));
	n = header(bad, 2);
	n += put32(bad + n, 3), n += put32(bad + n, 12346), n += put32(bad + n, 0);
	n += put32(bad + n, 3), n += put32(bad + n, 12346), n += put32(bad + n, 0);
	CHECK(!card_of(bad, n, &card, why));                      /* bucket keys repeat */
	n = header(bad, 1);
	n += put32(bad + n, 0x80000000u), n += put32(bad + n, 12346), n += put32(bad + n, 0);
	CHECK(!card_of(bad, n, &card, why));                      /* bucket key >= 2^31 */
	n = header(bad, 1000000);
	CHECK(!card_of(bad, n, &card, why));                      /* buckets beyond the bytes */
}

/* ---- the corpus ------------------------------------------------------------------------ */

static int dv_files, dv_records;

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int visit(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	const char *base = path + ftw->base;
	if (type != FTW_F || strncmp(base, "deletion_vector_", 16) || st->st_size < 5)
		return 0;
	FILE *fp = fopen(path, "rb");
	uint8_t *b = malloc((size_t)st->st_size);
	size_t n = fp && b ? fread(b, 1, (size_t)st->st_size, fp) : 0;
	if (fp)
		fclose(fp);
	dv_files++;
	CHECKF(n == (size_t)st->st_size && b[0] == 1, "%s: unreadable or version byte not 1", path);
	/* Records follow one another from offset 1. */
	for (size_t off = 1; n && off + 8 <= n;) {
		uint32_t size = be32(b + off);
		if (off + 8 + size > n) {
			FAILF("%s: record at %zu claims %u bytes beyond the file", path, off, size);
			break;
		}
		uint32_t crc = (uint32_t)crc32(0, b + off + 4, size);
		CHECKF(crc == be32(b + off + 4 + size), "%s: record at %zu: CRC mismatch", path, off);
		uint64_t card;
		size_t used;
		char why[160];
		CHECKF(dv_payload_cardinality(b + off + 4, size, &card, &used, why, sizeof(why)) &&
		       card > 0 && used == size, "%s: record at %zu does not decode: %s", path, off, why);
		dv_records++;
		off += 8 + size;
	}
	free(b);
	return 0;
}

static void corpus(void)
{
	const char *dir = getenv("DQ_CORPUS");
	struct stat st;
	if (!dir)
		dir = "../shared/corpus";
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		unit_skip("no corpus at %s (set DQ_CORPUS): corpus DV files not decoded", dir);
		return;
	}
	nftw(dir, visit, 32, FTW_PHYS);
	printf("corpus: %d deletion vector files, %d records decoded\n", dv_files, dv_records);
	CHECK(dv_files > 0);
	CHECK(dv_records >= dv_files);
}

/* Where a DV's file is, relative to the table root when under it. */
static void file_paths(void)
{
	char out[256];
	bool inside = false;
	CHECK(dv_file_path("/t", 'u', "ab^-aqEH.-t@S}K{vb[*k^", 22, out, sizeof(out), &inside));
	CHECK(inside && !strncmp(out, "ab/deletion_vector_", 19));
	CHECK(dv_file_path("/t", 'p', "file:/t/dv/x.bin", 16, out, sizeof(out), &inside));
	CHECK_STR(out, "dv/x.bin");
	CHECK(inside);
	CHECK(dv_file_path("/t", 'p', "/elsewhere/x.bin", 16, out, sizeof(out), &inside));
	CHECK_STR(out, "/elsewhere/x.bin");
	CHECK(!inside);
	CHECK(dv_file_path("/t", 'p', "s3://b/x.bin", 12, out, sizeof(out), &inside));
	CHECK(!inside);
	CHECK(!dv_file_path("/t", 'i', "wi5b=000010000siXQKl0rr", 23, out, sizeof(out), &inside));
	CHECK(!dv_file_path("/t", 'p', "/t/%zz", 6, out, sizeof(out), &inside));
	CHECK(!dv_file_path("/t", 'u', "vBn[lx{q8@P<9BNH/is", 19, out, sizeof(out), &inside));
	CHECK(!dv_file_path("/t", 'p', "/t/a-long-name.bin", 18, out, 8, &inside));
}

int main(void)
{
	unit_run("z85", z85);
	unit_run("dv ids", ids);
	unit_run("dv file paths", file_paths);
	unit_run("payloads", payloads);
	unit_run("corpus", corpus);
	return unit_done();
}
