/*
 * reader.h - the upper layers of the Parquet reader beyond parquet.h: the open file's
 * state shared by file.c, column.c and assemble.c, and what `deltaq parquet` needs to
 * show a file: page headers, statistics as text, and rows as the exact JSON text DuckDB's
 * JSON export writes (numbers jansson cannot hold, NaN).  Internal to libdeltaq.
 */
#ifndef DQ_PARQUET_READER_H
#define DQ_PARQUET_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "parquet.h"

struct parquet_file {
	struct store *store;            /* borrowed */
	char *path;                     /* in the store */
	char *name;                     /* for messages */
	int64_t size;
	int64_t mtime_ms;               /* from the same stat as size */
	int64_t footer_offset;          /* first byte of the footer: column data ends before */
	uint32_t footer_len;
	struct parquet_meta meta;
};

/* parquet_open's first read, of the file's last bytes: most footers fit, and it costs no
 * more than a small read on any store. */
#define PARQUET_TAIL_BYTES (64 * 1024)

/* The footer length a Parquet file's last 8 bytes announce, when parquet_open would read
 * that footer ("PAR1", and 0 < length <= size - 12); else -1. */
static inline int64_t parquet_footer_len(const uint8_t last8[8], int64_t size)
{
	uint32_t n = (uint32_t)last8[0] | (uint32_t)last8[1] << 8 | (uint32_t)last8[2] << 16 |
		     (uint32_t)last8[3] << 24;
	return memcmp(last8 + 4, "PAR1", 4) || n == 0 || (int64_t)n > size - 12 ? -1 : (int64_t)n;
}

/* parquet_open, naming the file `name` (e.g. the path as the user typed it) in messages. */
int parquet_open_named(struct store *s, const char *path, const char *name, parquet_file **out,
		       struct dq_error *err);
const char *parquet_file_name(const parquet_file *f);
/* Exactly len bytes at file offset off into buf; errors name the file. */
int parquet_read_at(const parquet_file *f, int64_t off, size_t len, void *buf,
		    struct dq_error *err);

/* ---- pages (column.c) ------------------------------------------------------------------ */

struct parquet_page_info {
	int64_t offset;                 /* file offset of the page header */
	size_t header_len;
	struct parquet_page_header h;   /* h.stats is cleared: it pointed into a freed buffer */
	bool crc_ok;                    /* h.has_crc and the page's bytes match it */
};

/*
 * The page headers of leaf column `leaf` of row group `rg`, in order, up to the last
 * page that holds one of the chunk's values.  The pages are not decompressed or decoded;
 * their CRCs are checked.  *out is new (free it).
 */
int parquet_chunk_pages(parquet_file *f, size_t rg, int leaf, struct parquet_page_info **out,
			size_t *n, struct dq_error *err);

/* ---- values (assemble.c) --------------------------------------------------------------- */

/*
 * Text of one PLAIN-encoded value of leaf column `leaf` (a statistics min or max) the way
 * DuckDB casts it to VARCHAR: strings raw, blobs with \xHH escapes, decimals with all their
 * scale digits, dates, timestamps.  Appends to out; -1 when the bytes cannot be such a value.
 */
int parquet_value_text(const struct parquet_meta *m, int leaf, const uint8_t *p, size_t len,
		       struct dq_buf *out);

/*
 * Rows [first, first + max) of row group `rg` (max 0: all), each as one line of JSON text
 * ending in '\n', appended to out: exactly what DuckDB's COPY ... (FORMAT json) writes for
 * the row, NaN and Infinity included.  `fields` as for parquet_read_rows_json.
 */
int parquet_read_rows_text(parquet_file *f, size_t rg, const int *fields, size_t nfields,
			   size_t first, size_t max, struct dq_buf *out, struct dq_error *err);

/* Appends v as DuckDB writes a DOUBLE in JSON: shortest round-trip digits, "1.0", "1e21",
 * "NaN", "Infinity". */
void parquet_double_text(double v, struct dq_buf *out);

#endif
