/*
 * checkpoint.c - reading a checkpoint into a replay (protocol.md 1.4, 3.1).
 */
#include "replay.h"

int checkpoint_apply(dq_table *t, const struct log_listing *l, int64_t version, unsigned want,
		     dq_snapshot *s, struct dq_error *err)
{
	(void)t, (void)l, (void)want, (void)s;
	return dq_fail(err, DQ_ENOTIMPL,
		       "the checkpoint at version %lld cannot be read: checkpoint support is missing",
		       (long long)version);
}
