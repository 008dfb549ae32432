/*
 * parquet.c - `deltaq parquet FILE`: what a Parquet file holds, read with deltaq's own
 * reader: the footer (writer, rows, row groups, the schema with its levels, every column
 * chunk with codec, encodings, sizes and statistics), with --pages every page header, or
 * with --rows N the first rows as JSON in the shape DuckDB's JSON export gives them.
 * FILE is any local Parquet file: a data file or checkpoint inside a table, or any other.
 * This command reads below the public API (lib/parquet), since it inspects the format
 * itself rather than a table.
 */
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "encoding.h"
#include "reader.h"

const char usage_parquet[] =
	"usage: deltaq parquet [options] FILE\n"
	"\n"
	"Show a Parquet file's footer: writer, rows, row groups, the schema with each\n"
	"node's type, repetition, annotations and levels, and every column chunk's type,\n"
	"codec, encodings, sizes, offsets and statistics.  -o json: the footer as one\n"
	"document; tsv, csv: the column chunks; ndjson: the rows, as --rows prints them.\n"
	"\n"
	"      --pages          add every page header (tsv, csv: list the pages instead)\n"
	"      --rows N         print the first N rows as JSON instead, one object per\n"
	"                       line (-o json: an array), as DuckDB's JSON export does\n"
	"  -o, --output FORMAT  text (default), json, ndjson, tsv or csv\n"
	"      --threads N      accepted; a file is read by one thread\n"
	"  -h, --help           this help\n";

enum { OPT_PAGES = 2000, OPT_ROWS };

/* The common options but --at: a file has no versions. */
const struct option options_parquet[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "output", required_argument, NULL, 'o' },
	{ "pages", no_argument, NULL, OPT_PAGES },
	{ "rows", required_argument, NULL, OPT_ROWS },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ NULL, 0, NULL, 0 },
};

static const char *name_or(const char *name, int v, char *buf, size_t n)
{
	if (name)
		return name;
	snprintf(buf, n, "%d", v);
	return buf;
}

static const char *const converted_names[] = {
	"UTF8", "MAP", "MAP_KEY_VALUE", "LIST", "ENUM", "DECIMAL", "DATE", "TIME_MILLIS",
	"TIME_MICROS", "TIMESTAMP_MILLIS", "TIMESTAMP_MICROS", "UINT_8", "UINT_16", "UINT_32",
	"UINT_64", "INT_8", "INT_16", "INT_32", "INT_64", "JSON", "BSON", "INTERVAL",
};

static json_t *converted_json(const struct parquet_schema_element *e)
{
	char buf[32];
	int ct = e->converted_type;

	if (ct < 0)
		return json_null();
	if ((size_t)ct >= sizeof(converted_names) / sizeof(converted_names[0])) {
		snprintf(buf, sizeof(buf), "%d", ct);
		return json_string(buf);
	}
	if (ct == PQ_CT_DECIMAL) {
		snprintf(buf, sizeof(buf), "DECIMAL(%d,%d)", (int)e->precision, (int)e->scale);
		return json_string(buf);
	}
	return json_string(converted_names[ct]);
}

static const char *unit_name(int unit)
{
	return unit == PQ_MILLIS ? "MILLIS" : unit == PQ_MICROS ? "MICROS" :
	       unit == PQ_NANOS ? "NANOS" : "?";
}

static json_t *logical_json(const struct parquet_logical *lt)
{
	static const char *const names[] = {
		[PQ_LT_STRING] = "STRING", [PQ_LT_MAP] = "MAP", [PQ_LT_LIST] = "LIST",
		[PQ_LT_ENUM] = "ENUM", [PQ_LT_DATE] = "DATE", [PQ_LT_UNKNOWN] = "UNKNOWN",
		[PQ_LT_JSON] = "JSON", [PQ_LT_BSON] = "BSON", [PQ_LT_UUID] = "UUID",
		[PQ_LT_FLOAT16] = "FLOAT16", [PQ_LT_VARIANT] = "VARIANT",
		[PQ_LT_GEOMETRY] = "GEOMETRY", [PQ_LT_GEOGRAPHY] = "GEOGRAPHY",
	};
	char buf[64];

	switch (lt->kind) {
	case PQ_LT_NONE:
		return json_null();
	case PQ_LT_DECIMAL:
		snprintf(buf, sizeof(buf), "DECIMAL(%d,%d)", (int)lt->precision, (int)lt->scale);
		break;
	case PQ_LT_TIME:
	case PQ_LT_TIMESTAMP:
		snprintf(buf, sizeof(buf), "%s(%s,%s)", lt->kind == PQ_LT_TIME ? "TIME" : "TIMESTAMP",
			 unit_name(lt->unit), lt->utc ? "UTC" : "local");
		break;
	case PQ_LT_INTEGER:
		snprintf(buf, sizeof(buf), "INTEGER(%d,%s)", (int)lt->bit_width,
			 lt->is_signed ? "signed" : "unsigned");
		break;
	default:
		if ((size_t)lt->kind < sizeof(names) / sizeof(names[0]) && names[lt->kind])
			return json_string(names[lt->kind]);
		return json_string("OTHER");
	}
	return json_string(buf);
}

static json_t *schema_json(const struct parquet_meta *m)
{
	static const char *const reps[] = { "REQUIRED", "OPTIONAL", "REPEATED" };
	json_t *a = json_array();
	char buf[32];

	for (size_t i = 1; i < m->nschema; i++) {
		const struct parquet_schema_element *e = &m->schema[i];
		json_t *o = json_object();
		json_object_set_new(o, "path", dq_json_text(e->path ? e->path : e->name));
		json_object_set_new(o, "type", e->type == PQ_GROUP ? json_null() :
				    json_string(name_or(parquet_type_name(e->type), e->type, buf,
							sizeof(buf))));
		if (e->type == PQ_FIXED_LEN_BYTE_ARRAY)
			json_object_set_new(o, "type_length", json_integer(e->type_length));
		json_object_set_new(o, "repetition", e->repetition >= 0 && e->repetition <= 2 ?
				    json_string(reps[e->repetition]) : json_null());
		json_object_set_new(o, "logical_type", logical_json(&e->logical));
		json_object_set_new(o, "converted_type", converted_json(e));
		json_object_set_new(o, "max_definition_level", json_integer(e->max_def));
		json_object_set_new(o, "max_repetition_level", json_integer(e->max_rep));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *stat_value(const struct parquet_meta *m, int leaf, bool has, const uint8_t *p,
			  uint32_t len)
{
	struct dq_buf b = { 0 };
	json_t *v = NULL;

	if (has && !parquet_value_text(m, leaf, p, len, &b))
		v = json_stringn(b.data ? b.data : "", b.len);
	dq_buf_release(&b);
	return v ? v : json_null();
}

static const char *page_type_name(int t)
{
	static const char *const names[] = { "DATA_PAGE", "INDEX_PAGE", "DICTIONARY_PAGE",
					     "DATA_PAGE_V2" };
	return t >= 0 && t <= 3 ? names[t] : NULL;
}

static json_t *enc_json(int e)
{
	char buf[24];
	return e < 0 ? json_null() : json_string(name_or(parquet_encoding_name(e), e, buf, sizeof(buf)));
}

static json_t *page_json(const struct parquet_page_info *p)
{
	const struct parquet_page_header *h = &p->h;
	char buf[24];
	json_t *o = json_object();
	bool data = h->type == PQ_DATA_PAGE || h->type == PQ_DATA_PAGE_V2;

	json_object_set_new(o, "offset", json_integer(p->offset));
	json_object_set_new(o, "type", json_string(name_or(page_type_name(h->type), h->type, buf,
							    sizeof(buf))));
	json_object_set_new(o, "header_size", json_integer((json_int_t)p->header_len));
	json_object_set_new(o, "compressed_size", json_integer(h->compressed_size));
	json_object_set_new(o, "uncompressed_size", json_integer(h->uncompressed_size));
	json_object_set_new(o, "encoding", data ? enc_json(h->encoding) :
			    h->type == PQ_DICTIONARY_PAGE ? enc_json(h->dict_encoding) : json_null());
	json_object_set_new(o, "num_values", data ? json_integer(h->num_values) :
			    h->type == PQ_DICTIONARY_PAGE ? json_integer(h->dict_num_values) : json_null());
	json_object_set_new(o, "num_nulls", h->type == PQ_DATA_PAGE_V2 ?
			    json_integer(h->num_nulls) : json_null());
	json_object_set_new(o, "num_rows", h->type == PQ_DATA_PAGE_V2 ?
			    json_integer(h->num_rows) : json_null());
	json_object_set_new(o, "definition_level_encoding", h->type == PQ_DATA_PAGE ?
			    enc_json(h->def_encoding) : h->type == PQ_DATA_PAGE_V2 ?
			    json_string("RLE") : json_null());
	json_object_set_new(o, "repetition_level_encoding", h->type == PQ_DATA_PAGE ?
			    enc_json(h->rep_encoding) : h->type == PQ_DATA_PAGE_V2 ?
			    json_string("RLE") : json_null());
	json_object_set_new(o, "is_compressed", h->type == PQ_DATA_PAGE_V2 ?
			    json_boolean(h->is_compressed) : json_null());
	json_object_set_new(o, "crc", !h->has_crc ? json_null() :
			    json_string(p->crc_ok ? "ok" : "mismatch"));
	return o;
}

static json_t *column_json(const struct parquet_meta *m, size_t rg, size_t c)
{
	const struct parquet_column_chunk *cc = &m->row_groups[rg].columns[c];
	const struct parquet_column_meta *cm = &cc->meta;
	const struct parquet_schema_element *e = &m->schema[m->leaves[c]];
	const struct parquet_statistics *st = &cm->stats;
	char buf[24];
	json_t *o = json_object(), *enc = json_array(), *s = json_object();

	json_object_set_new(o, "path", dq_json_text(e->path));
	if (!cc->has_meta) {
		json_object_set_new(o, "type", json_null());
		json_object_set_new(o, "codec", json_null());
		json_object_set_new(o, "encodings", enc);
		json_object_set_new(o, "num_values", json_null());
		json_object_set_new(o, "compressed_size", json_null());
		json_object_set_new(o, "uncompressed_size", json_null());
		json_object_set_new(o, "data_page_offset", json_null());
		json_object_set_new(o, "dictionary_page_offset", json_null());
		json_object_set_new(s, "min", json_null());
		json_object_set_new(s, "max", json_null());
		json_object_set_new(s, "null_count", json_null());
		json_object_set_new(o, "statistics", s);
		return o;
	}
	json_object_set_new(o, "type", json_string(name_or(parquet_type_name(cm->type), cm->type,
							    buf, sizeof(buf))));
	json_object_set_new(o, "codec", json_string(name_or(parquet_codec_name(cm->codec), cm->codec,
							     buf, sizeof(buf))));
	for (size_t i = 0; i < cm->nencodings; i++)
		json_array_append_new(enc, enc_json(cm->encodings[i]));
	json_object_set_new(o, "encodings", enc);
	json_object_set_new(o, "num_values", json_integer(cm->num_values));
	json_object_set_new(o, "compressed_size", json_integer(cm->total_compressed_size));
	json_object_set_new(o, "uncompressed_size", json_integer(cm->total_uncompressed_size));
	json_object_set_new(o, "data_page_offset", json_integer(cm->data_page_offset));
	json_object_set_new(o, "dictionary_page_offset", json_int_or_null(cm->dictionary_page_offset,
									  cm->dictionary_page_offset >= 0));
	json_object_set_new(s, "min", stat_value(m, (int)c, st->has_min, st->min, st->min_len));
	json_object_set_new(s, "max", stat_value(m, (int)c, st->has_max, st->max, st->max_len));
	json_object_set_new(s, "null_count", json_int_or_null(st->null_count, st->has_null_count));
	json_object_set_new(o, "statistics", s);
	return o;
}

/* The footer as one JSON document (new); with pages, each column's page headers too. */
static int footer_json(parquet_file *f, const char *file, bool pages, json_t **out,
		       struct dq_error *err)
{
	const struct parquet_meta *m = parquet_metadata(f);
	json_t *doc = json_object(), *rgs = json_array(), *kv = json_object();

	json_object_set_new(doc, "file", dq_json_text(file));
	json_object_set_new(doc, "size", json_integer(parquet_file_size(f)));
	json_object_set_new(doc, "created_by", json_str_or_null(m->created_by));
	json_object_set_new(doc, "num_rows", json_integer(m->num_rows));
	for (size_t g = 0; g < m->nrow_groups; g++) {
		const struct parquet_row_group *rg = &m->row_groups[g];
		json_t *o = json_object(), *cols = json_array();
		json_object_set_new(o, "num_rows", json_integer(rg->num_rows));
		json_object_set_new(o, "total_byte_size", json_integer(rg->total_byte_size));
		for (size_t c = 0; c < rg->ncolumns; c++) {
			json_t *col = column_json(m, g, c);
			if (pages) {
				struct parquet_page_info *pi;
				size_t n;
				if (parquet_chunk_pages(f, g, (int)c, &pi, &n, err)) {
					json_decref(col);
					json_decref(cols);
					json_decref(o);
					json_decref(rgs);
					json_decref(kv);
					json_decref(doc);
					return -1;
				}
				json_t *pa = json_array();
				for (size_t i = 0; i < n; i++)
					json_array_append_new(pa, page_json(&pi[i]));
				free(pi);
				json_object_set_new(col, "pages", pa);
			}
			json_array_append_new(cols, col);
		}
		json_object_set_new(o, "columns", cols);
		json_array_append_new(rgs, o);
	}
	json_object_set_new(doc, "row_groups", rgs);
	json_object_set_new(doc, "schema", schema_json(m));
	for (size_t i = 0; i < m->nkv; i++)
		if (m->kv[i].key) {
			json_t *k = dq_json_text(m->kv[i].key); /* a key that is not UTF-8 too */
			if (k)
				json_object_set_new(kv, json_string_value(k), json_str_or_null(m->kv[i].value));
			json_decref(k);
		}
	json_object_set_new(doc, "key_value_metadata", kv);
	*out = doc;
	return 0;
}

/* ---- text ---------------------------------------------------------------------------- */

/* s on one line: control characters as \n, \t or \xHH, and cut after max bytes. */
static void print_cut(const char *s, size_t max)
{
	size_t n = strlen(s);

	for (size_t i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20 || c == 0x7f)
			printf("\\x%02x", c);
		else
			putchar(c);
	}
	if (n > max)
		printf("... (%zu bytes)", n);
}

static void text_header(const json_t *doc)
{
	static const struct out_col cols[] = {
		{ "file", NULL, 0 }, { "size", NULL, 0 }, { "created_by", NULL, 0 },
		{ "num_rows", NULL, 0 }, { "row_groups", NULL, 0 },
	};
	json_t *row = json_object();
	struct out o;

	json_object_set(row, "file", json_object_get(doc, "file"));
	json_object_set(row, "size", json_object_get(doc, "size"));
	json_object_set(row, "created_by", json_object_get(doc, "created_by"));
	json_object_set(row, "num_rows", json_object_get(doc, "num_rows"));
	json_object_set_new(row, "row_groups",
			    json_integer((json_int_t)json_array_size(json_object_get(doc, "row_groups"))));
	out_begin(&o, OUT_TEXT, cols, sizeof(cols) / sizeof(cols[0]), true);
	out_row(&o, row);
	out_end(&o);

	const json_t *kv = json_object_get(doc, "key_value_metadata");
	const char *k;
	json_t *v;
	if (json_object_size(kv))
		printf("key_value_metadata:\n");
	json_object_foreach((json_t *)kv, k, v) {
		printf("  ");
		print_cut(k, 72);
		if (json_is_string(v)) {
			putchar('=');
			print_cut(json_string_value(v), 72);
		}
		putchar('\n');
	}
}

static void text_schema(const json_t *doc)
{
	static const struct out_col cols[] = {
		{ "path", "PATH", 0 }, { "type", "TYPE", 0 }, { "repetition", "REPETITION", 0 },
		{ "logical_type", "LOGICAL", 0 }, { "converted_type", "CONVERTED", 0 },
		{ "max_definition_level", "DEF", COL_RIGHT },
		{ "max_repetition_level", "REP", COL_RIGHT },
	};
	struct out o;
	size_t i;
	json_t *e;

	printf("\nschema:\n");
	out_begin(&o, OUT_TEXT, cols, sizeof(cols) / sizeof(cols[0]), false);
	json_array_foreach(json_object_get(doc, "schema"), i, e) {
		json_t *row = json_deep_copy(e);
		json_t *t = json_object_get(row, "type");
		if (json_is_null(t))
			json_object_set_new(row, "type", json_string("group"));
		else if (json_object_get(row, "type_length"))
			json_object_set_new(row, "type", json_sprintf("%s(%lld)", json_string_value(t),
					    (long long)json_integer_value(json_object_get(row, "type_length"))));
		out_row(&o, row);
	}
	out_end(&o);
}

static const struct out_col chunk_cols[] = {
	{ "row_group", "GROUP", COL_NOTEXT },
	{ "path", "PATH", 0 }, { "type", "TYPE", 0 }, { "codec", "CODEC", 0 },
	{ "encodings", "ENCODINGS", 0 }, { "num_values", "VALUES", COL_RIGHT },
	{ "compressed_size", "COMPRESSED", COL_RIGHT },
	{ "uncompressed_size", "UNCOMPRESSED", COL_RIGHT },
	{ "data_page_offset", "DATA_PAGE", COL_NOTEXT },
	{ "dictionary_page_offset", "DICT_PAGE", COL_NOTEXT },
	{ "min", "MIN", 0 }, { "max", "MAX", 0 }, { "null_count", "NULLS", COL_RIGHT },
};

/* A column chunk as a flat record for the chunk table. */
static json_t *chunk_row(size_t g, const json_t *col)
{
	json_t *row = json_deep_copy(col), *st = json_object_get(col, "statistics");

	json_object_set_new(row, "row_group", json_integer((json_int_t)g));
	json_object_set(row, "min", json_object_get(st, "min"));
	json_object_set(row, "max", json_object_get(st, "max"));
	json_object_set(row, "null_count", json_object_get(st, "null_count"));
	json_object_del(row, "statistics");
	json_object_del(row, "pages");
	return row;
}

/* Long statistics (strings) are cut for the text table. */
static void shorten(json_t *row, const char *key)
{
	json_t *v = json_object_get(row, key);
	const char *s = json_string_value(v);
	size_t n = 0, bytes = 0;

	if (!s)
		return;
	for (const char *p = s; *p; p++)
		if (((unsigned char)*p & 0xC0) != 0x80 && ++n == 33)
			bytes = (size_t)(p - s);
	if (n > 40)
		json_object_set_new(row, key, json_sprintf("%.*s...", (int)bytes, s));
}

static const struct out_col page_cols[] = {
	{ "row_group", "GROUP", COL_NOTEXT },
	{ "path", "PATH", 0 }, { "offset", "OFFSET", COL_RIGHT }, { "type", "PAGE", 0 },
	{ "header_size", "HEADER", COL_NOTEXT },
	{ "encoding", "ENCODING", 0 }, { "num_values", "VALUES", COL_RIGHT },
	{ "num_nulls", "NULLS", COL_NOTEXT }, { "num_rows", "ROWS", COL_NOTEXT },
	{ "compressed_size", "COMPRESSED", COL_RIGHT },
	{ "uncompressed_size", "UNCOMPRESSED", COL_RIGHT },
	{ "definition_level_encoding", "DEF_ENCODING", COL_NOTEXT },
	{ "repetition_level_encoding", "REP_ENCODING", COL_NOTEXT },
	{ "is_compressed", "IS_COMPRESSED", COL_NOTEXT }, { "crc", "CRC", 0 },
};

/* A page header as a record of the page table. */
static json_t *page_row(size_t g, const json_t *col, const json_t *pg)
{
	json_t *row = json_deep_copy(pg);

	json_object_set_new(row, "row_group", json_integer((json_int_t)g));
	json_object_set(row, "path", json_object_get(col, "path"));
	return row;
}

static void text_row_groups(const json_t *doc, bool pages)
{
	size_t g, c, p;
	json_t *rg, *col, *pg;

	json_array_foreach(json_object_get(doc, "row_groups"), g, rg) {
		struct out o;
		printf("\nrow group %zu: %lld rows, %lld bytes\n", g,
		       (long long)json_integer_value(json_object_get(rg, "num_rows")),
		       (long long)json_integer_value(json_object_get(rg, "total_byte_size")));
		out_begin(&o, OUT_TEXT, chunk_cols, sizeof(chunk_cols) / sizeof(chunk_cols[0]), false);
		json_array_foreach(json_object_get(rg, "columns"), c, col) {
			json_t *row = chunk_row(g, col);
			shorten(row, "min");
			shorten(row, "max");
			out_row(&o, row);
		}
		out_end(&o);
		if (!pages)
			continue;
		printf("\npages of row group %zu:\n", g);
		out_begin(&o, OUT_TEXT, page_cols, sizeof(page_cols) / sizeof(page_cols[0]), false);
		json_array_foreach(json_object_get(rg, "columns"), c, col)
			json_array_foreach(json_object_get(col, "pages"), p, pg)
				out_row(&o, page_row(g, col, pg));
		out_end(&o);
	}
}

static int sv_chunks(const json_t *doc, enum out_format fmt)
{
	struct out o;
	size_t g, c;
	json_t *rg, *col;

	out_begin(&o, fmt, chunk_cols, sizeof(chunk_cols) / sizeof(chunk_cols[0]), false);
	json_array_foreach(json_object_get(doc, "row_groups"), g, rg)
		json_array_foreach(json_object_get(rg, "columns"), c, col)
			out_row(&o, chunk_row(g, col));
	return out_end(&o);
}

static int sv_pages(const json_t *doc, enum out_format fmt)
{
	struct out o;
	size_t g, c, p;
	json_t *rg, *col, *pg;

	out_begin(&o, fmt, page_cols, sizeof(page_cols) / sizeof(page_cols[0]), false);
	json_array_foreach(json_object_get(doc, "row_groups"), g, rg)
		json_array_foreach(json_object_get(rg, "columns"), c, col)
			json_array_foreach(json_object_get(col, "pages"), p, pg)
				out_row(&o, page_row(g, col, pg));
	return out_end(&o);
}

/* ---- rows ----------------------------------------------------------------------------- */

/*
 * The first `want` rows, row group by row group.  They are gathered in memory and written
 * only once every row group they come from has been read, so a file that fails anywhere
 * leaves stdout empty rather than holding a prefix that looks complete.
 */
static int print_rows(parquet_file *f, const struct cli *cli, size_t want)
{
	const struct parquet_meta *m = parquet_metadata(f);
	struct dq_error err = { 0 };
	struct dq_buf b = { 0 }, doc = { 0 };
	size_t printed = 0;
	bool array = cli->format == OUT_JSON;
	int rc = EXIT_OK;

	for (size_t g = 0; g < m->nrow_groups && printed < want; g++) {
		b.len = 0;
		if (parquet_read_rows_text(f, g, NULL, 0, 0, want - printed, &b, &err)) {
			rc = cli_fail(&err);
			goto out;
		}
		for (size_t i = 0; i < b.len;) {
			char *nl = memchr(b.data + i, '\n', b.len - i);
			size_t n = nl ? (size_t)(nl - (b.data + i)) : b.len - i;
			if ((array && dq_buf_puts(&doc, printed ? ",\n" : "[\n")) ||
			    dq_buf_append(&doc, b.data + i, n) ||
			    (!array && dq_buf_puts(&doc, "\n"))) {
				fputs("deltaq: out of memory\n", stderr);
				rc = EXIT_UNREADABLE;
				goto out;
			}
			printed++;
			i += n + 1;
		}
	}
	if (array && dq_buf_puts(&doc, printed ? "\n]\n" : "[]\n")) {
		fputs("deltaq: out of memory\n", stderr);
		rc = EXIT_UNREADABLE;
		goto out;
	}
	if (doc.len)
		fwrite(doc.data, 1, doc.len, stdout);
	rc = ferror(stdout) ? EXIT_UNREADABLE : EXIT_OK;
out:
	dq_buf_release(&b);
	dq_buf_release(&doc);
	return rc;
}

/* Opens FILE's directory as a store and the file in it. */
static int open_file(const struct cli *cli, const char *arg, struct store **s, parquet_file **f)
{
	struct dq_error err = { 0 };
	char *d = strdup(arg), *b = strdup(arg);
	int rc = EXIT_OK;

	if (!d || !b) {
		fprintf(stderr, "deltaq: out of memory\n");
		rc = EXIT_UNREADABLE;
	} else if (store_dir_open(dirname(d), s, &err)) {
		fprintf(stderr, "deltaq: cannot read '%s': %s\n", arg,
			err.sys_errno ? strerror(err.sys_errno) : err.msg);
		rc = EXIT_UNREADABLE;
	} else {
		(*s)->max_page_bytes = cli->max_page_bytes;
		if (parquet_open_named(*s, basename(b), arg, f, &err)) {
			store_close(*s);
			rc = cli_fail(&err);
		}
	}
	free(d);
	free(b);
	return rc;
}

int cmd_parquet(int argc, char **argv, struct cli *cli)
{
	const struct command *self = find_command("parquet");
	int opt, rc;
	bool done = false, pages = false;
	long long rows = -1;
	char *end;

	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS, options_parquet, NULL)) != -1) {
		if ((rc = cli_common(cli, self, opt, optarg, &done)) != -2 && rc != -1)
			return rc;
		if (opt == OPT_PAGES) {
			pages = true;
		} else if (opt == OPT_ROWS) {
			errno = 0;
			rows = strtoll(optarg, &end, 10);
			if (!*optarg || *end || rows < 0 || errno)
				return cli_usage_error(cli, "--rows takes a number of rows, not '%s'",
						       optarg);
		}
	}
	if (rows >= 0 && pages)
		return cli_usage_error(cli, "--rows and --pages do not go together");
	if (rows >= 0 && cli->format != OUT_TEXT && cli->format != OUT_JSON &&
	    cli->format != OUT_NDJSON)
		return cli_usage_error(cli, "--rows prints JSON: use -o text, json or ndjson");
	if (pages && cli->format == OUT_NDJSON)
		return cli_usage_error(cli, "-o ndjson prints rows: use --pages with -o text, "
				       "json, tsv or csv");
	if ((rc = cli_positional(cli, argc, argv, 1, "FILE")))
		return rc;

	const char *file = argv[optind];
	struct store *s;
	parquet_file *f;
	if ((rc = open_file(cli, file, &s, &f)))
		return rc;
	if (rows >= 0 || cli->format == OUT_NDJSON) {
		rc = print_rows(f, cli, rows >= 0 ? (size_t)rows : SIZE_MAX);
		goto out;
	}
	struct dq_error err = { 0 };
	json_t *doc;
	if (footer_json(f, file, pages, &doc, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	switch (cli->format) {
	case OUT_JSON:
		out_json_doc(doc);
		break;
	case OUT_TSV:
	case OUT_CSV:
		rc = pages ? sv_pages(doc, cli->format) : sv_chunks(doc, cli->format);
		json_decref(doc);
		break;
	default:
	case OUT_TEXT:
		text_header(doc);
		text_schema(doc);
		text_row_groups(doc, pages);
		json_decref(doc);
		break;
	}
	if (!rc && ferror(stdout))
		rc = EXIT_UNREADABLE;
out:
	parquet_close(f);
	store_close(s);
	return rc;
}
