/*
 * store.h - the storage interface.  Every byte deltaq reads from a table comes through a
 * struct store: list one directory level, stat, read a whole file, read a byte range.
 * Paths are relative to the table root ("_delta_log/00000000000000000000.json").
 * Backends: a local directory (store_dir.c); archives and object stores slot in beside it.
 */
#ifndef DQ_STORE_H
#define DQ_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

struct store_entry {
	char *name;          /* file name within the listed directory (new) */
	int64_t size;        /* bytes; -1 when not asked for */
	int64_t mtime_ms;    /* modification time in epoch ms; -1 when not asked for */
	bool is_dir;
};

enum store_list_flags {
	STORE_LIST_STAT = 1, /* fill size and mtime (costs a stat per entry on some backends) */
};

struct store;

struct store_ops {
	/* Entries of directory `dir` (one level; "" is the root), sorted by name.  DQ_EIO
	 * with ENOENT when the directory does not exist. */
	int (*list)(struct store *s, const char *dir, unsigned flags, struct store_entry **out,
		    size_t *n, struct dq_error *err);
	int (*stat)(struct store *s, const char *path, struct store_entry *out,
		    struct dq_error *err);
	/* Whole file into out (appended); fails with DQ_EIO if it exceeds `max` bytes. */
	int (*read)(struct store *s, const char *path, size_t max, struct dq_buf *out,
		    struct dq_error *err);
	/* Up to len bytes from offset into buf; *got is what was read (short at end of file). */
	int (*read_range)(struct store *s, const char *path, int64_t offset, size_t len,
			  void *buf, size_t *got, struct dq_error *err);
	void (*close)(struct store *s);
};

struct store {
	const struct store_ops *ops;
	char *location;      /* absolute, for messages and for `info` */
};

/* Opens the local directory `path` as a store.  *out is new. */
int store_dir_open(const char *path, struct store **out, struct dq_error *err);

static inline int store_list(struct store *s, const char *dir, unsigned flags,
			     struct store_entry **out, size_t *n, struct dq_error *err)
{
	return s->ops->list(s, dir, flags, out, n, err);
}
static inline int store_stat(struct store *s, const char *path, struct store_entry *out,
			     struct dq_error *err)
{
	return s->ops->stat(s, path, out, err);
}
static inline int store_read(struct store *s, const char *path, size_t max, struct dq_buf *out,
			     struct dq_error *err)
{
	return s->ops->read(s, path, max, out, err);
}
static inline int store_read_range(struct store *s, const char *path, int64_t off, size_t len,
				   void *buf, size_t *got, struct dq_error *err)
{
	return s->ops->read_range(s, path, off, len, buf, got, err);
}
void store_close(struct store *s);
void store_entries_free(struct store_entry *e, size_t n);

#endif
