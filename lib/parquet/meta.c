/*
 * meta.c - Parquet metadata: the FileMetaData of a footer and the PageHeader in front of
 * each page, decoded from the Thrift compact protocol straight into the structs of
 * parquet.h (apache/parquet-format:src/main/thrift/parquet.thrift; ../shared/research/
 * parquet.md sections 1.3 and 3.1).
 *
 * Only what the reader uses is kept; every other field is skipped by its wire type, and
 * a known field id carrying an unexpected wire type is skipped too.  Fields the reader
 * cannot do without must be present (schema, num_rows and row_groups of the file; a
 * schema element's name; a column's type, codec, counts, sizes and data page offset;
 * a page's type and sizes and the sub-header its type calls for); sizes, counts and
 * offsets must not be negative.  Statistics are advisory: a negative null or distinct
 * count reads as absent.
 *
 * The schema arrives flattened depth-first.  From num_children this file rebuilds the
 * tree (parents, first children, leaf numbering in column order, dotted paths) and the
 * levels of every node: max_def counts the OPTIONAL and REPEATED nodes from the root's
 * child down to the node itself, max_rep the REPEATED ones.  It then checks that every
 * row group has one column chunk per leaf, of the leaf's physical type.  Encryption and
 * external column data are only recorded here; the layers that read data refuse them.
 *
 * A parsed footer owns a copy of its bytes, so statistics can point into it, and an
 * arena holding everything else.
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parquet.h"
#include "thrift.h"

#define MAX_SCHEMA_DEPTH 64

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define BIT(id) (UINT32_C(1) << (id))

/*
 * A footer being parsed.  Element counts are checked against the bytes left, but a
 * one-byte empty struct can still become a struct of 160 bytes here; real footers expand
 * a few times at most, so whatever the parse allocates is capped at EXPANSION times the
 * footer's size (plus a little), and a hostile footer fails before it can ask for
 * gigabytes.
 */
#define EXPANSION 32
#define EXPANSION_SLACK ((size_t)1 << 20)

struct ctx {
	struct thrift_reader r;
	struct dq_arena *arena;
	size_t budget;          /* bytes the parse may still allocate */
	int code;               /* why take() last failed */
};

/* n bytes from the arena, zeroed; NULL with c->code and the error set when out of
 * budget or memory. */
static void *take(struct ctx *c, size_t n)
{
	void *p;

	if (n > c->budget) {
		c->code = dq_fail(c->r.err, DQ_ECORRUPT, "cannot read '%s': invalid footer: its "
				  "metadata expands past %d times its size", c->r.name,
				  EXPANSION);
		return NULL;
	}
	if (!(p = dq_arena_alloc(c->arena, n ? n : 1))) {
		c->code = dq_fail(c->r.err, DQ_ENOMEM, "cannot read '%s': out of memory",
				  c->r.name);
		return NULL;
	}
	c->budget -= n;
	return memset(p, 0, n ? n : 1);
}

static void *take_array(struct ctx *c, size_t n, size_t size)
{
	return take(c, n > SIZE_MAX / size ? SIZE_MAX : n * size);
}

static int take_failed(const struct ctx *c)
{
	return c->code;
}

static int read_string(struct ctx *c, const char **out)
{
	const uint8_t *p;
	uint32_t n;
	char *s;
	int rc = thrift_binary(&c->r, &p, &n);

	if (rc)
		return rc;
	if (!(s = take(c, (size_t)n + 1)))
		return take_failed(c);
	memcpy(s, p, n);
	s[n] = '\0';
	*out = s;
	return 0;
}

static int read_enum(struct thrift_reader *r, int *out)
{
	int32_t v;
	int rc = thrift_i32(r, &v);

	if (!rc)
		*out = v;
	return rc;
}

/* Fails when v is negative: "negative WHAT". */
static int nonneg(struct thrift_reader *r, const struct thrift_field *f, int64_t v,
		  const char *what)
{
	if (v < 0)
		return thrift_fail(r, f->pos, "negative %s %lld", what, (long long)v);
	return 0;
}

/* Fails when a required field of the struct that started at s->start is missing. */
static int require(struct thrift_reader *r, const struct thrift_struct *s, uint32_t seen,
		   uint32_t bits, const char *structname, const char *const *names)
{
	for (int id = 0; id < 32; id++)
		if ((bits & BIT(id)) && !(seen & BIT(id)))
			return thrift_fail(r, s->start, "%s without %s", structname, names[id]);
	return 0;
}

/* ---- statistics ------------------------------------------------------------------------ */

static int read_statistics(struct thrift_reader *r, struct parquet_statistics *st)
{
	static const uint8_t types[] = {
		[1] = THRIFT_BINARY, [2] = THRIFT_BINARY, [3] = THRIFT_I64, [4] = THRIFT_I64,
		[5] = THRIFT_BINARY, [6] = THRIFT_BINARY,
	};
	const uint8_t *val[7] = { 0 };
	uint32_t len[7] = { 0 };
	uint32_t seen = 0;
	struct thrift_struct s;
	struct thrift_field f;
	int64_t v;
	int rc;

	memset(st, 0, sizeof(*st));
	if ((rc = thrift_struct_begin(r, &s)))
		return rc;
	while (!(rc = thrift_next(r, &s, types, sizeof(types), &f)) && f.id) {
		seen |= BIT(f.id);
		switch (f.id) {
		case 3:
		case 4:
			if ((rc = thrift_i64(r, &v)))
				return rc;
			if (f.id == 3) {
				st->has_null_count = v >= 0;
				st->null_count = v >= 0 ? v : 0;
			} else {
				st->has_distinct_count = v >= 0;
				st->distinct_count = v >= 0 ? v : 0;
			}
			break;
		default:
			rc = thrift_binary(r, &val[f.id], &len[f.id]);
		}
		if (rc)
			return rc;
	}
	if (rc)
		return rc;
	thrift_struct_end(r);

	/* min_value/max_value when either is written, else the deprecated min/max */
	int max_id = 5, min_id = 6;
	if (!(seen & (BIT(5) | BIT(6)))) {
		max_id = 1;
		min_id = 2;
		st->legacy_minmax = (seen & (BIT(1) | BIT(2))) != 0;
	}
	st->has_max = (seen & BIT(max_id)) != 0;
	st->max = val[max_id];
	st->max_len = len[max_id];
	st->has_min = (seen & BIT(min_id)) != 0;
	st->min = val[min_id];
	st->min_len = len[min_id];
	return 0;
}

/* ---- schema ---------------------------------------------------------------------------- */

/* The TimeUnit union: 1 MILLIS, 2 MICROS, 3 NANOS (empty structs); 0 when unknown. */
static int read_time_unit(struct thrift_reader *r, int *unit)
{
	struct thrift_struct s;
	struct thrift_field f;
	int rc;

	*unit = 0;
	if ((rc = thrift_struct_begin(r, &s)))
		return rc;
	while (!(rc = thrift_field_next(r, &s, &f)) && f.id) {
		bool known = f.id >= PQ_MILLIS && f.id <= PQ_NANOS && f.type == THRIFT_STRUCT;
		*unit = known ? f.id : 0;
		if ((rc = thrift_skip(r, f.type)))
			return rc;
	}
	if (rc)
		return rc;
	thrift_struct_end(r);
	return 0;
}

/* DecimalType, TimeType/TimestampType or IntType; false in *ok when incomplete. */
static int read_logical_params(struct thrift_reader *r, int kind, struct parquet_logical *lt,
			       bool *ok)
{
	static const uint8_t dec_types[] = { [1] = THRIFT_I32, [2] = THRIFT_I32 };
	static const uint8_t time_types[] = { [1] = THRIFT_BOOL, [2] = THRIFT_STRUCT };
	static const uint8_t int_types[] = { [1] = THRIFT_I8, [2] = THRIFT_BOOL };
	const uint8_t *types = kind == PQ_LT_DECIMAL ? dec_types :
			       kind == PQ_LT_INTEGER ? int_types : time_types;
	uint32_t seen = 0;
	struct thrift_struct s;
	struct thrift_field f;
	int unit, rc;

	if ((rc = thrift_struct_begin(r, &s)))
		return rc;
	while (!(rc = thrift_next(r, &s, types, 3, &f)) && f.id) {
		seen |= BIT(f.id);
		if (kind == PQ_LT_DECIMAL) {
			rc = thrift_i32(r, f.id == 1 ? &lt->scale : &lt->precision);
		} else if (kind == PQ_LT_INTEGER) {
			if (f.id == 1)
				rc = thrift_i8(r, &lt->bit_width);
			else
				lt->is_signed = thrift_field_bool(&f);
		} else if (f.id == 1) {
			lt->utc = thrift_field_bool(&f);
		} else {
			rc = read_time_unit(r, &unit);
			lt->unit = (enum parquet_time_unit)unit;
			if (!unit)
				seen &= ~BIT(2);
		}
		if (rc)
			return rc;
	}
	if (rc)
		return rc;
	thrift_struct_end(r);
	*ok = (seen & (BIT(1) | BIT(2))) == (BIT(1) | BIT(2));
	return 0;
}

/* The LogicalType union; a member this reader cannot use reads as PQ_LT_OTHER. */
static int read_logical(struct thrift_reader *r, struct parquet_logical *lt)
{
	struct thrift_struct s;
	struct thrift_field f;
	int rc;

	memset(lt, 0, sizeof(*lt));
	if ((rc = thrift_struct_begin(r, &s)))
		return rc;
	while (!(rc = thrift_field_next(r, &s, &f)) && f.id) {
		bool ok = f.type == THRIFT_STRUCT && f.id >= PQ_LT_STRING &&
			  f.id <= PQ_LT_GEOGRAPHY && f.id != 9;
		memset(lt, 0, sizeof(*lt));
		if (ok && (f.id == PQ_LT_DECIMAL || f.id == PQ_LT_TIME ||
			   f.id == PQ_LT_TIMESTAMP || f.id == PQ_LT_INTEGER))
			rc = read_logical_params(r, f.id, lt, &ok);
		else
			rc = thrift_skip(r, f.type);
		if (rc)
			return rc;
		lt->kind = ok ? (enum parquet_logical_kind)f.id : PQ_LT_OTHER;
	}
	if (rc)
		return rc;
	thrift_struct_end(r);
	return 0;
}

static int read_schema_element(struct ctx *c, struct parquet_schema_element *e)
{
	static const uint8_t types[] = {
		[1] = THRIFT_I32, [2] = THRIFT_I32, [3] = THRIFT_I32, [4] = THRIFT_BINARY,
		[5] = THRIFT_I32, [6] = THRIFT_I32, [7] = THRIFT_I32, [8] = THRIFT_I32,
		[9] = THRIFT_I32, [10] = THRIFT_STRUCT,
	};
	static const char *const names[] = { [4] = "a name" };
	uint32_t seen = 0;
	struct thrift_reader *r = &c->r;
	struct thrift_struct s;
	struct thrift_field f;
	int32_t v;
	int rc;

	e->type = PQ_GROUP;
	e->repetition = -1;
	e->converted_type = PQ_CT_NONE;
	e->scale = e->precision = e->field_id = -1;
	e->parent = e->first_child = e->leaf = -1;
	if ((rc = thrift_struct_begin(r, &s)))
		return rc;
	while (!(rc = thrift_next(r, &s, types, sizeof(types), &f)) && f.id) {
		seen |= BIT(f.id);
		switch (f.id) {
		case 4: rc = read_string(c, &e->name); break;
		case 10: rc = read_logical(r, &e->logical); break;
		default:
			if ((rc = thrift_i32(r, &v)))
				return rc;
			switch (f.id) {
			case 1:
				if (v < PQ_BOOLEAN || v > PQ_FIXED_LEN_BYTE_ARRAY)
					return thrift_fail(r, f.pos, "unknown physical type %d",
							   (int)v);
				e->type = (enum parquet_type)v;
				break;
			case 2: e->type_length = v; break;
			case 3: e->repetition = v; break;
			case 5:
				rc = nonneg(r, &f, v, "num_children");
				e->num_children = v;
				break;
			case 6: e->converted_type = v; break;
			case 7: e->scale = v; break;
			case 8: e->precision = v; break;
			case 9: e->field_id = v; break;
			}
		}
		if (rc)
			return rc;
	}
	if (rc)
		return rc;
	thrift_struct_end(r);
	return require(r, &s, seen, BIT(4), "schema element", names); /* type_length absent: 0 */
}

/* ---- row groups ------------------------------------------------------------------------ */

static int read_column_meta(struct ctx *c, struct parquet_column_meta *cm)
{
	static const uint8_t types[] = {
		[1] = THRIFT_I32, [2] = THRIFT_LIST, [4] = THRIFT_I32, [5] = THRIFT_I64,
		[6] = THRIFT_I64, [7] = THRIFT_I64, [9] = THRIFT_I64, [10] = THRIFT_I64,
		[11] = THRIFT_I64, [12] = THRIFT_STRUCT,
	};
	static const char *const names[] = {
		[1] = "a type", [4] = "a codec", [5] = "num_values",
		[6] = "total_uncompressed_size", [7] = "total_compressed_size",
		[9] = "data_page_offset",
	};
	static const char *const what[] = {
		[5] = "num_values", [6] = "total_uncompressed_size",
		[7] = "total_compressed_size", [9] = "data_page_offset",
		[10] = "index_page_offset", [11] = "dictionary_page_offset",
	};
	uint32_t seen = 0, n;
	struct thrift_reader *r = &c->r;
	struct thrift_struct s;
	struct thrift_field f;
	int32_t *enc;
	int64_t v;
	int type, rc;

	cm->dictionary_page_offset = cm->index_page_offset = -1;
	if ((rc = thrift_struct_begin(r, &s)))
		return rc;
	while (!(rc = thrift_next(r, &s, types, sizeof(types), &f)) && f.id) {
		seen |= BIT(f.id);
		switch (f.id) {
		case 1:
			if (!(rc = read_enum(r, &type)))
				cm->type = (enum parquet_type)type;
			break;
		case 4: rc = read_enum(r, &cm->codec); break;
		case 2:
			if ((rc = thrift_list_begin(r, THRIFT_I32, &n)))
				return rc;
			if (!(enc = take_array(c, n, sizeof(*enc))))
				return take_failed(c);
			for (uint32_t i = 0; i < n && !rc; i++)
				rc = thrift_i32(r, &enc[i]);
			cm->encodings = enc;
			cm->nencodings = n;
			break;
		case 12: rc = read_statistics(r, &cm->stats); break;
		default:
			if ((rc = thrift_i64(r, &v)) || (rc = nonneg(r, &f, v, what[f.id])))
				return rc;
			switch (f.id) {
			case 5: cm->num_values = v; break;
			case 6: cm->total_uncompressed_size = v; break;
			case 7: cm->total_compressed_size = v; break;
			case 9: cm->data_page_offset = v; break;
			case 10: cm->index_page_offset = v; break;
			case 11: cm->dictionary_page_offset = v; break;
			}
		}
		if (rc)
			return rc;
	}
	if (rc)
		return rc;
	thrift_struct_end(r);
	return require(r, &s, seen, BIT(1) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(9),
		       "column metadata", names);
}

static int read_column_chunk(struct ctx *c, struct parquet_column_chunk *cc)
{
	static const uint8_t types[] = {
		[1] = THRIFT_BINARY, [2] = THRIFT_I64, [3] = THRIFT_STRUCT, [8] = THRIFT_STRUCT,
		[9] = THRIFT_BINARY,
	};
	struct thrift_reader *r = &c->r;
	struct thrift_struct s;
	struct thrift_field f;
	int rc;

	if ((rc = thrift_struct_begin(r, &s)))
		return rc;
	while (!(rc = thrift_next(r, &s, types, sizeof(types), &f)) && f.id) {
		switch (f.id) {
		case 1: rc = read_string(c, &cc->file_path); break;
		case 2: rc = thrift_i64(r, &cc->file_offset); break;
		case 3:
			memset(&cc->meta, 0, sizeof(cc->meta));
			rc = read_column_meta(c, &cc->meta);
			cc->has_meta = true;
			break;
		default: /* crypto_metadata, encrypted_column_metadata */
			cc->encrypted = true;
			rc = thrift_skip(r, f.type);
		}
		if (rc)
			return rc;
	}
	if (rc)
		return rc;
	thrift_struct_end(r);
	return 0;
}

static int read_row_group(struct ctx *c, struct parquet_row_group *rg)
{
	static const uint8_t types[] = {
		[1] = THRIFT_LIST, [2] = THRIFT_I64, [3] = THRIFT_I64, [5] = THRIFT_I64,
		[6] = THRIFT_I64,
	};
	static const char *const names[] = { [1] = "columns", [3] = "num_rows" };
	static const char *const what[] = {
		[2] = "total_byte_size", [3] = "num_rows", [6] = "total_compressed_size",
	};
	uint32_t seen = 0, n;
	struct thrift_reader *r = &c->r;
	struct thrift_struct s;
	struct thrift_field f;
	int64_t v;
	int rc;

	rg->file_offset = rg->total_compressed_size = -1;
	if ((rc = thrift_struct_begin(r, &s)))
		return rc;
	while (!(rc = thrift_next(r, &s, types, sizeof(types), &f)) && f.id) {
		seen |= BIT(f.id);
		if (f.id == 1) {
			if ((rc = thrift_list_begin(r, THRIFT_STRUCT, &n)))
				return rc;
			if (!(rg->columns = take_array(c, n, sizeof(*rg->columns))))
				return take_failed(c);
			rg->ncolumns = n;
			for (uint32_t i = 0; i < n; i++)
				if ((rc = read_column_chunk(c, &rg->columns[i])))
					return rc;
			continue;
		}
		if ((rc = thrift_i64(r, &v)))
			return rc;
		if (f.id != 5 && (rc = nonneg(r, &f, v, what[f.id])))
			return rc;
		switch (f.id) {
		case 2: rg->total_byte_size = v; break;
		case 3: rg->num_rows = v; break;
		case 5: rg->file_offset = v; break;
		case 6: rg->total_compressed_size = v; break;
		}
	}
	if (rc)
		return rc;
	thrift_struct_end(r);
	return require(r, &s, seen, BIT(1) | BIT(3), "row group", names);
}

static int read_kv(struct ctx *c, struct parquet_kv *kv)
{
	static const uint8_t types[] = { [1] = THRIFT_BINARY, [2] = THRIFT_BINARY };
	static const char *const names[] = { [1] = "a key" };
	uint32_t seen = 0;
	struct thrift_reader *r = &c->r;
	struct thrift_struct s;
	struct thrift_field f;
	int rc;

	if ((rc = thrift_struct_begin(r, &s)))
		return rc;
	while (!(rc = thrift_next(r, &s, types, sizeof(types), &f)) && f.id) {
		seen |= BIT(f.id);
		if ((rc = read_string(c, f.id == 1 ? &kv->key : &kv->value)))
			return rc;
	}
	if (rc)
		return rc;
	thrift_struct_end(r);
	return require(r, &s, seen, BIT(1), "key-value pair", names);
}

static int read_file_meta(struct ctx *c, struct parquet_meta *m)
{
	static const uint8_t types[] = {
		[1] = THRIFT_I32, [2] = THRIFT_LIST, [3] = THRIFT_I64, [4] = THRIFT_LIST,
		[5] = THRIFT_LIST, [6] = THRIFT_BINARY, [8] = THRIFT_STRUCT,
	};
	static const char *const names[] = {
		[2] = "a schema", [3] = "num_rows", [4] = "row_groups",
	};
	uint32_t seen = 0, n;
	struct thrift_reader *r = &c->r;
	struct thrift_struct s;
	struct thrift_field f;
	int rc;

	if ((rc = thrift_struct_begin(r, &s)))
		return rc;
	while (!(rc = thrift_next(r, &s, types, sizeof(types), &f)) && f.id) {
		seen |= BIT(f.id);
		switch (f.id) {
		case 1: rc = thrift_i32(r, &m->version); break;
		case 3:
			if ((rc = thrift_i64(r, &m->num_rows)))
				return rc;
			rc = nonneg(r, &f, m->num_rows, "num_rows");
			break;
		case 6: rc = read_string(c, &m->created_by); break;
		case 8: /* plaintext footer of an encrypted file */
			m->encryption_algorithm = true;
			rc = thrift_skip(r, f.type);
			break;
		case 2:
			if ((rc = thrift_list_begin(r, THRIFT_STRUCT, &n)))
				return rc;
			if (n > INT_MAX / 2)
				return thrift_fail(r, f.pos, "schema of %u elements", n);
			if (!(m->schema = take_array(c, n, sizeof(*m->schema))))
				return take_failed(c);
			m->nschema = n;
			for (uint32_t i = 0; i < n && !rc; i++)
				rc = read_schema_element(c, &m->schema[i]);
			break;
		case 4:
			if ((rc = thrift_list_begin(r, THRIFT_STRUCT, &n)))
				return rc;
			if (!(m->row_groups = take_array(c, n, sizeof(*m->row_groups))))
				return take_failed(c);
			m->nrow_groups = n;
			for (uint32_t i = 0; i < n && !rc; i++)
				rc = read_row_group(c, &m->row_groups[i]);
			break;
		case 5:
			if ((rc = thrift_list_begin(r, THRIFT_STRUCT, &n)))
				return rc;
			if (!(m->kv = take_array(c, n, sizeof(*m->kv))))
				return take_failed(c);
			m->nkv = n;
			for (uint32_t i = 0; i < n && !rc; i++)
				rc = read_kv(c, &m->kv[i]);
			break;
		}
		if (rc)
			return rc;
	}
	if (rc)
		return rc;
	thrift_struct_end(r);
	return require(r, &s, seen, BIT(2) | BIT(3) | BIT(4), "file metadata", names);
}

/* ---- the schema tree ------------------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static int bad(struct thrift_reader *r, int code, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return dq_fail(r->err, code, "cannot read '%s': invalid footer: %s", r->name, msg);
}

/* Checks element i (not the root) on its own and fills in what its parent gives it. */
static int place(struct ctx *c, struct parquet_meta *m, int i, int parent)
{
	struct thrift_reader *r = &c->r;
	struct parquet_schema_element *e = &m->schema[i], *p = &m->schema[parent];
	bool leaf = e->type != PQ_GROUP;

	if (leaf && e->num_children > 0)
		return bad(r, DQ_ECORRUPT, "schema element '%s' has a type and %d children",
			   e->name, (int)e->num_children);
	if (!leaf && e->num_children == 0)
		return bad(r, DQ_ECORRUPT, "schema element '%s' has neither a type nor children",
			   e->name);
	if (e->type == PQ_FIXED_LEN_BYTE_ARRAY && e->type_length <= 0)
		return bad(r, DQ_ECORRUPT, "FIXED_LEN_BYTE_ARRAY '%s' has type_length %d", e->name,
			   (int)e->type_length);
	if (e->repetition == -1 && leaf)
		return bad(r, DQ_ECORRUPT, "schema element '%s' has no repetition", e->name);
	if (e->repetition == -1)
		e->repetition = PQ_REQUIRED; /* a group without one, as some writers leave it */
	if (e->repetition == 3)
		return bad(r, DQ_ENOTIMPL, "schema element '%s' is a VECTOR", e->name);
	if (e->repetition < PQ_REQUIRED || e->repetition > PQ_REPEATED)
		return bad(r, DQ_ECORRUPT, "schema element '%s' has repetition %d", e->name,
			   e->repetition);

	e->parent = parent;
	if (p->first_child < 0)
		p->first_child = i;
	e->max_def = (int16_t)(p->max_def + (e->repetition != PQ_REQUIRED));
	e->max_rep = (int16_t)(p->max_rep + (e->repetition == PQ_REPEATED));
	if (leaf) {
		e->leaf = (int)m->nleaves;
		m->leaves[m->nleaves++] = i;
	}

	size_t plen = strlen(p->path), nlen = strlen(e->name);
	size_t len = plen + (plen ? 1 : 0) + nlen;
	char *path = take(c, len + 1); /* the budget caps deep schemas of long names */
	if (!path)
		return take_failed(c);
	memcpy(path, p->path, plen);
	if (plen)
		path[plen] = '.';
	memcpy(path + len - nlen, e->name, nlen + 1);
	e->path = path;
	return 0;
}

/* Rebuilds the tree from the depth-first list: see the file comment. */
static int build_tree(struct ctx *c, struct parquet_meta *m)
{
	struct thrift_reader *r = &c->r;
	struct {
		int node;
		int32_t left; /* children still to come */
	} stack[MAX_SCHEMA_DEPTH + 1];
	int depth = 0, next = 1, rc;
	struct parquet_schema_element *root;

	if (m->nschema == 0)
		return bad(r, DQ_ECORRUPT, "empty schema");
	root = &m->schema[0];
	if (root->type != PQ_GROUP)
		return bad(r, DQ_ECORRUPT, "schema root '%s' is not a group", root->name);
	root->repetition = -1; /* the root's is ignored (parquet.thrift) */
	root->path = "";
	if (!(m->leaves = take_array(c, m->nschema, sizeof(*m->leaves))))
		return take_failed(c);
	stack[0].node = 0;
	stack[0].left = root->num_children;
	while (depth >= 0) {
		if (stack[depth].left == 0) {
			depth--;
			continue;
		}
		stack[depth].left--;
		if ((size_t)next >= m->nschema)
			return bad(r, DQ_ECORRUPT, "schema ends inside '%s' (%d more children)",
				   m->schema[stack[depth].node].name, (int)stack[depth].left + 1);
		int i = next++;
		if ((rc = place(c, m, i, stack[depth].node)))
			return rc;
		if (m->schema[i].type == PQ_GROUP) {
			if (depth + 1 > MAX_SCHEMA_DEPTH)
				return bad(r, DQ_ECORRUPT, "schema nested deeper than %d levels",
					   MAX_SCHEMA_DEPTH);
			depth++;
			stack[depth].node = i;
			stack[depth].left = m->schema[i].num_children;
		}
	}
	if ((size_t)next != m->nschema)
		return bad(r, DQ_ECORRUPT, "%zu schema elements after the end of the root's children",
			   m->nschema - (size_t)next);
	return 0;
}

static int check_row_groups(struct thrift_reader *r, const struct parquet_meta *m)
{
	for (size_t g = 0; g < m->nrow_groups; g++) {
		const struct parquet_row_group *rg = &m->row_groups[g];

		if (rg->ncolumns != m->nleaves)
			return bad(r, DQ_ECORRUPT, "row group %zu has %zu columns for %zu leaves", g,
				   rg->ncolumns, m->nleaves);
		for (size_t c = 0; c < rg->ncolumns; c++) {
			const struct parquet_schema_element *e = &m->schema[m->leaves[c]];
			const struct parquet_column_chunk *cc = &rg->columns[c];
			if (cc->has_meta && cc->meta.type != e->type)
				return bad(r, DQ_ECORRUPT,
					   "column '%s' of row group %zu has type %d, the schema %d",
					   e->path, g, (int)cc->meta.type, (int)e->type);
		}
	}
	return 0;
}

int parquet_meta_parse(const uint8_t *buf, size_t len, const char *name, int64_t base,
		       struct parquet_meta *out, struct dq_error *err)
{
	struct ctx c;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!(out->footer = dq_malloc(len)))
		return dq_fail(err, DQ_ENOMEM, "cannot read '%s': out of memory", name);
	if (len)
		memcpy(out->footer, buf, len);
	thrift_init(&c.r, out->footer, len, name, "footer", base, err);
	c.arena = &out->arena;
	c.code = DQ_OK;
	c.budget = len < (SIZE_MAX - EXPANSION_SLACK) / EXPANSION ?
		   EXPANSION * len + EXPANSION_SLACK : SIZE_MAX;
	/* bytes after the struct are allowed: an encrypted file's plaintext footer is
	 * followed by its signature */
	if ((rc = read_file_meta(&c, out)) || (rc = build_tree(&c, out)) ||
	    (rc = check_row_groups(&c.r, out)))
		parquet_meta_release(out);
	return rc;
}

void parquet_meta_release(struct parquet_meta *m)
{
	if (!m)
		return;
	dq_arena_release(&m->arena);
	free(m->footer);
	memset(m, 0, sizeof(*m));
}

/* ---- page headers ---------------------------------------------------------------------- */

/* DataPageHeader (v1, with data_page_v2 false) or DataPageHeaderV2 into out. */
static int read_data_page_header(struct thrift_reader *r, bool v2, struct parquet_page_header *out)
{
	static const uint8_t v1_types[] = {
		[1] = THRIFT_I32, [2] = THRIFT_I32, [3] = THRIFT_I32, [4] = THRIFT_I32,
		[5] = THRIFT_STRUCT,
	};
	static const uint8_t v2_types[] = {
		[1] = THRIFT_I32, [2] = THRIFT_I32, [3] = THRIFT_I32, [4] = THRIFT_I32,
		[5] = THRIFT_I32, [6] = THRIFT_I32, [7] = THRIFT_BOOL, [8] = THRIFT_STRUCT,
	};
	static const char *const v1_names[] = {
		[1] = "num_values", [2] = "an encoding", [3] = "a definition level encoding",
		[4] = "a repetition level encoding",
	};
	static const char *const v2_names[] = {
		[1] = "num_values", [2] = "num_nulls", [3] = "num_rows", [4] = "an encoding",
		[5] = "definition_levels_byte_length", [6] = "repetition_levels_byte_length",
	};
	uint32_t seen = 0;
	struct thrift_struct s;
	struct thrift_field f;
	int32_t v;
	int rc;

	if ((rc = thrift_struct_begin(r, &s)))
		return rc;
	while (!(rc = thrift_next(r, &s, v2 ? v2_types : v1_types,
					 v2 ? sizeof(v2_types) : sizeof(v1_types), &f)) && f.id) {
		seen |= BIT(f.id);
		if ((v2 && f.id == 8) || (!v2 && f.id == 5)) {
			if ((rc = read_statistics(r, &out->stats)))
				return rc;
			continue;
		}
		if (v2 && f.id == 7) {
			out->is_compressed = thrift_field_bool(&f);
			continue;
		}
		if ((rc = thrift_i32(r, &v)))
			return rc;
		switch (v2 * 16 + f.id) {
		case 1:
		case 16 + 1: rc = nonneg(r, &f, v, "num_values"); out->num_values = v; break;
		case 2:
		case 16 + 4: out->encoding = v; break;
		case 3: out->def_encoding = v; break;
		case 4: out->rep_encoding = v; break;
		case 16 + 2: rc = nonneg(r, &f, v, "num_nulls"); out->num_nulls = v; break;
		case 16 + 3: rc = nonneg(r, &f, v, "num_rows"); out->num_rows = v; break;
		case 16 + 5:
			rc = nonneg(r, &f, v, "definition_levels_byte_length");
			out->def_levels_len = v;
			break;
		case 16 + 6:
			rc = nonneg(r, &f, v, "repetition_levels_byte_length");
			out->rep_levels_len = v;
			break;
		}
		if (rc)
			return rc;
	}
	if (rc)
		return rc;
	thrift_struct_end(r);
	if (v2) {
		if ((rc = require(r, &s, seen, 0x7e, "data page v2 header", v2_names)))
			return rc;
		if (out->num_nulls > out->num_values)
			return thrift_fail(r, s.start, "%d nulls among %d values",
					   (int)out->num_nulls, (int)out->num_values);
		return 0;
	}
	return require(r, &s, seen, 0x1e, "data page header", v1_names);
}

static int read_dict_page_header(struct thrift_reader *r, struct parquet_page_header *out)
{
	static const uint8_t types[] = { [1] = THRIFT_I32, [2] = THRIFT_I32 };
	static const char *const names[] = { [1] = "num_values", [2] = "an encoding" };
	uint32_t seen = 0;
	struct thrift_struct s;
	struct thrift_field f;
	int32_t v;
	int rc;

	if ((rc = thrift_struct_begin(r, &s)))
		return rc;
	while (!(rc = thrift_next(r, &s, types, sizeof(types), &f)) && f.id) {
		seen |= BIT(f.id);
		if ((rc = thrift_i32(r, &v)))
			return rc;
		if (f.id == 1) {
			if ((rc = nonneg(r, &f, v, "num_values")))
				return rc;
			out->dict_num_values = v;
		} else {
			out->dict_encoding = v;
		}
	}
	if (rc)
		return rc;
	thrift_struct_end(r);
	return require(r, &s, seen, BIT(1) | BIT(2), "dictionary page header", names);
}

int parquet_page_header_parse(const uint8_t *buf, size_t len, const char *name, int64_t base,
			      struct parquet_page_header *out, size_t *consumed,
			      struct dq_error *err)
{
	static const uint8_t types[] = {
		[1] = THRIFT_I32, [2] = THRIFT_I32, [3] = THRIFT_I32, [4] = THRIFT_I32,
		[5] = THRIFT_STRUCT, [7] = THRIFT_STRUCT, [8] = THRIFT_STRUCT,
	};
	static const char *const names[] = {
		[1] = "a type", [2] = "uncompressed_page_size", [3] = "compressed_page_size",
		[5] = "data_page_header", [7] = "dictionary_page_header",
		[8] = "data_page_header_v2",
	};
	/* the sub-header each page type needs; the others are skipped */
	static const int sub_for_type[] = {
		[PQ_DATA_PAGE] = 5, [PQ_DICTIONARY_PAGE] = 7, [PQ_DATA_PAGE_V2] = 8,
	};
	struct parquet_page_header sub[9];
	struct thrift_reader r;
	struct thrift_struct s;
	struct thrift_field f;
	uint32_t seen = 0;
	int32_t v;
	int rc;

	memset(out, 0, sizeof(*out));
	out->encoding = out->def_encoding = out->rep_encoding = out->dict_encoding = -1;
	out->is_compressed = true;
	thrift_init(&r, buf, len, name, "page header", base, err);
	if ((rc = thrift_struct_begin(&r, &s)))
		return rc;
	while (!(rc = thrift_next(&r, &s, types, sizeof(types), &f)) && f.id) {
		seen |= BIT(f.id);
		switch (f.id) {
		case 5:
		case 7:
		case 8:
			sub[f.id] = *out;
			rc = f.id == 7 ? read_dict_page_header(&r, &sub[f.id]) :
					 read_data_page_header(&r, f.id == 8, &sub[f.id]);
			break;
		default:
			if ((rc = thrift_i32(&r, &v)))
				return rc;
			switch (f.id) {
			case 1: out->type = v; break;
			case 2:
				rc = nonneg(&r, &f, v, "uncompressed_page_size");
				out->uncompressed_size = v;
				break;
			case 3:
				rc = nonneg(&r, &f, v, "compressed_page_size");
				out->compressed_size = v;
				break;
			case 4:
				out->has_crc = true;
				out->crc = (uint32_t)v;
				break;
			}
		}
		if (rc)
			return rc;
	}
	if (rc)
		return rc;
	thrift_struct_end(&r);
	if ((rc = require(&r, &s, seen, BIT(1) | BIT(2) | BIT(3), "page header", names)))
		return rc;

	int id = out->type >= 0 && out->type < (int)NELEM(sub_for_type) ?
		 sub_for_type[out->type] : 0;
	if (id) {
		if ((rc = require(&r, &s, seen, BIT(id), "page header", names)))
			return rc;
		/* take the sub-header's fields, keep the page's own */
		struct parquet_page_header page = *out;
		*out = sub[id];
		out->type = page.type;
		out->uncompressed_size = page.uncompressed_size;
		out->compressed_size = page.compressed_size;
		out->has_crc = page.has_crc;
		out->crc = page.crc;
		if (id == 8 && (int64_t)out->def_levels_len + out->rep_levels_len >
				       out->compressed_size)
			return thrift_fail(&r, s.start,
					   "levels of %d and %d bytes in a page of %d bytes",
					   (int)out->def_levels_len, (int)out->rep_levels_len,
					   (int)out->compressed_size);
	}
	*consumed = r.pos;
	return 0;
}
