/*
 * main.c - argv to a subcommand.  One table of commands drives dispatch, `deltaq help` and
 * the bash completion; main makes sure fds 0-2 exist and that a failed write to stdout is
 * an error (`deltaq files t > /dev/full` fails), while a closed pipe (`| head`) ends quietly.
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "jobs.h"

const struct command commands[] = {
	{ "version", cmd_version, "print the table's version", usage_version, options_version, false },
	{ "log", cmd_log, "list commits, newest first", usage_log, options_log, false },
	{ "show", cmd_show, "print the actions of one commit", usage_show, options_show, false },
	{ "info", cmd_info, "describe the table (like DESCRIBE DETAIL)", usage_info, options_info, false },
	{ "schema", cmd_schema, "print the table's schema", usage_schema, options_schema, false },
	{ "protocol", cmd_protocol, "print protocol versions and features", usage_protocol, options_protocol, false },
	{ "files", cmd_files, "list the active data files", usage_files, options_files, false },
	{ "partitions", cmd_partitions, "summarise files per partition", usage_partitions, options_partitions, false },
	{ "diff", cmd_diff, "compare two versions", usage_diff, options_diff, false },
	{ "orphans", cmd_orphans, "list untracked files (a VACUUM dry run)", usage_orphans, options_orphans, false },
	{ "check", cmd_check, "validate the log (and --deep the files) for CI", usage_check, options_check, false },
	{ "bundle", cmd_bundle, "write the log (and data) into an archive", usage_bundle, options_bundle, false },
	{ "parquet", cmd_parquet, "show a Parquet file's footer, pages or rows", usage_parquet, options_parquet, false },
	{ "scan", cmd_scan, "read every data file's footer, per partition", usage_scan, options_scan, false },
	{ "help", cmd_help, "help on a command", usage_help, options_help, false },
	{ "completion", cmd_completion, "print the bash completion script", usage_completion, options_completion, true },
	{ "__worker", cmd_worker, "a --jobs worker process (internal)", usage_worker, options_worker, true },
	{ NULL, NULL, NULL, NULL, NULL, false },
};

const struct command *find_command(const char *name)
{
	for (const struct command *c = commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

void main_usage(FILE *fp)
{
	fputs("usage: deltaq <command> [options] TABLE\n\n"
	      "Inspect and validate Delta Lake tables: TABLE is a directory, a file:// URI, or a\n"
	      "tar or zip archive holding the table.\n\n"
	      "commands:\n", fp);
	for (const struct command *c = commands; c->name; c++)
		if (!c->hidden)
			fprintf(fp, "  %-11s %s\n", c->name, c->summary);
	fputs("\nCommands take -o text|json|ndjson|tsv|csv (check: text, json, ndjson or junit)\n"
	      "and --threads N; --at REF goes with each command that reads a table but check and\n"
	      "bundle.\n"
	      "'deltaq help COMMAND' or 'deltaq COMMAND --help' for its options; man deltaq.\n"
	      "Exit status: 0 ok, 1 problems found, 2 usage, 3 table unreadable,\n"
	      "4 protocol or reader feature not supported.\n", fp);
}

/* stdin/stdout/stderr must exist, or a file we open could land on fd 1. */
static void sanitize_fds(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int n = open("/dev/null", O_RDWR);
			if (n < 0)
				exit(EXIT_UNREADABLE);
			if (n != fd) {
				dup2(n, fd);
				close(n);
			}
		}
}

static int finish_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout) || fclose(stdout) != 0) {
		if (errno == EPIPE)
			return rc;
		fprintf(stderr, "deltaq: write error on standard output: %s\n", strerror(errno));
		return rc ? rc : EXIT_UNREADABLE;
	}
	return rc;
}

/*
 * A replay allocates and frees many buffers.  glibc gives freed memory back to the kernel
 * and faults it in again: 128 MiB of slack at the top of the heap still saves ~7% of
 * `partitions`' CPU on a 1,000,000-add checkpoint (make bench table) and changes nothing
 * measurable for `info`.  Arenas: one per pool thread (one per CPU) and one for this
 * thread.  With a single shared arena the pool's threads, parsing with jansson, queued on
 * its lock: `log -o json` of 20,000 commits took 0.45 s instead of 0.29, `partitions` of
 * a million adds 0.41 s instead of 0.37 (and `files` of those, whose memory is mostly the
 * output's sort, grows from 500 to 610 MiB on 2 CPUs).  Only the CLI tunes the
 * allocator; the library leaves its host's alone.
 */
static void tune_malloc(void)
{
	mallopt(M_TOP_PAD, 128 << 20);
	mallopt(M_ARENA_MAX, (int)dq_cpus() + 1);
}

int main(int argc, char **argv)
{
	sanitize_fds();
	tune_malloc();
	if (argc < 2) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[1];
	if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
		fputs(dq_version_string(), stdout);
		return finish_stdout(EXIT_OK);
	}
	if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
		main_usage(stdout);
		return finish_stdout(EXIT_OK);
	}
	const struct command *c = find_command(name);
	if (!c) {
		fprintf(stderr, "deltaq: '%s' is not a deltaq command; see 'deltaq --help'\n", name);
		return EXIT_USAGE;
	}
	struct cli cli = { .cmd = c->name, .format = OUT_TEXT };
	const char *mp = getenv("DELTAQ_MAX_PAGE_BYTES");
	if (mp && *mp && !cli_parse_bytes(mp, &cli.max_page_bytes)) {
		fprintf(stderr, "deltaq: DELTAQ_MAX_PAGE_BYTES takes a size such as 512M or 2G, "
			"not '%s'\n", mp);
		return EXIT_USAGE;
	}
	int rc = c->fn(argc - 1, argv + 1, &cli);
	return finish_stdout(rc);
}
