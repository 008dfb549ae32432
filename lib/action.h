/*
 * action.h - the one in-memory form of log actions (protocol.md section 2), whichever file
 * they came from.  File actions are compact structs with their strings in an arena; the
 * rare actions (protocol, metaData, txn, domainMetadata, commitInfo) stay jansson objects.
 */
#ifndef DQ_ACTION_H
#define DQ_ACTION_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "internal.h"

struct file_action {
	bool add;               /* add, else remove */
	const char *key;        /* DV unique id (empty without a DV) '\n' qualified path */
	size_t path_off;        /* key + path_off is the qualified path */
	int64_t size;           /* -1 when a remove does not say */
	int64_t modification_time;
	int64_t num_records;    /* stats.numRecords; -1 unknown */
	int64_t dv_cardinality; /* -1 without a DV */
	int64_t dv_size;        /* deletionVector.sizeInBytes; -1 without a DV or one */
	const char *partition_values; /* compact JSON of add.partitionValues */
	const char *stats;      /* raw stats, only when asked for */
	int64_t deletion_timestamp; /* remove.deletionTimestamp (0 when absent), with WANT_TOMBSTONES */
	int line;               /* line in the commit file, for messages */
};

enum action_want {
	WANT_FILES = 1 << 0,       /* add and remove */
	WANT_STATS = 1 << 1,       /* keep add.stats text */
	WANT_TXNS = 1 << 2,        /* txn and domainMetadata */
	WANT_COMMIT_INFO = 1 << 3,
	WANT_PM = 1 << 4,          /* protocol and metaData */
	WANT_SIDECARS = 1 << 5,    /* sidecar actions (V2 checkpoints written as JSON) */
	WANT_TOMBSTONES = 1 << 6,  /* also remove.deletionTimestamp (and checkpoint remove rows) */
	WANT_VALID = 1 << 7,       /* know that the lines not wanted are JSON too (check) */
};

struct commit_actions {
	int64_t version;
	struct dq_arena arena;
	struct file_action *files;
	size_t nfiles, cap;
	json_t *protocol, *metadata, *commit_info; /* new references or NULL */
	json_t *txns, *domains;    /* arrays of the action objects, file order; NULL if none */
	json_t *sidecars;          /* sidecar actions, with WANT_SIDECARS */
};

/*
 * Parses the NDJSON text of one commit.  `name` is the file's path for messages, `root`
 * the table location used to qualify paths.  Lines holding actions not in `want` are
 * skipped without being parsed.  DQ_ECORRUPT names the file and line.
 */
int action_parse_commit(const char *root, const char *name, const char *data, size_t len,
			unsigned want, struct commit_actions *out, struct dq_error *err);
void commit_actions_release(struct commit_actions *c);

/* Appends the DV unique id of a deletionVector object (protocol.md 7.1) to buf; -1 when the
 * descriptor is malformed, -2 out of memory. */
int action_dv_id(const json_t *dv, struct dq_buf *buf);

#endif
