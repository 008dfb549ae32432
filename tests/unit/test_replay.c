/*
 * test_replay.c - replay rules (protocol.md 3.2) through the public API on small tables
 * written to a temporary directory: newest action per (path, DV id) wins, removes hide
 * older adds, paths are decoded once and qualified like Spark's, latest protocol and
 * metaData, txn per appId, domains with tombstones, partition values as one canonical
 * text, and the same answer for any thread count.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deltaq.h"
#include "unit.h"
#include "uri.h"

static char root[256];
static dq_table *opened[64];
static size_t nopened;

#define HEADER                                                                                     \
	"{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n"                          \
	"{\"metaData\":{\"id\":\"m0\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"        \
	"\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[]}\",\"partitionColumns\":[],\"configuration\":{}}}\n"

static void write_commit(const char *table, int v, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s/_delta_log", root, table);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	if (system(cmd) != 0)
		abort();
	snprintf(path, sizeof(path), "%s/%s/_delta_log/%020d.json", root, table, v);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static dq_snapshot *snap(const char *table, int64_t version, unsigned need, int threads, int *rc)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, table);
	dq_table *t;
	struct dq_error err = { 0 };
	struct dq_options opt = { .threads = threads };
	*rc = dq_table_open(path, &opt, &t, &err);
	if (*rc)
		return NULL;
	opened[nopened++] = t; /* closed at the end, after every snapshot */
	dq_snapshot *s = NULL;
	struct dq_snapshot_request req = { .version = version, .need = need | DQ_NEED_ORDER };
	*rc = dq_snapshot_open(t, &req, &s, &err);
	if (*rc && getenv("UNIT_VERBOSE"))
		fprintf(stderr, "  (%s: %s)\n", table, err.msg);
	return s;
}

static const char *paths(dq_snapshot *s)
{
	static char buf[2048];
	buf[0] = '\0';
	for (size_t i = 0; i < dq_snapshot_num_files(s); i++) {
		const struct dq_file *f = dq_snapshot_file(s, i);
		strcat(buf, i ? " " : "");
		strcat(buf, f->path);
	}
	return buf;
}

static void newest_wins(void)
{
	write_commit("nw", 0, HEADER
		     "{\"add\":{\"path\":\"a\",\"partitionValues\":{},\"size\":1,\"modificationTime\":0,\"dataChange\":true,\"stats\":\"{\\\"numRecords\\\":3}\"}}\n"
		     "{\"add\":{\"path\":\"b\",\"partitionValues\":{},\"size\":2,\"modificationTime\":0,\"dataChange\":true}}\n");
	write_commit("nw", 1, "{\"remove\":{\"path\":\"a\",\"dataChange\":true}}\n"
			      "{\"add\":{\"path\":\"c\",\"partitionValues\":{},\"size\":4,\"modificationTime\":0,\"dataChange\":true}}\n");
	write_commit("nw", 2, "{\"add\":{\"path\":\"a\",\"partitionValues\":{},\"size\":8,\"modificationTime\":0,\"dataChange\":true,\"stats\":\"{\\\"numRecords\\\":5}\"}}\n");
	int rc;
	dq_snapshot *s = snap("nw", -1, DQ_NEED_FILES, 2, &rc);
	CHECK_INT(rc, DQ_OK);
	CHECK_STR(paths(s), "a b c");
	struct dq_totals t;
	dq_snapshot_totals(s, &t);
	CHECK_INT(t.num_files, 3);
	CHECK_INT(t.size_bytes, 14);
	CHECK(!t.num_records_exact); /* b and c have no stats */
	CHECK_INT(t.num_records, 5);
	CHECK_INT(dq_snapshot_file(s, 0)->size, 8); /* the re-added a, not the first */
	dq_snapshot_close(s);
	s = snap("nw", 1, DQ_NEED_FILES, 1, &rc);
	CHECK_STR(paths(s), "b c");
	dq_snapshot_close(s);
	s = snap("nw", 0, DQ_NEED_FILES, 4, &rc);
	CHECK_STR(paths(s), "a b");
	dq_snapshot_close(s);
}

static void dv_keys(void)
{
	/* DELETE with DVs: remove(p, no DV) + add(p, dv1); then remove(p, dv1) + add(p, dv2). */
	write_commit("dv", 0, HEADER
		     "{\"add\":{\"path\":\"p\",\"partitionValues\":{},\"size\":10,\"modificationTime\":0,\"dataChange\":true,\"stats\":\"{\\\"numRecords\\\":10}\"}}\n");
	write_commit("dv", 1, "{\"remove\":{\"path\":\"p\",\"dataChange\":true}}\n"
			      "{\"add\":{\"path\":\"p\",\"partitionValues\":{},\"size\":10,\"modificationTime\":0,\"dataChange\":true,\"stats\":\"{\\\"numRecords\\\":10}\","
			      "\"deletionVector\":{\"storageType\":\"u\",\"pathOrInlineDv\":\"ab^-aqEH.-t@S}K{vb[*k^\",\"offset\":1,\"sizeInBytes\":36,\"cardinality\":2}}}\n");
	write_commit("dv", 2, "{\"remove\":{\"path\":\"p\",\"dataChange\":true,"
			      "\"deletionVector\":{\"storageType\":\"u\",\"pathOrInlineDv\":\"ab^-aqEH.-t@S}K{vb[*k^\",\"offset\":1,\"sizeInBytes\":36,\"cardinality\":2}}}\n"
			      "{\"add\":{\"path\":\"p\",\"partitionValues\":{},\"size\":10,\"modificationTime\":0,\"dataChange\":true,\"stats\":\"{\\\"numRecords\\\":10}\","
			      "\"deletionVector\":{\"storageType\":\"u\",\"pathOrInlineDv\":\"ab^-aqEH.-t@S}K{vb[*k^\",\"offset\":9,\"sizeInBytes\":36,\"cardinality\":5}}}\n");
	int rc;
	dq_snapshot *s = snap("dv", -1, DQ_NEED_FILES, 2, &rc);
	CHECK_INT(dq_snapshot_num_files(s), 1);
	const struct dq_file *f = dq_snapshot_file(s, 0);
	CHECK_INT(f->dv_cardinality, 5); /* the offset is part of the DV id: @9 differs from @1 */
	struct dq_totals t;
	dq_snapshot_totals(s, &t);
	CHECK_INT(t.num_records, 5);
	CHECK(t.num_records_exact);
	dq_snapshot_close(s);
	s = snap("dv", 1, DQ_NEED_FILES, 2, &rc);
	dq_snapshot_totals(s, &t);
	CHECK_INT(t.num_records, 8);
	dq_snapshot_close(s);
}

static void qualified_paths(void)
{
	write_commit("q", 0, HEADER
		     "{\"add\":{\"path\":\"file:///tmp/dq-abs/x.parquet\",\"partitionValues\":{},\"size\":1,\"modificationTime\":0,\"dataChange\":true}}\n"
		     "{\"add\":{\"path\":\"file:/tmp/dq-abs/y.parquet\",\"partitionValues\":{},\"size\":1,\"modificationTime\":0,\"dataChange\":true}}\n"
		     "{\"add\":{\"path\":\"a%20b/c%253A.parquet\",\"partitionValues\":{},\"size\":1,\"modificationTime\":0,\"dataChange\":true}}\n"
		     "{\"add\":{\"path\":\"s3://bucket/k%20.parquet\",\"partitionValues\":{},\"size\":1,\"modificationTime\":0,\"dataChange\":true}}\n");
	write_commit("q", 1, "{\"remove\":{\"path\":\"/tmp/dq-abs/x.parquet\",\"dataChange\":true}}\n"
			     "{\"remove\":{\"path\":\"file:///tmp/dq-abs/y.parquet\",\"dataChange\":true}}\n");
	int rc;
	dq_snapshot *s = snap("q", -1, DQ_NEED_FILES, 2, &rc);
	/* Decoded once: %253A is the on-disk "%3A"; relative paths shown relative. */
	CHECK_STR(paths(s), "a b/c%3A.parquet s3://bucket/k .parquet");
	dq_snapshot_close(s);
	/* A table whose own location appears in an absolute path shows it relative. */
	char abs[512], text[1024];
	snprintf(abs, sizeof(abs), "%s/q2", root);
	snprintf(text, sizeof(text), HEADER "{\"add\":{\"path\":\"file://%s/in.parquet\",\"partitionValues\":{},\"size\":1,\"modificationTime\":0,\"dataChange\":true}}\n", abs);
	write_commit("q2", 0, text);
	write_commit("q2", 1, "{\"remove\":{\"path\":\"in.parquet\",\"dataChange\":true}}\n");
	s = snap("q2", 0, DQ_NEED_FILES, 2, &rc);
	CHECK_STR(paths(s), "in.parquet");
	dq_snapshot_close(s);
	s = snap("q2", 1, DQ_NEED_FILES, 2, &rc);
	CHECK_INT(dq_snapshot_num_files(s), 0); /* relative remove matches the absolute add */
	dq_snapshot_close(s);
	/* Paths are normalised as Hadoop's Path normalises them: one file, one key.  A remove
	 * of a/b.parquet removes the add of a//b.parquet; ./c, x/../d and /root/./e are c,
	 * d and e; a leading .. stays; nothing left keeps the path as it was. */
	snprintf(text, sizeof(text), HEADER
		 "{\"add\":{\"path\":\"a//b.parquet\",\"partitionValues\":{},\"size\":1,\"modificationTime\":0,\"dataChange\":true}}\n"
		 "{\"add\":{\"path\":\"./c.parquet\",\"partitionValues\":{},\"size\":1,\"modificationTime\":0,\"dataChange\":true}}\n"
		 "{\"add\":{\"path\":\"x/./y/../../d.parquet\",\"partitionValues\":{},\"size\":1,\"modificationTime\":0,\"dataChange\":true}}\n"
		 "{\"add\":{\"path\":\"file://%s/q4/.//e.parquet\",\"partitionValues\":{},\"size\":1,\"modificationTime\":0,\"dataChange\":true}}\n"
		 "{\"add\":{\"path\":\"../up/../f.parquet\",\"partitionValues\":{},\"size\":1,\"modificationTime\":0,\"dataChange\":true}}\n", root);
	write_commit("q4", 0, text);
	s = snap("q4", 0, DQ_NEED_FILES, 2, &rc);
	CHECK_STR(paths(s), "../f.parquet a/b.parquet c.parquet d.parquet e.parquet");
	dq_snapshot_close(s);
	write_commit("q4", 1, "{\"remove\":{\"path\":\"a/b.parquet\",\"dataChange\":true}}\n"
			      "{\"remove\":{\"path\":\"c.parquet\",\"dataChange\":true}}\n");
	s = snap("q4", 1, DQ_NEED_FILES, 2, &rc);
	CHECK_STR(paths(s), "../f.parquet d.parquet e.parquet");
	dq_snapshot_close(s);
	CHECK(!uri_needs_normalise("a/b.parquet", 11) && !uri_needs_normalise(".hidden/x..y", 12));
	CHECK(uri_needs_normalise("a//b", 4) && uri_needs_normalise("./a", 3) &&
	      uri_needs_normalise("a/..", 4) && uri_needs_normalise("a/./b", 5));
	/* A malformed escape is corrupt input. */
	write_commit("q3", 0, HEADER "{\"add\":{\"path\":\"bad%zz\",\"partitionValues\":{},\"size\":1,\"modificationTime\":0,\"dataChange\":true}}\n");
	s = snap("q3", -1, DQ_NEED_FILES, 1, &rc);
	CHECK_INT(rc, DQ_ECORRUPT);
	CHECK(s == NULL);
}

static void metadata_txn_domains(void)
{
	write_commit("m", 0, HEADER
		     "{\"txn\":{\"appId\":\"a\",\"version\":7}}\n"
		     "{\"domainMetadata\":{\"domain\":\"d1\",\"configuration\":\"{}\",\"removed\":false}}\n"
		     "{\"domainMetadata\":{\"domain\":\"d2\",\"configuration\":\"{}\",\"removed\":false}}\n");
	write_commit("m", 1, "{\"txn\":{\"appId\":\"a\",\"version\":3}}\n"
			     "{\"txn\":{\"appId\":\"b\",\"version\":1}}\n"
			     "{\"domainMetadata\":{\"domain\":\"d1\",\"configuration\":\"{}\",\"removed\":true}}\n"
			     "{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":4}}\n");
	write_commit("m", 2, "{\"metaData\":{\"id\":\"m2\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"
			     "\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[]}\",\"partitionColumns\":[],\"configuration\":{\"k\":\"v\"}}}\n");
	int rc;
	dq_snapshot *s = snap("m", -1, DQ_NEED_FILES | DQ_NEED_TXNS, 2, &rc);
	CHECK_INT(rc, DQ_OK);
	CHECK_STR(json_string_value(json_object_get(dq_snapshot_metadata(s), "id")), "m2");
	CHECK_INT(dq_snapshot_metadata_version(s), 2);
	CHECK_INT(dq_snapshot_min_writer_version(s), 4);
	/* latest txn per appId wins, even though its version is lower */
	CHECK_INT(json_integer_value(json_object_get(dq_snapshot_app_transactions(s), "a")), 3);
	CHECK_INT(json_integer_value(json_object_get(dq_snapshot_app_transactions(s), "b")), 1);
	CHECK_INT(json_array_size(dq_snapshot_domains(s)), 1);
	CHECK_STR(json_string_value(json_array_get(dq_snapshot_domains(s), 0)), "d2");
	dq_snapshot_close(s);
	s = snap("m", 0, DQ_NEED_TXNS, 2, &rc);
	CHECK_INT(json_integer_value(json_object_get(dq_snapshot_app_transactions(s), "a")), 7);
	CHECK_INT(json_array_size(dq_snapshot_domains(s)), 2);
	CHECK_INT(dq_snapshot_min_writer_version(s), 2);
	dq_snapshot_close(s);
}

/* Each file's partition values come out as one compact text, keys in partitionColumns
 * order, missing ones null, whatever the writer's spacing and key order: the plain case
 * without a JSON parser, the rest (escapes, non-ASCII, a key twice) through jansson. */
static void partition_values_text(void)
{
	static const struct { const char *raw, *want; } cases[] = {
		{ "{\"a\":\"1\",\"b c\":\"x\"}", "{\"a\":\"1\",\"b c\":\"x\"}" },
		{ "{ \"b c\" : \"y\" ,\t\r \"a\" : null }", "{\"a\":null,\"b c\":\"y\"}" },
		{ "{\"a\":\"2\"}", "{\"a\":\"2\",\"b c\":null}" },
		{ "{}", "{\"a\":null,\"b c\":null}" },
		{ "{\"a\":\"3\",\"b c\":\"/\",\"extra\":\"z\"}", "{\"a\":\"3\",\"b c\":\"/\"}" },
		{ "{\"a\":\"q\\\"r\",\"b c\":\"s\"}", "{\"a\":\"q\\\"r\",\"b c\":\"s\"}" },
		{ "{\"a\":\"\\u0041\",\"b c\":\"s\"}", "{\"a\":\"A\",\"b c\":\"s\"}" },
		{ "{\"a\":\"\xc3\xa9\",\"b c\":\"t\\tx\"}", "{\"a\":\"\xc3\xa9\",\"b c\":\"t\\tx\"}" },
		{ "{\"a\":\"4\",\"a\":\"5\",\"b c\":\"k\"}", "{\"a\":\"5\",\"b c\":\"k\"}" },
	};
	const size_t n = sizeof(cases) / sizeof(cases[0]);
	char text[8192];
	int len = snprintf(text, sizeof(text), "%s",
			   "{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n"
			   "{\"metaData\":{\"id\":\"p\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"
			   "\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[]}\","
			   "\"partitionColumns\":[\"a\",\"b c\"],\"configuration\":{}}}\n");
	for (size_t i = 0; i < n; i++)
		len += snprintf(text + len, sizeof(text) - (size_t)len,
				"{\"add\":{\"path\":\"f%zu\",\"partitionValues\":%s,\"size\":1,"
				"\"modificationTime\":0,\"dataChange\":true}}\n", i, cases[i].raw);
	write_commit("pv", 0, text);
	int rc;
	dq_snapshot *s = snap("pv", -1, DQ_NEED_FILES, 1, &rc);
	CHECK_INT(rc, DQ_OK);
	CHECK_INT(s ? dq_snapshot_num_files(s) : 0, n);
	for (size_t i = 0; s && i < dq_snapshot_num_files(s); i++) {
		const struct dq_file *f = dq_snapshot_file(s, i);
		size_t c = (size_t)atoi(f->path + 1);
		CHECK(c < n);
		if (c < n)
			CHECK_STR(f->partition_values, cases[c].want);
	}
	dq_snapshot_close(s);
	/* A column named twice (not valid Delta): one pair, as jansson's object keeps it. */
	write_commit("pv2", 0,
		     "{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n"
		     "{\"metaData\":{\"id\":\"p\",\"format\":{\"provider\":\"parquet\",\"options\":{}},"
		     "\"schemaString\":\"{\\\"type\\\":\\\"struct\\\",\\\"fields\\\":[]}\","
		     "\"partitionColumns\":[\"a\",\"a\"],\"configuration\":{}}}\n"
		     "{\"add\":{\"path\":\"f\",\"partitionValues\":{\"a\":\"1\"},\"size\":1,"
		     "\"modificationTime\":0,\"dataChange\":true}}\n");
	s = snap("pv2", -1, DQ_NEED_FILES, 1, &rc);
	CHECK_INT(rc, DQ_OK);
	if (s && dq_snapshot_num_files(s) == 1)
		CHECK_STR(dq_snapshot_file(s, 0)->partition_values, "{\"a\":\"1\"}");
	dq_snapshot_close(s);
}

static void errors(void)
{
	int rc;
	write_commit("nometa", 0, "{\"protocol\":{\"minReaderVersion\":1,\"minWriterVersion\":2}}\n");
	CHECK(snap("nometa", -1, DQ_NEED_FILES, 1, &rc) == NULL);
	CHECK_INT(rc, DQ_ECORRUPT);
	write_commit("badline", 0, HEADER "{\"add\":{\"path\":\"x\",\"size\":\n");
	CHECK(snap("badline", -1, DQ_NEED_FILES, 1, &rc) == NULL);
	CHECK_INT(rc, DQ_ECORRUPT);
	/* metadata-only replay never parses add lines, so it answers */
	dq_snapshot *s = snap("badline", -1, DQ_NEED_METADATA, 1, &rc);
	CHECK_INT(rc, DQ_OK);
	dq_snapshot_close(s);
	write_commit("wrongtype", 0, HEADER "{\"add\":{\"path\":\"x\",\"size\":\"12\",\"partitionValues\":{},\"modificationTime\":0,\"dataChange\":true}}\n");
	CHECK(snap("wrongtype", -1, DQ_NEED_FILES, 1, &rc) == NULL);
	CHECK_INT(rc, DQ_ECORRUPT);
	write_commit("unsup", 0, "{\"protocol\":{\"minReaderVersion\":3,\"minWriterVersion\":7,\"readerFeatures\":[\"deletionVectors\",\"futureThing\"],\"writerFeatures\":[\"deletionVectors\",\"futureThing\"]}}\n"
				 "{\"metaData\":{\"id\":\"u\",\"format\":{\"provider\":\"parquet\",\"options\":{}},\"schemaString\":\"{}\",\"partitionColumns\":[],\"configuration\":{}}}\n"
				 "{\"add\":{\"path\":\"x\",\"partitionValues\":{},\"size\":1,\"modificationTime\":0,\"dataChange\":true}}\n");
	s = snap("unsup", -1, DQ_NEED_FILES, 1, &rc);
	CHECK_INT(rc, DQ_OK);
	CHECK(!dq_snapshot_files_available(s));
	CHECK_INT(dq_snapshot_num_files(s), 0);
	CHECK_INT(json_array_size(dq_snapshot_unsupported(s)), 1);
	struct dq_error err;
	CHECK_INT(dq_snapshot_require_files(s, &err), DQ_EUNSUPPORTED);
	CHECK(strstr(err.msg, "futureThing") != NULL);
	dq_snapshot_close(s);
}

/* Many commits across several batches: every thread count gives the same files. */
static void deterministic(void)
{
	char text[512];
	write_commit("many", 0, HEADER);
	for (int v = 1; v <= 300; v++) {
		snprintf(text, sizeof(text),
			 "{\"add\":{\"path\":\"f%d\",\"partitionValues\":{},\"size\":%d,\"modificationTime\":0,\"dataChange\":true}}\n"
			 "%s",
			 v, v, v % 3 == 0 ? "{\"remove\":{\"path\":\"f1\",\"dataChange\":true}}\n" : "");
		if (v % 7 == 0) /* re-add f1 now and then: the newest action decides */
			strcat(text, "{\"add\":{\"path\":\"f1\",\"partitionValues\":{},\"size\":1,\"modificationTime\":0,\"dataChange\":true}}\n");
		write_commit("many", v, text);
	}
	char first[2048] = "";
	for (int threads = 1; threads <= 8; threads *= 2) {
		int rc;
		dq_snapshot *s = snap("many", -1, DQ_NEED_FILES, threads, &rc);
		struct dq_totals t;
		dq_snapshot_totals(s, &t);
		/* v=300: 300 % 3 == 0 removes f1 after 294 (7*42) re-added it, so f1 is gone */
		CHECK_INT(t.num_files, 299);
		CHECK_INT(t.size_bytes, 300 * 301 / 2 - 1);
		char sig[64];
		snprintf(sig, sizeof(sig), "%lld/%lld", (long long)t.num_files, (long long)t.size_bytes);
		if (!first[0])
			strcpy(first, paths(s));
		else
			CHECK(strcmp(first, paths(s)) == 0);
		dq_snapshot_close(s);
	}
}

/* This process's threads, from /proc/self/status. */
static int threads_now(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	int n = -1;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Threads:", 8))
			n = atoi(line + 8);
	if (f)
		fclose(f);
	return n;
}

/* dq_table_stop_threads joins the pool's threads; its snapshots stay usable, and the
 * next replay starts threads again. */
static void stop_threads(void)
{
	int rc;
	dq_snapshot *s = snap("many", -1, DQ_NEED_FILES, 4, &rc);
	CHECK_INT(rc, DQ_OK);
	dq_table *t = opened[nopened - 1];
	int with = threads_now();
	struct dq_error err = { 0 };
	CHECK_INT(dq_table_stop_threads(t, &err), DQ_OK);
	int without = threads_now();
	CHECK(without < with);
	CHECK_INT(dq_snapshot_num_files(s), 299);
	struct dq_snapshot_request req = { .version = -1, .need = DQ_NEED_FILES };
	dq_snapshot *again = NULL;
	CHECK_INT(dq_snapshot_open(t, &req, &again, &err), DQ_OK);
	CHECK_INT(again ? dq_snapshot_num_files(again) : 0, 299);
	CHECK_INT(threads_now(), with);
	CHECK_INT(dq_table_stop_threads(t, &err), DQ_OK);
	CHECK_INT(dq_table_stop_threads(t, &err), DQ_OK);
	CHECK_INT(threads_now(), without);
	dq_snapshot_close(again);
	dq_snapshot_close(s);
}

/* Totals of a snapshot of the table at `path` (absolute or relative to the cwd). */
static int totals_of(const char *path, unsigned need, int threads, struct dq_totals *out,
		     size_t *nfiles, bool *available)
{
	dq_table *t;
	dq_snapshot *s;
	struct dq_error err = { 0 };
	struct dq_options opt = { .threads = threads };
	int rc = dq_table_open(path, &opt, &t, &err);
	if (rc)
		return rc;
	struct dq_snapshot_request req = { .version = -1, .need = need };
	if ((rc = dq_snapshot_open(t, &req, &s, &err)) == DQ_OK) {
		dq_snapshot_totals(s, out);
		*nfiles = dq_snapshot_num_files(s);
		*available = dq_snapshot_files_available(s);
		dq_snapshot_close(s);
	}
	dq_table_close(t);
	return rc;
}

/* A metaData read from a checkpoint is that checkpoint's version's (corpus table: the
 * checkpoint at 10 holds it, commits 11 to 15 change none). */
static void metadata_version_checkpoint(void)
{
	const char *path = "../shared/corpus/delta-golden/dv-partitioned-with-checkpoint";
	if (access(path, F_OK) != 0) {
		unit_skip("no ../shared/corpus: metaData from a checkpoint not checked");
		return;
	}
	dq_table *t;
	dq_snapshot *s = NULL;
	struct dq_error err = { 0 };
	struct dq_options opt = { .threads = 2 };
	CHECK_INT(dq_table_open(path, &opt, &t, &err), DQ_OK);
	struct dq_snapshot_request req = { .version = -1, .need = 0 };
	CHECK_INT(dq_snapshot_open(t, &req, &s, &err), DQ_OK);
	CHECK_INT(dq_snapshot_checkpoint(s), 10);
	CHECK_INT(dq_snapshot_version(s), 15);
	CHECK_INT(dq_snapshot_metadata_version(s), 10);
	dq_snapshot_close(s);
	dq_table_close(t);
}

/* DQ_NEED_TOTALS counts what DQ_NEED_FILES lists, checkpoint or not, and lists nothing. */
static void totals_only(void)
{
	static const char *const corpus[] = {
		"delta-golden/dv-partitioned-with-checkpoint", "delta-golden/corrupted-last-checkpoint-kernel",
		"delta-golden/125-iterator-bug", "delta-kernel-rs/parsed-stats",
		"delta-kernel-rs/v2-classic-parquet-struct-stats-only", "delta-golden/multi-part-checkpoint",
		"delta-golden/v2-checkpoint-parquet", "delta-golden/v2-checkpoint-json",
	};
	char path[600];
	size_t compared = 0;
	for (size_t i = 0; i < 1 + sizeof(corpus) / sizeof(corpus[0]); i++) {
		if (i == 0)
			snprintf(path, sizeof(path), "%s/nw", root);
		else
			snprintf(path, sizeof(path), "../shared/corpus/%s", corpus[i - 1]);
		if (i > 0 && access(path, F_OK) != 0)
			continue;
		for (int threads = 1; threads <= 3; threads += 2) {
			struct dq_totals a, b;
			size_t na, nb;
			bool va, vb;
			int ra = totals_of(path, DQ_NEED_FILES, threads, &a, &na, &va);
			int rb = totals_of(path, DQ_NEED_TOTALS, threads, &b, &nb, &vb);
			CHECKF(ra == DQ_OK && rb == DQ_OK, "%s: %d %d", path, ra, rb);
			if (ra || rb)
				continue;
			CHECKF(a.num_files == b.num_files && a.size_bytes == b.size_bytes &&
			       a.num_records == b.num_records && a.num_records_exact == b.num_records_exact,
			       "%s: totals %lld/%lld/%lld/%d, counted %lld/%lld/%lld/%d", path,
			       (long long)a.num_files, (long long)a.size_bytes, (long long)a.num_records,
			       a.num_records_exact, (long long)b.num_files, (long long)b.size_bytes,
			       (long long)b.num_records, b.num_records_exact);
			CHECKF(a.num_files > 0 && (size_t)a.num_files == na, "%s: %zu files", path, na);
			CHECK_INT(nb, 0);
			CHECK(va && vb);
			compared++;
		}
	}
	if (compared < 4)
		unit_skip("DQ_NEED_TOTALS compared on %zu tables only (no ../shared/corpus?)", compared);
}

int main(void)
{
	snprintf(root, sizeof(root), "/tmp/dq-test-replay-%d", (int)getpid());
	mkdir(root, 0700);
	newest_wins();
	dv_keys();
	qualified_paths();
	metadata_txn_domains();
	metadata_version_checkpoint();
	partition_values_text();
	errors();
	deterministic();
	stop_threads();
	totals_only();
	for (size_t i = 0; i < nopened; i++)
		dq_table_close(opened[i]);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd) != 0)
		return 2;
	return unit_done();
}
