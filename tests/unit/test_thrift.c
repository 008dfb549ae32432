/*
 * test_thrift.c - the Thrift compact protocol reader (lib/parquet/thrift.c) on hand-made
 * byte strings: varint and zigzag boundaries, short and long field headers, bools in
 * fields and lists, list/set/map headers, skipping every type, the depth limit, wire
 * type mismatches, and truncation at every byte of a struct that uses every type.
 */
#include <stdlib.h>
#include <string.h>

#include "thrift.h"
#include "unit.h"

static struct dq_error err;

static void init(struct thrift_reader *r, const uint8_t *buf, size_t len)
{
	memset(&err, 0, sizeof(err));
	thrift_init(r, buf, len, "t.parquet", "footer", 0, &err);
}

#define R(name, ...)                                                                    \
	static const uint8_t name[] = { __VA_ARGS__ };                                  \
	init(&r, name, sizeof(name))

static void test_varint(void)
{
	struct thrift_reader r;
	uint64_t u;
	uint32_t u32;

	R(zero, 0x00);
	CHECK_INT(thrift_varint64(&r, &u), 0);
	CHECK(u == 0 && r.pos == 1);
	R(b127, 0x7f);
	CHECK_INT(thrift_varint64(&r, &u), 0);
	CHECK(u == 127 && r.pos == 1);
	R(b128, 0x80, 0x01);
	CHECK_INT(thrift_varint64(&r, &u), 0);
	CHECK(u == 128 && r.pos == 2);
	R(b2p32, 0x80, 0x80, 0x80, 0x80, 0x10);
	CHECK_INT(thrift_varint64(&r, &u), 0);
	CHECK(u == UINT64_C(1) << 32 && r.pos == 5);
	R(b2p63, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01);
	CHECK_INT(thrift_varint64(&r, &u), 0);
	CHECK(u == UINT64_C(1) << 63 && r.pos == 10);
	R(bmax, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
	CHECK_INT(thrift_varint64(&r, &u), 0);
	CHECK(u == UINT64_MAX);
	/* a 10th byte with more than bit 63, an 11th byte, a truncated varint */
	R(over, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02);
	CHECK_INT(thrift_varint64(&r, &u), DQ_ECORRUPT);
	CHECK(strstr(err.msg, "exceeds 64 bits"));
	R(eleven, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
	CHECK_INT(thrift_varint64(&r, &u), DQ_ECORRUPT);
	CHECK(strstr(err.msg, "longer than 10 bytes"));
	R(trunc, 0x80, 0x80);
	CHECK_INT(thrift_varint64(&r, &u), DQ_ECORRUPT);
	CHECK(strstr(err.msg, "runs past the end"));
	init(&r, NULL, 0);
	CHECK_INT(thrift_varint64(&r, &u), DQ_ECORRUPT);

	/* 32-bit: 5 bytes, 32 bits */
	R(u32max, 0xff, 0xff, 0xff, 0xff, 0x0f);
	CHECK_INT(thrift_varint32(&r, &u32), 0);
	CHECK(u32 == UINT32_MAX);
	R(u32over, 0xff, 0xff, 0xff, 0xff, 0x1f);
	CHECK_INT(thrift_varint32(&r, &u32), DQ_ECORRUPT);
	R(u32long, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00);
	CHECK_INT(thrift_varint32(&r, &u32), DQ_ECORRUPT);
	CHECK(strstr(err.msg, "longer than 5 bytes"));
}

static void test_zigzag(void)
{
	struct thrift_reader r;
	int64_t v64;
	int32_t v32;
	int16_t v16;

	R(a, 0x00, 0x01, 0x02, 0x03, 0x7f);
	int32_t want[] = { 0, -1, 1, -2, -64 };
	for (size_t i = 0; i < 5; i++) {
		CHECK_INT(thrift_i32(&r, &v32), 0);
		CHECK_INT(v32, want[i]);
	}
	R(i32max, 0xfe, 0xff, 0xff, 0xff, 0x0f);
	CHECK_INT(thrift_i32(&r, &v32), 0);
	CHECK_INT(v32, INT32_MAX);
	R(i32min, 0xff, 0xff, 0xff, 0xff, 0x0f);
	CHECK_INT(thrift_i32(&r, &v32), 0);
	CHECK_INT(v32, INT32_MIN);
	R(i32over, 0x80, 0x80, 0x80, 0x80, 0x10);
	CHECK_INT(thrift_i32(&r, &v32), DQ_ECORRUPT);

	R(i64max, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
	CHECK_INT(thrift_i64(&r, &v64), 0);
	CHECK(v64 == INT64_MAX);
	R(i64min, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01);
	CHECK_INT(thrift_i64(&r, &v64), 0);
	CHECK(v64 == INT64_MIN);
	R(neg, 0xd3, 0x0f); /* zigzag 2003 = -1002 */
	CHECK_INT(thrift_i64(&r, &v64), 0);
	CHECK_INT(v64, -1002);

	R(i16, 0xfe, 0xff, 0x03, 0xff, 0xff, 0x03, 0x80, 0x80, 0x04);
	CHECK_INT(thrift_i16(&r, &v16), 0);
	CHECK_INT(v16, INT16_MAX);
	CHECK_INT(thrift_i16(&r, &v16), 0);
	CHECK_INT(v16, INT16_MIN);
	CHECK_INT(thrift_i16(&r, &v16), DQ_ECORRUPT); /* 65536 -> 32768 */
	CHECK(strstr(err.msg, "out of range"));
}

static void test_scalars(void)
{
	struct thrift_reader r;
	const uint8_t *p;
	uint32_t n;
	uint8_t uuid[16];
	double d;
	int8_t i8;
	bool b;

	R(dbl, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xf8, 0x3f, 0x00);
	CHECK_INT(thrift_double(&r, &d), 0);
	CHECK(d == 1.5);
	CHECK_INT(thrift_double(&r, &d), DQ_ECORRUPT);

	R(i8s, 0xff, 0x7f);
	CHECK_INT(thrift_i8(&r, &i8), 0);
	CHECK_INT(i8, -1);
	CHECK_INT(thrift_i8(&r, &i8), 0);
	CHECK_INT(i8, 127);
	CHECK_INT(thrift_i8(&r, &i8), DQ_ECORRUPT);

	R(bin, 0x03, 'a', 'b', 'c', 0x00, 0x04, 'x');
	CHECK_INT(thrift_binary(&r, &p, &n), 0);
	CHECK(n == 3 && !memcmp(p, "abc", 3) && p == bin + 1);
	CHECK_INT(thrift_binary(&r, &p, &n), 0);
	CHECK_INT(n, 0);
	CHECK_INT(thrift_binary(&r, &p, &n), DQ_ECORRUPT); /* 4 bytes claimed, 1 left */
	CHECK(strstr(err.msg, "binary of 4 bytes, 1 left"));
	R(huge, 0xff, 0xff, 0xff, 0xff, 0x0f, 'x');
	CHECK_INT(thrift_binary(&r, &p, &n), DQ_ECORRUPT);

	R(u, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
	CHECK_INT(thrift_uuid(&r, uuid), 0);
	CHECK(uuid[0] == 0 && uuid[15] == 15 && r.pos == 16);
	CHECK_INT(thrift_uuid(&r, uuid), DQ_ECORRUPT);

	R(bools, 0x00, 0x01, 0x02, 0x03);
	CHECK_INT(thrift_bool_elem(&r, &b), 0);
	CHECK(!b);
	CHECK_INT(thrift_bool_elem(&r, &b), 0);
	CHECK(b);
	CHECK_INT(thrift_bool_elem(&r, &b), 0);
	CHECK(!b);
	CHECK_INT(thrift_bool_elem(&r, &b), DQ_ECORRUPT);
	CHECK(strstr(err.msg, "bool element 3"));
}

static void test_field_headers(void)
{
	struct thrift_reader r;
	struct thrift_struct s;
	struct thrift_field f;
	int32_t v;
	int64_t v64;

	R(st,
	  0x15, 0x02,             /* id 1 (delta 1) i32 1 */
	  0x05, 0x20, 0x04,       /* long form: id 16 i32 2 */
	  0x16, 0x06,             /* delta 1 from 16: id 17 i64 3 */
	  0x05, 0x06, 0x06,       /* long form going back down: id 3 i32 3 */
	  0x15, 0x08,             /* delta 1 from 3: id 4 i32 4 */
	  0xf5, 0x0a,             /* delta 15: id 19 i32 5 */
	  0x05, 0x01, 0x0c,       /* long form, id -1 i32 6 */
	  0x25, 0x0e,             /* delta 2 from -1: id 1 again, i32 7 */
	  0x00);
	CHECK_INT(thrift_struct_begin(&r, &s), 0);
	struct { int id, type; int64_t v; } want[] = {
		{ 1, THRIFT_I32, 1 }, { 16, THRIFT_I32, 2 }, { 17, THRIFT_I64, 3 },
		{ 3, THRIFT_I32, 3 }, { 4, THRIFT_I32, 4 }, { 19, THRIFT_I32, 5 },
		{ -1, THRIFT_I32, 6 }, { 1, THRIFT_I32, 7 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		CHECK_INT(thrift_field_next(&r, &s, &f), 0);
		CHECK_INT(f.id, want[i].id);
		CHECK_INT(f.type, want[i].type);
		if (f.type == THRIFT_I64) {
			CHECK_INT(thrift_i64(&r, &v64), 0);
			CHECK_INT(v64, want[i].v);
		} else {
			CHECK_INT(thrift_i32(&r, &v), 0);
			CHECK_INT(v, want[i].v);
		}
	}
	CHECK_INT(thrift_field_next(&r, &s, &f), 0);
	CHECK(f.id == 0 && f.type == THRIFT_STOP && r.pos == sizeof(st));
	thrift_struct_end(&r);
	CHECK_INT(r.depth, 0);

	/* a long-form id 0 never reads as the end */
	R(id0, 0x05, 0x00, 0x02, 0x00);
	CHECK_INT(thrift_struct_begin(&r, &s), 0);
	CHECK_INT(thrift_field_next(&r, &s, &f), 0);
	CHECK(f.id != 0 && f.type == THRIFT_I32);

	/* invalid types: 14, 15, and type 0 with a delta */
	R(t14, 0x1e);
	CHECK_INT(thrift_struct_begin(&r, &s), 0);
	CHECK_INT(thrift_field_next(&r, &s, &f), DQ_ECORRUPT);
	CHECK(strstr(err.msg, "0x1e"));
	R(t15, 0x0f, 0x02);
	CHECK_INT(thrift_struct_begin(&r, &s), 0);
	CHECK_INT(thrift_field_next(&r, &s, &f), DQ_ECORRUPT);
	R(t0, 0x10);
	CHECK_INT(thrift_struct_begin(&r, &s), 0);
	CHECK_INT(thrift_field_next(&r, &s, &f), DQ_ECORRUPT);
	/* an id past INT16_MAX by delta */
	R(big, 0x05, 0xfe, 0xff, 0x03, 0x02, 0x15, 0x02);
	CHECK_INT(thrift_struct_begin(&r, &s), 0);
	CHECK_INT(thrift_field_next(&r, &s, &f), 0);
	CHECK_INT(f.id, INT16_MAX);
	CHECK_INT(thrift_i32(&r, &v), 0);
	CHECK_INT(thrift_field_next(&r, &s, &f), DQ_ECORRUPT);

	/* each nested struct keeps its own previous id */
	R(nest,
	  0x35, 0x02,             /* id 3 */
	  0x1c,                   /* id 4 struct { */
	  0x15, 0x04,             /*   id 1 */
	  0x00,                   /* } */
	  0x15, 0x06,             /* id 5: delta from 4, not from the inner 1 */
	  0x00);
	CHECK_INT(thrift_struct_begin(&r, &s), 0);
	CHECK_INT(thrift_field_next(&r, &s, &f), 0);
	CHECK_INT(f.id, 3);
	CHECK_INT(thrift_i32(&r, &v), 0);
	CHECK_INT(thrift_field_next(&r, &s, &f), 0);
	CHECK(f.id == 4 && f.type == THRIFT_STRUCT);
	{
		struct thrift_struct in;
		CHECK_INT(thrift_struct_begin(&r, &in), 0);
		CHECK_INT(r.depth, 2);
		CHECK_INT(thrift_field_next(&r, &in, &f), 0);
		CHECK_INT(f.id, 1);
		CHECK_INT(thrift_i32(&r, &v), 0);
		CHECK_INT(thrift_field_next(&r, &in, &f), 0);
		CHECK_INT(f.id, 0);
		thrift_struct_end(&r);
	}
	CHECK_INT(thrift_field_next(&r, &s, &f), 0);
	CHECK_INT(f.id, 5);
}

static void test_bool_fields(void)
{
	struct thrift_reader r;
	struct thrift_struct s;
	struct thrift_field f;
	static const uint8_t types[] = { [1] = THRIFT_BOOL, [2] = THRIFT_BOOL, [3] = THRIFT_I32 };

	R(st, 0x11, 0x12, 0x11, 0x00);
	CHECK_INT(thrift_struct_begin(&r, &s), 0);
	CHECK_INT(thrift_next(&r, &s, types, sizeof(types), &f), 0);
	CHECK(f.id == 1 && thrift_field_bool(&f));
	CHECK_INT(thrift_next(&r, &s, types, sizeof(types), &f), 0);
	CHECK(f.id == 2 && !thrift_field_bool(&f));
	/* field 3 expects an i32: a bool there is skipped (no value bytes) */
	CHECK_INT(thrift_next(&r, &s, types, sizeof(types), &f), 0);
	CHECK(f.id == 0 && r.pos == sizeof(st));
}

static void test_lists(void)
{
	struct thrift_reader r;
	uint32_t n;
	uint8_t elem;
	int32_t v;
	bool b;

	R(shortl, 0x35, 0x02, 0x04, 0x06);
	CHECK_INT(thrift_list_begin(&r, THRIFT_I32, &n), 0);
	CHECK_INT(n, 3);
	for (int i = 1; i <= 3; i++) {
		CHECK_INT(thrift_i32(&r, &v), 0);
		CHECK_INT(v, i);
	}

	/* long form: 20 elements, and the long form for a small size too */
	uint8_t longl[2 + 20];
	longl[0] = 0xf5;
	longl[1] = 20;
	for (int i = 0; i < 20; i++)
		longl[2 + i] = (uint8_t)(2 * i);
	init(&r, longl, sizeof(longl));
	CHECK_INT(thrift_list_begin(&r, THRIFT_I32, &n), 0);
	CHECK_INT(n, 20);
	for (int i = 0; i < 20; i++) {
		CHECK_INT(thrift_i32(&r, &v), 0);
		CHECK_INT(v, i);
	}
	CHECK_INT(r.pos, sizeof(longl));
	R(longsmall, 0xf5, 0x01, 0x02);
	CHECK_INT(thrift_list_begin(&r, THRIFT_I32, &n), 0);
	CHECK_INT(n, 1);

	/* empty lists: the bare 0x00, and size 0 of any type */
	R(empty, 0x00, 0x0c, 0xf8, 0x00);
	CHECK_INT(thrift_list_begin(&r, THRIFT_STRUCT, &n), 0);
	CHECK_INT(n, 0);
	CHECK_INT(thrift_list_begin(&r, THRIFT_STRUCT, &n), 0);
	CHECK_INT(n, 0);
	CHECK_INT(thrift_list_begin(&r, THRIFT_STRUCT, &n), 0);
	CHECK_INT(n, 0);
	CHECK_INT(r.pos, 4);

	/* bool elements under either bool type, values 0, 1, 2 */
	R(bl, 0x31, 0x01, 0x00, 0x02, 0x22, 0x02, 0x01, 0x11, 0x03);
	CHECK_INT(thrift_list_begin(&r, THRIFT_BOOL, &n), 0);
	CHECK_INT(n, 3);
	CHECK_INT(thrift_bool_elem(&r, &b), 0);
	CHECK(b);
	CHECK_INT(thrift_bool_elem(&r, &b), 0);
	CHECK(!b);
	CHECK_INT(thrift_bool_elem(&r, &b), 0);
	CHECK(!b);
	CHECK_INT(thrift_list_begin(&r, THRIFT_BOOL, &n), 0);
	CHECK_INT(n, 2);
	CHECK_INT(thrift_bool_elem(&r, &b), 0);
	CHECK(!b);
	CHECK_INT(thrift_bool_elem(&r, &b), 0);
	CHECK(b);
	CHECK_INT(thrift_list_begin(&r, THRIFT_BOOL, &n), 0);
	CHECK_INT(thrift_bool_elem(&r, &b), DQ_ECORRUPT);

	/* a list of another element type is skipped whole and reads as empty */
	R(mism, 0x28, 0x01, 'a', 0x02, 'b', 'c', 0x15);
	CHECK_INT(thrift_list_begin(&r, THRIFT_I32, &n), 0);
	CHECK_INT(n, 0);
	CHECK_INT(r.pos, 6);
	R(hdr, 0x28, 0x01, 'a', 0x00);
	CHECK_INT(thrift_list_header(&r, &elem, &n), 0);
	CHECK(elem == THRIFT_BINARY && n == 2);

	/* sizes larger than the bytes left fail before anything is read */
	R(hugel, 0xf5, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00);
	CHECK_INT(thrift_list_begin(&r, THRIFT_I32, &n), DQ_ECORRUPT);
	CHECK(strstr(err.msg, "longer than the 1 bytes left"));
	R(dbls, 0x27, 1, 2, 3, 4, 5, 6, 7, 8, 9); /* two doubles need 16 bytes */
	CHECK_INT(thrift_list_begin(&r, THRIFT_DOUBLE, &n), DQ_ECORRUPT);
	R(uuids, 0x1d, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
	CHECK_INT(thrift_list_begin(&r, THRIFT_UUID, &n), DQ_ECORRUPT);
	R(badelem, 0x1e, 0x00);
	CHECK_INT(thrift_list_begin(&r, THRIFT_I32, &n), DQ_ECORRUPT);
	R(badelem0, 0x10, 0x00);
	CHECK_INT(thrift_list_begin(&r, THRIFT_I32, &n), DQ_ECORRUPT);
	R(trunc, 0xf5, 0x80);
	CHECK_INT(thrift_list_begin(&r, THRIFT_I32, &n), DQ_ECORRUPT);
}

static void test_maps(void)
{
	struct thrift_reader r;
	uint8_t kt, vt;
	uint32_t n;

	R(empty, 0x00);
	CHECK_INT(thrift_map_header(&r, &kt, &vt, &n), 0);
	CHECK(n == 0 && kt == THRIFT_STOP && vt == THRIFT_STOP && r.pos == 1);
	R(m, 0x02, 0x85, 0x01, 'a', 0x02, 0x01, 'b', 0x04, 0x00);
	CHECK_INT(thrift_map_header(&r, &kt, &vt, &n), 0);
	CHECK(n == 2 && kt == THRIFT_BINARY && vt == THRIFT_I32);
	init(&r, m, sizeof(m));
	CHECK_INT(thrift_skip(&r, THRIFT_MAP), 0);
	CHECK_INT(r.pos, 8);
	/* a map of bool keys to bool values takes two bytes per entry */
	R(bb, 0x02, 0x11, 0x01, 0x02, 0x00, 0x01);
	CHECK_INT(thrift_skip(&r, THRIFT_MAP), 0);
	CHECK_INT(r.pos, 6);
	R(bbshort, 0x02, 0x11, 0x01, 0x02, 0x00);
	CHECK_INT(thrift_skip(&r, THRIFT_MAP), DQ_ECORRUPT);
	R(huge, 0xff, 0xff, 0x03, 0x55, 0x00, 0x00);
	CHECK_INT(thrift_map_header(&r, &kt, &vt, &n), DQ_ECORRUPT);
	CHECK(strstr(err.msg, "map of 65535 entries"));
	R(badtypes, 0x01, 0x05, 0x00);
	CHECK_INT(thrift_map_header(&r, &kt, &vt, &n), DQ_ECORRUPT);
	R(notypes, 0x01);
	CHECK_INT(thrift_map_header(&r, &kt, &vt, &n), DQ_ECORRUPT);
}

/* A struct holding one field of every type, nested unknown structs among them. */
static const uint8_t every[] = {
	0x11,                                   /* 1 bool true */
	0x12,                                   /* 2 bool false */
	0x13, 0x80,                             /* 3 i8 */
	0x14, 0xfe, 0xff, 0x03,                 /* 4 i16 */
	0x15, 0x81, 0x01,                       /* 5 i32 */
	0x16, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, /* 6 i64 */
	0x17, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f,     /* 7 double */
	0x18, 0x03, 'x', 'y', 'z',              /* 8 binary */
	0x19, 0x35, 0x02, 0x04, 0x06,           /* 9 list<i32> */
	0x1a, 0x21, 0x01, 0x00,                 /* 10 set<bool> */
	0x1b, 0x01, 0x8c, 0x01, 'k', 0x15, 0x02, 0x00, /* 11 map<binary, struct> */
	0x1c,                                   /* 12 struct { */
	0x1c,                                   /*   1 struct { */
	0x09, 0x20, 0x2c,                       /*     long form 16: list of 2 structs */
	0x00,                                   /*       {} */
	0x1d, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0x00, /* { 1 uuid } */
	0x00,                                   /*   } */
	0x19, 0x00,                             /*   2 empty list (bare 0x00) */
	0x1b, 0x00,                             /*   3 empty map */
	0x00,                                   /* } */
	0x1d, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, /* 13 uuid */
	0x03, 0x40, 0x07,                       /* long form 32: i8 */
	0x00,
};

static void test_skip_every_type(void)
{
	struct thrift_reader r;
	struct thrift_struct s;
	struct thrift_field f;
	static const uint8_t none[1] = { 0 };
	static const uint8_t only13[] = { [13] = THRIFT_UUID };
	uint8_t uuid[16];

	init(&r, every, sizeof(every));
	CHECK_INT(thrift_skip(&r, THRIFT_STRUCT), 0);
	CHECK_INT(r.pos, sizeof(every));
	CHECK_INT(r.depth, 0);

	/* thrift_next skips everything it does not know */
	init(&r, every, sizeof(every));
	CHECK_INT(thrift_struct_begin(&r, &s), 0);
	CHECK_INT(thrift_next(&r, &s, none, sizeof(none), &f), 0);
	CHECK(f.id == 0 && r.pos == sizeof(every));

	init(&r, every, sizeof(every));
	CHECK_INT(thrift_struct_begin(&r, &s), 0);
	CHECK_INT(thrift_next(&r, &s, only13, sizeof(only13), &f), 0);
	CHECK(f.id == 13 && f.type == THRIFT_UUID);
	CHECK_INT(thrift_uuid(&r, uuid), 0);
	CHECK(uuid[1] == 1 && uuid[15] == 15);
	CHECK_INT(thrift_next(&r, &s, only13, sizeof(only13), &f), 0);
	CHECK(f.id == 0 && r.pos == sizeof(every));

	/* every field read with thrift_field_next, then skipped: the ids */
	int ids[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 32 };
	init(&r, every, sizeof(every));
	CHECK_INT(thrift_struct_begin(&r, &s), 0);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		CHECK_INT(thrift_field_next(&r, &s, &f), 0);
		CHECK_INT(f.id, ids[i]);
		CHECK_INT(thrift_skip(&r, f.type), 0);
	}
	CHECK_INT(thrift_field_next(&r, &s, &f), 0);
	CHECK_INT(f.id, 0);

	/* skip_elem: a bool element takes a byte, a bool field none */
	R(b, 0x01);
	CHECK_INT(thrift_skip(&r, THRIFT_TRUE), 0);
	CHECK_INT(r.pos, 0);
	CHECK_INT(thrift_skip_elem(&r, THRIFT_TRUE), 0);
	CHECK_INT(r.pos, 1);
	CHECK_INT(thrift_skip_elem(&r, THRIFT_FALSE), DQ_ECORRUPT);
	R(x, 0x00);
	CHECK_INT(thrift_skip(&r, 14), DQ_ECORRUPT);
	CHECK_INT(thrift_skip(&r, THRIFT_STOP), DQ_ECORRUPT);
}

static void test_mismatch(void)
{
	struct thrift_reader r;
	struct thrift_struct s;
	struct thrift_field f;
	static const uint8_t types[] = { [1] = THRIFT_I32, [2] = THRIFT_LIST, [3] = THRIFT_I64 };
	int32_t v;

	/* field 1 as binary, field 2 as a struct (a fork's reuse of an id), field 3 right */
	R(st, 0x18, 0x02, 'h', 'i', 0x1c, 0x15, 0x02, 0x00, 0x15, 0x04, 0x00);
	CHECK_INT(thrift_struct_begin(&r, &s), 0);
	CHECK_INT(thrift_next(&r, &s, types, sizeof(types), &f), 0);
	CHECK_INT(f.id, 0); /* field 3 is an i32, not an i64: skipped too */
	CHECK_INT(r.pos, sizeof(st));

	R(st2, 0x18, 0x02, 'h', 'i', 0x25, 0x04, 0x00);
	CHECK_INT(thrift_struct_begin(&r, &s), 0);
	static const uint8_t t2[] = { [1] = THRIFT_I32, [3] = THRIFT_I32 };
	CHECK_INT(thrift_next(&r, &s, t2, sizeof(t2), &f), 0);
	CHECK_INT(f.id, 3);
	CHECK_INT(thrift_i32(&r, &v), 0);
	CHECK_INT(v, 2);
}

static void test_depth(void)
{
	struct thrift_reader r;
	uint8_t buf[2 * THRIFT_MAX_DEPTH + 4];
	size_t n;

	/* k nested struct fields inside a top-level struct: k + 1 levels */
	for (int k = THRIFT_MAX_DEPTH - 1; k <= THRIFT_MAX_DEPTH; k++) {
		n = 0;
		for (int i = 0; i < k; i++)
			buf[n++] = 0x1c;
		for (int i = 0; i <= k; i++)
			buf[n++] = 0x00;
		init(&r, buf, n);
		int rc = thrift_skip(&r, THRIFT_STRUCT);
		if (k + 1 <= THRIFT_MAX_DEPTH) {
			CHECK_INT(rc, 0);
			CHECK_INT(r.pos, n);
		} else {
			CHECK_INT(rc, DQ_ECORRUPT);
			CHECK(strstr(err.msg, "nesting deeper than 64"));
		}
	}

	/* lists of lists count too */
	n = 0;
	buf[n++] = 0x19;
	for (int i = 0; i < THRIFT_MAX_DEPTH; i++)
		buf[n++] = 0x19; /* one element, a list */
	buf[n++] = 0x00;
	init(&r, buf, n);
	CHECK_INT(thrift_skip(&r, THRIFT_LIST), DQ_ECORRUPT);

	/* a long chain of empty structs at one level is fine */
	uint8_t flat[3 * 1000 + 2];
	n = 0;
	flat[n++] = 0x1c;
	flat[n++] = 0x00;
	for (int i = 0; i < 999; i++) {
		flat[n++] = 0x0c;
		flat[n++] = 0x02; /* long form id 1 */
		flat[n++] = 0x00;
	}
	flat[n++] = 0x00;
	init(&r, flat, n);
	CHECK_INT(thrift_skip(&r, THRIFT_STRUCT), 0);
	CHECK_INT(r.pos, n);
	CHECK_INT(r.depth, 0);
}

static void test_truncation(void)
{
	struct thrift_reader r;
	int bad = 0;

	for (size_t len = 0; len < sizeof(every); len++) {
		uint8_t *copy = malloc(len ? len : 1);
		memcpy(copy, every, len);
		init(&r, copy, len);
		if (thrift_skip(&r, THRIFT_STRUCT) != DQ_ECORRUPT || !strstr(err.msg, "offset")) {
			bad++;
			FAILF("prefix of %zu bytes: %s", len, err.msg);
		}
		free(copy);
	}
	CHECK_INT(bad, 0);
}

static void test_messages(void)
{
	struct thrift_reader r;
	uint64_t u;
	static const uint8_t b[] = { 0x00, 0x00, 0x80 };

	memset(&err, 0, sizeof(err));
	thrift_init(&r, b, sizeof(b), "x/part-0.parquet", "page header", 1000, &err);
	r.pos = 2;
	CHECK_INT(thrift_varint64(&r, &u), DQ_ECORRUPT);
	CHECK_INT(err.code, DQ_ECORRUPT);
	CHECK_STR(err.msg, "cannot read 'x/part-0.parquet': invalid page header at offset 1002: "
			   "varint runs past the end");
}

/* Random bytes, read as a struct: an error or a clean skip, never a crash. */
static void test_random(void)
{
	uint64_t seed = 42;
	uint8_t buf[64];
	int ok = 0, bad = 0;

	for (int i = 0; i < 20000; i++) {
		struct thrift_reader r;
		size_t n = unit_rng(&seed) % sizeof(buf);
		for (size_t j = 0; j < n; j++) {
			uint64_t x = unit_rng(&seed);
			/* bias towards small bytes so structs and lists actually nest */
			buf[j] = (uint8_t)(x & 0x100 ? x % 0x20 : x);
		}
		uint8_t *copy = malloc(n ? n : 1);
		memcpy(copy, buf, n);
		init(&r, copy, n);
		int rc = thrift_skip(&r, THRIFT_STRUCT);
		if (rc == 0)
			ok++;
		if ((rc != 0 && rc != DQ_ECORRUPT) || r.pos > n) {
			bad++;
			FAILF("case %d: rc %d, position %zu of %zu", i, rc, r.pos, n);
		}
		free(copy);
	}
	CHECK_INT(bad, 0);
	printf("random structs: %d of 20000 skipped cleanly\n", ok);
}

int main(void)
{
	unit_run("varint", test_varint);
	unit_run("zigzag", test_zigzag);
	unit_run("scalars", test_scalars);
	unit_run("field headers", test_field_headers);
	unit_run("bool fields", test_bool_fields);
	unit_run("lists", test_lists);
	unit_run("maps", test_maps);
	unit_run("skip every type", test_skip_every_type);
	unit_run("wire type mismatch", test_mismatch);
	unit_run("depth limit", test_depth);
	unit_run("truncation", test_truncation);
	unit_run("messages", test_messages);
	unit_run("random bytes", test_random);
	return unit_done();
}
