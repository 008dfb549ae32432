/*
 * checkpoint.c - reads a checkpoint into a replay (protocol.md 1.4, 3.1-3.3; parquet.md 3).
 *
 * A checkpoint is the reconciled state at its version: one Parquet file, the parts of a
 * multi-part checkpoint, or a V2 checkpoint (Parquet or JSON, UUID- or classic-named) whose
 * add and remove actions may live in sidecar files under _delta_log/_sidecars/.  Adds are
 * read column by column (path, size, modificationTime, partitionValues, stats or
 * stats_parsed.numRecords, deletionVector) without building a row object, and only those
 * whose key no newer commit touched become live.  Row groups are decoded on the pool, one
 * job each, the workers deciding liveness themselves (the seen-set is read-only by then)
 * and reusing their column buffers; add.stats, when only numRecords is wanted, is scanned
 * a piece at a time rather than held whole.  The rare non-file actions (protocol,
 * metaData, txn, domainMetadata, sidecar) are assembled as JSON, and row groups whose
 * footer statistics say they hold none are not read at all.  Columns are looked up by
 * name path and their levels come from each file's own schema.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "encoding.h"
#include "parquet.h"
#include "replay.h"
#include "stats_fast.h"
#include "uri.h"

/* ---- one leaf column of a row group ------------------------------------------------- */

struct leaf {
	bool exists;
	int index;                  /* leaf index */
	int16_t max_def, max_rep;
	struct parquet_column col;
	size_t li, vi;              /* next level entry, next value */
};

static int find_leaf(const struct parquet_meta *m, const char *path)
{
	for (size_t i = 0; i < m->nleaves; i++)
		if (!strcmp(m->schema[m->leaves[i]].path, path))
			return (int)i;
	return -1;
}

/* The leaf under `prefix.` whose path ends in `.suffix` (map children have varying names:
 * key_value, entries, map). */
static int find_map_leaf(const struct parquet_meta *m, const char *prefix, const char *suffix)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);
	for (size_t i = 0; i < m->nleaves; i++) {
		const char *p = m->schema[m->leaves[i]].path;
		size_t n = strlen(p);
		if (n > pl + sl + 1 && !strncmp(p, prefix, pl) && p[pl] == '.' &&
		    !strcmp(p + n - sl, suffix) && p[n - sl - 1] == '.')
			return (int)i;
	}
	return -1;
}

/*
 * Opens leaf `index` (-1: absent, fine) of row group rg expecting one of two physical
 * types.  x may hold the same leaf of another row group: its buffers are reused.
 */
static int leaf_check(parquet_file *f, const char *name, int index, enum parquet_type t1,
		      enum parquet_type t2, bool repeated, struct dq_error *err)
{
	const struct parquet_meta *m = parquet_metadata(f);
	const struct parquet_schema_element *e = &m->schema[m->leaves[index]];
	if (e->type != t1 && e->type != t2)
		return dq_fail(err, DQ_ECORRUPT, "cannot read '%s': checkpoint column %s is %s, expected %s",
			       name, e->path, parquet_type_name(e->type), parquet_type_name(t1));
	if ((e->max_rep > 0) != repeated)
		return dq_fail(err, DQ_ECORRUPT, "cannot read '%s': checkpoint column %s is %srepeated",
			       name, e->path, repeated ? "not " : "");
	return DQ_OK;
}

static int leaf_open(parquet_file *f, const char *name, size_t rg, int index,
		     enum parquet_type t1, enum parquet_type t2, bool repeated, struct leaf *x,
		     struct dq_error *err)
{
	struct parquet_column col = x->col;
	memset(x, 0, sizeof(*x));
	x->col = col;
	if (index < 0)
		return DQ_OK;
	int rc = leaf_check(f, name, index, t1, t2, repeated, err);
	if (rc)
		return rc;
	const struct parquet_meta *m = parquet_metadata(f);
	const struct parquet_schema_element *e = &m->schema[m->leaves[index]];
	rc = parquet_read_column_again(f, rg, index, &x->col, err);
	if (rc)
		return rc;
	x->exists = true;
	x->index = index;
	x->max_def = e->max_def;
	x->max_rep = e->max_rep;
	return DQ_OK;
}

/* Definition level of level entry i. */
static int16_t def_at(const struct leaf *x, size_t i)
{
	return x->col.def ? x->col.def[i] : x->max_def;
}

/* Steps a flat leaf one row: true when the row has a value (then *vi is its index). */
static bool flat_next(struct leaf *x, size_t *vi)
{
	if (!x->exists || x->li >= x->col.nlevels)
		return false;
	bool present = def_at(x, x->li++) == x->max_def;
	if (present)
		*vi = x->vi++;
	return present;
}

static int64_t int_value(const struct leaf *x, size_t vi)
{
	return x->col.values.type == PQ_INT32 ? x->col.values.v.i32[vi] : x->col.values.v.i64[vi];
}

/* ---- JSON text for partition values ------------------------------------------------- */

static int json_str(struct dq_buf *b, const uint8_t *p, size_t n)
{
	char esc[8];
	if (dq_buf_append(b, "\"", 1))
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			esc[0] = '\\', esc[1] = (char)c;
			if (dq_buf_append(b, esc, 2))
				return -1;
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			if (dq_buf_append(b, esc, 6))
				return -1;
		} else if (dq_buf_append(b, &p[i], 1)) {
			return -1;
		}
	}
	return dq_buf_append(b, "\"", 1);
}

/*
 * The map entries of the current row of key/value leaves, as a signature appended to sig
 * when `keep` (per entry: 4-byte key length, key, then 0, or 1, 4-byte value length and
 * value); both leaves advance past the row either way.  A row's entries are its first
 * level entry and those after it with rep > 0.
 */
static int map_row(struct leaf *k, struct leaf *v, bool keep, struct dq_buf *sig,
		   const char *name, struct dq_error *err)
{
	if (!k->exists)
		return DQ_OK;
	size_t start = k->li;
	for (size_t i = start; i < k->col.nlevels && (i == start || k->col.rep[i] > 0); i++) {
		bool entry = def_at(k, i) == k->max_def;
		bool has_v = v->exists && i < v->col.nlevels;
		bool value = has_v && def_at(v, i) == v->max_def;
		if (entry) {
			const struct parquet_bytes *kb = &k->col.values.v.ba[k->vi++];
			const struct parquet_bytes *vb = value ? &v->col.values.v.ba[v->vi++] : NULL;
			uint8_t flag = value;
			if (keep && (dq_buf_append(sig, &kb->len, 4) ||
				     dq_buf_append(sig, kb->ptr, kb->len) ||
				     dq_buf_append(sig, &flag, 1) ||
				     (vb && (dq_buf_append(sig, &vb->len, 4) ||
					     dq_buf_append(sig, vb->ptr, vb->len)))))
				return dq_fail(err, DQ_ENOMEM, "out of memory");
		} else if (value) {
			return dq_fail(err, DQ_ECORRUPT, "cannot read '%s': a map value without a key", name);
		}
		k->li = i + 1;
		if (has_v)
			v->li = i + 1;
	}
	return DQ_OK;
}

/* The JSON object text of a map signature (see map_row), appended to b. */
static int sig_json(const char *sig, size_t len, struct dq_buf *b)
{
	const char *p = sig, *end = sig + len;
	if (dq_buf_append(b, "{", 1))
		return -1;
	while (p < end) {
		uint32_t kl, vl;
		memcpy(&kl, p, 4);
		if ((p != sig && dq_buf_append(b, ",", 1)) || json_str(b, (const uint8_t *)p + 4, kl) ||
		    dq_buf_append(b, ":", 1))
			return -1;
		p += 4 + kl;
		if (*p++) {
			memcpy(&vl, p, 4);
			if (json_str(b, (const uint8_t *)p + 4, vl))
				return -1;
			p += 4 + vl;
		} else if (dq_buf_puts(b, "null")) {
			return -1;
		}
	}
	return dq_buf_append(b, "}", 1);
}

/* ---- adds, column by column ---------------------------------------------------------- */

enum { C_PATH, C_SIZE, C_MTIME, C_STATS, C_NUMREC, C_DVTYPE, C_DVPATH, C_DVOFF, C_DVCARD,
       C_DVSIZE, C_PVKEY, C_PVVAL, C_N };

/*
 * The keys newer commits touched, which hide the checkpoint's adds of the same key.  The
 * exact test needs an add's full key (DV id, qualified path), and qualifying a path means
 * decoding and copying it.  But nearly every add of a big checkpoint is live and has a
 * plain relative path (see plain_relative), whose qualified form is root/path byte for
 * byte; a Bloom filter over the root-relative part of every seen key that has one lets
 * those adds skip the exact test when the filter says no.  The filter is keyed by path
 * alone, so a miss holds for every DV id.
 */
struct seen_view {
	const struct dq_strset *seen;
	const char *root;
	size_t root_len;
	uint64_t *bloom;
	size_t mask;                    /* bits in the filter - 1 */
};

/* A path relative to the table that uri_qualify would only prefix with root and '/':
 * not empty, not absolute, no escape to decode, no scheme, no NUL, nothing to normalise.
 * Eight bytes a step: this runs once per add of the checkpoint. */
static bool plain_relative(const uint8_t *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	const uint64_t pct = ones * '%', colon = ones * ':';
	if (n == 0 || p[0] == '/')
		return false;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t w, a, b;
		memcpy(&w, p + i, 8);
		a = w ^ pct;
		b = w ^ colon;
		/* a byte of w, w^pct or w^colon is zero (the classic has-zero-byte test) */
		if (((w - ones) & ~w & highs) | ((a - ones) & ~a & highs) | ((b - ones) & ~b & highs))
			return false;
	}
	for (; i < n; i++)
		if (p[i] == '%' || p[i] == ':' || p[i] == '\0')
			return false;
	return !uri_needs_normalise((const char *)p, n);
}

static bool bloom_test(const struct seen_view *v, uint64_t h, bool set)
{
	size_t a = h & v->mask, b = (h >> 32) & v->mask;
	if (set) {
		v->bloom[a / 64] |= 1ULL << (a % 64);
		v->bloom[b / 64] |= 1ULL << (b % 64);
		return true;
	}
	return (v->bloom[a / 64] >> (a % 64) & 1) && (v->bloom[b / 64] >> (b % 64) & 1);
}

static int seen_view_init(struct seen_view *v, const struct dq_strset *seen, const char *root,
			  struct dq_error *err)
{
	size_t bits = 4096;
	while (bits < 16 * seen->n && bits < ((size_t)1 << 27))
		bits *= 2;
	v->seen = seen;
	v->root = root;
	v->root_len = strlen(root);
	v->mask = bits - 1;
	if (!(v->bloom = calloc(bits / 64, sizeof(uint64_t))))
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	for (size_t i = 0; i < seen->cap; i++) {
		const char *k = seen->slots[i].key;
		/* Every '\n' that could end the DV id: a false start only adds bits. */
		for (const char *nl = k ? strchr(k, '\n') : NULL; nl; nl = strchr(nl + 1, '\n'))
			if (!strncmp(nl + 1, root, v->root_len) && nl[1 + v->root_len] == '/') {
				const char *rel = nl + 2 + v->root_len;
				bloom_test(v, dq_hash(rel, strlen(rel)), true);
			}
	}
	return DQ_OK;
}

/* Whether an add with this raw path (plain: see plain_relative) may have its key in the
 * seen set. */
static bool maybe_seen(const struct seen_view *v, const uint8_t *p, size_t n, bool plain)
{
	return v->seen->n && (!plain || bloom_test(v, dq_hash((const char *)p, n), false));
}

/* One distinct partition-values map of a row group, by signature (see map_row). */
struct pv_slot {
	uint64_t hash;
	const char *sig, *text;
	size_t sig_len;
};

/* What a worker keeps from one row group to the next. */
struct adds_scratch {
	struct adds_scratch *next;      /* in the free list */
	struct leaf c[C_N];
	struct dq_buf key, sig, text;
	int64_t *nrec;                  /* numRecords by row, counting (-1 unknown) */
	size_t nrec_cap, nrec_n;
	struct dq_arena sigs;
	struct pv_slot *pv;
	size_t pv_n, pv_cap;
};

static void scratch_free(struct adds_scratch *sc)
{
	for (int i = 0; i < C_N; i++)
		parquet_column_release(&sc->c[i].col);
	dq_buf_release(&sc->key);
	dq_buf_release(&sc->sig);
	dq_buf_release(&sc->text);
	dq_arena_release(&sc->sigs);
	free(sc->pv);
	free(sc->nrec);
	free(sc);
}

struct adds_job;

/* The reader of one checkpoint file's adds, shared by its row-group jobs. */
struct adds_ctx {
	parquet_file *f;
	const char *name;
	unsigned want;
	bool count_only;                /* totals, no file list (replay_counts_only) */
	const struct seen_view *seen;
	int idx[C_N];
	pthread_mutex_t lock;           /* guards what follows */
	struct adds_scratch *spare;
	dq_snapshot *s;
	struct adds_job *jobs;
	size_t njobs, next;             /* jobs[0..next) are in the snapshot */
	struct dq_error err;            /* why the snapshot took no more */
	int rc;
};

/* One row group's live adds; their strings are in `strings`. */
struct adds_job {
	struct adds_ctx *ctx;
	size_t rg;
	struct dq_arena strings;
	struct dq_file *files;
	size_t n;
	struct dq_totals counted;       /* instead of files, when counting only */
	bool done;
	struct dq_error err;
	int rc;
};

/*
 * The partition-values text of the row in sc->sig: one copy per distinct map per row
 * group, so the files of a partition share it (finish_partition_values and `partitions`
 * group by address first).
 */
static const char *pv_intern(struct adds_scratch *sc, struct adds_job *j)
{
	uint64_t h = dq_hash(sc->sig.data, sc->sig.len);
	if (2 * (sc->pv_n + 1) > sc->pv_cap) {
		size_t cap = sc->pv_cap ? 2 * sc->pv_cap : 256;
		struct pv_slot *t = calloc(cap, sizeof(*t));
		if (!t)
			return NULL;
		for (size_t i = 0; i < sc->pv_cap; i++) {
			if (!sc->pv[i].text)
				continue;
			size_t k = sc->pv[i].hash & (cap - 1);
			while (t[k].text)
				k = (k + 1) & (cap - 1);
			t[k] = sc->pv[i];
		}
		free(sc->pv);
		sc->pv = t;
		sc->pv_cap = cap;
	}
	size_t k = h & (sc->pv_cap - 1);
	for (; sc->pv[k].text; k = (k + 1) & (sc->pv_cap - 1))
		if (sc->pv[k].hash == h && sc->pv[k].sig_len == sc->sig.len &&
		    !memcmp(sc->pv[k].sig, sc->sig.data, sc->sig.len))
			return sc->pv[k].text;
	sc->text.len = 0;
	char *sig = dq_arena_alloc(&sc->sigs, sc->sig.len ? sc->sig.len : 1);
	if (sig_json(sc->sig.data, sc->sig.len, &sc->text) || !sig)
		return NULL;
	char *text = dq_arena_strndup(&j->strings, sc->text.data, sc->text.len);
	if (!text)
		return NULL;
	memcpy(sig, sc->sig.data, sc->sig.len);
	sc->pv[k] = (struct pv_slot){ .hash = h, .sig = sig, .text = text, .sig_len = sc->sig.len };
	sc->pv_n++;
	return text;
}

/* The key of an add (DV id, '\n', qualified path) into the job's arena; *path_off is
 * where the path starts.  NULL with *bad set when the path is no valid URI. */
static char *add_key(const struct seen_view *v, struct adds_scratch *sc, struct adds_job *j,
		     const struct parquet_bytes *path, bool plain, size_t *path_off, bool *bad)
{
	struct dq_buf *key = &sc->key;
	size_t dv_len = key->len; /* the DV id is in sc->key already */
	*bad = false;
	*path_off = dv_len + 1;
	if (plain) {
		size_t n = dv_len + 1 + v->root_len + 1 + path->len;
		char *k = dq_arena_alloc(&j->strings, n + 1);
		if (!k)
			return NULL;
		if (dv_len)
			memcpy(k, key->data, dv_len);
		k[dv_len] = '\n';
		memcpy(k + dv_len + 1, v->root, v->root_len);
		k[dv_len + 1 + v->root_len] = '/';
		memcpy(k + dv_len + 2 + v->root_len, path->ptr, path->len);
		k[n] = '\0';
		return k;
	}
	char *q;
	if (!uri_qualify(v->root, (const char *)path->ptr, path->len, &q)) {
		*bad = true;
		return NULL;
	}
	int e = dq_buf_append(key, "\n", 1) || dq_buf_puts(key, q);
	free(q);
	return e ? NULL : dq_arena_strdup(&j->strings, key->data);
}

/* numRecords of one add.stats value, for parquet_scan_bytes. */
static void scan_num_records(void *arg, size_t row, const uint8_t *p, size_t len)
{
	struct adds_scratch *sc = arg;
	int64_t nr;
	if (row < sc->nrec_n && stats_num_records((const char *)p, len, &nr) == 1)
		sc->nrec[row] = nr;
}

/*
 * Unless the stats text is kept (WANT_STATS), add.stats is needed for numRecords alone:
 * it is scanned on its own, a piece at a time, into sc->nrec by row, instead of being
 * held whole beside the other columns (it is by far the biggest).
 */
static int scan_stats(struct adds_ctx *ctx, struct adds_scratch *sc, size_t rg, int index,
		      struct dq_error *err)
{
	const struct parquet_meta *m = parquet_metadata(ctx->f);
	int64_t rows = m->row_groups[rg].num_rows;
	int rc = leaf_check(ctx->f, ctx->name, index, PQ_BYTE_ARRAY, PQ_BYTE_ARRAY, false, err);
	if (rc)
		return rc;
	/* One count per row that add.path (decoded already) has: footer numbers alone could
	 * ask for any amount of memory.  Rows beyond them fail when add.path runs out. */
	size_t n = sc->c[C_PATH].col.nlevels;
	int64_t values = m->row_groups[rg].columns[index].meta.num_values;
	if (values >= 0 && (uint64_t)values < n)
		n = (size_t)values;
	if (rows >= 0 && (uint64_t)rows < n)
		n = (size_t)rows;
	if (n > sc->nrec_cap) {
		int64_t *x = dq_realloc_array(sc->nrec, n, sizeof(*x));
		if (!x)
			return dq_fail(err, DQ_ENOMEM, "out of memory");
		sc->nrec = x;
		sc->nrec_cap = n;
	}
	sc->nrec_n = n;
	for (size_t i = 0; i < n; i++)
		sc->nrec[i] = -1;
	return parquet_scan_bytes(ctx->f, rg, index, &sc->c[C_STATS].col, scan_num_records, sc, err);
}

static int read_adds(struct adds_ctx *ctx, struct adds_scratch *sc, struct adds_job *j)
{
	parquet_file *f = ctx->f;
	const char *name = ctx->name;
	const struct parquet_meta *m = parquet_metadata(f);
	const struct seen_view *sv = ctx->seen;
	size_t rg = j->rg;
	struct dq_error *err = &j->err;
	struct leaf *c = sc->c;
	const int *idx = ctx->idx;
	static const struct { enum parquet_type t1, t2; bool rep; } types[C_N] = {
		{ PQ_BYTE_ARRAY, PQ_BYTE_ARRAY, false }, { PQ_INT64, PQ_INT32, false },
		{ PQ_INT64, PQ_INT32, false }, { PQ_BYTE_ARRAY, PQ_BYTE_ARRAY, false },
		{ PQ_INT64, PQ_INT32, false }, { PQ_BYTE_ARRAY, PQ_BYTE_ARRAY, false },
		{ PQ_BYTE_ARRAY, PQ_BYTE_ARRAY, false }, { PQ_INT32, PQ_INT64, false },
		{ PQ_INT64, PQ_INT32, false }, { PQ_INT32, PQ_INT64, false },
		{ PQ_BYTE_ARRAY, PQ_BYTE_ARRAY, true }, { PQ_BYTE_ARRAY, PQ_BYTE_ARRAY, true },
	};
	int rc = DQ_OK;
	for (int i = 0; i < C_N && rc == DQ_OK; i++) {
		int index = idx[i];
		if (i == C_STATS && !(ctx->want & WANT_STATS) && idx[C_NUMREC] >= 0)
			index = -1; /* stats_parsed gives the count without parsing JSON */
		if (ctx->count_only && (i == C_MTIME || i == C_DVSIZE || i == C_PVKEY || i == C_PVVAL))
			index = -1; /* totals need neither */
		bool scan = !(ctx->want & WANT_STATS) && i == C_STATS && index >= 0;
		rc = leaf_open(f, name, rg, scan ? -1 : index, types[i].t1, types[i].t2, types[i].rep,
			       &c[i], err);
		if (i == C_STATS && !scan)
			sc->nrec_n = 0;
		if (scan && rc == DQ_OK)
			rc = scan_stats(ctx, sc, rg, index, err);
	}
	if (rc)
		return rc;
	/* Rows with an add: add.path's definition level reaches the add struct's. */
	struct leaf *p = &c[C_PATH];
	int16_t present_def = m->schema[m->schema[m->leaves[idx[C_PATH]]].parent].max_def;
	size_t nadds = 0;
	for (size_t i = 0; i < p->col.nlevels; i++) {
		int16_t d = def_at(p, i);
		nadds += present_def > 0 ? d >= present_def : d == p->max_def;
	}
	j->counted.num_records_exact = true;
	if (!ctx->count_only) {
		if (!(j->files = dq_realloc_array(NULL, nadds, sizeof(*j->files))))
			return dq_fail(err, DQ_ENOMEM, "out of memory reading '%s'", name);
		dq_hint_huge(j->files, nadds * sizeof(*j->files));
	}
	sc->pv_n = 0;
	if (sc->pv)
		memset(sc->pv, 0, sc->pv_cap * sizeof(*sc->pv));
	dq_arena_reset(&sc->sigs);
	int64_t rows = m->row_groups[rg].num_rows;
	for (int64_t r = 0; r < rows && rc == DQ_OK; r++) {
		if (p->li >= p->col.nlevels) {
			rc = dq_fail(err, DQ_ECORRUPT, "cannot read '%s': column add.path has fewer values than rows",
				     name);
			break;
		}
		int16_t d = def_at(p, p->li);
		size_t vi = 0;
		bool has_path = flat_next(p, &vi);
		bool is_add = present_def > 0 ? d >= present_def : has_path;
		/* Every other column moves in step, add row or not. */
		size_t v_size = 0, v_mtime = 0, v_stats = 0, v_num = 0, v_dvt = 0, v_dvp = 0,
		       v_dvo = 0, v_dvc = 0, v_dvs = 0;
		bool h_size = flat_next(&c[C_SIZE], &v_size);
		bool h_mtime = flat_next(&c[C_MTIME], &v_mtime);
		bool h_stats = flat_next(&c[C_STATS], &v_stats);
		bool h_num = flat_next(&c[C_NUMREC], &v_num);
		bool h_dvt = flat_next(&c[C_DVTYPE], &v_dvt);
		bool h_dvp = flat_next(&c[C_DVPATH], &v_dvp);
		bool h_dvo = flat_next(&c[C_DVOFF], &v_dvo);
		bool h_dvc = flat_next(&c[C_DVCARD], &v_dvc);
		bool h_dvs = flat_next(&c[C_DVSIZE], &v_dvs);
		sc->sig.len = 0;
		if ((rc = map_row(&c[C_PVKEY], &c[C_PVVAL], is_add, &sc->sig, name, err)))
			break;
		if (!is_add)
			continue;
		if (!has_path || !h_size) {
			rc = dq_fail(err, DQ_ECORRUPT, "cannot read '%s': row %lld of row group %zu is an add without %s",
				     name, (long long)r, rg, has_path ? "size" : "path");
			break;
		}
		const struct parquet_bytes *pb = &p->col.values.v.ba[vi];
		struct dq_file fl = { .num_records = -1, .dv_cardinality = -1, .dv_size = -1 };
		fl.size = int_value(&c[C_SIZE], v_size);
		fl.modification_time = h_mtime ? int_value(&c[C_MTIME], v_mtime) : 0;
		sc->key.len = 0;
		int e = 0;
		if (h_dvt && h_dvp) {
			const struct parquet_bytes *a = &c[C_DVTYPE].col.values.v.ba[v_dvt];
			const struct parquet_bytes *b = &c[C_DVPATH].col.values.v.ba[v_dvp];
			e = dq_buf_append(&sc->key, a->ptr, a->len) || dq_buf_append(&sc->key, b->ptr, b->len);
			if (!e && h_dvo) {
				char off[32];
				snprintf(off, sizeof(off), "@%lld", (long long)int_value(&c[C_DVOFF], v_dvo));
				e = dq_buf_puts(&sc->key, off);
			}
			fl.dv_cardinality = h_dvc ? int_value(&c[C_DVCARD], v_dvc) : 0;
			fl.dv_size = h_dvs ? int_value(&c[C_DVSIZE], v_dvs) : -1;
		}
		size_t path_off = 0; /* set by add_key; gcc -O1 cannot see it */
		bool bad = false, plain = plain_relative(pb->ptr, pb->len);
		bool maybe = maybe_seen(sv, pb->ptr, pb->len, plain);
		/* Counting, a key is needed only for the lookup (but a path that is no valid
		 * URI is an error either way). */
		bool need_key = !ctx->count_only || maybe || !plain;
		char *key = e || !need_key ? NULL : add_key(sv, sc, j, pb, plain, &path_off, &bad);
		if (!key && (e || need_key)) {
			rc = bad ? dq_fail(err, DQ_ECORRUPT, "cannot read '%s': row %lld: add.path is not a valid URI",
					   name, (long long)r)
				 : dq_fail(err, DQ_ENOMEM, "out of memory");
			break;
		}
		if (maybe && dq_strset_has(sv->seen, key))
			continue; /* a newer commit added or removed it */
		if (ctx->count_only) {
			struct dq_totals *t = &j->counted;
			int64_t nr = (uint64_t)r < sc->nrec_n ? sc->nrec[r] : -1;
			if (nr < 0 && h_num)
				nr = int_value(&c[C_NUMREC], v_num);
			t->num_files++;
			t->size_bytes = dq_sat_add(t->size_bytes, fl.size, NULL);
			fl.num_records = nr;
			if (!dq_file_add_records(&fl, &t->num_records))
				t->num_records_exact = false;
			continue;
		}
		fl.key = key;
		fl.path = uri_display(sv->root, key + path_off);
		if (sc->sig.len && !(fl.partition_values = pv_intern(sc, j))) {
			rc = dq_fail(err, DQ_ENOMEM, "out of memory");
			break;
		}
		if ((uint64_t)r < sc->nrec_n)
			fl.num_records = sc->nrec[r];
		if (h_stats) {
			const struct parquet_bytes *sb = &c[C_STATS].col.values.v.ba[v_stats];
			int64_t nr;
			if (stats_num_records((const char *)sb->ptr, sb->len, &nr) == 1)
				fl.num_records = nr;
			if ((ctx->want & WANT_STATS) &&
			    !(fl.stats = dq_arena_strndup(&j->strings, (const char *)sb->ptr, sb->len))) {
				rc = dq_fail(err, DQ_ENOMEM, "out of memory");
				break;
			}
		}
		if (fl.num_records < 0 && h_num)
			fl.num_records = int_value(&c[C_NUMREC], v_num);
		j->files[j->n++] = fl;
	}
	return rc;
}

/* ---- removes, only for DQ_NEED_TOMBSTONES ----------------------------------------------- */

enum { R_PATH, R_TS, R_DVTYPE, R_DVPATH, R_DVOFF, R_N };

/* The remove rows of one row group (path, deletionTimestamp, DV id), applied to s as
 * tombstones. */
static int read_removes(const char *root, parquet_file *f, const char *name, size_t rg,
			dq_snapshot *s, struct dq_error *err)
{
	const struct parquet_meta *m = parquet_metadata(f);
	int idx[R_N] = {
		find_leaf(m, "remove.path"), find_leaf(m, "remove.deletionTimestamp"),
		find_leaf(m, "remove.deletionVector.storageType"),
		find_leaf(m, "remove.deletionVector.pathOrInlineDv"),
		find_leaf(m, "remove.deletionVector.offset"),
	};
	if (idx[R_PATH] < 0)
		return DQ_OK;
	const struct parquet_column_chunk *cc = &m->row_groups[rg].columns[idx[R_PATH]];
	if (cc->has_meta && cc->meta.stats.has_null_count &&
	    cc->meta.stats.null_count >= m->row_groups[rg].num_rows)
		return DQ_OK; /* the footer says no row here is a remove */
	static const enum parquet_type t1[R_N] = { PQ_BYTE_ARRAY, PQ_INT64, PQ_BYTE_ARRAY,
						   PQ_BYTE_ARRAY, PQ_INT32 };
	static const enum parquet_type t2[R_N] = { PQ_BYTE_ARRAY, PQ_INT32, PQ_BYTE_ARRAY,
						   PQ_BYTE_ARRAY, PQ_INT64 };
	struct leaf c[R_N];
	int rc = DQ_OK;
	memset(c, 0, sizeof(c));
	for (int i = 0; i < R_N && rc == DQ_OK; i++)
		rc = leaf_open(f, name, rg, idx[i], t1[i], t2[i], false, &c[i], err);
	struct dq_buf key = { 0 };
	int64_t rows = m->row_groups[rg].num_rows;
	for (int64_t r = 0; r < rows && rc == DQ_OK; r++) {
		size_t vp = 0, vts = 0, vt = 0, vdp = 0, vo = 0;
		bool hp = flat_next(&c[R_PATH], &vp), hts = flat_next(&c[R_TS], &vts);
		bool ht = flat_next(&c[R_DVTYPE], &vt), hdp = flat_next(&c[R_DVPATH], &vdp);
		bool ho = flat_next(&c[R_DVOFF], &vo);
		if (!hp)
			continue;
		struct file_action fa = { .add = false, .size = -1, .num_records = -1,
					  .dv_cardinality = -1, .dv_size = -1 };
		fa.deletion_timestamp = hts ? int_value(&c[R_TS], vts) : 0;
		const struct parquet_bytes *pb = &c[R_PATH].col.values.v.ba[vp];
		char *q;
		if (!uri_qualify(root, (const char *)pb->ptr, pb->len, &q)) {
			rc = dq_fail(err, DQ_ECORRUPT, "cannot read '%s': row %lld: remove.path is not a valid URI",
				     name, (long long)r);
			break;
		}
		key.len = 0;
		int e = 0;
		if (ht && hdp) {
			const struct parquet_bytes *a = &c[R_DVTYPE].col.values.v.ba[vt];
			const struct parquet_bytes *b = &c[R_DVPATH].col.values.v.ba[vdp];
			e = dq_buf_append(&key, a->ptr, a->len) || dq_buf_append(&key, b->ptr, b->len);
			if (!e && ho) {
				char off[32];
				snprintf(off, sizeof(off), "@%lld", (long long)int_value(&c[R_DVOFF], vo));
				e = dq_buf_puts(&key, off);
			}
		}
		fa.path_off = key.len + 1;
		e = e || dq_buf_append(&key, "\n", 1) || dq_buf_puts(&key, q);
		free(q);
		fa.key = key.data;
		if (e)
			rc = dq_fail(err, DQ_ENOMEM, "out of memory reading '%s'", name);
		else
			rc = replay_checkpoint_add(s, &fa, err);
	}
	dq_buf_release(&key);
	for (int i = 0; i < R_N; i++)
		parquet_column_release(&c[i].col);
	return rc;
}

/* ---- non-file actions ---------------------------------------------------------------- */

static const char *const nonfile[] = { "protocol", "metaData", "txn", "domainMetadata",
				       "sidecar", "checkpointMetadata" };
/* A leaf that is non-null in every row of that action (kernel-rs's presence witnesses). */
static const char *const witness[] = { "protocol.minReaderVersion", "metaData.id", "txn.appId",
				       "domainMetadata.domain", "sidecar.path",
				       "checkpointMetadata.version" };

/* Whether row group rg may hold action a, from the witness's footer statistics. */
static bool may_hold(const struct parquet_meta *m, size_t rg, int a)
{
	int leaf = find_leaf(m, witness[a]);
	if (leaf < 0)
		return false;
	const struct parquet_column_chunk *cc = &m->row_groups[rg].columns[leaf];
	if (cc->has_meta && cc->meta.stats.has_null_count &&
	    cc->meta.stats.null_count >= m->row_groups[rg].num_rows)
		return false;
	return true;
}

static int read_nonfile(parquet_file *f, size_t rg, unsigned want, dq_snapshot *s,
			json_t *sidecars, struct dq_error *err)
{
	const struct parquet_meta *m = parquet_metadata(f);
	int fields[6];
	size_t nf = 0;
	for (int a = 0; a < 6; a++) {
		if ((a == 0 || a == 1) && replay_has_pm(s))
			continue;
		if ((a == 2 || a == 3) && !(want & WANT_TXNS))
			continue;
		if (!may_hold(m, rg, a))
			continue;
		for (size_t c = 1; c < m->nschema; c++)
			if (m->schema[c].parent == 0 && !strcmp(m->schema[c].name, nonfile[a])) {
				fields[nf++] = (int)c;
				break;
			}
	}
	if (!nf)
		return DQ_OK;
	json_t *rows = json_array();
	if (!rows)
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	int rc = parquet_read_present_rows_json(f, rg, fields, nf, rows, err);
	struct commit_actions acts = { .version = dq_snapshot_checkpoint(s) };
	size_t i;
	json_t *row;
	json_array_foreach(rows, i, row) {
		if (rc)
			break;
		json_t *v;
		if (!acts.protocol && json_is_object(v = json_object_get(row, "protocol")))
			acts.protocol = json_incref(v);
		if (!acts.metadata && json_is_object(v = json_object_get(row, "metaData")))
			acts.metadata = json_incref(v);
		if (json_is_object(v = json_object_get(row, "txn")) &&
		    json_is_string(json_object_get(v, "appId"))) {
			if (!acts.txns)
				acts.txns = json_array();
			json_array_append(acts.txns, v);
		}
		if (json_is_object(v = json_object_get(row, "domainMetadata")) &&
		    json_is_string(json_object_get(v, "domain"))) {
			if (!acts.domains)
				acts.domains = json_array();
			json_array_append(acts.domains, v);
		}
		if (json_is_object(v = json_object_get(row, "sidecar")))
			json_array_append(sidecars, v);
	}
	json_decref(rows);
	if (rc == DQ_OK)
		rc = replay_reconcile(s, &acts, err);
	commit_actions_release(&acts);
	return rc;
}

/* ---- files --------------------------------------------------------------------------- */

static void adds_job_run(void *arg)
{
	struct adds_job *j = arg;
	struct adds_ctx *ctx = j->ctx;
	pthread_mutex_lock(&ctx->lock);
	struct adds_scratch *sc = ctx->spare;
	if (sc)
		ctx->spare = sc->next;
	pthread_mutex_unlock(&ctx->lock);
	if (!sc && !(sc = calloc(1, sizeof(*sc)))) {
		j->rc = dq_fail(&j->err, DQ_ENOMEM, "out of memory reading '%s'", ctx->name);
		return;
	}
	j->rc = read_adds(ctx, sc, j);
	pthread_mutex_lock(&ctx->lock);
	sc->next = ctx->spare;
	ctx->spare = sc;
	/* Into the snapshot in row-group order, as soon as the row groups before are: the
	 * adds of finished row groups do not wait for the slowest in a second array. */
	j->done = true;
	while (ctx->next < ctx->njobs && ctx->jobs[ctx->next].done) {
		struct adds_job *x = &ctx->jobs[ctx->next++];
		if (ctx->rc == DQ_OK && x->rc) {
			ctx->err = x->err;
			ctx->rc = x->rc;
		}
		if (ctx->rc == DQ_OK && ctx->count_only)
			replay_checkpoint_count(ctx->s, &x->counted);
		else if (ctx->rc == DQ_OK)
			ctx->rc = replay_checkpoint_files(ctx->s, x->files, x->n, &x->strings, &ctx->err);
		free(x->files);
		x->files = NULL;
		dq_arena_release(&x->strings);
	}
	pthread_mutex_unlock(&ctx->lock);
}

/*
 * The live adds of every row group, decoded on the pool, one job per row group so the
 * workers stay busy to the end; each worker reuses its column buffers from one row group
 * to the next.  They are appended in row-group order.
 */
static int read_parquet_adds(dq_table *t, parquet_file *f, const char *path, unsigned want,
			     const struct seen_view *sv, dq_snapshot *s, struct dq_error *err)
{
	const struct parquet_meta *m = parquet_metadata(f);
	struct adds_ctx ctx = { .f = f, .name = path, .want = want, .seen = sv, .s = s,
				.count_only = replay_counts_only(s), .idx = {
		find_leaf(m, "add.path"), find_leaf(m, "add.size"),
		find_leaf(m, "add.modificationTime"), find_leaf(m, "add.stats"),
		find_leaf(m, "add.stats_parsed.numRecords"),
		find_leaf(m, "add.deletionVector.storageType"),
		find_leaf(m, "add.deletionVector.pathOrInlineDv"),
		find_leaf(m, "add.deletionVector.offset"),
		find_leaf(m, "add.deletionVector.cardinality"),
		find_leaf(m, "add.deletionVector.sizeInBytes"),
		find_map_leaf(m, "add.partitionValues", "key"),
		find_map_leaf(m, "add.partitionValues", "value"),
	} };
	if (ctx.idx[C_PATH] < 0 || m->nrow_groups == 0)
		return DQ_OK; /* no add column: nothing to list */
	struct adds_job *jobs = dq_calloc(m->nrow_groups, sizeof(*jobs));
	if (!jobs)
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	if (pthread_mutex_init(&ctx.lock, NULL)) {
		free(jobs);
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	}
	for (size_t k = 0; k < m->nrow_groups; k++)
		jobs[k] = (struct adds_job){ .ctx = &ctx, .rg = k,
					     .strings.block = ctx.count_only ? 0 : 4 << 20 };
	ctx.jobs = jobs;
	ctx.njobs = m->nrow_groups;
	int rc = table_run(t, jobs, m->nrow_groups, sizeof(*jobs), adds_job_run, err);
	if (rc == DQ_OK && ctx.next < ctx.njobs)
		rc = dq_fail(err, DQ_ECORRUPT, "cannot read '%s': a row group was not read", path);
	if (rc == DQ_OK && ctx.rc) {
		*err = ctx.err;
		rc = ctx.rc;
	}
	for (size_t k = 0; k < m->nrow_groups; k++) { /* left by a failed table_run */
		free(jobs[k].files);
		dq_arena_release(&jobs[k].strings);
	}
	free(jobs);
	pthread_mutex_destroy(&ctx.lock);
	while (ctx.spare) {
		struct adds_scratch *next = ctx.spare->next;
		scratch_free(ctx.spare);
		ctx.spare = next;
	}
	return rc;
}

static int read_parquet(dq_table *t, const char *path, unsigned want, dq_snapshot *s,
			json_t *sidecars, const struct seen_view *sv, struct dq_error *err)
{
	parquet_file *f;
	int rc = parquet_open(t->store, path, &f, err);
	if (rc)
		return rc;
	const struct parquet_meta *m = parquet_metadata(f);
	for (size_t rg = 0; rg < m->nrow_groups && rc == DQ_OK; rg++)
		rc = read_nonfile(f, rg, want, s, sidecars, err);
	if (rc == DQ_OK && (want & WANT_FILES))
		rc = read_parquet_adds(t, f, path, want, sv, s, err);
	for (size_t rg = 0; (want & WANT_TOMBSTONES) && rg < m->nrow_groups && rc == DQ_OK; rg++)
		rc = read_removes(dq_table_location(t), f, path, rg, s, err);
	parquet_close(f);
	return rc;
}

/* A V2 checkpoint written as JSON: NDJSON like a commit, plus sidecar lines. */
static int read_json(dq_table *t, const char *path, unsigned want, dq_snapshot *s,
		     json_t *sidecars, struct dq_error *err)
{
	struct dq_buf buf = { .max = DQ_MAX_COMMIT_BYTES };
	struct commit_actions acts = { .version = dq_snapshot_checkpoint(s) };
	int rc = store_read(t->store, path, DQ_MAX_COMMIT_BYTES, &buf, err);
	if (!rc)
		rc = action_parse_commit(dq_table_location(t), path, buf.data ? buf.data : "", buf.len,
					 want | WANT_PM | WANT_TXNS | WANT_SIDECARS, &acts, err);
	dq_buf_release(&buf);
	size_t i;
	json_t *v;
	if (!rc && acts.sidecars)
		json_array_foreach(acts.sidecars, i, v)
			json_array_append(sidecars, v);
	for (i = 0; i < acts.nfiles && rc == DQ_OK; i++)
		rc = replay_checkpoint_add(s, &acts.files[i], err);
	acts.nfiles = 0; /* checkpoint adds never enter the seen-set */
	if (!rc)
		rc = replay_reconcile(s, &acts, err);
	commit_actions_release(&acts);
	return rc;
}

/* Where a sidecar action points: normally a bare name under _delta_log/_sidecars/. */
static char *sidecar_path(dq_table *t, const json_t *sc)
{
	const char *p = json_string_value(json_object_get(sc, "path"));
	if (!p)
		return NULL;
	size_t n = strlen(p), dn;
	char *dec = malloc(n + 1);
	if (!dec || !uri_decode(p, n, dec, &dn)) {
		free(dec);
		return NULL;
	}
	char *out = NULL;
	if (!strchr(p, ':') && dec[0] != '/') {
		size_t len = strlen("_delta_log/_sidecars/") + dn + 1;
		if ((out = malloc(len)))
			snprintf(out, len, "_delta_log/_sidecars/%s", dec);
	} else {
		char *q;
		if (uri_qualify(dq_table_location(t), p, n, &q)) {
			const char *rel = uri_display(dq_table_location(t), q);
			out = rel != q ? dq_strdup(rel) : NULL; /* outside the table: refused */
			free(q);
		}
	}
	free(dec);
	return out;
}

int checkpoint_apply(dq_table *t, const struct log_listing *l, int64_t version, unsigned want,
		     dq_snapshot *s, struct dq_error *err)
{
	const struct log_file *parts[1024];
	size_t n = log_checkpoint_files(l, version, parts, sizeof(parts) / sizeof(parts[0]));
	if (n == 0 || n > sizeof(parts) / sizeof(parts[0]))
		return dq_fail(err, DQ_EMISSING, "no complete checkpoint at version %lld", (long long)version);
	json_t *sidecars = json_array();
	if (!sidecars)
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	struct seen_view sv = { 0 };
	int rc = DQ_OK;
	if (want & WANT_FILES)
		rc = seen_view_init(&sv, replay_seen(s), dq_table_location(t), err);
	char path[512];
	for (size_t i = 0; i < n && rc == DQ_OK; i++) {
		log_path(parts[i]->name, path, sizeof(path));
		rc = parts[i]->n.json ? read_json(t, path, want, s, sidecars, err)
				      : read_parquet(t, path, want, s, sidecars, &sv, err);
	}
	size_t i;
	json_t *sc;
	if (want & WANT_FILES) {
		json_array_foreach(sidecars, i, sc) {
			if (rc)
				break;
			char *p = sidecar_path(t, sc);
			if (!p) {
				rc = dq_fail(err, DQ_ECORRUPT,
					     "the checkpoint at version %lld names a sidecar deltaq cannot locate",
					     (long long)version);
				break;
			}
			rc = read_parquet(t, p, want & ~(unsigned)WANT_TXNS, s, sidecars, &sv, err);
			free(p);
		}
	}
	free(sv.bloom);
	json_decref(sidecars);
	return rc;
}

/* ---- summary, for `show` on a version only a checkpoint is left of ---------------------- */

static int count_parquet(dq_table *t, const char *path, json_t *rows, json_t *sidecars,
			 struct dq_error *err)
{
	static const char *const kinds[][2] = {
		{ "add", "add.path" }, { "remove", "remove.path" }, { "metaData", "metaData.id" },
		{ "protocol", "protocol.minReaderVersion" }, { "txn", "txn.appId" },
		{ "domainMetadata", "domainMetadata.domain" }, { "sidecar", "sidecar.path" },
		{ "checkpointMetadata", "checkpointMetadata.version" },
	};
	parquet_file *f;
	int rc = parquet_open(t->store, path, &f, err);
	if (rc)
		return rc;
	const struct parquet_meta *m = parquet_metadata(f);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]) && rc == DQ_OK; k++) {
		int leaf = find_leaf(m, kinds[k][1]);
		if (leaf < 0)
			continue;
		const struct parquet_schema_element *e = &m->schema[m->leaves[leaf]];
		int16_t present = m->schema[e->parent].max_def;
		int64_t n = 0;
		for (size_t rg = 0; rg < m->nrow_groups && rc == DQ_OK; rg++) {
			struct parquet_column c;
			if ((rc = parquet_read_column(f, rg, leaf, &c, err)))
				break;
			for (size_t i = 0; i < c.nlevels; i++)
				if (!c.def || c.def[i] >= present)
					n++;
			if (!strcmp(kinds[k][0], "sidecar"))
				for (size_t i = 0; i < c.values.n; i++)
					json_array_append_new(sidecars, json_stringn((const char *)c.values.v.ba[i].ptr,
										     c.values.v.ba[i].len));
			parquet_column_release(&c);
		}
		json_t *old = json_object_get(rows, kinds[k][0]);
		if (n)
			json_object_set_new(rows, kinds[k][0],
					    json_integer(n + (old ? json_integer_value(old) : 0)));
	}
	parquet_close(f);
	return rc;
}

int dq_checkpoint_summary(dq_table *t, int64_t version, json_t **out, struct dq_error *err)
{
	const struct log_listing *l;
	int rc = table_commits(t, &l, err);
	if (rc)
		return rc;
	const struct log_file *parts[1024];
	size_t n = log_checkpoint_files(l, version, parts, sizeof(parts) / sizeof(parts[0]));
	if (n == 0 || n > sizeof(parts) / sizeof(parts[0]))
		return dq_fail(err, DQ_ERANGE, "version %lld has neither a commit file nor a complete checkpoint",
			       (long long)version);
	json_t *files = json_array(), *rows = json_object(), *sidecars = json_array();
	char path[512];
	for (size_t i = 0; i < n && rc == DQ_OK; i++) {
		log_path(parts[i]->name, path, sizeof(path));
		json_array_append_new(files, json_string(parts[i]->name));
		if (parts[i]->n.json) {
			struct dq_buf buf = { .max = DQ_MAX_COMMIT_BYTES };
			rc = store_read(t->store, path, DQ_MAX_COMMIT_BYTES, &buf, err);
			/* count lines by action, as `show` does for commits */
			for (const char *p = buf.data, *end = buf.data + buf.len; !rc && p && p < end;) {
				const char *nl = memchr(p, '\n', (size_t)(end - p));
				size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
				json_error_t je;
				json_t *o = len ? json_loadb(p, len, 0, &je) : NULL;
				const char *k;
				json_t *v;
				json_object_foreach(o, k, v) {
					json_t *old = json_object_get(rows, k);
					json_object_set_new(rows, k, json_integer(old ? json_integer_value(old) + 1 : 1));
					if (!strcmp(k, "sidecar") && json_is_string(json_object_get(v, "path")))
						json_array_append(sidecars, json_object_get(v, "path"));
				}
				json_decref(o);
				p = nl ? nl + 1 : end;
			}
			dq_buf_release(&buf);
		} else {
			rc = count_parquet(t, path, rows, sidecars, err);
		}
	}
	const char *kind = parts[0]->n.ckpt == CKPT_MULTIPART ? "multi-part"
			   : parts[0]->n.ckpt == CKPT_UUID ? "v2" : "classic";
	if (!rc && json_array_size(sidecars))
		kind = "v2";
	if (rc) {
		json_decref(files), json_decref(rows), json_decref(sidecars);
		return rc;
	}
	*out = json_pack("{sI ss so so so}", "version", (json_int_t)version, "kind", kind,
			 "files", files, "rows", rows, "sidecars", sidecars);
	return DQ_OK;
}
