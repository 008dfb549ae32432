/*
 * check.c - `deltaq check`: rules over a table's log (protocol.md 3.5 "Rules to validate")
 * and, for --deep, over the files the log names (section 7 for deletion vectors).
 *
 * The log rules make one forward pass.  Commits are read and parsed on the pool in batches
 * of ascending versions; what one commit alone can say (it parses, no file is added or
 * removed twice, stats and DV descriptors are well formed) is decided in the job.  The
 * batch is then applied in version order to a live set (file key -> size) that starts
 * empty at version 0, or from the oldest readable checkpoint when cleanup removed the early
 * commits; at each version with a .crc or a checkpoint the live set, protocol and metaData
 * are compared with it.  Memory follows the live files, not the history.
 *
 * Every finding names its rule; rules[] below is the list `check --list-rules` prints and
 * man/deltaq-check.1 explains.  Ids are stable: a rule that goes away leaves a hole.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "action.h"
#include "dv.h"
#include "lastcp.h"
#include "replay.h"
#include "stats_fast.h"
#include "uri.h"

static const struct dq_check_rule rules[] = {
	{ "DQ101", DQ_SEV_ERROR, false, "commit versions are not contiguous (a hole after the earliest commit)" },
	{ "DQ102", DQ_SEV_ERROR, false, "a commit file does not parse" },
	{ "DQ103", DQ_SEV_ERROR, false, "no protocol or no metaData action (in the log, or in version 0)" },
	{ "DQ104", DQ_SEV_ERROR, false, "protocol versions beyond the protocol (minReaderVersion > 3 or minWriterVersion > 7), or a malformed protocol action (feature lists included)" },
	{ "DQ105", DQ_SEV_ERROR, false, "_last_checkpoint cannot be read" },
	{ "DQ106", DQ_SEV_ERROR, false, "_last_checkpoint checksum does not match its content" },
	{ "DQ107", DQ_SEV_ERROR, false, "_last_checkpoint names a version with no complete checkpoint at or after it" },
	{ "DQ108", DQ_SEV_ERROR, false, "a checkpoint cannot be read" },
	{ "DQ109", DQ_SEV_ERROR, false, "a checkpoint lacks its protocol or metaData action" },
	{ "DQ110", DQ_SEV_ERROR, false, "a checkpoint differs from the replay of the commits it covers" },
	{ "DQ111", DQ_SEV_ERROR, false, "a .crc file disagrees with the replay (or does not parse)" },
	{ "DQ112", DQ_SEV_ERROR, false, "the same path is added or removed twice in one commit" },
	{ "DQ113", DQ_SEV_ERROR, false, "partition values do not match partitionColumns or their types" },
	{ "DQ114", DQ_SEV_ERROR, false, "stats do not parse, or numRecords is negative" },
	{ "DQ115", DQ_SEV_ERROR, false, "metaData.schemaString does not parse as a schema (or a decimal is out of range, or two fields share a name)" },
	{ "DQ116", DQ_SEV_ERROR, false, "duplicate column-mapping ids or physical names (with column mapping on)" },
	{ "DQ117", DQ_SEV_ERROR, false, "a malformed deletion vector descriptor" },
	{ "DQ118", DQ_SEV_ERROR, false, "history starts after version 0 with no readable checkpoint to start from" },
	{ "DQ201", DQ_SEV_WARNING, false, "_last_checkpoint fields disagree with the checkpoint on disk" },
	{ "DQ202", DQ_SEV_WARNING, false, "an unknown writer feature" },
	{ "DQ203", DQ_SEV_WARNING, false, "a reader feature deltaq does not honour" },
	{ "DQ204", DQ_SEV_WARNING, false, "a preview feature name (*-preview, *-dev)" },
	{ "DQ205", DQ_SEV_WARNING, false, "a checkpoint uses what deltaq cannot read, so it was not checked" },
	{ "DQ206", DQ_SEV_WARNING, false, "a schema type deltaq does not know" },
	{ "DQ301", DQ_SEV_ERROR, true, "an active data file is missing" },
	{ "DQ302", DQ_SEV_ERROR, true, "an active data file's size differs from the log's" },
	{ "DQ303", DQ_SEV_ERROR, true, "an active data file has no readable Parquet footer" },
	{ "DQ304", DQ_SEV_ERROR, true, "an active data file's row count differs from stats numRecords" },
	{ "DQ305", DQ_SEV_ERROR, true, "a deletion vector file is missing" },
	{ "DQ306", DQ_SEV_ERROR, true, "a deletion vector cannot be decoded" },
	{ "DQ307", DQ_SEV_ERROR, true, "a deletion vector's checksum does not match" },
	{ "DQ308", DQ_SEV_ERROR, true, "a deletion vector's cardinality differs from its descriptor's" },
	{ "DQ309", DQ_SEV_WARNING, true, "a data file or deletion vector deltaq cannot read (remote, encrypted)" },
	{ "DQ310", DQ_SEV_WARNING, true, "a file under the table root that no active file references (deltaq orphans)" },
};

const struct dq_check_rule *dq_check_rules(size_t *n)
{
	*n = sizeof(rules) / sizeof(rules[0]);
	return rules;
}

const struct dq_check_rule *dq_check_rule(const char *id)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (!strcmp(rules[i].id, id))
			return &rules[i];
	return NULL;
}

/* Appends one finding; version < 0 and path NULL are null.  -1 on out of memory. */
__attribute__((format(printf, 5, 6)))
static int finding(json_t *arr, const char *rule, int64_t version, const char *path,
		   const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	const struct dq_check_rule *r = dq_check_rule(rule);
	/* Paths (and messages that quote them) need not be UTF-8: dq_json_text. */
	json_t *o = json_pack("{ss ss so so so}", "rule", rule, "severity",
			      r && r->severity == DQ_SEV_WARNING ? "warning" : "error", "message",
			      dq_json_text(msg), "version", version >= 0 ? json_integer(version) : json_null(),
			      "path", path ? dq_json_text(path) : json_null());
	return o ? json_array_append_new(arr, o) : -1;
}

/* ---- the live set: file key -> size, for the forward replay --------------------------- */

#define TOMB ((char *)1)

struct live {
	struct { char *key; int64_t size; } *slot;
	size_t cap, used, n;   /* used counts tombstones too */
	int64_t bytes;
};

static size_t live_find(const struct live *m, const char *key)
{
	size_t i = dq_hash(key, strlen(key)) & (m->cap - 1), tomb = SIZE_MAX;
	for (;;) {
		char *k = m->slot[i].key;
		if (!k)
			return tomb != SIZE_MAX ? tomb : i;
		if (k == TOMB) {
			if (tomb == SIZE_MAX)
				tomb = i;
		} else if (!strcmp(k, key)) {
			return i;
		}
		i = (i + 1) & (m->cap - 1);
	}
}

static bool live_has(const struct live *m, const char *key, int64_t *size)
{
	if (!m->cap)
		return false;
	size_t i = live_find(m, key);
	if (!m->slot[i].key || m->slot[i].key == TOMB)
		return false;
	*size = m->slot[i].size;
	return true;
}

static int live_grow(struct live *m)
{
	size_t cap = m->cap ? (m->n * 4 > m->cap ? m->cap * 2 : m->cap) : 1024;
	struct live nm = { .cap = cap, .bytes = m->bytes };
	if (!(nm.slot = dq_calloc(cap, sizeof(*nm.slot))))
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		char *k = m->slot[i].key;
		if (k && k != TOMB) {
			size_t j = live_find(&nm, k);
			nm.slot[j].key = k;
			nm.slot[j].size = m->slot[i].size;
			nm.used++, nm.n++;
		}
	}
	free(m->slot);
	*m = nm;
	return 0;
}

static int live_add(struct live *m, const char *key, int64_t size)
{
	if ((m->used + 1) * 4 >= m->cap * 3 && live_grow(m))
		return -1;
	size_t i = live_find(m, key);
	char *k = m->slot[i].key;
	if (k && k != TOMB) {
		m->bytes = dq_sat_add(dq_sat_add(m->bytes, -m->slot[i].size, NULL), size, NULL);
		m->slot[i].size = size;
		return 0;
	}
	if (!(m->slot[i].key = dq_strdup(key)))
		return -1;
	if (!k)
		m->used++;
	m->slot[i].size = size;
	m->n++;
	m->bytes = dq_sat_add(m->bytes, size, NULL);
	return 0;
}

static void live_remove(struct live *m, const char *key)
{
	if (!m->cap)
		return;
	size_t i = live_find(m, key);
	char *k = m->slot[i].key;
	if (k && k != TOMB) {
		free(k);
		m->slot[i].key = TOMB;
		m->n--;
		m->bytes = dq_sat_add(m->bytes, -m->slot[i].size, NULL);
	}
}

static void live_release(struct live *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slot[i].key && m->slot[i].key != TOMB)
			free(m->slot[i].key);
	free(m->slot);
	memset(m, 0, sizeof(*m));
}

/* ---- per-commit rules, run on the pool -------------------------------------------------- */

struct commit_job {
	dq_table *t;
	const struct log_file *f;
	char cpath[64 + 256];      /* its table-relative path */
	struct commit_actions acts;
	json_t *findings;          /* this commit's own findings */
	int rc;                    /* parse result */
	struct dq_error err;
	bool oom;
};

/* The key's path as users see it. */
static const char *key_path(dq_table *t, const struct file_action *fa)
{
	return uri_display(dq_table_location(t), fa->key + fa->path_off);
}

/* DQ117 beyond what action.c checks: the DV id must name a storage type and decode. */
static const char *dv_id_problem(const char *key)
{
	const char *nl = strchr(key, '\n');
	size_t len = nl ? (size_t)(nl - key) : 0;
	if (!len)
		return NULL;
	char type;
	const char *s;
	size_t n;
	int64_t off;
	if (!dv_id_split(key, len, &type, &s, &n, &off))
		return "storageType is not u, i or p";
	if (type == 'u') {
		char buf[1024];
		if (!dv_uuid_path(s, n, buf, sizeof(buf)))
			return "pathOrInlineDv does not end in a 20-character Z85 UUID";
	} else if (type == 'i') {
		if (n % 5)
			return "the inline DV's Z85 text is not a multiple of 5 characters";
		for (size_t i = 0; i < n; i++) {
			uint8_t tmp[4];
			if (i % 5 == 0 && dv_z85_decode(s + i, 5, tmp) < 0)
				return "the inline DV is not valid Z85";
		}
	}
	return NULL;
}

static void stats_rule(struct commit_job *j, const char *cpath, const struct file_action *fa)
{
	/* Nearly every stats text is plainly valid: that is decided without a tree (half of a
	 * check of a long log was jansson building and freeing them); jansson rules on the
	 * rest and words the finding. */
	if (stats_strictly_valid(fa->stats))
		return;
	json_error_t je;
	json_t *st = json_loads(fa->stats, JSON_REJECT_DUPLICATES, &je);
	char what[200] = "";
	if (!st) {
		snprintf(what, sizeof(what), "does not parse (%s)", je.text);
	} else if (!json_is_object(st)) {
		snprintf(what, sizeof(what), "is not a JSON object");
	} else {
		json_t *nr = json_object_get(st, "numRecords");
		if (nr && !json_is_null(nr) && (!json_is_integer(nr) || json_integer_value(nr) < 0))
			snprintf(what, sizeof(what), "has numRecords %s",
				 json_is_integer(nr) ? "below 0" : "that is not an integer");
	}
	json_decref(st);
	if (what[0] && finding(j->findings, "DQ114", j->acts.version, key_path(j->t, fa),
			       "'%s' line %d: the stats of '%s' %s", cpath, fa->line,
			       key_path(j->t, fa), what))
		j->oom = true;
}

static void commit_job_run(void *arg)
{
	struct commit_job *j = arg;
	const char *cpath = j->cpath;
	j->rc = replay_read_commit(j->t, j->f, WANT_FILES | WANT_STATS | WANT_PM | WANT_VALID, &j->acts,
				   j->cpath, sizeof(j->cpath), &j->err);
	if (j->rc)
		return;
	/* DQ112: each path once among the commit's adds, and once among its removes, whatever
	 * their deletion vectors (PROTOCOL.md, Action Reconciliation). */
	struct dq_strset added = { 0 }, removed = { 0 };
	for (size_t i = 0; i < j->acts.nfiles && !j->oom; i++) {
		const struct file_action *fa = &j->acts.files[i];
		const char *path = key_path(j->t, fa);
		int r = dq_strset_add(fa->add ? &added : &removed, fa->key + fa->path_off);
		if (r < 0)
			j->oom = true;
		else if (r == 0 && finding(j->findings, "DQ112", j->acts.version, path,
					   "'%s' line %d: '%s' is %s a second time in version %lld",
					   cpath, fa->line, path, fa->add ? "added" : "removed",
					   (long long)j->acts.version))
			j->oom = true;
		const char *dvp = dv_id_problem(fa->key);
		char more[128];
		if (!dvp && fa->add && fa->num_records >= 0 && fa->dv_cardinality > fa->num_records) {
			snprintf(more, sizeof(more), "its cardinality %" PRId64 " is more than the "
				 "%" PRId64 " rows stats numRecords gives the file", fa->dv_cardinality,
				 fa->num_records);
			dvp = more;
		}
		if (dvp && finding(j->findings, "DQ117", j->acts.version, path,
				   "'%s' line %d: the deletion vector of '%s': %s", cpath, fa->line,
				   path, dvp))
			j->oom = true;
		if (fa->add && fa->stats)
			stats_rule(j, cpath, fa);
	}
	dq_strset_release(&added);
	dq_strset_release(&removed);
}

/* ---- the pass over the log -------------------------------------------------------------- */

struct pcol {
	char *logical, *physical, *type;
};

struct checker {
	dq_table *t;
	const struct log_listing *l;
	json_t *out;
	struct live live;
	bool state_ok;             /* the live set is the table's state at the current version */
	int64_t start;             /* versions <= start are not applied (-1: from version 0) */
	json_t *protocol, *metadata;
	int64_t protocol_version;
	struct pcol *pcols;
	size_t npcols;
	struct dq_strset pv_ok;    /* partition-value texts valid under the current metaData */
	struct dq_arena pv_arena;
	bool unrebuildable;        /* DQ118: no snapshot can be built, so no DQ103 either */
	json_t *unknown_types;     /* type names DQ206 has reported */
	bool oom;
};

static void chk_finding_oom(struct checker *c, int rc)
{
	if (rc)
		c->oom = true;
}

#define FIND(c, ...) chk_finding_oom((c), finding((c)->out, __VA_ARGS__))

static bool is_digits(const char *s, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return false;
	return true;
}

/* YYYY-MM-DD (4+ digit year, optional sign); returns the length taken or 0. */
static size_t date_len(const char *s)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	const char *y = p;
	while (isdigit((unsigned char)*p))
		p++;
	if (p - y < 4 || *p != '-' || !is_digits(p + 1, 2) || p[3] != '-' || !is_digits(p + 4, 2))
		return 0;
	int mo = (p[1] - '0') * 10 + p[2] - '0', d = (p[4] - '0') * 10 + p[5] - '0';
	static const int days[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (mo < 1 || mo > 12 || d < 1 || d > days[mo - 1])
		return 0;
	if (mo == 2 && d == 29) { /* a leap year: by 4, not by 100 unless by 400 */
		long long yr = strtoll(y, NULL, 10);
		if (yr % 4 || (yr % 100 == 0 && yr % 400))
			return 0;
	}
	return (size_t)(p + 6 - s);
}

static int decimal_type(const char *t, int *prec, int *scale);

/* Whether partition value v (a string from the log) parses as Delta type `type`
 * (protocol.md 4.2).  "" is null for every type but string. */
static bool pv_parses(const char *type, const char *v)
{
	size_t n = strlen(v);
	if (!n || !strcmp(v, "__HIVE_DEFAULT_PARTITION__"))
		return true;
	if (!strcmp(type, "string") || !strcmp(type, "binary"))
		return true;
	if (!strcmp(type, "byte") || !strcmp(type, "short") || !strcmp(type, "integer") ||
	    !strcmp(type, "long")) {
		errno = 0;
		char *end;
		long long x = strtoll(v, &end, 10);
		long long lim = type[0] == 'b' ? 127 : type[0] == 's' ? 32767
				: type[0] == 'i' ? 2147483647LL : LLONG_MAX;
		return *end == '\0' && !isspace((unsigned char)v[0]) && errno == 0 && x <= lim &&
		       x >= -lim - 1;
	}
	if (!strcmp(type, "boolean"))
		return !strcasecmp(v, "true") || !strcasecmp(v, "false");
	if (!strcmp(type, "float") || !strcmp(type, "double")) {
		if (!strcmp(v, "NaN") || !strcmp(v, "Infinity") || !strcmp(v, "-Infinity"))
			return true;
		char *end;
		strtod(v, &end);
		return *end == '\0' && !isspace((unsigned char)v[0]);
	}
	if (!strncmp(type, "decimal", 7)) {
		const char *p = v, *digits;
		if (*p == '-' || *p == '+')
			p++;
		digits = p;
		size_t d = strspn(p, "0123456789"), k = d; /* k: digits before the point */
		p += d;
		if (*p == '.') {
			size_t f = strspn(p + 1, "0123456789");
			d += f;
			p += 1 + f;
		}
		long long e = 0;
		if (d && (*p == 'E' || *p == 'e')) {
			p++;
			size_t n = strspn(p + (*p == '-' || *p == '+'), "0123456789");
			if (!n)
				return false;
			e = n > 6 ? (*p == '-' ? -1000000 : 1000000) : strtoll(p, NULL, 10);
			p += n + (*p == '-' || *p == '+');
		}
		if (!d || *p != '\0')
			return false;
		/* Integer digits beyond precision - scale do not fit: Spark's cast reads null
		 * (more fraction digits are only rounded). */
		int prec = 10, scale = 0; /* "decimal" alone */
		decimal_type(type, &prec, &scale);
		long long first = -1; /* index of the first nonzero digit, the point skipped */
		for (size_t i = 0, j = 0; digits[i] && j < d; i++) {
			if (digits[i] == '.')
				continue;
			if (digits[i] != '0') {
				first = (long long)j;
				break;
			}
			j++;
		}
		return first < 0 || (long long)k - first + e <= prec - scale;
	}
	if (!strcmp(type, "date")) {
		size_t k = date_len(v);
		return k && v[k] == '\0';
	}
	if (!strcmp(type, "timestamp") || !strcmp(type, "timestamp_ntz")) {
		size_t k = date_len(v);
		if (!k)
			return false;
		const char *p = v + k;
		if (*p == '\0')
			return true;
		if (*p != ' ' && *p != 'T')
			return false;
		p++;
		if (!is_digits(p, 2) || p[2] != ':' || !is_digits(p + 3, 2) ||
		    (p[0] - '0') * 10 + p[1] - '0' > 23 || p[3] > '5')
			return false;
		p += 5;
		if (*p == ':') {
			if (!is_digits(p + 1, 2) || p[1] > '5')
				return false;
			p += 3;
			if (*p == '.') {
				size_t f = strspn(p + 1, "0123456789");
				if (!f)
					return false;
				p += 1 + f;
			}
		}
		if (*p == 'Z')
			p++;
		else if ((*p == '+' || *p == '-') && is_digits(p + 1, 2)) {
			p += 3;
			if (*p == ':')
				p++;
			p += strspn(p, "0123456789");
		}
		return *p == '\0';
	}
	return true; /* a type partition values are not defined for: nothing to say */
}

static void pcols_release(struct checker *c)
{
	for (size_t i = 0; i < c->npcols; i++) {
		free(c->pcols[i].logical);
		free(c->pcols[i].physical);
		free(c->pcols[i].type);
	}
	free(c->pcols);
	c->pcols = NULL;
	c->npcols = 0;
	dq_strset_release(&c->pv_ok);
	dq_arena_release(&c->pv_arena);
}

/* Whether `t` is decimal(p,s) (white space around p and s, as Spark's pattern and
 * kernel-rs allow): 1 with p in 1..38 and s in 0..p (into *prec and *scale when prec is
 * not NULL), 0 for another type name, -1 when malformed or out of range. */
static int decimal_type(const char *t, int *prec, int *scale)
{
	static const char ws[] = " \t\n\r\f\v";
	if (strncmp(t, "decimal(", 8))
		return 0;
	const char *q = t + 8;
	long v[2];
	for (int k = 0; k < 2; k++) {
		q += strspn(q, ws);
		size_t d = strspn(q, "0123456789"), z = strspn(q, "0");
		if (!d || d - (z < d ? z : d - 1) > 3)
			return -1; /* no digits, or above 999 whatever its leading zeros */
		v[k] = strtol(q, NULL, 10);
		q += d;
		q += strspn(q, ws);
		if (*q++ != (k ? ')' : ','))
			return -1;
	}
	if (*q != '\0' || v[0] < 1 || v[0] > 38 || v[1] > v[0])
		return -1;
	if (prec)
		*prec = (int)v[0], *scale = (int)v[1];
	return 1;
}

/* The type names of protocol.md 5.1 ("decimal" alone is decimal(10,0), as Spark reads it),
 * and those of the geospatial feature, which deltaq honours. */
static bool known_type(const char *t)
{
	static const char *const names[] = { "string", "long", "integer", "short", "byte",
		"float", "double", "boolean", "binary", "date", "timestamp", "timestamp_ntz",
		"void", "variant", "decimal" };
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(t, names[i]))
			return true;
	/* The geospatial feature's types, bare or with their parameters: geometry(<crs>),
	 * geography(<crs>, <algorithm>). */
	static const char *const geo[] = { "geometry", "geography" };
	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(geo[i]);
		if (!strncmp(t, geo[i], n) && (!t[n] || (t[n] == '(' && t[strlen(t) - 1] == ')')))
			return true;
	}
	return false;
}

/* What schema_walk found: the first problem (DQ115), and each type deltaq does not know
 * with the first column that has it (DQ206). */
struct schema_walk {
	char problem[600];
	json_t *unknown; /* type name -> column path */
	bool oom;
};

/* A field's dotted path under `parent` ("" at the root), new; NULL when out of memory. */
static char *field_path(const char *parent, const char *name)
{
	size_t a = strlen(parent), b = strlen(name);
	char *p = malloc(a + 1 + b + 1);
	if (p)
		snprintf(p, a + 1 + b + 1, "%s%s%s", parent, a ? "." : "", name);
	return p;
}

/* Walks the type at path parent.name (see schema_walk). */
static bool schema_walk(struct schema_walk *w, const json_t *type, const char *at, int depth);
static bool walk_sub(struct schema_walk *w, const json_t *type, const char *parent,
		     const char *name, int depth)
{
	char *sub = field_path(parent, name);
	if (!sub) {
		w->oom = true;
		return false;
	}
	bool ok = schema_walk(w, type, sub, depth);
	free(sub);
	return ok;
}

/* Records the first column with the unknown type name t. */
static void unknown_type(struct schema_walk *w, const char *t, const char *where)
{
	if (!json_object_get(w->unknown, t) && json_object_set_new(w->unknown, t, dq_json_text(where)))
		w->oom = true;
}

/* Checks a schema type recursively (protocol.md 5.1-5.2) at column path `at`; false once
 * w->problem is set. */
static bool schema_walk(struct schema_walk *w, const json_t *type, const char *at, int depth)
{
	if (depth > 64)
		return snprintf(w->problem, sizeof(w->problem), "nests too deeply"), false;
	const char *where = *at ? at : "the schema";
	if (json_is_string(type)) {
		const char *t = json_string_value(type);
		int dec = decimal_type(t, NULL, NULL);
		if (dec < 0)
			return snprintf(w->problem, sizeof(w->problem),
					"gives '%.200s' type '%.200s' (decimal needs a precision of 1 to 38 "
					"and a scale of 0 to the precision)", where, t), false;
		if (!dec && !known_type(t))
			unknown_type(w, t, where);
		return true;
	}
	if (!json_is_object(type))
		return snprintf(w->problem, sizeof(w->problem),
				"gives '%.200s' a type that is neither a string nor an object", where), false;
	const char *t = json_string_value(json_object_get(type, "type"));
	if (!t)
		return snprintf(w->problem, sizeof(w->problem),
				"gives '%.200s' a complex type without a \"type\" string", where), false;
	if (!strcmp(t, "struct")) {
		json_t *fields = json_object_get(type, "fields");
		if (!json_is_array(fields))
			return snprintf(w->problem, sizeof(w->problem),
					"gives '%.200s' a struct without a \"fields\" array", where), false;
		/* Names are unique among siblings, ignoring case (protocol.md 5). */
		json_t *seen = json_object();
		size_t i;
		json_t *f;
		bool ok = seen != NULL;
		json_array_foreach(fields, i, f) {
			const char *name = json_string_value(json_object_get(f, "name"));
			if (!ok)
				break;
			if (!json_is_object(f) || !name) {
				snprintf(w->problem, sizeof(w->problem), "has a field without a name in %.200s", where);
				ok = false;
				break;
			}
			/* ASCII case only: no locale, and no false finding for other scripts. */
			size_t n = strlen(name);
			char *low = malloc(n + 1);
			if (!low) {
				w->oom = true;
				ok = false;
				break;
			}
			for (size_t k = 0; k <= n; k++)
				low[k] = (char)tolower((unsigned char)name[k]);
			const char *other = json_string_value(json_object_get(seen, low));
			if (other) {
				snprintf(w->problem, sizeof(w->problem),
					 "has two fields named '%.100s' and '%.100s' in %.200s (names are "
					 "unique, ignoring case)", other, name, where);
				free(low);
				ok = false;
				break;
			}
			if (json_object_set_new(seen, low, json_string(name)))
				w->oom = true;
			free(low);
			if (!json_object_get(f, "type")) {
				char *sub = field_path(at, name);
				snprintf(w->problem, sizeof(w->problem), "gives '%.200s' no type",
					 sub ? sub : name);
				free(sub);
				ok = false;
			} else {
				ok = walk_sub(w, json_object_get(f, "type"), at, name, depth + 1);
			}
		}
		json_decref(seen);
		return ok;
	}
	if (!strcmp(t, "array")) {
		if (!json_object_get(type, "elementType"))
			return snprintf(w->problem, sizeof(w->problem),
					"gives '%.200s' an array without an elementType", where), false;
		return walk_sub(w, json_object_get(type, "elementType"), at, "element", depth + 1);
	}
	if (!strcmp(t, "map")) {
		if (!json_object_get(type, "keyType") || !json_object_get(type, "valueType"))
			return snprintf(w->problem, sizeof(w->problem),
					"gives '%.200s' a map without keyType or valueType", where), false;
		return walk_sub(w, json_object_get(type, "keyType"), at, "key", depth + 1) &&
		       walk_sub(w, json_object_get(type, "valueType"), at, "value", depth + 1);
	}
	/* {"type":"variant"} is PROTOCOL.md's own spelling (protocol.md 5.1). */
	if (strcmp(t, "variant"))
		unknown_type(w, t, where);
	return true;
}

/* DQ116: column-mapping ids unique in the table, physical names unique among siblings. */
static void colmap_rule(struct checker *c, const json_t *type, json_t *ids, int64_t version,
			const char *mpath, int depth)
{
	if (!json_is_object(type) || depth > 64)
		return;
	const char *t = json_string_value(json_object_get(type, "type"));
	if (!t)
		return;
	if (!strcmp(t, "array")) {
		colmap_rule(c, json_object_get(type, "elementType"), ids, version, mpath, depth + 1);
		return;
	}
	if (!strcmp(t, "map")) {
		colmap_rule(c, json_object_get(type, "keyType"), ids, version, mpath, depth + 1);
		colmap_rule(c, json_object_get(type, "valueType"), ids, version, mpath, depth + 1);
		return;
	}
	if (strcmp(t, "struct"))
		return;
	json_t *phys = json_object();
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(type, "fields"), i, f) {
		const char *name = json_string_value(json_object_get(f, "name"));
		json_t *md = json_object_get(f, "metadata");
		json_t *id = json_object_get(md, "delta.columnMapping.id");
		const char *p = json_string_value(json_object_get(md, "delta.columnMapping.physicalName"));
		if (json_is_integer(id)) {
			char k[32];
			snprintf(k, sizeof(k), "%" PRId64, (int64_t)json_integer_value(id));
			const char *other = json_string_value(json_object_get(ids, k));
			if (other)
				FIND(c, "DQ116", version, mpath,
				     "'%s': columns '%s' and '%s' share column-mapping id %s in version %lld",
				     mpath, other, name ? name : "?", k, (long long)version);
			else
				json_object_set_new(ids, k, json_string(name ? name : "?"));
		}
		if (p) {
			const char *other = json_string_value(json_object_get(phys, p));
			if (other)
				FIND(c, "DQ116", version, mpath,
				     "'%s': columns '%s' and '%s' share physical name '%s' in version %lld",
				     mpath, other, name ? name : "?", p, (long long)version);
			else
				json_object_set_new(phys, p, json_string(name ? name : "?"));
		}
		colmap_rule(c, json_object_get(f, "type"), ids, version, mpath, depth + 1);
	}
	json_decref(phys);
}

/* Rules on one metaData action; then it becomes the current one. */
static void metadata_rules(struct checker *c, json_t *md, int64_t version, const char *mpath,
			   bool current)
{
	json_t *ss = json_object_get(md, "schemaString");
	json_t *schema = NULL;
	const char *problem = NULL;
	json_error_t je;
	char buf[300];
	struct schema_walk w = { .unknown = json_object() };
	if (!ss || json_is_null(ss)) {
		problem = NULL; /* absent: nothing to parse (old test tables omit it) */
	} else if (!json_is_string(ss)) {
		problem = "is not a string";
	} else if (!(schema = json_loads(json_string_value(ss), 0, &je))) {
		snprintf(buf, sizeof(buf), "is not valid JSON (%s)", je.text);
		problem = buf;
	} else if (!json_is_object(schema) ||
		   !json_is_string(json_object_get(schema, "type")) ||
		   strcmp(json_string_value(json_object_get(schema, "type")), "struct")) {
		problem = "is not a struct type";
	} else if (!w.unknown) {
		c->oom = true;
	} else if (!schema_walk(&w, schema, "", 0) && !w.oom) {
		problem = w.problem;
	}
	if (w.oom)
		c->oom = true;
	if (problem)
		FIND(c, "DQ115", version, mpath, "'%s': metaData.schemaString %s", mpath, problem);
	/* DQ206 once per type name in the whole log, where it first appears. */
	const char *tname;
	json_t *col;
	json_object_foreach(w.unknown, tname, col) {
		if (json_object_get(c->unknown_types, tname))
			continue;
		if (json_object_set_new(c->unknown_types, tname, json_true()))
			c->oom = true;
		FIND(c, "DQ206", version, mpath, "'%s': type '%s', which deltaq does not know, "
		     "of column '%s'", mpath, tname, json_string_value(col));
	}
	json_decref(w.unknown);
	json_t *pc = json_object_get(md, "partitionColumns");
	size_t i;
	if (schema && !problem) {
		json_array_foreach(pc, i, col) {
			if (!json_is_string(col) || !schema_top_field(schema, json_string_value(col)))
				FIND(c, "DQ115", version, mpath,
				     "'%s': partition column '%s' is not a top-level column of the schema",
				     mpath, json_is_string(col) ? json_string_value(col) : "?");
		}
		json_t *ids = json_object();
		/* Ids and physical names are read only with column mapping on: a table that
		 * had them wrong while it was off is left so by Spark too. */
		if (metadata_column_mapping(md))
			colmap_rule(c, schema, ids, version, mpath, 0);
		json_decref(ids);
	}
	if (current) {
		pcols_release(c);
		json_decref(c->metadata);
		c->metadata = json_incref(md);
		bool cm = metadata_column_mapping(md);
		size_t n = json_array_size(pc);
		c->pcols = dq_calloc(n ? n : 1, sizeof(*c->pcols));
		if (!c->pcols) {
			c->oom = true;
		} else {
			json_array_foreach(pc, i, col) {
				const char *name = json_string_value(col);
				if (!name)
					continue;
				json_t *f = schema_top_field(schema, name);
				const char *type = json_string_value(json_object_get(f, "type"));
				struct pcol *p = &c->pcols[c->npcols++];
				p->logical = dq_strdup(name);
				p->physical = dq_strdup(cm ? field_physical_name(f, name) : name);
				p->type = dq_strdup(type ? type : "");
				if (!p->logical || !p->physical || !p->type)
					c->oom = true;
			}
		}
	}
	json_decref(schema);
}

/* DQ113 for one add's partition values (compact JSON text or NULL). */
static void pv_rule(struct checker *c, const char *cpath, const struct file_action *fa,
		    int64_t version)
{
	const char *text = fa->partition_values ? fa->partition_values : "{}";
	if (!c->metadata || dq_strset_has(&c->pv_ok, text))
		return;
	json_t *pv = json_loads(text, 0, NULL);
	char why[300] = "";
	const char *k;
	json_t *v;
	json_object_foreach(pv, k, v) {
		/* Keyed by physical name, which is the logical one without column mapping:
		 * readers (Spark, kernel-rs) look up no other, and read null. */
		struct pcol *p = NULL, *logical = NULL;
		for (size_t i = 0; i < c->npcols && !p; i++) {
			if (!strcmp(c->pcols[i].physical, k))
				p = &c->pcols[i];
			else if (!strcmp(c->pcols[i].logical, k))
				logical = &c->pcols[i];
		}
		if (!p && logical) {
			snprintf(why, sizeof(why), "key '%.80s' is the logical name of a partition column; "
				 "with column mapping the key is its physical name '%.80s'", k,
				 logical->physical);
			break;
		}
		if (!p) {
			snprintf(why, sizeof(why), "key '%s' is not a partition column", k);
			break;
		}
		if (json_is_string(v) && !pv_parses(p->type, json_string_value(v))) {
			snprintf(why, sizeof(why), "'%s' = '%s' does not parse as %s", p->logical,
				 json_string_value(v), p->type);
			break;
		}
	}
	/* Every partition column has an entry (protocol.md: "must contain an entry for each
	 * partition column"); a missing one is not a null value. */
	for (size_t i = 0; i < c->npcols && !why[0]; i++)
		if (!json_object_get(pv, c->pcols[i].physical))
			snprintf(why, sizeof(why), "no value for partition column '%s'", c->pcols[i].logical);
	json_decref(pv);
	if (why[0]) {
		const char *path = key_path(c->t, fa);
		FIND(c, "DQ113", version, path, "'%s' line %d: the partition values of '%s': %s",
		     cpath, fa->line, path, why);
		return;
	}
	char *kept = dq_arena_strdup(&c->pv_arena, text);
	if (!kept || dq_strset_add(&c->pv_ok, kept) < 0)
		c->oom = true;
}

/* Whether array a (or null) holds a value equal to v. */
static bool json_array_has(const json_t *a, const json_t *v)
{
	for (size_t j = 0; j < json_array_size(a); j++)
		if (json_equal(json_array_get(a, j), v))
			return true;
	return false;
}

/* Feature names as a sorted set-like array (null and absent are empty). */
static bool same_features(const json_t *a, const json_t *b)
{
	size_t na = json_array_size(a);
	if (na != json_array_size(b))
		return false;
	for (size_t i = 0; i < na; i++)
		if (!json_array_has(b, json_array_get(a, i)))
			return false;
	return true;
}

/* What differs between two protocol actions, or NULL. */
static const char *protocol_diff(const json_t *a, const json_t *b)
{
	if (!json_equal(json_object_get(a, "minReaderVersion"), json_object_get(b, "minReaderVersion")))
		return "minReaderVersion";
	if (!json_equal(json_object_get(a, "minWriterVersion"), json_object_get(b, "minWriterVersion")))
		return "minWriterVersion";
	if (!same_features(json_object_get(a, "readerFeatures"), json_object_get(b, "readerFeatures")))
		return "readerFeatures";
	if (!same_features(json_object_get(a, "writerFeatures"), json_object_get(b, "writerFeatures")))
		return "writerFeatures";
	return NULL;
}

/* An empty or absent configuration are the same. */
static bool same_conf(const json_t *a, const json_t *b)
{
	if (!json_object_size(a) && !json_object_size(b))
		return true;
	return json_equal(a, b);
}

/* Schema strings that parse to the same JSON are the same schema (writers differ in
 * spacing and key order). */
static bool same_schema(const json_t *a, const json_t *b)
{
	if (json_equal(a, b) || !a || json_is_null(a) || !b || json_is_null(b))
		return true; /* equal, or one side has none (DQ115 does not require it either) */
	if (!json_is_string(a) || !json_is_string(b))
		return false;
	json_t *x = json_loads(json_string_value(a), 0, NULL), *y = json_loads(json_string_value(b), 0, NULL);
	bool same = x && y && json_equal(x, y);
	json_decref(x);
	json_decref(y);
	return same;
}

static const char *metadata_diff(const json_t *a, const json_t *b)
{
	if (!json_equal(json_object_get(a, "id"), json_object_get(b, "id")))
		return "id";
	if (!same_schema(json_object_get(a, "schemaString"), json_object_get(b, "schemaString")))
		return "schemaString";
	json_t *pa = json_object_get(a, "partitionColumns"), *pb = json_object_get(b, "partitionColumns");
	if (json_array_size(pa) != json_array_size(pb) || (json_array_size(pa) && !json_equal(pa, pb)))
		return "partitionColumns";
	if (!same_conf(json_object_get(a, "configuration"), json_object_get(b, "configuration")))
		return "configuration";
	return NULL;
}

/* DQ111: the .crc at `version` against the live state. */
static void crc_rule(struct checker *c, int64_t version)
{
	char name[64], path[128];
	snprintf(name, sizeof(name), "%020lld.crc", (long long)version);
	log_path(name, path, sizeof(path));
	struct dq_buf buf = { .max = 1u << 30 };
	struct dq_error err = { 0 };
	if (store_read(c->t->store, path, buf.max, &buf, &err)) {
		FIND(c, "DQ111", version, path, "%s", err.msg);
		dq_buf_release(&buf);
		return;
	}
	json_error_t je;
	json_t *crc = json_loadb(buf.data ? buf.data : "", buf.len, 0, &je);
	dq_buf_release(&buf);
	if (!json_is_object(crc)) {
		FIND(c, "DQ111", version, path, "'%s' is not a JSON object (%s)", path,
		     crc ? "another JSON value" : je.text);
		json_decref(crc);
		return;
	}
	if (!c->state_ok) {
		json_decref(crc);
		return;
	}
	json_t *nf = json_object_get(crc, "numFiles"), *sz = json_object_get(crc, "tableSizeBytes");
	json_t *nm = json_object_get(crc, "numMetadata"), *np = json_object_get(crc, "numProtocol");
	const char *d;
	if (!json_is_integer(nm) || json_integer_value(nm) != 1 || !json_is_integer(np) ||
	    json_integer_value(np) != 1)
		FIND(c, "DQ111", version, path, "'%s' says numMetadata %lld and numProtocol %lld; a "
		     "table has one of each", path, json_is_integer(nm) ? (long long)json_integer_value(nm) : -1LL,
		     json_is_integer(np) ? (long long)json_integer_value(np) : -1LL);
	else if (!json_is_integer(nf) || json_integer_value(nf) != (json_int_t)c->live.n)
		FIND(c, "DQ111", version, path, "'%s' says numFiles %lld; the log replays to %zu files at version %lld",
		     path, json_is_integer(nf) ? (long long)json_integer_value(nf) : -1LL, c->live.n,
		     (long long)version);
	else if (!json_is_integer(sz) || json_integer_value(sz) != c->live.bytes)
		FIND(c, "DQ111", version, path,
		     "'%s' says tableSizeBytes %lld; the log replays to %lld bytes at version %lld", path,
		     json_is_integer(sz) ? (long long)json_integer_value(sz) : -1LL,
		     (long long)c->live.bytes, (long long)version);
	else if (c->protocol && (d = protocol_diff(json_object_get(crc, "protocol"), c->protocol)))
		FIND(c, "DQ111", version, path, "'%s': protocol.%s differs from the log's at version %lld",
		     path, d, (long long)version);
	else if (c->metadata && (d = metadata_diff(json_object_get(crc, "metadata"), c->metadata)))
		FIND(c, "DQ111", version, path, "'%s': metadata.%s differs from the log's at version %lld",
		     path, d, (long long)version);
	json_decref(crc);
}

/* The name of the checkpoint file(s) at `version`, for findings. */
static const char *checkpoint_name(const struct log_listing *l, int64_t version, char *buf,
				   size_t len)
{
	const struct log_file *f[1];
	if (log_checkpoint_files(l, version, f, 1) == 0)
		snprintf(buf, len, "_delta_log/%020lld.checkpoint.parquet", (long long)version);
	else
		log_path(f[0]->name, buf, len);
	return buf;
}

/*
 * DQ108/DQ109/DQ205 for the checkpoint at `version`, and DQ110 when `compare` (the live
 * state is the table at that version).  *snap gets the snapshot when asked for.
 */
static void checkpoint_rule(struct checker *c, int64_t version, bool compare, dq_snapshot **keep)
{
	char path[512];
	checkpoint_name(c->l, version, path, sizeof(path));
	dq_snapshot *s = NULL;
	bool missing_pm;
	struct dq_error err = { 0 };
	int rc = replay_checkpoint_snapshot(c->t, version, DQ_NEED_FILES, &s, &missing_pm, &err);
	if (rc == DQ_ENOMEM || rc == DQ_EFORKED) {
		c->oom = true;
		return;
	}
	if (rc) {
		const char *rule = missing_pm ? "DQ109" : rc == DQ_ENOTIMPL ? "DQ205" : "DQ108";
		FIND(c, rule, version, path, "%s", err.msg);
		return;
	}
	if (compare && c->state_ok && dq_snapshot_files_available(s)) {
		const char *d = NULL;
		char why[400] = "";
		size_t n = dq_snapshot_num_files(s);
		if ((d = protocol_diff(dq_snapshot_protocol(s), c->protocol)))
			snprintf(why, sizeof(why), "its protocol.%s differs", d);
		else if ((d = metadata_diff(dq_snapshot_metadata(s), c->metadata)))
			snprintf(why, sizeof(why), "its metaData.%s differs", d);
		else if (n != c->live.n)
			snprintf(why, sizeof(why), "it has %zu active files, the commits %zu", n, c->live.n);
		for (size_t i = 0; i < n && !why[0]; i++) {
			const struct dq_file *f = dq_snapshot_file(s, i);
			int64_t size;
			if (!live_has(&c->live, f->key, &size))
				snprintf(why, sizeof(why), "'%s' is active in it, not in the commits", f->path);
			else if (size != f->size)
				snprintf(why, sizeof(why), "'%s' has size %lld in it, %lld in the commits",
					 f->path, (long long)f->size, (long long)size);
		}
		if (why[0])
			FIND(c, "DQ110", version, path,
			     "'%s' differs from the JSON commits up to version %lld: %s", path,
			     (long long)version, why);
	}
	if (keep)
		*keep = s;
	else
		dq_snapshot_close(s);
}


/* DQ104, DQ202-DQ204 on the newest protocol. */
static void protocol_rules(struct checker *c)
{
	const json_t *p = c->protocol;
	char path[64];
	log_commit_path(c->protocol_version, path, sizeof(path));
	json_t *r = json_object_get(p, "minReaderVersion"), *w = json_object_get(p, "minWriterVersion");
	if (!json_is_integer(r) || !json_is_integer(w)) {
		FIND(c, "DQ104", c->protocol_version, path,
		     "'%s': the protocol lacks integer minReaderVersion and minWriterVersion", path);
		return;
	}
	long long rv = json_integer_value(r), wv = json_integer_value(w);
	if (rv < 1 || rv > 3 || wv < 1 || wv > 7) {
		FIND(c, "DQ104", c->protocol_version, path,
		     "'%s': protocol (%lld, %lld) is beyond the Delta protocol (reader 1-3, writer 1-7)",
		     path, rv, wv);
		return;
	}
	const char *why = protocol_problem(p);
	if (why) {
		FIND(c, "DQ104", c->protocol_version, path, "'%s': the protocol action's %s", path, why);
		return;
	}
	/* Feature lists exactly with versions 3 and 7, and a reader feature among the writer
	 * features too (PROTOCOL.md, Table Features; kernel-rs refuses other protocols). */
	json_t *rf = json_object_get(p, "readerFeatures"), *wf = json_object_get(p, "writerFeatures");
	bool hr = rf && !json_is_null(rf), hw = wf && !json_is_null(wf);
	if (hr != (rv == 3) || hw != (wv == 7)) {
		bool reader = hr != (rv == 3);
		FIND(c, "DQ104", c->protocol_version, path, "'%s': the protocol (%lld, %lld) %s "
		     "%sFeatures; a list goes with %s version %d exactly", path, rv, wv,
		     (reader ? hr : hw) ? "has" : "lacks", reader ? "reader" : "writer",
		     reader ? "reader" : "writer", reader ? 3 : 7);
		return;
	}
	size_t i;
	json_t *f;
	json_array_foreach(rf, i, f) {
		if (hw && !json_array_has(wf, f)) {
			FIND(c, "DQ104", c->protocol_version, path, "'%s': reader feature '%s' is not "
			     "among the writer features, as every reader feature must be", path,
			     json_string_value(f));
			return;
		}
	}
	json_array_foreach(json_object_get(p, "readerFeatures"), i, f) {
		const char *n = json_string_value(f);
		if (!n)
			continue;
		if (rv == 3 && !dq_reader_feature_honoured(n))
			FIND(c, "DQ203", c->protocol_version, path,
			     "'%s': reader feature '%s' is not honoured by deltaq (files and scans refuse the table)",
			     path, n);
		if (feature_is_preview(n))
			FIND(c, "DQ204", c->protocol_version, path, "'%s': reader feature '%s' is a preview name",
			     path, n);
	}
	json_array_foreach(json_object_get(p, "writerFeatures"), i, f) {
		const char *n = json_string_value(f);
		if (!n)
			continue;
		if (!writer_feature_known(n))
			FIND(c, "DQ202", c->protocol_version, path, "'%s': writer feature '%s' is unknown",
			     path, n);
		else if (feature_is_preview(n))
			FIND(c, "DQ204", c->protocol_version, path, "'%s': writer feature '%s' is a preview name",
			     path, n);
	}
}

/* DQ105-DQ107, DQ201. */
static void last_checkpoint_rules(struct checker *c)
{
	const char *path = LASTCP_PATH;
	struct last_checkpoint h;
	struct dq_error err = { 0 };
	if (lastcp_read(c->t->store, &h, &err)) {
		if (err.code == DQ_ENOMEM)
			c->oom = true;
		else
			FIND(c, "DQ105", -1, path, "%s", err.msg);
		lastcp_release(&h);
		return;
	}
	if (!h.present) {
		lastcp_release(&h);
		return;
	}
	if (!h.valid) {
		if (h.has_checksum && !h.checksum_ok)
			FIND(c, "DQ106", h.version, path, "'%s': %s", path, h.problem);
		else
			FIND(c, "DQ105", h.version, path, "'%s': %s", path, h.problem);
		lastcp_release(&h);
		return;
	}
	const struct log_file *parts[1024];
	size_t n = log_checkpoint_files(c->l, h.version, parts, 1024);
	if (n == 0 || n > 1024) {
		/* A hint behind a newer checkpoint is only out of date: readers list the log
		 * (kernel-rs logs it and goes on); with none at or after it they fail. */
		int64_t newest = log_latest_checkpoint(c->l, INT64_MAX);
		if (newest > h.version)
			FIND(c, "DQ201", h.version, path,
			     "'%s' names version %lld, which has no complete checkpoint; the newest is "
			     "at version %lld", path, (long long)h.version, (long long)newest);
		else
			FIND(c, "DQ107", h.version, path,
			     "'%s' names version %lld, which has no complete checkpoint", path,
			     (long long)h.version);
		lastcp_release(&h);
		return;
	}
	char why[300] = "";
	int64_t bytes = 0;
	for (size_t i = 0; i < n; i++)
		bytes += parts[i]->size;
	bool multi = parts[0]->n.ckpt == CKPT_MULTIPART;
	if (h.v2_path) {
		bool listed = false;
		for (size_t i = 0; i < c->l->n; i++)
			listed = listed || !strcmp(c->l->files[i].name, h.v2_path);
		if (!listed)
			snprintf(why, sizeof(why), "v2Checkpoint.path '%s' is not in _delta_log", h.v2_path);
	}
	if (!why[0] && h.parts >= 0 && (!multi || (int64_t)n != h.parts))
		snprintf(why, sizeof(why), "parts is %lld; the checkpoint has %zu part%s",
			 (long long)h.parts, multi ? n : (size_t)1, multi && n != 1 ? "s" : "");
	if (!why[0] && h.size_in_bytes >= 0 && !h.v2_path && h.size_in_bytes != bytes)
		snprintf(why, sizeof(why), "sizeInBytes is %lld; the checkpoint files hold %lld bytes",
			 (long long)h.size_in_bytes, (long long)bytes);
	if (!why[0] && (h.size >= 0 || h.num_of_add_files >= 0)) {
		json_t *sum = NULL;
		if (dq_checkpoint_summary(c->t, h.version, &sum, &err) == DQ_OK &&
		    json_array_size(json_object_get(sum, "sidecars")) == 0) {
			json_t *rows = json_object_get(sum, "rows");
			long long total = 0, adds = json_integer_value(json_object_get(rows, "add"));
			const char *k;
			json_t *v;
			json_object_foreach(rows, k, v)
				total += json_integer_value(v);
			if (h.size >= 0 && h.size != total)
				snprintf(why, sizeof(why), "size is %lld; the checkpoint holds %lld actions",
					 (long long)h.size, total);
			else if (h.num_of_add_files >= 0 && h.num_of_add_files != adds)
				snprintf(why, sizeof(why), "numOfAddFiles is %lld; the checkpoint holds %lld adds",
					 (long long)h.num_of_add_files, adds);
		}
		json_decref(sum);
	}
	if (why[0])
		FIND(c, "DQ201", h.version, path, "'%s' (version %lld): %s", path, (long long)h.version, why);
	lastcp_release(&h);
}

/* Applies one parsed commit in version order. */
static void apply_commit(struct checker *c, struct commit_job *j)
{
	int64_t v = j->f->n.version;
	const char *cpath = j->cpath;
	if (j->rc) {
		if (j->rc == DQ_ENOMEM || j->rc == DQ_EFORKED) {
			c->oom = true;
			return;
		}
		/* action.c names the field; a broken DV descriptor has a rule of its own. */
		FIND(c, strstr(j->err.msg, "deletionVector") ? "DQ117" : "DQ102", v, cpath, "%s", j->err.msg);
		c->state_ok = false;
		return;
	}
	size_t i;
	json_t *x;
	json_array_foreach(j->findings, i, x)
		chk_finding_oom(c, json_array_append(c->out, x));
	if (j->oom)
		c->oom = true;
	bool apply = v > c->start;
	if (v == 0 && (!j->acts.protocol || !j->acts.metadata))
		FIND(c, "DQ103", 0, cpath, "'%s': version 0 has no %s action", cpath,
		     j->acts.protocol ? "metaData" : "protocol");
	if (j->acts.protocol && apply) {
		json_decref(c->protocol);
		c->protocol = json_incref(j->acts.protocol);
		c->protocol_version = v;
	}
	if (j->acts.metadata)
		metadata_rules(c, j->acts.metadata, v, cpath, apply || !c->metadata);
	for (i = 0; i < j->acts.nfiles; i++) {
		const struct file_action *fa = &j->acts.files[i];
		if (fa->add && apply)
			pv_rule(c, cpath, fa, v);
		if (!apply || !c->state_ok)
			continue;
		if (fa->add)
			chk_finding_oom(c, live_add(&c->live, fa->key, fa->size));
		else
			live_remove(&c->live, fa->key);
	}
}

/* Versions of the listed files of one kind, ascending and unique; new array (NULL when
 * none or out of memory: *oom tells). */
static int64_t *versions_of(const struct log_listing *l, enum log_kind kind, size_t *n, bool *oom)
{
	int64_t *v = NULL;
	size_t cap = 0;
	*n = 0;
	for (size_t i = 0; i < l->n; i++) {
		if (l->files[i].n.kind != kind)
			continue;
		int64_t x = l->files[i].n.version;
		if (*n && v[*n - 1] == x)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 64;
			int64_t *nv = dq_realloc_array(v, cap, sizeof(*v));
			if (!nv) {
				*oom = true;
				free(v);
				*n = 0;
				return NULL;
			}
			v = nv;
		}
		v[(*n)++] = x;
	}
	/* Already ascending: the listing is sorted by name, and every name of these kinds
	 * starts with its version's 20 digits. */
	return v;
}

/* Oldest readable checkpoint the replay can start from when version 0 is gone. */
static void seed(struct checker *c, int64_t earliest, int64_t latest, const int64_t *ckpts,
		 size_t nckpts, bool *handled)
{
	for (size_t i = 0; i < nckpts; i++) {
		int64_t v = ckpts[i];
		if (v < earliest - 1 || v > latest || handled[i])
			continue;
		handled[i] = true;
		dq_snapshot *s = NULL;
		checkpoint_rule(c, v, false, &s);
		if (!s)
			continue;
		c->start = v;
		c->state_ok = true;
		c->protocol = json_incref((json_t *)dq_snapshot_protocol(s));
		c->protocol_version = v;
		char name[512];
		metadata_rules(c, (json_t *)dq_snapshot_metadata(s), v,
			       checkpoint_name(c->l, v, name, sizeof(name)), true);
		if (!dq_snapshot_files_available(s))
			c->state_ok = false;
		for (size_t k2 = 0; k2 < dq_snapshot_num_files(s); k2++) {
			const struct dq_file *df = dq_snapshot_file(s, k2);
			chk_finding_oom(c, live_add(&c->live, df->key, df->size));
		}
		dq_snapshot_close(s);
		return;
	}
	char path[64];
	FIND(c, "DQ118", earliest, log_commit_path(earliest, path, sizeof(path)),
	     "history starts at version %lld ('%s') and no readable checkpoint at version %lld or later "
	     "lets a reader rebuild the table", (long long)earliest, path, (long long)(earliest - 1));
	c->state_ok = false;
	c->unrebuildable = true;
}

#define BATCH 64

/* Queues the parse and per-commit rules of commits lo..lo+n (n <= BATCH) into jobs.  An
 * error means nothing is queued (and no findings array is left). */
static int batch_start(dq_table *t, const struct log_listing *l, struct commit_job *jobs,
		       size_t lo, size_t n, struct table_run *r, struct dq_error *err)
{
	bool oom = false;
	for (size_t i = 0; i < n; i++) {
		memset(&jobs[i], 0, sizeof(jobs[i]));
		jobs[i].t = t;
		jobs[i].f = l->commits[lo + i];
		if (!(jobs[i].findings = json_array()))
			oom = true;
	}
	int rc = oom ? dq_fail(err, DQ_ENOMEM, "out of memory")
		     : table_run_start(t, r, jobs, n, sizeof(*jobs), commit_job_run, err);
	for (size_t i = 0; rc && i < n; i++) {
		json_decref(jobs[i].findings);
		jobs[i].findings = NULL;
	}
	return rc;
}

/* Waits for the rest of a batch cut short, and frees its jobs from jobs[from] on. */
static void batch_drop(struct commit_job *jobs, size_t from, size_t n, struct table_run *r)
{
	struct dq_error ignored;
	table_run_wait(r, SIZE_MAX, &ignored);
	for (size_t k = from; k < n; k++) {
		commit_actions_release(&jobs[k].acts);
		json_decref(jobs[k].findings);
	}
}

int dq_check_log(dq_table *t, json_t **findings, int64_t *latest, struct dq_error *err)
{
	*findings = NULL;
	const struct log_listing *l;
	int rc = table_commits(t, &l, err);
	if (rc)
		return rc;
	struct checker c = { .t = t, .l = l, .out = json_array(), .start = -1, .state_ok = true,
			     .unknown_types = json_object() };
	if (!c.unknown_types)
		c.oom = true;
	struct commit_job *jobs = dq_calloc(2 * BATCH, sizeof(*jobs));
	size_t ncrcs, nckpts = 0, nall;
	int64_t *crcs = versions_of(l, LOG_CRC, &ncrcs, &c.oom);
	int64_t *all = versions_of(l, LOG_CHECKPOINT, &nall, &c.oom);
	/* Complete checkpoints only (protocol.md 1.4); each is read once, `handled` says. */
	int64_t *ckpts = dq_calloc(nall + 1, sizeof(*ckpts));
	bool *handled = dq_calloc(nall + 1, sizeof(*handled));
	for (size_t i = 0; ckpts && i < nall; i++)
		if (log_checkpoint_files(l, all[i], NULL, 0))
			ckpts[nckpts++] = all[i];
	free(all);
	if (!c.out || !jobs || !ckpts || !handled || c.oom) {
		json_decref(c.out), free(jobs), free(crcs), free(ckpts), free(handled);
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	}
	int64_t earliest = l->commits[0]->n.version;
	*latest = l->commits[l->ncommits - 1]->n.version;

	last_checkpoint_rules(&c);
	/* DQ101: holes after the earliest commit (before it is cleanup, protocol.md 1.9). */
	for (size_t i = 1; i < l->ncommits; i++) {
		int64_t a = l->commits[i - 1]->n.version, b = l->commits[i]->n.version;
		if (b == a + 1)
			continue;
		char path[64];
		log_commit_path(a + 1, path, sizeof(path));
		if (b == a + 2)
			FIND(&c, "DQ101", a + 1, path, "version %lld is missing: '%s' does not exist, "
			     "while versions %lld and %lld do", (long long)(a + 1), path, (long long)a,
			     (long long)b);
		else
			FIND(&c, "DQ101", a + 1, path, "versions %lld to %lld are missing ('%s' ...), "
			     "while versions %lld and %lld exist", (long long)(a + 1), (long long)(b - 1),
			     path, (long long)a, (long long)b);
	}
	if (earliest > 0)
		seed(&c, earliest, *latest, ckpts, nckpts, handled);

	/* Commits are applied in order as their jobs finish, while the pool runs the next
	 * batch (as in replay.c): the pool no longer idles while this thread applies. */
	size_t ci = 0, ki = 0;  /* cursors into crcs and ckpts */
	struct table_run run[2];
	size_t blo[2] = { 0, 0 }, bn[2] = { 0, 0 }, next = 0;
	bool queued[2] = { false, false };
	unsigned cur = 0;
	if (next < l->ncommits) {
		bn[0] = l->ncommits - next > BATCH ? BATCH : l->ncommits - next;
		if ((rc = batch_start(t, l, jobs, next, bn[0], &run[0], err)))
			c.oom = true;
		queued[0] = !rc;
		next += bn[0];
	}
	while (queued[cur]) {
		unsigned nx = !cur;
		struct commit_job *cj = jobs + cur * BATCH;
		if (!c.oom && next < l->ncommits) {
			bn[nx] = l->ncommits - next > BATCH ? BATCH : l->ncommits - next;
			blo[nx] = next;
			if ((rc = batch_start(t, l, jobs + nx * BATCH, next, bn[nx], &run[nx], err)))
				c.oom = true;
			queued[nx] = !rc;
			next += bn[nx];
		}
		size_t i = 0;
		for (; i < bn[cur] && !c.oom; i++) {
			if ((rc = table_run_wait(&run[cur], i, err))) {
				c.oom = true;
				break;
			}
			size_t at = blo[cur] + i;
			int64_t v = cj[i].f->n.version;
			if (at > 0 && v != l->commits[at - 1]->n.version + 1)
				c.state_ok = false; /* a hole: DQ101 said so */
			apply_commit(&c, &cj[i]);
			while (ci < ncrcs && crcs[ci] < v)
				ci++;
			if (ci < ncrcs && crcs[ci] == v && v >= c.start)
				crc_rule(&c, v);
			while (ki < nckpts && ckpts[ki] < v)
				ki++;
			if (ki < nckpts && ckpts[ki] == v && v > c.start && !handled[ki]) {
				handled[ki] = true;
				checkpoint_rule(&c, v, true, NULL);
			}
			commit_actions_release(&cj[i].acts);
			json_decref(cj[i].findings);
		}
		if (!c.oom) {
			if ((rc = table_run_wait(&run[cur], SIZE_MAX, err)))
				c.oom = true;
		} else {
			batch_drop(cj, i, bn[cur], &run[cur]);
		}
		queued[cur] = false;
		if (c.oom && queued[nx]) {
			batch_drop(jobs + nx * BATCH, 0, bn[nx], &run[nx]);
			queued[nx] = false;
		}
		cur = nx;
	}
	/* Checkpoints the pass did not reach (older than the history's start): readable? */
	for (size_t i = 0; i < nckpts && !c.oom; i++)
		if (!handled[i]) {
			handled[i] = true;
			checkpoint_rule(&c, ckpts[i], false, NULL);
		}
	if (!c.oom) {
		char path[64];
		if ((!c.protocol || !c.metadata) && !c.unrebuildable)
			FIND(&c, "DQ103", *latest, log_commit_path(*latest, path, sizeof(path)),
			     "no %s action in versions %lld to %lld", c.protocol ? "metaData" : "protocol",
			     (long long)(c.start >= 0 ? c.start : earliest), (long long)*latest);
		if (c.protocol)
			protocol_rules(&c);
	}
	free(jobs);
	free(crcs);
	free(ckpts);
	free(handled);
	live_release(&c.live);
	pcols_release(&c);
	json_decref(c.protocol);
	json_decref(c.metadata);
	json_decref(c.unknown_types);
	if (c.oom) {
		json_decref(c.out);
		if (rc == DQ_EFORKED)
			return rc;
		return dq_fail(err, DQ_ENOMEM, "out of memory checking the log");
	}
	*findings = c.out;
	return DQ_OK;
}

/* ---- storage rules (--deep) ------------------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#define DV_MAX_BYTES (1u << 30)

/* The deletion vector rules (DQ305-DQ309) for a file whose key starts with a DV id. */
static int dv_rules(dq_table *t, const struct dq_file *f, int64_t version, json_t *out)
{
	const char *nl = strchr(f->key, '\n');
	char type;
	const char *s;
	size_t n;
	int64_t off;
	if (!nl || nl == f->key)
		return 0;
	if (!dv_id_split(f->key, (size_t)(nl - f->key), &type, &s, &n, &off))
		return finding(out, "DQ306", version, f->path, "the deletion vector of '%s' has an unknown storage type",
			       f->path);
	uint8_t *payload = NULL;
	size_t plen = 0;
	char dvpath[2048] = "";
	int rc = 0;
	if (type == 'i') {
		if (!(payload = dq_malloc(n / 5 * 4 + 4)))
			return -1;
		long got = dv_z85_decode(s, n, payload);
		if (got < 0) {
			free(payload);
			return finding(out, "DQ306", version, f->path,
				       "the inline deletion vector of '%s' is not valid Z85", f->path);
		}
		plen = (size_t)got;
	} else {
		bool inside;
		if (!dv_file_path(dq_table_location(t), type, s, n, dvpath, sizeof(dvpath), &inside))
			return finding(out, "DQ306", version, f->path, type == 'u'
				       ? "the deletion vector of '%s' does not name a UUID"
				       : "the deletion vector path of '%s' is not a valid URI", f->path);
		struct dq_data_file st;
		struct dq_error err = { 0 };
		rc = dq_data_file_inspect(t, dvpath, false, &st, &err);
		if (rc == DQ_ENOTIMPL)
			return finding(out, "DQ309", version, dvpath, "deletion vector '%s' of '%s' not checked: %s",
				       dvpath, f->path, err.msg);
		if (rc == DQ_EFORKED)
			return -2;
		if (rc)
			return finding(out, "DQ305", version, dvpath, "deletion vector '%s' of '%s' cannot be read: %s",
				       dvpath, f->path, err.msg);
		if (off < 0)
			off = 1; /* protocol.md 7.4: the first record follows the version byte */
		uint8_t hdr[4];
		size_t got = 0;
		if (off + 4 > st.size ||
		    store_read_range(t->store, dvpath, off, 4, hdr, &got, &err) || got != 4)
			return finding(out, "DQ306", version, dvpath,
				       "deletion vector '%s' of '%s' has no record at offset %lld", dvpath,
				       f->path, (long long)off);
		uint32_t size = be32(hdr);
		if (size > DV_MAX_BYTES || off + 8 + (int64_t)size > st.size)
			return finding(out, "DQ306", version, dvpath,
				       "deletion vector '%s' of '%s': the record at offset %lld claims %u bytes, beyond the file",
				       dvpath, f->path, (long long)off, size);
		if (!(payload = dq_malloc((size_t)size + 4)))
			return -1;
		if (store_read_range(t->store, dvpath, off + 4, (size_t)size + 4, payload, &got, &err) ||
		    got != (size_t)size + 4) {
			free(payload);
			return finding(out, "DQ306", version, dvpath, "deletion vector '%s' of '%s' cannot be read",
				       dvpath, f->path);
		}
		plen = size;
		if (f->dv_size >= 0 && (int64_t)size != f->dv_size) {
			free(payload);
			return finding(out, "DQ306", version, dvpath,
				       "deletion vector '%s' of '%s' at offset %lld: its record is %u bytes; "
				       "the descriptor's sizeInBytes says %lld", dvpath, f->path,
				       (long long)off, size, (long long)f->dv_size);
		}
		uint32_t want = be32(payload + size);
		uint32_t crc = (uint32_t)crc32(0L, payload, (uInt)size);
		if (crc != want) {
			free(payload);
			return finding(out, "DQ307", version, dvpath,
				       "deletion vector '%s' of '%s' at offset %lld: CRC-32 %08x, the file says %08x",
				       dvpath, f->path, (long long)off, crc, want);
		}
	}
	uint64_t card;
	size_t used;
	char why[160];
	const char *where = dvpath[0] ? dvpath : f->path;
	if (!dv_payload_cardinality(payload, plen, &card, &used, why, sizeof(why)))
		rc = finding(out, "DQ306", version, where, "the deletion vector of '%s' does not decode: %s",
			     f->path, why);
	else if (f->dv_cardinality >= 0 && card != (uint64_t)f->dv_cardinality)
		rc = finding(out, "DQ308", version, where,
			     "the deletion vector of '%s' deletes %llu rows; its descriptor says %lld",
			     f->path, (unsigned long long)card, (long long)f->dv_cardinality);
	free(payload);
	return rc;
}

struct untracked_ctx {
	json_t *findings;
	int64_t version;
};

static int untracked_finding(const struct dq_untracked *u, void *arg)
{
	struct untracked_ctx *c = arg;
	return finding(c->findings, "DQ310", c->version, u->path,
		       "'%s' (%lld bytes) is under the table but no active file at version %lld "
		       "references it; VACUUM would %s", u->path, (long long)u->size,
		       (long long)c->version,
		       u->deletable ? "delete it" : !strcmp(u->reason, "tombstone")
		       ? "keep it for now (a recent remove names it)" : "keep it for now (recent)")
	       ? DQ_ENOMEM : 0;
}

int dq_check_untracked(const dq_snapshot *s, json_t *findings, struct dq_error *err)
{
	struct untracked_ctx c = { findings, dq_snapshot_version(s) };
	struct dq_untracked_request req = { .retention_ms = -1, .now_ms = -1 };
	int rc = dq_snapshot_untracked(s, &req, untracked_finding, &c, NULL, err);
	if (rc == DQ_ECORRUPT) {
		/* An unparsable retention property: still list them, with the default week. */
		req.retention_ms = 7LL * 24 * 3600 * 1000;
		rc = dq_snapshot_untracked(s, &req, untracked_finding, &c, NULL, err);
	}
	return rc == DQ_ENOMEM && !err->msg[0] ? dq_fail(err, DQ_ENOMEM, "out of memory") : rc;
}

/*
 * The storage rules for file f from what inspecting it gave (df, and e with the inspect's
 * code): a footer that cannot be read still leaves the size, from a stat; no size means
 * the file itself could not be reached (or is not local).
 */
static int file_rules(dq_table *t, const struct dq_file *f, int64_t version,
		      const struct dq_data_file *df, const struct dq_error *e, json_t *findings,
		      struct dq_error *err)
{
	int rc = e->code, r = 0;
	if (rc == DQ_EFORKED)
		return dq_fail(err, rc, "%s", e->msg);
	if (rc == DQ_ENOMEM)
		return dq_fail(err, rc, "out of memory");
	if (rc == DQ_ENOTIMPL && df->size < 0)
		r = finding(findings, "DQ309", version, f->path, "'%s' not checked: %s", f->path, e->msg);
	else if (rc && df->size < 0)
		r = finding(findings, "DQ301", version, f->path, "active file '%s' (version %lld): %s",
			    f->path, (long long)version, e->sys_errno == ENOENT ? "does not exist" : e->msg);
	else if (df->size != f->size)
		r = finding(findings, "DQ302", version, f->path,
			    "active file '%s' has %lld bytes; the log says %lld", f->path,
			    (long long)df->size, (long long)f->size);
	else if (rc == DQ_ENOTIMPL)
		r = finding(findings, "DQ309", version, f->path, "'%s' not checked: %s", f->path, e->msg);
	else if (rc)
		r = finding(findings, "DQ303", version, f->path, "active file '%s': %s", f->path, e->msg);
	else if (f->num_records >= 0 && df->num_rows != f->num_records)
		r = finding(findings, "DQ304", version, f->path,
			    "active file '%s' holds %lld rows; its stats say numRecords %lld",
			    f->path, (long long)df->num_rows, (long long)f->num_records);
	if (!r)
		r = dv_rules(t, f, version, findings);
	if (r == -2)
		return dq_fail(err, DQ_EFORKED, "table handle was opened in another process");
	if (r)
		return dq_fail(err, DQ_ENOMEM, "out of memory");
	return DQ_OK;
}

int dq_check_data_files(dq_table *t, const struct dq_file *const *files, size_t n,
			int64_t version, json_t *findings, struct dq_error *err)
{
	int rc = table_check(t, err);
	if (rc || !n)
		return rc;
	const char **paths = dq_calloc(n, sizeof(*paths));
	struct dq_data_file *df = dq_calloc(n, sizeof(*df));
	struct dq_error *e = dq_calloc(n, sizeof(*e));
	if (!paths || !df || !e)
		rc = dq_fail(err, DQ_ENOMEM, "out of memory");
	for (size_t i = 0; !rc && i < n; i++)
		paths[i] = files[i]->path;
	/* The files' reads on the table's pool; the findings then in the files' order. */
	if (!rc)
		rc = dq_data_files_inspect(t, paths, n, true, df, e, err);
	for (size_t i = 0; !rc && i < n; i++)
		rc = file_rules(t, files[i], version, &df[i], &e[i], findings, err);
	free(paths);
	free(df);
	free(e);
	return rc;
}

int dq_check_data_file(dq_table *t, const struct dq_file *f, int64_t version, json_t *findings,
		       struct dq_error *err)
{
	return dq_check_data_files(t, &f, 1, version, findings, err);
}
