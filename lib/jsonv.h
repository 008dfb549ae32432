/*
 * jsonv.h - "is this JSON text surely valid?" without building a tree: for `check`, which
 * must know that every commit line and every stats text parses, and for which jansson
 * building and freeing trees was most of the time.
 */
#ifndef DQ_JSONV_H
#define DQ_JSONV_H

#include <stdbool.h>
#include <stddef.h>

enum {
	JV_REJECT_DUPLICATES = 1 << 0, /* a key twice in one object is invalid (jansson's flag) */
	JV_NUM_RECORDS = 1 << 1,       /* the top-level numRecords must be absent, null or an
					  integer >= 0 (add.stats, check's DQ114) */
};

/*
 * True only if jansson's json_loadb(s, n, flags) would return an object (with the
 * JV_NUM_RECORDS condition met): s[0..n) is one JSON object, nothing but JSON whitespace
 * around it.  False means "not decided here", never "invalid": the caller asks jansson,
 * which also words the error.  It gives up on \u escapes, escaped keys, integers of more
 * than 18 digits, reals that could overflow a double, nesting deeper than 32 and objects
 * with more keys than its stack holds.  s need not be NUL-terminated.
 */
bool json_surely_valid(const char *s, size_t n, unsigned flags);

#endif
