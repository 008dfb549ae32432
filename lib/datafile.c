/*
 * datafile.c - what `scan` and `check --deep` learn from a data file itself rather than
 * from the log: that it exists, its size and mtime on disk, and its Parquet footer's row
 * and row-group counts.  Only the footer is read (one tail read), never the data.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "reader.h"
#include "table.h"

/* s3://, abfss://, file://host/...: names deltaq's local store cannot open. */
static bool remote(const char *path)
{
	const char *p = path;
	while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
	       *p == '+' || *p == '.' || *p == '-')
		p++;
	return p - path > 1 && p[0] == ':' && p[1] == '/';
}

int dq_data_file_inspect(dq_table *t, const char *path, bool footer, struct dq_data_file *out,
			 struct dq_error *err)
{
	*out = (struct dq_data_file){ .size = -1, .modification_time = -1, .num_rows = -1,
				      .row_groups = -1 };
	int rc = table_check(t, err);
	if (rc)
		return rc;
	if (remote(path))
		return dq_fail(err, DQ_ENOTIMPL, "cannot read '%s': not a local file", path);
	struct store_entry st;
	if ((rc = store_stat(t->store, path, &st, err)))
		return rc;
	if (st.is_dir)
		return dq_fail_errno(err, DQ_EIO, EISDIR, "cannot read '%s': is a directory", path);
	out->size = st.size;
	out->modification_time = st.mtime_ms;
	if (!footer)
		return DQ_OK;
	parquet_file *f;
	if ((rc = parquet_open_named(t->store, path, path, &f, err)))
		return rc;
	const struct parquet_meta *m = parquet_metadata(f);
	out->num_rows = m->num_rows;
	out->row_groups = (int64_t)m->nrow_groups;
	parquet_close(f);
	return DQ_OK;
}
