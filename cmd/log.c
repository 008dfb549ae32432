/*
 * log.c - `deltaq log TABLE`: one row per commit, newest first, like DESCRIBE HISTORY.
 * Reads only the head of each selected commit (commitInfo is its first line) and the
 * listing's mtimes; with -n 5 it reads five commit files.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

const char usage_log[] =
	"usage: deltaq log [options] TABLE\n"
	"\n"
	"List commits, newest first: version, timestamp, operation, user, engine, files\n"
	"added and removed, rows written (from operationMetrics).\n"
	"\n"
	"  -n, --max-count N    only the N newest commits of the range (0: all of them)\n"
	"      --since REF      oldest commit to list (version or timestamp, inclusive)\n"
	"      --until REF      newest commit to list (version or timestamp, inclusive)\n"
	"      --reverse        oldest first\n"
	"      --oneline        text: one short line per commit, no header\n"
	TABLE_USAGE;

enum { OPT_SINCE = 2000, OPT_UNTIL, OPT_REVERSE, OPT_ONELINE };

const struct option options_log[] = {
	TABLE_OPTIONS,
	{ "max-count", required_argument, NULL, 'n' },
	{ "oneline", no_argument, NULL, OPT_ONELINE },
	{ "reverse", no_argument, NULL, OPT_REVERSE },
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "until", required_argument, NULL, OPT_UNTIL },
	{ NULL, 0, NULL, 0 },
};

/* A bound: a version when all digits, else a timestamp in ms. */
struct bound {
	bool set, is_time;
	int64_t v;
};

static int parse_bound(struct cli *cli, const char *opt, const char *s, struct bound *b)
{
	b->set = true;
	bool digits = *s != '\0';
	for (const char *p = s; *p; p++)
		digits = digits && *p >= '0' && *p <= '9';
	if (digits) {
		char *end;
		b->v = strtoll(s, &end, 10);
		return EXIT_OK;
	}
	b->is_time = true;
	if (!dq_parse_timestamp(s, &b->v))
		return cli_usage_error(cli, "%s: '%s' is neither a version nor a timestamp", opt, s);
	return EXIT_OK;
}

/* operationMetrics values are strings of digits (Spark) or numbers. */
static json_t *metric(const json_t *metrics, const char *const *names)
{
	for (; *names; names++) {
		json_t *v = json_object_get(metrics, *names);
		if (json_is_integer(v))
			return json_integer(json_integer_value(v));
		if (json_is_string(v)) {
			char *end;
			const char *s = json_string_value(v);
			long long n = strtoll(s, &end, 10);
			if (*s && !*end)
				return json_integer(n);
		}
	}
	return json_null();
}

static json_t *commit_row(const struct dq_commit *c)
{
	const json_t *ci = c->commit_info;
	const json_t *m = json_object_get(ci, "operationMetrics");
	static const char *const added[] = { "numAddedFiles", "numTargetFilesAdded", "numFiles", NULL };
	static const char *const removed[] = { "numRemovedFiles", "numTargetFilesRemoved", NULL };
	static const char *const rows[] = { "numOutputRows", NULL };
	json_t *user = json_object_get(ci, "userName");
	if (!json_is_string(user))
		user = json_object_get(ci, "userId");
	json_t *op = json_object_get(ci, "operation");
	json_t *eng = json_object_get(ci, "engineInfo");
	json_t *params = json_object_get(ci, "operationParameters");
	json_t *row = json_object();
	json_object_set_new(row, "version", json_integer(c->version));
	json_object_set_new(row, "timestamp", timestamp_json(c->timestamp_ms));
	json_object_set_new(row, "timestamp_ms", json_integer(c->timestamp_ms));
	json_object_set_new(row, "operation", json_is_string(op) ? json_incref(op) : json_null());
	json_object_set_new(row, "user", json_is_string(user) ? json_incref(user) : json_null());
	json_object_set_new(row, "engine", json_is_string(eng) ? json_incref(eng) : json_null());
	json_object_set_new(row, "files_added", metric(m, added));
	json_object_set_new(row, "files_removed", metric(m, removed));
	json_object_set_new(row, "rows_written", metric(m, rows));
	json_object_set_new(row, "operation_parameters",
			    json_is_object(params) ? json_incref(params) : json_null());
	json_object_set_new(row, "operation_metrics", json_is_object(m) ? json_incref((json_t *)m) : json_null());
	return row;
}

int cmd_log(int argc, char **argv, struct cli *cli)
{
	const struct command *self = find_command("log");
	int opt, rc;
	bool done = false, reverse = false, oneline = false;
	long long limit = 0;
	struct bound since = { 0 }, until = { 0 };
	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS "n:", options_log, NULL)) != -1) {
		if ((rc = cli_common(cli, self, opt, optarg, &done)) != -2 && rc != -1)
			return rc;
		if (rc == -2)
			continue;
		char *end;
		switch (opt) {
		case 'n':
			limit = strtoll(optarg, &end, 10);
			if (!*optarg || *end || limit < 0)
				return cli_usage_error(cli, "-n takes a non-negative number, not '%s'", optarg);
			break;
		case OPT_SINCE:
			if ((rc = parse_bound(cli, "--since", optarg, &since)))
				return rc;
			break;
		case OPT_UNTIL:
			if ((rc = parse_bound(cli, "--until", optarg, &until)))
				return rc;
			break;
		case OPT_REVERSE:
			reverse = true;
			break;
		case OPT_ONELINE:
			oneline = true;
			break;
		}
	}
	if ((rc = cli_positional(cli, argc, argv, 1, "TABLE")))
		return rc;
	dq_table *t;
	if ((rc = cli_open(cli, argv[optind], &t)))
		return rc;
	struct dq_history_request req = { .from = -1, .to = -1, .commit_info = true };
	if (since.set && !since.is_time)
		req.from = since.v;
	if (until.set && !until.is_time)
		req.to = until.v;
	if (cli->at) {
		int64_t at;
		if ((rc = cli_resolve(t, cli->at, &at))) {
			dq_table_close(t);
			return rc;
		}
		if (req.to < 0 || at < req.to)
			req.to = at;
	}
	bool timed = (since.set && since.is_time) || (until.set && until.is_time);
	/* With time bounds the limit applies after filtering, so read the whole range. */
	req.limit = timed ? 0 : (size_t)limit;
	struct dq_history h;
	struct dq_error err = { 0 };
	if (dq_history_read(t, &req, &h, &err)) {
		dq_table_close(t);
		return cli_fail(&err);
	}
	for (size_t i = 0; i < h.nwarnings; i++)
		cli_warn("%s", h.warnings[i]);
	/* Say where history starts when cleanup removed the oldest commits. */
	int64_t oldest, newest, rebuild;
	if (dq_table_versions(t, &oldest, &newest, &err) == DQ_OK && oldest > 0 &&
	    (!h.n || h.commits[h.n - 1].version == oldest)) {
		if (dq_table_recreatable(t, &rebuild, &err) == DQ_OK)
			fprintf(stderr, "deltaq: history starts at version %lld (older commits were "
				"cleaned up); snapshots can be rebuilt from version %lld\n",
				(long long)oldest, (long long)rebuild);
		else
			fprintf(stderr, "deltaq: history starts at version %lld (older commits were "
				"cleaned up)\n", (long long)oldest);
	}
	/* Select (newest first), then print in the requested order. */
	size_t *sel = calloc(h.n ? h.n : 1, sizeof(*sel)), ns = 0;
	for (size_t i = 0; i < h.n; i++) {
		const struct dq_commit *c = &h.commits[i];
		if (since.set && since.is_time && c->timestamp_ms < since.v)
			continue;
		if (until.set && until.is_time && c->timestamp_ms > until.v)
			continue;
		if (limit && ns == (size_t)limit)
			break;
		sel[ns++] = i;
	}
	static const struct out_col cols[] = {
		{ "version", "VERSION", COL_RIGHT },
		{ "timestamp", "TIMESTAMP", 0 },
		{ "timestamp_ms", NULL, COL_NOTEXT },
		{ "operation", "OPERATION", 0 },
		{ "user", "USER", 0 },
		{ "engine", "ENGINE", COL_NOTEXT },
		{ "files_added", "+FILES", COL_RIGHT },
		{ "files_removed", "-FILES", COL_RIGHT },
		{ "rows_written", "ROWS", COL_RIGHT },
		{ "operation_parameters", NULL, COL_NOTEXT },
		{ "operation_metrics", NULL, COL_NOTEXT },
	};
	static const struct out_col oneline_cols[] = {
		{ "version", NULL, 0 }, { "timestamp", NULL, 0 }, { "operation", NULL, 0 },
	};
	struct out o;
	if (oneline && cli->format == OUT_TEXT) {
		out_begin(&o, OUT_TEXT, oneline_cols, 3, false);
		o.text_header = false;
	} else {
		out_begin(&o, cli->format, cols, sizeof(cols) / sizeof(cols[0]), false);
	}
	for (size_t k = 0; k < ns; k++) {
		size_t i = reverse ? sel[ns - 1 - k] : sel[k];
		out_row(&o, commit_row(&h.commits[i]));
	}
	free(sel);
	dq_history_release(&h);
	dq_table_close(t);
	return out_end(&o);
}
