/*
 * md5.h - MD5 (RFC 1321), for the one place the Delta protocol asks for it: the checksum of
 * _last_checkpoint ("JSON checksum" in PROTOCOL.md, ../shared/research/protocol.md 1.5).
 * Not for anything that needs collision resistance.
 */
#ifndef DQ_MD5_H
#define DQ_MD5_H

#include <stddef.h>
#include <stdint.h>

struct md5_ctx {
	uint32_t state[4];
	uint64_t nbytes;          /* message length so far */
	unsigned char block[64];  /* the partial block; nbytes % 64 bytes of it are used */
};

void md5_init(struct md5_ctx *c);
void md5_update(struct md5_ctx *c, const void *data, size_t len);
/* Pads, writes the 16-byte digest, and leaves c to be md5_init'ed again before reuse. */
void md5_final(struct md5_ctx *c, unsigned char digest[16]);

/* The digest as 32 lowercase hex digits and a NUL. */
void md5_hex(const unsigned char digest[16], char hex[33]);

#endif
