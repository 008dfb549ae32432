/*
 * internal.h - helpers shared by the library's modules: error reporting into a caller's
 * struct dq_error, checked allocation, and a growable byte buffer with a ceiling.
 */
#ifndef DQ_INTERNAL_H
#define DQ_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "deltaq.h"

/* Sets err (may be NULL) and returns code: `return dq_fail(err, DQ_EIO, "...", ...);` */
int dq_fail(struct dq_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like dq_fail, with errno recorded and its text appended. */
int dq_fail_errno(struct dq_error *err, int code, int sys_errno, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

void *dq_malloc(size_t n);
void *dq_calloc(size_t n, size_t size);
void *dq_realloc_array(void *p, size_t n, size_t size); /* NULL on overflow */
char *dq_strdup(const char *s);
char *dq_strndup(const char *s, size_t n);

/* Growable buffer; `max` (0 = SIZE_MAX/2) caps its size so hostile input cannot balloon. */
struct dq_buf {
	char *data;
	size_t len, cap, max;
};
int dq_buf_reserve(struct dq_buf *b, size_t extra);
int dq_buf_append(struct dq_buf *b, const void *p, size_t n);
int dq_buf_puts(struct dq_buf *b, const char *s);
void dq_buf_release(struct dq_buf *b);

/* Bump allocator for many small strings that die together. */
struct dq_arena {
	struct dq_arena_block *head;
	struct dq_arena_block *spare;   /* kept by dq_arena_reset for reuse */
	size_t block;                   /* bytes per block; 0 (or below 64 KiB) = 64 KiB */
};
void *dq_arena_alloc(struct dq_arena *a, size_t n);
char *dq_arena_strndup(struct dq_arena *a, const char *s, size_t n);
char *dq_arena_strdup(struct dq_arena *a, const char *s);
/* Forgets everything allocated but keeps the blocks: later allocations reuse them (the
 * smallest spare block that fits), so a loop that fills and empties an arena of the same
 * big buffers (one column chunk per row group) touches fresh memory only once. */
void dq_arena_reset(struct dq_arena *a);
/* Moves every allocation of src (and its spare blocks) into dst; src ends up empty. */
void dq_arena_adopt(struct dq_arena *dst, struct dq_arena *src);
void dq_arena_release(struct dq_arena *a);

/* Asks the kernel to back the 2 MiB-aligned part of a big buffer (4 MiB and up) with
 * huge pages: one page fault per 2 MiB instead of per 4 KiB when it is first written. */
void dq_hint_huge(void *p, size_t n);

/* A 64-bit hash of n bytes (multiply-xorshift, 8 bytes a step), for hash sets. */
uint64_t dq_hash(const char *s, size_t n);

/*
 * Open-addressing set of strings (borrowed pointers; caller keeps them alive).  Each slot
 * keeps its key's hash: growing rehashes no string, and a probe compares strings only
 * when the hashes are equal.  The _hashed calls take dq_hash(key, strlen(key)) from a
 * caller that needs both a lookup and an insert (replay: one hash per action, not two).
 */
struct dq_strset_slot {
	uint64_t hash;
	const char *key;        /* NULL: empty */
};
struct dq_strset {
	struct dq_strset_slot *slots;
	size_t cap, n;
};
/* Returns 1 if newly inserted, 0 if present, -1 on ENOMEM. */
int dq_strset_add(struct dq_strset *s, const char *key);
int dq_strset_has(const struct dq_strset *s, const char *key);
int dq_strset_add_hashed(struct dq_strset *s, const char *key, uint64_t hash);
int dq_strset_has_hashed(const struct dq_strset *s, const char *key, uint64_t hash);
void dq_strset_release(struct dq_strset *s);

#endif
