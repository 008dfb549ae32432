/*
 * action.c - parses the NDJSON lines of a commit file (protocol.md 1.3 and 2) with jansson
 * into struct commit_actions.  Each line is one action; unknown actions and fields are
 * ignored, wrong types are errors naming the file and line.  Lines whose action the caller
 * does not want are recognised by their first key and skipped without a tree, so `log`
 * never builds one for an add and `schema` never for a commitInfo.  When the caller wants
 * the file actions such a line must still be one bracketed object (an add after a
 * commitInfo on one line, or a line cut short, is an error, not a file dropped), and with
 * WANT_VALID (check) valid JSON, which jsonv.c decides without a tree (skip_line).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
#include "fast_action.h"
#include "jsonv.h"
#include "stats_fast.h"
#include "uri.h"

enum line_kind { L_OTHER, L_ADD, L_REMOVE, L_COMMIT_INFO, L_PROTOCOL, L_METADATA, L_TXN,
		 L_DOMAIN, L_CDC };

static const struct { const char *name; enum line_kind kind; } line_kinds[] = {
	{ "add", L_ADD }, { "remove", L_REMOVE }, { "commitInfo", L_COMMIT_INFO },
	{ "protocol", L_PROTOCOL }, { "metaData", L_METADATA }, { "txn", L_TXN },
	{ "domainMetadata", L_DOMAIN }, { "cdc", L_CDC },
};

/* The action named by the line's first key, read without parsing; L_OTHER when unsure. */
static enum line_kind peek_kind(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p++ != '{')
		return L_OTHER;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end || *p++ != '"')
		return L_OTHER;
	const char *k = p;
	while (p < end && *p != '"' && *p != '\\')
		p++;
	if (p == end || *p != '"')
		return L_OTHER;
	size_t n = (size_t)(p - k);
	for (size_t i = 0; i < sizeof(line_kinds) / sizeof(line_kinds[0]); i++)
		if (strlen(line_kinds[i].name) == n && !memcmp(line_kinds[i].name, k, n))
			return line_kinds[i].kind;
	return L_OTHER;
}

/*
 * Whether the trimmed line s[0..n) is one bracketed value with one member: its first '{'
 * closes exactly at its last byte, and no ',' comes between at its own level (strings and
 * escapes honoured).  What a line skipped unparsed must pass, so that no action after or
 * beside a commitInfo, and no line cut short, is skipped; the JSON inside is not checked
 * here (with WANT_VALID, json_surely_valid does).
 */
static bool one_object(const char *s, size_t n)
{
	size_t depth = 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch == '"') {
			for (i++; i < n && s[i] != '"'; i++)
				if (s[i] == '\\')
					i++;
			if (i >= n)
				return false;
		} else if (ch == '{' || ch == '[') {
			depth++;
		} else if (ch == '}' || ch == ']') {
			if (!depth || (--depth == 0 && i + 1 != n))
				return false;
		} else if (ch == ',' && depth == 1) {
			return false; /* a second member: another action may follow the first */
		}
	}
	return n && s[0] == '{' && depth == 0;
}

static bool wanted(enum line_kind k, unsigned want)
{
	switch (k) {
	case L_ADD:
	case L_REMOVE: return want & WANT_FILES;
	case L_COMMIT_INFO: return want & WANT_COMMIT_INFO;
	case L_PROTOCOL:
	case L_METADATA: return want & WANT_PM;
	case L_TXN:
	case L_DOMAIN: return want & WANT_TXNS;
	case L_CDC: return false;
	case L_OTHER: return true;
	}
	return true;
}

struct ctx {
	const char *root, *name;
	int line;
	unsigned want;
	struct commit_actions *out;
	struct dq_error *err;
	struct dq_buf tmp;
	struct dq_buf stats;     /* unescaped stats of the fast path */
};

static int bad(struct ctx *c, const char *what, const char *field, const char *problem)
{
	return dq_fail(c->err, DQ_ECORRUPT, "cannot read '%s' line %d: %s.%s %s", c->name, c->line,
		       what, field, problem);
}

/* Optional integer field: *v untouched when absent or null. */
static int get_int(struct ctx *c, const json_t *o, const char *what, const char *field,
		   bool required, int64_t *v)
{
	json_t *x = json_object_get(o, field);
	if (!x || json_is_null(x)) {
		if (required)
			return bad(c, what, field, x ? "is null" : "is missing");
		return DQ_OK;
	}
	if (!json_is_integer(x))
		return bad(c, what, field, "is not an integer");
	*v = json_integer_value(x);
	return DQ_OK;
}

int action_dv_id(const json_t *dv, struct dq_buf *buf)
{
	json_t *st = json_object_get(dv, "storageType");
	json_t *p = json_object_get(dv, "pathOrInlineDv");
	json_t *off = json_object_get(dv, "offset");
	if (!json_is_string(st) || !json_is_string(p) || json_string_length(st) != 1)
		return -1;
	if (off && !json_is_null(off) && (!json_is_integer(off) || json_integer_value(off) < 0))
		return -1;
	/* A serialized DV of 0 bytes or fewer is none at all. */
	json_t *size = json_object_get(dv, "sizeInBytes");
	if (size && !json_is_null(size) && (!json_is_integer(size) || json_integer_value(size) < 1))
		return -1;
	if (dq_buf_append(buf, json_string_value(st), 1) ||
	    dq_buf_append(buf, json_string_value(p), json_string_length(p)))
		return -2;
	if (off && json_is_integer(off)) {
		char n[32];
		snprintf(n, sizeof(n), "@%" PRId64, (int64_t)json_integer_value(off));
		if (dq_buf_puts(buf, n))
			return -2;
	}
	return 0;
}

static struct file_action *new_file(struct ctx *c)
{
	struct commit_actions *o = c->out;
	if (o->nfiles == o->cap) {
		size_t cap = o->cap ? o->cap * 2 : 16;
		struct file_action *f = dq_realloc_array(o->files, cap, sizeof(*f));
		if (!f)
			return NULL;
		o->files = f;
		o->cap = cap;
	}
	struct file_action *f = &o->files[o->nfiles++];
	memset(f, 0, sizeof(*f));
	f->size = -1;
	f->num_records = -1;
	f->dv_cardinality = -1;
	f->dv_size = -1;
	f->line = c->line;
	return f;
}

/* The fields of an add or remove, however they were extracted. */
struct raw_file {
	bool add;
	const char *path;
	size_t path_len;
	bool has_size, has_mtime;
	int64_t size, mtime;
	const char *pv;          /* compact partitionValues JSON, NULL for none or {} */
	size_t pv_len;
	const char *stats;       /* unescaped stats text, NULL when absent or null */
	size_t stats_len;
	const json_t *dv;        /* deletionVector object or NULL (jansson path only) */
	int64_t deletion_timestamp; /* remove.deletionTimestamp, with WANT_TOMBSTONES */
};

static int file_record(struct ctx *c, const struct raw_file *r)
{
	const char *what = r->add ? "add" : "remove";
	struct file_action *f = new_file(c);
	if (!f)
		return dq_fail(c->err, DQ_ENOMEM, "out of memory reading '%s'", c->name);
	f->add = r->add;
	if (r->has_size)
		f->size = r->size;
	if (r->has_mtime)
		f->modification_time = r->mtime;
	f->deletion_timestamp = r->deletion_timestamp;
	c->tmp.len = 0;
	if (r->dv) {
		int rc = action_dv_id(r->dv, &c->tmp);
		if (rc == -1)
			return bad(c, what, "deletionVector", "is malformed");
		if (rc == -2)
			return dq_fail(c->err, DQ_ENOMEM, "out of memory reading '%s'", c->name);
		json_t *card = json_object_get(r->dv, "cardinality");
		if (!json_is_integer(card) || json_integer_value(card) < 0)
			return bad(c, what, "deletionVector.cardinality", "is not a non-negative integer");
		f->dv_cardinality = json_integer_value(card);
		json_t *size = json_object_get(r->dv, "sizeInBytes"); /* action_dv_id checked it */
		if (json_is_integer(size))
			f->dv_size = json_integer_value(size);
	}
	char *q;
	if (!r->path_len) /* it would name the table's own folder */
		return bad(c, what, "path", "is empty");
	if (!uri_qualify(c->root, r->path, r->path_len, &q))
		return bad(c, what, "path", "is not a valid URI (bad percent escape)");
	f->path_off = c->tmp.len + 1;
	int e = dq_buf_append(&c->tmp, "\n", 1) || dq_buf_puts(&c->tmp, q);
	free(q);
	if (e)
		return dq_fail(c->err, DQ_ENOMEM, "out of memory reading '%s'", c->name);
	f->key = dq_arena_strndup(&c->out->arena, c->tmp.data, c->tmp.len);
	if (!f->key)
		return dq_fail(c->err, DQ_ENOMEM, "out of memory reading '%s'", c->name);
	if (!r->add)
		return DQ_OK;
	if (r->pv && !(f->partition_values = dq_arena_strndup(&c->out->arena, r->pv, r->pv_len)))
		return dq_fail(c->err, DQ_ENOMEM, "out of memory reading '%s'", c->name);
	if (r->stats) {
		int64_t nr;
		/* Stats that do not parse leave the count unknown; `check` reports them. */
		if (stats_num_records(r->stats, r->stats_len, &nr) == 1)
			f->num_records = nr;
		if ((c->want & WANT_STATS) &&
		    !(f->stats = dq_arena_strndup(&c->out->arena, r->stats, r->stats_len)))
			return dq_fail(c->err, DQ_ENOMEM, "out of memory reading '%s'", c->name);
	}
	return DQ_OK;
}

/* add/remove through jansson: every type is checked, errors name the field. */
static int file_action(struct ctx *c, json_t *a, bool add)
{
	const char *what = add ? "add" : "remove";
	if (!json_is_object(a))
		return dq_fail(c->err, DQ_ECORRUPT, "cannot read '%s' line %d: %s is not an object",
			       c->name, c->line, what);
	json_t *path = json_object_get(a, "path");
	if (!path)
		return bad(c, what, "path", "is missing");
	if (!json_is_string(path))
		return bad(c, what, "path", "is not a string");
	struct raw_file r = { .add = add, .path = json_string_value(path),
			      .path_len = json_string_length(path) };
	int rc;
	r.size = -1;
	if ((rc = get_int(c, a, what, "size", add, &r.size)))
		return rc;
	r.has_size = r.size != -1 || json_is_integer(json_object_get(a, "size"));
	if (add && r.size < 0)
		return bad(c, what, "size", "is negative");
	r.mtime = INT64_MIN;
	if ((rc = get_int(c, a, what, "modificationTime", false, &r.mtime)))
		return rc;
	r.has_mtime = r.mtime != INT64_MIN;
	/* Spark reads a missing deletionTimestamp as 0: the tombstone has expired. */
	if (!add && (c->want & WANT_TOMBSTONES) &&
	    (rc = get_int(c, a, what, "deletionTimestamp", false, &r.deletion_timestamp)))
		return rc;
	json_t *dv = json_object_get(a, "deletionVector");
	if (dv && !json_is_null(dv)) {
		if (!json_is_object(dv))
			return bad(c, what, "deletionVector", "is malformed");
		r.dv = dv;
	}
	char *pvtext = NULL;
	if (add) {
		json_t *pv = json_object_get(a, "partitionValues");
		if (pv && !json_is_null(pv)) {
			if (!json_is_object(pv))
				return bad(c, what, "partitionValues", "is not an object");
			const char *k;
			json_t *v;
			json_object_foreach(pv, k, v) {
				if (!json_is_string(v) && !json_is_null(v))
					return dq_fail(c->err, DQ_ECORRUPT,
						       "cannot read '%s' line %d: add.partitionValues.%s is not a string or null",
						       c->name, c->line, k);
			}
			if (json_object_size(pv)) {
				pvtext = json_dumps(pv, JSON_COMPACT | JSON_PRESERVE_ORDER);
				if (!pvtext)
					return dq_fail(c->err, DQ_ENOMEM, "out of memory reading '%s'", c->name);
				r.pv = pvtext;
				r.pv_len = strlen(pvtext);
			}
		}
		json_t *stats = json_object_get(a, "stats");
		if (stats && !json_is_null(stats)) {
			if (!json_is_string(stats)) {
				free(pvtext);
				return bad(c, what, "stats", "is not a string");
			}
			r.stats = json_string_value(stats);
			r.stats_len = json_string_length(stats);
		}
	}
	rc = file_record(c, &r);
	free(pvtext);
	return rc;
}

/* add/remove without a tree (fast_action.c); 0 = not handled, use jansson. */
static int file_fast(struct ctx *c, const char *p, size_t n, int *rc)
{
	struct fast_file ff;
	if (!fast_file_action(p, n, &ff))
		return 0;
	struct raw_file r = { .add = ff.add, .path = ff.path, .path_len = ff.path_len,
			      .has_size = ff.has_size, .size = ff.size, .has_mtime = ff.has_mtime,
			      .mtime = ff.modification_time };
	if (ff.add) {
		r.pv = ff.pv;
		r.pv_len = ff.pv_len;
		if (ff.stats) {
			c->stats.len = 0;
			if (dq_buf_reserve(&c->stats, ff.stats_len)) {
				*rc = dq_fail(c->err, DQ_ENOMEM, "out of memory reading '%s'", c->name);
				return 1;
			}
			ssize_t len = fast_unescape(ff.stats, ff.stats_len, c->stats.data);
			if (len < 0)
				return 0;
			r.stats = c->stats.data;
			r.stats_len = (size_t)len;
		}
	}
	*rc = file_record(c, &r);
	return 1;
}

static int keep_in(json_t **arr, json_t *a)
{
	if (!*arr && !(*arr = json_array()))
		return -1;
	return json_array_append(*arr, a);
}

static int parse_line(struct ctx *c, const char *p, size_t n)
{
	json_error_t je;
	json_t *o = json_loadb(p, n, 0, &je);
	if (!o)
		return dq_fail(c->err, DQ_ECORRUPT, "cannot read '%s' line %d: %s", c->name, c->line,
			       je.text);
	if (!json_is_object(o)) {
		json_decref(o);
		return dq_fail(c->err, DQ_ECORRUPT, "cannot read '%s' line %d: not a JSON object",
			       c->name, c->line);
	}
	int rc = DQ_OK;
	const char *k;
	json_t *v;
	struct commit_actions *out = c->out;
	json_object_foreach(o, k, v) {
		if (rc)
			break;
		if (!strcmp(k, "add") || !strcmp(k, "remove")) {
			if (c->want & WANT_FILES)
				rc = file_action(c, v, k[0] == 'a');
			continue;
		}
		json_t **slot = NULL;
		const char *what = NULL;
		if (!strcmp(k, "protocol") && (c->want & WANT_PM))
			slot = &out->protocol, what = "protocol";
		else if (!strcmp(k, "metaData") && (c->want & WANT_PM))
			slot = &out->metadata, what = "metaData";
		else if (!strcmp(k, "commitInfo") && (c->want & WANT_COMMIT_INFO))
			slot = &out->commit_info, what = "commitInfo";
		if (slot) {
			if (!json_is_object(v)) {
				rc = dq_fail(c->err, DQ_ECORRUPT, "cannot read '%s' line %d: %s is not an object",
					     c->name, c->line, what);
				break;
			}
			if (*slot && slot != &out->commit_info) {
				rc = dq_fail(c->err, DQ_ECORRUPT,
					     "cannot read '%s' line %d: a second %s action in one commit",
					     c->name, c->line, what);
				break;
			}
			if (!*slot)
				*slot = json_incref(v);
			continue;
		}
		if (!strcmp(k, "sidecar") && (c->want & WANT_SIDECARS)) {
			if (!json_is_object(v) || !json_is_string(json_object_get(v, "path"))) {
				rc = dq_fail(c->err, DQ_ECORRUPT, "cannot read '%s' line %d: sidecar.path is not a string",
					     c->name, c->line);
				break;
			}
			if (keep_in(&out->sidecars, v))
				rc = dq_fail(c->err, DQ_ENOMEM, "out of memory reading '%s'", c->name);
			continue;
		}
		if ((!strcmp(k, "txn") || !strcmp(k, "domainMetadata")) && (c->want & WANT_TXNS)) {
			bool txn = k[0] == 't';
			const char *id = txn ? "appId" : "domain";
			if (!json_is_object(v) || !json_is_string(json_object_get(v, id))) {
				rc = dq_fail(c->err, DQ_ECORRUPT, "cannot read '%s' line %d: %s.%s is not a string",
					     c->name, c->line, k, id);
				break;
			}
			if (keep_in(txn ? &out->txns : &out->domains, v))
				rc = dq_fail(c->err, DQ_ENOMEM, "out of memory reading '%s'", c->name);
		}
	}
	json_decref(o);
	return rc;
}

/*
 * A line not wanted.  With WANT_FILES it must be one bracketed object with one member, so
 * that no add or remove hides after or beside another action; with WANT_VALID also surely
 * valid JSON.  Any other line is parsed like a wanted one (jansson decides whether it is
 * JSON, and an action beside another is read).  With protocol and metaData only, it is
 * not looked at: a damaged line there does not change the answer.
 */
static int skip_line(struct ctx *c, const char *p, size_t n)
{
	if (!(c->want & (WANT_VALID | WANT_FILES)))
		return DQ_OK;
	if (one_object(p, n) && (!(c->want & WANT_VALID) || json_surely_valid(p, n, 0)))
		return DQ_OK;
	return parse_line(c, p, n);
}

int action_parse_commit(const char *root, const char *name, const char *data, size_t len,
			unsigned want, struct commit_actions *out, struct dq_error *err)
{
	struct ctx c = { .root = root, .name = name, .want = want, .out = out, .err = err };
	const char *p = data, *end = data + len;
	int rc = DQ_OK;
	while (p < end && !rc) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		c.line++;
		const char *q = e;
		while (q > p && (q[-1] == '\r' || q[-1] == ' ' || q[-1] == '\t'))
			q--;
		const char *s = p;
		while (s < q && (*s == ' ' || *s == '\t'))
			s++;
		if (s < q) {
			enum line_kind k = peek_kind(s, q);
			/* The fast path does not read remove.deletionTimestamp. */
			if ((k == L_ADD || (k == L_REMOVE && !(want & WANT_TOMBSTONES))) &&
			    (want & WANT_FILES) && file_fast(&c, s, (size_t)(q - s), &rc))
				;
			else if (wanted(k, want))
				rc = parse_line(&c, s, (size_t)(q - s));
			else
				rc = skip_line(&c, s, (size_t)(q - s));
		}
		p = nl ? nl + 1 : end;
	}
	dq_buf_release(&c.tmp);
	dq_buf_release(&c.stats);
	return rc;
}

void commit_actions_release(struct commit_actions *c)
{
	dq_arena_release(&c->arena);
	free(c->files);
	json_decref(c->protocol);
	json_decref(c->metadata);
	json_decref(c->commit_info);
	json_decref(c->txns);
	json_decref(c->domains);
	json_decref(c->sidecars);
	memset(c, 0, sizeof(*c));
}
