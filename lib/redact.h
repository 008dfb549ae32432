/*
 * redact.h - keyed, type-preserving surrogates for bundle --redact.
 *
 * Every surrogate is a function of (key, what kind of value, the value): the same value
 * gets the same surrogate everywhere in a bundle (a path in an add and in the remove that
 * retires it; a partition value in partitionValues and in the file's folder name), and
 * without the key nothing maps back.  Surrogates keep the value's type and shape: a date
 * stays a valid date, a timestamp a valid timestamp in the same layout, an integer an
 * integer of the same sign and digit count within its type's range, a float a float of the
 * same sign and magnitude, a string a string of the same length whose letters stay letters
 * (of the same case) and digits digits, with every other byte (punctuation, spaces,
 * non-ASCII) kept.  Internal to libdeltaq.
 */
#ifndef DQ_REDACT_H
#define DQ_REDACT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	size_t n;
};
void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t out[32]);
void hmac_sha256(const void *key, size_t keylen, const void *msg, size_t len, uint8_t out[32]);

/* HMAC-SHA-256 under one key, its padded key hashed once (RFC 2104: the inner and outer
 * states after the pads), for many messages. */
struct hmac_sha256 {
	struct sha256 inner, outer;
};
void hmac_sha256_init(struct hmac_sha256 *h, const void *key, size_t keylen);
/* A message's HMAC in parts: start (a copy of h's inner state), sha256_update, then
 * hmac_sha256_final. */
void hmac_sha256_final(const struct hmac_sha256 *h, struct sha256 *inner, uint8_t out[32]);

struct redactor {
	struct hmac_sha256 mac; /* keyed with the SHA-256 of the user's key */
	json_t *types;          /* column name (logical and physical) -> Delta type (JSON) */
	json_t *partition_columns; /* names as they appear in paths and partitionValues */
};

void redact_init(struct redactor *r, const char *key);
void redact_release(struct redactor *r);
/* Learns column types and partition columns from a metaData action (borrowed). */
void redact_metadata(struct redactor *r, const json_t *metadata);

/* Surrogate of a string: same length and byte classes (see above).  New. */
char *redact_text(const struct redactor *r, const char *domain, const char *s, size_t n);
/* Surrogate of a partition value string of Delta type `type` ("date", "long", ...).  New. */
char *redact_partition_value(const struct redactor *r, const char *type, const char *s);
/* Surrogate of a stats value of Delta type `type` (NULL: inferred from the value).  New. */
json_t *redact_stat_value(const struct redactor *r, const json_t *type, const json_t *v);
/* Surrogate of a path as the log writes it (percent-encoded), folder by folder.  New. */
char *redact_path(const struct redactor *r, const char *path);

/*
 * Redacts one JSON action in place (add, remove, cdc: path, partitionValues, stats, a
 * DV's absolute path; commitInfo: all but its operation, timestamps, metrics, versions and
 * engine; metaData: learnt, kept).  Returns 0, or -1 when out of memory.
 */
int redact_action(struct redactor *r, json_t *action);

#endif
