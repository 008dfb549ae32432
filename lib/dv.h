/*
 * dv.h - deletion vectors (protocol.md section 7): Z85 text, where a DV's file is, and the
 * portable RoaringBitmapArray payload, counted without materialising a row index.
 */
#ifndef DQ_DV_H
#define DQ_DV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Decodes Z85 text s[0..n) into out (n / 5 * 4 bytes).  Returns the byte count, or -1 when
 * n is not a multiple of 5 or a character is outside the alphabet.  A group beyond
 * 2^32-1 wraps, as Delta's own codec (Java int arithmetic) and kernel-rs do.
 */
long dv_z85_decode(const char *s, size_t n, uint8_t *out);

/*
 * The table-relative path of a 'u' DV file: pathOrInlineDv s[0..n) is an optional
 * directory prefix and a 20-character Z85 UUID ->
 * "<prefix>/deletion_vector_<8-4-4-4-12>.bin".  False when s is not of that form.
 */
bool dv_uuid_path(const char *s, size_t n, char *out, size_t outlen);

/*
 * The file a 'u' or 'p' deletion vector with pathOrInlineDv s[0..n) lives in (protocol.md
 * 7.2), into out: relative to the table root `root` when it lies under it (*inside true),
 * else an absolute path or a URI.  False for an inline ('i') DV, a 'u' text that is not a
 * prefix and a Z85 UUID, a 'p' text that is not a valid URI, or a path longer than outlen.
 */
bool dv_file_path(const char *root, char type, const char *s, size_t n, char *out,
		  size_t outlen, bool *inside);

/*
 * The table-relative file of the deletion vector a replay key (struct dq_file's key: DV id,
 * '\n', path) names, into out; false for no DV, an inline one, or a file outside the
 * table rooted at `root`.
 */
bool dv_key_file(const char *root, const char *key, char *out, size_t outlen);

/*
 * Parses a DV payload (magic + portable RoaringBitmapArray, protocol.md 7.5) p[0..n):
 * *card = number of deleted rows, *used = bytes the bitmap took.  False, with a reason in
 * why, when it is malformed (wrong magic, keys out of order, values not increasing,
 * a bitmap container's popcount not its header cardinality, truncated).
 */
bool dv_payload_cardinality(const uint8_t *p, size_t n, uint64_t *card, size_t *used,
			    char *why, size_t whylen);

/*
 * Splits a DV unique id (storageType, pathOrInlineDv, optional "@offset"; protocol.md 7.1)
 * into its parts: *type, the pathOrInlineDv text [*s, *s + *n), and *offset (-1 absent).
 * False when the type is not u, i or p, or the text is empty.
 */
bool dv_id_split(const char *id, size_t len, char *type, const char **s, size_t *n,
		 int64_t *offset);

#endif
