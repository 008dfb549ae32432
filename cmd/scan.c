/*
 * scan.c - `deltaq scan TABLE`: reads the Parquet footer of every active data file and
 * reports, per partition, files, bytes, row groups and rows, and every place where a file
 * disagrees with the log (row count vs stats.numRecords, size vs the add's size, a file
 * that is missing or not readable Parquet).
 *
 * The partition is the unit of work and of failure.  In-process, the files go through the
 * table's pool in chunks; with --jobs N, each partition becomes a work item (the same
 * NDJSON line --list-partitions prints) run by an exec'd worker (jobs.c), and
 * scan_worker_item is what the worker does with it.  Both paths build a partition's record
 * with record_write, so the output is the same whichever ran it, and partitions are always
 * printed in one order: by their partition values' JSON text.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "jobs.h"

const char usage_scan[] =
	"usage: deltaq scan [options] TABLE\n"
	"\n"
	"Read the Parquet footer of every active data file and report per partition: files,\n"
	"bytes, row groups, rows, and mismatches with the log (rows vs numRecords, size vs\n"
	"the file's size, a missing or unreadable file).  Exit 1 when any partition has\n"
	"mismatches or could not be scanned.\n"
	"\n"
	"  -j, --jobs N           scan in N worker processes (0: one per CPU available);\n"
	"                         each gets max(1, CPUs / N) threads unless --threads\n"
	"      --list-partitions  print the partitions as NDJSON work items and exit\n"
	"      --partition SPEC   scan one partition: a work item line --list-partitions\n"
	"                         printed, its partition_values object, or - for work\n"
	"                         items on standard input, one per line\n"
	TABLE_USAGE;

enum { OPT_LIST = 2000, OPT_PARTITION };

const struct option options_scan[] = {
	TABLE_OPTIONS,
	{ "jobs", required_argument, NULL, 'j' },
	{ "list-partitions", no_argument, NULL, OPT_LIST },
	{ "partition", required_argument, NULL, OPT_PARTITION },
	{ NULL, 0, NULL, 0 },
};

struct sfile {
	const char *path;       /* borrowed from the snapshot or a work item */
	int64_t size, num_records;
	const char *pv;         /* its partition's normalised values text (grouping only) */
};

struct part {
	char *pv;               /* partition values, compact JSON text (new) */
	struct sfile *files;    /* borrowed slice of scan.files */
	size_t nfiles;
	size_t off;             /* index of files[0] in scan.files (work items) */
	int64_t version;        /* snapshot version, -1 when the work item had none */
	json_t *rec;            /* the result record, once scanned */
	char *raw;              /* or its text, as record_write wrote it (see settle) */
	size_t rawlen;
	char *item;             /* a work item's text its files' paths point into (new) */
};

struct scan {
	struct cli *cli;
	struct sfile *files;
	size_t nfiles, files_cap;  /* files_cap: work items' files (files_reserve) */
	struct part *parts;
	size_t nparts;
	json_t *items_json;     /* parsed work items the sfile paths point into */
	char **items;           /* with --jobs: each partition's work item, in items_text */
	char *items_text;
	/* progress bar (stderr is a terminal) */
	bool progress;
	size_t done;
	double last;
};

/* ---- partitions and work items ------------------------------------------------------ */

/* Compact JSON text of a partition-values object, keys in their order (new). */
static char *pv_text(const json_t *pv)
{
	return json_dumps(pv, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
}

static int cmp_pv_path(const void *a, const void *b)
{
	const struct sfile *x = a, *y = b;
	int c = x->pv == y->pv ? 0 : strcmp(x->pv, y->pv);
	return c ? c : strcmp(x->path, y->path);
}

static int cmp_part(const void *a, const void *b)
{
	return strcmp(((const struct part *)a)->pv, ((const struct part *)b)->pv);
}

static void part_free_all(struct scan *sc)
{
	for (size_t i = 0; i < sc->nparts; i++) {
		free(sc->parts[i].pv);
		json_decref(sc->parts[i].rec);
		free(sc->parts[i].raw);
		free(sc->parts[i].item);
	}
	free(sc->parts);
	sc->parts = NULL;
	sc->nparts = 0;
}

/* Groups sc->files (pv set: compact texts, equal for equal values) into sc->parts,
 * sorted by values then path. */
static int group(struct scan *sc, int64_t version)
{
	qsort(sc->files, sc->nfiles, sizeof(*sc->files), cmp_pv_path);
	size_t cap = 16;
	sc->parts = malloc(cap * sizeof(*sc->parts));
	if (!sc->parts)
		return -1;
	for (size_t i = 0; i < sc->nfiles;) {
		size_t j = i + 1;
		while (j < sc->nfiles && !strcmp(sc->files[j].pv, sc->files[i].pv))
			j++;
		if (sc->nparts == cap) {
			struct part *p = realloc(sc->parts, 2 * cap * sizeof(*p));
			if (!p)
				return -1;
			sc->parts = p;
			cap *= 2;
		}
		char *pv = strdup(sc->files[i].pv);
		if (!pv)
			return -1;
		sc->parts[sc->nparts++] = (struct part){ .pv = pv, .files = &sc->files[i],
							 .nfiles = j - i, .version = version };
		i = j;
	}
	return 0;
}

/* The partitions of a snapshot.  The library writes each file's partition values as one
 * compact text per distinct set of values (deltaq.h), so equal texts are equal values. */
static int parts_from_snapshot(struct scan *sc, const dq_snapshot *s)
{
	size_t n = dq_snapshot_num_files(s);
	sc->files = calloc(n ? n : 1, sizeof(*sc->files));
	if (!sc->files)
		return -1;
	sc->files_cap = n ? n : 1;
	for (size_t i = 0; i < n; i++) {
		const struct dq_file *f = dq_snapshot_file(s, i);
		sc->files[i] = (struct sfile){ f->path, f->size, f->num_records, f->partition_values };
	}
	sc->nfiles = n;
	return group(sc, dq_snapshot_version(s));
}

/* A new partition at the end of sc->parts (pv: new text, owned by it), or NULL. */
static struct part *part_add(struct scan *sc, char *pv, int64_t version)
{
	struct part *np = pv ? realloc(sc->parts, (sc->nparts + 1) * sizeof(*np)) : NULL;
	if (!np) {
		free(pv);
		return NULL;
	}
	sc->parts = np;
	np[sc->nparts] = (struct part){ .pv = pv, .off = sc->nfiles, .version = version };
	return &np[sc->nparts++];
}

/* Room in sc->files for n more files (and one spare), growing it by doubling; -1 when
 * out of memory. */
static int files_reserve(struct scan *sc, size_t n)
{
	if (sc->nfiles + n + 1 <= sc->files_cap)
		return 0;
	size_t cap = 2 * sc->files_cap > sc->nfiles + n + 1 ? 2 * sc->files_cap : sc->nfiles + n + 1;
	struct sfile *f = realloc(sc->files, cap * sizeof(*f));
	if (!f)
		return -1;
	sc->files = f;
	sc->files_cap = cap;
	return 0;
}

/*
 * Parses one work item into a partition of its own (files appended to sc->files; the
 * part's files pointer is set by items_done once all items are in).  Its JSON is kept
 * alive in sc->items_json (it steals `it`): the paths point into it.
 */
static int parse_item_json(struct scan *sc, json_t *it, const char **why)
{
	json_t *pv = json_object_get(it, "partition_values"), *files = json_object_get(it, "files");
	json_t *ver = json_object_get(it, "version");
	if (!json_is_object(pv) || !json_is_array(files)) {
		*why = "not a work item (it needs partition_values and files)";
		json_decref(it);
		return -1;
	}
	json_array_append_new(sc->items_json, it);
	struct part *p = part_add(sc, pv_text(pv), json_is_integer(ver) ? json_integer_value(ver) : -1);
	size_t i, n = json_array_size(files);
	json_t *x;
	if (!p || files_reserve(sc, n))
		return -1;
	json_array_foreach(files, i, x) {
		const char *path = json_string_value(json_object_get(x, "path"));
		json_t *size = json_object_get(x, "size"), *nr = json_object_get(x, "num_records");
		if (!path || !json_is_integer(size) || (nr && !json_is_integer(nr) && !json_is_null(nr))) {
			*why = "a file of the work item lacks path or size";
			return -1;
		}
		sc->files[sc->nfiles++] = (struct sfile){ path, json_integer_value(size),
							  json_is_integer(nr) ? json_integer_value(nr) : -1, p->pv };
		p->nfiles++;
	}
	return 0;
}

/* ---- work items as item_write writes them, read without jansson ---- */

/* A byte a JSON string holds as itself, and that every writer of ours writes so. */
static bool plain_byte(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

/* A flat object of plain strings or nulls, compact, no key twice, at *p: its end.  Such
 * a text is already as pv_text would write it. */
static char *plain_pv_end(char *p)
{
	enum { MAX_KEYS = 32 };
	const char *keys[MAX_KEYS];
	size_t lens[MAX_KEYS], n = 0;
	if (*p++ != '{')
		return NULL;
	if (*p == '}')
		return p + 1;
	for (;;) {
		if (n == MAX_KEYS || *p++ != '"')
			return NULL;
		const char *k = p;
		while (plain_byte((unsigned char)*p))
			p++;
		size_t klen = (size_t)(p - k);
		for (size_t i = 0; i < n; i++)
			if (lens[i] == klen && !memcmp(keys[i], k, klen))
				return NULL;
		keys[n] = k;
		lens[n++] = klen;
		if (*p++ != '"' || *p++ != ':')
			return NULL;
		if (*p == '"') {
			p++;
			while (plain_byte((unsigned char)*p))
				p++;
			if (*p++ != '"')
				return NULL;
		} else if (strncmp(p, "null", 4) == 0) {
			p += 4;
		} else {
			return NULL;
		}
		if (*p == '}')
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

/*
 * parse_item_json's work without jansson, for an item exactly as item_write writes it
 * with plain partition values (printable ASCII, unescaped; paths may hold any bytes, as
 * json_put_raw writes them): the common case, and what a worker receives a few hundred
 * times a second.  1 when parsed (the part owns a copy of the text the paths point
 * into), 0 when the text has another shape (nothing changed), -1 when out of memory.
 */
static int parse_item_plain(struct scan *sc, const char *line, size_t len)
{
	if (memchr(line, '\0', len)) /* not JSON: jansson says why */
		return 0;
	char *buf = strndup(line, len), *p = buf, *pv, *pv_end;
	int64_t version, size, nr;
	size_t nfiles = sc->nfiles, nparts = sc->nparts;
	if (!buf)
		return -1;
	if (!jr_lit(&p, "{\"version\":") || !jr_int(&p, true, &version) ||
	    !jr_lit(&p, ",\"partition_values\":") || !(pv_end = plain_pv_end(pv = p)))
		goto other;
	p = pv_end;
	if (!jr_lit(&p, ",\"files\":["))
		goto other;
	char *pvt = strndup(pv, (size_t)(pv_end - pv));
	struct part *part = part_add(sc, pvt, version);
	if (!part) {
		free(buf);
		return -1;
	}
	while (*p != ']') {
		char *path;
		if ((sc->nfiles > nfiles && !jr_lit(&p, ",")) || !jr_lit(&p, "{\"path\":") ||
		    !(path = jr_string(&p)) || !jr_lit(&p, ",\"size\":") || !jr_int(&p, false, &size) ||
		    !jr_lit(&p, ",\"num_records\":") || !jr_int(&p, true, &nr) || !jr_lit(&p, "}"))
			goto other;
		if (files_reserve(sc, 1)) {
			part->item = buf; /* its files' paths point into it */
			return -1;
		}
		sc->files[sc->nfiles++] = (struct sfile){ path, size, nr, part->pv };
		part->nfiles++;
	}
	if (strcmp(p, "]}"))
		goto other;
	part->item = buf;
	return 1;
other:
	/* Back to how it was: the jansson path reads it. */
	while (sc->nparts > nparts)
		free(sc->parts[--sc->nparts].pv);
	sc->nfiles = nfiles;
	free(buf);
	return 0;
}

/* A work item line: parse_item_plain, or through jansson when its shape is another. */
static int parse_item(struct scan *sc, const char *line, size_t len, const char **why)
{
	int r = parse_item_plain(sc, line, len);
	if (r)
		return r > 0 ? 0 : -1;
	static json_error_t je; /* *why may point into it */
	json_t *it = json_loadb(line, len, 0, &je);
	if (!it) {
		*why = je.text;
		return -1;
	}
	return parse_item_json(sc, it, why);
}

/* Points the parts parse_item made at their files, now that sc->files no longer moves. */
static void items_done(struct scan *sc)
{
	for (size_t i = 0; i < sc->nparts; i++)
		sc->parts[i].files = sc->files + sc->parts[i].off;
}

/* The work item of a partition, {"version","partition_values","files":[{path,size,
 * num_records}]}, written directly: through jansson, building the 500 items of a
 * 500-partition table took longer than replaying its log. */
static void item_write(FILE *fp, const struct part *p)
{
	fputs("{\"version\":", fp);
	json_put_int_or_null(fp, p->version, p->version >= 0);
	fputs(",\"partition_values\":", fp);
	fputs(p->pv, fp);
	fputs(",\"files\":[", fp);
	for (size_t i = 0; i < p->nfiles; i++) {
		const struct sfile *f = &p->files[i];
		fputs(i ? ",{\"path\":" : "{\"path\":", fp);
		json_put_raw(fp, f->path);
		fputs(",\"size\":", fp);
		json_put_int(fp, f->size);
		fputs(",\"num_records\":", fp);
		json_put_int_or_null(fp, f->num_records, f->num_records >= 0);
		putc('}', fp);
	}
	fputs("]}", fp);
}

/* ---- scanning ------------------------------------------------------------------------ */

/* One mismatch of record_write: {"path","what","log","file"}; log and file are numbers,
 * or null when lnull / fnull, or file a string when fstr is set. */
static void mismatch_write(FILE *fp, bool *first, const char *path, const char *what,
			   int64_t log, bool lnull, int64_t file, bool fnull, const char *fstr)
{
	fputs(*first ? "{\"path\":" : ",{\"path\":", fp);
	*first = false;
	json_put_string(fp, path);
	fprintf(fp, ",\"what\":\"%s\",\"log\":", what);
	json_put_int_or_null(fp, log, !lnull);
	fputs(",\"file\":", fp);
	if (fstr)
		json_put_string(fp, fstr);
	else
		json_put_int_or_null(fp, file, !fnull);
	putc('}', fp);
}

/*
 * A partition's record from its files and what inspecting each gave, written as compact
 * JSON: {"partition_values","num_files","size_bytes","row_groups","num_rows",
 * "mismatches":[{"path","what","log","file"}],"error":null}.  pv is compact JSON text as
 * pv_text writes it.  Written directly rather than built in jansson: a worker writes
 * hundreds a second, and settle() copies the clean ones to the output as they are.
 */
static void record_write(FILE *fp, const char *pv, const struct sfile *f, size_t n,
			 const struct dq_data_file *d, const struct dq_error *e)
{
	int64_t bytes = 0, groups = 0, rows = 0;
	for (size_t i = 0; i < n; i++) {
		bytes += d[i].size >= 0 ? d[i].size : 0;
		groups += d[i].row_groups >= 0 ? d[i].row_groups : 0;
		rows += d[i].num_rows >= 0 ? d[i].num_rows : 0;
	}
	fputs("{\"partition_values\":", fp);
	fputs(pv, fp);
	fputs(",\"num_files\":", fp);
	json_put_int(fp, (int64_t)n);
	fputs(",\"size_bytes\":", fp);
	json_put_int(fp, bytes);
	fputs(",\"row_groups\":", fp);
	json_put_int(fp, groups);
	fputs(",\"num_rows\":", fp);
	json_put_int(fp, rows);
	fputs(",\"mismatches\":[", fp);
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		if (e[i].code == DQ_EIO && e[i].sys_errno == ENOENT) {
			mismatch_write(fp, &first, f[i].path, "missing", f[i].size, false, 0, true, NULL);
			continue;
		}
		if (d[i].size >= 0 && d[i].size != f[i].size)
			mismatch_write(fp, &first, f[i].path, "size", f[i].size, false, d[i].size, false, NULL);
		if (e[i].code) {
			mismatch_write(fp, &first, f[i].path, "unreadable", 0, true, 0, false,
				       e[i].msg[0] ? e[i].msg : dq_strerror(e[i].code));
			continue;
		}
		if (f[i].num_records >= 0 && d[i].num_rows != f[i].num_records)
			mismatch_write(fp, &first, f[i].path, "rows", f[i].num_records, false,
				       d[i].num_rows, false, NULL);
	}
	fputs("],\"error\":null}", fp);
}

static json_t *failed_record(const struct part *p, const char *why)
{
	json_t *pvo = json_loads(p->pv, 0, NULL);
	return json_pack("{s:o, s:I, s:n, s:n, s:n, s:[], s:o}", "partition_values",
			 pvo ? pvo : json_object(), "num_files", (json_int_t)p->nfiles, "size_bytes",
			 "row_groups", "num_rows", "mismatches", "error", dq_json_text(why));
}

/* Inspects files[0..n) (dq_data_files_inspect: on t's pool unless few); d and e are new
 * arrays.  0 or a dq code in *err. */
static int inspect(dq_table *t, const struct sfile *files, size_t n, struct dq_data_file **d,
		   struct dq_error **e, struct dq_error *err)
{
	const char **paths = malloc((n ? n : 1) * sizeof(*paths));
	*d = calloc(n ? n : 1, sizeof(**d));
	*e = calloc(n ? n : 1, sizeof(**e));
	if (!paths || !*d || !*e) {
		free(paths);
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return err->code = DQ_ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		paths[i] = files[i].path;
	int rc = dq_data_files_inspect(t, paths, n, true, *d, *e, err);
	free(paths);
	return rc;
}

int scan_worker_item(dq_table *t, const char *item, size_t len, struct jobs_emitter *em)
{
	struct scan sc = { .items_json = json_array() };
	const char *why = "out of memory";
	if (parse_item(&sc, item, len, &why)) {
		fprintf(stderr, "deltaq: worker: %s\n", why);
		part_free_all(&sc);
		free(sc.files);
		json_decref(sc.items_json);
		return EXIT_USAGE;
	}
	items_done(&sc);
	struct part *p = &sc.parts[0];
	struct dq_data_file *d;
	struct dq_error *e, err = { 0 };
	int rc = inspect(t, p->files, p->nfiles, &d, &e, &err);
	if (rc) {
		rc = cli_fail(&err);
	} else {
		record_write(jobs_record_begin(em), p->pv, p->files, p->nfiles, d, e);
		if (jobs_record_end(em))
			rc = EXIT_UNREADABLE;
	}
	free(d);
	free(e);
	part_free_all(&sc);
	free(sc.files);
	json_decref(sc.items_json);
	return rc;
}

/* ---- progress ------------------------------------------------------------------------ */

static void progress(struct scan *sc, bool force)
{
	if (!sc->progress || (!force && jobs_now_ms() - sc->last < 100))
		return;
	sc->last = jobs_now_ms();
	size_t total = sc->nparts ? sc->nparts : 1, width = 30, fill = sc->done * width / total;
	char bar[32];
	memset(bar, '=', fill);
	memset(bar + fill, ' ', width - fill);
	bar[width] = '\0';
	fprintf(stderr, "\rdeltaq scan: [%s] %zu/%zu partitions", bar, sc->done, sc->nparts);
}

static void progress_end(struct scan *sc)
{
	if (sc->progress)
		fputs("\r\033[K", stderr);
}

/* In this process: chunks of about 1024 files through the pool, partition by partition. */
static int scan_here(struct scan *sc, dq_table *t)
{
	for (size_t i = 0; i < sc->nparts;) {
		size_t j = i, n = 0;
		while (j < sc->nparts && (n < 1024 || j == i))
			n += sc->parts[j++].nfiles;
		struct sfile *chunk = malloc((n ? n : 1) * sizeof(*chunk));
		if (!chunk) {
			progress_end(sc);
			fprintf(stderr, "deltaq: out of memory\n");
			return EXIT_UNREADABLE;
		}
		for (size_t k = i, off = 0; k < j; off += sc->parts[k].nfiles, k++)
			memcpy(chunk + off, sc->parts[k].files, sc->parts[k].nfiles * sizeof(*chunk));
		struct dq_data_file *d;
		struct dq_error *e, err = { 0 };
		int rc = inspect(t, chunk, n, &d, &e, &err);
		free(chunk);
		if (rc) {
			free(d);
			free(e);
			progress_end(sc);
			return cli_fail(&err);
		}
		for (size_t k = i, off = 0; k < j && !rc; off += sc->parts[k].nfiles, k++) {
			struct part *p = &sc->parts[k];
			struct text_stream ts;
			FILE *fp = text_open(&ts);
			if (fp)
				record_write(fp, p->pv, p->files, p->nfiles, d + off, e + off);
			if (!fp || !(p->raw = text_close(&ts)))
				rc = EXIT_UNREADABLE;
			else
				p->rawlen = strlen(p->raw);
		}
		free(d);
		free(e);
		if (rc) {
			progress_end(sc);
			fprintf(stderr, "deltaq: out of memory\n");
			return rc;
		}
		sc->done = j;
		progress(sc, false);
		i = j;
	}
	return EXIT_OK;
}

static void on_record(void *ctx, size_t item, const char *rec, size_t len)
{
	struct part *p = &((struct scan *)ctx)->parts[item];
	free(p->raw);
	p->rawlen = len;
	if (!(p->raw = strndup(rec, len)))
		p->rawlen = 0; /* on_done fails it */
}

static void on_done(void *ctx, size_t item, const char *failure)
{
	struct scan *sc = ctx;
	struct part *p = &sc->parts[item];
	if (failure || !p->raw) {
		free(p->raw);
		p->raw = NULL;
		p->rec = failed_record(p, failure ? failure : p->rawlen ? "out of memory" : "worker sent no record");
	}
	sc->done++;
}

/*
 * The records (record_write's text, here or in a worker) as output needs them.  A clean
 * partition's record (no mismatches, no error: it ends so, as record_write writes it)
 * stays text when the output is json or ndjson, which copies it; every other record is
 * parsed.  On a large scan nearly every record is clean, and parsing and re-printing
 * them was most of what the supervisor did.
 */
static void settle(struct scan *sc, enum out_format fmt)
{
	static const char clean[] = ",\"mismatches\":[],\"error\":null}";
	size_t n = sizeof(clean) - 1;
	bool copy = fmt == OUT_JSON || fmt == OUT_NDJSON;
	for (size_t i = 0; i < sc->nparts; i++) {
		struct part *p = &sc->parts[i];
		if (!p->raw)
			continue;
		if (copy && p->rawlen > n && !memcmp(p->raw + p->rawlen - n, clean, n))
			continue;
		json_t *r = json_loadb(p->raw, p->rawlen, 0, NULL);
		p->rec = json_is_object(r) ? r : failed_record(p, "worker sent a record that is not JSON");
		if (r && p->rec != r)
			json_decref(r);
		free(p->raw);
		p->raw = NULL;
	}
}

static void on_tick(void *ctx)
{
	progress(ctx, false);
}

/* The work item of every partition: one text, sc->items_text, the items NUL-separated in
 * it and sc->items[i] pointing at each (one stream, not one per item).  -1 when out of
 * memory. */
static int build_items(struct scan *sc)
{
	struct text_stream ts;
	FILE *fp = text_open(&ts);
	size_t *off = malloc((sc->nparts ? sc->nparts : 1) * sizeof(*off));
	for (size_t i = 0; fp && off && i < sc->nparts; i++) {
		off[i] = (size_t)ftell(fp);
		item_write(fp, &sc->parts[i]);
		putc('\0', fp);
	}
	if (!fp || !off || !(sc->items_text = text_close(&ts))) {
		if (fp && !off)
			free(text_close(&ts));
		free(off);
		fprintf(stderr, "deltaq: out of memory writing work items\n");
		return -1;
	}
	for (size_t i = 0; i < sc->nparts; i++)
		sc->items[i] = sc->items_text + off[i];
	free(off);
	return 0;
}

/*
 * With --jobs: the items are written, the table's pool is joined (no thread of ours is
 * alive while workers are spawned), and the snapshot is freed only after the run.
 */
static int scan_jobs(struct scan *sc, struct jobs_standins *sti, unsigned jobs)
{
	int rc = EXIT_OK;
	const char *location = jobs_standins_location(sti);
	/* A partition costs a footer read per file, and about one more for the item itself. */
	size_t *weights = malloc((sc->nparts ? sc->nparts : 1) * sizeof(*weights));
	for (size_t i = 0; weights && i < sc->nparts; i++)
		weights[i] = sc->parts[i].nfiles + 1;
	struct jobs_spec spec = {
		.kind = "scan", .table = location, .workers = jobs,
		.threads = sc->cli->threads > 0 ? (unsigned)sc->cli->threads : 0,
		.items = sc->items, .nitems = sc->nparts, .weights = weights, .ctx = sc,
		.record = on_record, .done = on_done, .tick = sc->progress ? on_tick : NULL,
	};
	int r = jobs_run(&spec);
	free(weights);
	progress_end(sc);
	if (r > 0) {
		fprintf(stderr, "deltaq: scan interrupted: %zu of %zu partitions done\n", sc->done,
			sc->nparts);
		jobs_standins_close(sti);
		jobs_reraise(r);
	}
	if (r < 0)
		rc = EXIT_UNREADABLE;
	return rc;
}

/* ---- output -------------------------------------------------------------------------- */

static void text_details(const struct scan *sc)
{
	bool first = true;
	for (size_t i = 0; i < sc->nparts; i++) {
		const json_t *r = sc->parts[i].rec;
		const char *err = json_string_value(json_object_get(r, "error"));
		size_t k;
		json_t *m;
		if (err || json_array_size(json_object_get(r, "mismatches"))) {
			fputs(first ? "\n" : "", stdout);
			first = false;
		}
		if (err) {
			char *pv = out_cell_text(json_object_get(r, "partition_values"));
			printf("partition %s: failed: %s\n", pv ? pv : "-", err);
			free(pv);
		}
		json_array_foreach(json_object_get(r, "mismatches"), k, m) {
			const char *what = json_string_value(json_object_get(m, "what"));
			const char *path = json_string_value(json_object_get(m, "path"));
			json_t *log = json_object_get(m, "log"), *file = json_object_get(m, "file");
			if (!strcmp(what, "unreadable"))
				printf("%s: unreadable: %s\n", path, json_string_value(file));
			else if (!strcmp(what, "missing"))
				printf("%s: missing: log %lld bytes, no file\n", path,
				       (long long)json_integer_value(log));
			else
				printf("%s: %s: log %lld, file %lld\n", path, what,
				       (long long)json_integer_value(log), (long long)json_integer_value(file));
		}
	}
}

static int output(const struct scan *sc, enum out_format fmt)
{
	static const struct out_col text_cols[] = {
		{ "partition_values", "PARTITION", 0 },
		{ "num_files", "FILES", COL_RIGHT },
		{ "size_bytes", "BYTES", COL_RIGHT },
		{ "row_groups", "ROW_GROUPS", COL_RIGHT },
		{ "num_rows", "ROWS", COL_RIGHT },
		{ "mismatch_count", "MISMATCHES", COL_RIGHT },
	};
	static const struct out_col cols[] = {
		{ "partition_values", NULL, 0 },
		{ "num_files", NULL, 0 },
		{ "size_bytes", NULL, 0 },
		{ "row_groups", NULL, 0 },
		{ "num_rows", NULL, 0 },
		{ "mismatches", NULL, 0 },
		{ "error", NULL, 0 },
	};
	struct out o;
	bool text = fmt == OUT_TEXT;
	out_begin(&o, fmt, text ? text_cols : cols, text ? 6 : 7, false);
	int64_t t[5] = { 0 };
	for (size_t i = 0; i < sc->nparts; i++) {
		json_t *r = sc->parts[i].rec;
		if (!text) {
			if (sc->parts[i].raw)
				out_row_text(&o, sc->parts[i].raw, sc->parts[i].rawlen);
			else
				out_row(&o, json_incref(r));
			continue;
		}
		json_t *row = json_deep_copy(r);
		const char *err = json_string_value(json_object_get(r, "error"));
		size_t nm = json_array_size(json_object_get(r, "mismatches"));
		json_object_set_new(row, "mismatch_count", err ? json_string("failed") : json_integer((json_int_t)nm));
		static const char *const keys[] = { "num_files", "size_bytes", "row_groups", "num_rows" };
		for (int k = 0; k < 4; k++)
			t[k] += json_integer_value(json_object_get(r, keys[k]));
		t[4] += (int64_t)nm;
		out_row(&o, row);
	}
	if (text)
		out_row(&o, json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "partition_values", "total",
				      "num_files", (json_int_t)t[0], "size_bytes", (json_int_t)t[1],
				      "row_groups", (json_int_t)t[2], "num_rows", (json_int_t)t[3],
				      "mismatch_count", (json_int_t)t[4]));
	int rc = out_end(&o);
	if (text)
		text_details(sc);
	return rc;
}

/* The exit status, with a summary on stderr when something is wrong. */
static int verdict(const struct scan *sc)
{
	size_t mm = 0, bad = 0, failed = 0;
	for (size_t i = 0; i < sc->nparts; i++) {
		const json_t *r = sc->parts[i].rec; /* NULL: a clean record kept as text */
		size_t n = json_array_size(json_object_get(r, "mismatches"));
		mm += n;
		bad += n > 0;
		failed += json_is_string(json_object_get(r, "error"));
	}
	/* The data first: where stdout and stderr meet (2>&1, a CI log), the summary
	 * follows the table instead of coming before the buffered part of it. */
	if (mm || failed)
		fflush(stdout);
	if (mm)
		fprintf(stderr, "deltaq: scan: %zu mismatch%s in %zu of %zu partition%s\n", mm,
			mm == 1 ? "" : "es", bad, sc->nparts, sc->nparts == 1 ? "" : "s");
	if (failed)
		fprintf(stderr, "deltaq: scan: %zu of %zu partition%s could not be scanned\n", failed,
			sc->nparts, sc->nparts == 1 ? "" : "s");
	return mm || failed ? EXIT_FINDINGS : EXIT_OK;
}

/* ---- the command ---------------------------------------------------------------------- */

/* Reads work items, one per line, from stdin into sc. */
static int items_from_stdin(struct scan *sc)
{
	char *line = NULL;
	size_t cap = 0, no = 0;
	ssize_t len;
	int rc = EXIT_OK;
	while ((len = getline(&line, &cap, stdin)) > 0) {
		no++;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (!len)
			continue;
		const char *why = "out of memory";
		if (parse_item(sc, line, (size_t)len, &why)) {
			fprintf(stderr, "deltaq scan: standard input line %zu: %s\n", no, why);
			rc = EXIT_USAGE;
			break;
		}
	}
	free(line);
	return rc;
}

int cmd_scan(int argc, char **argv, struct cli *cli)
{
	const struct command *self = find_command("scan");
	int opt, rc;
	bool done = false, list = false;
	long jobs = -1;
	const char *spec = NULL;
	char *end;
	while ((opt = getopt_long(argc, argv, COMMON_SHORTOPTS "j:", options_scan, NULL)) != -1) {
		if ((rc = cli_common(cli, self, opt, optarg, &done)) != -2 && rc != -1)
			return rc;
		if (opt == 'j') {
			jobs = strtol(optarg, &end, 10);
			if (!*optarg || *end || jobs < 0 || jobs > 1024)
				return cli_usage_error(cli, "--jobs takes a number from 0 to 1024, not '%s'", optarg);
		} else if (opt == OPT_LIST) {
			list = true;
		} else if (opt == OPT_PARTITION) {
			spec = optarg;
		}
	}
	if ((rc = cli_positional(cli, argc, argv, 1, "TABLE")))
		return rc;
	if (list && spec)
		return cli_usage_error(cli, "--list-partitions and --partition do not go together");
	if (list && cli->format != OUT_TEXT && cli->format != OUT_NDJSON)
		return cli_usage_error(cli, "--list-partitions prints NDJSON work items: only -o ndjson "
				       "goes with it");

	struct scan sc = { .cli = cli, .items_json = json_array() };
	sc.progress = !list && cli_progress_wanted();
	json_t *want = NULL;   /* --partition VALUES: the partition to keep */
	dq_table *t = NULL;
	dq_snapshot *s = NULL;
	int plain = spec && strcmp(spec, "-") ? parse_item_plain(&sc, spec, strlen(spec)) : 0;
	if (plain < 0)
		goto oom;
	if (plain > 0) {
		/* a work item line as --list-partitions printed it */
	} else if (spec && strcmp(spec, "-")) {
		json_error_t je;
		json_t *v = json_loads(spec, 0, &je);
		if (!json_is_object(v)) {
			json_decref(v);
			rc = cli_usage_error(cli, "--partition takes a work item line from --list-partitions, "
					     "a partition_values object or -, not '%s'", spec);
			goto out;
		}
		if (json_object_get(v, "files")) {
			const char *why = "out of memory";
			json_decref(v);
			if (parse_item(&sc, spec, strlen(spec), &why)) {
				rc = cli_usage_error(cli, "--partition: %s", why);
				goto out;
			}
		} else {
			want = v;
		}
	} else if (spec) {
		if ((rc = items_from_stdin(&sc)))
			goto out;
	}

	if (spec && !want) {
		/* Work items name their files: no log replay, the table is only opened. */
		if ((rc = cli_open(cli, argv[optind], &t)))
			goto out;
		items_done(&sc);
	} else {
		if ((rc = cli_snapshot(cli, argv[optind], cli->at, DQ_NEED_FILES, true, &t, &s)))
			goto out;
		if (parts_from_snapshot(&sc, s)) {
			rc = EXIT_UNREADABLE;
			goto oom;
		}
		if (want) {
			size_t keep = sc.nparts;
			for (size_t i = 0; i < sc.nparts; i++) {
				json_t *pv = json_loads(sc.parts[i].pv, 0, NULL);
				if (json_equal(pv, want))
					keep = i;
				json_decref(pv);
			}
			if (keep == sc.nparts) {
				rc = cli_usage_error(cli, "--partition: no partition %s at version %lld", spec,
						     (long long)dq_snapshot_version(s));
				goto out;
			}
			struct part p = sc.parts[keep];
			sc.parts[keep] = sc.parts[0];
			sc.parts[0] = p;
			for (size_t i = 1; i < sc.nparts; i++)
				free(sc.parts[i].pv);
			sc.nparts = 1;
		}
	}
	qsort(sc.parts, sc.nparts, sizeof(*sc.parts), cmp_part);

	if (list) {
		for (size_t i = 0; i < sc.nparts; i++) {
			item_write(stdout, &sc.parts[i]);
			putchar('\n');
		}
		rc = ferror(stdout) ? EXIT_UNREADABLE : EXIT_OK;
		goto out;
	}

	progress(&sc, true);
	const char **paths = malloc((sc.nfiles ? sc.nfiles : 1) * sizeof(*paths));
	if (!paths)
		goto oom;
	for (size_t i = 0; i < sc.nfiles; i++)
		paths[i] = sc.files[i].path;
	if (jobs >= 0) {
		/* What the workers open: the table, or stand-ins for the files of a table in an
		 * archive, so that no worker reads the archive again. */
		struct jobs_standins sti;
		struct dq_error err = { 0 };
		rc = jobs_standins_open(t, paths, NULL, sc.nfiles, &sti);
		free(paths);
		if (rc) {
			progress_end(&sc);
			goto out;
		}
		/* The workers replay nothing, and no thread of ours may be alive while they
		 * are spawned: the pool is joined.  Freeing the snapshot waits until after
		 * the run (the workers started 0.1 ms later when it came first). */
		if (!(sc.items = calloc(sc.nparts ? sc.nparts : 1, sizeof(*sc.items)))) {
			jobs_standins_close(&sti);
			progress_end(&sc);
			goto oom;
		}
		if (build_items(&sc)) {
			jobs_standins_close(&sti);
			progress_end(&sc);
			rc = EXIT_UNREADABLE;
			goto out;
		}
		if (dq_table_stop_threads(t, &err)) {
			jobs_standins_close(&sti);
			progress_end(&sc);
			rc = cli_fail(&err);
			goto out;
		}
		rc = scan_jobs(&sc, &sti, (unsigned)jobs);
		jobs_standins_close(&sti);
		settle(&sc, cli->format);
	} else {
		/* A table in an archive fetches every footer in one pass, not one per chunk. */
		struct dq_error err = { 0 };
		rc = dq_data_files_prefetch(t, paths, NULL, sc.nfiles, &err) ? cli_fail(&err)
									    : scan_here(&sc, t);
		free(paths);
		progress_end(&sc);
		settle(&sc, cli->format);
	}
	if (rc)
		goto out;
	if ((rc = output(&sc, cli->format)) == EXIT_OK)
		rc = verdict(&sc);
	goto out;
oom:
	fprintf(stderr, "deltaq: out of memory\n");
	rc = EXIT_UNREADABLE;
out:
	free(sc.items_text);
	free(sc.items);
	json_decref(want);
	part_free_all(&sc);
	free(sc.files);
	dq_snapshot_close(s);
	dq_table_close(t);
	json_decref(sc.items_json);
	return rc;
}
