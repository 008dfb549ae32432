/*
 * orphans.c - `deltaq orphans TABLE`: a VACUUM dry run.  Every file under the table root
 * that no active file references, with its size and modification time on storage, and
 * whether VACUUM would delete it given the retention (dq_snapshot_untracked).  Read-only.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

const char usage_orphans[] =
	"usage: deltaq orphans [options] TABLE\n"
	"\n"
	"List the files under the table root that no active file references (a VACUUM\n"
	"dry run): path, size, modification time, and whether VACUUM would delete it.\n"
	"VACUUM deletes such files modified before now - retention, except those a\n"
	"remove within the retention names.  Nothing is deleted.\n"
	"\n"
	"      --retain HOURS   the retention (VACUUM ... RETAIN HOURS); default the table's\n"
	"                       delta.deletedFileRetentionDuration, else one week\n"
	"      --now TIME       judge as of TIME (@MILLIS or a timestamp) instead of the clock\n"
	NO_CHECKPOINT_USAGE
	"  -o, --output FORMAT  text (default), json, ndjson, tsv or csv\n"
	"      --threads N      parser threads (default: CPUs available)\n"
	ARCHIVE_USAGE
	HELP_USAGE
	"\n"
	"There is no --at: VACUUM judges what to delete on the latest version, and a\n"
	"file an older version does not reference may be active now.\n";

enum { OPT_RETAIN = 2000, OPT_NOW };

const struct option options_orphans[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "output", required_argument, NULL, 'o' },
	{ "threads", required_argument, NULL, OPT_THREADS },
	ARCHIVE_OPTION,
	NO_CHECKPOINT_OPTION,
	{ "now", required_argument, NULL, OPT_NOW },
	{ "retain", required_argument, NULL, OPT_RETAIN },
	{ NULL, 0, NULL, 0 },
};

static const struct out_col cols[] = {
	{ "path", "PATH", 0 },
	{ "size", "SIZE", COL_RIGHT },
	{ "modification_time", "MODIFIED", 0 },
	{ "deletable", "DELETABLE", 0 },
	{ "reason", "KEPT", 0 },
};

struct emit {
	struct out o;
	bool json;      /* the -o json document: rows written here, not through o */
	FILE *fp;
	size_t n;
};

static int emit_file(const struct dq_untracked *f, void *arg)
{
	struct emit *e = arg;
	json_t *row = json_object();
	json_object_set_new(row, "path", dq_json_text(f->path));
	json_object_set_new(row, "size", json_integer(f->size));
	json_object_set_new(row, "modification_time", timestamp_json(f->modification_time));
	json_object_set_new(row, "deletable", json_boolean(f->deletable));
	json_object_set_new(row, "reason", json_str_or_null(f->reason));
	if (e->json) {
		fputs(e->n ? ",\n    " : "\n    ", e->fp);
		json_dumpf(row, e->fp, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(row);
	} else {
		out_row(&e->o, row);
	}
	e->n++;
	return ferror(e->fp) ? EXIT_UNREADABLE : 0;
}

/* "  \"key\": <value>,\n" for the JSON document; steals v. */
static void doc_field(FILE *fp, const char *key, json_t *v, bool last)
{
	char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
	fprintf(fp, "  \"%s\": %s%s\n", key, s ? s : "null", last ? "" : ",");
	free(s);
	json_decref(v);
}

static void hours_text(char *buf, size_t len, int64_t ms)
{
	if (ms % 3600000 == 0)
		snprintf(buf, len, "%lld hours", (long long)(ms / 3600000));
	else
		snprintf(buf, len, "%.6g hours", (double)ms / 3600000.0);
}

/* Copies the finished output from its temporary file to stdout. */
static int copy_out(FILE *tmp)
{
	char buf[65536];
	size_t n;
	rewind(tmp);
	while ((n = fread(buf, 1, sizeof(buf), tmp)) > 0)
		if (fwrite(buf, 1, n, stdout) != n)
			return EXIT_UNREADABLE;
	return ferror(tmp) ? EXIT_UNREADABLE : EXIT_OK;
}

static int run(struct cli *cli, dq_snapshot *s, const char *location,
	       const struct dq_untracked_request *req)
{
	struct dq_error err = { 0 };
	struct dq_untracked_totals tot;
	/* Output goes to a temporary file first, so stdout stays empty when the listing fails
	 * half way (an unreadable directory); memory holds no more than text alignment needs. */
	FILE *tmp = tmpfile();
	struct emit e = { .json = cli->format == OUT_JSON, .fp = tmp ? tmp : stdout };
	out_begin(&e.o, cli->format, cols, sizeof(cols) / sizeof(cols[0]), false);
	e.o.fp = e.fp;
	if (e.json) {
		fputs("{\n", e.fp);
		doc_field(e.fp, "table", dq_json_text(location), false);
		doc_field(e.fp, "version", json_integer(dq_snapshot_version(s)), false);
		fputs("  \"files\": [", e.fp);
	}
	int rc = dq_snapshot_untracked(s, req, emit_file, &e, &tot, &err);
	if (rc == DQ_OK) {
		char before[40], hours[48];
		dq_format_timestamp(tot.delete_before_ms, before, sizeof(before));
		hours_text(hours, sizeof(hours), tot.retention_ms);
		if (e.json) {
			fputs(e.n ? "\n  ],\n" : "],\n", e.fp);
			doc_field(e.fp, "now", timestamp_json(tot.now_ms), false);
			doc_field(e.fp, "retention_ms", json_integer(tot.retention_ms), false);
			/* before 1970 too (a long --retain), which timestamp_json shows as null */
			doc_field(e.fp, "delete_before", json_string(before), false);
			doc_field(e.fp, "num_files", json_integer(tot.num_files), false);
			doc_field(e.fp, "size_bytes", json_integer(tot.size_bytes), false);
			doc_field(e.fp, "num_deletable", json_integer(tot.num_deletable), false);
			doc_field(e.fp, "deletable_bytes", json_integer(tot.deletable_bytes), true);
			fputs("}\n", e.fp);
		} else {
			out_end(&e.o);
		}
		if (cli->format == OUT_TEXT)
			fprintf(e.fp, "%lld untracked file%s, %lld bytes; %lld deletable, %lld bytes "
				"(modified before %s, retention %s)\n", (long long)tot.num_files,
				tot.num_files == 1 ? "" : "s", (long long)tot.size_bytes,
				(long long)tot.num_deletable, (long long)tot.deletable_bytes, before, hours);
		/* A failed write to stdout itself is reported by main (finish_stdout). */
		if (tmp && (fflush(tmp) || ferror(tmp))) {
			fprintf(stderr, "deltaq: cannot write a temporary file for the output\n");
			rc = EXIT_UNREADABLE;
		} else if (tmp) {
			rc = copy_out(tmp);
		} else {
			rc = ferror(stdout) ? EXIT_UNREADABLE : EXIT_OK;
		}
	} else {
		if (!e.json)
			out_end(&e.o); /* frees the text cells; what it wrote is discarded */
		if (err.code) {
			rc = cli_fail(&err);
		} else {
			if (tmp) /* else main reports the failed write to stdout */
				fprintf(stderr, "deltaq: cannot write a temporary file for the output\n");
			rc = EXIT_UNREADABLE;
		}
	}
	if (tmp)
		fclose(tmp);
	return rc;
}

int cmd_orphans(int argc, char **argv, struct cli *cli)
{
	const struct command *self = find_command("orphans");
	struct dq_untracked_request req = { .retention_ms = -1, .now_ms = -1 };
	int opt, rc;
	bool done = false;
	char *end;
	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS, options_orphans, NULL)) != -1) {
		if ((rc = cli_common(cli, self, opt, optarg, &done)) != -2 && rc != -1)
			return rc;
		if (opt == OPT_RETAIN) {
			/* Digits with an optional fraction: strtod would take hex, signs, spaces. */
			size_t d = strspn(optarg, "0123456789");
			if (optarg[d] == '.')
				d += 1 + strspn(optarg + d + 1, "0123456789");
			double h = strtod(optarg, &end);
			/* Spark rounds RETAIN's hours to a whole number. */
			if (!isdigit((unsigned char)*optarg) || optarg[d] || *end || !isfinite(h) ||
			    h > 1e12)
				return cli_usage_error(cli, "--retain takes a number of hours >= 0, not '%s'",
						       optarg);
			req.retention_ms = (int64_t)(h + 0.5) * 3600000; /* Math.round */
		} else if (opt == OPT_NOW) {
			if (!dq_parse_timestamp(optarg, &req.now_ms) || req.now_ms < 0)
				return cli_usage_error(cli, "--now takes @MILLIS or a timestamp after 1970, not '%s'",
						       optarg);
		}
	}
	if ((rc = cli_positional(cli, argc, argv, 1, "TABLE")))
		return rc;
	dq_table *t;
	dq_snapshot *s;
	if ((rc = cli_snapshot(cli, argv[optind], cli->at, DQ_NEED_FILES | DQ_NEED_TOMBSTONES, true,
			       &t, &s)))
		return rc;
	int64_t table_ms;
	struct dq_error err = { 0 };
	if (dq_snapshot_write_protocol(s, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	if (req.retention_ms >= 0 && dq_snapshot_deleted_file_retention(s, &table_ms, &err) == DQ_OK &&
	    req.retention_ms < table_ms) {
		char hours[48];
		hours_text(hours, sizeof(hours), table_ms);
		cli_warn("--retain is below the table's retention of %s; VACUUM refuses it unless "
			 "spark.databricks.delta.retentionDurationCheck.enabled is false", hours);
	}
	rc = run(cli, s, dq_table_location(t), &req);
out:
	dq_snapshot_close(s);
	dq_table_close(t);
	return rc;
}
