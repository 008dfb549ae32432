/*
 * dv.c - deletion vectors (protocol.md 7.2-7.6): Z85 decoding, the file name of a
 * UUID-stored DV, and the cardinality of a portable RoaringBitmapArray payload.  Reading
 * the DV file itself (version byte, big-endian size, payload, CRC-32) is check.c's; this
 * file only decodes bytes it is given, every length checked against what is left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dv.h"
#include "uri.h"

static const char z85_alphabet[] =
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

static int z85_value(unsigned char c)
{
	const char *p = c ? strchr(z85_alphabet, c) : NULL;
	return p ? (int)(p - z85_alphabet) : -1;
}

long dv_z85_decode(const char *s, size_t n, uint8_t *out)
{
	if (n % 5)
		return -1;
	for (size_t i = 0; i < n; i += 5) {
		/* Values beyond 2^32-1 wrap, as in Delta's Base85Codec (Java int arithmetic) and
		 * kernel-rs (wrapping_mul): real inline DVs end in such a group. */
		uint32_t v = 0;
		for (size_t k = 0; k < 5; k++) {
			int d = z85_value((unsigned char)s[i + k]);
			if (d < 0)
				return -1;
			v = v * 85u + (uint32_t)d;
		}
		uint8_t *o = out + i / 5 * 4;
		o[0] = (uint8_t)(v >> 24), o[1] = (uint8_t)(v >> 16);
		o[2] = (uint8_t)(v >> 8), o[3] = (uint8_t)v;
	}
	return (long)(n / 5 * 4);
}

bool dv_uuid_path(const char *s, size_t n, char *out, size_t outlen)
{
	uint8_t u[16];
	if (n < 20 || dv_z85_decode(s + n - 20, 20, u) != 16)
		return false;
	size_t plen = n - 20;
	int w = snprintf(out, outlen,
			 "%.*s%sdeletion_vector_%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
			 "%02x%02x%02x%02x%02x%02x.bin",
			 (int)plen, s, plen ? "/" : "", u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7],
			 u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
	return w > 0 && (size_t)w < outlen;
}

bool dv_file_path(const char *root, char type, const char *s, size_t n, char *out,
		  size_t outlen, bool *inside)
{
	*inside = true;
	if (type == 'u')
		return dv_uuid_path(s, n, out, outlen);
	char *q;
	if (type != 'p' || !uri_qualify(root, s, n, &q))
		return false;
	const char *rel = uri_display(root, q);
	*inside = rel != q;
	int w = snprintf(out, outlen, "%s", rel);
	free(q);
	return w >= 0 && (size_t)w < outlen;
}

bool dv_id_split(const char *id, size_t len, char *type, const char **s, size_t *n,
		 int64_t *offset)
{
	if (len < 2 || (id[0] != 'u' && id[0] != 'i' && id[0] != 'p'))
		return false;
	*type = id[0];
	*s = id + 1;
	*n = len - 1;
	*offset = -1;
	/* '@' is a Z85 character too: only a trailing "@digits" after a 'u' or 'p' text is an
	 * offset ('i' has none). */
	if (id[0] == 'i')
		return true;
	const char *at = NULL;
	for (size_t i = len; i-- > 1;)
		if (id[i] == '@') {
			at = id + i;
			break;
		}
	if (!at || at + 1 == id + len)
		return true;
	int64_t v = 0;
	for (const char *p = at + 1; p < id + len; p++) {
		if (*p < '0' || *p > '9' || v > (INT64_MAX - 9) / 10)
			return true;
		v = v * 10 + (*p - '0');
	}
	*offset = v;
	*n = (size_t)(at - *s);
	return *n > 0;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

#define FAIL(...) do { snprintf(why, whylen, __VA_ARGS__); return false; } while (0)

/* One standard 32-bit Roaring bitmap at p[0..n) (RoaringFormatSpec). */
static bool roaring32(const uint8_t *p, size_t n, uint64_t *card, size_t *used, char *why,
		      size_t whylen)
{
	if (n < 4)
		FAIL("truncated Roaring cookie");
	uint32_t cookie = le32(p);
	size_t pos = 4, nc;
	const uint8_t *runflags = NULL;
	bool offsets;
	if (cookie == 12346) {
		if (n < 8)
			FAIL("truncated container count");
		nc = le32(p + 4);
		pos = 8;
		offsets = true;
	} else if ((cookie & 0xFFFF) == 12347) {
		nc = (cookie >> 16) + 1;
		runflags = p + pos;
		if (n - pos < (nc + 7) / 8)
			FAIL("truncated run flags");
		pos += (nc + 7) / 8;
		offsets = nc >= 4;
	} else {
		FAIL("unknown Roaring cookie %u", (unsigned)cookie);
	}
	if (nc > 65536 || (n - pos) / 4 < nc)
		FAIL("container count %zu beyond the payload", nc);
	const uint8_t *hdr = p + pos;
	pos += nc * 4;
	if (offsets) {
		if ((n - pos) / 4 < nc)
			FAIL("truncated offset header");
		pos += nc * 4;
	}
	int prev_key = -1;
	for (size_t i = 0; i < nc; i++) {
		int key = le16(hdr + 4 * i);
		uint32_t c = (uint32_t)le16(hdr + 4 * i + 2) + 1;
		if (key <= prev_key)
			FAIL("container keys not increasing");
		prev_key = key;
		if (runflags && (runflags[i / 8] >> (i % 8) & 1)) {
			if (n - pos < 2)
				FAIL("truncated run container");
			size_t runs = le16(p + pos);
			pos += 2;
			if ((n - pos) / 4 < runs)
				FAIL("truncated run container");
			uint32_t total = 0;
			long next = 0;
			for (size_t r = 0; r < runs; r++) {
				long start = le16(p + pos + 4 * r), len = le16(p + pos + 4 * r + 2) + 1L;
				if (start < next || start + len > 65536)
					FAIL("run container runs overlap or overflow");
				next = start + len;
				total += (uint32_t)len;
			}
			if (total != c)
				FAIL("run container holds %u values, its header says %u", total, c);
			pos += runs * 4;
		} else if (c <= 4096) {
			if ((n - pos) / 2 < c)
				FAIL("truncated array container");
			for (uint32_t k = 1; k < c; k++)
				if (le16(p + pos + 2 * k) <= le16(p + pos + 2 * (k - 1)))
					FAIL("array container values not increasing");
			pos += (size_t)c * 2;
		} else {
			if (n - pos < 8192)
				FAIL("truncated bitmap container");
			uint32_t bits = 0;
			for (size_t b = 0; b < 8192; b++)
				bits += (uint32_t)__builtin_popcount(p[pos + b]);
			if (bits != c)
				FAIL("bitmap container has %u bits set, its header says %u", bits, c);
			pos += 8192;
		}
		*card += c;
	}
	*used = pos;
	return true;
}

bool dv_payload_cardinality(const uint8_t *p, size_t n, uint64_t *card, size_t *used,
			    char *why, size_t whylen)
{
	*card = 0;
	if (n < 12)
		FAIL("payload of %zu bytes is too short", n);
	uint32_t magic = le32(p);
	if (magic != 1681511377u)
		FAIL("magic %u is not the portable RoaringBitmapArray's (1681511377)", (unsigned)magic);
	uint64_t buckets = (uint64_t)le32(p + 4) | (uint64_t)le32(p + 8) << 32;
	size_t pos = 12;
	int64_t prev = -1;
	for (uint64_t b = 0; b < buckets; b++) {
		if (n - pos < 4)
			FAIL("truncated bucket %llu of %llu", (unsigned long long)b,
			     (unsigned long long)buckets);
		uint32_t key = le32(p + pos);
		if (key & 0x80000000u || (int64_t)key <= prev)
			FAIL("bucket keys not increasing or beyond 2^31");
		prev = key;
		pos += 4;
		size_t u;
		if (!roaring32(p + pos, n - pos, card, &u, why, whylen))
			return false;
		pos += u;
	}
	*used = pos;
	return true;
}

bool dv_key_file(const char *root, const char *key, char *out, size_t outlen)
{
	const char *nl = key ? strchr(key, '\n') : NULL, *p;
	char type;
	size_t n;
	int64_t off;
	bool inside;
	return nl && nl != key && dv_id_split(key, (size_t)(nl - key), &type, &p, &n, &off) &&
	       dv_file_path(root, type, p, n, out, outlen, &inside) && inside;
}
