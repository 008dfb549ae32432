/*
 * test_parquet_file.c - the upper layers of the Parquet reader (lib/parquet/file.c,
 * column.c, assemble.c) on real files: apache/parquet-testing (../shared/parquet-testing,
 * or $DQ_PARQUET_TESTING; skipped when absent) and the generated fixtures in
 * tests/fixtures/parquet.  Rows are compared with DuckDB's JSON export of the same files;
 * then files are truncated at every size and have random bytes of their footers and page
 * headers flipped, in a temporary directory read through the dir store: every outcome must
 * be a clean error or rows, never a crash, a hang or a huge allocation
 * ($DQ_PARQUET_FLIPS rounds per file, default 300, from seed $DQ_PARQUET_SEED).
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reader.h"
#include "unit.h"

static const char *testing_dir(void)
{
	const char *d = getenv("DQ_PARQUET_TESTING");
	return d && *d ? d : "../shared/parquet-testing";
}

#define FIXTURES "tests/fixtures/parquet"

static struct store *testing, *fixtures, *tmp;
static char tmpdir[256];

/* The whole file at dir/name (new), or NULL. */
static uint8_t *slurp(const char *dir, const char *name, size_t *len)
{
	char path[1024];
	FILE *fp;
	uint8_t *b = NULL;
	long n = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(fp = fopen(path, "rb")))
		return NULL;
	if (fseek(fp, 0, SEEK_END) == 0 && (n = ftell(fp)) >= 0 && fseek(fp, 0, SEEK_SET) == 0 &&
	    (b = malloc((size_t)n + 1)) && fread(b, 1, (size_t)n, fp) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(fp);
	*len = (size_t)n;
	return b;
}

static void put_file(const char *name, const uint8_t *b, size_t n)
{
	char path[512];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	if (!(fp = fopen(path, "wb")) || (n && fwrite(b, 1, n, fp) != n)) {
		FAILF("cannot write %s: %s", path, strerror(errno));
		if (fp)
			fclose(fp);
		return;
	}
	fclose(fp);
}

/* Every row of every row group as DuckDB-style JSON lines (new), or NULL with err set. */
static char *all_rows(parquet_file *f, struct dq_error *err)
{
	const struct parquet_meta *m = parquet_metadata(f);
	struct dq_buf b = { 0 };

	dq_buf_puts(&b, "");
	for (size_t g = 0; g < m->nrow_groups; g++)
		if (parquet_read_rows_text(f, g, NULL, 0, 0, 0, &b, err)) {
			dq_buf_release(&b);
			return NULL;
		}
	return b.data;
}

/* Line i (0-based) of text (new). */
static char *line_of(const char *text, size_t i)
{
	const char *p = text;
	for (; i && p; i--)
		if ((p = strchr(p, '\n')))
			p++;
	if (!p)
		return NULL;
	const char *e = strchr(p, '\n');
	return strndup(p, e ? (size_t)(e - p) : strlen(p));
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static parquet_file *open_ok(struct store *s, const char *name)
{
	struct dq_error err = { 0 };
	parquet_file *f = NULL;

	if (parquet_open(s, name, &f, &err)) {
		FAILF("cannot open %s: %s", name, err.msg);
		return NULL;
	}
	return f;
}

/* Row `row` of `name` (in the parquet-testing data) must be `want`. */
static void check_row(const char *name, size_t row, const char *want)
{
	struct dq_error err = { 0 };
	parquet_file *f = open_ok(testing, name);
	if (!f)
		return;
	char *rows = all_rows(f, &err);
	CHECKF(rows, "%s: %s", name, err.msg);
	char *got = rows ? line_of(rows, row) : NULL;
	CHECKF(got && !strcmp(got, want), "%s row %zu:\n  got  %s\n  want %s", name, row,
	       got ? got : "(none)", want);
	free(got);
	free(rows);
	parquet_close(f);
}

/* ---- parts ------------------------------------------------------------------------------- */

static void test_double_text(void)
{
	static const struct { double v; const char *want; } cases[] = {
		{ 0.1, "0.1" }, { 100, "100.0" }, { 1e16, "10000000000000000.0" },
		{ 1e20, "100000000000000000000.0" }, { 1e21, "1e21" }, { 1e300, "1e300" },
		{ 1e-7, "1e-7" }, { 1.23e-7, "1.23e-7" }, { 1e-6, "0.000001" }, { 12.5, "12.5" },
		{ -0.0, "-0.0" }, { 0.0, "0.0" }, { -2.5, "-2.5" },
		{ (double)0.1f, "0.10000000149011612" }, { (double)3.4028235e38f, "3.4028234663852886e38" },
		{ 30.299999999999997, "30.299999999999997" }, { NAN, "NaN" }, { INFINITY, "Infinity" },
		{ -INFINITY, "-Infinity" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dq_buf b = { 0 };
		parquet_double_text(cases[i].v, &b);
		CHECKF(b.data && !strcmp(b.data, cases[i].want), "%.17g: got %s, want %s", cases[i].v,
		       b.data ? b.data : "(null)", cases[i].want);
		dq_buf_release(&b);
	}
}

static void test_alltypes_plain(void)
{
	struct dq_error err = { 0 };
	parquet_file *f = open_ok(testing, "data/alltypes_plain.parquet");
	if (!f)
		return;
	const struct parquet_meta *m = parquet_metadata(f);
	CHECK_INT(m->num_rows, 8);
	CHECK_INT(m->nleaves, 11);
	CHECK_INT(parquet_file_size(f), 1851);

	struct parquet_column c;
	CHECK_INT(parquet_read_column(f, 0, 0, &c, &err), 0);
	static const int32_t ids[] = { 4, 5, 6, 7, 2, 3, 0, 1 };
	CHECK_INT(c.nlevels, 8);
	CHECK_INT(c.values.n, 8);
	CHECK(c.rep == NULL);
	for (size_t i = 0; i < 8 && c.values.n == 8; i++) {
		CHECK_INT(c.values.v.i32[i], ids[i]);
		CHECK_INT(c.def[i], 1);
	}
	parquet_column_release(&c);

	CHECK_INT(parquet_read_column(f, 0, 99, &c, &err), DQ_EINVAL);
	CHECK_INT(parquet_read_column(f, 7, 0, &c, &err), DQ_EINVAL);

	char *rows = all_rows(f, &err);
	CHECK_INT(count_lines(rows), 8);
	char *l = rows ? line_of(rows, 1) : NULL;
	CHECK_STR(l, "{\"id\":5,\"bool_col\":false,\"tinyint_col\":1,\"smallint_col\":1,"
		  "\"int_col\":1,\"bigint_col\":10,\"float_col\":1.100000023841858,"
		  "\"double_col\":10.1,\"date_string_col\":\"03/01/09\",\"string_col\":\"1\","
		  "\"timestamp_col\":\"2009-03-01 00:01:00\"}");
	free(l);
	free(rows);

	/* a window of rows */
	struct dq_buf b = { 0 };
	CHECK_INT(parquet_read_rows_text(f, 0, NULL, 0, 6, 5, &b, &err), 0);
	CHECK_INT(count_lines(b.data), 2);
	CHECK(b.data && !strncmp(b.data, "{\"id\":0,", 8));
	dq_buf_release(&b);

	/* jansson values, and a projection to two top-level fields */
	json_t *a = json_array();
	int fields[] = { 1, 7 };
	CHECK_INT(parquet_read_rows_json(f, 0, fields, 2, a, &err), 0);
	CHECK_INT(json_array_size(a), 8);
	json_t *r = json_array_get(a, 1);
	CHECK_INT(json_object_size(r), 2);
	CHECK_INT(json_integer_value(json_object_get(r, "id")), 5);
	CHECK(fabs(json_real_value(json_object_get(r, "float_col")) - 1.1) < 1e-6);
	json_decref(a);
	a = json_array();
	int bad[] = { 0 };
	CHECK_INT(parquet_read_rows_json(f, 0, bad, 1, a, &err), DQ_EINVAL);
	json_decref(a);

	/* statistics text: this file has none, so use the first value's PLAIN bytes */
	struct dq_buf t = { 0 };
	const uint8_t v96[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0x6c, 0x75, 0x25, 0x00 };
	CHECK_INT(parquet_value_text(m, 10, v96, 12, &t), 0);
	CHECK_STR(t.data, "2009-03-01 00:00:00");
	t.len = 0;
	CHECK_INT(parquet_value_text(m, 10, v96, 11, &t), -1);
	const uint8_t i32[4] = { 0xff, 0xff, 0xff, 0xff };
	CHECK_INT(parquet_value_text(m, 0, i32, 4, &t), 0);
	CHECK_STR(t.data, "-1");
	dq_buf_release(&t);
	parquet_close(f);
}

static void test_nested(void)
{
	check_row("data/nested_lists.snappy.parquet", 0,
		  "{\"a\":[[[\"a\",\"b\"],[\"c\"]],[null,[\"d\"]]],\"b\":1}");
	check_row("data/nested_maps.snappy.parquet", 2, "{\"a\":{\"c\":null},\"b\":1,\"c\":1.0}");
	check_row("data/nested_maps.snappy.parquet", 0,
		  "{\"a\":{\"a\":{\"1\":true,\"2\":false}},\"b\":1,\"c\":1.0}");
	check_row("data/nonnullable.impala.parquet", 0,
		  "{\"ID\":8,\"Int_Array\":[-1],\"int_array_array\":[[-1,-2],[]],\"Int_Map\":"
		  "{\"k1\":-1},\"int_map_array\":[{},{\"k1\":1},{},{}],\"nested_Struct\":{\"a\":-1,"
		  "\"B\":[-1],\"c\":{\"D\":[[{\"e\":-1,\"f\":\"nonnullable\"}]]},\"G\":{}}}");
	check_row("data/nullable.impala.parquet", 2,
		  "{\"id\":3,\"int_array\":[],\"int_array_Array\":[null],\"int_map\":{},"
		  "\"int_Map_Array\":[null,null],\"nested_struct\":{\"A\":null,\"b\":null,"
		  "\"C\":{\"d\":[]},\"g\":{}}}");
	check_row("data/repeated_no_annotation.parquet", 2, "{\"id\":3,\"phoneNumbers\":{\"phone\":[]}}");
	check_row("data/repeated_no_annotation.parquet", 4,
		  "{\"id\":5,\"phoneNumbers\":{\"phone\":[{\"number\":1111111111,\"kind\":\"home\"}]}}");
	check_row("data/repeated_primitive_no_list.parquet", 1,
		  "{\"Int32_list\":[],\"String_list\":[\"three\"],\"group_of_lists\":"
		  "{\"Int32_list_in_group\":[],\"String_list_in_group\":[\"three\"]}}");
	check_row("data/old_list_structure.parquet", 0, "{\"a\":[[1,2],[3,4]]}");
	check_row("data/null_list.parquet", 0, "{\"emptylist\":[]}");
	check_row("data/list_columns.parquet", 1, "{\"int64_list\":[null,1],\"utf8_list\":null}");
	check_row("data/incorrect_map_schema.parquet", 0,
		  "{\"my_map\":{\"parent\":\"another\",\"name\":\"report\"}}");
	/* a map without a value field: the list of its keys */
	check_row("data/map_no_value.parquet", 0,
		  "{\"my_map\":{\"1\":null,\"2\":null,\"3\":null},\"my_map_no_v\":[1,2,3],"
		  "\"my_list\":[1,2,3]}");
	check_row("data/nulls.snappy.parquet", 0, "{\"b_struct\":{\"b_c_int\":null}}");
}

/* parquet_read_rows_json builds the same values the text form spells. */
static void test_json_values(void)
{
	static const char *const files[] = {
		"data/nullable.impala.parquet", "data/nonnullable.impala.parquet",
		"data/nested_maps.snappy.parquet", "data/nested_lists.snappy.parquet",
		"data/repeated_no_annotation.parquet", "data/alltypes_plain.parquet",
		"data/map_no_value.parquet", "data/fixed_length_decimal.parquet",
	};
	struct dq_error err = { 0 };

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		parquet_file *f = open_ok(testing, files[i]);
		if (!f)
			continue;
		json_t *rows = json_array();
		char *text = all_rows(f, &err);
		const struct parquet_meta *m = parquet_metadata(f);
		for (size_t g = 0; g < m->nrow_groups; g++)
			CHECKF(!parquet_read_rows_json(f, g, NULL, 0, rows, &err), "%s: %s", files[i],
			       err.msg);
		CHECK_INT(json_array_size(rows), count_lines(text));
		for (size_t r = 0; r < json_array_size(rows); r++) {
			char *l = line_of(text, r);
			json_t *want = l ? json_loads(l, 0, NULL) : NULL;
			CHECKF(want && json_equal(want, json_array_get(rows, r)), "%s row %zu: %s",
			       files[i], r, l ? l : "(none)");
			json_decref(want);
			free(l);
		}
		free(text);
		json_decref(rows);
		parquet_close(f);
	}
}

static void test_types(void)
{
	check_row("data/int96_from_spark.parquet", 0, "{\"a\":\"2024-01-01 20:34:56.123456\"}");
	check_row("data/fixed_length_decimal.parquet", 0, "{\"value\":1.00}");
	check_row("data/byte_array_decimal.parquet", 0, "{\"value\":1.0}");
	check_row("data/binary.parquet", 0, "{\"foo\":\"\\\\x00\"}");
	check_row("data/fixed_length_byte_array.parquet", 0, "{\"flba_field\":\"\\\\x00\\\\x00\\\\x03\\\\xE8\"}");
	check_row("data/float16_zeros_and_nans.parquet", 2, "{\"x\":NaN}");
	check_row("data/float16_nonzeros_and_nans.parquet", 2, "{\"x\":-2.0}");
}

static void test_pages(void)
{
	struct dq_error err = { 0 };
	struct parquet_page_info *p;
	size_t n;
	parquet_file *f = open_ok(testing, "data/datapage_v2.snappy.parquet");
	if (f) {
		CHECK_INT(parquet_chunk_pages(f, 0, 0, &p, &n, &err), 0);
		CHECK_INT(n, 2);
		if (n == 2) {
			CHECK_INT(p[0].h.type, PQ_DICTIONARY_PAGE);
			CHECK_INT(p[0].offset, 4);
			CHECK_INT(p[1].h.type, PQ_DATA_PAGE_V2);
			CHECK_INT(p[1].h.encoding, PQ_RLE_DICTIONARY);
		}
		free(p);
		char *rows = all_rows(f, &err);
		char *l = rows ? line_of(rows, 0) : NULL;
		CHECK_STR(l, "{\"a\":\"abc\",\"b\":1,\"c\":2.0,\"d\":true,\"e\":[1,2,3]}");
		free(l);
		free(rows);
		parquet_close(f);
	}
	/* CRCs: good ones pass, bad ones fail with the offset of the page */
	if ((f = open_ok(testing, "data/rle-dict-snappy-checksum.parquet"))) {
		CHECK_INT(parquet_chunk_pages(f, 0, 0, &p, &n, &err), 0);
		CHECK(n == 2 && p[0].h.has_crc && p[0].crc_ok && !p[1].h.has_crc);
		free(p);
		char *rows = all_rows(f, &err);
		CHECKF(rows, "%s", err.msg);
		CHECK_INT(count_lines(rows), 1000);
		free(rows);
		parquet_close(f);
	}
	if ((f = open_ok(testing, "data/datapage_v1-corrupt-checksum.parquet"))) {
		struct parquet_column c;
		CHECK_INT(parquet_read_column(f, 0, 0, &c, &err), DQ_ECORRUPT);
		CHECKF(strstr(err.msg, "page at offset 4: CRC mismatch"), "%s", err.msg);
		CHECK_INT(parquet_chunk_pages(f, 0, 0, &p, &n, &err), 0);
		CHECK(n >= 1 && p[0].h.has_crc && !p[0].crc_ok);
		free(p);
		parquet_close(f);
	}
	/* a dictionary_page_offset of 0 means none */
	if ((f = open_ok(testing, "data/dict-page-offset-zero.parquet"))) {
		char *rows = all_rows(f, &err);
		CHECKF(rows, "%s", err.msg);
		CHECK_INT(count_lines(rows), 39);
		free(rows);
		parquet_close(f);
	}
	/* PARQUET-816: an old parquet-mr left the dictionary header out of the chunk size */
	if ((f = open_ok(testing, "data/nation.dict-malformed.parquet"))) {
		char *rows = all_rows(f, &err);
		CHECKF(rows, "%s", err.msg);
		CHECK_INT(count_lines(rows), 25);
		free(rows);
		parquet_close(f);
	}
}

static void test_encryption(void)
{
	struct dq_error err = { 0 };
	parquet_file *f = NULL;

	CHECK_INT(parquet_open(testing, "data/uniform_encryption.parquet.encrypted", &f, &err),
		  DQ_ENOTIMPL);
	CHECKF(strstr(err.msg, "encrypted Parquet files are not supported"), "%s", err.msg);
	CHECK(f == NULL);
	/* a plaintext footer opens; its encrypted columns do not read */
	if (!(f = open_ok(testing, "data/encrypt_columns_plaintext_footer.parquet.encrypted")))
		return;
	struct dq_buf b = { 0 };
	CHECK_INT(parquet_read_rows_text(f, 0, NULL, 0, 0, 0, &b, &err), DQ_ENOTIMPL);
	CHECKF(strstr(err.msg, "is encrypted"), "%s", err.msg);
	dq_buf_release(&b);
	parquet_close(f);
}

static void test_fixtures(void)
{
	struct dq_error err = { 0 };
	size_t len;
	char *want = (char *)slurp(FIXTURES, "checkpoint.jsonl", &len);
	static const char *const files[] = {
		"rs_snappy_v1_dictfallback.parquet", "rs_snappy_v2_dict.parquet",
		"rs_zstd_v2_nodict.parquet", "rs_lz4hadoop_v1_dict.parquet",
		"duck_snappy_v1.parquet", "duck_zstd_v2enc_rg100.parquet",
	};

	if (!want) {
		unit_skip("no %s/checkpoint.jsonl", FIXTURES);
		return;
	}
	want[len] = '\0';
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		parquet_file *f = open_ok(fixtures, files[i]);
		if (!f)
			continue;
		char *rows = all_rows(f, &err);
		CHECKF(rows && !strcmp(rows, want), "%s: rows differ from checkpoint.jsonl (%s)",
		       files[i], rows ? "" : err.msg);
		free(rows);
		parquet_close(f);
	}
	free(want);

	/* a chunk whose dictionary fills up and falls back to PLAIN pages */
	parquet_file *f = open_ok(fixtures, "rs_snappy_v1_dictfallback.parquet");
	if (f) {
		const struct parquet_meta *m = parquet_metadata(f);
		bool fallback = false;
		for (size_t l = 0; l < m->nleaves && !fallback; l++) {
			struct parquet_page_info *p;
			size_t n;
			bool dict = false;
			if (parquet_chunk_pages(f, 0, (int)l, &p, &n, &err)) {
				FAILF("%s", err.msg);
				break;
			}
			for (size_t i = 0; i < n; i++) {
				dict = dict || p[i].h.encoding == PQ_RLE_DICTIONARY;
				fallback = fallback || (dict && p[i].h.type == PQ_DATA_PAGE &&
							p[i].h.encoding == PQ_PLAIN);
			}
			free(p);
		}
		CHECK(fallback);
		parquet_close(f);
	}
	/* no rows, no row groups */
	if ((f = open_ok(fixtures, "duck_empty.parquet"))) {
		CHECK_INT(parquet_metadata(f)->nrow_groups, 0);
		parquet_close(f);
	}
	/* the legacy layout (unannotated repeated fields) */
	char *lw = (char *)slurp(FIXTURES, "legacy_v2_snappy.parquet.jsonl", &len);
	if (lw && (f = open_ok(fixtures, "legacy_v2_snappy.parquet"))) {
		lw[len] = '\0';
		char *rows = all_rows(f, &err);
		CHECKF(rows && !strcmp(rows, lw), "legacy_v2_snappy: rows differ (%s)",
		       rows ? "" : err.msg);
		free(rows);
		parquet_close(f);
	}
	free(lw);
}

/* Whether two reads of a column chunk hold the same levels and values. */
static bool same_column(const struct parquet_column *a, const struct parquet_column *b)
{
	if (a->nlevels != b->nlevels || !a->def != !b->def || !a->rep != !b->rep ||
	    a->values.type != b->values.type || a->values.n != b->values.n)
		return false;
	if ((a->def && memcmp(a->def, b->def, a->nlevels * sizeof(int16_t))) ||
	    (a->rep && memcmp(a->rep, b->rep, a->nlevels * sizeof(int16_t))))
		return false;
	for (size_t i = 0; i < a->values.n; i++) {
		switch (a->values.type) {
		case PQ_BOOLEAN:
			if (a->values.v.b[i] != b->values.v.b[i])
				return false;
			break;
		case PQ_INT32:
		case PQ_FLOAT:
			if (memcmp(&a->values.v.i32[i], &b->values.v.i32[i], 4))
				return false;
			break;
		case PQ_INT64:
		case PQ_DOUBLE:
			if (memcmp(&a->values.v.i64[i], &b->values.v.i64[i], 8))
				return false;
			break;
		default:
			if (a->values.v.ba[i].len != b->values.v.ba[i].len ||
			    memcmp(a->values.v.ba[i].ptr, b->values.v.ba[i].ptr, a->values.v.ba[i].len))
				return false;
		}
	}
	return true;
}

/*
 * parquet_read_column_again into one column struct, through every leaf of every row group
 * (last row group first, so buffers grow and shrink, and leaves of every type in turn
 * share the buffers): each read equals a fresh parquet_read_column.  The fixtures have
 * v1 and v2 pages, dictionaries with fallback to PLAIN, nulls, lists and maps.
 */
static void test_read_again(void)
{
	static const char *const files[] = {
		"rs_snappy_v1_dictfallback.parquet", "rs_snappy_v2_dict.parquet",
		"rs_zstd_v2_nodict.parquet", "duck_snappy_v1.parquet", "duck_zstd_v2enc_rg100.parquet",
		"duck_uncompressed_v1.parquet",
	};
	struct dq_error err = { 0 };
	struct parquet_column again;
	size_t reads = 0;

	memset(&again, 0, sizeof(again));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		parquet_file *f = open_ok(fixtures, files[i]);
		if (!f)
			continue;
		const struct parquet_meta *m = parquet_metadata(f);
		for (size_t k = m->nrow_groups; k-- > 0;)
			for (size_t l = 0; l < m->nleaves; l++) {
				struct parquet_column fresh;
				int a = parquet_read_column(f, k, (int)l, &fresh, &err);
				int b = parquet_read_column_again(f, k, (int)l, &again, &err);
				CHECKF(a == 0 && b == 0, "%s rg %zu leaf %zu: %s", files[i], k, l, err.msg);
				if (!a && !b)
					CHECKF(same_column(&fresh, &again), "%s rg %zu leaf %zu: the reread differs",
					       files[i], k, l);
				parquet_column_release(&fresh);
				reads++;
			}
		/* a failed read leaves the column released, and it can be read into again */
		CHECK(parquet_read_column_again(f, m->nrow_groups, 0, &again, &err) != 0);
		CHECK(again.arena.head == NULL && again.arena.spare == NULL);
		if (m->nrow_groups && m->nleaves)
			CHECK_INT(parquet_read_column_again(f, 0, 0, &again, &err), 0);
		parquet_close(f);
	}
	CHECKF(reads > 100, "only %zu reads", reads);
	parquet_column_release(&again);
}

struct scanned {
	size_t n, cap;
	size_t *entry;
	char **value;
	size_t *len;
};

static void record(void *arg, size_t entry, const uint8_t *p, size_t len)
{
	struct scanned *x = arg;
	/* a scan that starts over sees entries again: keep the last sighting */
	size_t i = x->n;
	while (i > 0 && x->entry[i - 1] >= entry)
		i--;
	for (size_t j = i; j < x->n; j++)
		free(x->value[j]);
	x->n = i;
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 64;
		x->entry = realloc(x->entry, x->cap * sizeof(*x->entry));
		x->value = realloc(x->value, x->cap * sizeof(*x->value));
		x->len = realloc(x->len, x->cap * sizeof(*x->len));
	}
	x->entry[x->n] = entry;
	x->value[x->n] = malloc(len ? len : 1);
	memcpy(x->value[x->n], p, len);
	x->len[x->n++] = len;
}

static void scanned_release(struct scanned *x)
{
	for (size_t i = 0; i < x->n; i++)
		free(x->value[i]);
	free(x->entry), free(x->value), free(x->len);
	memset(x, 0, sizeof(*x));
}

/*
 * parquet_scan_bytes gives the defined values of every BYTE_ARRAY leaf, with their level
 * entries, exactly as parquet_read_column does: streamed (PLAIN Snappy pages, v1 and v2),
 * decompressed whole (other codecs) or read whole (dictionaries, repeated leaves).
 */
/* parquet_scan_bytes and parquet_read_column agree on leaf l of row group g: both fail,
 * or both give the same values at the same level entries. */
static bool scan_agrees(parquet_file *f, size_t g, size_t l, struct parquet_column *scratch)
{
	const struct parquet_meta *m = parquet_metadata(f);
	const struct parquet_schema_element *e = &m->schema[m->leaves[l]];
	struct dq_error err = { 0 };
	struct parquet_column col;
	struct scanned x = { 0 };
	int a = parquet_read_column(f, g, (int)l, &col, &err);
	int b = parquet_scan_bytes(f, g, (int)l, scratch, record, &x, &err);
	bool same = (a == 0) == (b == 0);
	if (!a && !b) {
		same = x.n == col.values.n;
		for (size_t li = 0, vi = 0; same && li < col.nlevels; li++) {
			if (col.def && col.def[li] != e->max_def)
				continue;
			same = x.entry[vi] == li && x.len[vi] == col.values.v.ba[vi].len &&
			       !memcmp(x.value[vi], col.values.v.ba[vi].ptr, x.len[vi]);
			vi++;
		}
	}
	scanned_release(&x);
	parquet_column_release(&col);
	return same;
}

static void test_scan_bytes(void)
{
	static const char *const files[] = {
		"rs_snappy_v1_dictfallback.parquet", "rs_snappy_v2_dict.parquet",
		"rs_zstd_v2_nodict.parquet", "duck_snappy_v1.parquet", "duck_snappy_v1_nodict.parquet",
		"duck_snappy_v2enc.parquet", "duck_zstd_v2enc_rg100.parquet",
		"duck_uncompressed_v1.parquet", "duck_gzip_v1.parquet",
	};
	struct dq_error err = { 0 };
	struct parquet_column scratch;
	size_t compared = 0;

	memset(&scratch, 0, sizeof(scratch));
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		parquet_file *f = open_ok(fixtures, files[i]);
		if (!f)
			continue;
		const struct parquet_meta *m = parquet_metadata(f);
		for (size_t k = 0; k < m->nrow_groups; k++)
			for (size_t l = 0; l < m->nleaves; l++) {
				const struct parquet_schema_element *e = &m->schema[m->leaves[l]];
				if (e->type != PQ_BYTE_ARRAY)
					continue;
				struct parquet_column col;
				CHECKF(parquet_read_column(f, k, (int)l, &col, &err) == 0, "%s: %s", files[i], err.msg);
				parquet_column_release(&col);
				CHECKF(scan_agrees(f, k, l, &scratch), "%s rg %zu %s: scanned values differ",
				       files[i], k, e->path);
				compared++;
			}
		parquet_close(f);
	}
	CHECKF(compared > 50, "only %zu chunks", compared);
	/* a leaf of numbers is refused, not read as byte arrays */
	parquet_file *f = open_ok(fixtures, "duck_snappy_v1.parquet");
	if (f) {
		const struct parquet_meta *m = parquet_metadata(f);
		for (size_t l = 0; l < m->nleaves; l++)
			if (m->schema[m->leaves[l]].type == PQ_INT64) {
				struct scanned x = { 0 };
				CHECK_INT(parquet_scan_bytes(f, 0, (int)l, &scratch, record, &x, &err), DQ_EINVAL);
				CHECK_INT(x.n, 0);
				break;
			}
		parquet_close(f);
	}
	parquet_column_release(&scratch);
}

static void test_bad_files(void)
{
	struct dq_error err = { 0 };
	parquet_file *f = NULL;
	uint8_t b[64];

	CHECK_INT(parquet_open(tmp, "missing.parquet", &f, &err), DQ_EIO);
	CHECKF(strstr(err.msg, "cannot read 'missing.parquet'"), "%s", err.msg);
	CHECK_INT(parquet_open(tmp, ".", &f, &err), DQ_EIO);
	put_file("empty.parquet", b, 0);
	CHECK_INT(parquet_open(tmp, "empty.parquet", &f, &err), DQ_ECORRUPT);
	memcpy(b, "PAR1PAR1PAR1PAR1", 16);
	put_file("magic.parquet", b, 16);
	CHECK_INT(parquet_open(tmp, "magic.parquet", &f, &err), DQ_ECORRUPT);
	CHECKF(strstr(err.msg, "invalid footer length"), "%s", err.msg);
	memcpy(b, "PAR1\x01\x02\x03\x04\x05\x06\x07\x08\x02\x00\x00\x00PARE", 20);
	put_file("pare.parquet", b, 20);
	CHECK_INT(parquet_open(tmp, "pare.parquet", &f, &err), DQ_ENOTIMPL);
	memcpy(b, "XXXX\x01\x02\x03\x04\x05\x06\x07\x08\x02\x00\x00\x00PAR1", 20);
	put_file("nostart.parquet", b, 20);
	CHECK_INT(parquet_open(tmp, "nostart.parquet", &f, &err), DQ_ECORRUPT);
	CHECKF(strstr(err.msg, "no PAR1 magic at its start"), "%s", err.msg);
	memcpy(b, "PAR1\x01\x02\x03\x04\x05\x06\x07\x08\x02\x00\x00\x00PAR1", 20);
	put_file("footer.parquet", b, 20);
	CHECK_INT(parquet_open(tmp, "footer.parquet", &f, &err), DQ_ECORRUPT);
	CHECKF(strstr(err.msg, "footer.parquet") && strstr(err.msg, "offset"), "%s", err.msg);
	CHECK(f == NULL);
}

/* ---- robustness --------------------------------------------------------------------------- */

static size_t outcomes[3]; /* opened and read, open failed, read failed */

/* Opens the copy in tmp and reads everything a user can ask for; must not crash. */
static void read_all(const char *name)
{
	struct dq_error err = { 0 };
	parquet_file *f = NULL;

	if (parquet_open(tmp, name, &f, &err)) {
		CHECKF(err.msg[0] && err.code != DQ_OK, "an error without a message");
		outcomes[1]++;
		return;
	}
	const struct parquet_meta *m = parquet_metadata(f);
	bool failed = false;
	struct parquet_column scratch;
	memset(&scratch, 0, sizeof(scratch));
	for (size_t g = 0; g < m->nrow_groups && g < 8; g++) {
		for (size_t l = 0; l < m->nleaves; l++) {
			struct parquet_page_info *p;
			size_t n;
			if (!parquet_chunk_pages(f, g, (int)l, &p, &n, &err))
				free(p);
			if (m->schema[m->leaves[l]].type == PQ_BYTE_ARRAY)
				CHECKF(scan_agrees(f, g, l, &scratch), "%s rg %zu leaf %zu: the scan "
				       "and the read disagree", name, g, l);
		}
		struct dq_buf b = { 0 };
		if (parquet_read_rows_text(f, g, NULL, 0, 0, 0, &b, &err)) {
			CHECKF(err.msg[0], "an error without a message");
			failed = true;
		}
		dq_buf_release(&b);
	}
	outcomes[failed ? 2 : 0]++;
	parquet_column_release(&scratch);
	parquet_close(f);
}

/* Every truncation (or every step-th) of a file must fail cleanly. */
static void truncations(const char *dir, const char *name)
{
	size_t len;
	uint8_t *b = slurp(dir, name, &len);

	if (!b)
		return;
	size_t step = len > 20000 ? len / 5000 : 1;
	for (size_t n = 0; n < len; n += step) {
		struct dq_error err = { 0 };
		parquet_file *f = NULL;
		put_file("cut.parquet", b, n);
		int rc = parquet_open(tmp, "cut.parquet", &f, &err);
		CHECKF(rc == DQ_ECORRUPT || rc == DQ_ENOTIMPL, "%s cut at %zu: rc %d (%s)",
		       name, n, rc, err.msg);
		parquet_close(f);
	}
	free(b);
}

/* Random byte flips in the footer and in the page headers. */
static void flips(const char *dir, const char *name, uint64_t *seed, int rounds)
{
	size_t len;
	uint8_t *b = slurp(dir, name, &len), *c;
	struct dq_error err = { 0 };
	parquet_file *f = NULL;

	if (!b)
		return;
	if (!(c = malloc(len))) {
		free(b);
		return;
	}
	/* where the footer and the page headers are, from the intact file */
	put_file("flip.parquet", b, len);
	if (parquet_open(tmp, "flip.parquet", &f, &err)) {
		FAILF("%s: %s", name, err.msg);
		free(b);
		free(c);
		return;
	}
	int64_t foff = f->footer_offset;
	struct { int64_t off; size_t len; } hdr[4096];
	size_t nh = 0;
	const struct parquet_meta *m = parquet_metadata(f);
	for (size_t g = 0; g < m->nrow_groups; g++)
		for (size_t l = 0; l < m->nleaves; l++) {
			struct parquet_page_info *p;
			size_t n;
			if (parquet_chunk_pages(f, g, (int)l, &p, &n, &err))
				continue;
			for (size_t i = 0; i < n && nh < sizeof(hdr) / sizeof(hdr[0]); i++) {
				hdr[nh].off = p[i].offset;
				hdr[nh++].len = p[i].header_len;
			}
			free(p);
		}
	parquet_close(f);
	for (int r = 0; r < rounds; r++) {
		memcpy(c, b, len);
		int nflip = 1 + (int)(unit_rng(seed) % 3);
		for (int k = 0; k < nflip; k++) {
			size_t at;
			if (nh && (r & 1)) {
				size_t h = (size_t)(unit_rng(seed) % nh);
				at = (size_t)hdr[h].off + (size_t)(unit_rng(seed) % hdr[h].len);
			} else {
				at = (size_t)foff + (size_t)(unit_rng(seed) % (uint64_t)(len - 8 - (size_t)foff));
			}
			c[at] ^= (uint8_t)(1u << (unit_rng(seed) % 8));
			if (unit_rng(seed) % 4 == 0)
				c[at] = (uint8_t)unit_rng(seed);
		}
		put_file("flip.parquet", c, len);
		read_all("flip.parquet");
	}
	free(b);
	free(c);
}

static void test_robustness(void)
{
	char path[512];
	const char *env = getenv("DQ_PARQUET_FLIPS"), *senv = getenv("DQ_PARQUET_SEED");
	int rounds = env && atoi(env) > 0 ? atoi(env) : 300;
	uint64_t seed = senv ? strtoull(senv, NULL, 10) : 42;
	static const char *const pt[] = {
		"alltypes_plain.parquet", "alltypes_dictionary.parquet", "datapage_v2.snappy.parquet",
		"nested_maps.snappy.parquet", "nested_lists.snappy.parquet", "nullable.impala.parquet",
		"repeated_no_annotation.parquet", "delta_byte_array.parquet",
		"rle-dict-snappy-checksum.parquet", "byte_stream_split.zstd.parquet",
		"dict-page-offset-zero.parquet", "fixed_length_decimal.parquet",
		"int96_from_spark.parquet", "delta_encoding_optional_column.parquet",
	};
	static const char *const fx[] = {
		"legacy_v1_gzip.parquet", "legacy_v2_snappy.parquet", "rs_snappy_v1_dictfallback.parquet",
		"duck_zstd_v2enc_nodict.parquet",
	};

	snprintf(path, sizeof(path), "%s/data", testing_dir());
	for (size_t i = 0; testing && i < sizeof(pt) / sizeof(pt[0]); i++) {
		truncations(path, pt[i]);
		flips(path, pt[i], &seed, rounds);
	}
	for (size_t i = 0; fixtures && i < sizeof(fx) / sizeof(fx[0]); i++) {
		truncations(FIXTURES, fx[i]);
		flips(FIXTURES, fx[i], &seed, rounds);
	}
	printf("flips: %zu read, %zu refused at open, %zu refused reading\n", outcomes[0],
	       outcomes[1], outcomes[2]);
	CHECK(outcomes[1] + outcomes[2] > 0);
	struct rusage ru;
	if (!getrusage(RUSAGE_SELF, &ru))
		CHECKF(ru.ru_maxrss < 1024 * 1024, "peak memory %ld KiB", ru.ru_maxrss);
}

static void rm_tmp(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	char path[600];

	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	rmdir(tmpdir);
}

int main(void)
{
	struct dq_error err = { 0 };
	const char *t = getenv("TMPDIR");

	snprintf(tmpdir, sizeof(tmpdir), "%s/dq-parquet-XXXXXX", t && *t ? t : "/tmp");
	if (!mkdtemp(tmpdir) || store_dir_open(tmpdir, &tmp, &err)) {
		FAILF("cannot make a temporary directory: %s", err.msg);
		return unit_done();
	}
	if (store_dir_open(testing_dir(), &testing, &err))
		testing = NULL;
	if (store_dir_open(FIXTURES, &fixtures, &err))
		fixtures = NULL;

	unit_run("double text", test_double_text);
	unit_run("bad files", test_bad_files);
	if (testing) {
		unit_run("alltypes_plain", test_alltypes_plain);
		unit_run("nested", test_nested);
		unit_run("types", test_types);
		unit_run("json values", test_json_values);
		unit_run("pages", test_pages);
		unit_run("encryption", test_encryption);
	} else {
		unit_skip("no parquet-testing under %s", testing_dir());
	}
	if (fixtures) {
		unit_run("fixtures", test_fixtures);
		unit_run("read again", test_read_again);
		unit_run("scan bytes", test_scan_bytes);
	} else
		unit_skip("no %s", FIXTURES);
	unit_run("truncations and flips", test_robustness);

	if (testing)
		store_close(testing);
	if (fixtures)
		store_close(fixtures);
	store_close(tmp);
	rm_tmp();
	return unit_done();
}
