/*
 * protocol.c - `deltaq protocol TABLE`: reader and writer versions, the features they name
 * or imply (protocol.md 8.1), and for each reader feature whether deltaq honours it.
 * `deltaq protocol --honoured` lists what deltaq honours without a table.
 */
#include <string.h>

#include "cmd.h"

const char usage_protocol[] =
	"usage: deltaq protocol [options] TABLE\n"
	"       deltaq protocol --honoured\n"
	"\n"
	"Print the protocol: minReaderVersion, minWriterVersion, and every feature it\n"
	"lists or implies, with its kind (reader-writer or writer) and, for reader\n"
	"features, whether deltaq honours it.  --honoured lists the reader features deltaq\n"
	"honours.\n"
	"\n"
	"      --honoured       list the reader features deltaq honours\n"
	TABLE_USAGE;

enum { OPT_HONOURED = 2000 };

const struct option options_protocol[] = {
	TABLE_OPTIONS,
	{ "honoured", no_argument, NULL, OPT_HONOURED },
	{ NULL, 0, NULL, 0 },
};

/* Features a legacy (reader < 3 / writer < 7) protocol implies. */
static void implied(json_t *rows, int rv, int wv)
{
	static const struct { int reader, writer; const char *name; } legacy[] = {
		{ 0, 2, "appendOnly" }, { 0, 2, "invariants" }, { 0, 3, "checkConstraints" },
		{ 0, 4, "changeDataFeed" }, { 0, 4, "generatedColumns" }, { 2, 5, "columnMapping" },
		{ 0, 6, "identityColumns" },
	};
	for (size_t i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++) {
		bool r = legacy[i].reader && rv >= legacy[i].reader && rv < 3;
		bool w = wv >= legacy[i].writer && wv < 7;
		if (!r && !w)
			continue;
		json_array_append_new(rows, json_pack("{ss ss sb so}", "name", legacy[i].name, "kind",
						      r ? "reader-writer" : "writer", "implied", 1,
						      "honoured", r ? json_true() : json_null()));
	}
}

static bool listed(const json_t *arr, const char *name)
{
	size_t i;
	json_t *v;
	json_array_foreach(arr, i, v)
		if (json_is_string(v) && !strcmp(json_string_value(v), name))
			return true;
	return false;
}

int cmd_protocol(int argc, char **argv, struct cli *cli)
{
	const struct command *self = find_command("protocol");
	int opt, rc;
	bool done = false, honoured = false;
	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS, options_protocol, NULL)) != -1) {
		if ((rc = cli_common(cli, self, opt, optarg, &done)) != -2 && rc != -1)
			return rc;
		if (opt == OPT_HONOURED)
			honoured = true;
	}
	static const struct out_col fcols[] = {
		{ "name", "FEATURE", 0 }, { "kind", "KIND", 0 }, { "implied", "IMPLIED", 0 },
		{ "honoured", "HONOURED", 0 },
	};
	struct out o;
	if (honoured) {
		if ((rc = cli_positional(cli, argc, argv, 0, "")))
			return rc;
		if (cli->at)
			return cli_usage_error(cli, "--honoured reads no table, so --at does not apply");
		out_begin(&o, cli->format, fcols, 4, false);
		for (const char *const *f = dq_honoured_reader_features(); *f; f++)
			out_row(&o, json_pack("{ss ss sb sb}", "name", *f, "kind", "reader-writer",
					      "implied", 0, "honoured", 1));
		return out_end(&o);
	}
	if ((rc = cli_positional(cli, argc, argv, 1, "TABLE")))
		return rc;
	dq_table *t;
	dq_snapshot *s;
	if ((rc = cli_snapshot(cli, argv[optind], cli->at, DQ_NEED_METADATA, false, &t, &s)))
		return rc;
	const json_t *p = dq_snapshot_protocol(s);
	int rv = dq_snapshot_min_reader_version(s), wv = dq_snapshot_min_writer_version(s);
	const json_t *rf = json_object_get(p, "readerFeatures"), *wf = json_object_get(p, "writerFeatures");
	json_t *rows = json_array();
	size_t i;
	json_t *f;
	json_array_foreach(rf, i, f)
		if (json_is_string(f))
			json_array_append_new(rows, json_pack("{ss ss sb sb}", "name", json_string_value(f),
							      "kind", "reader-writer", "implied", 0, "honoured",
							      dq_reader_feature_honoured(json_string_value(f))));
	json_array_foreach(wf, i, f)
		if (json_is_string(f) && !listed(rf, json_string_value(f)))
			json_array_append_new(rows, json_pack("{ss ss sb so}", "name", json_string_value(f),
							      "kind", "writer", "implied", 0, "honoured", json_null()));
	implied(rows, rv, wv);
	const json_t *unsup = dq_snapshot_unsupported(s);
	if (cli->format == OUT_JSON || cli->format == OUT_NDJSON) {
		json_t *doc = json_pack("{sI sI so so sb sO sO}", "min_reader_version", (json_int_t)rv,
					"min_writer_version", (json_int_t)wv,
					"reader_features", json_is_array(rf) ? json_deep_copy(rf) : json_array(),
					"writer_features", json_is_array(wf) ? json_deep_copy(wf) : json_array(),
					"supported", json_array_size(unsup) == 0,
					"unsupported_reader_features", unsup, "features", rows);
		json_dumpf(doc, stdout, (cli->format == OUT_JSON ? JSON_INDENT(2) : JSON_COMPACT) | JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(doc);
	} else {
		if (cli->format == OUT_TEXT) {
			printf("min_reader_version: %d\nmin_writer_version: %d\nsupported:          %s\n",
			       rv, wv, json_array_size(unsup) ? "no" : "yes");
			if (json_array_size(rows))
				putchar('\n');
		}
		out_begin(&o, cli->format, fcols, 4, false);
		json_array_foreach(rows, i, f)
			out_row(&o, json_incref(f));
		if (cli->format == OUT_TEXT && !json_array_size(rows))
			o.text_header = false;
		rc = out_end(&o);
	}
	json_decref(rows);
	dq_snapshot_close(s);
	dq_table_close(t);
	return rc;
}
