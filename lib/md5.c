/*
 * md5.c - MD5 as RFC 1321 defines it, written for clarity over speed (the inputs are a few
 * kilobytes): 64-byte blocks of little-endian words, four rounds of sixteen steps, the
 * message length in bits appended after the 0x80 pad byte.  Byte order is handled by
 * explicit shifts, so the code does not depend on the host's endianness or alignment.
 */
#include <string.h>

#include "md5.h"

/* K[i] = floor(2^32 * |sin(i + 1)|), RFC 1321 section 3.4. */
static const uint32_t K[64] = {
	0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee,
	0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
	0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be,
	0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
	0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa,
	0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
	0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
	0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
	0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c,
	0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
	0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05,
	0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
	0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039,
	0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
	0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1,
	0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391,
};

/* Left-rotation amounts: four per round, repeated four times within the round. */
static const unsigned char S[4][4] = {
	{ 7, 12, 17, 22 }, { 5, 9, 14, 20 }, { 4, 11, 16, 23 }, { 6, 10, 15, 21 },
};

static uint32_t rotl(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static void transform(uint32_t state[4], const unsigned char *p)
{
	uint32_t x[16];
	for (int i = 0; i < 16; i++)
		x[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
		       (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;

	uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
	for (unsigned i = 0; i < 64; i++) {
		uint32_t f;
		unsigned g, round = i / 16;
		switch (round) {
		case 0: f = (b & c) | (~b & d); g = i; break;
		case 1: f = (b & d) | (c & ~d); g = (5 * i + 1) % 16; break;
		case 2: f = b ^ c ^ d; g = (3 * i + 5) % 16; break;
		default: f = c ^ (b | ~d); g = (7 * i) % 16; break;
		}
		uint32_t t = d;
		d = c;
		c = b;
		b = b + rotl(a + f + K[i] + x[g], S[round][i % 4]);
		a = t;
	}
	state[0] += a;
	state[1] += b;
	state[2] += c;
	state[3] += d;
}

void md5_init(struct md5_ctx *c)
{
	c->state[0] = 0x67452301;
	c->state[1] = 0xefcdab89;
	c->state[2] = 0x98badcfe;
	c->state[3] = 0x10325476;
	c->nbytes = 0;
}

void md5_update(struct md5_ctx *c, const void *data, size_t len)
{
	const unsigned char *p = data;
	size_t used = (size_t)(c->nbytes % 64);

	c->nbytes += len;
	if (used) {
		size_t take = 64 - used < len ? 64 - used : len;
		memcpy(c->block + used, p, take);
		p += take;
		len -= take;
		if (used + take < 64)
			return;
		transform(c->state, c->block);
	}
	for (; len >= 64; p += 64, len -= 64)
		transform(c->state, p);
	if (len)
		memcpy(c->block, p, len);
}

void md5_final(struct md5_ctx *c, unsigned char digest[16])
{
	uint64_t bits = c->nbytes * 8;
	size_t used = (size_t)(c->nbytes % 64);
	static const unsigned char zeros[64];
	unsigned char len[8];

	/* 0x80, then zeros up to 56 mod 64, then the bit count in little-endian order. */
	md5_update(c, "\x80", 1);
	md5_update(c, zeros, used < 56 ? 55 - used : 119 - used);
	for (int i = 0; i < 8; i++)
		len[i] = (unsigned char)(bits >> (8 * i));
	md5_update(c, len, 8);
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			digest[4 * i + j] = (unsigned char)(c->state[i] >> (8 * j));
	memset(c, 0, sizeof(*c));
}

void md5_hex(const unsigned char digest[16], char hex[33])
{
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++) {
		hex[2 * i] = digits[digest[i] >> 4];
		hex[2 * i + 1] = digits[digest[i] & 15];
	}
	hex[32] = '\0';
}
