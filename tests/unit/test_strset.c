/*
 * test_strset.c - the string set (lib/util.c) that replay keys its actions by: inserts
 * across several growths, duplicates, lookups of absent keys, the _hashed calls against
 * the plain ones, and keys that differ only late (the slots' stored hashes decide before
 * any string is compared, so a probe must still compare strings when hashes are equal).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "unit.h"

#define N 20000

int main(void)
{
	static char keys[N][96];
	struct dq_strset s = { 0 };

	/* Long keys that share a prefix, as table paths do. */
	for (int i = 0; i < N; i++)
		snprintf(keys[i], sizeof(keys[i]),
			 "file:///data/warehouse/events/day=2024-01-%02d/part-%05d.snappy.parquet",
			 i % 28 + 1, i);
	int added = 0, again = 0;
	for (int i = 0; i < N; i++)
		added += dq_strset_add(&s, keys[i]) == 1;
	for (int i = 0; i < N; i += 7)
		again += dq_strset_add(&s, keys[i]) == 0;
	CHECK_INT(added, N);
	CHECK_INT(again, (N + 6) / 7);
	CHECK_INT(s.n, N);
	CHECK(s.cap >= (size_t)N * 4 / 3 && (s.cap & (s.cap - 1)) == 0);

	int found = 0, found_hashed = 0;
	for (int i = 0; i < N; i++) {
		found += dq_strset_has(&s, keys[i]);
		found_hashed += dq_strset_has_hashed(&s, keys[i], dq_hash(keys[i], strlen(keys[i])));
	}
	CHECK_INT(found, N);
	CHECK_INT(found_hashed, N);

	/* Absent keys: a different last character, a prefix, the empty string. */
	char k[128];
	int absent = 0;
	for (int i = 0; i < N; i += 13) {
		memcpy(k, keys[i], sizeof(keys[i]));
		k[strlen(k) - 1] = 'X';
		absent += !dq_strset_has(&s, k);
		k[strlen(k) - 1] = '\0';
		absent += !dq_strset_has(&s, k);
	}
	CHECK_INT(absent, 2 * ((N + 12) / 13));
	CHECK(!dq_strset_has(&s, ""));
	CHECK_INT(dq_strset_add(&s, ""), 1);
	CHECK(dq_strset_has(&s, ""));

	/* A lying hash: the same hash for two different keys still keeps both apart. */
	struct dq_strset t = { 0 };
	CHECK_INT(dq_strset_add_hashed(&t, "a", 42), 1);
	CHECK_INT(dq_strset_add_hashed(&t, "b", 42), 1);
	CHECK_INT(dq_strset_add_hashed(&t, "a", 42), 0);
	CHECK(dq_strset_has_hashed(&t, "b", 42));
	CHECK(!dq_strset_has_hashed(&t, "c", 42));
	CHECK_INT(t.n, 2);

	dq_strset_release(&s);
	dq_strset_release(&t);
	CHECK(!s.slots && !s.cap && !s.n);
	struct dq_strset empty = { 0 };
	CHECK(!dq_strset_has(&empty, "x"));
	return unit_done();
}
