/*
 * table.h - the table handle shared by the modules behind the public API: its store, the
 * cached _delta_log listing and its (lazily started) worker pool.
 */
#ifndef DQ_TABLE_H
#define DQ_TABLE_H

#include <sys/types.h>

#include "log.h"
#include "pool.h"
#include "store.h"

/* Largest commit file deltaq reads (a commit is one transaction, not a table). */
#define DQ_MAX_COMMIT_BYTES ((size_t)1 << 31)

struct dq_table {
	pid_t pid;                  /* process that opened the handle */
	unsigned gen;               /* and its fork generation then (pool_fork_gen) */
	struct store *store;
	struct dq_options opt;
	struct log_listing listing;
	bool listed;
	pool *pool;                 /* created on first parallel work */
	/* In-commit timestamp configuration from the latest metadata, once looked up. */
	int ict_state;              /* 0 unknown, 1 disabled, 2 enabled, -1 lookup failed */
	int64_t ict_from;           /* first version with in-commit timestamps */
};

/*
 * True when t was opened in another process (fork): the first test of every public call
 * that takes a dq_table.  Reads the handle's pid and generation only: no lock, no store,
 * no pool, so it is safe on a handle whose pool was copied mid-operation.
 */
bool table_inherited(const dq_table *t);

/*
 * DQ_EFORKED when table_inherited(t), with the message "table handle was opened in
 * process P before a fork; open a new one in this process (Q)"; else DQ_OK.  Every public
 * entry point taking a dq_table calls it (directly, or through table_commits) before it
 * touches anything else, and so must a public call on a snapshot that reaches back into
 * its table (its store or pool); tests/fork/fork_api.c holds each of them to that.
 */
int table_check(const dq_table *t, struct dq_error *err);

/* The table-relative deletion vector files keys[0..n) name (NULL entries allowed), each
 * once, as new strings in a new array *out (free both); DQ_ENOMEM. */
int dv_files_of(const dq_table *t, const char *const *keys, size_t n, char ***out,
		size_t *nout, struct dq_error *err);

/* The listing, with sizes and mtimes (listed once per handle). */
int table_listing(dq_table *t, const struct log_listing **out, struct dq_error *err);

/* table_check, then the listing, which must name at least one commit (DQ_EMISSING). */
int table_commits(dq_table *t, const struct log_listing **out, struct dq_error *err);

/* The handle's pool, started on first use. */
int table_pool(dq_table *t, pool **out, struct dq_error *err);

/* Runs fn(jobs[i]) for i < n on the pool (inline when single-threaded) and waits. */
int table_run(dq_table *t, void *jobs, size_t n, size_t job_size, void (*fn)(void *),
	      struct dq_error *err);

/*
 * table_run in two steps, for a caller that consumes results in order while the pool is
 * still on later jobs.  table_run_start queues the jobs (or runs them here when
 * single-threaded); an error it returns means nothing is queued.  table_run_wait(r, i)
 * waits until jobs 0..i have finished (and maybe a few more); with i == SIZE_MAX it waits
 * for all of them and releases r.  Every successful start needs a final wait with
 * SIZE_MAX, on error paths too.  It returns an error (DQ_EFORKED) once the run has
 * one; the jobs already queued are still waited for.
 */
struct slice;
struct table_run {
	pool *p;                /* NULL: nothing queued (the jobs ran in table_run_start) */
	struct slice *sl;
	size_t nslices, waited;
	int rc;
	struct dq_error err;
};
int table_run_start(dq_table *t, struct table_run *r, void *jobs, size_t n, size_t job_size,
		    void (*fn)(void *), struct dq_error *err);
int table_run_wait(struct table_run *r, size_t upto, struct dq_error *err);

/* Loads the in-commit timestamp configuration into t->ict_state / t->ict_from. */
void table_ict_config(dq_table *t);

#endif
