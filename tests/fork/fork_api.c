/*
 * fork_api.c - the audit: every public call of lib/deltaq.h, used in a forked child.
 *
 * The parent opens a handle (pool of 4, started by a replay), builds two snapshots and a
 * history, and forks.  The child then checks the rule in deltaq.h's header comment:
 *   - every call in refused[] below (each public call that takes a dq_table, or takes a
 *     snapshot and reaches back into its table) fails with DQ_EFORKED and the documented
 *     message, and takes no lock: pthread_mutex_lock, pthread_mutex_trylock, pthread_join
 *     and pthread_mutex_destroy are interposed by this program and counted, and the
 *     child's counts must not move;
 *   - dq_table_close on the inherited handle returns, locking and joining nothing (the
 *     pool is leaked, never joined);
 *   - the snapshots and the history built before the fork are plain memory: every
 *     accessor gives in the child what it gave in the parent (compared as one text), and
 *     closing them works;
 *   - a new handle in the child replays every table to the expected answer.
 * A second child comes from _Fork() (no atfork handler ran; only the pid check can tell)
 * and checks refused[] and the close, which need no malloc.
 *
 * tests/fork/run.py makes sure that every public function with a dq_table or dq_snapshot
 * parameter is named here, so a new entry point cannot skip the check unnoticed.
 *
 * usage: fork_api [-w SECONDS] TABLE VERSION,FILES,BYTES,RECORDS...
 */
#include <dlfcn.h>

#include "forktest.h"

/* ---- interposed pthread calls: counted, then passed on -------------------------- */

static atomic_uint n_lock, n_join, n_destroy;

typedef int mutex_fn(pthread_mutex_t *);
typedef int join_fn(pthread_t, void **);

/* The next definition of `name` (libc's, or a sanitizer's); resolved on first use. */
static void *next(void *_Atomic *slot, const char *name)
{
	void *p = atomic_load(slot);
	if (!p)
		atomic_store(slot, p = dlsym(RTLD_NEXT, name));
	return p;
}

static void *_Atomic real_lock, *_Atomic real_trylock, *_Atomic real_destroy, *_Atomic real_join;

int pthread_mutex_lock(pthread_mutex_t *m)
{
	mutex_fn *f = (mutex_fn *)next(&real_lock, "pthread_mutex_lock");
	atomic_fetch_add(&n_lock, 1);
	return f(m);
}

int pthread_mutex_trylock(pthread_mutex_t *m)
{
	mutex_fn *f = (mutex_fn *)next(&real_trylock, "pthread_mutex_trylock");
	atomic_fetch_add(&n_lock, 1);
	return f(m);
}

int pthread_mutex_destroy(pthread_mutex_t *m)
{
	mutex_fn *f = (mutex_fn *)next(&real_destroy, "pthread_mutex_destroy");
	atomic_fetch_add(&n_destroy, 1);
	return f(m);
}

int pthread_join(pthread_t th, void **ret)
{
	join_fn *f = (join_fn *)next(&real_join, "pthread_join");
	atomic_fetch_add(&n_join, 1);
	return f(th, ret);
}

struct counts {
	unsigned lock, join, destroy;
};

static struct counts counts_now(void)
{
	return (struct counts){ atomic_load(&n_lock), atomic_load(&n_join),
				atomic_load(&n_destroy) };
}

/* True when nothing was locked, joined or destroyed since `before`; else says what. */
static bool untouched(const char *call, struct counts before)
{
	struct counts now = counts_now();
	if (now.lock == before.lock && now.join == before.join && now.destroy == before.destroy)
		return true;
	ft_say("%s on an inherited handle took %u lock(s), %u join(s), %u mutex destroy(s)",
	       call, now.lock - before.lock, now.join - before.join,
	       now.destroy - before.destroy);
	return false;
}

/* ---- the calls that take a dq_table: each must be refused --------------------------- */

static int64_t ckpt_version; /* a version with a checkpoint, or 0 */

/*
 * The latest snapshot, built by the parent before the fork.  A public call on a snapshot
 * that reaches back into its table (its store or pool) is refused like a table call: give
 * it a wrapper below that calls it on this snapshot, and a row in refused[].
 */
static const dq_snapshot *inherited_snapshot;

static int call_versions(dq_table *t, struct dq_error *err)
{
	int64_t a, b;
	return dq_table_versions(t, &a, &b, err);
}

static int call_recreatable(dq_table *t, struct dq_error *err)
{
	int64_t a;
	return dq_table_recreatable(t, &a, err);
}

static int call_resolve_version(dq_table *t, struct dq_error *err)
{
	int64_t v;
	return dq_resolve_ref(t, "0", &v, err);
}

static int call_resolve_time(dq_table *t, struct dq_error *err)
{
	int64_t v;
	return dq_resolve_ref(t, "2024-01-01T00:00:00Z", &v, err);
}

static int call_history(dq_table *t, struct dq_error *err)
{
	struct dq_history h;
	struct dq_history_request req = { .from = -1, .to = -1, .commit_info = true };
	int rc = dq_history_read(t, &req, &h, err);
	if (!rc)
		dq_history_release(&h);
	return rc;
}

static int call_checkpoint(dq_table *t, struct dq_error *err)
{
	json_t *j = NULL;
	int rc = dq_checkpoint_summary(t, ckpt_version, &j, err);
	json_decref(rc ? NULL : j);
	return rc;
}

static int call_commit(dq_table *t, struct dq_error *err)
{
	json_t *j = NULL;
	int rc = dq_commit_read(t, 0, &j, err);
	json_decref(rc ? NULL : j);
	return rc;
}

static int call_snapshot(dq_table *t, struct dq_error *err)
{
	struct dq_snapshot_request req = { .version = -1, .need = DQ_NEED_FILES | DQ_NEED_TXNS };
	dq_snapshot *s = NULL;
	int rc = dq_snapshot_open(t, &req, &s, err);
	if (!rc)
		dq_snapshot_close(s);
	return rc;
}

static int call_data_file(dq_table *t, struct dq_error *err)
{
	struct dq_data_file df;
	return dq_data_file_inspect(t, "_delta_log/00000000000000000000.json", false, &df, err);
}

static int call_data_files(dq_table *t, struct dq_error *err)
{
	static const char *const paths[] = { "_delta_log/00000000000000000000.json" };
	struct dq_data_file out[1];
	struct dq_error errs[1];
	return dq_data_files_inspect(t, paths, 1, false, out, errs, err);
}

static int call_prefetch(dq_table *t, struct dq_error *err)
{
	static const char *const paths[] = { "_delta_log/00000000000000000000.json" };
	return dq_data_files_prefetch(t, paths, NULL, 1, err);
}

static int call_standins(dq_table *t, struct dq_error *err)
{
	static const char *const paths[] = { "_delta_log/00000000000000000000.json" };
	dq_standins *st;
	return dq_standins_open(t, paths, NULL, 1, &st, err);
}

static int call_bundle(dq_table *t, struct dq_error *err)
{
	/* A directory that does not exist: even a broken build writes nothing. */
	struct dq_bundle_result res;
	return dq_bundle_write(t, "/nonexistent-deltaq-forktest/bundle.tar", NULL, &res, err);
}

static int call_stop_threads(dq_table *t, struct dq_error *err)
{
	return dq_table_stop_threads(t, err);
}

static int call_check_log(dq_table *t, struct dq_error *err)
{
	json_t *j = NULL;
	int64_t latest;
	int rc = dq_check_log(t, &j, &latest, err);
	json_decref(rc ? NULL : j);
	return rc;
}

/* Made before the fork: a _Fork child must not malloc. */
static json_t *findings;
static const struct dq_file some_file = { .path = "part-0.parquet", .key = "\npart-0.parquet",
					  .size = 1, .num_records = -1, .dv_cardinality = -1 };

static int call_check_data_file(dq_table *t, struct dq_error *err)
{
	return dq_check_data_file(t, &some_file, 0, findings, err);
}

static const struct dq_file *const some_files[] = { &some_file, &some_file };

static int call_check_data_files(dq_table *t, struct dq_error *err)
{
	return dq_check_data_files(t, some_files, 2, 0, findings, err);
}

static int count_untracked(const struct dq_untracked *f, void *arg)
{
	(void)f;
	++*(int *)arg;
	return 0;
}

static int call_untracked(dq_table *t, struct dq_error *err)
{
	(void)t;
	struct dq_untracked_request req = { .retention_ms = -1, .now_ms = -1 };
	int n = 0;
	return dq_snapshot_untracked(inherited_snapshot, &req, count_untracked, &n, NULL, err);
}

static int call_check_untracked(dq_table *t, struct dq_error *err)
{
	(void)t;
	return dq_check_untracked(inherited_snapshot, findings, err);
}

static const struct {
	const char *name;
	int (*fn)(dq_table *t, struct dq_error *err);
} refused[] = {
	{ "dq_table_versions", call_versions },
	{ "dq_table_recreatable", call_recreatable },
	{ "dq_resolve_ref", call_resolve_version },
	{ "dq_resolve_ref", call_resolve_time },
	{ "dq_history_read", call_history },
	{ "dq_checkpoint_summary", call_checkpoint },
	{ "dq_commit_read", call_commit },
	{ "dq_snapshot_open", call_snapshot },
	{ "dq_data_file_inspect", call_data_file },
	{ "dq_data_files_inspect", call_data_files },
	{ "dq_data_files_prefetch", call_prefetch },
	{ "dq_standins_open", call_standins },
	{ "dq_bundle_write", call_bundle },
	{ "dq_table_stop_threads", call_stop_threads },
	{ "dq_check_log", call_check_log },
	{ "dq_check_data_file", call_check_data_file },
	{ "dq_check_data_files", call_check_data_files },
	{ "dq_snapshot_untracked", call_untracked },
	{ "dq_check_untracked", call_check_untracked },
};

/* Every refused[] call; no malloc, so a _Fork child can run it. */
static bool check_refused(dq_table *t, pid_t opener)
{
	bool ok = true;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		struct dq_error err = { 0 };
		struct counts before = counts_now();
		int rc = refused[i].fn(t, &err);
		ok = ft_is_eforked(refused[i].name, rc, &err, opener) && ok;
		ok = untouched(refused[i].name, before) && ok;
	}
	return ok;
}

/* dq_table_close on the inherited handle: it leaks the handle and its pool. */
static bool check_close(dq_table *t)
{
	struct counts before = counts_now();
	dq_table_close(t);
	return untouched("dq_table_close", before);
}

/* ---- what stays usable: snapshots and histories built before the fork -------------- */

struct text {
	char *buf;
	size_t len;
	FILE *f;
};

static void put_json(FILE *f, const char *what, const json_t *j)
{
	char *s = j ? json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	fprintf(f, "%s=%s\n", what, s ? s : "(null)");
	free(s);
}

/*
 * Everything the read-only calls say about s (and about the diff from s0 to s) as one
 * text, new (free it).  Parent and child must get the same text.
 */
static char *describe(const dq_table *t, const dq_snapshot *s0, const dq_snapshot *s,
		      const struct dq_history *h)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	fprintf(f, "location=%s\n", dq_table_location(t));
	fprintf(f, "version=%lld checkpoint=%lld since=%lld timestamp=%lld\n",
		(long long)dq_snapshot_version(s), (long long)dq_snapshot_checkpoint(s),
		(long long)dq_snapshot_commits_since_checkpoint(s),
		(long long)dq_snapshot_timestamp(s));
	fprintf(f, "reader=%d writer=%d files_available=%d\n", dq_snapshot_min_reader_version(s),
		dq_snapshot_min_writer_version(s), dq_snapshot_files_available(s));
	struct dq_error err = { 0 };
	fprintf(f, "require_files=%d %s\n", dq_snapshot_require_files(s, &err), err.msg);
	put_json(f, "protocol", dq_snapshot_protocol(s));
	put_json(f, "metadata", dq_snapshot_metadata(s));
	fprintf(f, "metadata_version=%lld\n", (long long)dq_snapshot_metadata_version(s));
	fprintf(f, "write_protocol=%d\n", dq_snapshot_write_protocol(s, &err));
	put_json(f, "schema", dq_snapshot_schema(s));
	put_json(f, "unsupported", dq_snapshot_unsupported(s));
	put_json(f, "warnings", dq_snapshot_warnings(s));
	put_json(f, "txns", dq_snapshot_app_transactions(s));
	put_json(f, "domains", dq_snapshot_domains(s));
	put_json(f, "partition_columns", dq_snapshot_partition_columns(s));
	int64_t retention = -1;
	fprintf(f, "retention=%d %lld\n", dq_snapshot_deleted_file_retention(s, &retention, &err),
		(long long)retention);
	for (size_t i = 0; i < dq_snapshot_num_tombstones(s); i++) {
		const struct dq_tombstone *ts = dq_snapshot_tombstone(s, i);
		fprintf(f, "tombstone %s %lld\n", ts->key, (long long)ts->deletion_timestamp);
	}
	struct dq_totals tot;
	dq_snapshot_totals(s, &tot);
	fprintf(f, "totals=%lld %lld %lld %d\n", (long long)tot.num_files,
		(long long)tot.size_bytes, (long long)tot.num_records, tot.num_records_exact);
	for (size_t i = 0; i < dq_snapshot_num_files(s); i++) {
		const struct dq_file *df = dq_snapshot_file(s, i);
		fprintf(f, "file %s %lld %s %lld\n", df->path, (long long)df->size,
			df->partition_values, (long long)df->num_records);
		json_t *st = dq_file_stats(s, df);
		put_json(f, " stats", st);
		json_decref(st);
	}
	const struct dq_file **added = NULL, **removed = NULL;
	size_t na = 0, nr = 0;
	int rc = dq_snapshot_diff(s0, s, &added, &na, &removed, &nr, &err);
	fprintf(f, "diff=%d +%zu -%zu\n", rc, na, nr);
	for (size_t i = 0; i < na; i++)
		fprintf(f, "+%s\n", added[i]->path);
	for (size_t i = 0; i < nr; i++)
		fprintf(f, "-%s\n", removed[i]->path);
	free(added);
	free(removed);
	for (size_t i = 0; i < h->n; i++) {
		fprintf(f, "commit %lld %lld\n", (long long)h->commits[i].version,
			(long long)h->commits[i].timestamp_ms);
		put_json(f, " info", h->commits[i].commit_info);
	}
	fclose(f);
	return buf;
}

/* ---- the test ---------------------------------------------------------------------- */

/*
 * In a fork() child: what was built before the fork reads as in the parent (`want`), and
 * new handles give the expected answers.
 */
static bool child_reads(const struct ft_expect *e, const dq_table *t, const dq_snapshot *s0,
			const dq_snapshot *s, const struct dq_history *h, const char *want)
{
	bool ok = true;
	char *got = describe(t, s0, s, h);
	if (!got || strcmp(got, want) != 0) {
		/* Too long for ft_say; stdio is fine in a fork() child. */
		fprintf(stderr, "fork_api: %s: the inherited snapshot reads differently in the "
			"child:\n--- parent\n%s--- child\n%s", e->table, want,
			got ? got : "(null)\n");
		ok = false;
	}
	free(got);
	return ft_fresh_handles_ok() && ok;
}

static bool api_table(const struct ft_expect *e, unsigned wd, bool *pool_used)
{
	dq_table *t = ft_open(e);
	if (!t)
		return false;
	/* A replay that fans out locks the pool's mutex (a short log may replay inline). */
	struct counts before = counts_now();
	bool ok = ft_replay_check(t, e, NULL);
	*pool_used = counts_now().lock != before.lock;
	struct dq_error err = { 0 };
	struct dq_snapshot_request req = {
		.version = -1,
		.need = DQ_NEED_FILES | DQ_NEED_STATS | DQ_NEED_TXNS | DQ_NEED_ORDER |
			DQ_NEED_TOMBSTONES,
	};
	struct dq_snapshot_request req0 = { .version = 0, .need = req.need };
	dq_snapshot *s = NULL, *s0 = NULL;
	struct dq_history h = { 0 };
	struct dq_history_request hreq = { .from = -1, .to = -1, .commit_info = true };
	int rc = ok ? dq_table_recreatable(t, &req0.version, &err) : DQ_OK;
	if (ok && !rc)
		rc = dq_snapshot_open(t, &req0, &s0, &err);
	if (ok && !rc)
		rc = dq_snapshot_open(t, &req, &s, &err);
	if (ok && !rc)
		rc = dq_history_read(t, &hreq, &h, &err);
	if (rc) {
		ft_say("%s: %s", e->table, err.msg);
		ok = false;
	}
	ckpt_version = s && dq_snapshot_checkpoint(s) >= 0 ? dq_snapshot_checkpoint(s) : 0;
	inherited_snapshot = s;
	findings = json_array();
	char *want = ok && findings ? describe(t, s0, s, &h) : NULL;
	pid_t me = getpid();

	for (int raw = 0; raw < 2 && ok && want; raw++) {
		pid_t pid = raw ? _Fork() : fork();
		if (pid == 0) {
			ft_where = raw ? "(_Fork child)" : "(child)";
			ft_watchdog(wd);
			bool cok = raw || child_reads(e, t, s0, s, &h, want);
			cok = check_refused(t, me) && cok;
			if (!raw) { /* releasing what was built is plain free() */
				dq_snapshot_close(s);
				dq_snapshot_close(s0);
				dq_history_release(&h);
			}
			cok = check_close(t) && cok;
			_exit(cok ? 0 : 1);
		}
		if (pid < 0) {
			ft_say("fork: %s", strerror(errno));
			ok = false;
			break;
		}
		ok = ft_child_ok(pid, raw ? "_Fork child" : "fork child");
	}
	/* The parent's handle still works after its children are gone. */
	ok = ok && ft_replay_check(t, e, NULL);
	free(want);
	json_decref(findings);
	dq_history_release(&h);
	dq_snapshot_close(s);
	dq_snapshot_close(s0);
	dq_table_close(t);
	printf("%s - public API after fork: %s (%s): %zu calls refused with DQ_EFORKED and no "
	       "lock, close leaks, inherited snapshots read the same, new handles work\n",
	       ok ? "ok" : "not ok", e->table, *pool_used ? "pool started" : "replayed inline",
	       sizeof(refused) / sizeof(refused[0]));
	return ok;
}

int main(int argc, char **argv)
{
	const char *opts = "[-w SECONDS]";
	unsigned wd = 10;
	int c;
	ft_prog = "fork_api";
	while ((c = getopt(argc, argv, "w:")) != -1) {
		if (c == 'w')
			wd = (unsigned)atoi(optarg);
		else
			ft_usage(opts);
	}
	ft_parse_tables(argc, argv, optind, opts);
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(wd * 3 * (unsigned)ft_ntables + 60);

	bool ok = true, any_pool = false;
	for (int i = 0; i < ft_ntables; i++) {
		bool used = false;
		ok = api_table(&ft_tables[i], wd, &used) && ok;
		any_pool = any_pool || used;
	}
	/* Zero lock counts in the children prove something only if the interposition sees
	 * the pool's locking at all. */
	if (!any_pool) {
		ft_say("no replay locked anything through the interposed pthread_mutex_lock: "
		       "give at least one table whose replay fans out over the pool");
		ok = false;
	}
	return ok ? 0 : 1;
}
