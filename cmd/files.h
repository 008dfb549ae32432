/*
 * files.h - the file record and partition filters shared by `files`, `partitions` and
 * `diff`.
 */
#ifndef DQ_CMD_FILES_H
#define DQ_CMD_FILES_H

#include "cmd.h"

extern const struct out_col file_cols[];
extern const size_t file_ncols;

/* The JSON record of one file (new); with `stats`, also min, max and null_count. */
json_t *file_record(const dq_snapshot *s, const struct dq_file *f, bool stats);

struct where {
	char *col[32];
	const char *val[32];
	size_t n;
};
int where_add(struct where *w, const struct cli *cli, const char *arg);
int where_check(const struct where *w, const dq_snapshot *s, const struct cli *cli);
bool where_match(const struct where *w, const struct dq_file *f);
void where_release(struct where *w);

#endif
