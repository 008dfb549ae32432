/*
 * log.h - the _delta_log listing: one classifier for every file name and the choice of the
 * commits (and, later, checkpoint) a snapshot at version V is built from.
 * Delta protocol: "Delta Log Entries", "Checkpoints", "Last Checkpoint File", "Log Compaction
 * Files", "Version Checksum File" (../shared/research/protocol.md sections 1.2-1.9, 3.1).
 */
#ifndef DQ_LOG_H
#define DQ_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

enum log_kind {
	LOG_UNKNOWN = 0,      /* anything else: temp files, dot files, odd digit counts, dirs */
	LOG_COMMIT,           /* NNNNNNNNNNNNNNNNNNNN.json */
	LOG_CHECKPOINT,       /* NNNN.checkpoint.parquet, .OOOOOOOOOO.PPPPPPPPPP.parquet, .UUID.(json|parquet) */
	LOG_CRC,              /* NNNN.crc */
	LOG_COMPACTED,        /* XXXX.YYYY.compacted.json */
	LOG_LAST_CHECKPOINT,  /* _last_checkpoint */
};

enum log_checkpoint_kind {
	CKPT_CLASSIC = 1,
	CKPT_MULTIPART,
	CKPT_UUID,
};

struct log_name {
	enum log_kind kind;
	int64_t version;      /* commit, checkpoint, crc version; compaction start */
	int64_t version_to;   /* compaction end */
	enum log_checkpoint_kind ckpt;
	int part, parts;      /* multi-part: 1 <= part <= parts */
	bool json;            /* UUID checkpoint written as JSON */
};

/* Classifies one name found at the top level of _delta_log.  Returns out->kind. */
enum log_kind log_classify(const char *name, struct log_name *out);

struct log_file {
	struct log_name n;
	char *name;
	int64_t size;         /* -1 when not listed with stat */
	int64_t mtime_ms;
};

struct log_listing {
	struct log_file *files;   /* every classified file, sorted by name */
	size_t n;
	struct log_file **commits;/* commit files by ascending version */
	size_t ncommits;
	bool has_last_checkpoint;
	bool stat;                /* listed with sizes and mtimes */
};

/* Lists _delta_log.  DQ_ENOTTABLE when it does not exist. */
int log_list(struct store *s, bool with_stat, struct log_listing *out, struct dq_error *err);
void log_listing_release(struct log_listing *l);

/* Index into l->commits of commit `version`, or -1. */
ssize_t log_find_commit(const struct log_listing *l, int64_t version);

/* Newest complete checkpoint version <= max_version, or -1 (protocol.md 1.4: every part of a
 * multi-part checkpoint present, single files non-empty). */
int64_t log_latest_checkpoint(const struct log_listing *l, int64_t max_version);

/*
 * The files of the checkpoint a reader uses at version v, when several complete ones exist:
 * UUID-named > multi-part with more parts > classic (Spark's and kernel-rs's order).  Up to
 * max pointers into l go to out; returns how many files that checkpoint has (0: none).
 */
size_t log_checkpoint_files(const struct log_listing *l, int64_t v, const struct log_file **out,
			    size_t max);

/* Path of a _delta_log file relative to the table root, into buf. */
const char *log_path(const char *name, char *buf, size_t len);
/* "_delta_log/NNNNNNNNNNNNNNNNNNNN.json" into buf. */
const char *log_commit_path(int64_t version, char *buf, size_t len);

/* What a snapshot at `version` is built from (protocol.md 3.1). */
struct log_segment {
	int64_t version;        /* the target version */
	int64_t checkpoint;     /* the checkpoint to start from, -1 for none (replay from 0) */
	size_t first, last;     /* l->commits[first..last] come after it; none when first > last */
};

/*
 * Chooses the segment for `version` (-1 = latest) using the newest complete checkpoint
 * <= version and < below (pass INT64_MAX; a caller falling back from an unreadable
 * checkpoint passes its version).  The commits after the checkpoint (or from 0 without
 * one) must be contiguous up to the target.  DQ_ERANGE: no such version; DQ_EMISSING: a
 * gap, or history that starts after 0 with no usable checkpoint.
 */
int log_segment(const struct log_listing *l, int64_t version, int64_t below,
		struct log_segment *seg, struct dq_error *err);

/* Oldest version a snapshot can be built at (protocol.md 9.5), or -1. */
int64_t log_earliest_recreatable(const struct log_listing *l);

#endif
