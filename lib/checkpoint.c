/*
 * checkpoint.c - reads a checkpoint into a replay (protocol.md 1.4, 3.1-3.3; parquet.md 3).
 *
 * A checkpoint is the reconciled state at its version: one Parquet file, the parts of a
 * multi-part checkpoint, or a V2 checkpoint (Parquet or JSON, UUID- or classic-named) whose
 * add and remove actions may live in sidecar files under _delta_log/_sidecars/.  Adds are
 * read column by column (path, size, modificationTime, partitionValues, stats or
 * stats_parsed.numRecords, deletionVector) without building a row object, and only those
 * whose key no newer commit touched become live; the rare non-file actions (protocol,
 * metaData, txn, domainMetadata, sidecar) are assembled as JSON, and row groups whose
 * footer statistics say they hold none are not read at all.  Columns are looked up by
 * name path and their levels come from each file's own schema.
 */
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

/* Opens leaf `index` (-1: absent, fine) expecting one of two physical types. */
static int leaf_open(parquet_file *f, const char *name, size_t rg, int index,
		     enum parquet_type t1, enum parquet_type t2, bool repeated, struct leaf *x,
		     struct dq_error *err)
{
	memset(x, 0, sizeof(*x));
	if (index < 0)
		return DQ_OK;
	const struct parquet_meta *m = parquet_metadata(f);
	const struct parquet_schema_element *e = &m->schema[m->leaves[index]];
	if (e->type != t1 && e->type != t2)
		return dq_fail(err, DQ_ECORRUPT, "cannot read '%s': checkpoint column %s is %s, expected %s",
			       name, e->path, parquet_type_name(e->type), parquet_type_name(t1));
	if ((e->max_rep > 0) != repeated)
		return dq_fail(err, DQ_ECORRUPT, "cannot read '%s': checkpoint column %s is %srepeated",
			       name, e->path, repeated ? "not " : "");
	int rc = parquet_read_column(f, rg, index, &x->col, err);
	if (rc)
		return rc;
	x->exists = true;
	x->index = index;
	x->max_def = e->max_def;
	x->max_rep = e->max_rep;
	return DQ_OK;
}

static void leaf_release(struct leaf *x)
{
	if (x->exists)
		parquet_column_release(&x->col);
	x->exists = false;
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
 * Appends the map entries of the current row of key/value leaves to b as a JSON object's
 * members; advances both leaves past the row.  A row's entries are its first level entry
 * and those after it with rep > 0.
 */
static int map_row(struct leaf *k, struct leaf *v, struct dq_buf *b, bool *any,
		   const char *name, struct dq_error *err)
{
	*any = false;
	if (!k->exists)
		return DQ_OK;
	size_t start = k->li;
	for (size_t i = start; i < k->col.nlevels && (i == start || k->col.rep[i] > 0); i++) {
		bool entry = def_at(k, i) == k->max_def;
		bool has_v = v->exists && i < v->col.nlevels;
		bool value = has_v && def_at(v, i) == v->max_def;
		if (entry) {
			const struct parquet_bytes *kb = &k->col.values.v.ba[k->vi++];
			if ((*any && dq_buf_append(b, ",", 1)) || json_str(b, kb->ptr, kb->len) ||
			    dq_buf_append(b, ":", 1))
				return dq_fail(err, DQ_ENOMEM, "out of memory");
			if (value) {
				const struct parquet_bytes *vb = &v->col.values.v.ba[v->vi++];
				if (json_str(b, vb->ptr, vb->len))
					return dq_fail(err, DQ_ENOMEM, "out of memory");
			} else if (dq_buf_puts(b, "null")) {
				return dq_fail(err, DQ_ENOMEM, "out of memory");
			}
			*any = true;
		} else if (value) {
			return dq_fail(err, DQ_ECORRUPT, "cannot read '%s': a map value without a key", name);
		}
		k->li = i + 1;
		if (has_v)
			v->li = i + 1;
	}
	return DQ_OK;
}

/* ---- adds, column by column ---------------------------------------------------------- */

enum { C_PATH, C_SIZE, C_MTIME, C_STATS, C_NUMREC, C_DVTYPE, C_DVPATH, C_DVOFF, C_DVCARD,
       C_PVKEY, C_PVVAL, C_N };

/* The adds of one row group, decoded (on a worker) before they are applied in order. */
struct add_batch {
	struct dq_arena arena;
	struct file_action *fa;
	size_t n, cap;
};

static int batch_push(struct add_batch *b, const struct file_action *fa, size_t keylen)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		struct file_action *x = dq_realloc_array(b->fa, cap, sizeof(*x));
		if (!x)
			return -1;
		b->fa = x;
		b->cap = cap;
	}
	struct file_action *o = &b->fa[b->n];
	*o = *fa;
	if (!(o->key = dq_arena_strndup(&b->arena, fa->key, keylen)) ||
	    (fa->partition_values && !(o->partition_values = dq_arena_strdup(&b->arena, fa->partition_values))) ||
	    (fa->stats && !(o->stats = dq_arena_strdup(&b->arena, fa->stats))))
		return -1;
	b->n++;
	return 0;
}

static void batch_release(struct add_batch *b)
{
	dq_arena_release(&b->arena);
	free(b->fa);
	memset(b, 0, sizeof(*b));
}

static int read_adds(const char *root, parquet_file *f, const char *name, size_t rg, unsigned want,
		     struct add_batch *out, struct dq_error *err)
{
	const struct parquet_meta *m = parquet_metadata(f);
	struct leaf c[C_N];
	int idx[C_N] = {
		find_leaf(m, "add.path"), find_leaf(m, "add.size"),
		find_leaf(m, "add.modificationTime"), find_leaf(m, "add.stats"),
		find_leaf(m, "add.stats_parsed.numRecords"),
		find_leaf(m, "add.deletionVector.storageType"),
		find_leaf(m, "add.deletionVector.pathOrInlineDv"),
		find_leaf(m, "add.deletionVector.offset"),
		find_leaf(m, "add.deletionVector.cardinality"),
		find_map_leaf(m, "add.partitionValues", "key"),
		find_map_leaf(m, "add.partitionValues", "value"),
	};
	if (idx[C_PATH] < 0)
		return DQ_OK; /* no add column: nothing to list */
	static const struct { enum parquet_type t1, t2; bool rep; } types[C_N] = {
		{ PQ_BYTE_ARRAY, PQ_BYTE_ARRAY, false }, { PQ_INT64, PQ_INT32, false },
		{ PQ_INT64, PQ_INT32, false }, { PQ_BYTE_ARRAY, PQ_BYTE_ARRAY, false },
		{ PQ_INT64, PQ_INT32, false }, { PQ_BYTE_ARRAY, PQ_BYTE_ARRAY, false },
		{ PQ_BYTE_ARRAY, PQ_BYTE_ARRAY, false }, { PQ_INT32, PQ_INT64, false },
		{ PQ_INT64, PQ_INT32, false }, { PQ_BYTE_ARRAY, PQ_BYTE_ARRAY, true },
		{ PQ_BYTE_ARRAY, PQ_BYTE_ARRAY, true },
	};
	int rc = DQ_OK;
	memset(c, 0, sizeof(c));
	for (int i = 0; i < C_N && rc == DQ_OK; i++) {
		if (i == C_STATS && !(want & WANT_STATS) && idx[C_NUMREC] >= 0)
			continue; /* stats_parsed gives the count without parsing JSON */
		rc = leaf_open(f, name, rg, idx[i], types[i].t1, types[i].t2, types[i].rep, &c[i], err);
	}
	/* Rows with an add: add.path's definition level reaches the add struct's. */
	int16_t present_def = m->schema[m->schema[m->leaves[idx[C_PATH]]].parent].max_def;
	int64_t rows = m->row_groups[rg].num_rows;
	struct dq_buf key = { 0 }, pv = { 0 }, st = { 0 };
	for (int64_t r = 0; r < rows && rc == DQ_OK; r++) {
		struct leaf *p = &c[C_PATH];
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
		       v_dvo = 0, v_dvc = 0;
		bool h_size = flat_next(&c[C_SIZE], &v_size);
		bool h_mtime = flat_next(&c[C_MTIME], &v_mtime);
		bool h_stats = flat_next(&c[C_STATS], &v_stats);
		bool h_num = flat_next(&c[C_NUMREC], &v_num);
		bool h_dvt = flat_next(&c[C_DVTYPE], &v_dvt);
		bool h_dvp = flat_next(&c[C_DVPATH], &v_dvp);
		bool h_dvo = flat_next(&c[C_DVOFF], &v_dvo);
		bool h_dvc = flat_next(&c[C_DVCARD], &v_dvc);
		pv.len = 0;
		bool any;
		if (dq_buf_append(&pv, "{", 1)) {
			rc = dq_fail(err, DQ_ENOMEM, "out of memory");
			break;
		}
		if ((rc = map_row(&c[C_PVKEY], &c[C_PVVAL], &pv, &any, name, err)))
			break;
		if (!is_add)
			continue;
		if (!has_path || !h_size) {
			rc = dq_fail(err, DQ_ECORRUPT, "cannot read '%s': row %lld of row group %zu is an add without %s",
				     name, (long long)r, rg, has_path ? "size" : "path");
			break;
		}
		struct file_action fa = { .add = true, .num_records = -1, .dv_cardinality = -1 };
		fa.size = int_value(&c[C_SIZE], v_size);
		fa.modification_time = h_mtime ? int_value(&c[C_MTIME], v_mtime) : 0;
		const struct parquet_bytes *pb = &p->col.values.v.ba[vi];
		char *q;
		if (!uri_qualify(root, (const char *)pb->ptr, pb->len, &q)) {
			rc = dq_fail(err, DQ_ECORRUPT, "cannot read '%s': row %lld: add.path is not a valid URI",
				     name, (long long)r);
			break;
		}
		key.len = 0;
		int e = 0;
		if (h_dvt && h_dvp) {
			const struct parquet_bytes *a = &c[C_DVTYPE].col.values.v.ba[v_dvt];
			const struct parquet_bytes *b = &c[C_DVPATH].col.values.v.ba[v_dvp];
			e = dq_buf_append(&key, a->ptr, a->len) || dq_buf_append(&key, b->ptr, b->len);
			if (!e && h_dvo) {
				char off[32];
				snprintf(off, sizeof(off), "@%lld", (long long)int_value(&c[C_DVOFF], v_dvo));
				e = dq_buf_puts(&key, off);
			}
			fa.dv_cardinality = h_dvc ? int_value(&c[C_DVCARD], v_dvc) : 0;
		}
		fa.path_off = key.len + 1;
		e = e || dq_buf_append(&key, "\n", 1) || dq_buf_puts(&key, q);
		free(q);
		if (e) {
			rc = dq_fail(err, DQ_ENOMEM, "out of memory");
			break;
		}
		fa.key = key.data;
		if (any) {
			if (dq_buf_append(&pv, "}", 1)) {
				rc = dq_fail(err, DQ_ENOMEM, "out of memory");
				break;
			}
			fa.partition_values = pv.data;
		}
		if (h_stats) {
			const struct parquet_bytes *sb = &c[C_STATS].col.values.v.ba[v_stats];
			int64_t nr;
			if (stats_num_records((const char *)sb->ptr, sb->len, &nr) == 1)
				fa.num_records = nr;
			if (want & WANT_STATS) {
				st.len = 0;
				if (dq_buf_append(&st, sb->ptr, sb->len)) {
					rc = dq_fail(err, DQ_ENOMEM, "out of memory");
					break;
				}
				fa.stats = st.data;
			}
		}
		if (fa.num_records < 0 && h_num)
			fa.num_records = int_value(&c[C_NUMREC], v_num);
		if (batch_push(out, &fa, key.len))
			rc = dq_fail(err, DQ_ENOMEM, "out of memory reading '%s'", name);
	}
	dq_buf_release(&key);
	dq_buf_release(&pv);
	dq_buf_release(&st);
	for (int i = 0; i < C_N; i++)
		leaf_release(&c[i]);
	return rc;
}

/* ---- removes, only for DQ_NEED_TOMBSTONES ----------------------------------------------- */

enum { R_PATH, R_TS, R_DVTYPE, R_DVPATH, R_DVOFF, R_N };

/* The remove rows of one row group (path, deletionTimestamp, DV id) as file actions. */
static int read_removes(const char *root, parquet_file *f, const char *name, size_t rg,
			struct add_batch *out, struct dq_error *err)
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
					  .dv_cardinality = -1 };
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
		if (e || batch_push(out, &fa, key.len))
			rc = dq_fail(err, DQ_ENOMEM, "out of memory reading '%s'", name);
	}
	dq_buf_release(&key);
	for (int i = 0; i < R_N; i++)
		leaf_release(&c[i]);
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
	int rc = parquet_read_rows_json(f, rg, fields, nf, rows, err);
	struct commit_actions acts = { 0 };
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

struct adds_job {
	const char *root, *name;
	parquet_file *f;
	size_t rg;
	unsigned want;
	struct add_batch batch;
	struct dq_error err;
	int rc;
};

static void adds_job_run(void *arg)
{
	struct adds_job *j = arg;
	j->rc = read_adds(j->root, j->f, j->name, j->rg, j->want, &j->batch, &j->err);
}

static int read_parquet(dq_table *t, const char *path, unsigned want, dq_snapshot *s,
			json_t *sidecars, struct dq_error *err)
{
	parquet_file *f;
	int rc = parquet_open(t->store, path, &f, err);
	if (rc)
		return rc;
	const struct parquet_meta *m = parquet_metadata(f);
	for (size_t rg = 0; rg < m->nrow_groups && rc == DQ_OK; rg++)
		rc = read_nonfile(f, rg, want, s, sidecars, err);
	/* Row groups decode on the pool, a wave of one per thread at a time (so memory holds
	 * a few row groups' adds, not the file's); they are applied in order. */
	size_t wave = t->opt.threads > 0 ? (size_t)t->opt.threads : pool_cpus();
	struct adds_job *jobs = (want & WANT_FILES) ? dq_calloc(wave, sizeof(*jobs)) : NULL;
	if ((want & WANT_FILES) && !jobs && rc == DQ_OK)
		rc = dq_fail(err, DQ_ENOMEM, "out of memory");
	for (size_t rg0 = 0; jobs && rg0 < m->nrow_groups && rc == DQ_OK; rg0 += wave) {
		size_t n = m->nrow_groups - rg0 < wave ? m->nrow_groups - rg0 : wave;
		for (size_t k = 0; k < n; k++) {
			memset(&jobs[k], 0, sizeof(jobs[k]));
			jobs[k] = (struct adds_job){ .root = dq_table_location(t), .name = path, .f = f,
						     .rg = rg0 + k, .want = want };
		}
		rc = table_run(t, jobs, n, sizeof(*jobs), adds_job_run, err);
		for (size_t k = 0; k < n; k++) {
			if (rc == DQ_OK && jobs[k].rc) {
				*err = jobs[k].err;
				rc = jobs[k].rc;
			}
			for (size_t i = 0; rc == DQ_OK && i < jobs[k].batch.n; i++)
				rc = replay_checkpoint_add(s, &jobs[k].batch.fa[i], err);
			batch_release(&jobs[k].batch);
		}
	}
	free(jobs);
	for (size_t rg = 0; (want & WANT_TOMBSTONES) && rg < m->nrow_groups && rc == DQ_OK; rg++) {
		struct add_batch b = { 0 };
		rc = read_removes(dq_table_location(t), f, path, rg, &b, err);
		for (size_t i = 0; rc == DQ_OK && i < b.n; i++)
			rc = replay_checkpoint_add(s, &b.fa[i], err);
		batch_release(&b);
	}
	parquet_close(f);
	return rc;
}

/* A V2 checkpoint written as JSON: NDJSON like a commit, plus sidecar lines. */
static int read_json(dq_table *t, const char *path, unsigned want, dq_snapshot *s,
		     json_t *sidecars, struct dq_error *err)
{
	struct dq_buf buf = { .max = DQ_MAX_COMMIT_BYTES };
	struct commit_actions acts = { 0 };
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
	int rc = DQ_OK;
	char path[512];
	for (size_t i = 0; i < n && rc == DQ_OK; i++) {
		log_path(parts[i]->name, path, sizeof(path));
		rc = parts[i]->n.json ? read_json(t, path, want, s, sidecars, err)
				      : read_parquet(t, path, want, s, sidecars, err);
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
			rc = read_parquet(t, p, want & ~(unsigned)WANT_TXNS, s, sidecars, err);
			free(p);
		}
	}
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
