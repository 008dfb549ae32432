/*
 * schema_fmt.c - the three renderings of a table schema behind `deltaq schema` (see
 * schema_fmt.h for the output formats and the malformed-input policy).  Every JSON node goes
 * through resolve(), which turns a type (protocol 5.1/5.2: a type string, or a struct, array
 * or map object) into a struct dtype with its parts checked, so the three walkers below never
 * trust a JSON type they have not tested.
 */
#include <stdlib.h>
#include <string.h>

#include "schema_fmt.h"

#define KEY_PHYSICAL   "delta.columnMapping.physicalName"
#define KEY_ID         "delta.columnMapping.id"
#define KEY_NESTED_IDS "delta.columnMapping.nested.ids"
#define KEY_CHARVAR    "__CHAR_VARCHAR_TYPE_STRING"

/* Largest string any rendering builds; the input is bounded anyway, this bounds a bug. */
#define SB_MAX ((size_t)1 << 30)

/* Growable NUL-terminated string; the first failure sticks in `oom`. */
struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom || n == 0)
		return;
	if (n >= SB_MAX - b->len) {
		b->oom = 1;
		return;
	}
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_truncate(struct sbuf *b, size_t len)
{
	if (b->p && len <= b->len) {
		b->len = len;
		b->p[len] = '\0';
	}
}

/* Returns the string (new; "" for an empty buffer) or NULL after a failure. */
static char *sb_finish(struct sbuf *b)
{
	if (!b->oom && !b->p)
		b->p = calloc(1, 1);
	if (b->oom) {
		free(b->p);
		b->p = NULL;
	}
	return b->p;
}

/* s[0..n) equals the literal exactly (JSON strings may hold NUL, so no strcmp). */
static int eq(const char *s, size_t n, const char *lit)
{
	return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Case-insensitive prefix match of a lower-case literal at s[*i]; advances *i on success. */
static int take_word(const char *s, size_t n, size_t *i, const char *lit)
{
	size_t k = strlen(lit);
	if (n - *i < k)
		return 0;
	for (size_t j = 0; j < k; j++)
		if (lower(s[*i + j]) != lit[j])
			return 0;
	*i += k;
	return 1;
}

static void skip_spaces(const char *s, size_t n, size_t *i)
{
	while (*i < n && (s[*i] == ' ' || s[*i] == '\t'))
		(*i)++;
}

/* Reads 1..20 digits at s[*i] into *at / *len. */
static int take_number(const char *s, size_t n, size_t *i, const char **at, int *len)
{
	size_t j = *i;
	while (j < n && is_digit(s[j]))
		j++;
	if (j == *i || j - *i > 20)
		return 0;
	*at = s + *i;
	*len = (int)(j - *i);
	*i = j;
	return 1;
}

/*
 * "decimal(10, 2)" (any case, spaces or tabs around the numbers) -> "decimal(10,2)" in out.
 * Returns 0 when s is not a decimal with precision and scale; it is then printed as given.
 */
static int decimal_norm(const char *s, size_t n, char out[64])
{
	const char *p, *q;
	int plen, qlen;
	size_t i = 0;

	if (!take_word(s, n, &i, "decimal"))
		return 0;
	skip_spaces(s, n, &i);
	if (i == n || s[i++] != '(')
		return 0;
	skip_spaces(s, n, &i);
	if (!take_number(s, n, &i, &p, &plen))
		return 0;
	skip_spaces(s, n, &i);
	if (i == n || s[i++] != ',')
		return 0;
	skip_spaces(s, n, &i);
	if (!take_number(s, n, &i, &q, &qlen))
		return 0;
	skip_spaces(s, n, &i);
	if (i == n || s[i++] != ')' || i != n)
		return 0;
	snprintf(out, 64, "decimal(%.*s,%.*s)", plen, p, qlen, q);
	return 1;
}

/* "char(n)" / "varchar(n)" (any case) -> "CHAR(n)" / "VARCHAR(n)" in out, else 0. */
static int charvar_norm(const char *s, size_t n, char out[64])
{
	const char *p;
	int plen;
	size_t i = 0;
	const char *kw = take_word(s, n, &i, "varchar") ? "VARCHAR" :
			 take_word(s, n, &i, "char") ? "CHAR" : NULL;

	if (!kw)
		return 0;
	skip_spaces(s, n, &i);
	if (i == n || s[i++] != '(')
		return 0;
	skip_spaces(s, n, &i);
	if (!take_number(s, n, &i, &p, &plen))
		return 0;
	skip_spaces(s, n, &i);
	if (i == n || s[i++] != ')' || i != n)
		return 0;
	snprintf(out, 64, "%s(%.*s)", kw, plen, p);
	return 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Types */

enum kind { K_BAD, K_PRIM, K_STRUCT, K_ARRAY, K_MAP };

struct dtype {
	enum kind kind;
	const char *name;          /* K_PRIM: the type string, `len` bytes, may hold NUL */
	size_t len;
	const json_t *fields;      /* K_STRUCT: an array (its entries still unchecked) */
	const json_t *elem;        /* K_ARRAY */
	const json_t *key, *value; /* K_MAP */
	int nulls;                 /* containsNull / valueContainsNull: 1, 0, -1 not a boolean */
};

/* 1 or 0 for a JSON boolean, 1 when absent, -1 when present but not a boolean (or obj is
 * not an object at all). */
static int get_bool(const json_t *obj, const char *key)
{
	if (!json_is_object(obj))
		return -1;
	const json_t *v = json_object_get(obj, key);
	if (!v)
		return 1;
	return json_is_boolean(v) ? json_is_true(v) : -1;
}

static void resolve(const json_t *t, int depth, struct dtype *d)
{
	const char *s;
	size_t n;

	memset(d, 0, sizeof(*d));
	d->kind = K_BAD;
	if (depth > SCHEMA_MAX_DEPTH)
		return;
	if (json_is_string(t)) {
		s = json_string_value(t);
		n = json_string_length(t);
		/* a bare "struct", "array" or "map" lacks the parts that make it one */
		if (n == 0 || eq(s, n, "struct") || eq(s, n, "array") || eq(s, n, "map"))
			return;
		d->kind = K_PRIM;
		d->name = s;
		d->len = n;
		return;
	}
	const json_t *tt = json_object_get(t, "type"); /* NULL unless t is an object */
	if (!json_is_string(tt))
		return;
	s = json_string_value(tt);
	n = json_string_length(tt);
	if (eq(s, n, "struct")) {
		d->fields = json_object_get(t, "fields");
		if (json_is_array(d->fields))
			d->kind = K_STRUCT;
	} else if (eq(s, n, "array")) {
		d->elem = json_object_get(t, "elementType");
		d->nulls = get_bool(t, "containsNull");
		if (d->elem)
			d->kind = K_ARRAY;
	} else if (eq(s, n, "map")) {
		d->key = json_object_get(t, "keyType");
		d->value = json_object_get(t, "valueType");
		d->nulls = get_bool(t, "valueContainsNull");
		if (d->key && d->value)
			d->kind = K_MAP;
	} else if (n > 0) {
		/* object form of a primitive: {"type":"variant"} (PROTOCOL.md's variant example) */
		d->kind = K_PRIM;
		d->name = s;
		d->len = n;
	}
}

/*
 * Ids of the element/key/value parts of one field's type (protocol 5.3, IcebergCompatV2):
 * the field's delta.columnMapping.nested.ids object, keyed by its physical name (its name
 * without column mapping) followed by ".element", ".key", ".value" per level.
 */
struct nest {
	const json_t *ids; /* NULL: nothing to look up */
	struct sbuf path;
};

static void nest_init(struct nest *nx, const json_t *field, const json_t *meta)
{
	const json_t *base = json_object_get(meta, KEY_PHYSICAL);

	memset(nx, 0, sizeof(*nx));
	if (!json_is_string(base))
		base = json_object_get(field, "name");
	nx->ids = json_object_get(meta, KEY_NESTED_IDS);
	if (!json_is_object(nx->ids) || !json_object_size(nx->ids) || !json_is_string(base)) {
		nx->ids = NULL;
		return;
	}
	sb_add(&nx->path, json_string_value(base), json_string_length(base));
}

static void nest_release(struct nest *nx)
{
	free(nx->path.p);
}

/* Appends ".element" etc. to the path (remembering the old length in *mark) and returns the
 * id entry for it, or NULL. */
static const json_t *nest_enter(struct nest *nx, const char *part, size_t *mark)
{
	*mark = nx ? nx->path.len : 0;
	if (!nx || !nx->ids)
		return NULL;
	sb_puts(&nx->path, part);
	if (nx->path.oom)
		return NULL;
	return json_object_get(nx->ids, nx->path.p); /* not _getn: that needs jansson 2.14 */
}

static void nest_leave(struct nest *nx, size_t mark)
{
	if (nx)
		sb_truncate(&nx->path, mark);
}

/* ------------------------------------------------------------------------------------------ */
/* Tree */

/* Writes untrusted text with control characters escaped the way Spark's escapeMetaCharacters
 * does, plus \xNN for the other C0 controls and DEL and \u00NN for C1 controls. */
static void put_text(FILE *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;

		switch (c) {
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\f': esc = "\\f"; break;
		case '\b': esc = "\\b"; break;
		case '\v': esc = "\\v"; break;
		case '\a': esc = "\\a"; break;
		}
		if (esc) {
			fputs(esc, out);
		} else if (c < 0x20 || c == 0x7f) {
			fprintf(out, "\\x%02x", (unsigned)c);
		} else if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
			   (unsigned char)s[i + 1] <= 0x9f) {
			fprintf(out, "\\u%04x", (unsigned)(unsigned char)s[++i]);
		} else {
			putc(c, out);
		}
	}
}

static void put_json_text(FILE *out, const json_t *s)
{
	if (json_is_string(s))
		put_text(out, json_string_value(s), json_string_length(s));
	else
		putc('?', out);
}

static void put_bool(FILE *out, int v)
{
	fputs(v < 0 ? "?" : v ? "true" : "false", out);
}

static void put_id(FILE *out, const json_t *id)
{
	if (json_is_integer(id))
		fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(id));
	else
		putc('?', out);
}

static void put_typename(FILE *out, const struct dtype *d)
{
	char dec[64];

	switch (d->kind) {
	case K_BAD: putc('?', out); break;
	case K_STRUCT: fputs("struct", out); break;
	case K_ARRAY: fputs("array", out); break;
	case K_MAP: fputs("map", out); break;
	case K_PRIM:
		if (decimal_norm(d->name, d->len, dec))
			fputs(dec, out);
		else
			put_text(out, d->name, d->len);
		break;
	}
}

/* " |" plus one "    |" per level, as Spark's prefixes grow. */
static void indent(FILE *out, int depth)
{
	fputs(" |", out);
	for (int i = 0; i < depth; i++)
		fputs("    |", out);
	fputs("-- ", out);
}

/* " [physical: X, id: N]" with the parts present; nothing without column mapping. */
static void put_mapping(FILE *out, const json_t *meta)
{
	const json_t *phys = json_object_get(meta, KEY_PHYSICAL);
	const json_t *id = json_object_get(meta, KEY_ID);

	if (!phys && !id)
		return;
	fputs(" [", out);
	if (phys) {
		fputs("physical: ", out);
		put_json_text(out, phys);
	}
	if (id) {
		fputs(phys ? ", id: " : "id: ", out);
		put_id(out, id);
	}
	putc(']', out);
}

static void put_nested_id(FILE *out, const json_t *id)
{
	if (id) {
		fputs(" [id: ", out);
		put_id(out, id);
		putc(']', out);
	}
}

static void tree_field(FILE *out, const json_t *f, int depth);

/* The lines under a type whose own line is already written; they sit at `depth`. */
static void tree_children(FILE *out, const struct dtype *d, int depth, struct nest *nx)
{
	struct dtype c;
	size_t mark;
	const json_t *id;

	switch (d->kind) {
	case K_STRUCT:
		for (size_t i = 0; i < json_array_size(d->fields); i++)
			tree_field(out, json_array_get(d->fields, i), depth);
		break;
	case K_ARRAY:
		resolve(d->elem, depth, &c);
		indent(out, depth);
		fputs("element: ", out);
		put_typename(out, &c);
		fputs(" (containsNull = ", out);
		put_bool(out, d->nulls);
		putc(')', out);
		id = nest_enter(nx, ".element", &mark);
		put_nested_id(out, id);
		putc('\n', out);
		tree_children(out, &c, depth + 1, nx);
		nest_leave(nx, mark);
		break;
	case K_MAP:
		resolve(d->key, depth, &c);
		indent(out, depth);
		fputs("key: ", out);
		put_typename(out, &c);
		id = nest_enter(nx, ".key", &mark);
		put_nested_id(out, id);
		putc('\n', out);
		tree_children(out, &c, depth + 1, nx);
		nest_leave(nx, mark);

		resolve(d->value, depth, &c);
		indent(out, depth);
		fputs("value: ", out);
		put_typename(out, &c);
		fputs(" (valueContainsNull = ", out);
		put_bool(out, d->nulls);
		putc(')', out);
		id = nest_enter(nx, ".value", &mark);
		put_nested_id(out, id);
		putc('\n', out);
		tree_children(out, &c, depth + 1, nx);
		nest_leave(nx, mark);
		break;
	case K_BAD:
	case K_PRIM:
		break;
	}
}

static void tree_field(FILE *out, const json_t *f, int depth)
{
	const json_t *meta = json_object_get(f, "metadata");
	struct dtype d;
	struct nest nx;

	if (!json_is_object(meta))
		meta = NULL;
	resolve(json_object_get(f, "type"), depth, &d);
	indent(out, depth);
	put_json_text(out, json_object_get(f, "name"));
	fputs(": ", out);
	put_typename(out, &d);
	fputs(" (nullable = ", out);
	put_bool(out, get_bool(f, "nullable"));
	putc(')', out);
	put_mapping(out, meta);
	putc('\n', out);
	nest_init(&nx, f, meta);
	tree_children(out, &d, depth + 1, &nx);
	nest_release(&nx);
}

int schema_print_tree(FILE *out, const json_t *schema)
{
	struct dtype root;

	resolve(schema, 0, &root);
	if (root.kind != K_STRUCT)
		return -1;
	fputs("root\n", out);
	tree_children(out, &root, 0, NULL);
	return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* DDL */

static const struct {
	const char *delta, *sql;
} sql_types[] = {
	{ "binary", "BINARY" },       { "boolean", "BOOLEAN" },
	{ "byte", "TINYINT" },        { "date", "DATE" },
	{ "decimal", "DECIMAL" },     { "double", "DOUBLE" },
	{ "float", "FLOAT" },         { "integer", "INT" },
	{ "long", "BIGINT" },         { "short", "SMALLINT" },
	{ "string", "STRING" },       { "timestamp", "TIMESTAMP" },
	{ "timestamp_ntz", "TIMESTAMP_NTZ" },
	{ "variant", "VARIANT" },     { "void", "VOID" },
};

static int is_plain_ident(const char *s, size_t n)
{
	if (n == 0 || is_digit(s[0]))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!(c == '_' || is_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')))
			return 0;
	}
	return 1;
}

/* Appends s as an identifier, backquoted unless plain; backquotes inside are doubled. */
static void sb_quoted_name(struct sbuf *b, const char *s, size_t n, int plain)
{
	if (plain) {
		sb_add(b, s, n);
		return;
	}
	sb_add(b, "`", 1);
	for (const char *end = s + n, *bq; s < end; s = bq + 1) {
		bq = memchr(s, '`', (size_t)(end - s));
		if (!bq) {
			sb_add(b, s, (size_t)(end - s));
			break;
		}
		sb_add(b, s, (size_t)(bq - s) + 1);
		sb_add(b, "`", 1);
	}
	sb_add(b, "`", 1);
}

/* Appends s as the body of a '...' Spark string literal (backslash escapes, \uXXXX). */
static void sb_sql_string(struct sbuf *b, const char *s, size_t n)
{
	char hex[8];

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '\'': sb_puts(b, "\\'"); break;
		case '\\': sb_puts(b, "\\\\"); break;
		case '\n': sb_puts(b, "\\n"); break;
		case '\r': sb_puts(b, "\\r"); break;
		case '\t': sb_puts(b, "\\t"); break;
		default:
			if (c < 0x20 || c == 0x7f) {
				snprintf(hex, sizeof(hex), "\\u%04x", (unsigned)c);
				sb_puts(b, hex);
			} else {
				sb_add(b, (const char *)&c, 1);
			}
		}
	}
}

static int ddl_field(struct sbuf *b, const json_t *f, int depth, const char *sep);

static int ddl_type(struct sbuf *b, const json_t *t, int depth)
{
	struct dtype d;
	char dec[64];
	size_t i;

	resolve(t, depth, &d);
	switch (d.kind) {
	case K_BAD:
		return -1;
	case K_PRIM:
		if (memchr(d.name, '\0', d.len))
			return -1;
		if (decimal_norm(d.name, d.len, dec)) {
			memcpy(dec, "DECIMAL", 7);
			sb_puts(b, dec);
			return 0;
		}
		for (i = 0; i < sizeof(sql_types) / sizeof(sql_types[0]); i++) {
			if (eq(d.name, d.len, sql_types[i].delta)) {
				sb_puts(b, sql_types[i].sql);
				return 0;
			}
		}
		sb_add(b, d.name, d.len);
		return 0;
	case K_STRUCT:
		sb_puts(b, "STRUCT<");
		for (i = 0; i < json_array_size(d.fields); i++) {
			if (i)
				sb_puts(b, ", ");
			if (ddl_field(b, json_array_get(d.fields, i), depth + 1, ": "))
				return -1;
		}
		sb_puts(b, ">");
		return 0;
	case K_ARRAY:
		if (d.nulls < 0)
			return -1;
		sb_puts(b, "ARRAY<");
		if (ddl_type(b, d.elem, depth + 1))
			return -1;
		sb_puts(b, ">");
		return 0;
	case K_MAP:
		if (d.nulls < 0)
			return -1;
		sb_puts(b, "MAP<");
		if (ddl_type(b, d.key, depth + 1))
			return -1;
		sb_puts(b, ", ");
		if (ddl_type(b, d.value, depth + 1))
			return -1;
		sb_puts(b, ">");
		return 0;
	}
	return -1;
}

/* "name TYPE[ NOT NULL][ COMMENT '...']"; sep is " " at the top level, ": " in a STRUCT<>. */
static int ddl_field(struct sbuf *b, const json_t *f, int depth, const char *sep)
{
	const json_t *name = json_object_get(f, "name");
	const json_t *type = json_object_get(f, "type");
	const json_t *meta = json_object_get(f, "metadata");
	const json_t *comment, *cv;
	int nullable = get_bool(f, "nullable");
	char buf[64];

	if (!json_is_string(name) || nullable < 0 || (meta && !json_is_object(meta)))
		return -1;
	const char *s = json_string_value(name);
	size_t n = json_string_length(name);
	if (memchr(s, '\0', n))
		return -1;
	sb_quoted_name(b, s, n, is_plain_ident(s, n));
	sb_puts(b, sep);

	cv = json_object_get(meta, KEY_CHARVAR);
	if (json_is_string(type) && eq(json_string_value(type), json_string_length(type), "string") &&
	    json_is_string(cv) && charvar_norm(json_string_value(cv), json_string_length(cv), buf))
		sb_puts(b, buf);
	else if (ddl_type(b, type, depth))
		return -1;

	if (!nullable)
		sb_puts(b, " NOT NULL");
	comment = json_object_get(meta, "comment");
	if (comment) {
		if (!json_is_string(comment))
			return -1;
		sb_puts(b, " COMMENT '");
		sb_sql_string(b, json_string_value(comment), json_string_length(comment));
		sb_puts(b, "'");
	}
	return 0;
}

char *schema_ddl(const json_t *schema)
{
	struct dtype root;
	struct sbuf b = { 0 };

	resolve(schema, 0, &root);
	if (root.kind != K_STRUCT)
		return NULL;
	for (size_t i = 0; i < json_array_size(root.fields); i++) {
		if (i)
			sb_puts(&b, ", ");
		if (ddl_field(&b, json_array_get(root.fields, i), 0, " ")) {
			free(b.p);
			return NULL;
		}
	}
	return sb_finish(&b);
}

/* ------------------------------------------------------------------------------------------ */
/* Flatten */

struct flat {
	json_t *rows;
	struct sbuf path; /* dotted display path of the current entry */
	int failed;
};

/* A new JSON string copy of a string node, or JSON null for anything else. */
static json_t *string_or_null(const json_t *s)
{
	if (json_is_string(s))
		return json_stringn(json_string_value(s), json_string_length(s));
	return json_null();
}

static json_t *type_json(const struct dtype *d)
{
	char dec[64];

	switch (d->kind) {
	case K_STRUCT: return json_string("struct");
	case K_ARRAY: return json_string("array");
	case K_MAP: return json_string("map");
	case K_PRIM:
		if (decimal_norm(d->name, d->len, dec))
			return json_string(dec);
		return json_stringn(d->name, d->len);
	case K_BAD: break;
	}
	return json_null();
}

static void flat_row(struct flat *fl, const struct dtype *d, int nullable, const json_t *phys,
		     const json_t *id)
{
	json_t *row;

	if (fl->failed || fl->path.oom) {
		fl->failed = 1;
		return;
	}
	row = json_object();
	/* json_object_set_new and json_array_append_new take the value even when they fail */
	if (!row ||
	    json_object_set_new(row, "path", json_stringn(fl->path.p, fl->path.len)) ||
	    json_object_set_new(row, "type", type_json(d)) ||
	    json_object_set_new(row, "nullable", nullable < 0 ? json_null() : json_boolean(nullable)) ||
	    json_object_set_new(row, "physical_name", string_or_null(phys)) ||
	    json_object_set_new(row, "id", json_is_integer(id) ?
				json_integer(json_integer_value(id)) : json_null())) {
		json_decref(row);
		fl->failed = 1;
		return;
	}
	if (json_array_append_new(fl->rows, row))
		fl->failed = 1;
}

static void flat_field(struct flat *fl, const json_t *f, int depth);

static void flat_part(struct flat *fl, const json_t *t, int depth, const char *part,
		      int nullable, struct nest *nx);

static void flat_children(struct flat *fl, const struct dtype *d, int depth, struct nest *nx)
{
	switch (d->kind) {
	case K_STRUCT:
		for (size_t i = 0; i < json_array_size(d->fields); i++)
			flat_field(fl, json_array_get(d->fields, i), depth);
		break;
	case K_ARRAY:
		flat_part(fl, d->elem, depth, ".element", d->nulls, nx);
		break;
	case K_MAP:
		flat_part(fl, d->key, depth, ".key", 0, nx);
		flat_part(fl, d->value, depth, ".value", d->nulls, nx);
		break;
	case K_BAD:
	case K_PRIM:
		break;
	}
}

/* An array element or map key/value: a row for it, then its own children. */
static void flat_part(struct flat *fl, const json_t *t, int depth, const char *part,
		      int nullable, struct nest *nx)
{
	size_t len = fl->path.len, mark;
	struct dtype c;

	resolve(t, depth, &c);
	sb_puts(&fl->path, part);
	flat_row(fl, &c, nullable, NULL, nest_enter(nx, part, &mark));
	flat_children(fl, &c, depth + 1, nx);
	nest_leave(nx, mark);
	sb_truncate(&fl->path, len);
}

static void flat_field(struct flat *fl, const json_t *f, int depth)
{
	const json_t *meta = json_object_get(f, "metadata");
	const json_t *name = json_object_get(f, "name");
	size_t len = fl->path.len;
	struct dtype d;
	struct nest nx;

	if (!json_is_object(meta))
		meta = NULL;
	if (len)
		sb_puts(&fl->path, ".");
	if (json_is_string(name)) {
		const char *s = json_string_value(name);
		size_t n = json_string_length(name);
		sb_quoted_name(&fl->path, s, n, n > 0 && !memchr(s, '.', n) && !memchr(s, '`', n));
	} else {
		sb_puts(&fl->path, "?");
	}
	resolve(json_object_get(f, "type"), depth, &d);
	flat_row(fl, &d, get_bool(f, "nullable"), json_object_get(meta, KEY_PHYSICAL),
		 json_object_get(meta, KEY_ID));
	nest_init(&nx, f, meta);
	flat_children(fl, &d, depth + 1, &nx);
	if (nx.path.oom)
		fl->failed = 1;
	nest_release(&nx);
	sb_truncate(&fl->path, len);
}

json_t *schema_flatten(const json_t *schema)
{
	struct dtype root;
	struct flat fl = { 0 };

	resolve(schema, 0, &root);
	if (root.kind != K_STRUCT)
		return NULL;
	fl.rows = json_array();
	if (!fl.rows)
		return NULL;
	for (size_t i = 0; i < json_array_size(root.fields); i++)
		flat_field(&fl, json_array_get(root.fields, i), 0);
	free(fl.path.p);
	if (fl.failed) {
		json_decref(fl.rows);
		return NULL;
	}
	return fl.rows;
}
