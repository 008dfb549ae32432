/*
 * vacuum.c - the files under a table root that no active file references, and which of
 * them VACUUM would delete (protocol.md 3.4 tombstone retention, 7.2 locating DV files).
 *
 * The rules are Spark's VacuumCommand, read for its semantics: the write protocol must be
 * understood (dq_snapshot_write_protocol); storage is listed recursively, skipping hidden
 * names the way DeltaTableUtils.isHiddenDirectory does; a file survives when an active add
 * names it or its deletion vector, or when a tombstone whose deletionTimestamp is not older
 * than now - retention (and newer than now - the table's own retention) names it or its
 * deletion vector; any other file modified before now - retention is deleted.  Paths are
 * compared percent-decoded and relative to the root, as Hadoop's Path compares them
 * (normalised: "a//b" and "./a" are "a/b" and "a").  Nothing here writes to storage.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dv.h"
#include "replay.h"

#define DEFAULT_RETENTION_MS (INT64_C(7) * 24 * 3600 * 1000)
#define EARLIEST_MS INT64_C(-62135596800000) /* 0001-01-01T00:00:00Z */

/* ---- delta.deletedFileRetentionDuration --------------------------------------------- */

static const struct { const char *name; int64_t us; } units[] = {
	{ "microsecond", 1 }, { "millisecond", 1000 }, { "second", 1000000 },
	{ "minute", INT64_C(60000000) }, { "hour", INT64_C(3600000000) },
	{ "day", INT64_C(86400000000) }, { "week", INT64_C(604800000000) },
};

/*
 * As Delta reads the property (DeltaConfigs.parseCalendarInterval): "interval " put in front
 * unless the text starts with it, exactly so, then Spark's IntervalUtils.stringToInterval,
 * which ignores case; the months must total 0.
 */
bool dq_parse_interval(const char *s, int64_t *ms)
{
	const char *p = s;
	if (!strncmp(p, "interval ", 9))
		p += 9;
	int64_t total = 0, months = 0;
	int pairs = 0;
	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		bool neg = *p == '-';
		if (*p == '-' || *p == '+')
			for (p++; isspace((unsigned char)*p); p++)
				;
		if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
			return false;
		int64_t whole = 0, frac = 0, scale = 1;
		bool point = false;
		for (; isdigit((unsigned char)*p); p++)
			if (__builtin_mul_overflow(whole, 10, &whole) ||
			    __builtin_add_overflow(whole, *p - '0', &whole))
				return false;
		if (*p == '.') {
			point = true;
			for (p++; isdigit((unsigned char)*p); p++, scale *= 10)
				if (scale == INT64_C(1000000000))
					return false; /* Spark: nanosecond precision at most */
				else
					frac = frac * 10 + (*p - '0');
		}
		if (!isspace((unsigned char)*p))
			return false; /* Spark's "invalid value": 7days, 1.5x */
		while (isspace((unsigned char)*p))
			p++;
		const char *w = p;
		while (isalpha((unsigned char)*p))
			p++;
		size_t n = (size_t)(p - w);
		if (*p && !isspace((unsigned char)*p))
			return false; /* a unit runs into what follows: "1 day2 hours" */
		if (n && (w[n - 1] == 's' || w[n - 1] == 'S'))
			n--;
		/* Only seconds may have a fraction ("'1.5 days' cannot have fractional part"). */
		if (point && !(n == 6 && !strncasecmp(w, "second", 6)))
			return false;
		int64_t m = 0;
		if (n == 5 && !strncasecmp(w, "month", 5))
			m = 1;
		else if (n == 4 && !strncasecmp(w, "year", 4))
			m = 12;
		if (m) {
			if (__builtin_mul_overflow(whole, m, &m) ||
			    __builtin_add_overflow(months, neg ? -m : m, &months))
				return false;
			pairs++;
			continue;
		}
		int64_t us = 0;
		for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (strlen(units[i].name) == n && !strncasecmp(w, units[i].name, n))
				us = units[i].us;
		if (!us)
			return false;
		int64_t v;
		if (__builtin_mul_overflow(whole, us, &v) ||
		    __builtin_add_overflow(v, (int64_t)((long double)frac * us / scale), &v) ||
		    __builtin_add_overflow(total, neg ? -v : v, &total))
			return false;
		pairs++;
	}
	/* Delta refuses a retention in months, or a negative one. */
	if (!pairs || months || total < 0)
		return false;
	*ms = total / 1000;
	return true;
}

int dq_snapshot_deleted_file_retention(const dq_snapshot *s, int64_t *ms, struct dq_error *err)
{
	const json_t *conf = json_object_get(dq_snapshot_metadata(s), "configuration");
	const char *v = json_string_value(json_object_get(conf, "delta.deletedFileRetentionDuration"));
	if (!v) {
		*ms = DEFAULT_RETENTION_MS;
		return DQ_OK;
	}
	if (!dq_parse_interval(v, ms))
		return dq_fail(err, DQ_ECORRUPT,
			       "table property delta.deletedFileRetentionDuration at version %lld is '%.80s', "
			       "not an interval such as 'interval 1 week'", (long long)dq_snapshot_version(s), v);
	return DQ_OK;
}

/* ---- the referenced paths ------------------------------------------------------------ */

struct walk {
	struct store *store;
	const json_t *partition_columns;
	struct dq_arena arena;
	struct dq_strset active;    /* paths of active files and their DVs */
	struct dq_strset kept;      /* paths of tombstones within the retention, and their DVs */
	int64_t delete_before;
	int64_t tombstones_after;   /* now - the table's own retention (see referenced()) */
	bool iceberg;               /* UniForm writes Iceberg metadata: "metadata" is hidden */
	dq_untracked_fn fn;
	void *arg;
	struct dq_untracked_totals *tot;
	struct dq_buf path;
	struct dq_error *err;
};

/*
 * Normalises a relative path in place as Hadoop's Path does: empty and "." segments
 * dropped, ".." taking the previous one away.  Returns false when ".." climbs above the root.
 */
static bool normalise(char *p)
{
	char *out = p;
	const char *in = p;
	while (*in) {
		const char *end = strchr(in, '/');
		size_t n = end ? (size_t)(end - in) : strlen(in);
		if (n == 2 && in[0] == '.' && in[1] == '.') {
			if (out == p)
				return false;
			out--;
			while (out > p && out[-1] != '/')
				out--;
			if (out > p)
				out--; /* the slash before the dropped segment */
		} else if (n && !(n == 1 && in[0] == '.')) {
			if (out != p)
				*out++ = '/';
			memmove(out, in, n);
			out += n;
		}
		in += n + (end ? 1 : 0);
	}
	*out = '\0';
	return true;
}

/* Adds a path (relative to the root, or absolute: what uri_display leaves of one that is
 * not plainly under the root, e.g. /root/./a, /root//a or /root/../root/a) as the path
 * under the root it names once the whole absolute path is normalised, as Hadoop's Path
 * normalises it; one outside the root names nothing here. */
static int add_path(struct walk *w, struct dq_strset *set, const char *path, size_t n)
{
	const char *root = w->store->location;
	size_t rl = strlen(root);
	bool rel = !n || path[0] != '/';
	char *c = dq_arena_alloc(&w->arena, (rel ? rl + 1 : 0) + n + 1);
	if (!c)
		return -1;
	if (rel)
		memcpy(c, root, rl), c[rl] = '/';
	memcpy(c + (rel ? rl + 1 : 0), path, n);
	c[(rel ? rl + 1 : 0) + n] = '\0';
	if (!normalise(c + 1) || strncmp(c, root, rl) || c[rl] != '/' || !c[rl + 1])
		return 0;
	return dq_strset_add(set, c + rl + 1) < 0 ? -1 : 0;
}

/* The file a deletion vector's pathOrInlineDv names (protocol.md 7.2), added to set. */
static int add_dv_path(struct walk *w, struct dq_strset *set, char type, const char *p, size_t n)
{
	char buf[4096];
	bool inside;
	/* an inline DV has no file; one outside the root keeps nothing under it alive */
	if (!dv_file_path(w->store->location, type, p, n, buf, sizeof(buf), &inside) || !inside)
		return 0;
	return add_path(w, set, buf, strlen(buf));
}

/*
 * The DV id ends a key's first line: storageType, pathOrInlineDv, then "@offset" when the
 * descriptor has one.  '@' is a Z85 digit and may occur in a URI, so both readings, with
 * and without the "@digits" tail, are added: a path named in error keeps nothing alive
 * that is not there.
 */
static int add_key_dv(struct walk *w, struct dq_strset *set, const char *key)
{
	const char *nl = strchr(key, '\n');
	if (!nl || nl - key < 2)
		return 0;
	const char *p = key + 1;
	size_t n = (size_t)(nl - p);
	if (add_dv_path(w, set, key[0], p, n))
		return -1;
	const char *at = memrchr(p, '@', n);
	if (!at || at + 1 == nl)
		return 0;
	for (const char *d = at + 1; d < nl; d++)
		if (!isdigit((unsigned char)*d) && !(d == at + 1 && *d == '-'))
			return 0;
	return add_dv_path(w, set, key[0], p, (size_t)(at - p));
}

static int referenced(struct walk *w, const dq_snapshot *s)
{
	for (size_t i = 0; i < dq_snapshot_num_files(s); i++) {
		const struct dq_file *f = dq_snapshot_file(s, i);
		if (add_path(w, &w->active, f->path, strlen(f->path)) || add_key_dv(w, &w->active, f->key))
			return -1;
	}
	for (size_t i = 0; i < dq_snapshot_num_tombstones(s); i++) {
		const struct dq_tombstone *t = dq_snapshot_tombstone(s, i);
		/* Expired: VACUUM no longer keeps its file.  Spark's snapshot has already
		 * dropped the tombstones the table's own retention expired (those not after
		 * now - it), whatever RETAIN then says. */
		if (t->deletion_timestamp < w->delete_before ||
		    t->deletion_timestamp <= w->tombstones_after)
			continue;
		if (add_path(w, &w->kept, t->path, strlen(t->path)) || add_key_dv(w, &w->kept, t->key))
			return -1;
	}
	return 0;
}

/* ---- the walk ------------------------------------------------------------------------ */

/* DeltaTableUtils.isHiddenDirectory, applied to every name at every level. */
static bool hidden(const struct walk *w, const char *name)
{
	if (w->iceberg && !strcmp(name, "metadata"))
		return true; /* UniForm's Iceberg metadata (since Delta 3.3 only then) */
	if (name[0] != '_' && name[0] != '.')
		return false;
	if (!strncmp(name, "_delta_index", 12) || !strncmp(name, "_change_data", 12))
		return false;
	size_t i;
	json_t *c;
	json_array_foreach(w->partition_columns, i, c) {
		const char *col = json_string_value(c);
		size_t n = col ? strlen(col) : 0;
		if (col && !strncmp(name, col, n) && name[n] == '=')
			return false;
	}
	return true;
}

static int visit(struct walk *w, const struct store_entry *e)
{
	const char *p = w->path.data;
	if (dq_strset_has(&w->active, p))
		return 0;
	/* Listed without sizes and times (most files are active, and need neither): stat
	 * the untracked one now.  One that cannot be stat'ed (gone meanwhile, a dangling
	 * symbolic link) is no file VACUUM would see. */
	struct store_entry st = *e;
	if (st.mtime_ms < 0) {
		struct dq_error ignored = { 0 };
		if (store_stat(w->store, p, &st, &ignored) || st.is_dir)
			return 0;
	}
	struct dq_untracked u = { .path = p, .size = st.size, .modification_time = st.mtime_ms };
	if (dq_strset_has(&w->kept, p))
		u.reason = "tombstone";
	else if (st.mtime_ms >= w->delete_before)
		u.reason = "recent";
	u.deletable = !u.reason;
	w->tot->num_files++;
	w->tot->size_bytes += u.size;
	if (u.deletable) {
		w->tot->num_deletable++;
		w->tot->deletable_bytes += u.size;
	}
	return w->fn(&u, w->arg);
}

/* Lists the directory w->path ("" for the root) and everything under it. */
static int walk_dir(struct walk *w, int depth)
{
	const char *dir = w->path.len ? w->path.data : "";
	if (depth > STORE_MAX_DEPTH)
		return store_too_deep(dir, w->err);
	struct store_entry *e;
	size_t n;
	int rc = store_list(w->store, dir, 0, &e, &n, w->err);
	if (rc)
		return rc;
	size_t base = w->path.len;
	for (size_t i = 0; i < n && rc == DQ_OK; i++) {
		if (hidden(w, e[i].name))
			continue;
		w->path.len = base;
		if ((base && dq_buf_append(&w->path, "/", 1)) || dq_buf_puts(&w->path, e[i].name)) {
			rc = dq_fail(w->err, DQ_ENOMEM, "out of memory listing '%s'", dir);
			break;
		}
		/* A link to a folder is not followed: it could lead out of the table, or round
		 * in a loop; visit() then skips it as the folder it points to. */
		rc = e[i].is_dir && !e[i].is_link ? walk_dir(w, depth + 1) : visit(w, &e[i]);
	}
	w->path.len = base;
	if (w->path.data)
		w->path.data[base] = '\0';
	store_entries_free(e, n);
	return rc;
}

int dq_snapshot_write_protocol(const dq_snapshot *s, struct dq_error *err)
{
	/* The snapshot's own memory only: no table_check, it works after a fork too. */
	const json_t *p = dq_snapshot_protocol(s);
	if (dq_snapshot_min_writer_version(s) > 7)
		return dq_fail(err, DQ_EUNSUPPORTED, "VACUUM checks the write protocol, and "
			       "minWriterVersion %d is beyond the protocol deltaq knows",
			       dq_snapshot_min_writer_version(s));
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(p, "writerFeatures"), i, f) {
		const char *name = json_string_value(f);
		if (name && !writer_feature_known(name))
			return dq_fail(err, DQ_EUNSUPPORTED, "VACUUM checks the write protocol, and "
				       "writer feature '%s' is unknown to deltaq", name);
	}
	return DQ_OK;
}

/* UniversalFormat.icebergEnabled: "iceberg" among delta.universalFormat.enabledFormats
 * split at commas, exactly (Delta neither trims nor ignores case there). */
static bool uniform_iceberg(const dq_snapshot *s)
{
	const char *v = json_string_value(json_object_get(
		json_object_get(dq_snapshot_metadata(s), "configuration"),
		"delta.universalFormat.enabledFormats"));
	while (v && *v) {
		size_t n = strcspn(v, ",");
		if (n == 7 && !strncmp(v, "iceberg", 7))
			return true;
		v += n + (v[n] == ',');
	}
	return false;
}

int dq_snapshot_untracked(const dq_snapshot *s, const struct dq_untracked_request *req,
			  dq_untracked_fn fn, void *arg, struct dq_untracked_totals *totals,
			  struct dq_error *err)
{
	dq_table *t = replay_table(s);
	int rc = table_check(t, err);
	if (rc)
		return rc;
	if (!replay_has_tombstones(s))
		return dq_fail(err, DQ_EINVAL, "the snapshot was opened without DQ_NEED_TOMBSTONES");
	if ((rc = dq_snapshot_require_files(s, err)))
		return rc;
	if (!dq_snapshot_files_available(s))
		return dq_fail(err, DQ_EINVAL, "the snapshot was opened without DQ_NEED_FILES");
	struct dq_untracked_totals tot = { .retention_ms = req->retention_ms, .now_ms = req->now_ms };
	int64_t table_ms = -1;
	struct dq_error table_err = { 0 };
	if (dq_snapshot_deleted_file_retention(s, &table_ms, &table_err)) {
		if (tot.retention_ms < 0) {
			*err = table_err;
			return table_err.code;
		}
		table_ms = -1; /* --retain stands in for a property that does not parse */
	}
	if (tot.retention_ms < 0)
		tot.retention_ms = table_ms;
	if (tot.now_ms < 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		tot.now_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	}
	/* Both >= 0: no overflow.  Before 1970 too, as Spark's cutoff is; held at 0001-01-01
	 * so that the time prints as a date (--retain goes up to 10^12 hours). */
	tot.delete_before_ms = tot.now_ms - tot.retention_ms;
	if (tot.delete_before_ms < EARLIEST_MS)
		tot.delete_before_ms = EARLIEST_MS;
	struct walk w = { .store = t->store, .partition_columns = dq_snapshot_partition_columns(s),
			  .delete_before = tot.delete_before_ms, .fn = fn, .arg = arg, .tot = &tot,
			  .err = err, .iceberg = uniform_iceberg(s),
			  .tombstones_after = table_ms < 0 ? INT64_MIN : tot.now_ms - table_ms };
	if (referenced(&w, s))
		rc = dq_fail(err, DQ_ENOMEM, "out of memory");
	else
		rc = walk_dir(&w, 0);
	dq_buf_release(&w.path);
	dq_strset_release(&w.active);
	dq_strset_release(&w.kept);
	dq_arena_release(&w.arena);
	if (totals)
		*totals = tot;
	return rc;
}
