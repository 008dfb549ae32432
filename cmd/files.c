/*
 * files.c - `deltaq files TABLE`: the active data files of a snapshot, with their size,
 * modification time, partition values, record count and deletion-vector cardinality;
 * --stats adds min, max and null counts; --where filters on partition values.
 * Also the shared pieces `partitions` and `diff` use: the file record and the filters.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "files.h"

const char usage_files[] =
	"usage: deltaq files [options] TABLE\n"
	"\n"
	"List the active data files: path (relative to the table when under it), size,\n"
	"modification time, partition values, numRecords (before deletion vectors) and\n"
	"the deletion vector's cardinality.\n"
	"\n"
	"      --where COL=VALUE  keep files whose partition column COL equals VALUE\n"
	"                         (repeatable: ANDed across columns, ORed within one;\n"
	"                         VALUE __HIVE_DEFAULT_PARTITION__ matches null)\n"
	"      --stats            add min, max and null_count from the file statistics\n"
	NO_CHECKPOINT_USAGE
	TABLE_USAGE;

enum { OPT_WHERE = 2000, OPT_STATS };

const struct option options_files[] = {
	TABLE_OPTIONS,
	NO_CHECKPOINT_OPTION,
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "where", required_argument, NULL, OPT_WHERE },
	{ NULL, 0, NULL, 0 },
};

const struct out_col file_cols[] = {
	{ "path", "PATH", 0 },
	{ "size", "SIZE", COL_RIGHT },
	{ "modification_time", "MODIFIED", 0 },
	{ "partition_values", "PARTITION", 0 },
	{ "num_records", "RECORDS", COL_RIGHT },
	{ "dv_cardinality", "DELETED", COL_RIGHT },
	{ "min", NULL, COL_NOTEXT },
	{ "max", NULL, COL_NOTEXT },
	{ "null_count", NULL, COL_NOTEXT },
};
const size_t file_ncols = 6; /* without the --stats columns */

json_t *file_record(const dq_snapshot *s, const struct dq_file *f, bool stats)
{
	json_t *row = json_object();
	json_object_set_new(row, "path", dq_json_text(f->path));
	json_object_set_new(row, "size", json_integer(f->size));
	json_object_set_new(row, "modification_time", timestamp_json(f->modification_time));
	json_t *pv = json_loads(f->partition_values, 0, NULL);
	json_object_set_new(row, "partition_values", pv ? pv : json_object());
	json_object_set_new(row, "num_records", json_int_or_null(f->num_records, f->num_records >= 0));
	json_object_set_new(row, "dv_cardinality", json_int_or_null(f->dv_cardinality, f->dv_cardinality >= 0));
	if (stats) {
		json_t *st = dq_file_stats(s, f);
		json_object_set(row, "min", st ? json_object_get(st, "min") : json_null());
		json_object_set(row, "max", st ? json_object_get(st, "max") : json_null());
		json_object_set(row, "null_count", st ? json_object_get(st, "null_count") : json_null());
		json_decref(st);
	}
	return row;
}

int where_add(struct where *w, const struct cli *cli, const char *arg)
{
	const char *eq = strchr(arg, '=');
	if (!eq || eq == arg)
		return cli_usage_error(cli, "--where takes COL=VALUE, not '%s'", arg);
	if (w->n == sizeof(w->col) / sizeof(w->col[0]))
		return cli_usage_error(cli, "too many --where filters");
	w->col[w->n] = strndup(arg, (size_t)(eq - arg));
	w->val[w->n] = eq + 1;
	w->n++;
	return EXIT_OK;
}

int where_check(const struct where *w, const dq_snapshot *s, const struct cli *cli)
{
	const json_t *cols = dq_snapshot_partition_columns(s);
	for (size_t i = 0; i < w->n; i++) {
		bool found = false;
		size_t k;
		json_t *c;
		json_array_foreach(cols, k, c)
			found = found || (json_is_string(c) && !strcmp(json_string_value(c), w->col[i]));
		if (!found)
			return cli_usage_error(cli, "--where: '%s' is not a partition column", w->col[i]);
	}
	return EXIT_OK;
}

bool where_match(const struct where *w, const struct dq_file *f)
{
	if (!w->n)
		return true;
	json_t *pv = json_loads(f->partition_values, 0, NULL);
	bool ok = true;
	/* Filters on different columns must all hold; on one column, any of its values. */
	for (size_t i = 0; i < w->n && ok; i++) {
		bool first = true, any = false;
		for (size_t j = 0; j < i; j++)
			first = first && strcmp(w->col[j], w->col[i]);
		if (!first)
			continue;
		json_t *v = json_object_get(pv, w->col[i]);
		for (size_t j = i; j < w->n; j++) {
			if (strcmp(w->col[j], w->col[i]))
				continue;
			if (!v || json_is_null(v))
				any = any || !strcmp(w->val[j], "__HIVE_DEFAULT_PARTITION__");
			else
				any = any || (json_is_string(v) && !strcmp(json_string_value(v), w->val[j]));
		}
		ok = any;
	}
	json_decref(pv);
	return ok;
}

void where_release(struct where *w)
{
	for (size_t i = 0; i < w->n; i++)
		free(w->col[i]);
	w->n = 0;
}

int cmd_files(int argc, char **argv, struct cli *cli)
{
	const struct command *self = find_command("files");
	int opt, rc;
	bool done = false, stats = false;
	struct where w = { 0 };
	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS, options_files, NULL)) != -1) {
		if ((rc = cli_common(cli, self, opt, optarg, &done)) != -2 && rc != -1)
			goto out;
		if (opt == OPT_STATS)
			stats = true;
		else if (opt == OPT_WHERE && (rc = where_add(&w, cli, optarg)))
			goto out;
	}
	if ((rc = cli_positional(cli, argc, argv, 1, "TABLE")))
		goto out;
	dq_table *t;
	dq_snapshot *s;
	unsigned need = DQ_NEED_FILES | DQ_NEED_ORDER | (stats ? DQ_NEED_STATS : 0);
	if ((rc = cli_snapshot(cli, argv[optind], cli->at, need, true, &t, &s)))
		goto out;
	if (!(rc = where_check(&w, s, cli))) {
		struct out o;
		out_begin(&o, cli->format, file_cols, stats ? file_ncols + 3 : file_ncols, false);
		size_t n = dq_snapshot_num_files(s);
		for (size_t i = 0; i < n; i++) {
			const struct dq_file *f = dq_snapshot_file(s, i);
			if (where_match(&w, f))
				out_row(&o, file_record(s, f, stats));
		}
		rc = out_end(&o);
	}
	dq_snapshot_close(s);
	dq_table_close(t);
out:
	where_release(&w);
	return rc;
}
