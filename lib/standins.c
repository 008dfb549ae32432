/*
 * standins.c - what `--jobs` workers read instead of a table's archive (deltaq.h).  A
 * compressed tar cannot seek: a worker that opened the archive itself would read it once
 * to index it and once more per work item.  The supervisor has read the archive already
 * (one pass to index it, one for the footers its items need); it writes what it fetched
 * as sparse files of the right sizes in a private folder, and the workers open that folder
 * as a table whose data files hold exactly the bytes their reads take.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dv.h"
#include "internal.h"
#include "reader.h"
#include "table.h"

struct dq_standins {
	char *location;         /* what workers open */
	char *dir;              /* the folder written, or NULL (a table in a folder) */
};

/* Removes everything under the folder fd (closed), not following symlinks. */
static void remove_under(int fd)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (e->d_type != DT_DIR && unlinkat(dirfd(d), e->d_name, 0) == 0)
			continue;
		int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0) {
			remove_under(sub);
			unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
		}
	}
	closedir(d);
}

void dq_standins_close(dq_standins *s)
{
	if (!s)
		return;
	if (s->dir) {
		int fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0)
			remove_under(fd);
		rmdir(s->dir);
	}
	free(s->dir);
	free(s->location);
	free(s);
}

const char *dq_standins_location(const dq_standins *s)
{
	return s->location;
}

/* Creates the folders of table-relative `path` under root fd; false for a path that is
 * absolute or climbs out ("..", "."), which an archive never yields.  `last` (PATH_MAX
 * bytes, "" at first) is the folder made for the path before: files come by partition,
 * so most share it and cost no mkdir at all. */
static bool make_parents(int root, const char *path, char *last)
{
	char buf[PATH_MAX];
	if (path[0] == '/' || snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return false;
	char *base = strrchr(buf, '/');
	if (base) {
		*base = '\0';
		bool same = !strcmp(buf, last);
		*base = '/';
		if (same)
			return base[1] && strcmp(base + 1, ".") && strcmp(base + 1, "..");
	}
	for (char *p = buf, *slash; (slash = strchr(p, '/')); p = slash + 1) {
		*slash = '\0';
		if (!*p || !strcmp(p, ".") || !strcmp(p, ".."))
			return false;
		if (mkdirat(root, buf, 0700) && errno != EEXIST)
			return false;
		*slash = '/';
	}
	if (base) {
		*base = '\0';
		memcpy(last, buf, (size_t)(base - buf) + 1);
		*base = '/';
	}
	const char *name = base ? base + 1 : buf;
	return *name && strcmp(name, ".") && strcmp(name, "..");
}

/* Copies [off, off+len) of `path` from the store to fd at the same offset. */
static int copy_range(struct store *st, const char *path, int fd, int64_t off, size_t len,
		      uint8_t *buf, size_t cap, struct dq_error *err)
{
	while (len) {
		size_t n = len < cap ? len : cap, got;
		int rc = store_read_range(st, path, off, n, buf, &got, err);
		if (rc)
			return rc;
		if (got != n)
			return dq_fail(err, DQ_EIO, "cannot read '%s': it ended at %lld bytes",
				       path, (long long)(off + (int64_t)got));
		if (pwrite(fd, buf, n, off) != (ssize_t)n)
			return dq_fail_errno(err, DQ_EIO, errno, "cannot write a stand-in for '%s'",
					     path);
		off += (int64_t)n;
		len -= n;
	}
	return DQ_OK;
}

/*
 * The stand-in of one file under root: nothing when the store does not have it (the
 * worker then finds it missing, as it is), a folder for a folder, else a sparse file of
 * its size with what parquet_open reads of it (whole: every byte).
 */
static int standin(struct store *st, int root, const char *path, bool whole, char *last,
		   uint8_t *buf, size_t cap, struct dq_error *err)
{
	struct store_entry e;
	struct dq_error miss;
	if (store_stat(st, path, &e, &miss) != DQ_OK || !make_parents(root, path, last))
		return DQ_OK;
	if (e.is_dir)
		return mkdirat(root, path, 0700) && errno != EEXIST
			       ? dq_fail_errno(err, DQ_EIO, errno, "cannot write a stand-in for '%s'", path)
			       : DQ_OK;
	int fd = openat(root, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? DQ_OK /* a data file that is also a DV's file */
				       : dq_fail_errno(err, DQ_EIO, errno, "cannot write a stand-in for '%s'", path);
	/* Every branch writes up to the file's end, which sets its size: the bytes before
	 * what is written are a hole, read as zeros. */
	int rc = DQ_OK;
	if (whole || e.size <= PARQUET_TAIL_BYTES) {
		rc = copy_range(st, path, fd, 0, (size_t)e.size, buf, cap, err);
	} else {
		/* The last 8 bytes: the footer length and the magic; then the footer they name,
		 * when it is one parquet_open would read (else it stops at those 8 bytes). */
		uint8_t t[8];
		size_t got;
		rc = store_read_range(st, path, e.size - 8, 8, t, &got, err);
		int64_t footer = !rc && got == 8 ? parquet_footer_len(t, e.size) : -1;
		if (footer >= 0)
			rc = copy_range(st, path, fd, e.size - 8 - footer, (size_t)footer + 8, buf, cap, err);
		else if (!rc)
			rc = copy_range(st, path, fd, e.size - 8, 8, buf, cap, err);
	}
	struct timespec ts[2] = { { .tv_sec = e.mtime_ms / 1000, .tv_nsec = e.mtime_ms % 1000 * 1000000 } };
	ts[1] = ts[0];
	if (!rc && e.mtime_ms >= 0 && futimens(fd, ts) != 0)
		rc = dq_fail_errno(err, DQ_EIO, errno, "cannot write a stand-in for '%s'", path);
	if (close(fd) != 0 && !rc)
		rc = dq_fail_errno(err, DQ_EIO, errno, "cannot write a stand-in for '%s'", path);
	return rc;
}

int dq_standins_open(dq_table *t, const char *const *paths, const char *const *keys, size_t n,
		     dq_standins **out, struct dq_error *err)
{
	*out = NULL;
	int rc = table_check(t, err);
	if (rc)
		return rc;
	dq_standins *s = calloc(1, sizeof(*s));
	if (!s)
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	if (!t->store->ops->prefetch) { /* every read is cheap: workers open the table */
		if (!(s->location = dq_strdup(dq_table_location(t)))) {
			free(s);
			return dq_fail(err, DQ_ENOMEM, "out of memory");
		}
		*out = s;
		return DQ_OK;
	}

	/* Two passes over the archive: the footers, then the deletion vectors whole. */
	char **dv = NULL, path[PATH_MAX];
	size_t ndv = 0;
	if ((rc = dq_data_files_prefetch(t, paths, keys, n, err)) ||
	    (rc = dv_files_of(t, keys, n, &dv, &ndv, err)))
		goto out;

	const char *tmp = getenv("TMPDIR");
	if (!tmp || !*tmp)
		tmp = "/tmp";
	if (snprintf(path, sizeof(path), "%s/deltaq-standins-XXXXXX", tmp) >= (int)sizeof(path) ||
	    !(s->dir = dq_strdup(path)) || !mkdtemp(s->dir)) {
		rc = dq_fail_errno(err, DQ_EIO, errno, "cannot make a folder for --jobs workers in '%s'", tmp);
		free(s->dir);
		s->dir = NULL;
		goto out;
	}
	int root = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	uint8_t *buf = malloc(1 << 20);
	if (root < 0 || !buf) {
		rc = root < 0 ? dq_fail_errno(err, DQ_EIO, errno, "cannot open '%s'", s->dir)
			      : dq_fail(err, DQ_ENOMEM, "out of memory");
	} else if (mkdirat(root, "_delta_log", 0700)) {
		rc = dq_fail_errno(err, DQ_EIO, errno, "cannot write '%s/_delta_log'", s->dir);
	} else {
		char last[PATH_MAX] = "";
		for (size_t i = 0; !rc && i < ndv; i++)
			rc = standin(t->store, root, dv[i], true, last, buf, 1 << 20, err);
		for (size_t i = 0; !rc && i < n; i++)
			rc = standin(t->store, root, paths[i], false, last, buf, 1 << 20, err);
	}
	free(buf);
	if (root >= 0)
		close(root);
	if (!rc && !(s->location = dq_strdup(s->dir)))
		rc = dq_fail(err, DQ_ENOMEM, "out of memory");
out:
	for (size_t i = 0; i < ndv; i++)
		free(dv[i]);
	free(dv);
	if (rc) {
		dq_standins_close(s);
		return rc;
	}
	*out = s;
	return DQ_OK;
}
