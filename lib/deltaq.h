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
 * the caller's struct dq_error; the library never prints and never exits.
 *
 * fork() (research/fork.md 4b): a dq_table records the process that opened it.  In a child
 * made by fork() (or _Fork, vfork, clone), every call that takes an inherited dq_table
 * fails with DQ_EFORKED, "table handle was opened in process P before a fork; open a new
 * one in this process (Q)", before it takes any lock or touches the store or the worker
 * pool, whose threads do not exist in the child.  dq_table_close on an inherited handle
 * returns at once and leaks it: it never locks, joins or frees.  A handle opened in the
 * child works normally, with a pool of its own; so do handles in a process started with
 * exec or posix_spawn (Python: multiprocessing start methods "spawn" and "forkserver").
 * Calls on a snapshot that reach back into its table's storage (dq_snapshot_untracked,
 * dq_check_untracked) are refused the same way.  Otherwise a snapshot or history that was
 * complete before the fork is plain memory: its accessors, dq_file_stats,
 * dq_snapshot_diff and the _close/_release calls keep working in the child, since none of
 * them touches the table or its pool.  dq_table_location only reads the handle too.  The
 * library registers a pthread_atfork child handler (an atomic counter; no prepare handler,
 * so fork() never waits for deltaq) and keeps no other process-global mutable state.
 * tests/fork/ proves all of this.
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
	DQ_EFORKED,      /* handle opened in another process before a fork (see the top) */
};

struct dq_error {
	int code;        /* enum dq_code */
	int sys_errno;   /* errno behind DQ_EIO, else 0 */
	char msg[512];   /* one line, no trailing newline, names the file (and line) */
};

/* Text for a DQ_* code ("corrupt log", ...).  Static. */
const char *dq_strerror(int code);

/* Versions of deltaq and of the libraries it was built with, one per line.  Static. */
const char *dq_version_string(void);

/* ---- tables ----------------------------------------------------------------------- */

typedef struct dq_table dq_table;

/* CPUs this process may run on (its affinity), at least 1: what threads = 0 means. */
unsigned dq_cpus(void);

struct dq_options {
	int threads;     /* worker threads for parsing; 0 = CPUs available to the process */
	bool ignore_checkpoints; /* replay the JSON commits from version 0 only */
	uint64_t max_archive_bytes; /* uncompressed bytes one pass over an archive may read;
				       0 = 64 GiB */
	uint64_t max_page_bytes; /* what one Parquet page (of a checkpoint) may decompress to,
				    or its values take in memory; 0 = 256 MiB */
};

/*
 * Opens the table at `uri`: a directory path or a file:// URI (percent-decoded), or an
 * archive holding the table (tar, plain or compressed with gzip, bzip2, xz or zstd, or
 * zip; recognised by content).  "ARCHIVE#path/inside" picks one of several tables in an
 * archive.  A folder is checked for _delta_log and nothing is listed yet; an archive is
 * read through once (its log kept in memory).  *out is new; close it with dq_table_close.
 */
int dq_table_open(const char *uri, const struct dq_options *opt, dq_table **out,
		  struct dq_error *err);
void dq_table_close(dq_table *t);

/* Absolute path of the table root, without a trailing slash.  Borrowed. */
const char *dq_table_location(const dq_table *t);

/*
 * Joins t's worker threads now, with the table and its snapshots left open: for a caller
 * that is about to fork or spawn and wants no thread of the library alive then.  A later
 * call that parses starts them again.  Not while another call on t runs.
 */
int dq_table_stop_threads(dq_table *t, struct dq_error *err);

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
	DQ_NEED_TOMBSTONES = 1 << 4, /* also the removes no newer add revived, with their
					deletionTimestamp (dq_snapshot_tombstone, VACUUM's rules);
					use with DQ_NEED_FILES */
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
/* The version whose commit (or checkpoint) holds that metaData action. */
int64_t dq_snapshot_metadata_version(const dq_snapshot *s);
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
					 partition-column order, null values kept; compact, so
					 equal values give equal texts (and mostly one address) */
	int64_t num_records;        /* stats.numRecords (before DVs); -1 when unknown */
	int64_t dv_cardinality;     /* rows deleted by the DV; -1 without a DV */
	int64_t dv_size;            /* the DV descriptor's sizeInBytes; -1 without one */
	const char *stats;          /* raw stats JSON, only with DQ_NEED_STATS; else NULL */
};

size_t dq_snapshot_num_files(const dq_snapshot *s);
/* Files, sorted by path with DQ_NEED_ORDER; borrowed.  i < dq_snapshot_num_files(). */
const struct dq_file *dq_snapshot_file(const dq_snapshot *s, size_t i);

/*
 * A tombstone: a remove whose key (path + DV id) no newer add revived.  Checkpoint writers
 * drop expired ones, so the set is what the log still holds, not every file ever removed.
 */
struct dq_tombstone {
	const char *path;           /* as struct dq_file's */
	const char *key;            /* replay key, as struct dq_file's */
	int64_t deletion_timestamp; /* remove.deletionTimestamp, ms; 0 when absent (as Spark reads it) */
};

/* Tombstones of a snapshot opened with DQ_NEED_TOMBSTONES (else none), in no particular
 * order; borrowed.  i < dq_snapshot_num_tombstones(). */
size_t dq_snapshot_num_tombstones(const dq_snapshot *s);
const struct dq_tombstone *dq_snapshot_tombstone(const dq_snapshot *s, size_t i);

struct dq_totals {
	int64_t num_files;
	int64_t size_bytes;
	int64_t num_records;        /* sum of (numRecords - DV cardinality) over files with stats */
	bool num_records_exact;     /* false when some file lacks numRecords */
};
void dq_snapshot_totals(const dq_snapshot *s, struct dq_totals *out);

/*
 * Adds f's live records (numRecords less its DV cardinality) to *sum, held at INT64_MAX.
 * false, leaving *sum as is or held, when they are unknown (no numRecords), when the DV
 * removes more rows than numRecords says the file has (a damaged log), or when the sum
 * was held: a total built so is not exact.
 */
bool dq_file_add_records(const struct dq_file *f, int64_t *sum);

/*
 * A file's stats (min, max, null_count keyed by logical column names) as a new JSON object
 * {"num_records":..,"min":{..},"max":{..},"null_count":{..}}; NULL without stats.
 */
json_t *dq_file_stats(const dq_snapshot *s, const struct dq_file *f);

/* Files in `to` but not `from` (added) and in `from` but not `to` (removed), by replay key;
 * a key in both whose size or modification time differs (a file rewritten under its old
 * name) is in both lists.  The arrays are new (free() them) and hold borrowed pointers
 * into the snapshots. */
int dq_snapshot_diff(const dq_snapshot *from, const dq_snapshot *to,
		     const struct dq_file ***added, size_t *nadded,
		     const struct dq_file ***removed, size_t *nremoved, struct dq_error *err);

/* ---- data files: what scan and check --deep read beyond the log ------------------- */

struct dq_data_file {
	int64_t size;               /* bytes on disk */
	int64_t modification_time;  /* ms, from the file system */
	int64_t num_rows;           /* rows in the Parquet footer; -1 when not read */
	int64_t row_groups;         /* row groups in the footer; -1 when not read */
};

/*
 * Stats the data file `path` (a struct dq_file path: relative to the table root, or an
 * absolute local path) and, with `footer`, reads its Parquet footer (one tail read; no
 * data).  DQ_EIO with sys_errno ENOENT when it is missing; DQ_ECORRUPT when it is not a
 * readable Parquet file; DQ_ENOTIMPL for a remote URI (s3://...) or an encrypted file.
 */
int dq_data_file_inspect(dq_table *t, const char *path, bool footer, struct dq_data_file *out,
			 struct dq_error *err);

/* ---- untracked files: VACUUM's view of storage (vacuum.c) ---------------------------- */

/*
 * Parses a Spark calendar interval as delta.deletedFileRetentionDuration takes it:
 * "interval 1 week", "7 days", "1 day 12 hours", "168 HOURS" ("interval " optional but only
 * as the exact start, as Delta adds it; case otherwise ignored; units microsecond,
 * millisecond, second, minute, hour, day, week, month, year, singular or plural, after a
 * space; N may carry a sign, and a fraction of up to 9 digits for seconds only, as Spark's
 * stringToInterval).  Months (and years) must add up to 0, as Delta requires, and the total
 * must not be negative.  False when `s` is not such an interval.
 */
bool dq_parse_interval(const char *s, int64_t *ms);

/*
 * The table's delta.deletedFileRetentionDuration in ms: one week when unset; DQ_ECORRUPT
 * when set to something dq_parse_interval refuses (Spark's VACUUM fails on it too).
 */
int dq_snapshot_deleted_file_retention(const dq_snapshot *s, int64_t *ms, struct dq_error *err);

struct dq_untracked_request {
	int64_t retention_ms;   /* VACUUM's retention; < 0: the table's (see above) */
	int64_t now_ms;         /* the time VACUUM would run at; < 0: the clock */
};

/* One file under the table root that no active file references. */
struct dq_untracked {
	const char *path;           /* relative to the table root, as on storage (not
				       percent-encoded); valid during the callback only */
	int64_t size;               /* bytes, from storage */
	int64_t modification_time;  /* ms, from storage */
	bool deletable;             /* VACUUM (RETAIN the retention) would delete it */
	const char *reason;         /* why not: "tombstone" (a remove within the retention
				       names it or its deletion vector) or "recent" (modified
				       at or after now - retention); NULL when deletable */
};

struct dq_untracked_totals {
	int64_t retention_ms, now_ms;
	int64_t delete_before_ms;   /* now - retention: older untracked files go */
	int64_t num_files, size_bytes;          /* every untracked file */
	int64_t num_deletable, deletable_bytes; /* those VACUUM would delete */
};

/* Called once per untracked file.  Return 0 to go on; anything else stops the walk. */
typedef int (*dq_untracked_fn)(const struct dq_untracked *f, void *arg);

/*
 * Walks the storage under the table root the way Spark's VACUUM lists it and calls fn for
 * every file that no active file references: neither an active add's path nor the
 * deletion-vector file of an active add.  Nothing is kept between calls, so any number of
 * files can be reported.  Skipped like VACUUM skips them: names starting with '_' or '.'
 * (so _delta_log, _SUCCESS, .crc files), except _change_data*, _delta_index* and partition
 * directories "<partition column>=..."; and "metadata" with UniForm Iceberg.  Files and
 * directories are visited depth-first, names in byte order within a directory; entries that
 * cannot be stat'ed (a dangling link) are skipped.
 *
 * Of those files VACUUM would delete the ones modified before now - retention, except those
 * a tombstone within the retention names (remove.deletionTimestamp >= now - retention, and
 * > now - the table's own retention, which Spark's snapshot applies first).  Names equal
 * to "metadata" are skipped only when delta.universalFormat.enabledFormats has "iceberg".
 * Absolute log paths under the root are normalised ("/t/./a" is "/t/a").  A caller that
 * reports what VACUUM would delete checks dq_snapshot_write_protocol first.
 * Log paths outside the root reference nothing under it.  Deletion vectors with absolute
 * paths ('p') are treated as referenced when they lie under the root (VACUUM does not look
 * at them; deltaq errs on the side of keeping).
 *
 * `s` must be opened with DQ_NEED_FILES | DQ_NEED_TOMBSTONES (else DQ_EINVAL) on a table
 * whose file list can be trusted (else dq_snapshot_require_files's DQ_EUNSUPPORTED).
 * `totals` (may be NULL) is filled when the walk ends.  Returns DQ_OK, a DQ_* code with
 * err filled (DQ_EIO naming a directory that cannot be listed, DQ_ECORRUPT for a bad
 * retention property), or fn's nonzero return value unchanged (err untouched).  Never
 * writes to storage.
 */
/*
 * VACUUM checks a table's write protocol before it deletes anything (PROTOCOL.md, "VACUUM
 * Protocol Check"; Spark's gc calls protocolWrite): DQ_EUNSUPPORTED, naming it, for a
 * writer feature deltaq does not know or a minWriterVersion above 7, which could change
 * what is referenced; else DQ_OK.
 */
int dq_snapshot_write_protocol(const dq_snapshot *s, struct dq_error *err);

int dq_snapshot_untracked(const dq_snapshot *s, const struct dq_untracked_request *req,
			  dq_untracked_fn fn, void *arg, struct dq_untracked_totals *totals,
			  struct dq_error *err);
/* ---- check: rules over the log (and, with --deep, the files it names) ----------------- */

enum dq_severity { DQ_SEV_ERROR = 1, DQ_SEV_WARNING = 2 };

struct dq_check_rule {
	const char *id;             /* "DQ101": stable, never reused */
	int severity;               /* enum dq_severity, fixed per rule */
	bool deep;                  /* a storage rule: runs only when data files are read */
	const char *summary;        /* one line */
};

/* Every rule, in id order; *n gets the count.  Static. */
const struct dq_check_rule *dq_check_rules(size_t *n);
/* The rule with `id`, or NULL.  Static. */
const struct dq_check_rule *dq_check_rule(const char *id);

/*
 * Runs the log rules (no data file is read): the listing, every commit once (parsed on the
 * pool), every complete checkpoint, every .crc and _last_checkpoint.  *findings is a new
 * array of objects {"rule", "severity" ("error"|"warning"), "message", "version" (integer
 * or null), "path" (table-relative string or null)} in a deterministic order; *latest the
 * newest listed commit.  Fails (DQ_ENOTTABLE, DQ_EMISSING, ...) only when the table cannot
 * be read at all: no _delta_log, or not one commit in it.
 */
int dq_check_log(dq_table *t, json_t **findings, int64_t *latest, struct dq_error *err);

/*
 * DQ310 for every file under the table root that no active file of `s` references (the
 * listing of dq_snapshot_untracked, with the table's retention), appended to findings.
 * `s` needs DQ_NEED_FILES | DQ_NEED_TOMBSTONES.
 */
int dq_check_untracked(const dq_snapshot *s, json_t *findings, struct dq_error *err);

/*
 * The storage rules for active files, appended to `findings` in the files' order: that
 * each exists with f->size bytes, that its Parquet footer reads and counts f->num_records
 * rows (when known), and, when the key names a deletion vector, that the DV exists, its
 * checksum holds, its record is f->dv_size bytes (when known) and it deletes
 * f->dv_cardinality rows.  Reads only f->path, f->key (the DV id before '\n'), f->size,
 * f->num_records, f->dv_cardinality and f->dv_size, never a snapshot, so
 * a worker process can run it on file descriptions it was sent.  The files' footers are
 * read on the table's pool (dq_data_files_inspect).  `version` is the snapshot's, for the
 * findings.  Fails only on DQ_ENOMEM / DQ_EFORKED.
 */
int dq_check_data_files(dq_table *t, const struct dq_file *const *files, size_t n,
			int64_t version, json_t *findings, struct dq_error *err);
/* dq_check_data_files of one file. */
int dq_check_data_file(dq_table *t, const struct dq_file *f, int64_t version, json_t *findings,
		       struct dq_error *err);

/*
 * Says that the footers of `paths` will be inspected next, and, when keys is given, the
 * deletion vector files keys[0..n) name (struct dq_file keys; NULL entries allowed): a
 * table in a compressed archive (which cannot seek) then fetches every footer in one pass
 * and every deletion vector file whole in one more, instead of one pass per file.  Does
 * nothing for a folder.  Paths not in the table are ignored.
 */
int dq_data_files_prefetch(dq_table *t, const char *const *paths, const char *const *keys,
			   size_t n, struct dq_error *err);

/* ---- bundles: a table's log (and data) in one archive --------------------------------- */

struct dq_bundle_options {
	int64_t from;           /* -1: the whole log; else only what replays versions >= from:
				   the newest complete checkpoint at or below it (with every
				   sidecar) and the log files after it; the whole log when no
				   checkpoint is that old */
	bool footers;           /* add each active data file as its footer, zeros for its data */
	bool with_data;         /* add each active data file whole (wins over footers) */
	const char *redact_key; /* replace paths, partition values, stats bounds and commitInfo
				   details by surrogates keyed with this (see deltaq-bundle(1));
				   the whole JSON log only, no data files */
	void (*progress)(void *ctx, uint64_t done, uint64_t total); /* bytes; may be NULL */
	void *progress_ctx;
};

struct dq_bundle_result {
	const char *format;     /* "tar.zst", "tar.gz", "tar.xz", "tar" or "zip"; static */
	uint64_t entries;       /* files written */
	uint64_t bytes;         /* their bytes, uncompressed */
	uint64_t total_bytes;   /* what was to be written (== bytes on success) */
};

/*
 * Writes the table's _delta_log (see dq_bundle_options) into the archive `out`, whose
 * format follows its name: .zip, .tar.gz/.tgz, .tar.xz/.txz, .tar, and zstd-compressed tar
 * for anything else (.tar.zst).  Reproducible: the same table and options give the same
 * bytes.  Written to a temporary file beside `out` and renamed at the end.  Paths outside
 * the table root are left out.
 */
int dq_bundle_write(dq_table *t, const char *out, const struct dq_bundle_options *o,
		    struct dq_bundle_result *res, struct dq_error *err);

/*
 * dq_data_file_inspect for each of paths[0..n) on the table's worker pool (the threads of
 * struct dq_options; a batch of a few files is read in the calling thread, where handing
 * it to the pool would cost more than the reads): out[i] and errs[i] are file i's result
 * (errs[i].code DQ_OK when it was read).  With `footer` the footers are fetched first as
 * dq_data_files_prefetch does (one pass over an archive).  Returns DQ_OK once every file
 * was tried, else what stopped the batch (DQ_EFORKED, DQ_ENOMEM, an archive that cannot
 * be read) in *err.
 */
int dq_data_files_inspect(dq_table *t, const char *const *paths, size_t n, bool footer,
			  struct dq_data_file *out, struct dq_error *errs, struct dq_error *err);

/*
 * Stand-ins: what worker processes (`--jobs`) inspect instead of a table's archive.
 *
 * A location that dq_table_open opens in another process, where dq_data_file_inspect of
 * each of paths[0..n) (with its footer) and the deletion vector file that keys[i] names
 * (a struct dq_file key; keys may be NULL) give what they give on t, without reading t's
 * archive again.  For a table in a folder that is the table itself, and nothing is
 * written.  For a table in an archive it is a new private folder under $TMPDIR (or /tmp),
 * deltaq-standins-XXXXXX, holding an empty _delta_log and, for each of those files the
 * archive holds, a sparse stand-in with its size and modification time: a deletion
 * vector whole, a data file with the bytes a footer read takes (the whole of a file of
 * up to 64 KiB, which that read covers; else its last 8 bytes and the footer they
 * announce) and zeros elsewhere.  The archive is read in two passes at most (footers,
 * then deletion vectors), never per file; t's archive is never written.  *out is new.
 */
typedef struct dq_standins dq_standins;
int dq_standins_open(dq_table *t, const char *const *paths, const char *const *keys, size_t n,
		     dq_standins **out, struct dq_error *err);
/* The location to give workers (borrowed from s). */
const char *dq_standins_location(const dq_standins *s);
/* Removes the folder, if one was written, and frees s.  NULL is a no-op. */
void dq_standins_close(dq_standins *s);

/*
 * Text that may not be UTF-8 (file names on disk, paths decoded from a log, messages that
 * quote them), for JSON, which jansson refuses otherwise.  dq_utf8_seq: the length of the
 * valid UTF-8 sequence at s (1 to 4; 1 for an ASCII byte, NUL included), or 0 when the
 * bytes there are not one.  dq_json_text: a new JSON string of s with each byte that is
 * not part of valid UTF-8 as U+FFFD; NULL only when out of memory (or s is NULL).
 */
size_t dq_utf8_seq(const char *s);

/*
 * a + b, held at INT64_MAX or INT64_MIN instead of overflowing: for totals over sizes and
 * counts a log states as it likes (a damaged one says INT64_MAX).  *clamped, when not
 * NULL, is set to true when the result was held.
 */
int64_t dq_sat_add(int64_t a, int64_t b, bool *clamped);
json_t *dq_json_text(const char *s);

#endif
