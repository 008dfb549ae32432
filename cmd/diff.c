/*
 * diff.c - `deltaq diff TABLE A [B]`: what changed between two versions: files added and
 * removed (by replay key, so a new deletion vector counts as remove + add), net bytes, and
 * any change to the schema, the table properties or the protocol.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "files.h"
#include "schema_fmt.h"

const char usage_diff[] =
	"usage: deltaq diff [options] TABLE A [B]\n"
	"\n"
	"Compare the snapshots at REFs A and B (default: the latest): files added and\n"
	"removed, net bytes, and schema, property and protocol changes.  json: one\n"
	"document; ndjson/tsv/csv: one record per change with a \"change\" field.\n"
	"\n"
	TABLE_USAGE;

const struct option options_diff[] = {
	TABLE_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static json_t *find_path(json_t *rows, const char *path)
{
	size_t i;
	json_t *r;
	json_array_foreach(rows, i, r)
		if (!strcmp(json_string_value(json_object_get(r, "path")), path))
			return r;
	return NULL;
}

static json_t *schema_changes(const dq_snapshot *a, const dq_snapshot *b)
{
	json_t *out = json_array();
	json_t *fa = schema_flatten(dq_snapshot_schema(a)), *fb = schema_flatten(dq_snapshot_schema(b));
	size_t i;
	json_t *r;
	json_array_foreach(fa, i, r) {
		const char *p = json_string_value(json_object_get(r, "path"));
		json_t *o = find_path(fb, p);
		if (!o)
			json_array_append_new(out, json_pack("{ss ss sO sn}", "change", "removed", "column", p,
							     "from", json_object_get(r, "type"), "to"));
		else if (!json_equal(json_object_get(r, "type"), json_object_get(o, "type")) ||
			 !json_equal(json_object_get(r, "nullable"), json_object_get(o, "nullable")))
			json_array_append_new(out, json_pack("{ss ss sO sO}", "change", "changed", "column", p,
							     "from", json_object_get(r, "type"), "to",
							     json_object_get(o, "type")));
	}
	json_array_foreach(fb, i, r) {
		const char *p = json_string_value(json_object_get(r, "path"));
		if (!find_path(fa, p))
			json_array_append_new(out, json_pack("{ss ss sn sO}", "change", "added", "column", p,
							     "from", "to", json_object_get(r, "type")));
	}
	json_decref(fa);
	json_decref(fb);
	return out;
}

static json_t *property_changes(const dq_snapshot *a, const dq_snapshot *b)
{
	json_t *out = json_array();
	json_t *ca = json_object_get(dq_snapshot_metadata(a), "configuration");
	json_t *cb = json_object_get(dq_snapshot_metadata(b), "configuration");
	const char *k;
	json_t *v;
	json_object_foreach(ca, k, v) {
		json_t *w = json_object_get(cb, k);
		if (!w || !json_equal(v, w))
			json_array_append_new(out, json_pack("{ss sO so}", "key", k, "from", v, "to",
							     w ? json_incref(w) : json_null()));
	}
	json_object_foreach(cb, k, v)
		if (!json_object_get(ca, k))
			json_array_append_new(out, json_pack("{ss sn sO}", "key", k, "from", "to", v));
	return out;
}

static json_t *protocol_of(const dq_snapshot *s)
{
	const json_t *p = dq_snapshot_protocol(s);
	json_t *rf = json_object_get(p, "readerFeatures"), *wf = json_object_get(p, "writerFeatures");
	return json_pack("{si si so so}", "min_reader_version", dq_snapshot_min_reader_version(s),
			 "min_writer_version", dq_snapshot_min_writer_version(s), "reader_features",
			 json_is_array(rf) ? json_deep_copy(rf) : json_array(), "writer_features",
			 json_is_array(wf) ? json_deep_copy(wf) : json_array());
}

int cmd_diff(int argc, char **argv, struct cli *cli)
{
	const struct command *self = find_command("diff");
	int opt, rc;
	bool done = false;
	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS, options_diff, NULL)) != -1)
		if ((rc = cli_common(cli, self, opt, optarg, &done)) != -2)
			return rc < 0 ? cli_usage_error(cli, "unknown option") : rc;
	int have = argc - optind;
	if (have < 2 || have > 3)
		return cli_positional(cli, argc, argv, have < 2 ? 2 : 3, have < 1 ? "TABLE" : "version A");
	if (have == 3 && cli->at)
		return cli_usage_error(cli, "give version B either as an argument or with --at, not both");
	const char *uri = argv[optind], *ra = argv[optind + 1];
	const char *rb = have == 3 ? argv[optind + 2] : cli->at;
	dq_table *ta, *tb;
	dq_snapshot *a, *b;
	if ((rc = cli_snapshot(cli, uri, ra, DQ_NEED_FILES, true, &ta, &a)))
		return rc;
	if ((rc = cli_snapshot(cli, uri, rb, DQ_NEED_FILES, true, &tb, &b))) {
		dq_snapshot_close(a);
		dq_table_close(ta);
		return rc;
	}
	const struct dq_file **added, **removed;
	size_t na, nr;
	struct dq_error err = { 0 };
	if (dq_snapshot_diff(a, b, &added, &na, &removed, &nr, &err)) {
		rc = cli_fail(&err);
		goto done;
	}
	int64_t net = 0;
	json_t *jadd = json_array(), *jrem = json_array();
	for (size_t i = 0; i < na; i++) {
		net = dq_sat_add(net, added[i]->size > 0 ? added[i]->size : 0, NULL);
		json_array_append_new(jadd, file_record(b, added[i], false));
	}
	for (size_t i = 0; i < nr; i++) {
		net = dq_sat_add(net, removed[i]->size > 0 ? -removed[i]->size : 0, NULL);
		json_array_append_new(jrem, file_record(a, removed[i], false));
	}
	free(added);
	free(removed);
	json_t *pa = protocol_of(a), *pb = protocol_of(b);
	json_t *pchange = json_equal(pa, pb) ? json_null() : json_pack("{sO sO}", "from", pa, "to", pb);
	json_t *doc = json_pack("{sI sI so so sI so so so}",
				"from", (json_int_t)dq_snapshot_version(a), "to", (json_int_t)dq_snapshot_version(b),
				"added", jadd, "removed", jrem, "net_bytes", (json_int_t)net,
				"schema_changes", schema_changes(a, b), "property_changes", property_changes(a, b),
				"protocol_change", pchange);
	json_decref(pa);
	json_decref(pb);
	if (cli->format == OUT_JSON) {
		out_json_doc(doc);
		goto done;
	}
	/* Every other format: one record per change. */
	static const struct out_col cols[] = {
		{ "change", "CHANGE", 0 }, { "path", "PATH/KEY", 0 }, { "size", "SIZE", COL_RIGHT },
		{ "from", "FROM", 0 }, { "to", "TO", 0 }, { "partition_values", NULL, COL_NOTEXT },
		{ "num_records", NULL, COL_NOTEXT },
	};
	struct out o;
	out_begin(&o, cli->format, cols, sizeof(cols) / sizeof(cols[0]), false);
	const char *kinds[] = { "removed", "added" };
	json_t *lists[] = { json_object_get(doc, "removed"), json_object_get(doc, "added") };
	for (int k = 0; k < 2; k++) {
		size_t i;
		json_t *f;
		json_array_foreach(lists[k], i, f) {
			json_t *row = json_deep_copy(f);
			json_object_set_new(row, "change", json_sprintf("file_%s", kinds[k]));
			out_row(&o, row);
		}
	}
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(doc, "schema_changes"), i, c)
		out_row(&o, json_pack("{ss sO sO sO}", "change", "schema", "path", json_object_get(c, "column"),
				      "from", json_object_get(c, "from"), "to", json_object_get(c, "to")));
	json_array_foreach(json_object_get(doc, "property_changes"), i, c)
		out_row(&o, json_pack("{ss sO sO sO}", "change", "property", "path", json_object_get(c, "key"),
				      "from", json_object_get(c, "from"), "to", json_object_get(c, "to")));
	if (!json_is_null(pchange))
		out_row(&o, json_pack("{ss sO sO}", "change", "protocol", "from", json_object_get(pchange, "from"),
				      "to", json_object_get(pchange, "to")));
	out_row(&o, json_pack("{ss sI sO sO}", "change", "net_bytes", "size", (json_int_t)net, "from",
			      json_object_get(doc, "from"), "to", json_object_get(doc, "to")));
	json_decref(doc);
	rc = out_end(&o);
done:
	dq_snapshot_close(a);
	dq_snapshot_close(b);
	dq_table_close(ta);
	dq_table_close(tb);
	return rc;
}
