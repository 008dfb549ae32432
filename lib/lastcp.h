/*
 * lastcp.h - _delta_log/_last_checkpoint: the hint that names the newest checkpoint.
 * Delta protocol: "Last Checkpoint File" and "JSON checksum" (../shared/research/protocol.md
 * section 1.5).  The hint is only ever a starting point for listing; a file that is absent,
 * unparsable, or whose checksum does not match is not an error, just a hint not to use.
 */
#ifndef DQ_LASTCP_H
#define DQ_LASTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define LASTCP_PATH "_delta_log/_last_checkpoint"
#define LASTCP_MAX_SIZE (16u << 20)   /* a bigger file is invalid, not read */

struct last_checkpoint {
	bool present;             /* the file exists */
	bool valid;               /* parsed, version present, checksum (if any) matches */
	char problem[200];        /* when present && !valid: why, one line, e.g. "checksum does not
				   * match" or "not valid JSON: ..."; else "" */
	int64_t version;          /* -1 unknown */
	int64_t size;             /* -1 absent (Spark also writes -1 for "unknown") */
	int64_t parts;            /* -1 absent */
	int64_t size_in_bytes;    /* -1 absent */
	int64_t num_of_add_files; /* -1 absent */
	bool has_checksum;        /* a top-level "checksum" member is there */
	bool checksum_ok;         /* ... and it is the string lastcp_checksum computes */
	char *v2_path;            /* v2Checkpoint.path, a bare file name in _delta_log; new or NULL */
	bool unusable_preview;    /* checkpointType / amtCheckpoint present: treat as unusable */
};

/*
 * Reads LASTCP_PATH through the store.  DQ_OK whenever the file is absent or merely invalid
 * (see ->present / ->valid / ->problem); an error code only for I/O errors other than "does
 * not exist" or out of memory.  Fields are filled as far as the file allows even when it is
 * invalid (a wrong checksum still reports the version it claims).  Release with
 * lastcp_release, whatever the return code.
 */
int lastcp_read(struct store *s, struct last_checkpoint *out, struct dq_error *err);

/* Parses text (len bytes, need not be NUL-terminated) as lastcp_read does.  DQ_OK or DQ_ENOMEM. */
int lastcp_parse(const char *text, size_t len, struct last_checkpoint *out,
		 struct dq_error *err);

/* Frees c->v2_path.  c may be NULL. */
void lastcp_release(struct last_checkpoint *c);

/*
 * The checksum of a _last_checkpoint JSON text with its top-level "checksum" member left out,
 * as 32 lowercase hex digits and a NUL in hex[33].  False when the text is not a JSON object,
 * has duplicate keys, is too large to canonicalise, or memory runs out.
 */
bool lastcp_checksum(const char *text, size_t len, char hex[33]);

#endif
