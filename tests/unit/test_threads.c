/*
 * test_threads.c - handles used from several threads at once, each thread with its own:
 * THREADS threads each open the same table as a folder and as a tar archive ROUNDS
 * times, replay it (on the handle's own pool), read its data files' footers and close
 * it, and every thread must get the answer the main thread got alone.  The table is
 * written by tests/fixtures/scan_table.py (real Parquet files, 12 partitions).  deltaq.h promises no
 * process-global mutable state but the fork counter; `make tsan` runs this under
 * ThreadSanitizer, which names any shared state written without synchronisation (the
 * first archive open loads libarchive and every thread records its functions).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deltaq.h"
#include "unit.h"

#define THREADS 4
#define ROUNDS 3
static char table[256];

struct answer {
	int64_t version;
	size_t files;
	int64_t bytes;          /* the data files' sizes on disk, summed */
	int64_t rows;           /* ... and their footers' row counts */
	char err[600];          /* what failed, if anything */
};

/* Opens uri, replays the latest version and inspects every data file. */
static void answer(const char *uri, struct answer *a)
{
	struct dq_options opt = { .threads = 2 };
	struct dq_error err = { 0 };
	dq_table *t = NULL;
	dq_snapshot *s = NULL;
	const char **paths = NULL;
	struct dq_data_file *d = NULL;
	struct dq_error *errs = NULL;
	struct dq_snapshot_request req = { .version = -1, .need = DQ_NEED_FILES | DQ_NEED_ORDER };
	memset(a, 0, sizeof(*a));
	if (dq_table_open(uri, &opt, &t, &err) || dq_snapshot_open(t, &req, &s, &err)) {
		snprintf(a->err, sizeof(a->err), "%s: %s", uri, err.msg);
		goto out;
	}
	a->version = dq_snapshot_version(s);
	a->files = dq_snapshot_num_files(s);
	paths = calloc(a->files + 1, sizeof(*paths));
	d = calloc(a->files + 1, sizeof(*d));
	errs = calloc(a->files + 1, sizeof(*errs));
	for (size_t i = 0; paths && i < a->files; i++)
		paths[i] = dq_snapshot_file(s, i)->path;
	if (!paths || !d || !errs ||
	    dq_data_files_inspect(t, paths, a->files, true, d, errs, &err)) {
		snprintf(a->err, sizeof(a->err), "%s: inspect: %s", uri, err.msg);
		goto out;
	}
	for (size_t i = 0; i < a->files; i++) {
		a->bytes += errs[i].code ? -1 : d[i].size;
		a->rows += errs[i].code ? -1 : d[i].num_rows;
	}
out:
	free(paths);
	free(d);
	free(errs);
	dq_snapshot_close(s);
	dq_table_close(t);
}

static char tarball[256];

struct thread {
	pthread_t id;
	struct answer got[ROUNDS][2];
};

static void *run(void *arg)
{
	struct thread *th = arg;
	const char *uris[2] = { tarball, table }; /* the archive first: libarchive loads now */
	for (int r = 0; r < ROUNDS; r++)
		for (int k = 0; k < 2; k++)
			answer(uris[k], &th->got[r][k]);
	return NULL;
}

int main(void)
{
	char tmp[] = "/tmp/deltaq-threads-XXXXXX";
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(tarball, sizeof(tarball), "%s/t.tar", tmp);
	snprintf(table, sizeof(table), "%s/t", tmp);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "python3 tests/fixtures/scan_table.py %s --partitions 12 "
		 "--files 3 >/dev/null && tar -C %s -cf %s .", table, table, tarball);
	if (system(cmd) != 0) {
		FAILF("cannot write %s", tarball);
		return unit_done();
	}
	static struct thread th[THREADS];
	for (int i = 0; i < THREADS; i++)
		CHECK(pthread_create(&th[i].id, NULL, run, &th[i]) == 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i].id, NULL);

	/* Then alone: the answers every thread had to give.  The tar archive holds the log
	 * and the data files, so both give the same sizes. */
	struct answer want[2];
	answer(tarball, &want[0]);
	answer(table, &want[1]);
	CHECKF(!want[0].err[0] && !want[1].err[0], "%s%s", want[0].err, want[1].err);
	CHECK(want[1].files == 36 && want[1].bytes > 0 && want[1].rows > 0);
	CHECK_INT(want[0].version, want[1].version);
	CHECK_INT(want[0].files, want[1].files);
	CHECK_INT(want[0].bytes, want[1].bytes);
	CHECK_INT(want[0].rows, want[1].rows);
	for (int i = 0; i < THREADS; i++)
		for (int r = 0; r < ROUNDS; r++)
			for (int k = 0; k < 2; k++) {
				const struct answer *a = &th[i].got[r][k];
				CHECKF(!a->err[0], "thread %d: %s", i, a->err);
				CHECKF(a->version == want[k].version && a->files == want[k].files &&
				       a->bytes == want[k].bytes && a->rows == want[k].rows,
				       "thread %d, round %d, %s: version %lld, %zu files, %lld bytes, "
				       "%lld rows; alone: %lld, %zu, %lld, %lld", i, r,
				       k ? "the folder" : "the tar archive", (long long)a->version, a->files,
				       (long long)a->bytes, (long long)a->rows, (long long)want[k].version,
				       want[k].files, (long long)want[k].bytes, (long long)want[k].rows);
			}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
	if (system(cmd) != 0)
		FAILF("cannot remove %s", tmp);
	return unit_done();
}
