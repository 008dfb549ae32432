/*
 * thrift.h - a bounds-checked reader of the Thrift compact protocol, the encoding of
 * Parquet's FileMetaData and page headers (apache/thrift:doc/specs/thrift-compact-protocol.md;
 * ../shared/research/parquet.md section 1.2).  Internal to lib/parquet.
 *
 * The reader decodes straight from a caller's buffer: binary values point into it and
 * nothing is allocated here.  Every function returns 0, or DQ_ECORRUPT with the error
 * filled in as "cannot read 'NAME': invalid WHAT at offset N: ...", N being the file
 * offset (base + position) of the byte at fault.  After an error the reader's position is
 * unspecified; give up on it.
 *
 * A struct is read field by field.  Each struct keeps its own previous field id (the
 * short form of a field header is a delta from it), so a decoder holds one
 * struct thrift_struct per struct being read, on its own stack frame:
 *
 *	struct thrift_struct s;
 *	struct thrift_field f;
 *	static const uint8_t types[] = { [1] = THRIFT_I32, [2] = THRIFT_BINARY };
 *
 *	if ((rc = thrift_struct_begin(r, &s)))
 *		return rc;
 *	while (!(rc = thrift_next(r, &s, types, sizeof(types), &f)) && f.id) {
 *		switch (f.id) { case 1: rc = thrift_i32(r, &x); break; ... }
 *		if (rc) return rc;
 *	}
 *	if (rc) return rc;
 *	thrift_struct_end(r);
 *
 * thrift_next hands out only the fields listed in the table with the wire type listed
 * there; it skips unknown ids and known ids of another wire type (a writer that reused an
 * id, parquet.md 1.2).  Nesting (structs, lists, sets, maps) is limited to
 * THRIFT_MAX_DEPTH levels.
 */
#ifndef DQ_THRIFT_H
#define DQ_THRIFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* Wire types: the low nibble of a field header, and the element types of containers. */
enum thrift_type {
	THRIFT_STOP = 0,
	THRIFT_TRUE = 1,        /* a bool field whose value is true; any bool element */
	THRIFT_FALSE = 2,       /* a bool field whose value is false; also bool elements */
	THRIFT_I8 = 3,
	THRIFT_I16 = 4,
	THRIFT_I32 = 5,
	THRIFT_I64 = 6,
	THRIFT_DOUBLE = 7,
	THRIFT_BINARY = 8,
	THRIFT_LIST = 9,
	THRIFT_SET = 10,
	THRIFT_MAP = 11,
	THRIFT_STRUCT = 12,
	THRIFT_UUID = 13,
};
/* In field tables and for thrift_list_begin: a bool (wire type 1 or 2). */
#define THRIFT_BOOL THRIFT_TRUE

#define THRIFT_MAX_DEPTH 64

struct thrift_reader {
	const uint8_t *buf;     /* borrowed */
	size_t len, pos;
	int64_t base;           /* file offset of buf[0], for messages */
	const char *name;       /* the file, for messages */
	const char *what;       /* "footer", "page header", for messages */
	int depth;              /* containers open now */
	struct dq_error *err;
};

/* One struct being read: the id its next short-form field header is a delta from. */
struct thrift_struct {
	int16_t last;
	size_t start;           /* position of the struct's first byte */
};

struct thrift_field {
	int16_t id;             /* 0 at the end of the struct */
	uint8_t type;           /* wire type (enum thrift_type) */
	size_t pos;             /* position of the field header */
};

void thrift_init(struct thrift_reader *r, const uint8_t *buf, size_t len, const char *name,
		 const char *what, int64_t base, struct dq_error *err);

/* Fills r->err with the message for the byte at position pos; returns DQ_ECORRUPT. */
int thrift_fail(struct thrift_reader *r, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- values ---- */

/* Unsigned LEB128 varints: at most 10 bytes and 64 bits, or 5 bytes and 32 bits. */
int thrift_varint64(struct thrift_reader *r, uint64_t *out);
int thrift_varint32(struct thrift_reader *r, uint32_t *out);
/* Zigzag varints; thrift_i16 and thrift_i32 fail on values outside their type. */
int thrift_i16(struct thrift_reader *r, int16_t *out);
int thrift_i32(struct thrift_reader *r, int32_t *out);
int thrift_i64(struct thrift_reader *r, int64_t *out);
/* One raw byte. */
int thrift_i8(struct thrift_reader *r, int8_t *out);
/* 8 bytes, little-endian IEEE 754. */
int thrift_double(struct thrift_reader *r, double *out);
/* A varint length and that many bytes; *p points into the buffer (borrowed). */
int thrift_binary(struct thrift_reader *r, const uint8_t **p, uint32_t *len);
/* 16 raw bytes. */
int thrift_uuid(struct thrift_reader *r, uint8_t out[16]);
/* A bool list/set element: one byte, 1 true, 0 or 2 false. */
int thrift_bool_elem(struct thrift_reader *r, bool *out);
/* The value of a bool field, carried in its header. */
static inline bool thrift_field_bool(const struct thrift_field *f)
{
	return f->type == THRIFT_TRUE;
}

/* ---- structs ---- */

/* Opens a struct (one nesting level; fails past THRIFT_MAX_DEPTH). */
int thrift_struct_begin(struct thrift_reader *r, struct thrift_struct *s);
/* Closes the struct after its stop byte was read (by thrift_field_next or thrift_next). */
void thrift_struct_end(struct thrift_reader *r);
/* Reads any field header of s; f->id == 0 and f->type == THRIFT_STOP at the stop byte. */
int thrift_field_next(struct thrift_reader *r, struct thrift_struct *s, struct thrift_field *f);
/*
 * Reads field headers of s until one whose id is below ntypes and whose wire type equals
 * types[id] (THRIFT_BOOL matches both bool types), skipping the values of all others;
 * f->id == 0 at the stop byte.  The caller then reads the value (nothing for a bool).
 */
int thrift_next(struct thrift_reader *r, struct thrift_struct *s, const uint8_t *types,
		size_t ntypes, struct thrift_field *f);

/* ---- containers ---- */

/*
 * Reads a list or set header.  The size is checked against the bytes left (each element
 * takes at least one byte, a double 8 and a uuid 16), so it bounds what the caller may
 * allocate.  `want` is the element type the caller reads (THRIFT_BOOL for bools); a
 * list of any other element type is skipped whole and reads as empty.  An empty list
 * may carry any element type, including the bare 0x00 some writers produce.
 */
int thrift_list_begin(struct thrift_reader *r, uint8_t want, uint32_t *count);
/* A list or set header as it is: *elem is the element type, *count its size (checked). */
int thrift_list_header(struct thrift_reader *r, uint8_t *elem, uint32_t *count);
/* A map header; *ktype and *vtype are THRIFT_STOP for an empty map. */
int thrift_map_header(struct thrift_reader *r, uint8_t *ktype, uint8_t *vtype,
		      uint32_t *count);

/* ---- skipping ---- */

/* Skips the value of a field of wire type `type` (a bool field has no value bytes). */
int thrift_skip(struct thrift_reader *r, uint8_t type);
/* Skips one list/set/map element of type `type` (a bool element is one byte). */
int thrift_skip_elem(struct thrift_reader *r, uint8_t type);

#endif
