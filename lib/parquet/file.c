/*
 * file.c - opening a Parquet file through the store (apache/parquet-format:README.md "File
 * Format"; ../shared/research/parquet.md section 1.1): one read of the file's tail finds
 * the trailing magic and the footer length, and usually the whole footer too; a longer
 * footer costs one more read.  "PAR1" ends a plaintext file (and must start it too when
 * the tail read covers the whole file); "PARE" ends an encrypted footer, refused as
 * unsupported.  A plaintext footer of an encrypted file opens (its metadata can be
 * shown), but column.c refuses its encrypted columns.
 */
#include <stdlib.h>
#include <string.h>

#include "reader.h"

/* A footer larger than this is refused rather than read into memory. */
#define MAX_FOOTER ((int64_t)1 << 30)

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* The store's "cannot read 'path'..." as "cannot read 'name'...", the rest kept. */
static void rename_in_error(struct dq_error *err, const char *path, const char *name)
{
	static const char pre[] = "cannot read '";
	size_t np = sizeof(pre) - 1, lp = strlen(path);
	if (!err || !strcmp(path, name) || strncmp(err->msg, pre, np) ||
	    strncmp(err->msg + np, path, lp) || err->msg[np + lp] != '\'')
		return;
	char out[2 * sizeof(err->msg) + 16];
	snprintf(out, sizeof(out), "%s%.*s'%s", pre, (int)sizeof(err->msg), name, err->msg + np + lp + 1);
	snprintf(err->msg, sizeof(err->msg), "%.*s", (int)sizeof(err->msg) - 1, out);
}

int parquet_read_at(const parquet_file *f, int64_t off, size_t len, void *buf,
		    struct dq_error *err)
{
	size_t got = 0;
	int rc = store_read_range(f->store, f->path, off, len, buf, &got, err);

	if (rc && err && err->sys_errno)
		return dq_fail_errno(err, rc, err->sys_errno, "cannot read '%s' at offset %lld",
				     f->name, (long long)off);
	if (rc)
		return rc;
	if (got != len)
		return dq_fail(err, DQ_EIO, "cannot read '%s': %zu bytes at offset %lld, the file "
			       "ended after %zu (did it change?)", f->name, len, (long long)off, got);
	return 0;
}

int parquet_open_named(struct store *s, const char *path, const char *name, parquet_file **out,
		       struct dq_error *err)
{
	struct store_entry st = { 0 };
	struct dq_buf tb = { 0 };
	uint8_t *tail = NULL, *footer;
	parquet_file *f;
	int rc;

	*out = NULL;
	if (!name)
		name = path;
	/* "PAR1", at least one footer byte, the length and "PAR1" again */
	size_t max = PARQUET_TAIL_BYTES;
	/* A store holding less than that in memory (a footer fetched from an archive) is read
	 * for what it holds: a byte before it could cost a pass over the whole archive. */
	size_t held = store_held(s, path);
	if (held >= 8 && held < max)
		max = held;
	if ((rc = store_stat_tail(s, path, max, &st, &tb, err))) {
		dq_buf_release(&tb);
		rename_in_error(err, path, name);
		return rc;
	}
	tail = (uint8_t *)tb.data;
	if (st.is_dir) {
		free(tail);
		return dq_fail(err, DQ_EIO, "cannot read '%s': is a directory", name);
	}
	if (!(f = calloc(1, sizeof(*f))) || !(f->path = dq_strdup(path)) ||
	    !(f->name = dq_strdup(name))) {
		free(tail);
		parquet_close(f);
		return dq_fail(err, DQ_ENOMEM, "cannot read '%s': out of memory", name);
	}
	f->store = s;
	f->size = st.size;
	f->mtime_ms = st.mtime_ms;
	if (f->size < 13) {
		rc = dq_fail(err, DQ_ECORRUPT, "cannot read '%s': not a Parquet file (%lld bytes "
			     "is too short)", name, (long long)f->size);
		goto fail;
	}
	size_t tlen = (uint64_t)f->size < max ? (size_t)f->size : max;
	int64_t toff = f->size - (int64_t)tlen;
	if (tb.len != tlen) {
		rc = dq_fail(err, DQ_EIO, "cannot read '%s': %zu bytes at offset %lld, the file "
			     "ended after %zu (did it change?)", name, tlen, (long long)toff, tb.len);
		goto fail;
	}
	if (!memcmp(tail + tlen - 4, "PARE", 4)) {
		rc = dq_fail(err, DQ_ENOTIMPL, "cannot read '%s': encrypted Parquet files are "
			     "not supported", name);
		goto fail;
	}
	if (memcmp(tail + tlen - 4, "PAR1", 4)) {
		rc = dq_fail(err, DQ_ECORRUPT, "cannot read '%s': not a Parquet file (no PAR1 "
			     "magic at its end)", name);
		goto fail;
	}
	if (toff == 0 && memcmp(tail, "PAR1", 4)) {
		rc = dq_fail(err, DQ_ECORRUPT, "cannot read '%s': not a Parquet file (no PAR1 "
			     "magic at its start)", name);
		goto fail;
	}
	f->footer_len = le32(tail + tlen - 8);
	if (f->footer_len == 0 || (int64_t)f->footer_len > f->size - 12) {
		rc = dq_fail(err, DQ_ECORRUPT, "cannot read '%s': invalid footer length %u at "
			     "offset %lld (the file has %lld bytes)", name, f->footer_len,
			     (long long)(f->size - 8), (long long)f->size);
		goto fail;
	}
	if ((int64_t)f->footer_len > MAX_FOOTER) {
		rc = dq_fail(err, DQ_ENOTIMPL, "cannot read '%s': footer of %u bytes is too "
			     "large", name, f->footer_len);
		goto fail;
	}
	f->footer_offset = f->size - 8 - (int64_t)f->footer_len;
	if (f->footer_offset >= toff) {
		footer = tail + (f->footer_offset - toff);
	} else {
		/* The footer is longer than the tail read: read it whole. */
		free(tail);
		if (!(tail = malloc(f->footer_len))) {
			rc = dq_fail(err, DQ_ENOMEM, "cannot read '%s': out of memory", name);
			goto fail;
		}
		if ((rc = parquet_read_at(f, f->footer_offset, f->footer_len, tail, err)))
			goto fail;
		footer = tail;
	}
	if ((rc = parquet_meta_parse(footer, f->footer_len, name, f->footer_offset, &f->meta, err)))
		goto fail;
	free(tail);
	*out = f;
	return 0;
fail:
	free(tail);
	parquet_close(f);
	return rc;
}

int parquet_open(struct store *s, const char *path, parquet_file **out, struct dq_error *err)
{
	return parquet_open_named(s, path, path, out, err);
}

void parquet_close(parquet_file *f)
{
	if (!f)
		return;
	parquet_meta_release(&f->meta);
	free(f->path);
	free(f->name);
	free(f);
}

const struct parquet_meta *parquet_metadata(const parquet_file *f)
{
	return &f->meta;
}

int64_t parquet_file_size(const parquet_file *f)
{
	return f->size;
}

const char *parquet_file_name(const parquet_file *f)
{
	return f->name;
}
