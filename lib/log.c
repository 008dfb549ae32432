/*
 * log.c - lists _delta_log and classifies every name in it (protocol.md 1.2): commits,
 * classic / multi-part / UUID checkpoints, .crc checksums, compaction files and
 * _last_checkpoint.  Everything else (dot files, temp files, _sidecars/, _staged_commits/,
 * _commits/, names whose version is not exactly 20 digits) is ignored.  Versions come from
 * names, never from counting.  It also chooses the commits a snapshot replays (3.1).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* Parses exactly `digits` decimal digits at s into *v (fails on int64 overflow). */
static bool parse_digits(const char *s, int digits, int64_t *v)
{
	int64_t x = 0;
	for (int i = 0; i < digits; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		int d = s[i] - '0';
		if (x > (INT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

static bool is_uuid(const char *s, size_t n)
{
	if (n != 36)
		return false;
	for (size_t i = 0; i < 36; i++) {
		char c = s[i];
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-')
				return false;
		} else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
			     (c >= 'A' && c <= 'F'))) {
			return false;
		}
	}
	return true;
}

enum log_kind log_classify(const char *name, struct log_name *out)
{
	memset(out, 0, sizeof(*out));
	out->kind = LOG_UNKNOWN;
	if (!strcmp(name, "_last_checkpoint")) {
		out->kind = LOG_LAST_CHECKPOINT;
		return out->kind;
	}
	int64_t v;
	if (!parse_digits(name, 20, &v) || name[20] != '.')
		return LOG_UNKNOWN;
	const char *rest = name + 21;
	out->version = v;
	if (!strcmp(rest, "json")) {
		out->kind = LOG_COMMIT;
	} else if (!strcmp(rest, "crc")) {
		out->kind = LOG_CRC;
	} else if (!strcmp(rest, "checkpoint.parquet")) {
		out->kind = LOG_CHECKPOINT;
		out->ckpt = CKPT_CLASSIC;
	} else if (!strncmp(rest, "checkpoint.", 11)) {
		const char *p = rest + 11;
		int64_t part, parts;
		if (parse_digits(p, 10, &part) && p[10] == '.' && parse_digits(p + 11, 10, &parts) &&
		    !strcmp(p + 21, ".parquet")) {
			if (part < 1 || part > parts || parts > 1000000)
				return LOG_UNKNOWN;
			out->kind = LOG_CHECKPOINT;
			out->ckpt = CKPT_MULTIPART;
			out->part = (int)part;
			out->parts = (int)parts;
		} else {
			const char *dot = strchr(p, '.');
			if (!dot || !is_uuid(p, (size_t)(dot - p)))
				return LOG_UNKNOWN;
			if (!strcmp(dot, ".json"))
				out->json = true;
			else if (strcmp(dot, ".parquet"))
				return LOG_UNKNOWN;
			out->kind = LOG_CHECKPOINT;
			out->ckpt = CKPT_UUID;
		}
	} else {
		int64_t to;
		if (parse_digits(rest, 20, &to) && !strcmp(rest + 20, ".compacted.json") && to > v) {
			out->kind = LOG_COMPACTED;
			out->version_to = to;
		}
	}
	return out->kind;
}

static int cmp_commit(const void *a, const void *b)
{
	int64_t x = (*(struct log_file *const *)a)->n.version;
	int64_t y = (*(struct log_file *const *)b)->n.version;
	return (x > y) - (x < y);
}

int log_list(struct store *s, bool with_stat, struct log_listing *out, struct dq_error *err)
{
	memset(out, 0, sizeof(*out));
	struct store_entry *e;
	size_t n;
	int rc = store_list(s, "_delta_log", with_stat ? STORE_LIST_STAT : 0, &e, &n, err);
	if (rc)
		return rc;
	out->files = dq_calloc(n, sizeof(*out->files));
	out->commits = dq_calloc(n, sizeof(*out->commits));
	if (!out->files || !out->commits) {
		store_entries_free(e, n);
		log_listing_release(out);
		return dq_fail(err, DQ_ENOMEM, "out of memory listing _delta_log");
	}
	out->stat = with_stat;
	for (size_t i = 0; i < n; i++) {
		struct log_name ln;
		/* A folder by a commit's name is kept, so that reading it fails: skipped, the
		 * version before it would pass for the latest. */
		enum log_kind k = log_classify(e[i].name, &ln);
		if (k == LOG_UNKNOWN || (e[i].is_dir && k != LOG_COMMIT)) {
			free(e[i].name);
			continue;
		}
		if (ln.kind == LOG_LAST_CHECKPOINT) {
			out->has_last_checkpoint = true;
			free(e[i].name);
			continue;
		}
		struct log_file *f = &out->files[out->n++];
		f->n = ln;
		f->name = e[i].name;
		f->size = e[i].size;
		f->mtime_ms = e[i].mtime_ms;
		if (ln.kind == LOG_COMMIT)
			out->commits[out->ncommits++] = f;
	}
	free(e);
	/* Sorted by name already; zero padding makes that version order for commits. */
	qsort(out->commits, out->ncommits, sizeof(*out->commits), cmp_commit);
	return DQ_OK;
}

void log_listing_release(struct log_listing *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->files[i].name);
	free(l->files);
	free(l->commits);
	memset(l, 0, sizeof(*l));
}

/* Index of the first commit with version >= v (ncommits when none). */
static size_t lower_bound(const struct log_listing *l, int64_t v)
{
	size_t lo = 0, hi = l->ncommits;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->commits[mid]->n.version < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

ssize_t log_find_commit(const struct log_listing *l, int64_t version)
{
	size_t i = lower_bound(l, version);
	return i < l->ncommits && l->commits[i]->n.version == version ? (ssize_t)i : -1;
}

/* Parts of the multi-part checkpoint (version, parts) that are listed and non-empty. */
static int multipart_have(const struct log_listing *l, int64_t version, int parts)
{
	int have = 0;
	for (size_t j = 0; j < l->n; j++) {
		const struct log_file *g = &l->files[j];
		if (g->n.kind == LOG_CHECKPOINT && g->n.ckpt == CKPT_MULTIPART &&
		    g->n.version == version && g->n.parts == parts && g->size != 0)
			have++;
	}
	return have;
}

static bool complete(const struct log_listing *l, const struct log_file *f)
{
	if (f->n.kind != LOG_CHECKPOINT || f->size == 0)
		return false;
	return f->n.ckpt != CKPT_MULTIPART || multipart_have(l, f->n.version, f->n.parts) == f->n.parts;
}

int64_t log_latest_checkpoint(const struct log_listing *l, int64_t max_version)
{
	int64_t best = -1;
	for (size_t i = 0; i < l->n; i++) {
		const struct log_file *f = &l->files[i];
		if (f->n.version <= max_version && f->n.version > best && complete(l, f))
			best = f->n.version;
	}
	return best;
}

/* Preference among complete checkpoints of one version: higher is better. */
static int rank(const struct log_file *f)
{
	switch (f->n.ckpt) {
	case CKPT_UUID: return 3000000;
	case CKPT_MULTIPART: return 1000 + f->n.parts;
	case CKPT_CLASSIC: return 1;
	}
	return 0;
}

size_t log_checkpoint_files(const struct log_listing *l, int64_t v, const struct log_file **out,
			    size_t max)
{
	const struct log_file *best = NULL;
	for (size_t i = 0; i < l->n; i++) {
		const struct log_file *f = &l->files[i];
		if (f->n.version != v || !complete(l, f))
			continue;
		/* Among equals, the greatest name wins (deterministic for several UUIDs). */
		if (!best || rank(f) > rank(best) ||
		    (rank(f) == rank(best) && strcmp(f->name, best->name) > 0))
			best = f;
	}
	if (!best)
		return 0;
	if (best->n.ckpt != CKPT_MULTIPART) {
		if (max)
			out[0] = best;
		return 1;
	}
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++) {
		const struct log_file *g = &l->files[i];
		if (g->n.kind == LOG_CHECKPOINT && g->n.ckpt == CKPT_MULTIPART &&
		    g->n.version == v && g->n.parts == best->n.parts) {
			if (n < max)
				out[n] = g;
			n++;
		}
	}
	return n;
}

const char *log_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "_delta_log/%s", name);
	return buf;
}

const char *log_commit_path(int64_t version, char *buf, size_t len)
{
	snprintf(buf, len, "_delta_log/%020lld.json", (long long)version);
	return buf;
}

/* Commits [i, end] contiguous?  Else a DQ_EMISSING message naming the first hole. */
static int contiguous(const struct log_listing *l, size_t i, size_t end, struct dq_error *err)
{
	for (size_t k = i + 1; k <= end; k++) {
		int64_t a = l->commits[k - 1]->n.version, b = l->commits[k]->n.version;
		if (b == a + 1)
			continue;
		if (b == a + 2)
			return dq_fail(err, DQ_EMISSING,
				       "version %lld is missing from the log (between '%s' and '%s')",
				       (long long)(a + 1), l->commits[k - 1]->name, l->commits[k]->name);
		return dq_fail(err, DQ_EMISSING,
			       "versions %lld to %lld are missing from the log (between '%s' and '%s')",
			       (long long)(a + 1), (long long)(b - 1), l->commits[k - 1]->name,
			       l->commits[k]->name);
	}
	return DQ_OK;
}

int log_segment(const struct log_listing *l, int64_t version, int64_t below,
		struct log_segment *seg, struct dq_error *err)
{
	if (l->ncommits == 0)
		return dq_fail(err, DQ_EMISSING, "_delta_log has no commit files");
	int64_t oldest = l->commits[0]->n.version;
	int64_t newest = l->commits[l->ncommits - 1]->n.version;
	if (version < 0)
		version = newest;
	int64_t ck = log_latest_checkpoint(l, version < below ? version : below - 1);
	if (version > newest || (version < oldest && ck != version))
		return dq_fail(err, DQ_ERANGE,
			       "version %lld is out of range: the log has versions %lld to %lld",
			       (long long)version, (long long)oldest, (long long)newest);
	seg->version = version;
	seg->checkpoint = ck;
	size_t first = ck >= 0 ? lower_bound(l, ck + 1) : 0;
	size_t end = lower_bound(l, version);
	bool at_v = end < l->ncommits && l->commits[end]->n.version == version;
	if (ck == version) {
		seg->first = 1, seg->last = 0; /* the checkpoint alone */
		return DQ_OK;
	}
	if (!at_v)
		return dq_fail(err, DQ_EMISSING,
			       "version %lld is missing from the log (no '_delta_log/%020lld.json')",
			       (long long)version, (long long)version);
	int64_t start = ck >= 0 ? ck + 1 : 0;
	if (first > end || l->commits[first]->n.version != start) {
		int64_t rebuild = log_earliest_recreatable(l);
		if (ck < 0 && below == INT64_MAX && rebuild > version)
			return dq_fail(err, DQ_EMISSING,
				       "version %lld cannot be read: the log starts at version %lld "
				       "(versions 0 to %lld are missing) and no checkpoint at or before "
				       "it covers them; the earliest version that can be read is %lld",
				       (long long)version, (long long)oldest, (long long)(oldest - 1),
				       (long long)rebuild);
		if (ck < 0 && below == INT64_MAX)
			return dq_fail(err, DQ_EMISSING,
				       "the log starts at version %lld: versions 0 to %lld are missing "
				       "and no checkpoint covers them",
				       (long long)oldest, (long long)(oldest - 1));
		if (ck < 0)
			return dq_fail(err, DQ_EMISSING,
				       "the log starts at version %lld and no usable checkpoint covers "
				       "versions 0 to %lld",
				       (long long)oldest, (long long)(oldest - 1));
		int64_t got = first <= end ? l->commits[first]->n.version : version;
		if (got - 1 == start)
			return dq_fail(err, DQ_EMISSING,
				       "version %lld is missing from the log (after the checkpoint at version %lld)",
				       (long long)start, (long long)ck);
		return dq_fail(err, DQ_EMISSING,
			       "versions %lld to %lld are missing from the log (after the checkpoint at version %lld)",
			       (long long)start, (long long)(got - 1), (long long)ck);
	}
	int rc = contiguous(l, first, end, err);
	if (rc)
		return rc;
	seg->first = first;
	seg->last = end;
	return DQ_OK;
}

int64_t log_earliest_recreatable(const struct log_listing *l)
{
	if (!l->ncommits)
		return -1;
	size_t last = l->ncommits - 1;
	if (l->commits[0]->n.version == 0 && contiguous(l, 0, last, NULL) == DQ_OK)
		return 0;
	/* The oldest complete checkpoint from which every later commit is listed. */
	int64_t best = -1;
	for (size_t i = 0; i < l->n; i++) {
		const struct log_file *f = &l->files[i];
		if (!complete(l, f) || (best >= 0 && f->n.version >= best))
			continue;
		size_t first = lower_bound(l, f->n.version + 1);
		if (first > last) {
			if (f->n.version == l->commits[last]->n.version)
				best = f->n.version;
			continue;
		}
		if (l->commits[first]->n.version == f->n.version + 1 &&
		    contiguous(l, first, last, NULL) == DQ_OK)
			best = f->n.version;
	}
	if (best < 0 && l->commits[0]->n.version == 0)
		return 0; /* a gap above: old versions still rebuild */
	return best;
}
