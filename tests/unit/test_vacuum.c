/*
 * test_vacuum.c - what `orphans` and `check --deep` build on: dq_parse_interval, the reader
 * of delta.deletedFileRetentionDuration (Spark's calendar intervals: accepted forms and
 * their values, refused ones); the tombstones replay keeps with DQ_NEED_TOMBSTONES; and the
 * contract of dq_snapshot_untracked (flags it needs, totals, a callback that stops the
 * walk).  The listing rules themselves are tested in t5200-orphans.bats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deltaq.h"
#include "unit.h"

#define H INT64_C(3600000)

static const struct {
	const char *in;
	int64_t ms;
} valid[] = {
	{ "interval 1 week", 168 * H },
	{ "interval 2 weeks", 336 * H },
	{ "7 DAYS", 168 * H },
	{ "1 week", 168 * H },
	{ "  1   day  ", 24 * H },
	{ "interval   1   day  ", 24 * H },
	{ "interval 2 days - 1 day", 24 * H },
	{ "interval .5 seconds", 500 },
	{ "interval 1 second 500 milliseconds", 1500 },
	{ "interval 1.123456789 seconds", 1123 },
	{ "interval 1 month -1 month 1 day", 24 * H },
	{ "interval 12 months -1 year 1 day", 24 * H },
	{ "interval 168 hours", 168 * H },
	{ "interval 1 day 12 hours", 36 * H },
	{ "interval 1 hour 30 minutes", H + 30 * 60000 },
	{ "interval 90 seconds", 90000 },
	{ "interval 1.5 seconds", 1500 },
	{ "interval 0 months 7 days", 168 * H },
	{ "interval 0 years 1 day", 24 * H },
	{ "interval 250 milliseconds", 250 },
	{ "interval 2500 microseconds", 2 },
	{ "interval 0 seconds", 0 },
	{ "interval 2 days -12 hours", 36 * H },
	{ "interval +3 hours", 3 * H },
	{ "interval 365 days", 365 * 24 * H },
};

static const char *const invalid[] = {
	"", "interval", "interval ", "week", "1", "interval 1", "interval 1 fortnight",
	"interval 1 month", "interval 2 years", "interval -1 day", "interval 1 day -2 days",
	"interval 1 day junk", "interval 1 day 2", "interval a day", "interval 1.day x",
	"interval 99999999999999999999 days", "interval 9223372036854775807 weeks",
	"interval1 day", "interval 1.5 days", "interval 1. hour", "interval 1week",
	"interval 7days", "interval 1.5 milliseconds", "interval 1 month 0 days",
	/* Delta keeps "interval " only as the text's exact start; Spark wants a space (or
	 * the end) after a unit, and at most nine fraction digits */
	"INTERVAL 7 DAYS", "  interval 1 day", "interval\t1 day", "interval 1 day2 hours",
	"interval 1 day-2 hours", "interval 1.0000000001 seconds", "interval 1 month -2 months",
};

static char root[] = "/tmp/deltaq-test-vacuum-XXXXXX";

static void put(const char *rel, const char *text)
{
	char path[512], cmd[600];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
	if (system(cmd) != 0)
		abort();
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	fputs(text, f);
	fclose(f);
}

#define COMMIT0                                                                                    \
	"{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n"                          \
	"{\"metaData\":{\"id\":\"v\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"         \
	"\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[]}\",\"partitionColumns\":[],"  \
	"\"configuration\":{}}}\n"

static dq_snapshot *open_snap(dq_table **t, unsigned need)
{
	struct dq_error err = { 0 };
	dq_snapshot *s = NULL;
	struct dq_snapshot_request req = { .version = -1, .need = need };
	if (dq_table_open(root, NULL, t, &err) || dq_snapshot_open(*t, &req, &s, &err)) {
		FAILF("cannot open %s: %s", root, err.msg);
		return NULL;
	}
	return s;
}

static int64_t tombstone_ts(const dq_snapshot *s, const char *path)
{
	for (size_t i = 0; i < dq_snapshot_num_tombstones(s); i++)
		if (!strcmp(dq_snapshot_tombstone(s, i)->path, path))
			return dq_snapshot_tombstone(s, i)->deletion_timestamp;
	return -1;
}

struct seen {
	int n, stop_at;
	char paths[8][64];
};

static int collect(const struct dq_untracked *f, void *arg)
{
	struct seen *c = arg;
	if (c->n < 8)
		snprintf(c->paths[c->n], sizeof(c->paths[0]), "%s%s", f->path, f->deletable ? "" : "*");
	c->n++;
	return c->n == c->stop_at ? 42 : 0;
}

static void tombstones_and_untracked(void)
{
	if (!mkdtemp(root)) {
		FAILF("mkdtemp failed");
		return;
	}
	put("_delta_log/00000000000000000000.json", COMMIT0);
	put("_delta_log/00000000000000000001.json",
	    "{\"add\":{\"path\":\"a\",\"partitionValues\":{},\"size\":1,\"modificationTime\":0,\"dataChange\":true}}\n"
	    "{\"add\":{\"path\":\"b\",\"partitionValues\":{},\"size\":1,\"modificationTime\":0,\"dataChange\":true}}\n"
	    "{\"add\":{\"path\":\"c\",\"partitionValues\":{},\"size\":1,\"modificationTime\":0,\"dataChange\":true}}\n");
	/* b removed for good, c removed without a timestamp, a removed and added back, d added
	 * and removed in one commit. */
	put("_delta_log/00000000000000000002.json",
	    "{\"remove\":{\"path\":\"a\",\"deletionTimestamp\":5,\"dataChange\":true}}\n"
	    "{\"remove\":{\"path\":\"b\",\"deletionTimestamp\":4102444800000,\"dataChange\":true}}\n"
	    "{\"remove\":{\"path\":\"c\",\"dataChange\":true}}\n"
	    "{\"add\":{\"path\":\"d\",\"partitionValues\":{},\"size\":1,\"modificationTime\":0,\"dataChange\":true}}\n"
	    "{\"remove\":{\"path\":\"d\",\"deletionTimestamp\":7,\"dataChange\":true}}\n");
	put("_delta_log/00000000000000000003.json",
	    "{\"add\":{\"path\":\"a\",\"partitionValues\":{},\"size\":1,\"modificationTime\":0,\"dataChange\":true}}\n");
	put("a", "x");
	put("b", "x");
	put("c", "x");
	put("e", "x");
	put("_hidden", "x");

	dq_table *t;
	dq_snapshot *s = open_snap(&t, DQ_NEED_FILES | DQ_NEED_TOMBSTONES);
	if (!s)
		return;
	CHECK_INT(dq_snapshot_num_files(s), 1);
	CHECK_INT(dq_snapshot_num_tombstones(s), 3);
	CHECK_INT(tombstone_ts(s, "a"), -1);
	CHECK_INT(tombstone_ts(s, "b"), INT64_C(4102444800000));
	CHECK_INT(tombstone_ts(s, "c"), 0);
	CHECK_INT(tombstone_ts(s, "d"), 7);

	/* In 2100 with a retention of 2 s: b's tombstone (2100-01-01) is kept, c's and d's
	 * have expired, and the files on disk (written now) are old. */
	struct dq_error err = { 0 };
	struct dq_untracked_request req = { .retention_ms = 2000, .now_ms = INT64_C(4102444801000) };
	struct dq_untracked_totals tot;
	struct seen c = { 0 };
	CHECK_INT(dq_snapshot_untracked(s, &req, collect, &c, &tot, &err), DQ_OK);
	CHECK_INT(c.n, 3);
	CHECK_STR(c.paths[0], "b*");
	CHECK_STR(c.paths[1], "c");
	CHECK_STR(c.paths[2], "e");
	CHECK_INT(tot.num_files, 3);
	CHECK_INT(tot.size_bytes, 3);
	CHECK_INT(tot.num_deletable, 2);
	CHECK_INT(tot.delete_before_ms, INT64_C(4102444799000));
	/* By the clock, with a day's retention, the files just written are too recent. */
	struct dq_untracked_request clock = { .retention_ms = 86400000, .now_ms = -1 };
	c = (struct seen){ 0 };
	CHECK_INT(dq_snapshot_untracked(s, &clock, collect, &c, &tot, &err), DQ_OK);
	CHECK(tot.now_ms > INT64_C(1700000000000) && tot.now_ms < INT64_C(4102444800000));
	CHECK_INT(tot.num_deletable, 0);
	CHECK_STR(c.paths[1], "c*");
	/* A callback's nonzero return ends the walk and comes back unchanged. */
	c = (struct seen){ .stop_at = 2 };
	memset(&err, 0, sizeof(err));
	CHECK_INT(dq_snapshot_untracked(s, &req, collect, &c, NULL, &err), 42);
	CHECK_INT(c.n, 2);
	CHECK_INT(err.code, 0);
	dq_snapshot_close(s);
	dq_table_close(t);

	/* Without DQ_NEED_TOMBSTONES: none kept, and dq_snapshot_untracked refuses. */
	s = open_snap(&t, DQ_NEED_FILES);
	if (!s)
		return;
	CHECK_INT(dq_snapshot_num_tombstones(s), 0);
	CHECK_INT(dq_snapshot_untracked(s, &req, collect, &c, NULL, &err), DQ_EINVAL);
	dq_snapshot_close(s);
	dq_table_close(t);

	/* A retention property that is no interval: DQ_ECORRUPT, unless one is given. */
	put("_delta_log/00000000000000000004.json",
	    "{\"metaData\":{\"id\":\"v\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"
	    "\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[]}\",\"partitionColumns\":[],"
	    "\"configuration\":{\"delta.deletedFileRetentionDuration\":\"interval 1 month\"}}}\n");
	s = open_snap(&t, DQ_NEED_FILES | DQ_NEED_TOMBSTONES);
	if (!s)
		return;
	int64_t ms;
	CHECK_INT(dq_snapshot_deleted_file_retention(s, &ms, &err), DQ_ECORRUPT);
	struct dq_untracked_request table_retention = { .retention_ms = -1, .now_ms = 2000 };
	CHECK_INT(dq_snapshot_untracked(s, &table_retention, collect, &c, NULL, &err), DQ_ECORRUPT);
	CHECK_INT(dq_snapshot_untracked(s, &req, collect, &c, NULL, &err), DQ_OK);
	dq_snapshot_close(s);
	dq_table_close(t);

	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		FAILF("cannot remove %s", root);
}

int main(void)
{
	tombstones_and_untracked();
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		int64_t ms = -7;
		CHECKF(dq_parse_interval(valid[i].in, &ms) && ms == valid[i].ms,
		       "\"%s\" -> %lld, expected %lld", valid[i].in, (long long)ms,
		       (long long)valid[i].ms);
	}
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		int64_t ms = -7;
		CHECKF(!dq_parse_interval(invalid[i], &ms) && ms == -7, "\"%s\" accepted as %lld",
		       invalid[i], (long long)ms);
	}
	return unit_done();
}
