/*
 * info.c - `deltaq info TABLE`: one record describing the table at a version, like Spark's
 * DESCRIBE DETAIL.  File-derived fields are null when the protocol is not honoured, with the
 * reason in unsupported_reader_features.
 */
#include <string.h>

#include "cmd.h"

const char usage_info[] =
	"usage: deltaq info [options] TABLE\n"
	"\n"
	"Describe the table (like DESCRIBE DETAIL): identity, version and timestamp, how far\n"
	"time travel reaches, files, bytes and records (after deletion vectors), protocol,\n"
	"properties, application transactions and domains.\n"
	"\n"
	NO_CHECKPOINT_USAGE
	TABLE_USAGE;

const struct option options_info[] = {
	TABLE_OPTIONS,
	NO_CHECKPOINT_OPTION,
	{ NULL, 0, NULL, 0 },
};

static json_t *str_field(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_incref(v) : json_null();
}

static json_t *features(const json_t *protocol, const char *k)
{
	json_t *v = json_object_get(protocol, k);
	return json_is_array(v) ? json_deep_copy(v) : json_array();
}

int cmd_info(int argc, char **argv, struct cli *cli)
{
	const struct command *self = find_command("info");
	int opt, rc;
	bool done = false;
	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS, options_info, NULL)) != -1)
		if ((rc = cli_common(cli, self, opt, optarg, &done)) != -2)
			return rc < 0 ? cli_usage_error(cli, "unknown option") : rc;
	if ((rc = cli_positional(cli, argc, argv, 1, "TABLE")))
		return rc;
	dq_table *t;
	dq_snapshot *s;
	if ((rc = cli_snapshot(cli, argv[optind], cli->at, DQ_NEED_TOTALS | DQ_NEED_TXNS, false, &t, &s)))
		return rc;
	struct dq_error err = { 0 };
	if (dq_snapshot_require_files(s, &err))
		cli_warn("%s; num_files, size_bytes and num_records are null", err.msg);
	int64_t earliest = -1;
	if (dq_table_recreatable(t, &earliest, &err))
		earliest = -1;
	const json_t *md = dq_snapshot_metadata(s), *pr = dq_snapshot_protocol(s);
	struct dq_totals tot;
	dq_snapshot_totals(s, &tot);
	bool files = dq_snapshot_files_available(s);
	int64_t version = dq_snapshot_version(s), ts = dq_snapshot_timestamp(s);
	json_t *created = json_object_get(md, "createdTime");
	json_t *format = json_object_get(json_object_get(md, "format"), "provider");
	json_t *conf = json_object_get(md, "configuration");

	json_t *row = json_object();
	json_object_set_new(row, "location", dq_json_text(dq_table_location(t)));
	json_object_set_new(row, "id", str_field(md, "id"));
	json_object_set_new(row, "name", str_field(md, "name"));
	json_object_set_new(row, "description", str_field(md, "description"));
	json_object_set_new(row, "format", json_is_string(format) ? json_incref(format) : json_null());
	json_object_set_new(row, "created_time",
			    json_is_integer(created) ? timestamp_json(json_integer_value(created)) : json_null());
	json_object_set_new(row, "version", json_integer(version));
	json_object_set_new(row, "timestamp", timestamp_json(ts));
	json_object_set_new(row, "timestamp_ms", json_int_or_null(ts, ts >= 0));
	json_object_set_new(row, "earliest_version", json_int_or_null(earliest, earliest >= 0));
	int64_t ck = dq_snapshot_checkpoint(s);
	json_object_set_new(row, "checkpoint_version", json_int_or_null(ck, ck >= 0));
	json_object_set_new(row, "commits_since_checkpoint",
			    json_integer(dq_snapshot_commits_since_checkpoint(s)));
	json_object_set_new(row, "partition_columns", json_deep_copy(dq_snapshot_partition_columns(s)));
	json_object_set_new(row, "num_files", json_int_or_null(tot.num_files, files));
	json_object_set_new(row, "size_bytes", json_int_or_null(tot.size_bytes, files));
	json_object_set_new(row, "num_records", json_int_or_null(tot.num_records, files));
	json_object_set_new(row, "num_records_exact", files ? json_boolean(tot.num_records_exact) : json_null());
	json_object_set_new(row, "min_reader_version", json_integer(dq_snapshot_min_reader_version(s)));
	json_object_set_new(row, "min_writer_version", json_integer(dq_snapshot_min_writer_version(s)));
	json_object_set_new(row, "reader_features", features(pr, "readerFeatures"));
	json_object_set_new(row, "writer_features", features(pr, "writerFeatures"));
	json_object_set_new(row, "unsupported_reader_features", json_deep_copy(dq_snapshot_unsupported(s)));
	json_object_set_new(row, "properties", json_is_object(conf) ? json_deep_copy(conf) : json_object());
	json_object_set_new(row, "app_transactions", json_deep_copy(dq_snapshot_app_transactions(s)));
	json_object_set_new(row, "domains", json_deep_copy(dq_snapshot_domains(s)));
	dq_snapshot_close(s);
	dq_table_close(t);

	static const struct out_col cols[] = {
		{ "location", NULL, 0 }, { "id", NULL, 0 }, { "name", NULL, 0 },
		{ "description", NULL, 0 }, { "format", NULL, 0 }, { "created_time", NULL, 0 },
		{ "version", NULL, 0 }, { "timestamp", NULL, 0 }, { "timestamp_ms", NULL, COL_NOTEXT },
		{ "earliest_version", NULL, 0 }, { "checkpoint_version", NULL, 0 },
		{ "commits_since_checkpoint", NULL, 0 }, { "partition_columns", NULL, 0 },
		{ "num_files", NULL, 0 }, { "size_bytes", NULL, 0 }, { "num_records", NULL, 0 },
		{ "num_records_exact", NULL, 0 }, { "min_reader_version", NULL, 0 },
		{ "min_writer_version", NULL, 0 }, { "reader_features", NULL, 0 },
		{ "writer_features", NULL, 0 }, { "unsupported_reader_features", NULL, 0 },
		{ "properties", NULL, 0 }, { "app_transactions", NULL, 0 }, { "domains", NULL, 0 },
	};
	struct out o;
	out_begin(&o, cli->format, cols, sizeof(cols) / sizeof(cols[0]), true);
	out_row(&o, row);
	return out_end(&o);
}
