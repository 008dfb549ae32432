/*
 * partitions.c - `deltaq partitions TABLE`: one row per combination of partition values,
 * with its files, bytes and records (after deletion vectors; null when some file of the
 * partition has no record count).
 */
#include <stdint.h>
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
	TABLE_USAGE;

enum { OPT_WHERE = 2000 };

const struct option options_partitions[] = {
	TABLE_OPTIONS,
	{ "where", required_argument, NULL, OPT_WHERE },
	{ NULL, 0, NULL, 0 },
};

struct group {
	const char *pv;         /* the partition values' JSON text */
	int64_t files, bytes, records;
	bool exact;
};

static int cmp_group(const void *a, const void *b)
{
	return strcmp(((const struct group *)a)->pv, ((const struct group *)b)->pv);
}

/*
 * Groups files by their partition-values text.  The library keeps one copy of each
 * distinct text, so files of a partition share an address and a hash on the address finds
 * their group without comparing strings; equal texts at different addresses (spelled
 * differently in the log) merge after the few groups are sorted.
 */
static struct group *group_files(const dq_snapshot *s, const struct where *w, size_t *ngroups)
{
	size_t cap = 64, n = 0, slots = 128;
	struct group *g = malloc(cap * sizeof(*g));
	size_t *slot = malloc(slots * sizeof(*slot)); /* group index + 1; 0 = empty */
	if (!g || !slot)
		goto oom;
	memset(slot, 0, slots * sizeof(*slot));
	for (size_t i = 0, nf = dq_snapshot_num_files(s); i < nf; i++) {
		const struct dq_file *f = dq_snapshot_file(s, i);
		if (!where_match(w, f))
			continue;
		size_t h = ((uintptr_t)f->partition_values >> 4) * 0x9e3779b97f4a7c15ULL;
		size_t k = h & (slots - 1);
		while (slot[k] && g[slot[k] - 1].pv != f->partition_values)
			k = (k + 1) & (slots - 1);
		if (!slot[k]) {
			if (n == cap) {
				struct group *x = realloc(g, 2 * cap * sizeof(*g));
				if (!x)
					goto oom;
				g = x;
				cap *= 2;
			}
			g[n] = (struct group){ .pv = f->partition_values, .exact = true };
			slot[k] = ++n;
			if (2 * n > slots) { /* rehash into twice the slots */
				size_t *ns = calloc(2 * slots, sizeof(*ns));
				if (!ns)
					goto oom;
				for (size_t q = 0; q < n; q++) {
					size_t kk = (((uintptr_t)g[q].pv >> 4) * 0x9e3779b97f4a7c15ULL) & (2 * slots - 1);
					while (ns[kk])
						kk = (kk + 1) & (2 * slots - 1);
					ns[kk] = q + 1;
				}
				free(slot);
				slot = ns;
				slots *= 2;
			}
			for (k = h & (slots - 1); g[slot[k] - 1].pv != f->partition_values;)
				k = (k + 1) & (slots - 1);
		}
		struct group *x = &g[slot[k] - 1];
		x->files++;
		x->bytes = dq_sat_add(x->bytes, f->size, NULL);
		if (!dq_file_add_records(f, &x->records))
			x->exact = false;
	}
	free(slot);
	qsort(g, n, sizeof(*g), cmp_group);
	size_t m = 0;
	for (size_t i = 0; i < n; i++) {
		if (m && !strcmp(g[m - 1].pv, g[i].pv)) {
			bool held = false;
			g[m - 1].files += g[i].files;
			g[m - 1].bytes = dq_sat_add(g[m - 1].bytes, g[i].bytes, NULL);
			g[m - 1].records = dq_sat_add(g[m - 1].records, g[i].records, &held);
			g[m - 1].exact = g[m - 1].exact && g[i].exact && !held;
		} else {
			g[m++] = g[i];
		}
	}
	*ngroups = m;
	return g;
oom:
	free(g);
	free(slot);
	return NULL;
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
	size_t m;
	struct group *g = group_files(s, &w, &m);
	if (!g) {
		fprintf(stderr, "deltaq: out of memory grouping files by partition\n");
		rc = EXIT_UNREADABLE;
		goto done;
	}
	static const struct out_col cols[] = {
		{ "partition_values", "PARTITION", 0 },
		{ "num_files", "FILES", COL_RIGHT },
		{ "size_bytes", "BYTES", COL_RIGHT },
		{ "num_records", "RECORDS", COL_RIGHT },
	};
	struct out o;
	out_begin(&o, cli->format, cols, 4, false);
	for (size_t i = 0; i < m; i++) {
		json_t *pv = json_loads(g[i].pv, 0, NULL);
		json_t *row = json_object();
		json_object_set_new(row, "partition_values", pv ? pv : json_object());
		json_object_set_new(row, "num_files", json_integer(g[i].files));
		json_object_set_new(row, "size_bytes", json_integer(g[i].bytes));
		json_object_set_new(row, "num_records", json_int_or_null(g[i].records, g[i].exact));
		out_row(&o, row);
	}
	free(g);
	rc = out_end(&o);
done:
	dq_snapshot_close(s);
	dq_table_close(t);
out:
	where_release(&w);
	return rc;
}
