/*
 * show.c - `deltaq show TABLE [REF]`: every action of one commit.  Text gives a summary
 * and one line per action; -o json prints the raw actions as an array, -o ndjson one per
 * line exactly as the log holds them.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

const char usage_show[] =
	"usage: deltaq show [options] TABLE [REF]\n"
	"\n"
	"Print every action of the commit REF selects (default: the latest).  Text: a\n"
	"summary and one line per action; json: the raw actions as an array; ndjson: one\n"
	"raw action per line; tsv/csv: one row per action.\n"
	"\n"
	TABLE_USAGE;

const struct option options_show[] = {
	TABLE_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

/* The action's name: its object's first key. */
static const char *action_name(json_t *a, json_t **body)
{
	const char *k;
	json_t *v;
	json_object_foreach(a, k, v) {
		*body = v;
		return k;
	}
	*body = NULL;
	return "?";
}

static json_t *action_row(size_t line, json_t *a)
{
	json_t *body;
	const char *name = action_name(a, &body);
	json_t *path = json_object_get(body, "path");
	json_t *size = json_object_get(body, "size");
	json_t *dc = json_object_get(body, "dataChange");
	json_t *row = json_object();
	json_object_set_new(row, "index", json_integer((json_int_t)line));
	json_object_set_new(row, "action", json_string(name));
	json_object_set_new(row, "path", json_is_string(path) ? json_incref(path) : json_null());
	json_object_set_new(row, "size", json_is_integer(size) ? json_incref(size) : json_null());
	json_object_set_new(row, "data_change", json_is_boolean(dc) ? json_incref(dc) : json_null());
	json_object_set_new(row, "detail", json_incref(a));
	return row;
}

/* `show` of a version whose commit file is gone but whose checkpoint is there. */
static int show_checkpoint(const struct cli *cli, json_t *summary)
{
	if (cli->format == OUT_JSON || cli->format == OUT_NDJSON) {
		json_dumpf(summary, stdout, (cli->format == OUT_JSON ? JSON_INDENT(2) : JSON_COMPACT) |
						    JSON_PRESERVE_ORDER);
		putchar('\n');
		json_decref(summary);
		return EXIT_OK;
	}
	static const struct out_col cols[] = {
		{ "action", "ACTION", 0 }, { "rows", "ROWS", COL_RIGHT },
	};
	if (cli->format == OUT_TEXT) {
		char *files = out_cell_text(json_object_get(summary, "files"));
		char *sidecars = out_cell_text(json_object_get(summary, "sidecars"));
		printf("version:    %lld (no commit file; its checkpoint)\ncheckpoint: %s\nfiles:      %s\n"
		       "sidecars:   %s\n\n",
		       (long long)json_integer_value(json_object_get(summary, "version")),
		       json_string_value(json_object_get(summary, "kind")), files, sidecars);
		free(files);
		free(sidecars);
	}
	struct out o;
	out_begin(&o, cli->format, cols, 2, false);
	const char *k;
	json_t *n;
	json_object_foreach(json_object_get(summary, "rows"), k, n)
		out_row(&o, json_pack("{ss sO}", "action", k, "rows", n));
	json_decref(summary);
	return out_end(&o);
}

int cmd_show(int argc, char **argv, struct cli *cli)
{
	const struct command *self = find_command("show");
	int opt, rc;
	bool done = false;
	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS, options_show, NULL)) != -1)
		if ((rc = cli_common(cli, self, opt, optarg, &done)) != -2)
			return rc < 0 ? cli_usage_error(cli, "unknown option") : rc;
	int have = argc - optind;
	if (have < 1 || have > 2)
		return cli_positional(cli, argc, argv, have < 1 ? 1 : 2, "TABLE");
	if (have == 2 && cli->at)
		return cli_usage_error(cli, "give the version either as REF or with --at, not both");
	const char *ref = have == 2 ? argv[optind + 1] : cli->at;
	dq_table *t;
	if ((rc = cli_open(cli, argv[optind], &t)))
		return rc;
	struct dq_error err = { 0 };
	int64_t v, earliest;
	if (ref)
		rc = cli_resolve(t, ref, &v);
	else if (dq_table_versions(t, &earliest, &v, &err))
		rc = cli_fail(&err);
	json_t *actions = NULL;
	if (!rc && dq_commit_read(t, v, &actions, &err)) {
		/* Cleanup may leave only the checkpoint of a version: summarise it. */
		json_t *summary;
		struct dq_error e2 = { 0 };
		if (err.code == DQ_ERANGE && dq_checkpoint_summary(t, v, &summary, &e2) == DQ_OK) {
			dq_table_close(t);
			return show_checkpoint(cli, summary);
		}
		rc = cli_fail(&err);
	}
	struct dq_history h = { 0 };
	struct dq_history_request req = { .from = v, .to = v, .commit_info = true };
	if (!rc && dq_history_read(t, &req, &h, &err))
		rc = cli_fail(&err);
	dq_table_close(t);
	if (rc) {
		json_decref(actions);
		return rc;
	}
	for (size_t i = 0; i < h.nwarnings; i++)
		cli_warn("%s", h.warnings[i]);
	size_t i;
	json_t *a;
	if (cli->format == OUT_JSON) {
		out_json_doc(actions);
	} else if (cli->format == OUT_NDJSON) {
		json_array_foreach(actions, i, a) {
			json_dumpf(a, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER);
			putchar('\n');
		}
		json_decref(actions);
	} else {
		static const struct out_col cols[] = {
			{ "index", "#", COL_RIGHT },
			{ "action", "ACTION", 0 },
			{ "path", "PATH", 0 },
			{ "size", "SIZE", COL_RIGHT },
			{ "data_change", "DATA_CHANGE", 0 },
			{ "detail", NULL, COL_NOTEXT },
		};
		if (cli->format == OUT_TEXT) {
			/* Summary: version, time, operation, then counts per action. */
			char ts[40] = "-";
			const struct dq_commit *c = h.n ? &h.commits[0] : NULL;
			if (c)
				dq_format_timestamp(c->timestamp_ms, ts, sizeof(ts));
			const char *op = c ? json_string_value(json_object_get(c->commit_info, "operation")) : NULL;
			printf("version:   %lld\ntimestamp: %s\noperation: %s\n", (long long)v, ts, op ? op : "-");
			json_t *counts = json_object();
			json_array_foreach(actions, i, a) {
				json_t *body;
				const char *name = action_name(a, &body);
				json_t *n = json_object_get(counts, name);
				json_object_set_new(counts, name, json_integer(n ? json_integer_value(n) + 1 : 1));
			}
			char *summary = out_cell_text(counts);
			printf("actions:   %s\n\n", json_array_size(actions) ? summary : "none");
			free(summary);
			json_decref(counts);
		}
		struct out o;
		out_begin(&o, cli->format, cols, sizeof(cols) / sizeof(cols[0]), false);
		json_array_foreach(actions, i, a)
			out_row(&o, action_row(i + 1, a));
		json_decref(actions);
		rc = out_end(&o);
	}
	dq_history_release(&h);
	return rc;
}
