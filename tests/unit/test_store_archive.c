/*
 * test_store_archive.c - the archive storage backend (lib/store_archive.c) on archives this
 * test writes with libarchive: every compression the backend reads, folders left implicit,
 * several tables in one archive, hostile entries (absolute names, "..", symbolic and hard
 * links), duplicate names, the byte ceiling, damaged archives, and the one-pass prefetch of
 * data-file tails (proved by deleting the archive after the prefetch: what was fetched must
 * still read, what was not must fail).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "deltaq.h"
#include "dv.h"
#include "store.h"
#include "table.h"
#include "unit.h"

static char dir[256];

enum kind { F, D, SYM, HARD };

struct ent {
	const char *name;
	enum kind kind;
	const char *data;       /* file content, or link target */
	long mtime;
};

/* Writes entries into dir/name with the given format and filter (ARCHIVE_FILTER_*). */
static const char *make(const char *name, int format, int filter, const struct ent *e, size_t n)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	struct archive *a = archive_write_new();
	archive_write_set_format(a, format);
	if (filter != ARCHIVE_FILTER_NONE)
		archive_write_add_filter(a, filter);
	if (archive_write_open_filename(a, path) != ARCHIVE_OK) {
		FAILF("cannot write %s: %s", path, archive_error_string(a));
		exit(1);
	}
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *ae = archive_entry_new();
		archive_entry_set_pathname(ae, e[i].name);
		archive_entry_set_mtime(ae, e[i].mtime ? e[i].mtime : 1700000000, 0);
		size_t len = e[i].kind == F && e[i].data ? strlen(e[i].data) : 0;
		switch (e[i].kind) {
		case F:
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_perm(ae, 0644);
			archive_entry_set_size(ae, (la_int64_t)len);
			break;
		case D:
			archive_entry_set_filetype(ae, AE_IFDIR);
			archive_entry_set_perm(ae, 0755);
			break;
		case SYM:
			archive_entry_set_filetype(ae, AE_IFLNK);
			archive_entry_set_symlink(ae, e[i].data);
			break;
		case HARD:
			archive_entry_set_filetype(ae, AE_IFREG);
			archive_entry_set_hardlink(ae, e[i].data);
			archive_entry_set_size(ae, 0);
			break;
		}
		if (archive_write_header(a, ae) != ARCHIVE_OK)
			FAILF("header %s: %s", e[i].name, archive_error_string(a));
		if (len && archive_write_data(a, e[i].data, len) != (la_ssize_t)len)
			FAILF("data %s: %s", e[i].name, archive_error_string(a));
		archive_entry_free(ae);
	}
	archive_write_close(a);
	archive_write_free(a);
	return path;
}

/* Names listed in `d`, joined by spaces (static). */
static const char *names(struct store *s, const char *d)
{
	static char out[1024];
	struct store_entry *e;
	size_t n;
	struct dq_error err;
	if (store_list(s, d, STORE_LIST_STAT, &e, &n, &err) != DQ_OK) {
		snprintf(out, sizeof(out), "error: %s", err.msg);
		return out;
	}
	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		strcat(out, i ? " " : "");
		strcat(out, e[i].name);
		if (e[i].is_dir)
			strcat(out, "/");
	}
	store_entries_free(e, n);
	return out;
}

static const char *read_all(struct store *s, const char *path)
{
	static char out[1024];
	struct dq_buf b = { 0 };
	struct dq_error err;
	if (store_read(s, path, 1 << 20, &b, &err) != DQ_OK)
		snprintf(out, sizeof(out), "error: %s", err.msg);
	else
		snprintf(out, sizeof(out), "%.*s", (int)b.len, b.data);
	dq_buf_release(&b);
	return out;
}

static const struct ent table[] = {
	{ "t/_delta_log/00000000000000000000.json", F, "{\"commitInfo\":{}}\n", 1700000001 },
	{ "t/_delta_log/00000000000000000001.json", F, "{\"add\":{}}\n", 1700000002 },
	{ "t/part=1/a.parquet", F, "0123456789abcdefghij", 0 },
	{ "t/b.parquet", F, "BBBBBBBBBB", 0 },
};

static void compressions(void)
{
	static const struct { const char *name; int format, filter; } kinds[] = {
		{ "t.tar", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE },
		{ "t.tgz", ARCHIVE_FORMAT_TAR_USTAR, ARCHIVE_FILTER_GZIP },
		{ "t.tbz", ARCHIVE_FORMAT_TAR_GNUTAR, ARCHIVE_FILTER_BZIP2 },
		{ "t.txz", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_XZ },
		{ "t.tzst", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_ZSTD },
		{ "t.zip", ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE },
		{ "t.data", ARCHIVE_FORMAT_ZIP, ARCHIVE_FILTER_NONE }, /* by content, not by name */
	};
	for (size_t k = 0; k < sizeof(kinds) / sizeof(*kinds); k++) {
		const char *p = make(kinds[k].name, kinds[k].format, kinds[k].filter, table, 4);
		struct store *s;
		struct dq_error err;
		if (store_archive_open(p, NULL, 0, &s, &err) != DQ_OK) {
			FAILF("%s: %s", kinds[k].name, err.msg);
			continue;
		}
		/* Folders that the tar leaves implicit are there; the root is "t". */
		CHECK_STR(names(s, ""), "_delta_log/ b.parquet part=1/");
		CHECK_STR(names(s, "_delta_log"),
			  "00000000000000000000.json 00000000000000000001.json");
		CHECK_STR(read_all(s, "_delta_log/00000000000000000001.json"), "{\"add\":{}}\n");
		CHECK(strstr(s->location, kinds[k].name) && !strcmp(strrchr(s->location, '#'), "#t"));
		struct store_entry st;
		CHECK(store_stat(s, "_delta_log/00000000000000000000.json", &st, &err) == DQ_OK &&
		      st.mtime_ms == 1700000001000 && st.size == 18 && !st.is_dir);
		CHECK(store_stat(s, "part=1", &st, &err) == DQ_OK && st.is_dir);
		/* A data file is read from the archive on demand: a range in the middle, then
		 * its tail. */
		char buf[32] = "";
		size_t got = 0;
		CHECK(store_read_range(s, "part=1/a.parquet", 5, 4, buf, &got, &err) == DQ_OK &&
		      got == 4 && !memcmp(buf, "5678", 4));
		CHECK(store_read_range(s, "part=1/a.parquet", 16, 10, buf, &got, &err) == DQ_OK &&
		      got == 4 && !memcmp(buf, "ghij", 4));
		CHECK_STR(read_all(s, "b.parquet"), "BBBBBBBBBB");
		CHECK_INT(store_stat(s, "nope", &st, &err), DQ_EIO);
		CHECK_INT(err.sys_errno, ENOENT);
		CHECK(strstr(names(s, "nope"), "error: cannot list 'nope'") != NULL);
		store_close(s);
	}
}

/* The tails fetched by one prefetch pass read with the archive gone; others do not. */
static void prefetch(void)
{
	const char *p = make("pf.tar.zst", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_ZSTD,
			     table, 4);
	struct store *s;
	struct dq_error err;
	if (store_archive_open(p, NULL, 0, &s, &err) != DQ_OK) {
		FAILF("%s", err.msg);
		return;
	}
	const char *want[] = { "part=1/a.parquet", "not/there.parquet" };
	CHECK(store_prefetch(s, want, 2, 6, NULL, &err) == DQ_OK);
	CHECK(unlink(p) == 0);
	char buf[16];
	size_t got = 0;
	CHECK(store_read_range(s, "part=1/a.parquet", 14, 6, buf, &got, &err) == DQ_OK &&
	      got == 6 && !memcmp(buf, "efghij", 6));
	/* Not fetched: needs a pass over the archive, which is gone. */
	CHECK(store_read_range(s, "part=1/a.parquet", 0, 4, buf, &got, &err) != DQ_OK);
	CHECK(store_read_range(s, "b.parquet", 6, 4, buf, &got, &err) != DQ_OK);
	/* The log was kept in memory when the archive was opened. */
	CHECK_STR(read_all(s, "_delta_log/00000000000000000000.json"), "{\"commitInfo\":{}}\n");
	store_close(s);
}

static void several_tables(void)
{
	static const struct ent two[] = {
		{ "a/_delta_log/00000000000000000000.json", F, "{}\n", 0 },
		{ "x/b/_delta_log/00000000000000000000.json", F, "{}\n", 0 },
		{ "x/b/f.parquet", F, "bb", 0 },
	};
	const char *p = make("two.tar", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE,
			     two, 3);
	struct store *s;
	struct dq_error err;
	CHECK_INT(store_archive_open(p, NULL, 0, &s, &err), DQ_ENOTTABLE);
	CHECK(strstr(err.msg, "holds 2 tables") && strstr(err.msg, "'#a'") &&
	      strstr(err.msg, "'#x/b'"));
	if (store_archive_open(p, "x/b/", 0, &s, &err) == DQ_OK) {
		CHECK_STR(names(s, ""), "_delta_log/ f.parquet");
		store_close(s);
	} else {
		FAILF("#x/b: %s", err.msg);
	}
	CHECK_INT(store_archive_open(p, "x/nope", 0, &s, &err), DQ_ENOTTABLE);
	CHECK_INT(store_archive_open(p, "../a", 0, &s, &err), DQ_ENOTTABLE);
	static const struct ent none[] = { { "data/f.parquet", F, "x", 0 } };
	p = make("none.tar", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE, none, 1);
	CHECK_INT(store_archive_open(p, NULL, 0, &s, &err), DQ_ENOTTABLE);
	CHECK(strstr(err.msg, "no _delta_log") != NULL);
}

/* Entries that would reach outside the archive are not in the index at all. */
static void hostile(void)
{
	static const struct ent bad[] = {
		{ "_delta_log/00000000000000000000.json", F, "{}\n", 0 },
		{ "/etc/evil.parquet", F, "abs", 0 },
		{ "../up.parquet", F, "up", 0 },
		{ "x/../../up2.parquet", F, "up", 0 },
		{ "link", SYM, "/etc", 0 },
		{ "_delta_log/00000000000000000001.json", SYM, "/etc/passwd", 0 },
		{ "hard.parquet", HARD, "_delta_log/00000000000000000000.json", 0 },
		{ "./ok//dir/./f.parquet", F, "ok", 0 },
		{ "dup.parquet", F, "first", 0 },
		{ "dup.parquet", F, "second", 0 },
		{ "_delta_log/00000000000000000000.crc", F, "", 0 }, /* empty: held as nothing */
	};
	const char *p = make("bad.tar", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE,
			     bad, sizeof(bad) / sizeof(*bad));
	struct store *s;
	struct dq_error err;
	if (store_archive_open(p, NULL, 0, &s, &err) != DQ_OK) {
		FAILF("%s", err.msg);
		return;
	}
	CHECK_STR(names(s, ""), "_delta_log/ dup.parquet ok/");
	CHECK_STR(names(s, "_delta_log"), "00000000000000000000.crc 00000000000000000000.json");
	CHECK_STR(read_all(s, "_delta_log/00000000000000000000.crc"), "");
	CHECK(strstr(names(s, "x"), "error: cannot list 'x'") != NULL);
	CHECK_STR(names(s, "ok/dir"), "f.parquet");
	CHECK_STR(read_all(s, "dup.parquet"), "second");
	struct store_entry st;
	CHECK_INT(store_stat(s, "/etc/evil.parquet", &st, &err), DQ_EIO);
	CHECK_INT(store_stat(s, "../up.parquet", &st, &err), DQ_EIO);
	CHECK_INT(store_stat(s, "link", &st, &err), DQ_EIO);
	CHECK_INT(store_stat(s, "hard.parquet", &st, &err), DQ_EIO);
	store_close(s);
}

static void limits_and_damage(void)
{
	static char big[100001];
	memset(big, 'z', sizeof(big) - 1);
	const struct ent e[] = {
		{ "_delta_log/00000000000000000000.json", F, "{}\n", 0 },
		{ "big.parquet", F, big, 0 },
	};
	const char *p = make("big.tar.gz", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP,
			     e, 2);
	struct store *s;
	struct dq_error err;
	CHECK_INT(store_archive_open(p, NULL, 50000, &s, &err), DQ_EIO);
	CHECK(strstr(err.msg, "more than 50000 bytes") && strstr(err.msg, "big.parquet") &&
	      strstr(err.msg, "--max-archive-bytes"));
	CHECK(store_archive_open(p, NULL, 200000, &s, &err) == DQ_OK);
	store_close(s);

	/* Cut the plain tar inside the big entry: the error names it. */
	p = make("cut.tar", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_NONE, e, 2);
	CHECK(truncate(p, 20000) == 0);
	CHECK_INT(store_archive_open(p, NULL, 0, &s, &err), DQ_ECORRUPT);
	CHECK(strstr(err.msg, "big.parquet") != NULL);

	char path[512];
	snprintf(path, sizeof(path), "%s/junk", dir);
	FILE *fp = fopen(path, "w");
	fputs("just some text, not an archive\n", fp);
	fclose(fp);
	CHECK_INT(store_archive_open(path, NULL, 0, &s, &err), DQ_ENOTTABLE);
	CHECK(strstr(err.msg, "neither a folder nor a tar or zip archive") != NULL);
	snprintf(path, sizeof(path), "%s/missing.tar", dir);
	CHECK_INT(store_archive_open(path, NULL, 0, &s, &err), DQ_ENOTTABLE);
}

/* dq_table_open: an archive path, "ARCHIVE#inside", and '#' in real folder names. */
static void table_open(void)
{
	static const struct ent two[] = {
		{ "a/_delta_log/00000000000000000000.json", F, "{}\n", 0 },
		{ "b#c/_delta_log/00000000000000000000.json", F, "{}\n", 0 },
	};
	const char *p = make("tables.tgz", ARCHIVE_FORMAT_TAR_PAX_RESTRICTED, ARCHIVE_FILTER_GZIP,
			     two, 2);
	char uri[600];
	dq_table *t;
	struct dq_error err;
	CHECK_INT(dq_table_open(p, NULL, &t, &err), DQ_ENOTTABLE);
	snprintf(uri, sizeof(uri), "%s#b#c", p);
	if (dq_table_open(uri, NULL, &t, &err) == DQ_OK) {
		CHECK(strstr(dq_table_location(t), "tables.tgz#b#c") != NULL);
		dq_table_close(t);
	} else {
		FAILF("%s: %s", uri, err.msg);
	}
	snprintf(uri, sizeof(uri), "file://%s#a", p);
	if (dq_table_open(uri, NULL, &t, &err) == DQ_OK)
		dq_table_close(t);
	else
		FAILF("%s: %s", uri, err.msg);
}

struct blob {
	const char *name;
	const char *data;
	size_t len;
};

/* Writes regular files with binary contents into a pax tar at path (gzipped with gz). */
static void write_blobs(const char *path, bool gz, const struct blob *e, size_t n)
{
	struct archive *a = archive_write_new();
	archive_write_set_format_pax_restricted(a);
	if (gz)
		archive_write_add_filter_gzip(a);
	if (archive_write_open_filename(a, path) != ARCHIVE_OK)
		FAILF("cannot write %s: %s", path, archive_error_string(a));
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *ae = archive_entry_new();
		archive_entry_set_pathname(ae, e[i].name);
		archive_entry_set_filetype(ae, AE_IFREG);
		archive_entry_set_perm(ae, 0644);
		archive_entry_set_mtime(ae, 1700000123, 0);
		archive_entry_set_size(ae, (la_int64_t)e[i].len);
		archive_write_header(a, ae);
		archive_write_data(a, e[i].data, e[i].len);
		archive_entry_free(ae);
	}
	archive_write_close(a);
	archive_write_free(a);
}

/* big[0..size): the Parquet file small[0..n) with `size - n` bytes of padding between its
 * magic and the rest, which no reader of the footer touches (the pages' offsets are then
 * wrong, but the footer, all that is read, is whole). */
static void pad_parquet(const char *small, size_t n, char *big, size_t size)
{
	memcpy(big, small, 4);
	memset(big + 4, 'x', size - n);
	memcpy(big + size - (n - 4), small + 4, n - 4);
}

/* Footers fetched by dq_data_files_prefetch read with the archive gone: whatever
 * parquet_open asks of a data file is kept, for a small file (read whole) as for the
 * footer of a big one. */
static void footers(void)
{
	static char small[1 << 16], big[300000];
	FILE *fp = fopen("tests/fixtures/parquet/duck_gzip_v1.parquet", "rb");
	size_t n = fp ? fread(small, 1, sizeof(small), fp) : 0;
	if (fp)
		fclose(fp);
	if (n < 100 || n >= sizeof(small)) {
		FAILF("cannot read the fixture");
		return;
	}
	/* the same footer behind 200 KB of padding */
	pad_parquet(small, n, big, sizeof(big));
	char path[512];
	snprintf(path, sizeof(path), "%s/footers.tar", dir);
	const struct blob e[] = {
		{ "t/_delta_log/00000000000000000000.json", "{}\n", 3 },
		{ "t/small.parquet", small, n },
		{ "t/big.parquet", big, sizeof(big) },
	};
	write_blobs(path, false, e, 3);

	dq_table *t;
	struct dq_error err;
	if (dq_table_open(path, NULL, &t, &err) != DQ_OK) {
		FAILF("%s", err.msg);
		return;
	}
	const char *paths[] = { "small.parquet", "big.parquet" };
	CHECK(dq_data_files_prefetch(t, paths, NULL, 2, &err) == DQ_OK);
	/* held: the small file whole; of the big one only its footer, length and magic */
	const uint8_t *lm = (const uint8_t *)big + sizeof(big) - 8;
	size_t footer = 8 + ((size_t)lm[0] | (size_t)lm[1] << 8 | (size_t)lm[2] << 16 | (size_t)lm[3] << 24);
	CHECK_INT(store_held(t->store, "small.parquet"), n);
	CHECK_INT(store_held(t->store, "big.parquet"), footer);
	CHECK(footer < n); /* not the 64 KiB of a first footer read */
	CHECK(unlink(path) == 0);
	for (size_t i = 0; i < 2; i++) {
		struct dq_data_file d;
		int rc = dq_data_file_inspect(t, paths[i], true, &d, &err);
		CHECKF(rc == DQ_OK, "%s: %s", paths[i], rc ? err.msg : "");
		CHECK_INT(d.num_rows, 554);
		CHECK_INT(d.size, i ? (long long)sizeof(big) : (long long)n);
	}
	dq_table_close(t);
}

/* Reads the local file `path` whole into a new buffer; *n its size. */
static char *slurp(const char *path, size_t *n)
{
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	fseek(fp, 0, SEEK_END);
	long len = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	char *b = malloc(len > 0 ? (size_t)len : 1);
	*n = b && fread(b, 1, (size_t)len, fp) == (size_t)len ? (size_t)len : 0;
	fclose(fp);
	return b;
}

/* Stand-ins for --jobs workers: each file the archive holds, at its size and mtime, with
 * exactly the bytes a footer read takes and zeros elsewhere; a DV file whole; nothing for
 * a missing file; the folder gone after close.  A folder table is its own location. */
static void standins(void)
{
	static char big[300000], notpq[100000], want[300000];
	size_t n;
	char *small = slurp("tests/fixtures/parquet/duck_gzip_v1.parquet", &n);
	if (!small || n < 100 || n >= 65536) {
		FAILF("cannot read the fixture");
		free(small);
		return;
	}
	pad_parquet(small, n, big, sizeof(big));
	memset(notpq, 'y', sizeof(notpq));
	/* a 'u' deletion vector under dv/, and its file */
	const char *dvtext = "dvS(=Ur(jl=YOa3Z5x&@D6";
	char dvname[256], dvkey[300];
	if (!dv_uuid_path(dvtext, strlen(dvtext), dvname, sizeof(dvname))) {
		FAILF("dv_uuid_path");
		free(small);
		return;
	}
	snprintf(dvkey, sizeof(dvkey), "u%s@1\nbig.parquet", dvtext);
	char entry[300];
	snprintf(entry, sizeof(entry), "t/%s", dvname);
	char path[512];
	snprintf(path, sizeof(path), "%s/standins.tar.gz", dir);
	const struct blob e[] = {
		{ "t/_delta_log/00000000000000000000.json", "{}\n", 3 },
		{ "t/small.parquet", small, n },
		{ "t/big.parquet", big, sizeof(big) },
		{ "t/p=1/notpq.bin", notpq, sizeof(notpq) },
		{ entry, "\001deletion vector bytes", 23 },
	};
	write_blobs(path, true, e, sizeof(e) / sizeof(*e));

	dq_table *t;
	struct dq_error err;
	if (dq_table_open(path, NULL, &t, &err) != DQ_OK) {
		FAILF("%s", err.msg);
		free(small);
		return;
	}
	const char *paths[] = { "small.parquet", "big.parquet", "p=1/notpq.bin", "missing.parquet" };
	const char *keys[] = { NULL, dvkey, NULL, "\nmissing.parquet" };
	dq_standins *st;
	if (dq_standins_open(t, paths, keys, 4, &st, &err) != DQ_OK) {
		FAILF("%s", err.msg);
		dq_table_close(t);
		free(small);
		return;
	}
	const char *loc = dq_standins_location(st);
	char root[512], f[800];
	snprintf(root, sizeof(root), "%s", loc);
	CHECKF(strstr(loc, "deltaq-standins-") != NULL, "%s", loc);
	struct stat sb;
	snprintf(f, sizeof(f), "%s/_delta_log", root);
	CHECK(stat(f, &sb) == 0 && S_ISDIR(sb.st_mode));
	snprintf(f, sizeof(f), "%s/missing.parquet", root);
	CHECK(stat(f, &sb) != 0 && errno == ENOENT);
	const uint8_t *lm = (const uint8_t *)big + sizeof(big) - 8;
	size_t footer = 8 + ((size_t)lm[0] | (size_t)lm[1] << 8 | (size_t)lm[2] << 16 | (size_t)lm[3] << 24);
	CHECK(footer > 100 && footer < n);
	struct { const char *path; const char *data; size_t len, keep; } c[] = {
		{ "small.parquet", small, n, n },             /* a footer read covers it: whole */
		{ "big.parquet", big, sizeof(big), footer },  /* its footer, length and magic */
		{ "p=1/notpq.bin", notpq, sizeof(notpq), 8 }, /* no magic: the last 8 bytes */
		{ dvname, "\001deletion vector bytes", 23, 23 },
	};
	for (size_t i = 0; i < 4; i++) {
		snprintf(f, sizeof(f), "%s/%s", root, c[i].path);
		size_t got;
		char *b = slurp(f, &got);
		memset(want, 0, c[i].len);
		memcpy(want + c[i].len - c[i].keep, c[i].data + c[i].len - c[i].keep, c[i].keep);
		CHECKF(b && got == c[i].len && !memcmp(b, want, got), "%s: %zu bytes", c[i].path, got);
		CHECKF(stat(f, &sb) == 0 && sb.st_mtime == 1700000123, "%s mtime", c[i].path);
		free(b);
	}
	/* what a worker reads from them is what the archive gives */
	dq_table *w;
	if (dq_table_open(loc, NULL, &w, &err) == DQ_OK) {
		for (size_t i = 0; i < 3; i++) {
			struct dq_data_file d1, d2;
			struct dq_error e1 = { 0 }, e2 = { 0 };
			int r1 = dq_data_file_inspect(t, paths[i], true, &d1, &e1);
			int r2 = dq_data_file_inspect(w, paths[i], true, &d2, &e2);
			CHECKF(r1 == r2 && !strcmp(e1.msg, e2.msg), "%s: %s | %s", paths[i], e1.msg, e2.msg);
			CHECKF(d1.size == d2.size && d1.num_rows == d2.num_rows &&
			       d1.modification_time == d2.modification_time, "%s", paths[i]);
		}
		dq_table_close(w);
	} else {
		FAILF("%s", err.msg);
	}
	dq_standins_close(st);
	CHECK(stat(root, &sb) != 0 && errno == ENOENT);
	dq_table_close(t);

	/* a table in a folder: workers open it; nothing is written */
	snprintf(f, sizeof(f), "%s/folder/_delta_log", dir);
	snprintf(root, sizeof(root), "%s/folder", dir);
	mkdir(root, 0755);
	mkdir(f, 0755);
	if (dq_table_open(root, NULL, &t, &err) == DQ_OK) {
		if (dq_standins_open(t, paths, keys, 4, &st, &err) == DQ_OK) {
			CHECK_STR(dq_standins_location(st), dq_table_location(t));
			dq_standins_close(st);
			CHECK(stat(f, &sb) == 0);
		} else {
			FAILF("%s", err.msg);
		}
		dq_table_close(t);
	} else {
		FAILF("%s", err.msg);
	}
	free(small);
}

int main(void)
{
	snprintf(dir, sizeof(dir), "%s/dq-archive-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return perror("mkdtemp"), 1;
	unit_run("compressions", compressions);
	unit_run("prefetch", prefetch);
	unit_run("several tables", several_tables);
	unit_run("hostile entries", hostile);
	unit_run("limits and damage", limits_and_damage);
	unit_run("dq_table_open", table_open);
	unit_run("prefetched footers", footers);
	unit_run("stand-ins for workers", standins);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		FAILF("cannot remove %s", dir);
	return unit_done();
}
