/*
 * common.c - what every subcommand does the same way: the common options (-o, --at,
 * --threads, --help), opening the table, resolving REFs, and turning library errors into
 * one-line messages and exit codes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"

int cli_usage_error(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "deltaq %s: ", cli->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nsee 'deltaq %s --help'\n", cli->cmd);
	return EXIT_USAGE;
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;
	fputs("deltaq: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

bool cli_progress_wanted(void)
{
	const char *term = getenv("TERM");
	return isatty(STDERR_FILENO) && !(term && !strcmp(term, "dumb"));
}

int cli_fail(const struct dq_error *err)
{
	fprintf(stderr, "deltaq: %s\n", err->msg[0] ? err->msg : dq_strerror(err->code));
	switch (err->code) {
	case DQ_EUNSUPPORTED:
		return EXIT_UNSUPPORTED;
	case DQ_EINVAL:
		return EXIT_USAGE;
	default:
		return EXIT_UNREADABLE;
	}
}

static bool parse_format(const char *s, enum out_format *f)
{
	static const struct { const char *name; enum out_format f; } names[] = {
		{ "text", OUT_TEXT }, { "json", OUT_JSON }, { "ndjson", OUT_NDJSON },
		{ "tsv", OUT_TSV }, { "csv", OUT_CSV },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(s, names[i].name)) {
			*f = names[i].f;
			return true;
		}
	return false;
}

bool cli_parse_bytes(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	if (end == s || *s == '-' || errno)
		return false;
	unsigned shift = 0;
	switch (*end) {
	case 'K': case 'k': shift = 10; end++; break;
	case 'M': case 'm': shift = 20; end++; break;
	case 'G': case 'g': shift = 30; end++; break;
	case 'T': case 't': shift = 40; end++; break;
	}
	if (*end || n == 0 || n > (UINT64_MAX >> shift))
		return false;
	*out = (uint64_t)n << shift;
	return true;
}

int cli_common(struct cli *cli, const struct command *self, int opt, const char *arg, bool *done)
{
	char *end;
	switch (opt) {
	case 'o':
		if (!parse_format(arg, &cli->format))
			return cli_usage_error(cli, "unknown output format '%s' (text, json, ndjson, tsv, csv)", arg);
		return -2;
	case OPT_AT:
		cli->at = arg;
		return -2;
	case OPT_NO_CHECKPOINT:
		cli->no_checkpoint = true;
		return -2;
	case OPT_THREADS: {
		long n = strtol(arg, &end, 10);
		if (*arg == '\0' || *end || n < 1 || n > 1024)
			return cli_usage_error(cli, "--threads takes a number from 1 to 1024, not '%s'", arg);
		cli->threads = (int)n;
		return -2;
	}
	case OPT_MAX_ARCHIVE_BYTES:
		if (!cli_parse_bytes(arg, &cli->max_archive_bytes))
			return cli_usage_error(cli, "--max-archive-bytes takes a size such as 100M or "
					       "8G, not '%s'", arg);
		return -2;
	case 'h':
		fputs(self->usage, stdout);
		*done = true;
		return EXIT_OK;
	case '?':
		fprintf(stderr, "see 'deltaq %s --help'\n", cli->cmd);
		return EXIT_USAGE;
	}
	return -1;
}

int cli_positional(const struct cli *cli, int argc, char **argv, int want, const char *what)
{
	int have = argc - optind;
	if (have < want)
		return cli_usage_error(cli, "missing %s", what);
	if (have > want)
		return cli_usage_error(cli, "unexpected argument '%s'", argv[optind + want]);
	return EXIT_OK;
}

int cli_open(struct cli *cli, const char *uri, dq_table **t)
{
	struct dq_error err = { 0 };
	struct dq_options opt = { .threads = cli->threads, .ignore_checkpoints = cli->no_checkpoint,
				  .max_archive_bytes = cli->max_archive_bytes,
				  .max_page_bytes = cli->max_page_bytes };
	if (dq_table_open(uri, &opt, t, &err))
		return cli_fail(&err);
	return EXIT_OK;
}

int cli_resolve(dq_table *t, const char *ref, int64_t *version)
{
	struct dq_error err = { 0 };
	*version = -1;
	if (!ref)
		return EXIT_OK;
	if (dq_resolve_ref(t, ref, version, &err))
		return cli_fail(&err);
	return EXIT_OK;
}

int cli_snapshot(struct cli *cli, const char *uri, const char *ref, unsigned need,
		 bool require_files, dq_table **t, dq_snapshot **s)
{
	int rc;
	*s = NULL;
	if ((rc = cli_open(cli, uri, t)))
		return rc;
	int64_t v;
	struct dq_error err = { 0 };
	if ((rc = cli_resolve(*t, ref, &v)))
		goto fail;
	struct dq_snapshot_request req = { .version = v, .need = need };
	if (dq_snapshot_open(*t, &req, s, &err) ||
	    (require_files && dq_snapshot_require_files(*s, &err))) {
		rc = cli_fail(&err);
		goto fail;
	}
	size_t i;
	json_t *w;
	json_array_foreach(dq_snapshot_warnings(*s), i, w)
		cli_warn("%s", json_string_value(w));
	return EXIT_OK;
fail:
	dq_snapshot_close(*s);
	*s = NULL;
	dq_table_close(*t);
	*t = NULL;
	return rc;
}
