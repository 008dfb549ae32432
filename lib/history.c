/*
 * history.c - commits and their timestamps (protocol.md section 9): `log`, snapshot
 * timestamps and timestamp REFs.  A version's timestamp is its commit file's mtime made
 * monotonic over the listed commits (Spark's monotonizeCommitTimestamps), or, when the
 * latest metadata enables in-commit timestamps, commitInfo.inCommitTimestamp for versions
 * from the enablement version on.  Only the head of a commit is read for its commitInfo
 * when commitInfo is the first line, as writers put it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "replay.h"

#define HEAD_BYTES 16384

int history_commit_info(dq_table *t, const struct log_file *f, json_t **ci, struct dq_error *err)
{
	char path[300];
	log_path(f->name, path, sizeof(path));
	*ci = NULL;
	char head[HEAD_BYTES];
	size_t got;
	int rc = store_read_range(t->store, path, 0, sizeof(head), head, &got, err);
	if (rc)
		return rc;
	const char *nl = memchr(head, '\n', got);
	struct commit_actions acts = { 0 };
	if (nl || got < sizeof(head)) {
		size_t n = nl ? (size_t)(nl - head) : got;
		rc = action_parse_commit(t->store->location, path, head, n, WANT_COMMIT_INFO, &acts, err);
		if (rc || acts.commit_info || (!nl && got < sizeof(head)))
			goto done;
	}
	/* commitInfo is not the first line (or the line is huge): read the whole commit. */
	commit_actions_release(&acts);
	struct dq_buf buf = { .max = DQ_MAX_COMMIT_BYTES };
	rc = store_read(t->store, path, DQ_MAX_COMMIT_BYTES, &buf, err);
	if (!rc)
		rc = action_parse_commit(t->store->location, path, buf.data ? buf.data : "", buf.len,
					 WANT_COMMIT_INFO, &acts, err);
	dq_buf_release(&buf);
done:
	if (!rc && acts.commit_info)
		*ci = json_incref(acts.commit_info);
	commit_actions_release(&acts);
	return rc;
}

void table_ict_config(dq_table *t)
{
	if (t->ict_state)
		return;
	t->ict_state = -1; /* also guards against re-entry from the snapshot below */
	dq_snapshot *s;
	struct dq_snapshot_request req = { .version = -1, .need = DQ_NEED_METADATA };
	/* A latest version that cannot be read leaves the configuration unknown (mtimes),
	 * for the caller that asked about an older one; its error is not this caller's. */
	struct dq_error ignored = { 0 };
	if (dq_snapshot_open(t, &req, &s, &ignored) == DQ_OK) {
		int64_t from = 0;
		t->ict_state = ict_enabled(dq_snapshot_protocol(s), dq_snapshot_metadata(s), &from) ? 2 : 1;
		t->ict_from = from;
		dq_snapshot_close(s);
	}
}

/* The next commit's time made monotonic (protocol.md 9.2): its mtime, or prev + 1 ms when
 * that is not later than prev's (INT64_MIN: the first commit). */
static int64_t monotonic_next(int64_t prev, int64_t mtime)
{
	return prev != INT64_MIN && mtime <= prev ? prev + 1 : mtime;
}

/*
 * Monotonic mtimes of commits [lo, hi), computed over every listed commit before them,
 * into out[0..hi-lo) newest first.
 */
static void monotonic(const struct log_listing *l, size_t lo, size_t hi, int64_t *out)
{
	int64_t prev = INT64_MIN;
	for (size_t i = 0; i < hi; i++) {
		prev = monotonic_next(prev, l->commits[i]->mtime_ms);
		if (i >= lo)
			out[hi - 1 - i] = prev;
	}
}

/* Picks the timestamp of one commit given its mtime and (maybe NULL) commitInfo. */
static void choose(dq_table *t, int64_t version, int64_t mono, const json_t *ci, int64_t *ts,
		   bool *ict, char **warning)
{
	json_t *v = json_object_get(ci, "inCommitTimestamp");
	bool applies = (t->ict_state == 2 && version >= t->ict_from) || t->ict_state == -1;
	*ict = false;
	*ts = mono;
	if (!applies)
		return;
	if (json_is_integer(v)) {
		*ts = json_integer_value(v);
		*ict = true;
	} else if (t->ict_state == 2 && warning) {
		char buf[200];
		snprintf(buf, sizeof(buf),
			 "commit %lld has no inCommitTimestamp although in-commit timestamps are "
			 "enabled from version %lld; using its file time",
			 (long long)version, (long long)t->ict_from);
		*warning = dq_strdup(buf);
	}
}

int history_timestamp(dq_table *t, size_t idx, int64_t *ts, bool *ict, char **warning,
		      struct dq_error *err)
{
	const struct log_listing *l;
	int rc = table_listing(t, &l, err);
	if (rc)
		return rc;
	table_ict_config(t);
	int64_t mono;
	monotonic(l, idx, idx + 1, &mono);
	json_t *ci = NULL;
	int64_t v = l->commits[idx]->n.version;
	if ((t->ict_state == 2 && v >= t->ict_from) || t->ict_state == -1)
		if ((rc = history_commit_info(t, l->commits[idx], &ci, err)))
			return rc;
	choose(t, v, mono, ci, ts, ict, warning);
	json_decref(ci);
	return DQ_OK;
}

struct info_job {
	dq_table *t;
	const struct log_file *f;
	json_t *ci;
	struct dq_error err;
	int rc;
};

static void info_job_run(void *arg)
{
	struct info_job *j = arg;
	j->rc = history_commit_info(j->t, j->f, &j->ci, &j->err);
}

int dq_history_read(dq_table *t, const struct dq_history_request *req, struct dq_history *out,
		    struct dq_error *err)
{
	memset(out, 0, sizeof(*out));
	const struct log_listing *l;
	int rc = table_commits(t, &l, err);
	if (rc)
		return rc;
	/* Selected commits: [lo, hi) in ascending order, trimmed to the newest `limit`. */
	size_t lo = 0, hi = l->ncommits;
	while (lo < hi && req->from >= 0 && l->commits[lo]->n.version < req->from)
		lo++;
	while (hi > lo && req->to >= 0 && l->commits[hi - 1]->n.version > req->to)
		hi--;
	if (req->limit && hi - lo > req->limit)
		lo = hi - req->limit;
	size_t n = hi - lo;
	if (!n)
		return DQ_OK;
	struct info_job *jobs = dq_calloc(n, sizeof(*jobs));
	out->commits = dq_calloc(n, sizeof(*out->commits));
	if (!jobs || !out->commits) {
		free(jobs);
		free(out->commits);
		out->commits = NULL;
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	}
	bool read_info = req->commit_info;
	if (!read_info) {
		table_ict_config(t);
		read_info = t->ict_state != 1;
	}
	if (read_info) {
		for (size_t i = 0; i < n; i++) {
			jobs[i].t = t;
			jobs[i].f = l->commits[hi - 1 - i];
		}
		rc = table_run(t, jobs, n, sizeof(*jobs), info_job_run, err);
		for (size_t i = 0; i < n && rc == DQ_OK; i++)
			if (jobs[i].rc) {
				*err = jobs[i].err;
				rc = jobs[i].rc;
			}
		/* In-commit timestamps matter only when some commit carries one. */
		bool any_ict = false;
		for (size_t i = 0; i < n && !any_ict; i++)
			any_ict = json_object_get(jobs[i].ci, "inCommitTimestamp") != NULL;
		if (any_ict)
			table_ict_config(t);
	}
	/* Monotonic mtimes of every listed commit up to the newest selected one. */
	int64_t *mono = dq_calloc(n, sizeof(*mono));
	if (!mono && rc == DQ_OK)
		rc = dq_fail(err, DQ_ENOMEM, "out of memory");
	if (mono)
		monotonic(l, lo, hi, mono);
	for (size_t i = 0; i < n && rc == DQ_OK; i++) {
		struct dq_commit *c = &out->commits[i];
		c->version = jobs[i].f ? jobs[i].f->n.version : l->commits[hi - 1 - i]->n.version;
		c->size = l->commits[hi - 1 - i]->size;
		c->commit_info = jobs[i].ci;
		jobs[i].ci = NULL;
		char *w = NULL;
		choose(t, c->version, mono[i], c->commit_info, &c->timestamp_ms,
		       &c->in_commit_timestamp, &w);
		if (w) {
			char **nw = dq_realloc_array(out->warnings, out->nwarnings + 1, sizeof(*nw));
			if (nw) {
				out->warnings = nw;
				nw[out->nwarnings++] = w;
			} else {
				free(w);
			}
		}
		out->n++;
	}
	for (size_t i = 0; i < n; i++)
		json_decref(jobs[i].ci);
	free(jobs);
	free(mono);
	if (rc) {
		dq_history_release(out);
		return rc;
	}
	if (!req->commit_info)
		for (size_t i = 0; i < out->n; i++) {
			json_decref(out->commits[i].commit_info);
			out->commits[i].commit_info = NULL;
		}
	return DQ_OK;
}

void dq_history_release(struct dq_history *h)
{
	for (size_t i = 0; i < h->n; i++)
		json_decref(h->commits[i].commit_info);
	free(h->commits);
	for (size_t i = 0; i < h->nwarnings; i++)
		free(h->warnings[i]);
	free(h->warnings);
	memset(h, 0, sizeof(*h));
}

int dq_commit_read(dq_table *t, int64_t version, json_t **actions, struct dq_error *err)
{
	const struct log_listing *l;
	int rc = table_commits(t, &l, err);
	if (rc)
		return rc;
	if (log_find_commit(l, version) < 0) {
		return dq_fail(err, DQ_ERANGE, "version %lld has no commit file (the log has versions %lld to %lld)",
			       (long long)version, (long long)l->commits[0]->n.version,
			       (long long)l->commits[l->ncommits - 1]->n.version);
	}
	char path[64];
	log_commit_path(version, path, sizeof(path));
	struct dq_buf buf = { .max = DQ_MAX_COMMIT_BYTES };
	if ((rc = store_read(t->store, path, DQ_MAX_COMMIT_BYTES, &buf, err)))
		return rc;
	json_t *arr = json_array();
	const char *p = buf.data ? buf.data : "", *end = p + buf.len;
	int line = 0;
	while (p < end && rc == DQ_OK) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		line++;
		const char *s = p;
		while (s < e && (*s == ' ' || *s == '\t' || *s == '\r'))
			s++;
		if (s < e) {
			json_error_t je;
			json_t *o = json_loadb(s, (size_t)(e - s), 0, &je);
			if (!o)
				rc = dq_fail(err, DQ_ECORRUPT, "cannot read '%s' line %d: %s", path, line, je.text);
			else if (!json_is_object(o))
				rc = dq_fail(err, DQ_ECORRUPT, "cannot read '%s' line %d: not a JSON object", path, line);
			else
				json_array_append(arr, o);
			json_decref(o);
		}
		p = nl ? nl + 1 : end;
	}
	dq_buf_release(&buf);
	if (rc) {
		json_decref(arr);
		return rc;
	}
	*actions = arr;
	return DQ_OK;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int dq_resolve_ref(dq_table *t, const char *ref, int64_t *version, struct dq_error *err)
{
	const struct log_listing *l;
	int rc = table_commits(t, &l, err);
	if (rc)
		return rc;
	int64_t oldest = l->commits[0]->n.version, newest = l->commits[l->ncommits - 1]->n.version;
	/* A version whose commit was cleaned up is still there when its checkpoint is. */
	int64_t rebuild = log_earliest_recreatable(l);
	if (rebuild >= 0 && rebuild < oldest)
		oldest = rebuild;
	if (all_digits(ref)) {
		char *end;
		errno = 0;
		long long v = strtoll(ref, &end, 10);
		if (errno || v > newest || v < oldest)
			return dq_fail(err, DQ_ERANGE,
				       "version %s is out of range: the log has versions %lld to %lld",
				       ref, (long long)oldest, (long long)newest);
		*version = v;
		return DQ_OK;
	}
	int64_t want;
	if (!dq_parse_timestamp(ref, &want))
		return dq_fail(err, DQ_EINVAL,
			       "'%s' is neither a version nor a timestamp (try 42, @1714564800000, "
			       "2024-05-01, '2024-05-01 12:00' or 2024-05-01T12:00:00Z)", ref);
	int64_t first;
	if ((rc = dq_table_recreatable(t, &first, err)))
		return rc;
	table_ict_config(t);
	struct dq_history h;
	struct dq_history_request req = { .from = first, .to = -1, .commit_info = false };
	if ((rc = dq_history_read(t, &req, &h, err)))
		return rc;
	if (!h.n) {
		dq_history_release(&h);
		return dq_fail(err, DQ_EMISSING, "_delta_log has no commit files");
	}
	/*
	 * As Spark's getActiveCommitAtTime and kernel-rs's timestamp search (protocol.md 9.3):
	 * only commits that can be rebuilt are searched, their file times made monotonic from
	 * the earliest of them (not from the oldest listed, as `log` shows them); and with
	 * in-commit timestamps enabled after that, a time at or after the enablement commit's
	 * is looked for among the commits from it on, an earlier one among those before.  The
	 * two kinds of time are never compared: a log copied without its file times has file
	 * times after the in-commit ones.
	 */
	size_t n = h.n, lo = l->ncommits - n, split = n;
	int64_t *ts = dq_calloc(n, sizeof(*ts)), prev = INT64_MIN;
	if (!ts) {
		dq_history_release(&h);
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	}
	for (size_t k = 0; k < n; k++) { /* oldest first */
		const struct dq_commit *c = &h.commits[n - 1 - k];
		prev = monotonic_next(prev, l->commits[lo + k]->mtime_ms);
		ts[k] = c->in_commit_timestamp ? c->timestamp_ms : prev;
		/* With the latest metadata unreadable (ict_state -1), the first commit that
		 * carries an in-commit timestamp stands for the enablement. */
		if (split == n && ((t->ict_state == 2 && c->version >= t->ict_from) ||
				   (t->ict_state == -1 && c->in_commit_timestamp)))
			split = k;
	}
	size_t a = 0, b = split;
	if (split < n && (split == 0 || want >= ts[split]))
		a = split, b = n;
	if (want < ts[a] || (b == n && want > ts[n - 1])) {
		char ta[40], tb[40], w[40], e[120] = "";
		if (b == split && split > 0 && split < n)
			snprintf(e, sizeof(e), " (in-commit timestamps start at version %lld, %s)",
				 (long long)h.commits[n - 1 - split].version,
				 dq_format_timestamp(ts[split], ta, sizeof(ta)));
		dq_format_timestamp(want, w, sizeof(w));
		dq_format_timestamp(ts[a], ta, sizeof(ta));
		if (b - a == 1)
			rc = dq_fail(err, DQ_ERANGE, "timestamp %s is out of range: version %lld was "
				     "committed at %s%s", w, (long long)h.commits[n - 1 - a].version, ta, e);
		else
			rc = dq_fail(err, DQ_ERANGE, "timestamp %s is out of range: versions %lld to "
				     "%lld were committed from %s to %s%s", w,
				     (long long)h.commits[n - 1 - a].version,
				     (long long)h.commits[n - b].version, ta,
				     dq_format_timestamp(ts[b - 1], tb, sizeof(tb)), e);
	} else {
		/* The newest commit of the range at or before `want`. */
		size_t k = b;
		while (k-- > a && ts[k] > want)
			;
		*version = h.commits[n - 1 - k].version;
	}
	free(ts);
	dq_history_release(&h);
	return rc;
}
