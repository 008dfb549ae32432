/*
 * parquet.h - a focused Parquet reader for Delta checkpoints and data-file footers
 * (apache/parquet-format; ../shared/research/parquet.md).  Internal to libdeltaq.
 *
 * Layers, bottom up, each in its own file:
 *   thrift.c    bounds-checked Thrift compact protocol decoder (skips unknown fields,
 *               checks wire types, depth-limited)
 *   meta.c      FileMetaData, schema tree (levels computed from the file's schema),
 *               row groups, column chunks, statistics, page headers
 *   codec.c     UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW, Hadoop LZ4, BROTLI
 *   encoding.c  PLAIN, RLE/bit-packed hybrid, dictionary indices, DELTA_BINARY_PACKED,
 *               DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT, RLE booleans
 *   column.c    one column chunk: pages v1/v2, dictionary (with fallback mid-chunk), levels,
 *               page CRCs; only the chunks asked for are read (column projection); byte
 *               arrays can be scanned a piece at a time instead (parquet_scan_bytes)
 *   snappy_stream.c  Snappy decoded in steps through a window, for those scans
 *   assemble.c  records from definition/repetition levels into JSON values
 *   file.c      opening a file through the store: footer, PAR1/PARE magic, projection
 *
 * Every length and offset read from a file is untrusted: it is checked against the bytes
 * at hand before anything is allocated from it.  Errors fill struct dq_error with DQ_ECORRUPT
 * (or DQ_EUNSUPPORTED for encryption, unknown codecs, external column data) and a message
 * naming the file and, where it applies, the byte offset in the file.
 */
#ifndef DQ_PARQUET_H
#define DQ_PARQUET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "internal.h"
#include "store.h"

/* ---- enums (values as in parquet.thrift) --------------------------------------------- */

enum parquet_type {
	PQ_BOOLEAN = 0, PQ_INT32 = 1, PQ_INT64 = 2, PQ_INT96 = 3, PQ_FLOAT = 4, PQ_DOUBLE = 5,
	PQ_BYTE_ARRAY = 6, PQ_FIXED_LEN_BYTE_ARRAY = 7,
	PQ_GROUP = -1,          /* a schema element without a physical type */
};

enum parquet_repetition { PQ_REQUIRED = 0, PQ_OPTIONAL = 1, PQ_REPEATED = 2 };

enum parquet_codec {
	PQ_UNCOMPRESSED = 0, PQ_SNAPPY = 1, PQ_GZIP = 2, PQ_LZO = 3, PQ_BROTLI = 4,
	PQ_LZ4 = 5 /* Hadoop LZ4 (framed), or raw block as some writers do */, PQ_ZSTD = 6,
	PQ_LZ4_RAW = 7,
};

enum parquet_encoding {
	PQ_PLAIN = 0, PQ_PLAIN_DICTIONARY = 2, PQ_RLE = 3, PQ_BIT_PACKED = 4,
	PQ_DELTA_BINARY_PACKED = 5, PQ_DELTA_LENGTH_BYTE_ARRAY = 6, PQ_DELTA_BYTE_ARRAY = 7,
	PQ_RLE_DICTIONARY = 8, PQ_BYTE_STREAM_SPLIT = 9,
};

enum parquet_page_type { PQ_DATA_PAGE = 0, PQ_INDEX_PAGE = 1, PQ_DICTIONARY_PAGE = 2,
			 PQ_DATA_PAGE_V2 = 3 };

/* ConvertedType (legacy annotations); -1 when absent. */
enum parquet_converted {
	PQ_CT_NONE = -1, PQ_CT_UTF8 = 0, PQ_CT_MAP = 1, PQ_CT_MAP_KEY_VALUE = 2, PQ_CT_LIST = 3,
	PQ_CT_ENUM = 4, PQ_CT_DECIMAL = 5, PQ_CT_DATE = 6, PQ_CT_TIME_MILLIS = 7,
	PQ_CT_TIME_MICROS = 8, PQ_CT_TIMESTAMP_MILLIS = 9, PQ_CT_TIMESTAMP_MICROS = 10,
	PQ_CT_UINT_8 = 11, PQ_CT_UINT_16 = 12, PQ_CT_UINT_32 = 13, PQ_CT_UINT_64 = 14,
	PQ_CT_INT_8 = 15, PQ_CT_INT_16 = 16, PQ_CT_INT_32 = 17, PQ_CT_INT_64 = 18, PQ_CT_JSON = 19,
	PQ_CT_BSON = 20, PQ_CT_INTERVAL = 21,
};

/* LogicalType union member (field id in parquet.thrift); PQ_LT_NONE when absent. */
enum parquet_logical_kind {
	PQ_LT_NONE = 0, PQ_LT_STRING = 1, PQ_LT_MAP = 2, PQ_LT_LIST = 3, PQ_LT_ENUM = 4,
	PQ_LT_DECIMAL = 5, PQ_LT_DATE = 6, PQ_LT_TIME = 7, PQ_LT_TIMESTAMP = 8,
	PQ_LT_INTEGER = 10, PQ_LT_UNKNOWN = 11, PQ_LT_JSON = 12, PQ_LT_BSON = 13, PQ_LT_UUID = 14,
	PQ_LT_FLOAT16 = 15, PQ_LT_VARIANT = 16, PQ_LT_GEOMETRY = 17, PQ_LT_GEOGRAPHY = 18,
	PQ_LT_OTHER = 99,       /* a member this reader does not know */
};
enum parquet_time_unit { PQ_MILLIS = 1, PQ_MICROS = 2, PQ_NANOS = 3 };

struct parquet_logical {
	enum parquet_logical_kind kind;
	int32_t scale, precision;       /* DECIMAL */
	bool utc;                       /* TIME, TIMESTAMP: isAdjustedToUTC */
	enum parquet_time_unit unit;    /* TIME, TIMESTAMP */
	int8_t bit_width;               /* INTEGER */
	bool is_signed;                 /* INTEGER */
};

/* ---- metadata ------------------------------------------------------------------------- */

/* Statistics: min_value/max_value when written, else the legacy min/max (flagged). */
struct parquet_statistics {
	bool has_min, has_max, legacy_minmax;
	const uint8_t *min, *max;       /* into the footer buffer kept by struct parquet_meta */
	uint32_t min_len, max_len;
	bool has_null_count, has_distinct_count;
	int64_t null_count, distinct_count;
};

struct parquet_schema_element {
	const char *name;
	enum parquet_type type;         /* PQ_GROUP when absent */
	int32_t type_length;            /* FIXED_LEN_BYTE_ARRAY */
	int repetition;                 /* enum parquet_repetition; -1 absent (the root) */
	int32_t num_children;
	int converted_type;             /* enum parquet_converted */
	int32_t scale, precision, field_id; /* -1 when absent */
	struct parquet_logical logical;
	/* derived from the tree by meta.c */
	int parent;                     /* index of the parent element, -1 for the root */
	int first_child;                /* index of the first child, -1 for leaves */
	int16_t max_def, max_rep;       /* levels of this node (leaf: of its values) */
	int leaf;                       /* index among the leaves (column order), -1 for groups */
	const char *path;               /* dotted path from below the root, e.g. "add.stats" */
};

struct parquet_column_meta {
	enum parquet_type type;
	const int32_t *encodings;
	size_t nencodings;
	int codec;                      /* enum parquet_codec */
	int64_t num_values;
	int64_t total_uncompressed_size, total_compressed_size;
	int64_t data_page_offset;
	int64_t dictionary_page_offset; /* -1 when absent */
	int64_t index_page_offset;      /* -1 when absent */
	struct parquet_statistics stats;
};

struct parquet_column_chunk {
	const char *file_path;          /* external column data: refused when reading */
	int64_t file_offset;
	bool has_meta;
	bool encrypted;                 /* crypto_metadata or encrypted_column_metadata present */
	struct parquet_column_meta meta;
};

struct parquet_row_group {
	struct parquet_column_chunk *columns;
	size_t ncolumns;
	int64_t total_byte_size, num_rows;
	int64_t file_offset;            /* -1 when absent */
	int64_t total_compressed_size;  /* -1 when absent */
};

struct parquet_kv {
	const char *key, *value;        /* value NULL when absent */
};

struct parquet_meta {
	int32_t version;
	struct parquet_schema_element *schema; /* depth-first, schema[0] the root */
	size_t nschema;
	int *leaves;                    /* schema index of each leaf, in column order */
	size_t nleaves;
	int64_t num_rows;
	struct parquet_row_group *row_groups;
	size_t nrow_groups;
	const char *created_by;         /* NULL when absent */
	struct parquet_kv *kv;
	size_t nkv;
	bool encryption_algorithm;      /* plaintext footer of an encrypted file */
	struct dq_arena arena;          /* owns everything above */
	uint8_t *footer;                /* copy of the footer bytes statistics point into */
};

/*
 * Parses the Thrift FileMetaData in buf[0..len).  `name` and `base` (the file offset of
 * buf[0]) are for messages: "cannot read 'NAME': invalid footer at offset N: ...".
 * Validates the schema tree (child counts, a single root, leaves matching each row group's
 * columns) and computes levels and paths.  On error *out is released.
 */
int parquet_meta_parse(const uint8_t *buf, size_t len, const char *name, int64_t base,
		       struct parquet_meta *out, struct dq_error *err);
void parquet_meta_release(struct parquet_meta *m);

struct parquet_page_header {
	int type;                       /* enum parquet_page_type */
	int32_t uncompressed_size, compressed_size;
	bool has_crc;
	uint32_t crc;
	/* DATA_PAGE and DATA_PAGE_V2 */
	int32_t num_values;
	int encoding;
	int def_encoding, rep_encoding; /* v1 only */
	struct parquet_statistics stats;
	/* DATA_PAGE_V2 */
	int32_t num_nulls, num_rows;
	int32_t def_levels_len, rep_levels_len;
	bool is_compressed;             /* default true */
	/* DICTIONARY_PAGE */
	int32_t dict_num_values;
	int dict_encoding;
};

/* Parses one PageHeader at buf[0..len); *consumed is its size in bytes. */
int parquet_page_header_parse(const uint8_t *buf, size_t len, const char *name, int64_t base,
			      struct parquet_page_header *out, size_t *consumed,
			      struct dq_error *err);

/* ---- codecs and encodings ------------------------------------------------------------- */

/* Decompresses in[0..inlen) into exactly outlen bytes at out (the page's uncompressed size).
 * DQ_ECORRUPT when the data does not decompress to exactly outlen bytes; DQ_EUNSUPPORTED
 * for LZO and unknown codecs.  `what` names the page for messages. */
int parquet_decompress(int codec, const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen,
		       const char *what, struct dq_error *err);

struct parquet_bytes {
	const uint8_t *ptr;             /* into a page buffer that outlives the values */
	uint32_t len;
};

/* Decoded values of one physical type. */
struct parquet_values {
	enum parquet_type type;
	int32_t type_length;            /* FIXED_LEN_BYTE_ARRAY; 12 for INT96 */
	size_t n;
	union {
		uint8_t *b;             /* BOOLEAN: 0 or 1 per value */
		int32_t *i32;
		int64_t *i64;
		float *f32;
		double *f64;
		struct parquet_bytes *ba; /* BYTE_ARRAY, and FIXED_LEN_BYTE_ARRAY/INT96 too */
	} v;
};

/*
 * The RLE/bit-packed hybrid (levels, dictionary indices, RLE booleans): decodes exactly n
 * values of bit_width (0..32) from buf[0..len) into out.  Fails (DQ_ECORRUPT) when the
 * data runs out.  *consumed (may be NULL) is what was read.
 */
int parquet_rle_decode(const uint8_t *buf, size_t len, int bit_width, uint32_t *out, size_t n,
		       size_t *consumed, struct dq_error *err);

/*
 * Decodes n values of `encoding` (PLAIN, DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY,
 * DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT, RLE for booleans) of physical type `type` from
 * buf[0..len) into out->v (arrays allocated in `arena`; byte arrays point into buf, or into
 * the arena when DELTA_BYTE_ARRAY has to rebuild them).  Dictionary-encoded pages are
 * decoded with parquet_rle_decode on the indices (first byte: bit width) by column.c.
 */
int parquet_decode(int encoding, enum parquet_type type, int32_t type_length,
		   const uint8_t *buf, size_t len, size_t n, struct dq_arena *arena,
		   struct parquet_values *out, struct dq_error *err);

/* ---- reading files -------------------------------------------------------------------- */

typedef struct parquet_file parquet_file;

/*
 * Opens `path` (relative to the store's root) and parses its footer with one tail read.
 * Refuses PARE (encrypted footer) files with DQ_EUNSUPPORTED.  *out is new.
 */
int parquet_open(struct store *s, const char *path, parquet_file **out, struct dq_error *err);
void parquet_close(parquet_file *f);
const struct parquet_meta *parquet_metadata(const parquet_file *f);
int64_t parquet_file_size(const parquet_file *f);

/* One leaf column of one row group, decoded. */
struct parquet_column {
	int leaf;                       /* leaf index */
	size_t nlevels;                 /* level entries (values plus nulls and empties) */
	int16_t *def, *rep;             /* NULL when the max level is 0 */
	struct parquet_values values;   /* the non-null values, in order */
	struct dq_arena arena;          /* owns the arrays and the page buffers */
};

/*
 * Reads leaf column `leaf` of row group `rg`: every page of the chunk (dictionary first,
 * fallback to plain pages mid-chunk allowed), decompressed, CRC-checked when the header
 * has one, levels and values decoded.  Dictionary indices are resolved into values.
 */
int parquet_read_column(parquet_file *f, size_t rg, int leaf, struct parquet_column *out,
			struct dq_error *err);
/*
 * parquet_read_column into a column read before (or zeroed): the buffers of the previous
 * chunk are reused, so a reader going through row groups keeps one set of chunk-sized
 * buffers instead of faulting in fresh memory for each.  Values of the previous read die.
 * On error the column is released.
 */
int parquet_read_column_again(parquet_file *f, size_t rg, int leaf, struct parquet_column *out,
			      struct dq_error *err);
void parquet_column_release(struct parquet_column *c);

typedef void parquet_bytes_fn(void *arg, size_t entry, const uint8_t *value, size_t len);
/*
 * Calls fn(arg, i, value, len) for every defined value of the BYTE_ARRAY leaf `leaf` of
 * row group rg, i being its level entry (its row, for a column that is not repeated), in
 * order.  A chunk of PLAIN pages is scanned through a small window (Snappy pages
 * decompressed a piece at a time), so a page of tens of megabytes is never held whole;
 * any other chunk is read with parquet_read_column_again.  `col` is scratch space as for
 * that function; values die when fn returns.  fn may be called again for entries it has
 * seen, with the same values, when a scan has to start over the whole way: it must only
 * record.  Errors are parquet_read_column's; DQ_EINVAL for a leaf whose values are not
 * byte arrays (BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY, INT96).
 */
int parquet_scan_bytes(parquet_file *f, size_t rg, int leaf, struct parquet_column *col,
		       parquet_bytes_fn *fn, void *arg, struct dq_error *err);

/*
 * Assembles rows [0, num_rows) of row group `rg` from the leaf columns below the schema
 * elements listed in `fields` (schema indices of children of the root; NULL/0 = all) into
 * JSON objects appended to `rows` (a JSON array), one per row, with the shape DuckDB's JSON
 * export gives (structs as objects, lists as arrays, maps as objects keyed by the key's
 * text, DATE "YYYY-MM-DD", timestamps as DuckDB prints them, blobs with bytes outside
 * printable ASCII as \xHH); man/deltaq-parquet.1 documents every rule and where deltaq
 * differs (INT96 beyond DuckDB's range, NaN as a string in jansson values).
 */
int parquet_read_rows_json(parquet_file *f, size_t rg, const int *fields, size_t nfields,
			   json_t *rows, struct dq_error *err);
/* parquet_read_rows_json, appending only the rows in which some field is not null (a
 * checkpoint's protocol or metaData among a million adds). */
int parquet_read_present_rows_json(parquet_file *f, size_t rg, const int *fields, size_t nfields,
				   json_t *rows, struct dq_error *err);

#endif
