/*
 * check.c - `deltaq check TABLE`: validates a table for CI.  The library runs the rules
 * (lib/check.c) and returns findings; this file filters them (--ignore, --baseline),
 * prints them as text, JSON, NDJSON or JUnit XML, and turns them into an exit status.
 */
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "jobs.h"

const char usage_check[] =
	"usage: deltaq check [options] TABLE\n"
	"\n"
	"Validate a table's log (and with --deep its data and deletion vector files)\n"
	"against the rules 'deltaq check --list-rules' prints.  Exit 0 when no rule\n"
	"found an error, 1 when one did (or a warning, with --strict), 3 when the table\n"
	"cannot be read at all, 4 for --deep on a table whose reader features deltaq\n"
	"does not honour.\n"
	"\n"
	"      --deep           also read every active data file's size and Parquet\n"
	"                       footer, and every deletion vector\n"
	"  -j, --jobs N         with --deep, read the files in N worker processes (0: one\n"
	"                       per CPU); a worker that dies fails only its files\n"
	"      --ignore ID      do not report rule ID (repeatable)\n"
	"      --baseline FILE  do not report findings that FILE, an earlier\n"
	"                       'check -o json' report, holds\n"
	"      --strict         warnings fail too (exit 1)\n"
	"      --list-rules     print the rules: id, severity, deep, summary\n"
	"  -o, --output FORMAT  text (default), json, ndjson, junit (JUnit XML), or for\n"
	"                       --list-rules also tsv or csv\n"
	"      --threads N      parser threads (default: CPUs available)\n"
	ARCHIVE_USAGE
	HELP_USAGE;

enum { OPT_DEEP = 2000, OPT_IGNORE, OPT_BASELINE, OPT_STRICT, OPT_LIST_RULES };

const struct option options_check[] = {
	{ "baseline", required_argument, NULL, OPT_BASELINE },
	{ "deep", no_argument, NULL, OPT_DEEP },
	{ "help", no_argument, NULL, 'h' },
	{ "ignore", required_argument, NULL, OPT_IGNORE },
	{ "jobs", required_argument, NULL, 'j' },
	{ "list-rules", no_argument, NULL, OPT_LIST_RULES },
	ARCHIVE_OPTION,
	{ "output", required_argument, NULL, 'o' },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "threads", required_argument, NULL, OPT_THREADS },
	{ NULL, 0, NULL, 0 },
};

struct check_opts {
	bool deep, strict, list, junit;
	const char **ignore;
	size_t nignore;
	const char *baseline;
};

/* The stable fingerprint a baseline matches on (documented in deltaq-check(1)). */
static char *fingerprint(const json_t *f)
{
	const json_t *v = json_object_get(f, "version");
	const char *p = json_string_value(json_object_get(f, "path"));
	const char *r = json_string_value(json_object_get(f, "rule"));
	const char *m = json_string_value(json_object_get(f, "message"));
	char *s = NULL;
	if (asprintf(&s, "%s\t%lld\t%s\t%s", r ? r : "",
		     json_is_integer(v) ? (long long)json_integer_value(v) : -1LL, p ? p : "",
		     m ? m : "") < 0)
		return NULL;
	return s;
}

static int load_baseline(const struct cli *cli, const char *file, json_t **set)
{
	json_error_t je;
	json_t *doc = json_load_file(file, 0, &je);
	json_t *arr = json_object_get(doc, "findings");
	if (!json_is_array(arr)) {
		fprintf(stderr, "deltaq %s: cannot read baseline '%s': %s\n", cli->cmd, file,
			doc ? "not a 'check -o json' report (no findings array)" : je.text);
		json_decref(doc);
		return EXIT_USAGE;
	}
	*set = json_object();
	size_t i;
	json_t *f;
	json_array_foreach(arr, i, f) {
		char *fp = fingerprint(f);
		if (fp)
			json_object_set_new(*set, fp, json_true());
		free(fp);
	}
	json_decref(doc);
	return EXIT_OK;
}

static bool is_warning(const json_t *f)
{
	const char *s = json_string_value(json_object_get(f, "severity"));
	return s && !strcmp(s, "warning");
}

static void xml_escape(FILE *fp, const char *s)
{
	for (; s && *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch >= 0x80) { /* a declared UTF-8 document: U+FFFD for what is not */
			size_t k = dq_utf8_seq(s);
			if (k)
				fwrite(s, 1, k, fp), s += k - 1;
			else
				fputs("\xEF\xBF\xBD", fp);
			continue;
		}
		switch (ch) {
		case '<': fputs("&lt;", fp); break;
		case '>': fputs("&gt;", fp); break;
		case '&': fputs("&amp;", fp); break;
		case '"': fputs("&quot;", fp); break;
		case '\'': fputs("&apos;", fp); break;
		default:
			/* XML 1.0 allows no other C0 control than tab, newline and return. */
			if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
				fprintf(fp, "?");
			else
				fputc(ch, fp);
		}
	}
}

/* One testcase per rule that ran; error findings (and warnings with --strict) fail it. */
static void write_junit(const char *table, const json_t *findings, const struct check_opts *o,
			const bool *ran)
{
	size_t nrules, i, k;
	const struct dq_check_rule *rules = dq_check_rules(&nrules);
	size_t tests = 0, failures = 0;
	json_t *f;
	for (i = 0; i < nrules; i++)
		tests += ran[i];
	json_array_foreach(findings, k, f)
		failures += !is_warning(f) || o->strict;
	printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	printf("  <testsuite name=\"deltaq check ");
	xml_escape(stdout, table);
	printf("\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\">\n", tests, failures);
	for (i = 0; i < nrules; i++) {
		if (!ran[i])
			continue;
		printf("    <testcase classname=\"deltaq.check\" name=\"%s: ", rules[i].id);
		xml_escape(stdout, rules[i].summary);
		printf("\">\n");
		json_array_foreach(findings, k, f) {
			const char *rule = json_string_value(json_object_get(f, "rule"));
			if (strcmp(rule, rules[i].id))
				continue;
			const char *msg = json_string_value(json_object_get(f, "message"));
			if (!is_warning(f) || o->strict) {
				printf("      <failure type=\"%s\" message=\"", is_warning(f) ? "warning" : "error");
				xml_escape(stdout, msg);
				printf("\">");
				xml_escape(stdout, msg);
				printf("</failure>\n");
			} else {
				printf("      <system-out>warning: ");
				xml_escape(stdout, msg);
				printf("</system-out>\n");
			}
		}
		printf("    </testcase>\n");
	}
	printf("  </testsuite>\n</testsuites>\n");
}

static const struct out_col finding_cols[] = {
	{ "rule", "RULE", 0 },
	{ "severity", "SEVERITY", 0 },
	{ "version", "VERSION", COL_RIGHT },
	{ "path", "PATH", 0 },
	{ "message", "MESSAGE", 0 },
};

static const struct out_col rule_cols[] = {
	{ "id", "ID", 0 },
	{ "severity", "SEVERITY", 0 },
	{ "deep", "DEEP", 0 },
	{ "summary", "SUMMARY", 0 },
};

static int list_rules(const struct cli *cli, const struct check_opts *o)
{
	size_t n;
	const struct dq_check_rule *r = dq_check_rules(&n);
	if (o->junit) {
		bool ran[128] = { false };
		for (size_t i = 0; i < n && i < 128; i++)
			ran[i] = true;
		json_t *none = json_array();
		write_junit("--list-rules", none, o, ran);
		json_decref(none);
		return EXIT_OK;
	}
	struct out out;
	out_begin(&out, cli->format, rule_cols, 4, false);
	for (size_t i = 0; i < n; i++)
		out_row(&out, json_pack("{ss ss sb ss}", "id", r[i].id, "severity",
					r[i].severity == DQ_SEV_ERROR ? "error" : "warning", "deep",
					r[i].deep, "summary", r[i].summary));
	return out_end(&out);
}

static int cmp_finding(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	int c = (int)is_warning(x) - (int)is_warning(y);
	if (c)
		return c;
	c = strcmp(json_string_value(json_object_get(x, "rule")), json_string_value(json_object_get(y, "rule")));
	if (c)
		return c;
	json_int_t vx = json_integer_value(json_object_get(x, "version"));
	json_int_t vy = json_integer_value(json_object_get(y, "version"));
	return vx < vy ? -1 : vx > vy;
}

static void write_text(const json_t *findings, size_t errors, size_t warnings)
{
	size_t i;
	json_t *f;
	const char *section = NULL;
	json_array_foreach(findings, i, f) {
		const char *sev = is_warning(f) ? "warnings" : "errors";
		if (section != sev) {
			printf("%s%s:\n", section ? "\n" : "", sev);
			section = sev;
		}
		/* Messages quote names from the table: no newline or escape of theirs gets out. */
		char *m = out_text_escape(json_string_value(json_object_get(f, "message")));
		printf("  %s  %s\n", json_string_value(json_object_get(f, "rule")), m ? m : "");
		free(m);
	}
	if (json_array_size(findings))
		putchar('\n');
	printf("%zu error%s, %zu warning%s\n", errors, errors == 1 ? "" : "s", warnings,
	       warnings == 1 ? "" : "s");
}

/* ---- --deep --jobs: the storage rules in worker processes ------------------------------ */

/* Files per work item: enough to amortise a round trip, few enough to share the work. */
#define DEEP_ITEM_FILES 64
/* Files per dq_check_data_files call in-process. */
#define DEEP_CHUNK 4096

/*
 * A work item: {"version":V,"files":[{"path","key","size","num_records","dv_cardinality",
 * "dv_size"}]}, what dq_check_data_files reads of each file.  Written directly, as scan's are: through
 * jansson, building them took the supervisor longer than the workers' first items.
 */
static char *deep_item(const dq_snapshot *s, size_t from, size_t to)
{
	struct text_stream ts;
	FILE *fp = text_open(&ts);
	if (!fp)
		return NULL;
	fputs("{\"version\":", fp);
	json_put_int(fp, dq_snapshot_version(s));
	fputs(",\"files\":[", fp);
	for (size_t i = from; i < to; i++) {
		const struct dq_file *f = dq_snapshot_file(s, i);
		fputs(i > from ? ",{\"path\":" : "{\"path\":", fp);
		json_put_raw(fp, f->path);
		fputs(",\"key\":", fp);
		json_put_raw(fp, f->key);
		fputs(",\"size\":", fp);
		json_put_int(fp, f->size);
		fputs(",\"num_records\":", fp);
		json_put_int(fp, f->num_records);
		fputs(",\"dv_cardinality\":", fp);
		json_put_int(fp, f->dv_cardinality);
		fputs(",\"dv_size\":", fp);
		json_put_int(fp, f->dv_size);
		putc('}', fp);
	}
	fputs("]}", fp);
	return text_close(&ts);
}

/*
 * A work item as deep_item writes it, read without jansson (which refuses paths that
 * are not UTF-8): its files into *df (new; paths and keys point into *buf, new), n in
 * *n.  0 when read, 1 when the text has another shape, -1 when out of memory.
 */
static int deep_item_read(const char *text, size_t len, int64_t *version, struct dq_file **df,
			  size_t *n, char **buf)
{
	size_t cap = 0;
	*df = NULL;
	*n = 0;
	*buf = NULL;
	if (memchr(text, '\0', len)) /* not JSON: jansson says why */
		return 1;
	char *p = *buf = strndup(text, len);
	if (!p)
		return -1;
	if (!jr_lit(&p, "{\"version\":") || !jr_int(&p, false, version) || !jr_lit(&p, ",\"files\":["))
		goto other;
	while (*p != ']') {
		struct dq_file f = { 0 };
		if ((*n && !jr_lit(&p, ",")) || !jr_lit(&p, "{\"path\":") || !(f.path = jr_string(&p)) ||
		    !jr_lit(&p, ",\"key\":") || !(f.key = jr_string(&p)) || !jr_lit(&p, ",\"size\":") ||
		    !jr_int(&p, false, &f.size) || !jr_lit(&p, ",\"num_records\":") ||
		    !jr_int(&p, false, &f.num_records) || !jr_lit(&p, ",\"dv_cardinality\":") ||
		    !jr_int(&p, false, &f.dv_cardinality) || !jr_lit(&p, ",\"dv_size\":") ||
		    !jr_int(&p, false, &f.dv_size) || !jr_lit(&p, "}"))
			goto other;
		if (*n == cap) {
			struct dq_file *g = realloc(*df, (cap = cap ? 2 * cap : 64) * sizeof(*g));
			if (!g)
				return -1;
			*df = g;
		}
		(*df)[(*n)++] = f;
	}
	if (!strcmp(p, "]}"))
		return 0;
other:
	free(*df);
	free(*buf);
	*df = NULL;
	*buf = NULL;
	*n = 0;
	return 1;
}

/* The same through jansson (*item new: the strings point into it); EXIT_USAGE when the
 * text is not a work item. */
static int deep_item_json(const char *text, size_t len, int64_t *version, struct dq_file **df,
			  size_t *n, json_t **item)
{
	json_error_t je;
	const json_t *files = json_object_get(*item = json_loadb(text, len, 0, &je), "files");
	if (!json_is_array(files)) {
		fprintf(stderr, "deltaq: check worker: bad work item: %s\n",
			!*item ? je.text : "it needs a files array");
		return EXIT_USAGE;
	}
	*version = json_integer_value(json_object_get(*item, "version"));
	*n = json_array_size(files);
	if (!(*df = calloc(*n ? *n : 1, sizeof(**df)))) {
		fputs("deltaq: out of memory\n", stderr);
		return EXIT_UNREADABLE;
	}
	size_t i;
	json_t *f;
	json_array_foreach(files, i, f) {
		(*df)[i] = (struct dq_file){
			.path = json_string_value(json_object_get(f, "path")),
			.key = json_string_value(json_object_get(f, "key")),
			.size = json_integer_value(json_object_get(f, "size")),
			.num_records = json_integer_value(json_object_get(f, "num_records")),
			.dv_cardinality = json_integer_value(json_object_get(f, "dv_cardinality")),
			.dv_size = json_is_integer(json_object_get(f, "dv_size"))
					   ? json_integer_value(json_object_get(f, "dv_size")) : -1,
		};
		if (!(*df)[i].path || !(*df)[i].key) {
			fputs("deltaq: check worker: a work item file without path or key\n", stderr);
			return EXIT_UNREADABLE;
		}
	}
	return EXIT_OK;
}

/* The worker side: the storage rules of one item's files, one record per finding. */
int check_worker_item(dq_table *t, const char *text, size_t len, struct jobs_emitter *em)
{
	int64_t version = 0;
	struct dq_file *df = NULL;
	size_t n = 0, i;
	char *buf = NULL;
	json_t *item = NULL, *findings = json_array(), *f;
	int r = deep_item_read(text, len, &version, &df, &n, &buf);
	int rc = r < 0 ? EXIT_UNREADABLE : r > 0 ? deep_item_json(text, len, &version, &df, &n, &item)
						 : EXIT_OK;
	const char **paths = calloc(n ? n : 1, sizeof(*paths)), **keys = calloc(n ? n : 1, sizeof(*keys));
	const struct dq_file **dfp = calloc(n ? n : 1, sizeof(*dfp));
	struct dq_error err = { 0 };
	if (r < 0 || (!rc && !(paths && keys && dfp && findings))) {
		fputs("deltaq: out of memory\n", stderr);
		rc = EXIT_UNREADABLE;
	}
	for (i = 0; !rc && i < n; i++) {
		dfp[i] = &df[i];
		paths[i] = df[i].path;
		keys[i] = df[i].key;
	}
	if (!rc && (dq_data_files_prefetch(t, paths, keys, n, &err) ||
		    dq_check_data_files(t, dfp, n, version, findings, &err)))
		rc = cli_fail(&err);
	json_array_foreach(findings, i, f)
		if (!rc && jobs_emit(em, json_incref(f)))
			rc = EXIT_UNREADABLE;
	json_decref(findings);
	json_decref(item);
	free(buf);
	free(paths);
	free(keys);
	free(df);
	free(dfp);
	return rc;
}

struct deep_jobs {
	json_t *findings;
	size_t failed_files;
	size_t *item_files;        /* files in each item */
	size_t bad_item;           /* 1 + the last item with a record that is not JSON */
};

static void deep_record(void *ctx, size_t item, const char *rec, size_t len)
{
	struct deep_jobs *d = ctx;
	json_t *f = json_loadb(rec, len, 0, NULL);
	if (json_is_object(f)) {
		json_array_append_new(d->findings, f);
		return;
	}
	/* Not what jobs_emit writes: the worker is broken; its item's files count as not
	 * checked, as when it dies. */
	json_decref(f);
	if (d->bad_item != item + 1) {
		d->bad_item = item + 1;
		d->failed_files += d->item_files[item];
		fprintf(stderr, "deltaq: check --deep: %zu files not checked: a worker sent a "
			"finding that is not JSON\n", d->item_files[item]);
	}
}

static void deep_done(void *ctx, size_t item, const char *failure)
{
	struct deep_jobs *d = ctx;
	if (!failure)
		return;
	d->failed_files += d->item_files[item];
	fprintf(stderr, "deltaq: check --deep: %zu files not checked: %s\n", d->item_files[item],
		failure);
}

/* The paths and replay keys of s's files (borrowed), as the prefetch and stand-ins
 * take them; false when out of memory (nothing to free then). */
static bool paths_and_keys(const dq_snapshot *s, const char ***paths, const char ***keys)
{
	size_t n = dq_snapshot_num_files(s);
	*paths = malloc((n ? n : 1) * sizeof(**paths));
	*keys = malloc((n ? n : 1) * sizeof(**keys));
	if (!*paths || !*keys) {
		free(*paths);
		free(*keys);
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		(*paths)[i] = dq_snapshot_file(s, i)->path;
		(*keys)[i] = dq_snapshot_file(s, i)->key;
	}
	return true;
}

/*
 * The storage rules of s's files in `jobs` exec'd workers (0: one per CPU).  Closes s and
 * *t (joining the pool) before the first worker starts: a process never forks with live
 * threads.  Findings arrive in item order; workers' deaths are counted in *failed.
 */
static int deep_jobs(dq_table **t, dq_snapshot *s, const struct cli *cli, long jobs,
		     json_t *findings, size_t *failed)
{
	size_t nf = dq_snapshot_num_files(s), nitems = (nf + DEEP_ITEM_FILES - 1) / DEEP_ITEM_FILES;
	char **items = calloc(nitems ? nitems : 1, sizeof(*items));
	size_t *counts = calloc(nitems ? nitems : 1, sizeof(*counts));
	const char **paths = NULL, **keys = NULL;
	int rc = items && counts && paths_and_keys(s, &paths, &keys) ? EXIT_OK : EXIT_UNREADABLE;
	/* What the workers open: the table, or stand-ins for the files (and deletion vectors)
	 * of a table in an archive, so that no worker reads the archive again. */
	struct jobs_standins sti = { 0 };
	if (!rc && (rc = jobs_standins_open(*t, paths, keys, nf, &sti))) {
		dq_snapshot_close(s);
		free(items);
		free(counts);
		free(paths);
		free(keys);
		return rc;
	}
	free(paths);
	free(keys);
	const char *location = sti.st ? jobs_standins_location(&sti) : NULL;
	for (size_t i = 0; !rc && i < nitems; i++) {
		size_t from = i * DEEP_ITEM_FILES, to = from + DEEP_ITEM_FILES < nf ? from + DEEP_ITEM_FILES : nf;
		counts[i] = to - from;
		if (!(items[i] = deep_item(s, from, to)))
			rc = EXIT_UNREADABLE;
	}
	dq_snapshot_close(s);
	dq_table_close(*t);
	*t = NULL;
	if (!rc && nitems) {
		struct deep_jobs d = { .findings = findings, .item_files = counts };
		struct jobs_spec spec = {
			.kind = "check-deep", .table = location, .workers = jobs > 0 ? (unsigned)jobs : 0,
			.threads = cli->threads > 0 ? (unsigned)cli->threads : 0,
			.items = items, .nitems = nitems, .weights = counts, .ctx = &d,
			.record = deep_record, .done = deep_done,
		};
		int r = jobs_run(&spec);
		if (r > 0) {
			fputs("deltaq: check interrupted\n", stderr);
			jobs_standins_close(&sti);
			jobs_reraise(r);
		}
		if (r < 0)
			rc = EXIT_UNREADABLE;
		*failed = d.failed_files;
	}
	if (rc == EXIT_UNREADABLE && !(items && counts && location))
		fputs("deltaq: out of memory\n", stderr);
	for (size_t i = 0; items && i < nitems; i++)
		free(items[i]);
	free(items);
	free(counts);
	jobs_standins_close(&sti);
	return rc;
}

/* The deep rules over the latest snapshot's files; exit 4 when its file list is not
 * trustworthy, 3 when it cannot be built at all (the log rules say why).  With jobs >= 0
 * the per-file rules run in worker processes and *t is closed on return. */
static int deep_rules(dq_table **tp, json_t *findings, int64_t *version, const struct cli *cli,
		      long jobs, size_t *failed)
{
	dq_table *t = *tp;
	struct dq_error err = { 0 };
	dq_snapshot *s;
	struct dq_snapshot_request req = { .version = -1,
					   .need = DQ_NEED_FILES | DQ_NEED_ORDER | DQ_NEED_TOMBSTONES };
	if (dq_snapshot_open(t, &req, &s, &err)) {
		cli_warn("--deep: no data file was checked: %s", err.msg);
		return EXIT_OK;
	}
	if (dq_snapshot_require_files(s, &err)) {
		dq_snapshot_close(s);
		return cli_fail(&err);
	}
	*version = dq_snapshot_version(s);
	int rc = EXIT_OK;
	if (jobs >= 0) {
		/* Untracked files first: the walk needs the snapshot and the table. */
		if (dq_check_untracked(s, findings, &err)) {
			dq_snapshot_close(s);
			return cli_fail(&err);
		}
		return deep_jobs(tp, s, cli, jobs, findings, failed);
	}
	/* A table in an archive fetches every footer in one pass, and every deletion vector
	 * file in one more, not one pass per file. */
	const char **paths, **keys;
	if (!paths_and_keys(s, &paths, &keys)) {
		dq_snapshot_close(s);
		fputs("deltaq: out of memory\n", stderr);
		return EXIT_UNREADABLE;
	}
	int prc = dq_data_files_prefetch(t, paths, keys, dq_snapshot_num_files(s), &err);
	free(paths);
	free(keys);
	if (prc) {
		dq_snapshot_close(s);
		return cli_fail(&err);
	}
	/* On the table's pool, DEEP_CHUNK files at a time (what a batch holds per file is
	 * its inspection and error). */
	size_t n = dq_snapshot_num_files(s);
	const struct dq_file **chunk = malloc((n < DEEP_CHUNK ? n + 1 : DEEP_CHUNK) * sizeof(*chunk));
	if (!chunk) {
		fputs("deltaq: out of memory\n", stderr);
		rc = EXIT_UNREADABLE;
	}
	for (size_t i = 0; i < n && !rc; i += DEEP_CHUNK) {
		size_t k = n - i < DEEP_CHUNK ? n - i : DEEP_CHUNK;
		for (size_t j = 0; j < k; j++)
			chunk[j] = dq_snapshot_file(s, i + j);
		if (dq_check_data_files(t, chunk, k, *version, findings, &err))
			rc = cli_fail(&err);
	}
	free(chunk);
	if (!rc && dq_check_untracked(s, findings, &err))
		rc = cli_fail(&err);
	dq_snapshot_close(s);
	return rc;
}

int cmd_check(int argc, char **argv, struct cli *cli)
{
	const struct command *self = find_command("check");
	struct check_opts o = { 0 };
	int opt, rc = EXIT_OK;
	bool done = false;
	json_t *baseline = NULL, *findings = NULL;
	dq_table *t = NULL;
	char *location = NULL, *end;
	long jobs = -1;
	size_t failed = 0;
	o.ignore = calloc((size_t)argc + 1, sizeof(*o.ignore));
	if (!o.ignore)
		return EXIT_UNREADABLE;
	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS "j:", options_check, NULL)) != -1) {
		if (opt == 'o' && !strcmp(optarg, "junit")) {
			o.junit = true;
			cli->format = OUT_TEXT;
			continue;
		}
		if (opt == 'o')
			o.junit = false;
		if ((rc = cli_common(cli, self, opt, optarg, &done)) != -2 && rc != -1)
			goto out;
		rc = EXIT_OK;
		if (opt == 'j') {
			jobs = strtol(optarg, &end, 10);
			if (!*optarg || *end || jobs < 0 || jobs > 1024) {
				rc = cli_usage_error(cli, "--jobs takes a number from 0 to 1024, not '%s'", optarg);
				goto out;
			}
		} else if (opt == OPT_DEEP)
			o.deep = true;
		else if (opt == OPT_STRICT)
			o.strict = true;
		else if (opt == OPT_LIST_RULES)
			o.list = true;
		else if (opt == OPT_BASELINE)
			o.baseline = optarg;
		else if (opt == OPT_IGNORE) {
			if (!dq_check_rule(optarg)) {
				rc = cli_usage_error(cli, "--ignore: no rule '%s' (see --list-rules)", optarg);
				goto out;
			}
			o.ignore[o.nignore++] = optarg;
		}
	}
	if (o.list) {
		rc = argc > optind ? cli_usage_error(cli, "--list-rules takes no TABLE") : list_rules(cli, &o);
		goto out;
	}
	if (!o.junit && (cli->format == OUT_TSV || cli->format == OUT_CSV)) {
		rc = cli_usage_error(cli, "findings print as text, json, ndjson or junit");
		goto out;
	}
	if (jobs >= 0 && !o.deep) {
		rc = cli_usage_error(cli, "--jobs goes with --deep: only the storage rules run in workers");
		goto out;
	}
	if ((rc = cli_positional(cli, argc, argv, 1, "TABLE")))
		goto out;
	if (o.baseline && (rc = load_baseline(cli, o.baseline, &baseline)))
		goto out;
	const char *table = argv[optind];
	if ((rc = cli_open(cli, table, &t)))
		goto out;
	struct dq_error err = { 0 };
	int64_t version;
	if (dq_check_log(t, &findings, &version, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	if (!(location = strdup(dq_table_location(t)))) {
		rc = EXIT_UNREADABLE;
		goto out;
	}
	if (o.deep && (rc = deep_rules(&t, findings, &version, cli, jobs, &failed)))
		goto out;

	/* Filter, count, order. */
	size_t nrules, i, k;
	const struct dq_check_rule *rules = dq_check_rules(&nrules);
	bool ran[128] = { false };
	for (i = 0; i < nrules && i < 128; i++) {
		ran[i] = !rules[i].deep || o.deep;
		for (k = 0; k < o.nignore; k++)
			if (!strcmp(o.ignore[k], rules[i].id))
				ran[i] = false;
	}
	json_t *kept = json_array();
	size_t errors = 0, warnings = 0;
	json_t *f;
	json_array_foreach(findings, i, f) {
		const char *rule = json_string_value(json_object_get(f, "rule"));
		bool skip = false;
		for (k = 0; k < o.nignore; k++)
			skip = skip || !strcmp(o.ignore[k], rule);
		char *fp = baseline ? fingerprint(f) : NULL;
		if (fp && json_object_get(baseline, fp))
			skip = true;
		free(fp);
		if (skip)
			continue;
		json_array_append(kept, f);
		if (is_warning(f))
			warnings++;
		else
			errors++;
	}
	size_t n = json_array_size(kept);
	json_t **sorted = calloc(n ? n : 1, sizeof(*sorted));
	for (i = 0; i < n; i++)
		sorted[i] = json_array_get(kept, i);
	qsort(sorted, n, sizeof(*sorted), cmp_finding);
	json_t *ordered = json_array();
	for (i = 0; i < n; i++)
		json_array_append(ordered, sorted[i]);
	free(sorted);
	json_decref(kept);

	if (o.junit) {
		write_junit(location, ordered, &o, ran);
	} else if (cli->format == OUT_JSON) {
		out_json_doc(json_pack("{si so sI sI sI sO}", "schema_version", 1, "table",
				       dq_json_text(location), "version", (json_int_t)version, "errors",
				       (json_int_t)errors, "warnings", (json_int_t)warnings, "findings",
				       ordered));
	} else if (cli->format == OUT_NDJSON) {
		struct out out;
		out_begin(&out, OUT_NDJSON, finding_cols, 5, false);
		json_array_foreach(ordered, i, f)
			out_row(&out, json_incref(f));
		out_end(&out);
	} else {
		write_text(ordered, errors, warnings);
	}
	json_decref(ordered);
	rc = errors || failed || (o.strict && warnings) ? EXIT_FINDINGS : EXIT_OK;
out:
	free(location);
	json_decref(findings);
	json_decref(baseline);
	dq_table_close(t);
	free(o.ignore);
	return rc;
}
