/*
 * table.c - dq_table_open: the start of every request.  Turns a path or file:// URI into a
 * storage backend, checks that it holds a _delta_log, and owns what later calls share: the
 * listing (read once) and the worker pool (started only when parsing needs it, so a handle
 * used only for `version` never has threads).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "table.h"
#include "uri.h"

bool table_inherited(const dq_table *t)
{
	/* The pool is created after a table_check, so it can only be inherited with t. */
	return pool_forked(t->pid, t->gen) || (t->pool && pool_inherited(t->pool));
}

int table_check(const dq_table *t, struct dq_error *err)
{
	if (table_inherited(t))
		return dq_fail(err, DQ_EFORKED,
			       "table handle was opened in process %d before a fork; open a new one "
			       "in this process (%d)",
			       (int)t->pid, (int)getpid());
	return DQ_OK;
}

/* A TABLE argument: a directory path, or a file:// URI whose path is percent-decoded. */
static int local_path(const char *uri, char **out, struct dq_error *err)
{
	if (strncasecmp(uri, "file:", 5) != 0) {
		*out = dq_strdup(uri);
		return *out ? DQ_OK : dq_fail(err, DQ_ENOMEM, "out of memory");
	}
	const char *p = uri + 5;
	if (!strncmp(p, "//", 2)) {
		const char *slash = strchr(p + 2, '/');
		size_t host = slash ? (size_t)(slash - (p + 2)) : strlen(p + 2);
		if (host && !(host == 9 && !strncasecmp(p + 2, "localhost", 9)))
			return dq_fail(err, DQ_EINVAL, "'%s' names a remote host; only local file:// URIs are supported", uri);
		p = slash ? slash : "/";
	}
	size_t n = strlen(p), dn;
	char *dec = malloc(n + 1);
	if (!dec)
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	if (!uri_decode(p, n, dec, &dn)) {
		free(dec);
		return dq_fail(err, DQ_EINVAL, "'%s' is not a valid URI (bad percent escape)", uri);
	}
	*out = dec;
	return DQ_OK;
}

/*
 * A folder, an archive file, or "ARCHIVE#inside" (the first '#' after which the part before
 * names a file: names in the archive may hold '#' too).
 */
static int open_store(const char *uri, const char *path, const struct dq_options *opt,
		      struct store **s, struct dq_error *err)
{
	uint64_t max = opt ? opt->max_archive_bytes : 0;
	int rc = store_dir_open(path, s, err);
	if (rc != DQ_ENOTTABLE)
		return rc;
	if (err->sys_errno == ENOTDIR)
		return store_archive_open(path, NULL, max, s, err);
	for (const char *h = strchr(path, '#'); h; h = strchr(h + 1, '#')) {
		char *file = strndup(path, (size_t)(h - path));
		if (!file)
			return dq_fail(err, DQ_ENOMEM, "out of memory");
		struct store *probe;
		rc = store_dir_open(file, &probe, err);
		if (rc == DQ_OK) {
			store_close(probe);
		} else if (rc == DQ_ENOTTABLE && err->sys_errno == ENOTDIR) {
			rc = store_archive_open(file, h + 1, max, s, err);
			free(file);
			return rc;
		}
		free(file);
	}
	return dq_fail(err, DQ_ENOTTABLE, "'%s' is not a Delta table (no such directory)", uri);
}

int dq_table_open(const char *uri, const struct dq_options *opt, dq_table **out,
		  struct dq_error *err)
{
	*out = NULL;
	char *path;
	int rc = local_path(uri, &path, err);
	if (rc)
		return rc;
	struct store *s;
	rc = open_store(uri, path, opt, &s, err);
	free(path);
	if (rc)
		return rc;
	struct store_entry st;
	if (store_stat(s, "_delta_log", &st, NULL) != DQ_OK || !st.is_dir) {
		store_close(s);
		return dq_fail(err, DQ_ENOTTABLE, "'%s' is not a Delta table (no _delta_log)", uri);
	}
	dq_table *t = calloc(1, sizeof(*t));
	if (!t) {
		store_close(s);
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	}
	t->pid = getpid();
	t->gen = pool_fork_gen();
	t->store = s;
	if (opt) {
		t->opt = *opt;
		s->max_page_bytes = opt->max_page_bytes;
	}
	*out = t;
	return DQ_OK;
}

void dq_table_close(dq_table *t)
{
	if (!t)
		return;
	if (table_inherited(t)) {
		/*
		 * Inherited across fork: its pool's threads do not exist here and its mutex
		 * may have been copied while held.  Leak everything, never lock or join.
		 */
		return;
	}
	pool_free(t->pool);
	log_listing_release(&t->listing);
	store_close(t->store);
	free(t);
}

const char *dq_table_location(const dq_table *t)
{
	return t->store->location;
}

int dq_table_stop_threads(dq_table *t, struct dq_error *err)
{
	int rc = table_check(t, err);
	if (rc)
		return rc;
	pool_free(t->pool);
	t->pool = NULL;
	return DQ_OK;
}

int table_listing(dq_table *t, const struct log_listing **out, struct dq_error *err)
{
	if (!t->listed) {
		int rc = log_list(t->store, true, &t->listing, err);
		if (rc)
			return rc;
		t->listed = true;
	}
	*out = &t->listing;
	return DQ_OK;
}

int table_commits(dq_table *t, const struct log_listing **out, struct dq_error *err)
{
	int rc = table_check(t, err);
	if (rc || (rc = table_listing(t, out, err)))
		return rc;
	if (!(*out)->ncommits)
		return dq_fail(err, DQ_EMISSING, "_delta_log has no commit files");
	return DQ_OK;
}

int table_pool(dq_table *t, pool **out, struct dq_error *err)
{
	if (!t->pool) {
		/* jansson seeds its hash function on first use; do it before any worker runs. */
		json_object_seed(0);
		unsigned n = t->opt.threads > 0 ? (unsigned)t->opt.threads : pool_cpus();
		if (pool_create(&t->pool, n, 4 * (size_t)n + 16))
			return dq_fail(err, DQ_ENOMEM, "out of memory creating a pool of %u threads", n);
	}
	*out = t->pool;
	return DQ_OK;
}

/* A slice of a caller's job array, run by one worker: many small jobs (one commit each)
 * cost fewer wake-ups when handed out in slices.  Each slice is its own batch, so that a
 * caller can wait for the first jobs while the pool is still on the later ones. */
struct slice {
	char *jobs;
	size_t first, n, size;
	void (*fn)(void *);
	pool_batch b;
};

static void run_slice(void *arg)
{
	struct slice *s = arg;
	for (size_t i = 0; i < s->n; i++)
		s->fn(s->jobs + i * s->size);
}

int table_run_start(dq_table *t, struct table_run *r, void *jobs, size_t n, size_t job_size,
		    void (*fn)(void *), struct dq_error *err)
{
	memset(r, 0, sizeof(*r));
	int rc = table_check(t, err);
	if (rc)
		return rc;
	unsigned threads = t->opt.threads > 0 ? (unsigned)t->opt.threads : pool_cpus();
	if (threads <= 1 || n <= 1) {
		for (size_t i = 0; i < n; i++)
			fn((char *)jobs + i * job_size);
		return DQ_OK;
	}
	pool *p;
	if ((rc = table_pool(t, &p, err)))
		return rc;
	/* About four slices per thread keeps the workers balanced. */
	size_t per = n / (4 * (size_t)threads);
	if (per < 1)
		per = 1;
	size_t nslices = (n + per - 1) / per;
	struct slice *sl = dq_calloc(nslices, sizeof(*sl));
	if (!sl)
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	r->p = p;
	r->sl = sl;
	for (size_t i = 0; i < nslices; i++) {
		sl[i].jobs = (char *)jobs + i * per * job_size;
		sl[i].first = i * per;
		sl[i].n = i + 1 < nslices ? per : n - i * per;
		sl[i].size = job_size;
		sl[i].fn = fn;
		pool_batch_init(&sl[i].b);
		int prc = pool_add(p, &sl[i].b, run_slice, &sl[i]);
		if (prc == POOL_ENOMEM) {
			/* No worker thread could start: do this slice here instead. */
			run_slice(&sl[i]);
		} else if (prc) {
			r->rc = table_check(t, &r->err) ? r->err.code
			      : dq_fail(&r->err, DQ_EFORKED, "worker pool used after fork");
			break;
		}
		r->nslices = i + 1;
	}
	return DQ_OK;
}

int table_run_wait(struct table_run *r, size_t upto, struct dq_error *err)
{
	for (; r->waited < r->nslices && (upto == SIZE_MAX || r->sl[r->waited].first <= upto);
	     r->waited++)
		if (pool_wait(r->p, &r->sl[r->waited].b) && !r->rc)
			r->rc = dq_fail(&r->err, DQ_EFORKED, "worker pool used after fork");
	int rc = r->rc;
	if (rc)
		*err = r->err;
	if (upto == SIZE_MAX || r->waited == r->nslices) {
		/* Every job that was added must be waited for, on the error path too. */
		for (; r->waited < r->nslices; r->waited++)
			pool_wait(r->p, &r->sl[r->waited].b);
		free(r->sl);
		r->sl = NULL;
		r->p = NULL;
		r->nslices = r->waited = 0;
	}
	return rc;
}

int table_run(dq_table *t, void *jobs, size_t n, size_t job_size, void (*fn)(void *),
	      struct dq_error *err)
{
	struct table_run r;
	int rc = table_run_start(t, &r, jobs, n, job_size, fn, err);
	return rc ? rc : table_run_wait(&r, SIZE_MAX, err);
}

int dq_table_versions(dq_table *t, int64_t *earliest, int64_t *latest, struct dq_error *err)
{
	int rc = table_check(t, err);
	if (rc)
		return rc;
	/* `version` needs names only: list without stat when nothing is cached yet. */
	struct log_listing tmp, *l = &t->listing;
	if (!t->listed) {
		if ((rc = log_list(t->store, false, &tmp, err)))
			return rc;
		l = &tmp;
	}
	if (l->ncommits == 0)
		rc = dq_fail(err, DQ_EMISSING, "_delta_log has no commit files");
	else {
		*earliest = l->commits[0]->n.version;
		*latest = l->commits[l->ncommits - 1]->n.version;
	}
	if (l == &tmp)
		log_listing_release(&tmp);
	return rc;
}

int dq_table_recreatable(dq_table *t, int64_t *earliest, struct dq_error *err)
{
	const struct log_listing *l;
	int rc = table_commits(t, &l, err);
	if (rc)
		return rc;
	if ((*earliest = log_earliest_recreatable(l)) < 0)
		return dq_fail(err, DQ_EMISSING,
			       "no version of the table can be rebuilt: the log starts at version %lld "
			       "without a complete checkpoint",
			       (long long)l->commits[0]->n.version);
	return DQ_OK;
}
