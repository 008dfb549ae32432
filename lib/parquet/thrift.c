/*
 * thrift.c - the Thrift compact protocol as Parquet uses it: bare structs, no message
 * envelope (apache/thrift:doc/specs/thrift-compact-protocol.md; ../shared/research/
 * parquet.md section 1.2).  Every read is checked against the bytes left before it is
 * made, container sizes are checked against what their elements need at the least, and
 * nesting is capped at THRIFT_MAX_DEPTH, so hostile input costs at most a clean error.
 * Values a caller reads go through the same functions the skipper uses.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "thrift.h"

void thrift_init(struct thrift_reader *r, const uint8_t *buf, size_t len, const char *name,
		 const char *what, int64_t base, struct dq_error *err)
{
	r->buf = buf;
	r->len = len;
	r->pos = 0;
	r->base = base;
	r->name = name ? name : "";
	r->what = what ? what : "thrift data";
	r->depth = 0;
	r->err = err;
}

int thrift_fail(struct thrift_reader *r, size_t pos, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return dq_fail(r->err, DQ_ECORRUPT, "cannot read '%s': invalid %s at offset %lld: %s",
		       r->name, r->what, (long long)r->base + (long long)pos, msg);
}

static size_t left(const struct thrift_reader *r)
{
	return r->len - r->pos;
}

static int need(struct thrift_reader *r, size_t n, const char *what)
{
	if (left(r) < n)
		return thrift_fail(r, r->pos, "%s needs %zu bytes, %zu left", what, n, left(r));
	return 0;
}

/* Steps over n bytes of a value named what. */
static int advance(struct thrift_reader *r, size_t n, const char *what)
{
	int rc = need(r, n, what);

	if (!rc)
		r->pos += n;
	return rc;
}

/* ---- values ---------------------------------------------------------------------------- */

/* A varint of at most maxbytes bytes whose value fits in maxbits bits. */
static int varint(struct thrift_reader *r, int maxbytes, int maxbits, uint64_t *out)
{
	size_t start = r->pos;
	uint64_t v = 0;

	for (int i = 0; i < maxbytes; i++) {
		if (r->pos >= r->len)
			return thrift_fail(r, start, "varint runs past the end");
		uint8_t b = r->buf[r->pos++];
		uint64_t bits = b & 0x7f;
		int shift = 7 * i;
		/* the last byte may only hold what is left of maxbits */
		if (shift + 7 > maxbits && (bits >> (maxbits - shift)) != 0)
			return thrift_fail(r, start, "varint exceeds %d bits", maxbits);
		v |= bits << shift;
		if (!(b & 0x80)) {
			*out = v;
			return 0;
		}
	}
	return thrift_fail(r, start, "varint longer than %d bytes", maxbytes);
}

int thrift_varint64(struct thrift_reader *r, uint64_t *out)
{
	return varint(r, 10, 64, out);
}

int thrift_varint32(struct thrift_reader *r, uint32_t *out)
{
	uint64_t v;
	int rc = varint(r, 5, 32, &v);

	if (!rc)
		*out = (uint32_t)v;
	return rc;
}

static int64_t unzigzag(uint64_t u)
{
	/* (u >> 1) ^ -(u & 1) in unsigned arithmetic; the conversion is two's complement */
	uint64_t v = (u >> 1) ^ (~(u & 1) + 1);
	return v <= INT64_MAX ? (int64_t)v : -(int64_t)(~v) - 1;
}

int thrift_i64(struct thrift_reader *r, int64_t *out)
{
	uint64_t u;
	int rc = varint(r, 10, 64, &u);

	if (!rc)
		*out = unzigzag(u);
	return rc;
}

int thrift_i32(struct thrift_reader *r, int32_t *out)
{
	uint64_t u;
	int rc = varint(r, 5, 32, &u);

	if (!rc)
		*out = (int32_t)unzigzag(u);
	return rc;
}

int thrift_i16(struct thrift_reader *r, int16_t *out)
{
	size_t start = r->pos;
	uint64_t u;
	int rc = varint(r, 5, 32, &u);

	if (rc)
		return rc;
	int64_t v = unzigzag(u);
	if (v < INT16_MIN || v > INT16_MAX)
		return thrift_fail(r, start, "i16 value %lld out of range", (long long)v);
	*out = (int16_t)v;
	return 0;
}

int thrift_i8(struct thrift_reader *r, int8_t *out)
{
	int rc = need(r, 1, "i8");

	if (!rc)
		*out = (int8_t)r->buf[r->pos++];
	return rc;
}

int thrift_double(struct thrift_reader *r, double *out)
{
	uint64_t bits = 0;
	int rc = need(r, 8, "double");

	if (rc)
		return rc;
	for (int i = 7; i >= 0; i--)
		bits = bits << 8 | r->buf[r->pos + (size_t)i];
	memcpy(out, &bits, sizeof(*out));
	r->pos += 8;
	return 0;
}

int thrift_binary(struct thrift_reader *r, const uint8_t **p, uint32_t *len)
{
	size_t start = r->pos;
	uint32_t n;
	int rc = thrift_varint32(r, &n);

	if (rc)
		return rc;
	if (n > left(r))
		return thrift_fail(r, start, "binary of %u bytes, %zu left", n, left(r));
	*p = r->buf + r->pos;
	*len = n;
	r->pos += n;
	return 0;
}

int thrift_uuid(struct thrift_reader *r, uint8_t out[16])
{
	int rc = need(r, 16, "uuid");

	if (!rc) {
		memcpy(out, r->buf + r->pos, 16);
		r->pos += 16;
	}
	return rc;
}

int thrift_bool_elem(struct thrift_reader *r, bool *out)
{
	int rc = need(r, 1, "bool");

	if (rc)
		return rc;
	uint8_t b = r->buf[r->pos];
	if (b > 2)
		return thrift_fail(r, r->pos, "bool element %u is not 0, 1 or 2", b);
	*out = b == 1;
	r->pos++;
	return 0;
}

/* ---- structs --------------------------------------------------------------------------- */

static int enter(struct thrift_reader *r, size_t pos)
{
	if (r->depth >= THRIFT_MAX_DEPTH)
		return thrift_fail(r, pos, "nesting deeper than %d levels", THRIFT_MAX_DEPTH);
	r->depth++;
	return 0;
}

int thrift_struct_begin(struct thrift_reader *r, struct thrift_struct *s)
{
	s->last = 0;
	s->start = r->pos;
	return enter(r, r->pos);
}

void thrift_struct_end(struct thrift_reader *r)
{
	if (r->depth > 0)
		r->depth--;
}

int thrift_field_next(struct thrift_reader *r, struct thrift_struct *s, struct thrift_field *f)
{
	int rc = need(r, 1, "field header");

	if (rc)
		return rc;
	f->pos = r->pos;
	uint8_t b = r->buf[r->pos++];
	uint8_t type = b & 0x0f, delta = b >> 4;
	if (b == 0) {
		f->id = 0;
		f->type = THRIFT_STOP;
		return 0;
	}
	if (type == THRIFT_STOP || type > THRIFT_UUID)
		return thrift_fail(r, f->pos, "field header 0x%02x has no valid type", b);
	if (delta) {
		int id = s->last + delta;
		if (id > INT16_MAX)
			return thrift_fail(r, f->pos, "field id %d out of range", id);
		f->id = (int16_t)id;
	} else {
		if ((rc = thrift_i16(r, &f->id)))
			return rc;
	}
	f->type = type;
	s->last = f->id;
	/* a long-form header may name id 0 or a negative id; neither is ever a known field,
	 * and id 0 would read as the end of the struct: hand out a harmless -1 instead */
	if (f->id == 0)
		f->id = -1;
	return 0;
}

static bool type_matches(uint8_t want, uint8_t type)
{
	if (want == THRIFT_BOOL)
		return type == THRIFT_TRUE || type == THRIFT_FALSE;
	return want == type;
}

int thrift_next(struct thrift_reader *r, struct thrift_struct *s, const uint8_t *types,
		size_t ntypes, struct thrift_field *f)
{
	int rc;

	for (;;) {
		if ((rc = thrift_field_next(r, s, f)))
			return rc;
		if (f->id == 0)
			return 0;
		if (f->id > 0 && (size_t)f->id < ntypes && types[f->id] &&
		    type_matches(types[f->id], f->type))
			return 0;
		if ((rc = thrift_skip(r, f->type)))
			return rc;
	}
}

/* ---- containers ------------------------------------------------------------------------ */

/* The fewest bytes an element of this type takes. */
static size_t min_size(uint8_t type)
{
	switch (type) {
	case THRIFT_DOUBLE: return 8;
	case THRIFT_UUID: return 16;
	default: return 1;
	}
}

static bool valid_elem(uint8_t type)
{
	return type >= THRIFT_TRUE && type <= THRIFT_UUID;
}

int thrift_list_header(struct thrift_reader *r, uint8_t *elem, uint32_t *count)
{
	size_t start = r->pos;
	int rc = need(r, 1, "list header");

	if (rc)
		return rc;
	uint8_t b = r->buf[r->pos++];
	uint32_t n = b >> 4;
	*elem = b & 0x0f;
	if (n == 15 && (rc = thrift_varint32(r, &n)))
		return rc;
	if (n == 0)
		return *count = 0, 0;
	if (!valid_elem(*elem))
		return thrift_fail(r, start, "list element type %u is not valid", *elem);
	if (n > left(r) / min_size(*elem))
		return thrift_fail(r, start, "list of %u elements longer than the %zu bytes left", n,
				   left(r));
	*count = n;
	return 0;
}

int thrift_list_begin(struct thrift_reader *r, uint8_t want, uint32_t *count)
{
	uint8_t elem;
	int rc = thrift_list_header(r, &elem, count);

	if (rc || *count == 0 || type_matches(want, elem))
		return rc;
	for (uint32_t i = 0; i < *count; i++)
		if ((rc = thrift_skip_elem(r, elem)))
			return rc;
	*count = 0;
	return 0;
}

int thrift_map_header(struct thrift_reader *r, uint8_t *ktype, uint8_t *vtype,
		      uint32_t *count)
{
	size_t start = r->pos;
	uint32_t n;
	int rc = thrift_varint32(r, &n);

	if (rc)
		return rc;
	*ktype = *vtype = THRIFT_STOP;
	*count = n;
	if (n == 0)
		return 0;
	if ((rc = need(r, 1, "map types")))
		return rc;
	uint8_t b = r->buf[r->pos++];
	*ktype = b >> 4;
	*vtype = b & 0x0f;
	if (!valid_elem(*ktype) || !valid_elem(*vtype))
		return thrift_fail(r, start, "map types 0x%02x are not valid", b);
	if (n > left(r) / (min_size(*ktype) + min_size(*vtype)))
		return thrift_fail(r, start, "map of %u entries longer than the %zu bytes left", n,
				   left(r));
	return 0;
}

/* ---- skipping -------------------------------------------------------------------------- */

static int skip_value(struct thrift_reader *r, uint8_t type, bool elem);

static int skip_struct(struct thrift_reader *r)
{
	struct thrift_struct s;
	struct thrift_field f;
	int rc;

	if ((rc = thrift_struct_begin(r, &s)))
		return rc;
	for (;;) {
		if ((rc = thrift_field_next(r, &s, &f)))
			return rc;
		if (f.type == THRIFT_STOP)
			break;
		if ((rc = skip_value(r, f.type, false)))
			return rc;
	}
	thrift_struct_end(r);
	return 0;
}

static int skip_list(struct thrift_reader *r)
{
	size_t start = r->pos;
	uint8_t elem;
	uint32_t n;
	int rc;

	if ((rc = thrift_list_header(r, &elem, &n)) || (rc = enter(r, start)))
		return rc;
	for (uint32_t i = 0; i < n; i++)
		if ((rc = skip_value(r, elem, true)))
			return rc;
	r->depth--;
	return 0;
}

static int skip_map(struct thrift_reader *r)
{
	size_t start = r->pos;
	uint8_t kt, vt;
	uint32_t n;
	int rc;

	if ((rc = thrift_map_header(r, &kt, &vt, &n)) || (rc = enter(r, start)))
		return rc;
	for (uint32_t i = 0; i < n; i++)
		if ((rc = skip_value(r, kt, true)) || (rc = skip_value(r, vt, true)))
			return rc;
	r->depth--;
	return 0;
}

static int skip_value(struct thrift_reader *r, uint8_t type, bool elem)
{
	uint64_t u;
	const uint8_t *p;
	uint32_t n;
	bool b;

	switch (type) {
	case THRIFT_TRUE:
	case THRIFT_FALSE:
		return elem ? thrift_bool_elem(r, &b) : 0;
	case THRIFT_I8:
		return advance(r, 1, "i8");
	case THRIFT_I16:
	case THRIFT_I32:
		return varint(r, 5, 32, &u);
	case THRIFT_I64:
		return varint(r, 10, 64, &u);
	case THRIFT_DOUBLE:
		return advance(r, 8, "double");
	case THRIFT_BINARY:
		return thrift_binary(r, &p, &n);
	case THRIFT_UUID:
		return advance(r, 16, "uuid");
	case THRIFT_LIST:
	case THRIFT_SET:
		return skip_list(r);
	case THRIFT_MAP:
		return skip_map(r);
	case THRIFT_STRUCT:
		return skip_struct(r);
	}
	return thrift_fail(r, r->pos, "cannot skip a value of type %u", type);
}

int thrift_skip(struct thrift_reader *r, uint8_t type)
{
	return skip_value(r, type, false);
}

int thrift_skip_elem(struct thrift_reader *r, uint8_t type)
{
	return skip_value(r, type, true);
}
