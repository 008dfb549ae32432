/*
 * bundle.c - `deltaq bundle TABLE OUT`: the table's log, and optionally its data files or
 * their footers, in one reproducible archive for a bug report (dq_bundle_write).  Prints
 * one record describing what it wrote.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

const char usage_bundle[] =
	"usage: deltaq bundle [options] TABLE OUT\n"
	"\n"
	"Write the table's _delta_log into the archive OUT, whose name picks the format:\n"
	".tar.gz or .tgz, .tar.xz or .txz, .tar, .zip, and .tar.zst for any other name.\n"
	"The same table and options give byte-identical bundles; deltaq reads OUT as the\n"
	"table.\n"
	"\n"
	"      --from REF       only what replays versions from REF on: the newest checkpoint\n"
	"                       at or below REF and the log after it\n"
	"      --footers        add each active data file's Parquet footer, with zeros for\n"
	"                       its data (same size and offsets; no values)\n"
	"      --with-data      add the active data files themselves\n"
	"      --redact KEY     replace paths, partition values, stats bounds and commit\n"
	"                       details by surrogates keyed with KEY (whole JSON log only)\n"
	"  -o, --output FORMAT  text (default), json, ndjson, tsv or csv\n"
	"      --threads N      parser threads (default: CPUs available)\n"
	ARCHIVE_USAGE
	HELP_USAGE;

enum { OPT_FROM = 1100, OPT_FOOTERS, OPT_WITH_DATA, OPT_REDACT };

const struct option options_bundle[] = {
	{ "footers", no_argument, NULL, OPT_FOOTERS },
	{ "from", required_argument, NULL, OPT_FROM },
	{ "help", no_argument, NULL, 'h' },
	ARCHIVE_OPTION,
	{ "output", required_argument, NULL, 'o' },
	{ "redact", required_argument, NULL, OPT_REDACT },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ "with-data", no_argument, NULL, OPT_WITH_DATA },
	{ NULL, 0, NULL, 0 },
};

/* "bundling 42% (12 of 28 MiB)" on a terminal's stderr, redrawn in place. */
static void progress(void *ctx, uint64_t done, uint64_t total)
{
	int *last = ctx;
	int pct = total ? (int)(done * 100 / total) : 100;
	if (pct == *last)
		return;
	*last = pct;
	fprintf(stderr, "\rbundling %3d%% (%llu of %llu MiB)", pct,
		(unsigned long long)(done >> 20), (unsigned long long)(total >> 20));
	fflush(stderr);
}

/* Whether `out` would land inside the table's folder: deltaq never writes into a table. */
static bool inside_table(const char *location, const char *out)
{
	char *copy = strdup(out);
	if (!copy)
		return false;
	char *slash = strrchr(copy, '/');
	const char *dir = slash ? (slash == copy ? "/" : (*slash = '\0', copy)) : ".";
	char *real = realpath(dir, NULL);
	free(copy);
	if (!real)
		return false;
	size_t n = strlen(location);
	bool in = !strncmp(real, location, n) && (real[n] == '/' || real[n] == '\0');
	free(real);
	return in;
}

int cmd_bundle(int argc, char **argv, struct cli *cli)
{
	const struct command *self = find_command("bundle");
	struct dq_bundle_options o = { .from = -1 };
	const char *from = NULL;
	int opt, rc;
	bool done = false;
	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS, options_bundle, NULL)) != -1) {
		switch (opt) {
		case OPT_FROM:
			from = optarg;
			continue;
		case OPT_FOOTERS:
			o.footers = true;
			continue;
		case OPT_WITH_DATA:
			o.with_data = true;
			continue;
		case OPT_REDACT:
			if (!*optarg)
				return cli_usage_error(cli, "--redact needs a non-empty KEY");
			o.redact_key = optarg;
			continue;
		}
		if ((rc = cli_common(cli, self, opt, optarg, &done)) != -2)
			return rc < 0 ? cli_usage_error(cli, "unknown option") : rc;
	}
	if ((rc = cli_positional(cli, argc, argv, 2, "TABLE and OUT")))
		return rc;
	const char *out = argv[optind + 1];
	dq_table *t;
	if ((rc = cli_open(cli, argv[optind], &t)))
		return rc;
	if (inside_table(dq_table_location(t), out)) {
		dq_table_close(t);
		return cli_usage_error(cli, "'%s' is inside the table; deltaq never writes into a "
				       "table it reads", out);
	}
	if (from && (rc = cli_resolve(t, from, &o.from))) {
		dq_table_close(t);
		return rc;
	}
	int last = -1;
	bool tty = cli_progress_wanted();
	if (tty) {
		o.progress = progress;
		o.progress_ctx = &last;
	}
	struct dq_bundle_result res;
	struct dq_error err = { 0 };
	rc = dq_bundle_write(t, out, &o, &res, &err);
	if (tty && last >= 0)
		fputs("\r\033[K", stderr);
	dq_table_close(t);
	if (rc)
		return cli_fail(&err);

	static const struct out_col cols[] = {
		{ "out", NULL, 0 }, { "format", NULL, 0 }, { "entries", NULL, COL_RIGHT },
		{ "bytes", NULL, COL_RIGHT }, { "from", NULL, 0 }, { "data", NULL, 0 },
		{ "redacted", NULL, 0 },
	};
	json_t *row = json_object();
	json_object_set_new(row, "out", dq_json_text(out));
	json_object_set_new(row, "format", json_string(res.format));
	json_object_set_new(row, "entries", json_integer((json_int_t)res.entries));
	json_object_set_new(row, "bytes", json_integer((json_int_t)res.bytes));
	json_object_set_new(row, "from", json_int_or_null(o.from, o.from >= 0));
	json_object_set_new(row, "data", json_string(o.with_data ? "files" : o.footers ? "footers"
										   : "none"));
	json_object_set_new(row, "redacted", json_boolean(o.redact_key != NULL));
	struct out ow;
	out_begin(&ow, cli->format, cols, sizeof(cols) / sizeof(cols[0]), true);
	out_row(&ow, row);
	return out_end(&ow);
}
