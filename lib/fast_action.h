/*
 * fast_action.h - the fields of an `add` or `remove` line (protocol.md 2.3, 2.4) read
 * without building a JSON tree, for the usual shape of those lines.  Anything unusual is
 * left to jansson.  See fast_action.c for the exact contract.
 */
#ifndef DQ_FAST_ACTION_H
#define DQ_FAST_ACTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Borrowed pointers into the line; lengths explicit, nothing NUL-terminated. */
struct fast_file {
	bool add;                      /* "add", else "remove" */
	const char *path;              /* the string as written; it holds no escapes */
	size_t path_len;
	bool has_size;                 /* size present and not null (always true for add) */
	int64_t size;                  /* >= 0 for add; a remove may say anything */
	bool has_mtime;                /* modificationTime present and not null */
	int64_t modification_time;
	const char *pv;                /* partitionValues as written, which is exactly its */
	size_t pv_len;                 /* compact json_dumps; NULL when absent, null or {} */
	const char *stats;             /* stats string body, still escaped (\" ...); */
	size_t stats_len;              /* NULL when absent or null */
	bool has_dv;                   /* always false after a 1: a DV means fallback */
};

/*
 * Reads the action line line[0..n) (no terminator needed; nothing outside the range is
 * read).  Returns 1 and fills *out when the line is an add or remove that jansson would
 * read, and file_action() in action.c accept, with the same values; 0 when unsure, with
 * *out untouched: the caller then parses the line with jansson, which decides.
 */
int fast_file_action(const char *line, size_t n, struct fast_file *out);

/*
 * Unescapes the body of a JSON string (the text between the quotes) s[0..len) into out,
 * which must hold len + 1 bytes, and NUL-terminates it.  Returns the length, or -1 when
 * jansson would reject the string (bad escape, lone surrogate, \u0000, raw control
 * character or quote, invalid UTF-8).  Never -1 for the stats of a fast_file_action 1.
 */
ssize_t fast_unescape(const char *s, size_t len, char *out);

#endif
