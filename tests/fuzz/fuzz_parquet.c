/*
 * fuzz_parquet.c - libFuzzer target for the Parquet reader: any bytes, written as a file
 * and opened through the directory store, must either be refused with an error or read
 * completely (every column of every row group, then every row as JSON) without a crash,
 * a hang, a leak or a huge allocation.  Seeded with tests/fixtures/parquet by `make fuzz`.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parquet.h"

/* Touches every byte of a scanned value, so that ASan sees a read outside the window. */
static void scan_value(void *arg, size_t entry, const uint8_t *p, size_t len)
{
	volatile uint8_t sum = 0;
	(void)arg, (void)entry;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[64];
	static struct store *s;
	if (!s) {
		snprintf(dir, sizeof(dir), "/tmp/dq-fuzz-%d", (int)getpid());
		if (mkdir(dir, 0700) && access(dir, W_OK))
			abort();
		if (store_dir_open(dir, &s, NULL))
			abort();
	}
	char path[96];
	snprintf(path, sizeof(path), "%s/f.parquet", dir);
	FILE *fp = fopen(path, "wb");
	if (!fp)
		abort();
	fwrite(data, 1, size, fp);
	fclose(fp);
	parquet_file *f;
	struct dq_error err;
	if (parquet_open(s, "f.parquet", &f, &err))
		return 0;
	const struct parquet_meta *m = parquet_metadata(f);
	for (size_t rg = 0; rg < m->nrow_groups; rg++) {
		for (size_t leaf = 0; leaf < m->nleaves; leaf++) {
			struct parquet_column c;
			if (parquet_read_column(f, rg, (int)leaf, &c, &err) == DQ_OK)
				parquet_column_release(&c);
			memset(&c, 0, sizeof(c));
			parquet_scan_bytes(f, rg, (int)leaf, &c, scan_value, NULL, &err);
			parquet_column_release(&c);
		}
		json_t *rows = json_array();
		parquet_read_rows_json(f, rg, NULL, 0, rows, &err);
		json_decref(rows);
	}
	parquet_close(f);
	return 0;
}
