/*
 * store_dir.c - the local-directory storage backend.  The table root is opened once as a
 * directory fd; everything else is openat/fstatat relative to it, so the table keeps its
 * identity even if the caller's working directory changes.  This is the only file in lib/
 * that calls POSIX file functions.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"

struct store_dir {
	struct store base;
	int rootfd;
};

static int64_t mtime_ms(const struct stat *st)
{
	return (int64_t)st->st_mtim.tv_sec * 1000 + st->st_mtim.tv_nsec / 1000000;
}

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct store_entry *)a)->name, ((const struct store_entry *)b)->name);
}

static int dir_list(struct store *s, const char *dir, unsigned flags, struct store_entry **out,
		    size_t *n, struct dq_error *err)
{
	struct store_dir *d = (struct store_dir *)s;
	/* "" is the table root itself. */
	int fd = openat(d->rootfd, *dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return dq_fail_errno(err, DQ_EIO, errno, "cannot list '%s'", *dir ? dir : ".");
	DIR *dp = fdopendir(fd);
	if (!dp) {
		close(fd);
		return dq_fail_errno(err, DQ_EIO, errno, "cannot list '%s'", dir);
	}
	struct store_entry *e = NULL;
	size_t cnt = 0, cap = 0;
	struct dirent *de;
	int rc = DQ_OK;
	errno = 0;
	while ((de = readdir(dp))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 256;
			struct store_entry *ne = dq_realloc_array(e, cap, sizeof(*e));
			if (!ne) {
				rc = dq_fail(err, DQ_ENOMEM, "out of memory listing '%s'", dir);
				break;
			}
			e = ne;
		}
		struct store_entry *x = &e[cnt];
		x->name = dq_strdup(de->d_name);
		if (!x->name) {
			rc = dq_fail(err, DQ_ENOMEM, "out of memory listing '%s'", dir);
			break;
		}
		cnt++;
		x->size = x->mtime_ms = -1;
		x->is_dir = de->d_type == DT_DIR;
		x->is_link = de->d_type == DT_LNK;
		if ((flags & STORE_LIST_STAT) || de->d_type == DT_UNKNOWN || de->d_type == DT_LNK) {
			struct stat st;
			if (de->d_type == DT_UNKNOWN &&
			    fstatat(dirfd(dp), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0)
				x->is_link = S_ISLNK(st.st_mode);
			if (fstatat(dirfd(dp), de->d_name, &st, 0) == 0) {
				x->is_dir = S_ISDIR(st.st_mode);
				if (flags & STORE_LIST_STAT) {
					x->size = st.st_size;
					x->mtime_ms = mtime_ms(&st);
				}
			}
		}
		errno = 0;
	}
	if (rc == DQ_OK && errno)
		rc = dq_fail_errno(err, DQ_EIO, errno, "cannot list '%s'", dir);
	closedir(dp);
	if (rc != DQ_OK) {
		store_entries_free(e, cnt);
		return rc;
	}
	if (cnt)
		qsort(e, cnt, sizeof(*e), cmp_entry);
	*out = e;
	*n = cnt;
	return DQ_OK;
}

static int dir_stat(struct store *s, const char *path, struct store_entry *out,
		    struct dq_error *err)
{
	struct store_dir *d = (struct store_dir *)s;
	struct stat st;
	if (fstatat(d->rootfd, path, &st, 0) < 0)
		return dq_fail_errno(err, DQ_EIO, errno, "cannot stat '%s'", path);
	out->name = NULL;
	out->size = st.st_size;
	out->mtime_ms = mtime_ms(&st);
	out->is_dir = S_ISDIR(st.st_mode);
	out->is_link = false; /* followed: this is what the path leads to */
	return DQ_OK;
}

/*
 * Opens `path` for reading and stats it: -1 after a message when either fails, or when it
 * is neither a regular file nor a directory (opened with O_NONBLOCK, so that a FIFO in
 * the table is refused rather than waited on; a directory fails when read, EISDIR).
 */
static int open_file(const struct store_dir *d, const char *path, struct stat *st,
		     struct dq_error *err)
{
	int fd = openat(d->rootfd, path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, st) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		dq_fail_errno(err, DQ_EIO, e, "cannot read '%s'", path);
		return -1;
	}
	if (!S_ISREG(st->st_mode) && !S_ISDIR(st->st_mode)) {
		close(fd);
		dq_fail(err, DQ_EIO, "cannot read '%s': not a regular file", path);
		return -1;
	}
	return fd;
}

static int dir_read(struct store *s, const char *path, size_t max, struct dq_buf *out,
		    struct dq_error *err)
{
	struct store_dir *d = (struct store_dir *)s;
	struct stat st;
	int fd = open_file(d, path, &st, err);
	if (fd < 0)
		return DQ_EIO;
	if (S_ISREG(st.st_mode)) {
		if ((uint64_t)st.st_size > max) {
			close(fd);
			return dq_fail(err, DQ_EIO, "cannot read '%s': larger than %zu bytes",
				       path, max);
		}
		if (dq_buf_reserve(out, (size_t)st.st_size)) {
			close(fd);
			return dq_fail(err, DQ_ENOMEM, "out of memory reading '%s'", path);
		}
	}
	for (;;) {
		if (dq_buf_reserve(out, 65536)) {
			close(fd);
			return dq_fail(err, DQ_ENOMEM, "out of memory reading '%s'", path);
		}
		size_t room = out->cap - out->len - 1;
		ssize_t r = read(fd, out->data + out->len, room);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			close(fd);
			return dq_fail_errno(err, DQ_EIO, e, "cannot read '%s'", path);
		}
		if (r == 0)
			break;
		out->len += (size_t)r;
		if (out->len > max) {
			close(fd);
			return dq_fail(err, DQ_EIO, "cannot read '%s': larger than %zu bytes",
				       path, max);
		}
	}
	out->data[out->len] = '\0';
	close(fd);
	return DQ_OK;
}

/* Reads exactly what is there of [off, off + len) into buf; *got says how much. */
static int pread_full(int fd, const char *path, int64_t off, size_t len, void *buf, size_t *got,
		      struct dq_error *err)
{
	size_t done = 0;
	while (done < len) {
		ssize_t r = pread(fd, (char *)buf + done, len - done, (off_t)(off + (int64_t)done));
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return dq_fail_errno(err, DQ_EIO, errno, "cannot read '%s' at offset %lld",
					     path, (long long)off);
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	*got = done;
	return DQ_OK;
}

static int dir_read_range(struct store *s, const char *path, int64_t off, size_t len,
			  void *buf, size_t *got, struct dq_error *err)
{
	struct store_dir *d = (struct store_dir *)s;
	if (off < 0)
		return dq_fail(err, DQ_EINVAL, "cannot read '%s': negative offset", path);
	struct stat st;
	int fd = open_file(d, path, &st, err);
	if (fd < 0)
		return DQ_EIO;
	int rc = pread_full(fd, path, off, len, buf, got, err);
	close(fd);
	return rc;
}

/* Bytes store_stat_tail reads of a file of `size` bytes (unknown: none). */
static size_t tail_len(int64_t size, size_t max)
{
	return size <= 0 ? 0 : (uint64_t)size < max ? (size_t)size : max;
}

static int dir_stat_tail(struct store *s, const char *path, size_t max, struct store_entry *st,
			 struct dq_buf *out, struct dq_error *err)
{
	struct store_dir *d = (struct store_dir *)s;
	struct stat sb;
	int fd = open_file(d, path, &sb, err);
	if (fd < 0)
		return DQ_EIO;
	*st = (struct store_entry){ .size = sb.st_size, .mtime_ms = mtime_ms(&sb),
				    .is_dir = S_ISDIR(sb.st_mode) };
	int rc = DQ_OK;
	if (!st->is_dir) {
		size_t n = tail_len(sb.st_size, max), got = 0;
		if (dq_buf_reserve(out, n))
			rc = dq_fail(err, DQ_ENOMEM, "out of memory reading '%s'", path);
		else if (!(rc = pread_full(fd, path, sb.st_size - (int64_t)n, n, out->data + out->len,
					   &got, err)))
			out->len += got;
	}
	close(fd);
	return rc;
}

int store_stat_tail(struct store *s, const char *path, size_t max, struct store_entry *st,
		    struct dq_buf *out, struct dq_error *err)
{
	if (s->ops->stat_tail)
		return s->ops->stat_tail(s, path, max, st, out, err);
	int rc = store_stat(s, path, st, err);
	free(st->name);
	st->name = NULL;
	if (rc || st->is_dir)
		return rc;
	size_t n = tail_len(st->size, max), got = 0;
	if (dq_buf_reserve(out, n))
		return dq_fail(err, DQ_ENOMEM, "out of memory reading '%s'", path);
	if (!(rc = store_read_range(s, path, st->size - (int64_t)n, n, out->data + out->len, &got, err)))
		out->len += got;
	return rc;
}

static void dir_close(struct store *s)
{
	struct store_dir *d = (struct store_dir *)s;
	close(d->rootfd);
	free(d->base.location);
	free(d);
}

static const struct store_ops dir_ops = {
	.list = dir_list,
	.stat = dir_stat,
	.read = dir_read,
	.read_range = dir_read_range,
	.stat_tail = dir_stat_tail,
	.close = dir_close,
};

int store_dir_open(const char *path, struct store **out, struct dq_error *err)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return dq_fail_errno(err, errno == ENOENT || errno == ENOTDIR ? DQ_ENOTTABLE : DQ_EIO,
				     errno, "cannot open '%s'", path);
	struct store_dir *d = calloc(1, sizeof(*d));
	char *abs = realpath(path, NULL);
	if (!d || !abs) {
		int e = errno;
		free(d);
		free(abs);
		close(fd);
		return dq_fail_errno(err, DQ_EIO, e, "cannot open '%s'", path);
	}
	d->base.ops = &dir_ops;
	d->base.location = abs;
	d->rootfd = fd;
	*out = &d->base;
	return DQ_OK;
}

int store_too_deep(const char *dir, struct dq_error *err)
{
	return dq_fail(err, DQ_EIO, "cannot list '%.100s%s': nested more than %d directories deep "
		       "(a symbolic link loop?)", dir, strlen(dir) > 100 ? "..." : "", STORE_MAX_DEPTH);
}

void store_close(struct store *s)
{
	if (s)
		s->ops->close(s);
}

void store_entries_free(struct store_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].name);
	free(e);
}
