/*
 * store.h - the storage interface.  Every byte deltaq reads from a table comes through a
 * struct store: list one directory level, stat, read a whole file, read a byte range.
 * Paths are relative to the table root ("_delta_log/00000000000000000000.json").
 * Backends: a local directory (store_dir.c) and a tar or zip archive (store_archive.c);
 * object stores would slot in beside them.
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
	bool is_dir;         /* a folder, or a symbolic link to one */
	bool is_link;        /* a symbolic link (folder stores only; walks do not follow it) */
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
	/* Optional (NULL: stat, then read_range): store_stat_tail in one open of the file. */
	int (*stat_tail)(struct store *s, const char *path, size_t max, struct store_entry *st,
			 struct dq_buf *out, struct dq_error *err);
	/*
	 * Optional (NULL when every read is cheap): a hint that the tails of `paths` will be
	 * read next.  A backend that cannot seek fetches them all in one pass, keeping each
	 * file's last `tail` bytes, cut down to trim(tail bytes, len, file size) bytes when
	 * trim is given (what a Parquet footer read takes).  Missing paths are ignored.
	 */
	int (*prefetch)(struct store *s, const char *const *paths, size_t n, size_t tail,
			size_t (*trim)(const uint8_t *tail, size_t len, int64_t size),
			struct dq_error *err);
	/* Optional (NULL: none): how many bytes at the end of `path` the store holds in memory
	 * (a prefetched tail, or the whole file), which a reader should take rather than
	 * reading before them, as that could cost a pass; 0 when none. */
	size_t (*held)(struct store *s, const char *path);
	void (*close)(struct store *s);
};

struct store {
	const struct store_ops *ops;
	char *location;      /* absolute, for messages and for `info` */
	uint64_t max_page_bytes; /* what one Parquet page may decode to; 0 = DQ_MAX_PAGE_BYTES */
};

/* What one Parquet page may decompress to, or its values take in memory, unless the caller
 * says otherwise: a few kilobytes of a compressed page can claim gigabytes. */
#define DQ_MAX_PAGE_BYTES ((uint64_t)256 << 20)

/* Opens the local directory `path` as a store.  *out is new. */
int store_dir_open(const char *path, struct store **out, struct dq_error *err);

/* Uncompressed bytes one pass over an archive may read, unless the caller says otherwise. */
#define DQ_ARCHIVE_MAX_BYTES ((uint64_t)64 << 30)

/*
 * Opens the table inside the archive `file` (tar, optionally compressed, or zip, told
 * apart by content) as a store: the folder `inside` when given, else the one folder
 * holding a _delta_log (DQ_ENOTTABLE listing the candidates when there are several).
 * Reads the whole archive once; max_bytes (0 = DQ_ARCHIVE_MAX_BYTES) bounds each pass.
 * DQ_ENOTTABLE when `file` is not an archive.  *out is new.
 */
int store_archive_open(const char *file, const char *inside, uint64_t max_bytes,
		       struct store **out, struct dq_error *err);

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
/*
 * Stats `path` into *st (no name) and, unless it is a directory, appends its last
 * min(st->size, max) bytes to out: fewer if the file shrank meanwhile.  What opening a
 * Parquet file takes; a local file is opened once for both (a second path lookup was a
 * sixth of a small file's footer read).
 */
int store_stat_tail(struct store *s, const char *path, size_t max, struct store_entry *st,
		    struct dq_buf *out, struct dq_error *err);

static inline int store_prefetch(struct store *s, const char *const *paths, size_t n,
				 size_t tail,
				 size_t (*trim)(const uint8_t *tail, size_t len, int64_t size),
				 struct dq_error *err)
{
	return s->ops->prefetch ? s->ops->prefetch(s, paths, n, tail, trim, err) : DQ_OK;
}
static inline size_t store_held(struct store *s, const char *path)
{
	return s->ops->held ? s->ops->held(s, path) : 0;
}
void store_close(struct store *s);

/* Folders deeper than this below the table root are refused by recursive listings: deeper
 * than any table, and what stops a symbolic-link loop (each turn is one level more). */
#define STORE_MAX_DEPTH 256

/* The error for listing `dir`, STORE_MAX_DEPTH levels down already. */
int store_too_deep(const char *dir, struct dq_error *err);
void store_entries_free(struct store_entry *e, size_t n);

#endif
