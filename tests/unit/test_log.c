/* test_log.c - the _delta_log name classifier and the choice of commits for a version. */
#include "log.h"
#include "unit.h"

static void classify(void)
{
	struct log_name n;
	CHECK_INT(log_classify("00000000000000000000.json", &n), LOG_COMMIT);
	CHECK_INT(n.version, 0);
	CHECK_INT(log_classify("00000000000000000042.json", &n), LOG_COMMIT);
	CHECK_INT(n.version, 42);
	CHECK_INT(log_classify("09223372036854775807.json", &n), LOG_COMMIT);
	CHECK_INT(n.version, 9223372036854775807LL);
	CHECK_INT(log_classify("09223372036854775808.json", &n), LOG_UNKNOWN); /* overflow */
	CHECK_INT(log_classify("0000000000000000042.json", &n), LOG_UNKNOWN);  /* 19 digits */
	CHECK_INT(log_classify("000000000000000000042.json", &n), LOG_UNKNOWN); /* 21 digits */
	CHECK_INT(log_classify("00000000000000000042.json.tmp", &n), LOG_UNKNOWN);
	CHECK_INT(log_classify(".00000000000000000042.json.crc", &n), LOG_UNKNOWN);
	CHECK_INT(log_classify(".00000000000000000042.json.5f2a.tmp", &n), LOG_UNKNOWN);
	CHECK_INT(log_classify("00000000000000000042.JSON", &n), LOG_UNKNOWN);
	CHECK_INT(log_classify("00000000000000000042.crc", &n), LOG_CRC);
	CHECK_INT(n.version, 42);
	CHECK_INT(log_classify("00000000000000000010.checkpoint.parquet", &n), LOG_CHECKPOINT);
	CHECK_INT(n.ckpt, CKPT_CLASSIC);
	CHECK_INT(n.version, 10);
	CHECK_INT(log_classify("00000000000000000010.checkpoint.0000000002.0000000003.parquet", &n),
		  LOG_CHECKPOINT);
	CHECK_INT(n.ckpt, CKPT_MULTIPART);
	CHECK_INT(n.part, 2);
	CHECK_INT(n.parts, 3);
	CHECK_INT(log_classify("00000000000000000010.checkpoint.0000000004.0000000003.parquet", &n),
		  LOG_UNKNOWN); /* part > parts */
	CHECK_INT(log_classify("00000000000000000010.checkpoint.0000000000.0000000003.parquet", &n),
		  LOG_UNKNOWN); /* part 0 */
	CHECK_INT(log_classify("00000000000000000010.checkpoint.002.003.parquet", &n), LOG_UNKNOWN);
	CHECK_INT(log_classify("00000000000000000010.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json", &n),
		  LOG_CHECKPOINT);
	CHECK_INT(n.ckpt, CKPT_UUID);
	CHECK(n.json);
	CHECK_INT(log_classify("00000000000000000010.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.parquet", &n),
		  LOG_CHECKPOINT);
	CHECK(!n.json);
	CHECK_INT(log_classify("00000000000000000010.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a1.json", &n),
		  LOG_UNKNOWN); /* 35-char uuid */
	CHECK_INT(log_classify("00000000000000000010.checkpoint.80a083e8x7026-4e79-81be-64bd76c43a11.json", &n),
		  LOG_UNKNOWN);
	CHECK_INT(log_classify("00000000000000000004.00000000000000000006.compacted.json", &n), LOG_COMPACTED);
	CHECK_INT(n.version, 4);
	CHECK_INT(n.version_to, 6);
	CHECK_INT(log_classify("00000000000000000006.00000000000000000004.compacted.json", &n), LOG_UNKNOWN);
	CHECK_INT(log_classify("_last_checkpoint", &n), LOG_LAST_CHECKPOINT);
	CHECK_INT(log_classify("_sidecars", &n), LOG_UNKNOWN);
	CHECK_INT(log_classify("_staged_commits", &n), LOG_UNKNOWN);
	CHECK_INT(log_classify("_commits", &n), LOG_UNKNOWN);
	CHECK_INT(log_classify("", &n), LOG_UNKNOWN);
	CHECK_INT(log_classify("00000000000000000001", &n), LOG_UNKNOWN);
	CHECK_INT(log_classify("00000000000000000001.", &n), LOG_UNKNOWN);
}

/* A listing built by hand: versions given, checkpoints as (version, part, parts). */
static struct log_file files[64];
static struct log_file *commits[64];

static void listing(struct log_listing *l, const int64_t *versions, size_t n, const char *const *ckpts)
{
	memset(l, 0, sizeof(*l));
	l->files = files;
	l->commits = commits;
	static char names[64][96];
	size_t k = 0;
	for (size_t i = 0; i < n; i++, k++) {
		snprintf(names[k], sizeof(names[k]), "%020lld.json", (long long)versions[i]);
		files[k].name = names[k];
		files[k].size = 10;
		log_classify(names[k], &files[k].n);
		commits[l->ncommits++] = &files[k];
	}
	for (size_t i = 0; ckpts && ckpts[i]; i++, k++) {
		snprintf(names[k], sizeof(names[k]), "%s", ckpts[i]);
		files[k].name = names[k];
		files[k].size = 10;
		log_classify(names[k], &files[k].n);
	}
	l->n = k;
}

static void segments(void)
{
	struct log_listing l;
	struct dq_error err;
	struct log_segment g;
	const int64_t full[] = { 0, 1, 2, 3 };
	listing(&l, full, 4, NULL);
	CHECK_INT(log_segment(&l, -1, INT64_MAX, &g, &err), DQ_OK);
	CHECK_INT(g.version, 3);
	CHECK_INT(g.checkpoint, -1);
	CHECK_INT(g.first, 0);
	CHECK_INT(g.last, 3);
	CHECK_INT(log_segment(&l, 1, INT64_MAX, &g, &err), DQ_OK);
	CHECK_INT(g.last, 1);
	CHECK_INT(log_segment(&l, 4, INT64_MAX, &g, &err), DQ_ERANGE);
	CHECK(strstr(err.msg, "0 to 3") != NULL);
	CHECK_INT(log_earliest_recreatable(&l), 0);

	const int64_t gap[] = { 0, 1, 3 };
	listing(&l, gap, 3, NULL);
	CHECK_INT(log_segment(&l, -1, INT64_MAX, &g, &err), DQ_EMISSING);
	CHECK(strstr(err.msg, "version 2 is missing") != NULL);
	CHECK_INT(log_segment(&l, 1, INT64_MAX, &g, &err), DQ_OK); /* below the gap is fine */
	CHECK_INT(log_segment(&l, 2, INT64_MAX, &g, &err), DQ_EMISSING);

	const int64_t bigap[] = { 0, 5 };
	listing(&l, bigap, 2, NULL);
	CHECK_INT(log_segment(&l, -1, INT64_MAX, &g, &err), DQ_EMISSING);
	CHECK(strstr(err.msg, "versions 1 to 4 are missing") != NULL);

	const int64_t late[] = { 5, 6, 7 };
	listing(&l, late, 3, NULL);
	CHECK_INT(log_segment(&l, -1, INT64_MAX, &g, &err), DQ_EMISSING);
	CHECK(strstr(err.msg, "starts at version 5") != NULL);
	CHECK_INT(log_earliest_recreatable(&l), -1);

	/* Cleaned-up history: the checkpoint at 5 and the commits after it. */
	const char *const ck5[] = { "00000000000000000005.checkpoint.parquet", NULL };
	listing(&l, late, 3, ck5);
	CHECK_INT(log_segment(&l, -1, INT64_MAX, &g, &err), DQ_OK);
	CHECK_INT(g.checkpoint, 5);
	CHECK_INT(l.commits[g.first]->n.version, 6);
	CHECK_INT(l.commits[g.last]->n.version, 7);
	CHECK_INT(log_segment(&l, 5, INT64_MAX, &g, &err), DQ_OK);
	CHECK(g.first > g.last); /* the checkpoint alone */
	CHECK_INT(log_segment(&l, 4, INT64_MAX, &g, &err), DQ_ERANGE);
	/* Falling back below the only checkpoint leaves nothing to start from. */
	CHECK_INT(log_segment(&l, -1, 5, &g, &err), DQ_EMISSING);
	CHECK(strstr(err.msg, "no usable checkpoint") != NULL);
	CHECK_INT(log_latest_checkpoint(&l, 7), 5);
	CHECK_INT(log_latest_checkpoint(&l, 4), -1);
	CHECK_INT(log_earliest_recreatable(&l), 5);

	/* A hole after the checkpoint is an error. */
	const int64_t hole[] = { 5, 7 };
	listing(&l, hole, 2, ck5);
	CHECK_INT(log_segment(&l, -1, INT64_MAX, &g, &err), DQ_EMISSING);
	CHECK(strstr(err.msg, "version 6 is missing") != NULL);

	/* Multi-part checkpoints count only when every part is there. */
	const char *const partial[] = { "00000000000000000005.checkpoint.0000000001.0000000002.parquet", NULL };
	listing(&l, late, 3, partial);
	CHECK_INT(log_latest_checkpoint(&l, 7), -1);
	const char *const whole[] = { "00000000000000000005.checkpoint.0000000001.0000000002.parquet",
				      "00000000000000000005.checkpoint.0000000002.0000000002.parquet", NULL };
	listing(&l, late, 3, whole);
	CHECK_INT(log_latest_checkpoint(&l, 7), 5);
	const struct log_file *parts[4];
	CHECK_INT(log_checkpoint_files(&l, 5, parts, 4), 2);
	CHECK_INT(parts[0]->n.part, 1);
	CHECK_INT(parts[1]->n.part, 2);

	/* Empty checkpoint files are skipped. */
	listing(&l, late, 3, ck5);
	files[3].size = 0;
	CHECK_INT(log_latest_checkpoint(&l, 7), -1);

	/* Several checkpoints at one version: UUID > more parts > classic. */
	const char *const many[] = { "00000000000000000005.checkpoint.parquet",
				     "00000000000000000005.checkpoint.0000000001.0000000001.parquet",
				     "00000000000000000005.checkpoint.80a083e8-7026-4e79-81be-64bd76c43a11.json",
				     NULL };
	listing(&l, late, 3, many);
	CHECK_INT(log_checkpoint_files(&l, 5, parts, 4), 1);
	CHECK_INT(parts[0]->n.ckpt, CKPT_UUID);
	CHECK_INT(log_checkpoint_files(&l, 6, parts, 4), 0);

	/* With every commit from 0 present, the newest checkpoint is still preferred. */
	const int64_t all[] = { 0, 1, 2, 3, 4, 5, 6 };
	listing(&l, all, 7, ck5);
	CHECK_INT(log_segment(&l, -1, INT64_MAX, &g, &err), DQ_OK);
	CHECK_INT(g.checkpoint, 5);
	CHECK_INT(l.commits[g.first]->n.version, 6);
	CHECK_INT(log_segment(&l, -1, 5, &g, &err), DQ_OK); /* fallback: JSON from 0 */
	CHECK_INT(g.checkpoint, -1);
	CHECK_INT(g.first, 0);
	CHECK_INT(g.last, 6);
	CHECK_INT(log_find_commit(&l, 4), 4);
	CHECK_INT(log_find_commit(&l, 9), -1);
	CHECK_INT(log_earliest_recreatable(&l), 0);
}

int main(void)
{
	classify();
	segments();
	return unit_done();
}
