/*
 * replay.h - internal pieces of log replay shared with history.c and features.c.
 */
#ifndef DQ_REPLAY_H
#define DQ_REPLAY_H

#include <jansson.h>

#include "action.h"
#include "table.h"

/* Reader features (or "minReaderVersion N") of `protocol` that deltaq does not honour: new array. */
json_t *features_unsupported(const json_t *protocol);
/* A feature name ending in -preview or -dev. */
bool feature_is_preview(const char *name);
/* Whether a writer feature is one Spark or delta-kernel-rs knows (previews included). */
bool writer_feature_known(const char *name);

/* What makes a protocol action with integer versions malformed (a version below 1, feature
 * lists that are not arrays of strings), or NULL: such a table cannot be read (exit 3),
 * rather than be one that needs something deltaq lacks (exit 4). */
const char *protocol_problem(const json_t *protocol);

/* In-commit timestamp settings of a metaData + protocol pair (protocol.md 9.1). */
bool ict_enabled(const json_t *protocol, const json_t *metadata, int64_t *from_version);

/* Timestamp of commit l->commits[idx]: monotonic mtime, or its in-commit timestamp when
 * the table uses them from that version on.  *warning (new, may stay NULL) for stderr. */
int history_timestamp(dq_table *t, size_t idx, int64_t *ts, bool *ict, char **warning,
		      struct dq_error *err);

/* The commitInfo object of a commit (new reference or NULL), reading only the file's head
 * when commitInfo is its first line. */
int history_commit_info(dq_table *t, const struct log_file *f, json_t **ci, struct dq_error *err);

/* Applies one commit's actions (newest first, see replay.c). */
int replay_reconcile(dq_snapshot *s, struct commit_actions *c, struct dq_error *err);

/* Field `name` of a schema's top-level struct, or NULL. */
json_t *schema_top_field(const json_t *schema, const char *name);
/* A field's column-mapping physical name, else `logical` (also for a NULL field). */
const char *field_physical_name(const json_t *field, const char *logical);
/* Whether metaData's configuration turns column mapping on (mode name or id). */
bool metadata_column_mapping(const json_t *metadata);

/* Reads the commit file f and parses the actions `want` asks for into *acts (its version
 * set), on whichever thread calls it; its table-relative path goes to path[0..pathlen). */
int replay_read_commit(dq_table *t, const struct log_file *f, unsigned want,
		       struct commit_actions *acts, char *path, size_t pathlen,
		       struct dq_error *err);
/* Offers one add or remove from a checkpoint: adds whose key no newer commit touched are
 * live; such removes are kept as tombstones with DQ_NEED_TOMBSTONES. */
int replay_checkpoint_add(dq_snapshot *s, const struct file_action *fa, struct dq_error *err);
/* The keys the newer commits touched.  Nothing changes it while a checkpoint is read, so
 * checkpoint readers may look keys up from several threads at once. */
const struct dq_strset *replay_seen(const dq_snapshot *s);
/* Appends checkpoint files already known to be live (their keys not in replay_seen) and
 * takes over the arena their strings live in (steals: `strings` is left empty). */
int replay_checkpoint_files(dq_snapshot *s, const struct dq_file *files, size_t n,
			    struct dq_arena *strings, struct dq_error *err);
/* Whether the snapshot only counts files (DQ_NEED_TOTALS without DQ_NEED_FILES): the
 * checkpoint's adds then go to replay_checkpoint_count, not replay_checkpoint_files. */
bool replay_counts_only(const dq_snapshot *s);
/* Adds the totals of live checkpoint adds (counted, not kept). */
void replay_checkpoint_count(dq_snapshot *s, const struct dq_totals *t);
/* Both protocol and metaData found already. */
bool replay_has_pm(const dq_snapshot *s);
/* The table a snapshot belongs to, and whether it was opened with DQ_NEED_TOMBSTONES. */
dq_table *replay_table(const dq_snapshot *s);
bool replay_has_tombstones(const dq_snapshot *s);

/*
 * Reads the checkpoint at `version` (checkpoint.c): its non-file actions go through
 * replay_reconcile, its adds through replay_checkpoint_add.  `want` as for commits.
 */
int checkpoint_apply(dq_table *t, const struct log_listing *l, int64_t version, unsigned want,
		     dq_snapshot *s, struct dq_error *err);

/*
 * A snapshot of the checkpoint at `version` alone, no commit replayed (check.c compares it
 * with the JSON commits it covers).  *missing_pm when it lacks protocol or metaData.
 */
int replay_checkpoint_snapshot(dq_table *t, int64_t version, unsigned need, dq_snapshot **out,
			       bool *missing_pm, struct dq_error *err);

#endif
