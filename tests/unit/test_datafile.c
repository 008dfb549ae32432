/*
 * test_datafile.c - dq_data_file_inspect, what `scan` and `check --deep` read from a data
 * file: its size and mtime on disk and its footer's row and row-group counts.  Real footers
 * come from tests/fixtures/parquet (their counts from the .meta.json files the generator
 * wrote beside them); missing files, directories, non-Parquet bytes, remote URIs and a
 * handle inherited across fork() must give the documented errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "deltaq.h"
#include "unit.h"

#define FIXTURES "tests/fixtures/parquet"

static char root[256];
static dq_table *t;

static void write_file(const char *rel, const void *data, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *fp = fopen(path, "wb");
	if (!fp || fwrite(data, 1, len, fp) != len || fclose(fp) != 0) {
		FAILF("cannot write %s", path);
		exit(1);
	}
}

static void copy_fixture(const char *name, const char *rel)
{
	char path[512];
	snprintf(path, sizeof(path), FIXTURES "/%s", name);
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		FAILF("cannot open %s", path);
		exit(1);
	}
	static char buf[1 << 20];
	size_t n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	write_file(rel, buf, n);
}

/* The fixture's own record of its shape, written by gen.mjs beside it. */
static void expected(const char *name, int64_t *rows, int64_t *groups)
{
	char path[512];
	snprintf(path, sizeof(path), FIXTURES "/%s.meta.json", name);
	json_error_t je;
	json_t *m = json_load_file(path, 0, &je);
	*rows = m ? json_integer_value(json_object_get(m, "num_rows")) : -2;
	*groups = m ? json_integer_value(json_object_get(m, "num_row_groups")) : -2;
	json_decref(m);
}

static void footers(void)
{
	static const char *const names[] = { "duck_gzip_v1.parquet", "duck_zstd_v2enc_rg100.parquet",
					     "rs_snappy_v2_rg100_pages.parquet", "duck_empty.parquet" };
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		char rel[128];
		snprintf(rel, sizeof(rel), "p=1/%s", names[i]);
		copy_fixture(names[i], rel);
		int64_t rows, groups;
		expected(names[i], &rows, &groups);
		struct dq_data_file d;
		struct dq_error err;
		int rc = dq_data_file_inspect(t, rel, true, &d, &err);
		CHECKF(rc == DQ_OK, "%s: %s", rel, rc ? err.msg : "");
		CHECK_INT(d.num_rows, rows);
		CHECK_INT(d.row_groups, groups);
		struct stat st;
		char abs[512];
		snprintf(abs, sizeof(abs), "%s/%s", root, rel);
		CHECK(stat(abs, &st) == 0 && d.size == st.st_size);
		CHECK(d.modification_time == (int64_t)st.st_mtim.tv_sec * 1000 +
						     st.st_mtim.tv_nsec / 1000000);
		/* An absolute path (a file outside the table root) reads the same. */
		struct dq_data_file a;
		CHECK(dq_data_file_inspect(t, abs, true, &a, &err) == DQ_OK && a.num_rows == rows);
		/* Without the footer: size and mtime only. */
		struct dq_data_file s;
		CHECK(dq_data_file_inspect(t, rel, false, &s, &err) == DQ_OK);
		CHECK(s.size == d.size && s.num_rows == -1 && s.row_groups == -1);
	}
}

static void errors(void)
{
	struct dq_data_file d;
	struct dq_error err;

	CHECK_INT(dq_data_file_inspect(t, "p=1/missing.parquet", true, &d, &err), DQ_EIO);
	CHECK_INT(err.sys_errno, ENOENT);
	CHECK(strstr(err.msg, "missing.parquet") != NULL);
	CHECK(d.size == -1 && d.num_rows == -1);

	CHECK_INT(dq_data_file_inspect(t, "p=1", true, &d, &err), DQ_EIO);
	CHECK_INT(err.sys_errno, EISDIR);

	write_file("junk.parquet", "PAR1 this is not parquet", 24);
	CHECK_INT(dq_data_file_inspect(t, "junk.parquet", true, &d, &err), DQ_ECORRUPT);
	CHECK(strstr(err.msg, "junk.parquet") != NULL);
	CHECK_INT(d.size, 24); /* it exists: the size is known even though the footer is bad */

	write_file("short.parquet", "PAR1", 4);
	CHECK_INT(dq_data_file_inspect(t, "short.parquet", true, &d, &err), DQ_ECORRUPT);

	CHECK_INT(dq_data_file_inspect(t, "s3://bucket/t/part-0.parquet", true, &d, &err),
		  DQ_ENOTIMPL);
	CHECK(strstr(err.msg, "s3://bucket") != NULL);
}

/* A handle used after fork() answers DQ_EFORKED in the child. */
static void forked(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct dq_data_file d;
		struct dq_error err;
		int rc = dq_data_file_inspect(t, "p=1/duck_gzip_v1.parquet", true, &d, &err);
		_exit(rc == DQ_EFORKED ? 0 : 1);
	}
	int status = 0;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid);
	CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child did not get DQ_EFORKED");
}

int main(void)
{
	snprintf(root, sizeof(root), "%s/dq-datafile-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(root))
		return perror("mkdtemp"), 1;
	char d[512];
	snprintf(d, sizeof(d), "%s/_delta_log", root);
	mkdir(d, 0755);
	snprintf(d, sizeof(d), "%s/p=1", root);
	mkdir(d, 0755);

	struct dq_error err;
	if (dq_table_open(root, NULL, &t, &err) != DQ_OK)
		return fprintf(stderr, "%s\n", err.msg), 1;
	unit_run("footers", footers);
	unit_run("errors", errors);
	unit_run("forked", forked);
	dq_table_close(t);

	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		FAILF("cannot remove %s", root);
	return unit_done();
}
