/*
 * uri.h - file paths in the log (protocol.md 4.1): add/remove paths are URI references,
 * percent-decoded exactly once, then qualified the way Spark does so that `/a/b`,
 * `file:/a/b` and `file:///a/b` name the same file.
 */
#ifndef DQ_URI_H
#define DQ_URI_H

#include <stdbool.h>
#include <stddef.h>

/* Percent-decodes s[0..n) into out (>= n+1 bytes).  False on a malformed escape, or on %00
 * (a NUL would cut the name short). */
bool uri_decode(const char *s, size_t n, char *out, size_t *outlen);

/*
 * Qualifies a raw log path against the table root: relative -> root/decoded; absolute or
 * file: URIs -> the local absolute path; other schemes -> the decoded URI.  Local paths are
 * normalised as Hadoop's Path normalises them (java.net.URI.normalize), so that the same
 * file has one key: "a//b", "./a" and "x/../a" are "a/b", "a" and "a"; a leading ".."
 * stays.  New string in *qualified; false on a malformed escape.
 */
bool uri_qualify(const char *root, const char *raw, size_t n, char **qualified);

/* Whether a local path would change when normalised as uri_qualify normalises it
 * (Hadoop's Path: "a//b", "./a" and "a/../b" are "a/b", "a" and "b"). */
bool uri_needs_normalise(const char *p, size_t n);

/* The path shown to users: relative to root when under it, else the qualified form.
 * Borrowed pointer into `qualified`. */
const char *uri_display(const char *root, const char *qualified);

#endif
