/*
 * deltaq.h - the public interface of libdeltaq, a read-only Delta Lake log reader.
 *
 * One table flows through it like this:
 *
 *   dq_table_open(uri)          storage backend + _delta_log listing (lazy)
 *   dq_history()                commits with their timestamps and commitInfo (for `log`)
 *   dq_commit_read()            every action of one commit (for `show`)
 *   dq_snapshot_open(version)   log replay into protocol, metadata, active files, txns,
 *                               domains (for `info`, `files`, `partitions`, `diff`, ...)
 *
 * Conventions (jansson's words): "new" results belong to the caller, "borrowed" ones live as
 * long as the handle they came from.  Every call that can fail returns a DQ_* code and fills
 * the caller's struct dq_error; the library never prints and never exits.  Handles record
 * the process that created them: used in another process after fork() every call fails
 * with DQ_EFORKED without taking a lock.
 */
#ifndef DELTAQ_H
#define DELTAQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define DQ_VERSION "0.1.0"

enum dq_code {
	DQ_OK = 0,
	DQ_EINVAL,       /* bad argument from the caller (a REF that does not parse, ...) */
	DQ_ENOTTABLE,    /* no _delta_log under the location */
	DQ_EIO,          /* storage error: missing file, permission, read error */
	DQ_ECORRUPT,     /* a log file that does not parse or breaks the protocol */
	DQ_EMISSING,     /* versions missing from the log (a gap, a log without version 0) */
	DQ_ERANGE,       /* a version or timestamp outside what the log can answer */
	DQ_ENOTIMPL,     /* a file uses what deltaq does not read (encrypted Parquet, LZO, ...) */
	DQ_EUNSUPPORTED, /* protocol version or reader feature deltaq does not honour */
	DQ_ENOMEM,
	DQ_EFORKED,      /* handle opened in another process before a fork */
};

struct dq_error {
	int code;        /* enum dq_code */
	int sys_errno;   /* errno behind DQ_EIO, else 0 */
	char msg[256];   /* one line, no trailing newline, names the file (and line) */
};

/* Text for a DQ_* code ("corrupt log", ...).  Static. */
const char *dq_strerror(int code);

/* Versions of deltaq and of the libraries it was built with, one per line.  Static. */
const char *dq_version_string(void);

/* ---- tables ----------------------------------------------------------------------- */

typedef struct dq_table dq_table;

struct dq_options {
	int threads;     /* worker threads for parsing; 0 = CPUs available to the process */
	bool ignore_checkpoints; /* replay the JSON commits from version 0 only */
};

/*
 * Opens the table at `uri`: a directory path or a file:// URI (percent-decoded).  Checks
 * that _delta_log exists; lists nothing yet.  *out is new; close it with dq_table_close.
 */
int dq_table_open(const char *uri, const struct dq_options *opt, dq_table **out,
		  struct dq_error *err);
void dq_table_close(dq_table *t);

/* Absolute path of the table root, without a trailing slash.  Borrowed. */
const char *dq_table_location(const dq_table *t);

/*
 * Versions named by commit files in _delta_log (file names only, nothing is parsed).
 * *earliest is the oldest commit still listed, *latest the newest.  DQ_EMISSING when the
 * log has no commit at all.
 */
int dq_table_versions(dq_table *t, int64_t *earliest, int64_t *latest, struct dq_error *err);

/*
 * Oldest version a snapshot can be rebuilt at (0 when 00000000000000000000.json is listed);
 * DQ_ENOTIMPL when rebuilding needs a checkpoint.
 */
int dq_table_recreatable(dq_table *t, int64_t *earliest, struct dq_error *err);

/*
 * Resolves a REF to a version:
 *   "42"                  version 42 (must exist as a commit file)
 *   "@1714564800000"      epoch milliseconds
 *   "2024-05-01T12:00:00Z", "2024-05-01T14:00:00.5+02:00", "2024-05-01 12:00[:00]" (UTC),
 *   "2024-05-01" (midnight UTC)
 * A timestamp selects the latest version committed at or before it (Spark's TIMESTAMP AS
 * OF).  Out of range: DQ_ERANGE with the range in the message.  Unparsable: DQ_EINVAL.
 */
int dq_resolve_ref(dq_table *t, const char *ref, int64_t *version, struct dq_error *err);

/*
 * Parses the timestamp forms above (and "@MILLIS") into epoch milliseconds without
 * touching a table.  Returns false when `s` is not a timestamp.
 */
bool dq_parse_timestamp(const char *s, int64_t *ms);

/* Formats epoch milliseconds as RFC 3339 UTC with milliseconds into buf (>= 32 bytes). */
char *dq_format_timestamp(int64_t ms, char *buf, size_t len);

/* ---- history: commits and their timestamps ---------------------------------------- */

struct dq_commit {
	int64_t version;
	int64_t timestamp_ms;   /* in-commit timestamp, or the commit file's mtime made monotonic */
	bool in_commit_timestamp; /* timestamp_ms came from commitInfo.inCommitTimestamp */
	int64_t size;           /* bytes of the commit file */
	json_t *commit_info;    /* the commitInfo object, or NULL (owned by the array) */
};

struct dq_history_request {
	int64_t from;           /* oldest version wanted, inclusive; -1 = no bound */
	int64_t to;             /* newest version wanted, inclusive; -1 = no bound */
	size_t limit;           /* keep only the newest `limit` commits of the range; 0 = all */
	bool commit_info;       /* read each commit's commitInfo (else only names and mtimes) */
};

struct dq_history {
	struct dq_commit *commits;  /* newest first */
	size_t n;
	char **warnings;            /* messages for stderr (e.g. a commit missing its ICT) */
	size_t nwarnings;
};

/* Fills *out (release it with dq_history_release). */
int dq_history_read(dq_table *t, const struct dq_history_request *req,
		    struct dq_history *out, struct dq_error *err);
void dq_history_release(struct dq_history *h);

/*
 * The checkpoint at `version` summarised, as a new object {"version", "kind" ("classic",
 * "multi-part" or "v2"), "files" (names), "rows" (action name -> rows), "sidecars"}.
 * DQ_ERANGE when the version has no complete checkpoint.
 */
int dq_checkpoint_summary(dq_table *t, int64_t version, json_t **summary, struct dq_error *err);

/* Every action of commit `version`, in file order, as a new JSON array of objects. */
int dq_commit_read(dq_table *t, int64_t version, json_t **actions, struct dq_error *err);

/* ---- snapshots ---------------------------------------------------------------------- */

typedef struct dq_snapshot dq_snapshot;

enum dq_need {
	DQ_NEED_METADATA = 0,        /* protocol + metaData only: stops as soon as both are found */
	DQ_NEED_FILES = 1 << 0,      /* active files with size, partition values, numRecords, DV */
	DQ_NEED_STATS = 1 << 1,      /* also keep each file's stats JSON (files --stats) */
	DQ_NEED_TXNS = 1 << 2,       /* txn and domainMetadata reconciliation */
	DQ_NEED_ORDER = 1 << 3,      /* files sorted by path (else in no particular order) */
	DQ_NEED_TOTALS = 1 << 8,     /* only dq_snapshot_totals: files are counted, not kept
					(without DQ_NEED_FILES no file is listed) */
};

struct dq_snapshot_request {
	int64_t version;        /* -1 = latest */
	unsigned need;          /* enum dq_need bits */
};

/*
 * Replays the log into a snapshot at req->version.  When the protocol is not honoured
 * (see dq_snapshot_unsupported) the snapshot still opens, with protocol and metadata, but
 * without files: dq_snapshot_files_available() says false.
 */
int dq_snapshot_open(dq_table *t, const struct dq_snapshot_request *req, dq_snapshot **out,
		     struct dq_error *err);
void dq_snapshot_close(dq_snapshot *s);

int64_t dq_snapshot_version(const dq_snapshot *s);
/* Version of the checkpoint the snapshot was built from, -1 when none; commits replayed
 * after it (or from version 0). */
int64_t dq_snapshot_checkpoint(const dq_snapshot *s);
int64_t dq_snapshot_commits_since_checkpoint(const dq_snapshot *s);
/* Messages about fallbacks taken (a stale _last_checkpoint, an unreadable checkpoint), as a
 * borrowed JSON array of strings, for stderr. */
const json_t *dq_snapshot_warnings(const dq_snapshot *s);
/* Timestamp of the snapshot's version (see struct dq_commit), -1 when unknown. */
int64_t dq_snapshot_timestamp(const dq_snapshot *s);

/* The raw protocol and metaData actions (borrowed). */
const json_t *dq_snapshot_protocol(const dq_snapshot *s);
const json_t *dq_snapshot_metadata(const dq_snapshot *s);
/* metaData.schemaString parsed (borrowed); NULL when it does not parse. */
const json_t *dq_snapshot_schema(const dq_snapshot *s);
int dq_snapshot_min_reader_version(const dq_snapshot *s);
int dq_snapshot_min_writer_version(const dq_snapshot *s);

/*
 * Reader features (and "minReaderVersion N") that deltaq does not honour, as a borrowed
 * JSON array of strings; empty when the snapshot is fully readable.
 */
const json_t *dq_snapshot_unsupported(const dq_snapshot *s);

/*
 * Fails with DQ_EUNSUPPORTED, naming what is not honoured, when the file list cannot be
 * trusted; DQ_OK otherwise.
 */
int dq_snapshot_require_files(const dq_snapshot *s, struct dq_error *err);
bool dq_snapshot_files_available(const dq_snapshot *s);

/* Reader feature names deltaq honours, NULL-terminated.  Static. */
const char *const *dq_honoured_reader_features(void);
/* Whether deltaq honours reader feature `name`. */
bool dq_reader_feature_honoured(const char *name);

/* app id -> version object (borrowed), live domain names array (borrowed); need TXNS. */
const json_t *dq_snapshot_app_transactions(const dq_snapshot *s);
const json_t *dq_snapshot_domains(const dq_snapshot *s);

/* Logical partition column names in order (borrowed JSON array). */
const json_t *dq_snapshot_partition_columns(const dq_snapshot *s);

struct dq_file {
	const char *path;           /* percent-decoded; relative to the table root when under it */
	const char *key;            /* replay key: DV id (or empty), '\n', qualified path */
	int64_t size;
	int64_t modification_time;  /* ms */
	const char *partition_values; /* JSON object text keyed by logical column names, in
					 partition-column order, null values kept */
	int64_t num_records;        /* stats.numRecords (before DVs); -1 when unknown */
	int64_t dv_cardinality;     /* rows deleted by the DV; -1 without a DV */
	const char *stats;          /* raw stats JSON, only with DQ_NEED_STATS; else NULL */
};

size_t dq_snapshot_num_files(const dq_snapshot *s);
/* Files, sorted by path with DQ_NEED_ORDER; borrowed.  i < dq_snapshot_num_files(). */
const struct dq_file *dq_snapshot_file(const dq_snapshot *s, size_t i);

struct dq_totals {
	int64_t num_files;
	int64_t size_bytes;
	int64_t num_records;        /* sum of (numRecords - DV cardinality) over files with stats */
	bool num_records_exact;     /* false when some file lacks numRecords */
};
void dq_snapshot_totals(const dq_snapshot *s, struct dq_totals *out);

/*
 * A file's stats (min, max, null_count keyed by logical column names) as a new JSON object
 * {"num_records":..,"min":{..},"max":{..},"null_count":{..}}; NULL without stats.
 */
json_t *dq_file_stats(const dq_snapshot *s, const struct dq_file *f);

/* Files in `to` but not `from` (added) and in `from` but not `to` (removed), by replay key.
 * The arrays are new (free() them) and hold borrowed pointers into the snapshots. */
int dq_snapshot_diff(const dq_snapshot *from, const dq_snapshot *to,
		     const struct dq_file ***added, size_t *nadded,
		     const struct dq_file ***removed, size_t *nremoved, struct dq_error *err);

#endif
