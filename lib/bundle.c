/*
 * bundle.c - dq_bundle_write: a table's _delta_log, and optionally its data files or just
 * their footers, written into a tar or zip archive that deltaq (or tar and unzip) reads
 * back as the same table.  For bug reports and fixtures.
 *
 * Reproducible by construction: entries in sorted path order, owner 0:0, modes 0644 and
 * 0755, each entry's mtime the file's own (commit timestamps are table state), no atime,
 * ctime, user or group names, and filters told to leave their own timestamps out.  The
 * same table and options give the same bytes.
 *
 * A footer-only data file (DQ_BUNDLE_FOOTERS) keeps the file's size and its real footer at
 * its end, with zeros where the data pages were: every offset in the footer stays valid,
 * so `parquet`, `scan` and `check --deep` read it like the original, and zeros cost almost
 * nothing compressed.
 *
 * The archive is written to a temporary file beside OUT and renamed over it at the end,
 * so a failure never leaves a partial OUT.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dv.h"
#include "internal.h"
#include "larchive.h"
#include "log.h"
#include "reader.h"
#include "redact.h"
#include "table.h"

#define CHUNK ((size_t)1 << 20)

/* libarchive's functions, loaded by dq_bundle_write (larchive.h).  Atomic: two threads
 * writing bundles at once both store it (the same pointer). */
static const struct larchive *_Atomic la;

struct item {
	char *path;             /* relative to the table root */
	int64_t size, mtime_ms;
	enum { WHOLE, FOOTER, REDACTED } how;
	uint8_t *data;          /* REDACTED: the content to write */
};

struct items {
	struct item *v;
	size_t n, cap;
};

static int push(struct items *it, const char *path, int64_t size, int64_t mtime_ms, int how)
{
	if (it->n == it->cap) {
		size_t cap = it->cap ? it->cap * 2 : 256;
		struct item *v = dq_realloc_array(it->v, cap, sizeof(*v));
		if (!v)
			return -1;
		it->v = v;
		it->cap = cap;
	}
	char *p = dq_strdup(path);
	if (!p)
		return -1;
	it->v[it->n++] = (struct item){ .path = p, .size = size, .mtime_ms = mtime_ms, .how = how };
	return 0;
}

static int cmp_item(const void *a, const void *b)
{
	return strcmp(((const struct item *)a)->path, ((const struct item *)b)->path);
}

/* Whether a _delta_log file belongs to a bundle cut at `from`. */
static bool wanted(const char *name, int64_t from, int64_t keep_checkpoint)
{
	if (from < 0)
		return true;
	struct log_name n;
	switch (log_classify(name, &n)) {
	case LOG_COMMIT:
	case LOG_CRC:
	case LOG_COMPACTED:
		return n.version >= from;
	case LOG_CHECKPOINT:
		return n.version >= from || n.version == keep_checkpoint;
	default:
		return true; /* _last_checkpoint and anything deltaq does not classify */
	}
}

/* Every file under dir (recursively, depth levels below _delta_log, one more below the
 * table root: so depth STORE_MAX_DEPTH is one level too deep), as items. */
static int walk(struct store *s, const char *dir, int64_t from, int64_t keep_checkpoint,
		int depth, struct items *it, struct dq_error *err)
{
	struct store_entry *e;
	size_t n;
	if (depth >= STORE_MAX_DEPTH)
		return store_too_deep(dir, err);
	int rc = store_list(s, dir, STORE_LIST_STAT, &e, &n, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < n && !rc; i++) {
		char *p = malloc(strlen(dir) + 1 + strlen(e[i].name) + 1);
		if (!p) {
			rc = dq_fail(err, DQ_ENOMEM, "out of memory");
			break;
		}
		sprintf(p, "%s/%s", dir, e[i].name);
		struct log_name ln;
		if (e[i].is_dir && !depth && log_classify(e[i].name, &ln) == LOG_COMMIT)
			/* What the replay refuses must not go into a bundle that reads back. */
			rc = dq_fail(err, DQ_ECORRUPT, "cannot bundle '%s': a folder where a commit "
				     "file belongs", p);
		else if (e[i].is_dir && e[i].is_link)
			; /* not followed: it could lead out of the table, or round in a loop */
		else if (e[i].is_dir)
			rc = walk(s, p, from, keep_checkpoint, depth + 1, it, err);
		else if ((depth || wanted(e[i].name, from, keep_checkpoint)) &&
			 push(it, p, e[i].size, e[i].mtime_ms, WHOLE))
			rc = dq_fail(err, DQ_ENOMEM, "out of memory");
		free(p);
	}
	store_entries_free(e, n);
	return rc;
}

/* The data files (and their DV files) of the latest snapshot. */
static int data_files(dq_table *t, bool footers, struct items *it, struct dq_error *err)
{
	struct dq_snapshot_request req = { .version = -1, .need = DQ_NEED_FILES };
	dq_snapshot *s;
	int rc = dq_snapshot_open(t, &req, &s, err);
	if (rc)
		return rc;
	if ((rc = dq_snapshot_require_files(s, err)))
		goto out;
	struct dq_strset dvs = { 0 }; /* DV files already added */
	for (size_t i = 0; i < dq_snapshot_num_files(s) && !rc; i++) {
		const struct dq_file *f = dq_snapshot_file(s, i);
		if (f->path[0] == '/' || strstr(f->path, "://"))
			continue; /* outside the table root: not the table's to bundle */
		struct store_entry st;
		struct dq_error e = { 0 };
		if (store_stat(t->store, f->path, &st, &e) != DQ_OK) {
			rc = dq_fail(err, DQ_EIO, "cannot bundle '%s': %s", f->path, e.msg);
			break;
		}
		if (push(it, f->path, st.size, st.mtime_ms, footers ? FOOTER : WHOLE)) {
			rc = dq_fail(err, DQ_ENOMEM, "out of memory");
			break;
		}
		/* Its deletion vector: row numbers, no values; several files may share one. */
		char dv[4096];
		if (dv_key_file(dq_table_location(t), f->key, dv, sizeof(dv)) && !dq_strset_has(&dvs, dv) &&
		    store_stat(t->store, dv, &st, NULL) == DQ_OK && !st.is_dir &&
		    (push(it, dv, st.size, st.mtime_ms, WHOLE) ||
		     dq_strset_add(&dvs, it->v[it->n - 1].path) < 0))
			rc = dq_fail(err, DQ_ENOMEM, "out of memory");
	}
	dq_strset_release(&dvs);
out:
	dq_snapshot_close(s);
	return rc;
}

struct writer {
	struct archive *a;
	const char *top;        /* the folder every entry goes in: the table's name */
	struct redactor *red;   /* --redact, else NULL */
	const char *out;
	struct dq_error *err;
	uint8_t *buf;
};

static int wfail(struct writer *w, const char *what)
{
	return dq_fail(w->err, DQ_EIO, "cannot write '%s': %s: %s", w->out, what,
		       la->archive_error_string(w->a) ? la->archive_error_string(w->a) : "error");
}

static int put(struct writer *w, const void *p, size_t n, const char *path)
{
	if (n && la->archive_write_data(w->a, p, n) != (la_ssize_t)n)
		return wfail(w, path);
	return DQ_OK;
}

static int write_item(struct writer *w, struct store *s, const struct item *x)
{
	struct archive_entry *e = la->archive_entry_new();
	if (!e)
		return dq_fail(w->err, DQ_ENOMEM, "out of memory");
	char name[PATH_MAX + 256];
	snprintf(name, sizeof(name), "%s/%s", w->top, x->path);
	la->archive_entry_set_pathname(e, name);
	la->archive_entry_set_filetype(e, AE_IFREG);
	la->archive_entry_set_perm(e, 0644);
	la->archive_entry_set_uid(e, 0);
	la->archive_entry_set_gid(e, 0);
	la->archive_entry_set_size(e, x->size);
	int64_t ms = x->mtime_ms > 0 ? x->mtime_ms : 0;
	la->archive_entry_set_mtime(e, (time_t)(ms / 1000), (long)(ms % 1000) * 1000000);
	int rc = DQ_OK;
	if (la->archive_write_header(w->a, e) != ARCHIVE_OK) {
		rc = wfail(w, x->path);
		goto out;
	}
	int64_t data_end = x->size; /* bytes copied from the file; zeros after, up to the footer */
	uint8_t tail[8];
	size_t got;
	if (x->how == FOOTER) {
		/* The footer parquet_open would read, or none. */
		if (x->size >= 8 && (rc = store_read_range(s, x->path, x->size - 8, 8, tail, &got,
							   w->err))) {
			char why[sizeof(w->err->msg)];
			snprintf(why, sizeof(why), "%s", w->err->msg);
			dq_fail(w->err, rc, "cannot bundle the footer of '%s': %s", x->path, why);
			goto out;
		}
		int64_t footer = x->size >= 8 && got == 8 ? parquet_footer_len(tail, x->size) : -1;
		if (footer < 0) {
			rc = dq_fail(w->err, DQ_ECORRUPT, "cannot bundle the footer of '%s': not a "
				     "Parquet file (its last 8 bytes name no footer)", x->path);
			goto out;
		}
		data_end = x->size - 8 - footer;
	}
	if (x->how == REDACTED) {
		rc = put(w, x->data, (size_t)x->size, x->path);
		goto out;
	}
	if (x->how == WHOLE && x->size <= (int64_t)(64 << 20)) {
		/* One read: an archive backend then fetches the file in one pass, not per chunk. */
		struct dq_buf b = { 0 };
		if ((rc = store_read(s, x->path, (size_t)x->size, &b, w->err)) == DQ_OK) {
			if (b.len != (size_t)x->size)
				rc = dq_fail(w->err, DQ_EIO, "cannot bundle '%s': it changed while being "
					     "read", x->path);
			else
				rc = put(w, b.data, b.len, x->path);
		}
		dq_buf_release(&b);
		goto out;
	}
	/* A footer-only file starts with "PAR1" like any Parquet file; its data is zeros. */
	int64_t zeros_from = x->how == FOOTER ? 4 : data_end, off = 0;
	if (x->how == FOOTER) {
		/* Written, not read: the footer's tail is all an archive source has fetched. */
		if ((rc = put(w, "PAR1", 4, x->path)))
			goto out;
		off = 4;
	}
	while (off < x->size && !rc) {
		size_t n = x->size - off < (int64_t)CHUNK ? (size_t)(x->size - off) : CHUNK;
		if (off >= zeros_from && off < data_end) {
			if (off + (int64_t)n > data_end)
				n = (size_t)(data_end - off);
			memset(w->buf, 0, n);
			rc = put(w, w->buf, n, x->path);
		} else {
			if ((rc = store_read_range(s, x->path, off, n, w->buf, &got, w->err)))
				break;
			if (got != n) {
				rc = dq_fail(w->err, DQ_EIO, "cannot bundle '%s': it changed while being "
					     "read", x->path);
				break;
			}
			rc = put(w, w->buf, n, x->path);
		}
		off += (int64_t)n;
	}
out:
	la->archive_entry_free(e);
	return rc;
}

/*
 * A JSON log file (commit, .crc) with every action redacted, into x->data.  Lines that
 * are not JSON cannot be redacted and are an error rather than a leak.
 */
static int redact_item(struct redactor *r, struct store *s, struct item *x, struct dq_error *err)
{
	struct dq_buf in = { 0 }, out = { 0 };
	int rc = store_read(s, x->path, DQ_MAX_COMMIT_BYTES, &in, err);
	size_t line = 0;
	for (size_t i = 0; !rc && i < in.len;) {
		const char *nl = memchr(in.data + i, '\n', in.len - i);
		size_t n = nl ? (size_t)(nl - (in.data + i)) : in.len - i;
		line++;
		size_t b = i, e = i + n;
		while (b < e && (in.data[b] == ' ' || in.data[b] == '\t' || in.data[b] == '\r'))
			b++;
		if (b < e) {
			json_error_t je;
			json_t *a = json_loadb(in.data + b, e - b, 0, &je);
			char *text = NULL;
			if (!a)
				rc = dq_fail(err, DQ_ECORRUPT, "cannot redact '%s' line %zu: not JSON (%s)",
					     x->path, line, je.text);
			else if (!json_is_object(a)) /* an action is an object: this would go out as it came */
				rc = dq_fail(err, DQ_ECORRUPT, "cannot redact '%s' line %zu: not a JSON object",
					     x->path, line);
			else if (redact_action(r, a) || !(text = json_dumps(a, JSON_COMPACT | JSON_REAL_PRECISION(12))) ||
				 dq_buf_puts(&out, text) || dq_buf_puts(&out, "\n"))
				rc = dq_fail(err, DQ_ENOMEM, "out of memory redacting '%s'", x->path);
			free(text);
			json_decref(a);
		}
		i += n + (nl != NULL);
	}
	dq_buf_release(&in);
	if (rc) {
		dq_buf_release(&out);
		return rc;
	}
	x->how = REDACTED;
	x->size = (int64_t)out.len;
	x->data = (uint8_t *)out.data;
	if (!x->data)
		x->data = (uint8_t *)dq_strdup("");
	return x->data ? DQ_OK : dq_fail(err, DQ_ENOMEM, "out of memory");
}

/*
 * --redact keeps the JSON commits and .crc files, redacted, and leaves out what it cannot
 * rewrite: checkpoints, sidecars, _last_checkpoint, anything unknown.  The commits must
 * then replay on their own, from version 0.
 */
static int redact_items(dq_table *t, struct redactor *r, struct items *it, struct dq_error *err)
{
	size_t o = 0;
	bool v0 = false;
	int rc = DQ_OK;
	for (size_t i = 0; i < it->n; i++) {
		struct item *x = &it->v[i];
		/* Only the log is bundled with --redact: every path is "_delta_log/..." */
		const char *name = x->path + strlen("_delta_log/");
		struct log_name n;
		bool top = !strchr(name, '/');
		enum log_kind k = top ? log_classify(name, &n) : LOG_UNKNOWN;
		if (!rc && top && (k == LOG_COMMIT || k == LOG_CRC)) {
			v0 |= k == LOG_COMMIT && n.version == 0;
			rc = redact_item(r, t->store, x, err);
			it->v[o++] = *x;
			continue;
		}
		free(x->path);
		free(x->data);
	}
	it->n = o;
	if (!rc && !v0)
		rc = dq_fail(err, DQ_ENOTIMPL, "cannot redact the table: its early commits are gone "
			     "and deltaq cannot rewrite the checkpoints that replace them");
	return rc;
}

/*
 * The folder the bundle's entries go in, so that extracting it makes one folder: the
 * table folder's name ("/data/events" -> "events", "/x/t.tar#a/b" -> "b").
 */
static const char *top_folder(const char *location, char *buf, size_t len)
{
	const char *inside = strrchr(location, '#');
	const char *p = inside ? inside + 1 : location;
	const char *slash = strrchr(p, '/');
	const char *name = slash ? slash + 1 : p;
	if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		name = "table";
	snprintf(buf, len, "%s", name);
	return buf;
}

/* The archive format for OUT's name. */
static int setup_format(struct archive *a, const char *out, const char **fmt)
{
	size_t n = strlen(out);
#define ENDS(s) (n >= sizeof(s) - 1 && !strcasecmp(out + n - (sizeof(s) - 1), s))
	int r;
	if (ENDS(".zip")) {
		*fmt = "zip";
		r = la->archive_write_set_format_zip(a);
	} else {
		r = la->archive_write_set_format_pax(a);
		if (r == ARCHIVE_OK) {
			if (ENDS(".tar.gz") || ENDS(".tgz")) {
				*fmt = "tar.gz";
				r = la->archive_write_add_filter_gzip(a);
				if (r == ARCHIVE_OK)
					r = la->archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
			} else if (ENDS(".tar.xz") || ENDS(".txz")) {
				*fmt = "tar.xz";
				r = la->archive_write_add_filter_xz(a);
			} else if (ENDS(".tar")) {
				*fmt = "tar";
			} else {
				*fmt = "tar.zst";
				r = la->archive_write_add_filter_zstd(a);
			}
		}
	}
#undef ENDS
	return r == ARCHIVE_OK || r == ARCHIVE_WARN ? 0 : -1;
}

int dq_bundle_write(dq_table *t, const char *out, const struct dq_bundle_options *o,
		    struct dq_bundle_result *res, struct dq_error *err)
{
	struct dq_bundle_options def = { .from = -1 };
	if (!o)
		o = &def;
	*res = (struct dq_bundle_result){ 0 };
	int rc = table_check(t, err);
	if (rc)
		return rc;
	const struct larchive *lib = larchive(err);
	if (!lib)
		return err->code;
	la = lib;
	if (o->redact_key && (o->footers || o->with_data || o->from >= 0))
		return dq_fail(err, DQ_EINVAL, "--redact takes the whole log and no data files: "
			       "data files hold the values it hides");
	struct items it = { 0 };
	int64_t keep_checkpoint = -1;
	if (o->from >= 0) {
		const struct log_listing *l;
		if ((rc = table_listing(t, &l, err)))
			return rc;
		/* Replay needs the newest checkpoint at or below `from` and every commit after
		 * it; without one, the whole log. */
		keep_checkpoint = log_latest_checkpoint(l, o->from);
	}
	int64_t from = keep_checkpoint < 0 ? -1 : keep_checkpoint + 1;
	if ((rc = walk(t->store, "_delta_log", from, keep_checkpoint, 0, &it, err)))
		goto out;
	if ((o->footers || o->with_data) && (rc = data_files(t, !o->with_data, &it, err)))
		goto out;
	if (it.n)
		qsort(it.v, it.n, sizeof(*it.v), cmp_item); /* also: commits in version order */
	if (o->redact_key) {
		struct redactor red;
		redact_init(&red, o->redact_key);
		rc = redact_items(t, &red, &it, err);
		redact_release(&red);
		if (rc)
			goto out;
	}
	if (o->footers && !o->with_data) {
		/* A table in an archive fetches every footer in one pass, and the deletion
		 * vector files (the only whole files here) in one more. */
		const char **paths = dq_realloc_array(NULL, it.n ? it.n : 1, sizeof(*paths));
		const char **whole = dq_realloc_array(NULL, it.n ? it.n : 1, sizeof(*whole));
		if (!paths || !whole) {
			free(paths);
			free(whole);
			rc = dq_fail(err, DQ_ENOMEM, "out of memory");
			goto out;
		}
		size_t np = 0, nw = 0;
		for (size_t i = 0; i < it.n; i++)
			if (it.v[i].how == FOOTER)
				paths[np++] = it.v[i].path;
			else if (it.v[i].how == WHOLE)
				whole[nw++] = it.v[i].path;
		rc = dq_data_files_prefetch(t, paths, NULL, np, err);
		if (!rc && nw)
			rc = store_prefetch(t->store, whole, nw, SIZE_MAX, NULL, err);
		free(paths);
		free(whole);
		if (rc)
			goto out;
	}
	for (size_t i = 0; i < it.n; i++)
		res->total_bytes += (uint64_t)(it.v[i].size > 0 ? it.v[i].size : 0);

	char topbuf[256];
	char *tmp = malloc(strlen(out) + 32);
	struct writer w = { .a = la->archive_write_new(), .out = out, .err = err, .buf = malloc(CHUNK) };
	if (!tmp || !w.a || !w.buf) {
		rc = dq_fail(err, DQ_ENOMEM, "out of memory");
		goto done;
	}
	sprintf(tmp, "%s.tmp%ld", out, (long)getpid());
	w.top = top_folder(dq_table_location(t), topbuf, sizeof(topbuf));
	if (setup_format(w.a, out, &res->format)) {
		rc = wfail(&w, "archive format");
		goto done;
	}
	la->archive_write_set_bytes_in_last_block(w.a, 1);
	if (la->archive_write_open_filename(w.a, tmp) != ARCHIVE_OK) {
		rc = dq_fail_errno(err, DQ_EIO, la->archive_errno(w.a) > 0 ? la->archive_errno(w.a) : 0,
				   "cannot write '%s'", out);
		goto done;
	}
	for (size_t i = 0; i < it.n && !rc; i++) {
		if ((rc = write_item(&w, t->store, &it.v[i])))
			break;
		res->entries++;
		res->bytes += (uint64_t)(it.v[i].size > 0 ? it.v[i].size : 0);
		if (o->progress)
			o->progress(o->progress_ctx, res->bytes, res->total_bytes);
	}
	if (!rc && la->archive_write_close(w.a) != ARCHIVE_OK)
		rc = wfail(&w, "closing");
	if (!rc && rename(tmp, out) != 0)
		rc = dq_fail_errno(err, DQ_EIO, errno, "cannot write '%s'", out);
done:
	if (w.a)
		la->archive_write_free(w.a);
	if (rc && tmp)
		unlink(tmp);
	free(tmp);
	free(w.buf);
out:
	for (size_t i = 0; i < it.n; i++) {
		free(it.v[i].path);
		free(it.v[i].data);
	}
	free(it.v);
	return rc;
}
