/*
 * cmd.h - what the subcommands share: the command table, the common options, and the one
 * output writer every format goes through.
 *
 * Adding a subcommand takes:
 *   1. cmd/<name>.c with its usage text, a sorted struct option table and
 *      int cmd_<name>(int argc, char **argv, struct cli *cli);
 *   2. a row in commands[] in cmd/main.c (dispatch, `deltaq help`, completion);
 *   3. man/deltaq-<name>.1 (mdoc; its EXAMPLES run as tests);
 *   4. tests/t4xxx-<name>.bats (or the family it belongs to).
 */
#ifndef DQ_CMD_H
#define DQ_CMD_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "deltaq.h"

/* Exit codes (DEVELOPERS.md). */
enum {
	EXIT_OK = 0,
	EXIT_FINDINGS = 1,     /* the command ran and found problems */
	EXIT_USAGE = 2,
	EXIT_UNREADABLE = 3,   /* the table cannot be read (or stdout cannot be written) */
	EXIT_UNSUPPORTED = 4,  /* protocol or reader feature not honoured */
};

enum out_format { OUT_TEXT, OUT_JSON, OUT_NDJSON, OUT_TSV, OUT_CSV };

struct cli {
	const char *cmd;           /* subcommand name, for messages */
	enum out_format format;
	const char *at;            /* --at REF, or NULL */
	int threads;               /* --threads N, 0 = CPUs available */
	bool no_checkpoint;        /* --no-checkpoint (info, files) */
	uint64_t max_archive_bytes; /* --max-archive-bytes N, 0 = the library's default */
	uint64_t max_page_bytes;   /* DELTAQ_MAX_PAGE_BYTES, 0 = the library's default */
};

/* "123", "100K", "64G": a positive byte count, suffixes in powers of 1024. */
bool cli_parse_bytes(const char *s, uint64_t *out);

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, struct cli *cli);
	const char *summary;
	const char *usage;         /* the command's usage text (also `deltaq help CMD`) */
	const struct option *options; /* the command's getopt_long table (completion) */
	bool hidden;
};

extern const struct command commands[];
/* The overview `deltaq --help` and `deltaq help` print. */
void main_usage(FILE *fp);
const struct command *find_command(const char *name);

/* Options every command takes; append to a command's option table with COMMON_OPTIONS. */
enum { OPT_AT = 1000, OPT_THREADS, OPT_HELP_LONG, OPT_NO_CHECKPOINT, OPT_MAX_ARCHIVE_BYTES };
#define NO_CHECKPOINT_OPTION { "no-checkpoint", no_argument, NULL, OPT_NO_CHECKPOINT }
#define NO_CHECKPOINT_USAGE                                                               \
	"      --no-checkpoint  replay the JSON commits from version 0 only (to compare a\n" \
	"                       checkpoint with the commits it covers)\n"
#define COMMON_OPTIONS                                            \
	{ "at", required_argument, NULL, OPT_AT },                \
	{ "help", no_argument, NULL, 'h' },                       \
	{ "output", required_argument, NULL, 'o' },               \
	{ "threads", required_argument, NULL, OPT_THREADS }
/* Commands that open a TABLE take the common options and --max-archive-bytes. */
#define ARCHIVE_OPTION { "max-archive-bytes", required_argument, NULL, OPT_MAX_ARCHIVE_BYTES }
#define TABLE_OPTIONS COMMON_OPTIONS, ARCHIVE_OPTION
#define COMMON_SHORTOPTS "ho:"
#define COMMON_USAGE_OPTS                                                                    \
	"  -o, --output FORMAT  text (default), json, ndjson, tsv or csv\n"             \
	"      --at REF         a version (42), @MILLIS, or a timestamp (2024-05-01,\n"  \
	"                       '2024-05-01 12:00', 2024-05-01T12:00:00Z)\n"            \
	"      --threads N      parser threads (default: CPUs available)\n"
#define HELP_USAGE "  -h, --help           this help\n"
#define COMMON_USAGE COMMON_USAGE_OPTS HELP_USAGE
#define ARCHIVE_USAGE                                                                   \
	"      --max-archive-bytes N  when TABLE is an archive, stop after reading N\n"   \
	"                       uncompressed bytes in one pass (default 64G; K, M, G, T)\n"
#define TABLE_USAGE COMMON_USAGE_OPTS ARCHIVE_USAGE HELP_USAGE

/*
 * Handles a common option.  Returns -1 when `opt` is not one, else an exit code to return
 * at once (EXIT_USAGE on a bad value, or EXIT_OK after printing help: *done set) or -2 to
 * carry on.
 */
int cli_common(struct cli *cli, const struct command *self, int opt, const char *arg, bool *done);

/* Prints "deltaq CMD: <usage problem>" and a hint; returns EXIT_USAGE. */
int cli_usage_error(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prints "deltaq: <msg>" for a library error and returns the exit code for it. */
int cli_fail(const struct dq_error *err);

/* Prints a warning line "deltaq: warning: ..." on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Whether to draw progress on stderr: it is a terminal, and TERM is not "dumb" (one that
 * cannot redraw a line in place). */
bool cli_progress_wanted(void);

/* Opens TABLE with the common options applied; prints and returns an exit code on error. */
int cli_open(struct cli *cli, const char *uri, dq_table **t);

/*
 * Opens TABLE and the snapshot REF selects (latest when NULL) with the given dq_need bits;
 * with require_files, a protocol deltaq does not honour is exit 4.  Prints and returns an
 * exit code on error; on success close *s, then *t.
 */
int cli_snapshot(struct cli *cli, const char *uri, const char *ref, unsigned need,
		 bool require_files, dq_table **t, dq_snapshot **s);

/* Resolves --at (or `ref`) to a version: -1 for latest when ref is NULL. */
int cli_resolve(dq_table *t, const char *ref, int64_t *version);

/* Expects exactly `want` positional arguments after options. */
int cli_positional(const struct cli *cli, int argc, char **argv, int want, const char *what);

/* ---- output ---------------------------------------------------------------------- */

struct out_col {
	const char *key;       /* JSON key */
	const char *header;    /* text header (upper case by convention); NULL = key */
	unsigned flags;
};
enum { COL_RIGHT = 1, COL_NOTEXT = 2 };

struct out {
	enum out_format fmt;
	FILE *fp;
	const struct out_col *cols;
	size_t ncols;
	bool single;           /* one record: JSON object, text "key  value" lines */
	bool text_header;      /* print the header row in text mode (default true) */
	size_t nrows;
	/* text mode keeps rendered cells to align the columns */
	char **cells;
	size_t ncells, capcells;
};

void out_begin(struct out *o, enum out_format fmt, const struct out_col *cols, size_t ncols,
	       bool single);
/* Writes one record (steals `row`, an object with the columns' keys). */
void out_row(struct out *o, json_t *row);
/* Writes one record given as compact JSON text, which out_row would write as it is (an
 * object with the columns' keys, in order): copied for json and ndjson, parsed for the
 * other formats. */
void out_row_text(struct out *o, const char *json, size_t len);
/* Finishes the document; returns 0, or EXIT_UNREADABLE after a write error. */
int out_end(struct out *o);

/* Text rendering of one JSON value for a table cell (new string). */
char *out_cell_text(const json_t *v);
/* s for text output (new): control characters as \n, \t, \r or \xHH; NULL when out of
 * memory. */
char *out_text_escape(const char *s);

/* Writes a whole JSON document (pretty) to stdout; steals v. */
void out_json_doc(json_t *v);

/* Writes s as a JSON string, escaped as jansson's compact output escapes it (for NDJSON
 * built without a json_t where that is the cost, as `scan` records are).  A byte that is
 * not part of valid UTF-8 becomes U+FFFD, so the output is always JSON. */
void json_put_string(FILE *fp, const char *s);
/* json_put_string keeping every byte as it is, for work items, which must name a file
 * byte for byte: a path that is not UTF-8 goes through as it is. */
void json_put_raw(FILE *fp, const char *s);
/*
 * Readers of what json_put_raw and json_put_int write, for work items read without
 * jansson (which refuses text that is not UTF-8).  Each takes *p at the value, steps past
 * it and returns true (or the value), or fails, *p then anywhere, when the text there is
 * not that value in that form.  jr_lit: the literal lit.  jr_int: a JSON integer (or
 * null when null_ok, as -1).  jr_string: a string, decoded in place and NUL-terminated:
 * its bytes as they are, and the escapes json_put_raw writes (\uXXXX up to U+007F).
 */
bool jr_lit(char **p, const char *lit);
bool jr_int(char **p, bool null_ok, int64_t *v);
char *jr_string(char **p);
/* Writes v in decimal (as json_put_string, without printf's cost per call). */
void json_put_int(FILE *fp, int64_t v);
/* json_put_int, or null when the value is not known (as json_int_or_null). */
void json_put_int_or_null(FILE *fp, int64_t v, bool known);

/* A text written with stdio: text_open gives the stream (NULL when out of memory),
 * text_close the text (new), or NULL when writing it failed. */
struct text_stream {
	char *text;
	size_t len;
	FILE *fp;
};
FILE *text_open(struct text_stream *t);
char *text_close(struct text_stream *t);

/* Builds a JSON row from a format like json_pack, in column order. */
#define ROW(...) json_pack(__VA_ARGS__)

/* Subcommands. */
int cmd_version(int argc, char **argv, struct cli *cli);
int cmd_log(int argc, char **argv, struct cli *cli);
int cmd_show(int argc, char **argv, struct cli *cli);
int cmd_info(int argc, char **argv, struct cli *cli);
int cmd_schema(int argc, char **argv, struct cli *cli);
int cmd_protocol(int argc, char **argv, struct cli *cli);
int cmd_files(int argc, char **argv, struct cli *cli);
int cmd_partitions(int argc, char **argv, struct cli *cli);
int cmd_diff(int argc, char **argv, struct cli *cli);
int cmd_orphans(int argc, char **argv, struct cli *cli);
int cmd_parquet(int argc, char **argv, struct cli *cli);
int cmd_check(int argc, char **argv, struct cli *cli);
int cmd_bundle(int argc, char **argv, struct cli *cli);
int cmd_help(int argc, char **argv, struct cli *cli);
int cmd_completion(int argc, char **argv, struct cli *cli);
int cmd_scan(int argc, char **argv, struct cli *cli);

extern const char usage_orphans[];
extern const struct option options_orphans[];
extern const char usage_version[], usage_log[], usage_show[], usage_info[], usage_schema[],
	usage_protocol[], usage_files[], usage_partitions[], usage_diff[], usage_parquet[], usage_check[], usage_bundle[], usage_help[],
	usage_completion[];
extern const char usage_scan[];
extern const struct option options_scan[];
extern const struct option options_version[], options_log[], options_show[], options_info[],
	options_schema[], options_protocol[], options_files[], options_partitions[],
	options_diff[], options_parquet[], options_check[], options_bundle[], options_help[], options_completion[];

/* json helpers */
json_t *json_int_or_null(int64_t v, bool known);
json_t *json_str_or_null(const char *s);
json_t *timestamp_json(int64_t ms);  /* RFC 3339 string or null when ms < 0 */

#endif
