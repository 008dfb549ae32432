/*
 * store_archive.c - the archive storage backend: a table inside a tar (plain, gzip, bzip2,
 * xz, zstd) or zip file, recognised by its content, read through libarchive.
 *
 * A compressed tar cannot seek, so the archive is read in passes from its start, never one
 * pass per file.  Opening it is one pass: every entry's name, size and mtime go into a
 * sorted index, and every file under a `_delta_log` is kept in memory, so listing and
 * replaying the log never touch the archive again.  Data files are not kept: their footers
 * come from one further pass over the files a command names (store_prefetch, which keeps
 * each file's tail), and anything else read from a data file costs a pass of its own.
 *
 * The archive is untrusted: entries with absolute names or `..` components, symbolic and
 * hard links, devices and fifos are left out of the index (so nothing can point outside the
 * archive, or outside the table inside it), every pass stops after `max_bytes` of
 * uncompressed data, and a held file may not exceed DQ_MAX_COMMIT_BYTES.  A damaged or
 * truncated archive is DQ_ECORRUPT naming the entry being read.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "larchive.h"
#include "store.h"
#include "table.h"

/* Most entries one archive may list: the index costs ~100 bytes per entry. */
#define ARC_MAX_ENTRIES ((size_t)50 * 1000 * 1000)
/* A tail kept by a read that missed, so that a Parquet footer read right after hits. */
#define ARC_MISS_TAIL ((size_t)256 << 10)

struct arc_entry {
	char *path;             /* normalized: no "./", no "//", no trailing '/' */
	int64_t size;           /* -1 for directories; files' sizes are known once indexed */
	int64_t mtime_ms;
	size_t index;           /* the entry's position in the archive */
	bool is_dir;
	bool held;              /* data holds the whole file */
	bool in_arena;          /* data lives in the store's log arena, not its own malloc */
	uint8_t *data;          /* the whole file (held) or a cached tail */
	size_t len;             /* bytes in data: the tail is data[0..len) = file[size-len..] */
};

struct store_archive {
	struct store base;
	char *file;             /* the archive, as opened */
	char *root;             /* the table's folder inside the archive; "" for its top */
	size_t rootlen;
	struct arc_entry *e;    /* sorted by path, one per path */
	size_t n;
	uint64_t max_bytes;     /* uncompressed bytes one pass may read */
	/* The log files' bytes, in big blocks: one malloc and its page faults per file cost
	 * a tenth of reading a 75 MB log from a .tar.zst. */
	struct dq_arena log;
};

/* Frees what e->data holds, unless the log arena does. */
static void entry_drop_data(struct arc_entry *e)
{
	if (!e->in_arena)
		free(e->data);
	e->data = NULL;
	e->in_arena = false;
}

/* libarchive's functions, loaded by the first store_archive_open (larchive.h).  Atomic:
 * two threads opening archives at once both store it (the same pointer). */
static const struct larchive *_Atomic la;

/* ---- names --------------------------------------------------------------------------- */

/*
 * The entry name as an index path: "./" and empty components dropped.  NULL (skipped) for
 * an absolute name or one with a ".." component, which no extraction may honour.
 */
static char *normalize(const char *name)
{
	if (!name || name[0] == '/')
		return NULL;
	size_t n = strlen(name);
	char *out = malloc(n + 1), *o = out;
	if (!out)
		return NULL;
	for (const char *p = name; *p;) {
		const char *q = strchr(p, '/');
		size_t len = q ? (size_t)(q - p) : strlen(p);
		if (len == 2 && p[0] == '.' && p[1] == '.') {
			free(out);
			return NULL;
		}
		if (len && !(len == 1 && p[0] == '.')) {
			if (o != out)
				*o++ = '/';
			memcpy(o, p, len);
			o += len;
		}
		p += len + (q != NULL);
	}
	*o = '\0';
	if (o == out) {
		free(out);
		return NULL;
	}
	return out;
}

static bool in_log(const char *path)
{
	const char *p = strstr(path, "_delta_log");
	while (p) {
		if ((p == path || p[-1] == '/') && (p[10] == '/' || p[10] == '\0'))
			return true;
		p = strstr(p + 1, "_delta_log");
	}
	return false;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct arc_entry *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	if (c)
		return c;
	/* A later entry of the same name replaces an earlier one, as tar extraction does. */
	return x->index < y->index ? -1 : x->index > y->index;
}

static struct arc_entry *lookup_full(struct store_archive *a, const char *full)
{
	size_t lo = 0, hi = a->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(a->e[mid].path, full);
		if (c == 0)
			return &a->e[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* The index path of a store path ("_delta_log/x.json"): root + '/' + path.  New. */
static char *full_path(const struct store_archive *a, const char *path)
{
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if (path[0] == '.' && !path[1])
		path++;
	size_t pl = strlen(path);
	if (pl && path[pl - 1] == '/')
		pl--;
	if (!a->rootlen)
		return strndup(path, pl);
	if (!pl)
		return strndup(a->root, a->rootlen);
	char *f = malloc(a->rootlen + 1 + pl + 1);
	if (!f)
		return NULL;
	memcpy(f, a->root, a->rootlen);
	f[a->rootlen] = '/';
	memcpy(f + a->rootlen + 1, path, pl);
	f[a->rootlen + 1 + pl] = '\0';
	return f;
}

static struct arc_entry *lookup(struct store_archive *a, const char *path)
{
	if (path[0] == '/')
		return NULL; /* an absolute path names something outside the archive */
	char *f = full_path(a, path);
	struct arc_entry *e = f ? lookup_full(a, f) : NULL;
	free(f);
	return e;
}

/* ---- passes over the archive ------------------------------------------------------- */

struct pass {
	struct store_archive *a;
	struct archive *ar;
	uint64_t bytes;         /* uncompressed bytes read so far */
	char entry[256];        /* name of the last entry whose header was read */
	bool in_header;         /* failing between entries, not inside one */
	struct dq_error *err;
};

static int pass_open(struct store_archive *a, struct pass *p, struct dq_error *err)
{
	*p = (struct pass){ .a = a, .err = err };
	p->ar = la->archive_read_new();
	if (!p->ar)
		return dq_fail(err, DQ_ENOMEM, "out of memory opening '%s'", a->file);
	la->archive_read_support_filter_all(p->ar);
	la->archive_read_support_format_tar(p->ar);
	la->archive_read_support_format_gnutar(p->ar);
	la->archive_read_support_format_zip(p->ar);
	if (la->archive_read_open_filename(p->ar, a->file, 1 << 16) != ARCHIVE_OK) {
		int e = la->archive_errno(p->ar);
		const char *why = la->archive_error_string(p->ar);
		int rc;
		if (e == ENOENT)
			rc = dq_fail_errno(err, DQ_ENOTTABLE, e, "cannot open '%s'", a->file);
		else if (e == EILSEQ) /* libarchive's ARCHIVE_ERRNO_FILE_FORMAT on Linux */
			/* No reader bid for the first bytes: not an archive at all. */
			rc = dq_fail(err, DQ_ENOTTABLE, "'%s' is not a Delta table (neither a folder "
				     "nor a tar or zip archive)", a->file);
		else
			rc = dq_fail_errno(err, e > 0 ? DQ_EIO : DQ_ECORRUPT, e > 0 ? e : 0, "cannot read archive '%s': %s", a->file,
					   why ? why : "unreadable");
		la->archive_read_free(p->ar);
		p->ar = NULL;
		return rc;
	}
	return DQ_OK;
}

static void pass_close(struct pass *p)
{
	if (p->ar)
		la->archive_read_free(p->ar);
	p->ar = NULL;
}

static int pass_corrupt(struct pass *p)
{
	const char *why = la->archive_error_string(p->ar);
	if (p->entry[0])
		return dq_fail(p->err, DQ_ECORRUPT, "cannot read archive '%s': %s '%s': %s",
			       p->a->file, p->in_header ? "after entry" : "entry", p->entry,
			       why ? why : "damaged");
	return dq_fail(p->err, DQ_ECORRUPT, "cannot read archive '%s': %s", p->a->file,
		       why ? why : "damaged");
}

/* Next header: 1 with *ae set, 0 at the end, or a negative DQ_* code. */
static int pass_next(struct pass *p, struct archive_entry **ae)
{
	p->in_header = true;
	int r = la->archive_read_next_header(p->ar, ae);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
		return -pass_corrupt(p);
	p->in_header = false;
	const char *name = la->archive_entry_pathname(*ae);
	snprintf(p->entry, sizeof(p->entry), "%s", name ? name : "?");
	return 1;
}

/*
 * Reads the current entry's data block by block, handing each to fn; stops early when fn
 * returns 1.  Counts the bytes against the archive's ceiling.
 */
static int pass_data(struct pass *p, int (*fn)(void *ctx, const uint8_t *b, size_t n, int64_t off),
		     void *ctx)
{
	for (;;) {
		const void *buf;
		size_t n;
		la_int64_t off;
		int r = la->archive_read_data_block(p->ar, &buf, &n, &off);
		if (r == ARCHIVE_EOF)
			return DQ_OK;
		if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
			return pass_corrupt(p);
		p->bytes += n;
		if (p->bytes > p->a->max_bytes)
			return dq_fail(p->err, DQ_EIO,
				       "cannot read archive '%s': more than %llu bytes uncompressed "
				       "(at entry '%s'; see --max-archive-bytes)",
				       p->a->file, (unsigned long long)p->a->max_bytes, p->entry);
		if (fn && n && fn(ctx, buf, n, off))
			return DQ_OK;
	}
}

/* Collects a whole entry into a buffer: a growing one, or (fixed) one of its stated size. */
struct collect {
	uint8_t *data;
	size_t len, cap, max;
	bool too_big;
	bool fixed;             /* data has cap bytes and cannot grow */
};

static int collect_block(void *ctx, const uint8_t *b, size_t n, int64_t off)
{
	struct collect *c = ctx;
	if (off < 0 || (uint64_t)off < c->len)
		return 0; /* blocks come in order; an overlap would be a libarchive bug */
	/* off > len is a hole in a sparse file: zeros up to off. */
	size_t end = (size_t)off + n;
	if (end > c->max) {
		c->too_big = true;
		return 1;
	}
	if (end > c->cap && c->fixed) {
		c->too_big = true; /* more than its header said: refused as corrupt */
		return 1;
	}
	if (end > c->cap) {
		size_t cap = c->cap ? c->cap : 4096;
		while (cap < end)
			cap *= 2;
		if (cap > c->max)
			cap = c->max;
		uint8_t *d = realloc(c->data, cap + 1);
		if (!d) {
			c->too_big = true;
			return 1;
		}
		c->data = d;
		c->cap = cap;
	}
	if ((size_t)off > c->len)
		memset(c->data + c->len, 0, (size_t)off - c->len);
	memcpy(c->data + off, b, n);
	c->len = end;
	return 0;
}

static int count_block(void *ctx, const uint8_t *b, size_t n, int64_t off)
{
	(void)b;
	int64_t *count = ctx;
	if (off + (int64_t)n > *count)
		*count = off + (int64_t)n;
	return 0;
}

/* Keeps the last `keep` bytes of an entry of `size` bytes, and serves one range. */
struct tail {
	int64_t size;
	uint8_t *data;          /* keep bytes: file[size-keep..size) */
	size_t keep;
	int64_t want_off;       /* a range to copy out as it passes, or -1 */
	size_t want_len;
	uint8_t *want;
	size_t got;
};

static int tail_block(void *ctx, const uint8_t *b, size_t n, int64_t off)
{
	struct tail *t = ctx;
	int64_t start = t->size - (int64_t)t->keep;
	int64_t lo = off > start ? off : start, hi = off + (int64_t)n;
	if (hi > t->size)
		hi = t->size;
	if (lo < hi)
		memcpy(t->data + (lo - start), b + (lo - off), (size_t)(hi - lo));
	if (t->want_off >= 0) {
		int64_t wl = off > t->want_off ? off : t->want_off;
		int64_t wh = t->want_off + (int64_t)t->want_len;
		if (wh > hi)
			wh = hi;
		if (wl < wh) {
			memcpy(t->want + (wl - t->want_off), b + (wl - off), (size_t)(wh - wl));
			if ((size_t)(wh - t->want_off) > t->got)
				t->got = (size_t)(wh - t->want_off);
		}
	}
	return 0;
}

/* ---- opening: the index pass --------------------------------------------------------- */

static int add_entry(struct store_archive *a, size_t *cap, struct arc_entry e,
		     struct dq_error *err)
{
	if (a->n == *cap) {
		if (a->n >= ARC_MAX_ENTRIES) {
			free(e.path);
			entry_drop_data(&e);
			return dq_fail(err, DQ_EIO, "cannot read archive '%s': more than %zu entries",
				       a->file, ARC_MAX_ENTRIES);
		}
		size_t nc = *cap ? *cap * 2 : 256;
		struct arc_entry *ne = dq_realloc_array(a->e, nc, sizeof(*ne));
		if (!ne) {
			free(e.path);
			entry_drop_data(&e);
			return dq_fail(err, DQ_ENOMEM, "out of memory indexing '%s'", a->file);
		}
		a->e = ne;
		*cap = nc;
	}
	a->e[a->n++] = e;
	return DQ_OK;
}

static void entry_free(struct arc_entry *e)
{
	free(e->path);
	entry_drop_data(e);
}

/* Adds the folders a tar may leave implicit, sorts, and keeps the last of each name. */
static int finish_index(struct store_archive *a, size_t *cap, struct dq_error *err)
{
	size_t files = a->n;
	for (size_t i = 0; i < files; i++) {
		char *p = a->e[i].path;
		for (char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
			char *d = strndup(p, (size_t)(s - p));
			if (!d)
				return dq_fail(err, DQ_ENOMEM, "out of memory indexing '%s'", a->file);
			int rc = add_entry(a, cap, (struct arc_entry){ .path = d, .size = -1,
					   .mtime_ms = a->e[i].mtime_ms, .is_dir = true, .index = 0 }, err);
			if (rc)
				return rc;
		}
	}
	if (a->n)
		qsort(a->e, a->n, sizeof(*a->e), cmp_entry);
	size_t o = 0;
	for (size_t i = 0; i < a->n; i++) {
		if (o && !strcmp(a->e[o - 1].path, a->e[i].path)) {
			/* Same name: a real entry beats a folder made up for it; else the later one. */
			struct arc_entry *prev = &a->e[o - 1];
			bool keep_prev = a->e[i].is_dir && a->e[i].index == 0 && a->e[i].size == -1 &&
					 !(prev->is_dir && prev->index == 0 && prev->size == -1);
			if (keep_prev && !(prev->is_dir && !a->e[i].is_dir)) {
				entry_free(&a->e[i]);
				continue;
			}
			entry_free(prev);
			*prev = a->e[i];
			continue;
		}
		a->e[o++] = a->e[i];
	}
	a->n = o;
	return DQ_OK;
}

static int index_pass(struct store_archive *a, struct dq_error *err)
{
	struct pass p;
	int rc = pass_open(a, &p, err);
	if (rc)
		return rc;
	size_t cap = 0, index = 1; /* 0 marks folders made up by finish_index */
	struct archive_entry *ae;
	int r;
	while ((r = pass_next(&p, &ae)) == 1) {
		const char *name = la->archive_entry_pathname(ae);
		mode_t type = la->archive_entry_filetype(ae);
		char *path = normalize(name);
		bool link = la->archive_entry_hardlink(ae) || la->archive_entry_symlink(ae);
		if (!path || link || (type != AE_IFREG && type != AE_IFDIR)) {
			free(path);
			if ((rc = pass_data(&p, NULL, NULL)))
				goto fail;
			index++;
			continue;
		}
		struct arc_entry e = {
			.path = path,
			.size = type == AE_IFDIR ? -1
				: la->archive_entry_size_is_set(ae) ? la->archive_entry_size(ae) : -1,
			.mtime_ms = la->archive_entry_mtime_is_set(ae)
				? (int64_t)la->archive_entry_mtime(ae) * 1000 +
				  la->archive_entry_mtime_nsec(ae) / 1000000
				: 0,
			.index = index++,
			.is_dir = type == AE_IFDIR,
		};
		if (!e.is_dir && in_log(path)) {
			/* Log files are held: listing and replay never come back for them.  A
			 * file whose size the header states goes into the log arena. */
			struct collect c = { .max = DQ_MAX_COMMIT_BYTES };
			if (e.size >= 0 && (uint64_t)e.size <= DQ_MAX_COMMIT_BYTES &&
			    (c.data = dq_arena_alloc(&a->log, (size_t)e.size + 1))) {
				c.cap = (size_t)e.size;
				c.fixed = e.in_arena = true;
			}
			rc = pass_data(&p, collect_block, &c);
			if (!rc && c.too_big && c.fixed)
				rc = dq_fail(err, DQ_ECORRUPT, "cannot read archive '%s': entry '%s' "
					     "holds more than the %lld bytes its header says", a->file,
					     name, (long long)e.size);
			else if (!rc && c.too_big)
				rc = dq_fail(err, DQ_EIO, "cannot read archive '%s': entry '%s' is larger "
					     "than %zu bytes", a->file, name, DQ_MAX_COMMIT_BYTES);
			if (rc) {
				if (!c.fixed)
					free(c.data);
				free(path);
				goto fail;
			}
			e.held = true;
			e.data = c.data;
			e.len = c.len;
			e.size = (int64_t)c.len;
		} else {
			/* A streamed zip entry may not state its size: count it. */
			int64_t count = 0;
			rc = pass_data(&p, e.is_dir || e.size >= 0 ? NULL : count_block, &count);
			if (rc) {
				free(path);
				goto fail;
			}
			if (!e.is_dir && e.size < 0)
				e.size = count;
		}
		if ((rc = add_entry(a, &cap, e, err)))
			goto fail;
	}
	if (r < 0) {
		rc = -r;
		if (index == 1 && la->archive_format(p.ar) == 0)
			/* Nothing bid for the first header: not an archive at all. */
			rc = dq_fail(err, DQ_ENOTTABLE, "'%s' is not a Delta table (neither a folder "
				     "nor a tar or zip archive)", a->file);
		goto fail;
	}
	pass_close(&p);
	return finish_index(a, &cap, err);
fail:
	pass_close(&p);
	return rc;
}

/* Folders holding a `_delta_log` folder: the tables in the archive. */
static size_t table_roots(const struct store_archive *a, const char **out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < a->n; i++) {
		const char *p = a->e[i].path, *slash = strrchr(p, '/');
		const char *base = slash ? slash + 1 : p;
		if (!a->e[i].is_dir || strcmp(base, "_delta_log"))
			continue;
		if (n < max)
			out[n] = p;
		n++;
	}
	return n;
}

static int choose_root(struct store_archive *a, const char *want, struct dq_error *err)
{
	const char *roots[8];
	size_t n = table_roots(a, roots, 8);
	char *sel = NULL;
	if (want) {
		sel = want[0] ? normalize(want) : dq_strdup("");
		if (!sel && want[0])
			return dq_fail(err, DQ_ENOTTABLE, "'%s#%s' is not a path inside the archive",
				       a->file, want);
	} else if (n == 1) {
		/* "a/b/_delta_log" -> "a/b"; "_delta_log" -> "" */
		size_t l = strlen(roots[0]) - strlen("_delta_log");
		sel = strndup(roots[0], l ? l - 1 : 0);
	} else {
		char list[200] = "";
		size_t used = 0;
		for (size_t i = 0; i < n && i < 8; i++) {
			size_t l = strlen(roots[i]) - strlen("_delta_log");
			int w = snprintf(list + used, sizeof(list) - used, "%s'#%.*s'", i ? ", " : "",
					 (int)(l ? l - 1 : 0), roots[i]);
			if (w < 0 || (size_t)w >= sizeof(list) - used)
				break;
			used += (size_t)w;
		}
		if (n == 0)
			return dq_fail(err, DQ_ENOTTABLE, "'%s' is not a Delta table (the archive holds "
				       "no _delta_log)", a->file);
		return dq_fail(err, DQ_ENOTTABLE, "'%s' holds %zu tables; pick one with "
			       "'%s#PATH': %s%s", a->file, n, a->file, list, n > 8 ? ", ..." : "");
	}
	if (!sel)
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	a->root = sel;
	a->rootlen = strlen(sel);
	/* Log files of other tables in the archive are not needed. */
	for (size_t i = 0; i < a->n; i++) {
		struct arc_entry *e = &a->e[i];
		if (e->held && !(a->rootlen == 0 ||
				 (!strncmp(e->path, sel, a->rootlen) && e->path[a->rootlen] == '/'))) {
			entry_drop_data(e);
			e->held = false;
			e->len = 0;
		}
	}
	return DQ_OK;
}

/* ---- the store operations ------------------------------------------------------------ */

static int arc_list(struct store *s, const char *dir, unsigned flags, struct store_entry **out,
		    size_t *n, struct dq_error *err)
{
	(void)flags;
	struct store_archive *a = (struct store_archive *)s;
	char *full = full_path(a, dir);
	if (!full)
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	struct arc_entry *d = full[0] ? lookup_full(a, full) : NULL;
	if (full[0] && (!d || !d->is_dir)) {
		free(full);
		return dq_fail_errno(err, DQ_EIO, d ? ENOTDIR : ENOENT, "cannot list '%s': %s", dir,
				     d ? "not a folder" : "no such folder in the archive");
	}
	size_t fl = strlen(full);
	/* Entries under "full/" are contiguous in sorted order, from the first one not below
	 * "full/"; the children among them have no further '/'. */
	size_t lo = 0, hi = fl ? a->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strncmp(a->e[mid].path, full, fl);
		if (c == 0)
			c = (unsigned char)a->e[mid].path[fl] - '/';
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	struct store_entry *e = NULL;
	size_t cnt = 0, cap = 0;
	for (size_t i = lo; i < a->n; i++) {
		const char *p = a->e[i].path;
		if (fl && (strncmp(p, full, fl) || p[fl] != '/'))
			break;
		const char *name = fl ? p + fl + 1 : p;
		if (strchr(name, '/'))
			continue;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 64;
			struct store_entry *ne = dq_realloc_array(e, cap, sizeof(*e));
			if (!ne)
				goto oom;
			e = ne;
		}
		e[cnt].name = dq_strdup(name);
		if (!e[cnt].name)
			goto oom;
		e[cnt].size = a->e[i].size;
		e[cnt].mtime_ms = a->e[i].mtime_ms;
		e[cnt].is_dir = a->e[i].is_dir;
		e[cnt].is_link = false; /* links in an archive are never entries */
		cnt++;
	}
	free(full);
	*out = e;
	*n = cnt;
	return DQ_OK;
oom:
	free(full);
	store_entries_free(e, cnt);
	return dq_fail(err, DQ_ENOMEM, "out of memory listing '%s'", dir);
}

static int arc_stat(struct store *s, const char *path, struct store_entry *out,
		    struct dq_error *err)
{
	struct store_archive *a = (struct store_archive *)s;
	struct arc_entry *e = path[0] ? lookup(a, path) : NULL;
	if (!path[0] || (path[0] == '.' && !path[1])) {
		*out = (struct store_entry){ .size = -1, .mtime_ms = -1, .is_dir = true };
		return DQ_OK;
	}
	if (!e)
		return dq_fail_errno(err, DQ_EIO, ENOENT, "cannot stat '%s': not in the archive",
				     path);
	*out = (struct store_entry){ .size = e->size, .mtime_ms = e->mtime_ms, .is_dir = e->is_dir };
	return DQ_OK;
}

/*
 * Reads the data of entry e, at which pass p stands, keeping its last `keep` bytes (cut to
 * trim's count when trim is given) as its cached tail; t holds the range to copy out as
 * it passes, if any.
 */
static int keep_tail(struct pass *p, struct arc_entry *e, size_t keep,
		     size_t (*trim)(const uint8_t *tail, size_t len, int64_t size), struct tail *t,
		     struct dq_error *err)
{
	if ((uint64_t)keep > (uint64_t)e->size)
		keep = (size_t)e->size;
	t->size = e->size;
	t->keep = keep;
	if (!(t->data = malloc(keep ? keep : 1)))
		return dq_fail(err, DQ_ENOMEM, "out of memory reading '%s'", e->path);
	int rc = pass_data(p, tail_block, t);
	if (rc) {
		free(t->data);
		return rc;
	}
	size_t k = trim ? trim(t->data, keep, e->size) : keep;
	if (k < keep) {
		memmove(t->data, t->data + (keep - k), k);
		uint8_t *d = realloc(t->data, k ? k : 1);
		if (d)
			t->data = d;
	}
	entry_drop_data(e);
	e->data = t->data;
	e->len = k;
	e->held = k == (size_t)e->size;
	return DQ_OK;
}

/*
 * One pass to the entry's data: copies [off, off+len) into want (when want) and keeps the
 * last `keep` bytes as the entry's cached tail.
 */
static int fetch(struct store_archive *a, struct arc_entry *e, int64_t off, size_t len,
		 void *want, size_t *got, size_t keep, struct dq_error *err)
{
	struct pass p;
	int rc = pass_open(a, &p, err);
	if (rc)
		return rc;
	struct archive_entry *ae;
	size_t index = 1;
	int r;
	while ((r = pass_next(&p, &ae)) == 1) {
		if (index++ != e->index) {
			if ((rc = pass_data(&p, NULL, NULL)))
				goto out;
			continue;
		}
		struct tail t = { .want_off = want ? off : -1, .want_len = len, .want = want };
		if ((rc = keep_tail(&p, e, keep, NULL, &t, err)) == DQ_OK)
			*got = t.got;
		goto out;
	}
	rc = r < 0 ? -r
		   : dq_fail(err, DQ_ECORRUPT, "cannot read archive '%s': entry '%s' vanished",
			     a->file, e->path);
out:
	pass_close(&p);
	return rc;
}

static int arc_read(struct store *s, const char *path, size_t max, struct dq_buf *out,
		    struct dq_error *err)
{
	struct store_archive *a = (struct store_archive *)s;
	struct arc_entry *e = lookup(a, path);
	if (!e || e->is_dir)
		return dq_fail_errno(err, DQ_EIO, e ? EISDIR : ENOENT, "cannot read '%s': %s", path,
				     e ? "a folder" : "not in the archive");
	if ((uint64_t)e->size > max)
		return dq_fail(err, DQ_EIO, "cannot read '%s': larger than %zu bytes", path, max);
	if (!e->held) {
		size_t got = 0;
		if ((uint64_t)e->size > DQ_MAX_COMMIT_BYTES)
			return dq_fail(err, DQ_EIO, "cannot read '%s': larger than %zu bytes", path,
				       DQ_MAX_COMMIT_BYTES);
		int rc = fetch(a, e, 0, 0, NULL, &got, (size_t)e->size, err);
		if (rc)
			return rc;
	}
	if (dq_buf_append(out, e->data ? (const void *)e->data : "", e->len))
		return dq_fail(err, DQ_ENOMEM, "out of memory reading '%s'", path);
	return DQ_OK;
}

/* Whether a read from `off` is served from memory: the whole file, or a tail from before
 * off (a read past the end is short, as from a file). */
static bool cached(const struct arc_entry *e, int64_t off)
{
	return e->held || (e->data && off >= e->size - (int64_t)e->len);
}

static int arc_read_range(struct store *s, const char *path, int64_t off, size_t len,
			  void *buf, size_t *got, struct dq_error *err)
{
	struct store_archive *a = (struct store_archive *)s;
	if (off < 0)
		return dq_fail(err, DQ_EINVAL, "cannot read '%s': negative offset", path);
	struct arc_entry *e = lookup(a, path);
	if (!e || e->is_dir)
		return dq_fail_errno(err, DQ_EIO, e ? EISDIR : ENOENT, "cannot read '%s': %s", path,
				     e ? "a folder" : "not in the archive");
	if (!cached(e, off))
		/* One pass; keep a tail too, as a Parquet footer is read from the end, twice. */
		return fetch(a, e, off, len, buf, got, ARC_MISS_TAIL, err);
	int64_t start = e->held ? 0 : e->size - (int64_t)e->len;
	int64_t end = off + (int64_t)len < e->size ? off + (int64_t)len : e->size;
	size_t n = end > off ? (size_t)(end - off) : 0;
	if (n)
		memcpy(buf, e->data + (off - start), n);
	*got = n;
	return DQ_OK;
}

/* One pass keeping the tails of the named files (see store_prefetch). */
static int arc_prefetch(struct store *s, const char *const *paths, size_t n, size_t tail,
			size_t (*trim)(const uint8_t *tail, size_t len, int64_t size),
			struct dq_error *err)
{
	struct store_archive *a = (struct store_archive *)s;
	/* The entries wanted, by their position in the archive; nothing to do (a second
	 * prefetch of the same files) costs no table of the whole archive. */
	size_t maxindex = 0, wanted = 0;
	for (size_t i = 0; i < n; i++) {
		struct arc_entry *e = lookup(a, paths[i]);
		if (e && !e->is_dir && !e->held && e->index && !e->data) {
			wanted++;
			if (e->index > maxindex)
				maxindex = e->index;
		}
	}
	if (!wanted)
		return DQ_OK;
	struct arc_entry **by_index = calloc(maxindex + 1, sizeof(*by_index));
	if (!by_index)
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct arc_entry *e = lookup(a, paths[i]);
		if (e && !e->is_dir && !e->held && e->index && !e->data)
			by_index[e->index] = e;
	}
	struct pass p;
	int rc = pass_open(a, &p, err);
	if (rc) {
		free(by_index);
		return rc;
	}
	struct archive_entry *ae;
	size_t index = 1;
	int r;
	while (wanted && (r = pass_next(&p, &ae)) == 1) {
		struct arc_entry *e = index <= maxindex ? by_index[index] : NULL;
		index++;
		if (!e) {
			if ((rc = pass_data(&p, NULL, NULL)))
				goto out;
			continue;
		}
		struct tail t = { .want_off = -1 };
		if ((rc = keep_tail(&p, e, tail, trim, &t, err)))
			goto out;
		wanted--;
	}
	if (wanted && r < 0)
		rc = -r;
out:
	pass_close(&p);
	free(by_index);
	return rc;
}

static size_t arc_held(struct store *s, const char *path)
{
	struct arc_entry *e = lookup((struct store_archive *)s, path);
	return e && !e->is_dir && e->data ? e->len : 0;
}

static void arc_close(struct store *s)
{
	struct store_archive *a = (struct store_archive *)s;
	for (size_t i = 0; i < a->n; i++)
		entry_free(&a->e[i]);
	dq_arena_release(&a->log);
	free(a->e);
	free(a->root);
	free(a->file);
	free(a->base.location);
	free(a);
}

static const struct store_ops archive_ops = {
	.list = arc_list,
	.stat = arc_stat,
	.read = arc_read,
	.read_range = arc_read_range,
	.prefetch = arc_prefetch,
	.held = arc_held,
	.close = arc_close,
};

int store_archive_open(const char *file, const char *inside, uint64_t max_bytes,
		       struct store **out, struct dq_error *err)
{
	const struct larchive *lib = larchive(err);
	if (!lib)
		return err->code;
	la = lib;
	struct store_archive *a = calloc(1, sizeof(*a));
	if (a)
		a->log.block = (size_t)8 << 20; /* 2 MiB pages (dq_hint_huge) */
	if (!a)
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	a->base.ops = &archive_ops;
	a->max_bytes = max_bytes ? max_bytes : DQ_ARCHIVE_MAX_BYTES;
	char *abs = realpath(file, NULL);
	a->file = dq_strdup(file);
	int rc;
	if (!abs || !a->file) {
		rc = abs ? dq_fail(err, DQ_ENOMEM, "out of memory")
			 : dq_fail_errno(err, errno == ENOENT ? DQ_ENOTTABLE : DQ_EIO, errno,
					 "cannot open '%s'", file);
		goto fail;
	}
	if ((rc = index_pass(a, err)))
		goto fail;
	if ((rc = choose_root(a, inside, err)))
		goto fail;
	if (a->rootlen && !lookup_full(a, a->root)) {
		rc = dq_fail(err, DQ_ENOTTABLE, "'%s#%s' is not a folder in the archive", file,
			     inside ? inside : a->root);
		goto fail;
	}
	size_t al = strlen(abs);
	a->base.location = malloc(al + 1 + a->rootlen + 1);
	if (!a->base.location) {
		rc = dq_fail(err, DQ_ENOMEM, "out of memory");
		goto fail;
	}
	memcpy(a->base.location, abs, al + 1);
	if (a->rootlen) {
		a->base.location[al] = '#';
		memcpy(a->base.location + al + 1, a->root, a->rootlen + 1);
	}
	free(abs);
	*out = &a->base;
	return DQ_OK;
fail:
	free(abs);
	arc_close(&a->base);
	return rc;
}
