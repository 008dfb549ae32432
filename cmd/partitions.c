/*
 * partitions.c - `deltaq partitions TABLE`: one row per combination of partition values,
 * with its files, bytes and records (after deletion vectors; null when some file of the
 * partition has no record count).
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "files.h"

const char usage_partitions[] =
	"usage: deltaq partitions [options] TABLE\n"
	"\n"
	"One row per combination of partition values: files, bytes and records (after\n"
	"deletion vectors; null when some file lacks a record count).  An unpartitioned\n"
	"table has one row with empty partition values.\n"
	"\n"
	"      --where COL=VALUE  keep partitions whose column COL equals VALUE (repeatable:\n"
	"                         ANDed across columns, ORed within one)\n"
	COMMON_USAGE;

enum { OPT_WHERE = 2000 };

const struct option options_partitions[] = {
	COMMON_OPTIONS,
	{ "where", required_argument, NULL, OPT_WHERE },
	{ NULL, 0, NULL, 0 },
};

static int cmp_pv(const void *a, const void *b)
{
	const struct dq_file *x = *(const struct dq_file *const *)a, *y = *(const struct dq_file *const *)b;
	return strcmp(x->partition_values, y->partition_values);
}

int cmd_partitions(int argc, char **argv, struct cli *cli)
{
	const struct command *self = find_command("partitions");
	int opt, rc;
	bool done = false;
	struct where w = { 0 };
	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS, options_partitions, NULL)) != -1) {
		if ((rc = cli_common(cli, self, opt, optarg, &done)) != -2 && rc != -1)
			goto out;
		if (opt == OPT_WHERE && (rc = where_add(&w, cli, optarg)))
			goto out;
	}
	if ((rc = cli_positional(cli, argc, argv, 1, "TABLE")))
		goto out;
	dq_table *t;
	dq_snapshot *s;
	if ((rc = cli_snapshot(cli, argv[optind], cli->at, DQ_NEED_FILES, true, &t, &s)))
		goto out;
	if ((rc = where_check(&w, s, cli)))
		goto done;
	size_t n = dq_snapshot_num_files(s), m = 0;
	const struct dq_file **f = calloc(n ? n : 1, sizeof(*f));
	for (size_t i = 0; i < n; i++)
		if (where_match(&w, dq_snapshot_file(s, i)))
			f[m++] = dq_snapshot_file(s, i);
	qsort(f, m, sizeof(*f), cmp_pv);
	static const struct out_col cols[] = {
		{ "partition_values", "PARTITION", 0 },
		{ "num_files", "FILES", COL_RIGHT },
		{ "size_bytes", "BYTES", COL_RIGHT },
		{ "num_records", "RECORDS", COL_RIGHT },
	};
	struct out o;
	out_begin(&o, cli->format, cols, 4, false);
	for (size_t i = 0; i < m;) {
		size_t j = i;
		int64_t files = 0, bytes = 0, records = 0;
		bool exact = true;
		for (; j < m && !strcmp(f[j]->partition_values, f[i]->partition_values); j++) {
			files++;
			bytes += f[j]->size;
			if (f[j]->num_records < 0)
				exact = false;
			else
				records += f[j]->num_records - (f[j]->dv_cardinality > 0 ? f[j]->dv_cardinality : 0);
		}
		json_t *pv = json_loads(f[i]->partition_values, 0, NULL);
		json_t *row = json_object();
		json_object_set_new(row, "partition_values", pv ? pv : json_object());
		json_object_set_new(row, "num_files", json_integer(files));
		json_object_set_new(row, "size_bytes", json_integer(bytes));
		json_object_set_new(row, "num_records", json_int_or_null(records, exact));
		out_row(&o, row);
		i = j;
	}
	free(f);
	rc = out_end(&o);
done:
	dq_snapshot_close(s);
	dq_table_close(t);
out:
	where_release(&w);
	return rc;
}
