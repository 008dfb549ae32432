/*
 * action.c - parses the NDJSON lines of a commit file (protocol.md 1.3 and 2) with jansson
 * into struct commit_actions.  Each line is one action; unknown actions and fields are
 * ignored, wrong types are errors naming the file and line.  Lines whose action the caller
 * does not want are recognised by their first key and skipped unparsed, so `log` never
 * builds a tree for an add and `schema` never for a commitInfo.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action.h"
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
			return bad(c, what, field, "is missing");
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
	if (off && !json_is_null(off) && !json_is_integer(off))
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
	f->line = c->line;
	return f;
}

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
	struct file_action *f = new_file(c);
	if (!f)
		return dq_fail(c->err, DQ_ENOMEM, "out of memory reading '%s'", c->name);
	f->add = add;
	int rc;
	if ((rc = get_int(c, a, what, "size", add, &f->size)))
		return rc;
	if (add && f->size < 0)
		return bad(c, what, "size", "is negative");
	if ((rc = get_int(c, a, what, "modificationTime", false, &f->modification_time)))
		return rc;

	char *q;
	if (!uri_qualify(c->root, json_string_value(path), json_string_length(path), &q))
		return bad(c, what, "path", "is not a valid URI (bad percent escape)");
	c->tmp.len = 0;
	size_t qlen = strlen(q);
	int e = dq_buf_append(&c->tmp, q, qlen) || dq_buf_append(&c->tmp, "\n", 1);
	free(q);
	if (e)
		return dq_fail(c->err, DQ_ENOMEM, "out of memory reading '%s'", c->name);
	json_t *dv = json_object_get(a, "deletionVector");
	if (dv && !json_is_null(dv)) {
		if (!json_is_object(dv) || (rc = action_dv_id(dv, &c->tmp)) == -1)
			return bad(c, what, "deletionVector", "is malformed");
		if (rc == -2)
			return dq_fail(c->err, DQ_ENOMEM, "out of memory reading '%s'", c->name);
		json_t *card = json_object_get(dv, "cardinality");
		if (!json_is_integer(card) || json_integer_value(card) < 0)
			return bad(c, what, "deletionVector.cardinality", "is not a non-negative integer");
		f->dv_cardinality = json_integer_value(card);
	}
	f->key = dq_arena_strndup(&c->out->arena, c->tmp.data, c->tmp.len);
	f->path_len = qlen;
	if (!f->key)
		return dq_fail(c->err, DQ_ENOMEM, "out of memory reading '%s'", c->name);
	if (!add)
		return DQ_OK;

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
			char *s = json_dumps(pv, JSON_COMPACT | JSON_PRESERVE_ORDER);
			if (!s)
				return dq_fail(c->err, DQ_ENOMEM, "out of memory reading '%s'", c->name);
			f->partition_values = dq_arena_strdup(&c->out->arena, s);
			free(s);
			if (!f->partition_values)
				return dq_fail(c->err, DQ_ENOMEM, "out of memory reading '%s'", c->name);
		}
	}
	json_t *stats = json_object_get(a, "stats");
	if (stats && !json_is_null(stats)) {
		if (!json_is_string(stats))
			return bad(c, what, "stats", "is not a string");
		int64_t nr;
		/* Stats that do not parse leave the count unknown; `check` reports them. */
		if (stats_num_records(json_string_value(stats), json_string_length(stats), &nr) == 1 &&
		    nr >= 0)
			f->num_records = nr;
		if (c->want & WANT_STATS) {
			f->stats = dq_arena_strndup(&c->out->arena, json_string_value(stats),
						    json_string_length(stats));
			if (!f->stats)
				return dq_fail(c->err, DQ_ENOMEM, "out of memory reading '%s'", c->name);
		}
	}
	return DQ_OK;
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
		if (s < q && wanted(peek_kind(s, q), want))
			rc = parse_line(&c, s, (size_t)(q - s));
		p = nl ? nl + 1 : end;
	}
	dq_buf_release(&c.tmp);
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
	memset(c, 0, sizeof(*c));
}
