/*
 * replay.c - log replay into a snapshot (protocol.md 3.1-3.3).  Commits are read and parsed
 * on the handle's pool in batches, newest first; reconciliation then walks each batch in
 * descending version order with a set of seen file keys, so the first (newest) action for
 * a key decides it: an add is live, a remove hides every older add.  The result does not
 * depend on the order in which parses finish.  protocol and metaData are the newest ones;
 * txn is newest per appId, domainMetadata newest per domain with tombstones dropped.
 * Memory follows the keys the replayed commits touched, not the bytes of the history.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "lastcp.h"
#include "replay.h"
#include "stats_fast.h"
#include "uri.h"

struct dq_snapshot {
	dq_table *t;
	int64_t version;
	int64_t timestamp;
	unsigned need;
	json_t *protocol, *metadata, *schema, *unsupported, *partition_columns;
	int64_t metadata_version;   /* of the commit (or checkpoint) the metaData came from */
	json_t *txns, *domains, *domains_seen;
	json_t *logical_names;      /* physical -> logical, for stats keys (column mapping) */
	bool files_available;
	int64_t checkpoint;         /* version of the checkpoint replayed, -1 none */
	int64_t commits_since_checkpoint;
	json_t *warnings;           /* fallbacks taken, for stderr */
	struct dq_arena arena;
	struct dq_strset seen;
	struct dq_file *files;
	size_t nfiles, cap;
	struct dq_tombstone *tombstones; /* with DQ_NEED_TOMBSTONES */
	size_t ntombstones, captombstones;
	struct dq_totals counted;   /* checkpoint adds counted, not kept (DQ_NEED_TOTALS) */
};

struct parse_job {
	dq_table *t;
	const struct log_file *f;
	unsigned want;
	struct commit_actions acts;
	struct dq_error err;
	int rc;
};

int replay_read_commit(dq_table *t, const struct log_file *f, unsigned want,
		       struct commit_actions *acts, char *path, size_t pathlen,
		       struct dq_error *err)
{
	struct dq_buf buf = { .max = DQ_MAX_COMMIT_BYTES };
	log_path(f->name, path, pathlen);
	acts->version = f->n.version;
	int rc = store_read(t->store, path, DQ_MAX_COMMIT_BYTES, &buf, err);
	if (!rc)
		rc = action_parse_commit(t->store->location, path, buf.data ? buf.data : "",
					 buf.len, want, acts, err);
	dq_buf_release(&buf);
	return rc;
}

static void parse_commit_job(void *arg)
{
	struct parse_job *j = arg;
	char path[64 + 256];
	j->rc = replay_read_commit(j->t, j->f, j->want, &j->acts, path, sizeof(path), &j->err);
}

static int add_live(dq_snapshot *s, const struct file_action *a, const char *key)
{
	if (s->nfiles == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		struct dq_file *f = dq_realloc_array(s->files, cap, sizeof(*f));
		if (!f)
			return -1;
		s->files = f;
		s->cap = cap;
	}
	struct dq_file *f = &s->files[s->nfiles++];
	f->key = key;
	/* The qualified path ends the key; show it relative to the table. */
	f->path = uri_display(dq_table_location(s->t), key + a->path_off);
	f->size = a->size;
	f->modification_time = a->modification_time;
	f->partition_values = a->partition_values; /* re-homed in finish_files() */
	f->num_records = a->num_records;
	f->dv_cardinality = a->dv_cardinality;
	f->dv_size = a->dv_size;
	f->stats = NULL;
	if (a->stats && !(f->stats = dq_arena_strdup(&s->arena, a->stats)))
		return -1;
	if (a->partition_values &&
	    !(f->partition_values = dq_arena_strdup(&s->arena, a->partition_values)))
		return -1;
	return 0;
}

/* Keeps a remove no newer action revived (DQ_NEED_TOMBSTONES), for VACUUM's rules. */
static int add_tombstone(dq_snapshot *s, const struct file_action *a, const char *key)
{
	if (s->ntombstones == s->captombstones) {
		size_t cap = s->captombstones ? s->captombstones * 2 : 64;
		struct dq_tombstone *t = dq_realloc_array(s->tombstones, cap, sizeof(*t));
		if (!t)
			return -1;
		s->tombstones = t;
		s->captombstones = cap;
	}
	struct dq_tombstone *t = &s->tombstones[s->ntombstones++];
	t->key = key;
	t->path = uri_display(dq_table_location(s->t), key + a->path_off);
	t->deletion_timestamp = a->deletion_timestamp;
	return 0;
}

/* Applies one commit's actions, newest snapshot state first (see the file comment). */
int replay_reconcile(dq_snapshot *s, struct commit_actions *c, struct dq_error *err)
{
	if (!s->protocol && c->protocol)
		s->protocol = json_incref(c->protocol);
	if (!s->metadata && c->metadata) {
		s->metadata = json_incref(c->metadata);
		s->metadata_version = c->version;
	}
	size_t i;
	json_t *a;
	if (c->txns) {
		for (i = json_array_size(c->txns); i-- > 0;) {
			a = json_array_get(c->txns, i);
			const char *app = json_string_value(json_object_get(a, "appId"));
			if (!json_object_get(s->txns, app))
				json_object_set(s->txns, app, json_object_get(a, "version"));
		}
	}
	if (c->domains) {
		for (i = json_array_size(c->domains); i-- > 0;) {
			a = json_array_get(c->domains, i);
			const char *d = json_string_value(json_object_get(a, "domain"));
			if (json_object_get(s->domains_seen, d))
				continue;
			json_object_set_new(s->domains_seen, d, json_true());
			if (!json_is_true(json_object_get(a, "removed")))
				json_array_append_new(s->domains, json_string(d));
		}
	}
	/* Within one commit, later lines win, as in a forward replay. */
	for (i = c->nfiles; i-- > 0;) {
		const struct file_action *fa = &c->files[i];
		uint64_t h = dq_hash(fa->key, strlen(fa->key));
		if (dq_strset_has_hashed(&s->seen, fa->key, h))
			continue;
		char *key = dq_arena_strdup(&s->arena, fa->key);
		if (!key || dq_strset_add_hashed(&s->seen, key, h) < 0 || (fa->add && add_live(s, fa, key)) ||
		    (!fa->add && (s->need & DQ_NEED_TOMBSTONES) && add_tombstone(s, fa, key)))
			return dq_fail(err, DQ_ENOMEM, "out of memory replaying the log");
	}
	return DQ_OK;
}

int replay_checkpoint_add(dq_snapshot *s, const struct file_action *fa, struct dq_error *err)
{
	/* A checkpoint holds the newest state of every key it has: only keys the newer
	 * commits did not touch are live, and none needs remembering afterwards; so are
	 * its removes, as tombstones, when they are asked for. */
	if (!fa->add && (s->need & DQ_NEED_TOMBSTONES) && !dq_strset_has(&s->seen, fa->key)) {
		char *key = dq_arena_strdup(&s->arena, fa->key);
		if (!key || add_tombstone(s, fa, key))
			return dq_fail(err, DQ_ENOMEM, "out of memory replaying the checkpoint");
		return DQ_OK;
	}
	if (!fa->add || dq_strset_has(&s->seen, fa->key))
		return DQ_OK;
	char *key = dq_arena_strdup(&s->arena, fa->key);
	if (!key || add_live(s, fa, key))
		return dq_fail(err, DQ_ENOMEM, "out of memory replaying the checkpoint");
	return DQ_OK;
}

const struct dq_strset *replay_seen(const dq_snapshot *s)
{
	return &s->seen;
}

int replay_checkpoint_files(dq_snapshot *s, const struct dq_file *files, size_t n,
			    struct dq_arena *strings, struct dq_error *err)
{
	if (n > s->cap - s->nfiles) {
		size_t cap = s->cap ? s->cap : 256;
		while (cap - s->nfiles < n)
			cap = cap > SIZE_MAX / 4 ? s->nfiles + n : cap * 2;
		struct dq_file *f = dq_realloc_array(s->files, cap, sizeof(*f));
		if (!f)
			return dq_fail(err, DQ_ENOMEM, "out of memory replaying the checkpoint");
		s->files = f;
		s->cap = cap;
		dq_hint_huge(f, cap * sizeof(*f));
	}
	if (n)
		memcpy(s->files + s->nfiles, files, n * sizeof(*files));
	s->nfiles += n;
	dq_arena_adopt(&s->arena, strings);
	return DQ_OK;
}

bool replay_counts_only(const dq_snapshot *s)
{
	return (s->need & DQ_NEED_TOTALS) && !(s->need & (DQ_NEED_FILES | DQ_NEED_STATS));
}

void replay_checkpoint_count(dq_snapshot *s, const struct dq_totals *t)
{
	bool held = false;
	s->counted.num_files += t->num_files;
	s->counted.size_bytes = dq_sat_add(s->counted.size_bytes, t->size_bytes, NULL);
	s->counted.num_records = dq_sat_add(s->counted.num_records, t->num_records, &held);
	if (!t->num_records_exact || held)
		s->counted.num_records_exact = false;
}

bool replay_has_pm(const dq_snapshot *s)
{
	return s->protocol && s->metadata;
}

bool ict_enabled(const json_t *protocol, const json_t *metadata, int64_t *from_version)
{
	json_t *conf = json_object_get(metadata, "configuration");
	const char *on = json_string_value(json_object_get(conf, "delta.enableInCommitTimestamps"));
	if (!on || strcmp(on, "true"))
		return false;
	bool feature = false;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(protocol, "writerFeatures"), i, f)
		if (json_is_string(f) && !strcmp(json_string_value(f), "inCommitTimestamp"))
			feature = true;
	if (!feature)
		return false;
	const char *v = json_string_value(json_object_get(conf, "delta.inCommitTimestampEnablementVersion"));
	*from_version = v ? strtoll(v, NULL, 10) : 0;
	return true;
}

json_t *schema_top_field(const json_t *schema, const char *name)
{
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(schema, "fields"), i, f) {
		const char *n = json_string_value(json_object_get(f, "name"));
		if (n && !strcmp(n, name))
			return f;
	}
	return NULL;
}

const char *field_physical_name(const json_t *field, const char *logical)
{
	const char *p = json_string_value(json_object_get(json_object_get(field, "metadata"),
							  "delta.columnMapping.physicalName"));
	return p ? p : logical;
}

bool metadata_column_mapping(const json_t *metadata)
{
	json_t *conf = json_object_get(metadata, "configuration");
	const char *mode = json_string_value(json_object_get(conf, "delta.columnMapping.mode"));
	return mode && (!strcmp(mode, "name") || !strcmp(mode, "id"));
}

/* Physical -> logical names for every field at any depth, for translating stats keys. */
static void map_names(json_t *map, const json_t *type)
{
	if (!json_is_object(type))
		return;
	const char *t = json_string_value(json_object_get(type, "type"));
	if (t && !strcmp(t, "struct")) {
		size_t i;
		json_t *f;
		json_array_foreach(json_object_get(type, "fields"), i, f) {
			const char *n = json_string_value(json_object_get(f, "name"));
			const char *p = json_string_value(json_object_get(json_object_get(f, "metadata"),
									  "delta.columnMapping.physicalName"));
			json_t *sub = json_object();
			if (n)
				json_object_set_new(sub, "name", json_string(n));
			json_t *children = json_object();
			json_object_set_new(sub, "fields", children);
			map_names(children, json_object_get(f, "type"));
			json_object_set_new(map, p ? p : (n ? n : ""), sub);
		}
	}
}

/* A byte that a JSON string may hold as itself and that jansson writes back unchanged. */
static bool pv_plain_byte(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* A JSON string of plain bytes at p: its contents in at and len, the byte after it returned;
 * NULL when p holds anything else (an escape, a control or non-ASCII byte). */
static const char *pv_plain_string(const char *p, const char **at, size_t *len)
{
	if (*p != '"')
		return NULL;
	const char *q = ++p;
	while (pv_plain_byte((unsigned char)*q))
		q++;
	if (*q != '"')
		return NULL;
	*at = p;
	*len = (size_t)(q - p);
	return q + 1;
}

/*
 * finish_partition_values' common case without a JSON parser: `raw` is a compact flat
 * object of plain strings or nulls (no escapes, no key twice; every text that reaches it,
 * a commit's raw value or a jansson or checkpoint dump, is compact) and the column names
 * are plain too
 * (cols: NUL-terminated).  Writes the same text the jansson path would (keys in column
 * order, compact) to buf and returns its length; 0 when raw is not that simple or the
 * text would not fit, and the caller takes the jansson path.
 */
static size_t pv_plain(const char *raw, const char *const *cols, size_t ncols, char *buf,
		       size_t cap)
{
	enum { MAX_KEYS = 32 };
	struct { const char *k, *v; size_t klen, vlen; } kv[MAX_KEYS];
	size_t n = 0;
	const char *p = raw;
	if (*p++ != '{')
		return 0;
	if (*p == '}') {
		p++;
	} else {
		for (;;) {
			if (n == MAX_KEYS || !(p = pv_plain_string(p, &kv[n].k, &kv[n].klen)))
				return 0;
			if (*p++ != ':')
				return 0;
			if (!strncmp(p, "null", 4)) {
				kv[n].v = NULL;
				p += 4;
			} else if (!(p = pv_plain_string(p, &kv[n].v, &kv[n].vlen))) {
				return 0;
			}
			for (size_t i = 0; i < n; i++)
				if (kv[i].klen == kv[n].klen && !memcmp(kv[i].k, kv[n].k, kv[n].klen))
					return 0;
			n++;
			if (*p == '}') {
				p++;
				break;
			}
			if (*p++ != ',')
				return 0;
		}
	}
	if (*p)
		return 0;
	size_t len = 0;
#define PV_PUT(s, l) do { if (len + (l) >= cap) return 0; memcpy(buf + len, (s), (l)); len += (l); } while (0)
	PV_PUT("{", 1);
	for (size_t c = 0; c < ncols; c++) {
		size_t clen = strlen(cols[c]), i = 0;
		while (i < n && (kv[i].klen != clen || memcmp(kv[i].k, cols[c], clen)))
			i++;
		if (c)
			PV_PUT(",", 1);
		PV_PUT("\"", 1);
		PV_PUT(cols[c], clen);
		PV_PUT("\":", 2);
		if (i == n || !kv[i].v) {
			PV_PUT("null", 4);
		} else {
			PV_PUT("\"", 1);
			PV_PUT(kv[i].v, kv[i].vlen);
			PV_PUT("\"", 1);
		}
	}
	PV_PUT("}", 1);
#undef PV_PUT
	buf[len] = '\0';
	return len;
}

/* Rewrites each live file's partition values keyed by logical names in column order. */
static int finish_partition_values(dq_snapshot *s)
{
	size_t ncols = json_array_size(s->partition_columns);
	bool cm = metadata_column_mapping(s->metadata);
	/* Without column mapping, plain column names allow pv_plain. */
	const char **cols = cm ? NULL : calloc(ncols ? ncols : 1, sizeof(*cols));
	for (size_t c = 0; cols && c < ncols; c++) {
		const char *name = json_string_value(json_array_get(s->partition_columns, c)), *q;
		for (q = name; q && pv_plain_byte((unsigned char)*q); q++)
			;
		for (size_t i = 0; name && !*q && i < c; i++)
			if (!strcmp(cols[i], name))
				name = NULL; /* a column twice: jansson's path keeps one pair */
		if (!name || *q) {
			free(cols);
			cols = NULL;
		} else {
			cols[c] = name;
		}
	}
	json_t *cache = json_object();
	/* Checkpoint readers share one text among the files of a partition: by address,
	 * most files find their rewritten text without hashing the text itself. */
	struct { const char *raw, *kept; } *by_addr = calloc(1024, sizeof(*by_addr));
	if (!cache || !by_addr) {
		json_decref(cache);
		free(by_addr);
		free(cols);
		return -1;
	}
	int rc = 0;
	for (size_t i = 0; i < s->nfiles && !rc; i++) {
		struct dq_file *f = &s->files[i];
		const char *raw = f->partition_values ? f->partition_values : "{}";
		size_t slot = (((uintptr_t)raw >> 4) * 0x9e3779b97f4a7c15ULL) >> 54;
		if (by_addr[slot].raw == raw) {
			f->partition_values = by_addr[slot].kept;
			continue;
		}
		json_t *hit = json_object_get(cache, raw);
		if (hit) {
			/* The cache holds the address of the arena copy made below. */
			f->partition_values = (const char *)(intptr_t)json_integer_value(hit);
			by_addr[slot].raw = raw;
			by_addr[slot].kept = f->partition_values;
			continue;
		}
		char plain[1024], *kept;
		size_t n = cols ? pv_plain(raw, cols, ncols, plain, sizeof(plain)) : 0;
		if (n) {
			kept = dq_arena_strndup(&s->arena, plain, n);
		} else {
			json_t *pv = json_loads(raw, 0, NULL), *out = json_object();
			for (size_t c = 0; c < ncols; c++) {
				const char *logical = json_string_value(json_array_get(s->partition_columns, c));
				if (!logical)
					continue;
				const char *phys = cm ? field_physical_name(schema_top_field(s->schema, logical),
									     logical)
						 : logical;
				json_t *v = json_object_get(pv, phys);
				if (!v)
					v = json_object_get(pv, logical);
				json_object_set(out, logical, v ? v : json_null());
			}
			char *text = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
			kept = text ? dq_arena_strdup(&s->arena, text) : NULL;
			free(text);
			json_decref(pv);
			json_decref(out);
		}
		if (!kept || json_object_set_new(cache, raw, json_integer((json_int_t)(intptr_t)kept)))
			rc = -1;
		f->partition_values = kept;
		by_addr[slot].raw = raw;
		by_addr[slot].kept = kept;
	}
	json_decref(cache);
	free(by_addr);
	free(cols);
	return rc;
}

static int cmp_json_str(const void *a, const void *b)
{
	return strcmp(json_string_value(*(json_t *const *)a), json_string_value(*(json_t *const *)b));
}

/* App ids and domain names in byte order, so output does not depend on replay order. */
static int sort_txns_domains(dq_snapshot *s)
{
	size_t n = json_object_size(s->txns), i = 0;
	json_t **keys = dq_calloc(n, sizeof(*keys)), *sorted = json_object();
	const char *k;
	json_t *v;
	if (!keys || !sorted) {
		free(keys);
		json_decref(sorted);
		return -1;
	}
	json_object_foreach(s->txns, k, v)
		keys[i++] = json_string(k);
	qsort(keys, n, sizeof(*keys), cmp_json_str);
	for (i = 0; i < n; i++) {
		const char *app = json_string_value(keys[i]);
		json_object_set(sorted, app, json_object_get(s->txns, app));
		json_decref(keys[i]);
	}
	free(keys);
	json_decref(s->txns);
	s->txns = sorted;
	n = json_array_size(s->domains);
	json_t **d = dq_calloc(n, sizeof(*d));
	if (!d)
		return -1;
	for (i = 0; i < n; i++)
		d[i] = json_incref(json_array_get(s->domains, i));
	qsort(d, n, sizeof(*d), cmp_json_str);
	json_array_clear(s->domains);
	for (i = 0; i < n; i++)
		json_array_append_new(s->domains, d[i]);
	free(d);
	return 0;
}

static int cmp_file(const void *a, const void *b)
{
	const struct dq_file *x = a, *y = b;
	int c = strcmp(x->path, y->path);
	return c ? c : strcmp(x->key, y->key);
}

static int finish(dq_snapshot *s, int64_t first_version, struct dq_error *err)
{
	if (!s->protocol)
		return dq_fail(err, DQ_ECORRUPT, "no protocol action in versions %lld to %lld",
			       (long long)first_version, (long long)s->version);
	if (!s->metadata)
		return dq_fail(err, DQ_ECORRUPT, "no metaData action in versions %lld to %lld",
			       (long long)first_version, (long long)s->version);
	json_t *r = json_object_get(s->protocol, "minReaderVersion");
	json_t *w = json_object_get(s->protocol, "minWriterVersion");
	if (!json_is_integer(r) || !json_is_integer(w))
		return dq_fail(err, DQ_ECORRUPT, "the protocol action lacks integer minReaderVersion/minWriterVersion");
	const char *why = protocol_problem(s->protocol);
	if (why)
		return dq_fail(err, DQ_ECORRUPT, "the protocol action's %s", why);
	const char *ss = json_string_value(json_object_get(s->metadata, "schemaString"));
	if (ss)
		s->schema = json_loads(ss, 0, NULL);
	json_t *pc = json_object_get(s->metadata, "partitionColumns");
	s->partition_columns = json_is_array(pc) ? json_incref(pc) : json_array();
	s->unsupported = features_unsupported(s->protocol);
	s->logical_names = json_object();
	if (!s->unsupported || !s->partition_columns || !s->logical_names)
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	if (metadata_column_mapping(s->metadata))
		map_names(s->logical_names, s->schema);
	if (sort_txns_domains(s))
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	if (!(s->need & (DQ_NEED_FILES | DQ_NEED_TOTALS)))
		return DQ_OK;
	if (json_array_size(s->unsupported)) {
		/* not trustworthy: the protocol asks for what deltaq lacks */
		s->nfiles = 0;
		s->ntombstones = 0;
		memset(&s->counted, 0, sizeof(s->counted));
		return DQ_OK;
	}
	s->files_available = true;
	if (replay_counts_only(s))
		return DQ_OK;
	if (finish_partition_values(s))
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	if (s->nfiles > 1 && (s->need & DQ_NEED_ORDER))
		qsort(s->files, s->nfiles, sizeof(*s->files), cmp_file);
	return DQ_OK;
}

#define BATCH 64

/* Queues the parse of the next (older) batch of commits below *hi on the pool, newest
 * first, into jobs[0..*n); lowers *hi past it. */
static int batch_start(dq_table *t, const struct log_listing *l, size_t first, size_t *hi,
		       unsigned want, struct parse_job *jobs, size_t *n, struct table_run *r,
		       struct dq_error *err)
{
	size_t lo = *hi - first > BATCH ? *hi - BATCH : first;
	*n = *hi - lo;
	for (size_t i = 0; i < *n; i++) {
		memset(&jobs[i], 0, sizeof(jobs[i]));
		jobs[i].t = t;
		jobs[i].f = l->commits[*hi - 1 - i];
		jobs[i].want = want;
	}
	*hi = lo;
	return table_run_start(t, r, jobs, *n, sizeof(*jobs), parse_commit_job, err);
}

/* Waits for the rest of a batch (after an error or an early stop) and frees its actions
 * from jobs[from] on. */
static void batch_drop(struct parse_job *jobs, size_t from, size_t n, struct table_run *r)
{
	struct dq_error ignored;
	table_run_wait(r, SIZE_MAX, &ignored);
	for (size_t k = from; k < n; k++)
		commit_actions_release(&jobs[k].acts);
}

/*
 * JSON commits of the segment, newest first, then its checkpoint, then finish().  Commits
 * are reconciled in order as their parses finish, while the pool parses the later ones
 * and the next batch (a log of 20,000 commits spent a tenth of its replay reconciling
 * with the pool idle).
 */
static int replay_segment(dq_table *t, const struct log_listing *l, const struct log_segment *seg,
			  unsigned want, dq_snapshot *s, bool *checkpoint_failed,
			  struct dq_error *err)
{
	bool pm_only = !(want & (WANT_FILES | WANT_TXNS)), done = false;
	int rc = DQ_OK;
	*checkpoint_failed = false;
	struct parse_job *jobs = calloc(2 * BATCH, sizeof(*jobs));
	if (!jobs)
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	size_t first = seg->first, hi = seg->first <= seg->last ? seg->last + 1 : first;
	struct table_run run[2];
	size_t n[2] = { 0, 0 };
	bool queued[2] = { false, false };
	unsigned cur = 0;
	if (hi > first)
		queued[0] = !(rc = batch_start(t, l, first, &hi, want, jobs, &n[0], &run[0], err));
	while (queued[cur]) {
		unsigned next = !cur;
		struct parse_job *cj = jobs + cur * BATCH;
		/* Read ahead, unless protocol and metaData are all that is wanted: the newest
		 * commits usually have them, and the older ones are then never read. */
		if (rc == DQ_OK && !pm_only && hi > first)
			queued[next] = !(rc = batch_start(t, l, first, &hi, want, jobs + next * BATCH,
							  &n[next], &run[next], err));
		size_t i = 0;
		for (; i < n[cur] && rc == DQ_OK && !done; i++) {
			rc = table_run_wait(&run[cur], i, err);
			if (rc == DQ_OK && cj[i].rc) {
				*err = cj[i].err;
				rc = cj[i].rc;
			}
			if (rc == DQ_OK)
				rc = replay_reconcile(s, &cj[i].acts, err);
			commit_actions_release(&cj[i].acts);
			if (rc == DQ_OK && pm_only && s->protocol && s->metadata)
				done = true; /* older commits cannot change the answer */
		}
		if (rc == DQ_OK && !done)
			rc = table_run_wait(&run[cur], SIZE_MAX, err);
		else
			batch_drop(cj, i, n[cur], &run[cur]);
		queued[cur] = false;
		if ((rc != DQ_OK || done) && queued[next]) {
			batch_drop(jobs + next * BATCH, 0, n[next], &run[next]);
			queued[next] = false;
		}
		if (!done && rc == DQ_OK && !queued[next] && hi > first)
			queued[next] = !(rc = batch_start(t, l, first, &hi, want, jobs + next * BATCH,
							  &n[next], &run[next], err));
		cur = next;
	}
	free(jobs);
	if (rc == DQ_OK && !done && seg->checkpoint >= 0) {
		rc = checkpoint_apply(t, l, seg->checkpoint, want, s, err);
		*checkpoint_failed = rc != DQ_OK && rc != DQ_ENOMEM && rc != DQ_EFORKED;
	}
	if (rc == DQ_OK) {
		int64_t from = seg->checkpoint >= 0 ? seg->checkpoint : 0;
		rc = finish(s, from, err);
		/* A checkpoint without protocol or metaData cannot start a snapshot. */
		*checkpoint_failed = rc == DQ_ECORRUPT && seg->checkpoint >= 0;
	}
	return rc;
}

/*
 * _last_checkpoint is a hint (protocol.md 1.5): deltaq lists the log anyway, so a hint that
 * is corrupt, torn (checksum) or stale changes no answer; it is reported.
 */
static void hint_warnings(dq_table *t, const struct log_listing *l, json_t *warnings)
{
	if (!l->has_last_checkpoint)
		return;
	struct last_checkpoint h;
	if (lastcp_read(t->store, &h, NULL) != DQ_OK)
		return;
	if (h.present && !h.valid)
		json_array_append_new(warnings, json_sprintf(
			"'_delta_log/_last_checkpoint' is unusable (%s); using the listing instead", h.problem));
	else if (h.present && log_checkpoint_files(l, h.version, NULL, 0) == 0)
		json_array_append_new(warnings, json_sprintf(
			"'_delta_log/_last_checkpoint' names version %lld, which has no complete "
			"checkpoint; using the listing instead", (long long)h.version));
	lastcp_release(&h);
}

static dq_snapshot *snapshot_new(dq_table *t, unsigned need)
{
	dq_snapshot *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->t = t;
	s->need = need;
	s->checkpoint = -1;
	s->counted.num_records_exact = true;
	s->txns = json_object();
	s->domains = json_array();
	s->domains_seen = json_object();
	if (!s->txns || !s->domains || !s->domains_seen) {
		dq_snapshot_close(s);
		return NULL;
	}
	return s;
}

int dq_snapshot_open(dq_table *t, const struct dq_snapshot_request *req, dq_snapshot **out,
		     struct dq_error *err)
{
	*out = NULL;
	const struct log_listing *l;
	int rc = table_commits(t, &l, err);
	if (rc)
		return rc;
	unsigned want = WANT_PM;
	if (req->need & (DQ_NEED_FILES | DQ_NEED_STATS | DQ_NEED_TOTALS))
		want |= WANT_FILES;
	if (req->need & DQ_NEED_STATS)
		want |= WANT_STATS;
	if (req->need & DQ_NEED_TXNS)
		want |= WANT_TXNS;
	if (req->need & DQ_NEED_TOMBSTONES)
		want |= WANT_FILES | WANT_TOMBSTONES;
	json_t *warnings = json_array();
	if (req->version < 0 || req->version == l->commits[l->ncommits - 1]->n.version)
		hint_warnings(t, l, warnings);
	struct dq_error first_failure = { 0 };
	int64_t below = t->opt.ignore_checkpoints ? 0 : INT64_MAX;
	dq_snapshot *s = NULL;
	struct log_segment seg;
	for (;;) {
		if ((rc = log_segment(l, req->version, below, &seg, err))) {
			if (first_failure.code) /* the checkpoint's problem explains it best */
				*err = first_failure, rc = first_failure.code;
			break;
		}
		if (!(s = snapshot_new(t, req->need))) {
			rc = dq_fail(err, DQ_ENOMEM, "out of memory");
			break;
		}
		s->version = seg.version;
		s->checkpoint = seg.checkpoint;
		s->commits_since_checkpoint = (int64_t)(seg.first <= seg.last ? seg.last - seg.first + 1 : 0);
		bool ckpt_failed;
		rc = replay_segment(t, l, &seg, want, s, &ckpt_failed, err);
		if (rc == DQ_OK || !ckpt_failed)
			break;
		/* Fall back to an older checkpoint, or to JSON replay from version 0; a
		 * checkpoint deltaq cannot read yet is no defect of the table. */
		if (rc != DQ_ENOTIMPL) {
			char w[sizeof(err->msg) + 64];
			snprintf(w, sizeof(w), "%s; falling back to an older checkpoint or the JSON commits",
				 err->msg);
			json_array_append_new(warnings, dq_json_text(w));
		}
		if (!first_failure.code)
			first_failure = *err;
		below = seg.checkpoint;
		dq_snapshot_close(s);
		s = NULL;
	}
	if (rc) {
		dq_snapshot_close(s);
		json_decref(warnings);
		return rc;
	}
	s->warnings = warnings;
	if (seg.version == l->commits[l->ncommits - 1]->n.version && t->ict_state <= 0) {
		/* The latest metadata decides whether versions carry in-commit timestamps. */
		int64_t from = 0;
		t->ict_state = ict_enabled(s->protocol, s->metadata, &from) ? 2 : 1;
		t->ict_from = from;
	}
	ssize_t idx = log_find_commit(l, seg.version);
	bool ict;
	char *warning = NULL;
	if (idx < 0 || history_timestamp(t, (size_t)idx, &s->timestamp, &ict, &warning, NULL))
		s->timestamp = -1;
	free(warning);
	*out = s;
	return DQ_OK;
}

void dq_snapshot_close(dq_snapshot *s)
{
	if (!s)
		return;
	json_decref(s->protocol);
	json_decref(s->metadata);
	json_decref(s->schema);
	json_decref(s->unsupported);
	json_decref(s->partition_columns);
	json_decref(s->txns);
	json_decref(s->domains);
	json_decref(s->domains_seen);
	json_decref(s->logical_names);
	json_decref(s->warnings);
	dq_strset_release(&s->seen);
	dq_arena_release(&s->arena);
	free(s->files);
	free(s->tombstones);
	free(s);
}

int64_t dq_snapshot_version(const dq_snapshot *s) { return s->version; }
int64_t dq_snapshot_checkpoint(const dq_snapshot *s) { return s->checkpoint; }
int64_t dq_snapshot_commits_since_checkpoint(const dq_snapshot *s) { return s->commits_since_checkpoint; }
const json_t *dq_snapshot_warnings(const dq_snapshot *s) { return s->warnings; }
int64_t dq_snapshot_timestamp(const dq_snapshot *s) { return s->timestamp; }
const json_t *dq_snapshot_protocol(const dq_snapshot *s) { return s->protocol; }
const json_t *dq_snapshot_metadata(const dq_snapshot *s) { return s->metadata; }
int64_t dq_snapshot_metadata_version(const dq_snapshot *s) { return s->metadata_version; }
const json_t *dq_snapshot_schema(const dq_snapshot *s) { return s->schema; }
const json_t *dq_snapshot_unsupported(const dq_snapshot *s) { return s->unsupported; }
const json_t *dq_snapshot_app_transactions(const dq_snapshot *s) { return s->txns; }
const json_t *dq_snapshot_domains(const dq_snapshot *s) { return s->domains; }
const json_t *dq_snapshot_partition_columns(const dq_snapshot *s) { return s->partition_columns; }
bool dq_snapshot_files_available(const dq_snapshot *s) { return s->files_available; }
size_t dq_snapshot_num_files(const dq_snapshot *s)
{
	return replay_counts_only(s) ? 0 : s->nfiles;
}

size_t dq_snapshot_num_tombstones(const dq_snapshot *s) { return s->ntombstones; }
dq_table *replay_table(const dq_snapshot *s) { return s->t; }
bool replay_has_tombstones(const dq_snapshot *s) { return s->need & DQ_NEED_TOMBSTONES; }

const struct dq_tombstone *dq_snapshot_tombstone(const dq_snapshot *s, size_t i)
{
	return i < s->ntombstones ? &s->tombstones[i] : NULL;
}

const struct dq_file *dq_snapshot_file(const dq_snapshot *s, size_t i)
{
	return i < dq_snapshot_num_files(s) ? &s->files[i] : NULL;
}

int dq_snapshot_min_reader_version(const dq_snapshot *s)
{
	return (int)json_integer_value(json_object_get(s->protocol, "minReaderVersion"));
}

int dq_snapshot_min_writer_version(const dq_snapshot *s)
{
	return (int)json_integer_value(json_object_get(s->protocol, "minWriterVersion"));
}

int dq_snapshot_require_files(const dq_snapshot *s, struct dq_error *err)
{
	size_t n = json_array_size(s->unsupported);
	if (!n)
		return DQ_OK;
	char list[192] = "";
	size_t used = 0;
	for (size_t i = 0; i < n && used < sizeof(list) - 1; i++) {
		const char *f = json_string_value(json_array_get(s->unsupported, i));
		bool version = !strncmp(f, "minReaderVersion", 16);
		used += (size_t)snprintf(list + used, sizeof(list) - used, "%s%s%s", i ? ", " : "",
					 version ? "" : "reader feature ", f);
	}
	return dq_fail(err, DQ_EUNSUPPORTED,
		       "the table needs %s, which deltaq does not support, so its file list cannot be trusted",
		       list);
}

void dq_snapshot_totals(const dq_snapshot *s, struct dq_totals *out)
{
	/* With DQ_NEED_TOTALS the checkpoint's adds were counted as they were read; the
	 * files of newer commits are kept either way. */
	*out = s->counted;
	for (size_t i = 0; i < s->nfiles; i++) {
		const struct dq_file *f = &s->files[i];
		out->num_files++;
		out->size_bytes = dq_sat_add(out->size_bytes, f->size, NULL);
		if (!dq_file_add_records(f, &out->num_records))
			out->num_records_exact = false;
	}
}

bool dq_file_add_records(const struct dq_file *f, int64_t *sum)
{
	int64_t dv = f->dv_cardinality > 0 ? f->dv_cardinality : 0;
	if (f->num_records < 0 || dv > f->num_records)
		return false;
	bool held = false;
	*sum = dq_sat_add(*sum, f->num_records - dv, &held);
	return !held;
}

/* Copies a stats object renaming physical keys to logical ones along the schema. */
static json_t *rename_keys(const json_t *obj, const json_t *names)
{
	if (!json_is_object(obj))
		return json_deep_copy(obj);
	json_t *out = json_object();
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)obj, k, v) {
		json_t *m = json_object_get(names, k);
		const char *logical = m ? json_string_value(json_object_get(m, "name")) : NULL;
		json_object_set_new(out, logical ? logical : k,
				    rename_keys(v, m ? json_object_get(m, "fields") : NULL));
	}
	return out;
}

json_t *dq_file_stats(const dq_snapshot *s, const struct dq_file *f)
{
	if (!f->stats)
		return NULL;
	json_t *st = json_loads(f->stats, 0, NULL);
	if (!json_is_object(st)) {
		json_decref(st);
		return NULL;
	}
	json_t *out = json_object();
	json_object_set_new(out, "num_records",
			    f->num_records >= 0 ? json_integer(f->num_records) : json_null());
	static const char *const keys[][2] = {
		{ "minValues", "min" }, { "maxValues", "max" }, { "nullCount", "null_count" },
	};
	for (size_t i = 0; i < 3; i++) {
		json_t *v = json_object_get(st, keys[i][0]);
		json_object_set_new(out, keys[i][1],
				    v ? rename_keys(v, s->logical_names) : json_null());
	}
	json_decref(st);
	return out;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct dq_file *const *)a)->key, (*(const struct dq_file *const *)b)->key);
}

int dq_snapshot_diff(const dq_snapshot *from, const dq_snapshot *to,
		     const struct dq_file ***added, size_t *nadded,
		     const struct dq_file ***removed, size_t *nremoved, struct dq_error *err)
{
	const struct dq_file **a = dq_calloc(to->nfiles, sizeof(*a));
	const struct dq_file **r = dq_calloc(from->nfiles, sizeof(*r));
	const struct dq_file **fa = dq_calloc(from->nfiles, sizeof(*fa));
	const struct dq_file **ta = dq_calloc(to->nfiles, sizeof(*ta));
	if (!a || !r || !fa || !ta) {
		free(a), free(r), free(fa), free(ta);
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < from->nfiles; i++)
		fa[i] = &from->files[i];
	for (size_t i = 0; i < to->nfiles; i++)
		ta[i] = &to->files[i];
	qsort(fa, from->nfiles, sizeof(*fa), key_cmp);
	qsort(ta, to->nfiles, sizeof(*ta), key_cmp);
	size_t i = 0, j = 0, na = 0, nr = 0;
	while (i < from->nfiles || j < to->nfiles) {
		int c = i == from->nfiles ? 1 : j == to->nfiles ? -1 : strcmp(fa[i]->key, ta[j]->key);
		if (c < 0)
			r[nr++] = fa[i++];
		else if (c > 0)
			a[na++] = ta[j++];
		else if (fa[i]->size != ta[j]->size ||
			 fa[i]->modification_time != ta[j]->modification_time)
			r[nr++] = fa[i++], a[na++] = ta[j++]; /* rewritten under its old name */
		else
			i++, j++;
	}
	free(fa);
	free(ta);
	*added = a, *nadded = na;
	*removed = r, *nremoved = nr;
	return DQ_OK;
}

int replay_checkpoint_snapshot(dq_table *t, int64_t version, unsigned need, dq_snapshot **out,
			       bool *missing_pm, struct dq_error *err)
{
	const struct log_listing *l;
	*out = NULL;
	*missing_pm = false;
	int rc = table_listing(t, &l, err);
	if (rc)
		return rc;
	dq_snapshot *s = snapshot_new(t, need);
	if (!s)
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	s->version = version;
	s->checkpoint = version;
	unsigned want = WANT_PM | ((need & DQ_NEED_FILES) ? WANT_FILES : 0) |
			((need & DQ_NEED_TXNS) ? WANT_TXNS : 0);
	rc = checkpoint_apply(t, l, version, want, s, err);
	if (rc == DQ_OK && (!s->protocol || !s->metadata)) {
		*missing_pm = true;
		rc = dq_fail(err, DQ_ECORRUPT, "the checkpoint at version %lld has no %s action",
			     (long long)version, s->protocol ? "metaData" : "protocol");
	}
	if (rc == DQ_OK)
		rc = finish(s, version, err);
	if (rc) {
		dq_snapshot_close(s);
		return rc;
	}
	*out = s;
	return DQ_OK;
}
