/*
 * version.c - `deltaq version TABLE`: the newest version, from file names alone (nothing is
 * parsed), or the version a REF resolves to with --at.
 */
#include <stdlib.h>

#include "cmd.h"

const char usage_version[] =
	"usage: deltaq version [options] TABLE\n"
	"\n"
	"Print the table's latest version (from commit file names; nothing is parsed),\n"
	"or with --at the version a REF selects.\n"
	"\n"
	TABLE_USAGE;

const struct option options_version[] = {
	TABLE_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

int cmd_version(int argc, char **argv, struct cli *cli)
{
	const struct command *self = find_command("version");
	int opt, rc;
	bool done = false;
	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS, options_version, NULL)) != -1) {
		if ((rc = cli_common(cli, self, opt, optarg, &done)) != -2)
			return rc < 0 ? cli_usage_error(cli, "unknown option") : rc;
	}
	if ((rc = cli_positional(cli, argc, argv, 1, "TABLE")))
		return rc;
	dq_table *t;
	if ((rc = cli_open(cli, argv[optind], &t)))
		return rc;
	struct dq_error err = { 0 };
	int64_t earliest, v;
	if (cli->at)
		rc = cli_resolve(t, cli->at, &v);
	else if (dq_table_versions(t, &earliest, &v, &err))
		rc = cli_fail(&err);
	dq_table_close(t);
	if (rc)
		return rc;
	if (cli->format == OUT_TEXT) {
		printf("%lld\n", (long long)v);
		return EXIT_OK;
	}
	static const struct out_col cols[] = { { "version", NULL, COL_RIGHT } };
	struct out o;
	out_begin(&o, cli->format, cols, 1, true);
	out_row(&o, json_pack("{sI}", "version", (json_int_t)v));
	return out_end(&o);
}
