/*
 * stats_fast.h - add.stats.numRecords (protocol section 6) without building a JSON tree
 * for the usual `{"numRecords":N,...}` text.  See stats_fast.c for the exact contract.
 */
#ifndef DQ_STATS_FAST_H
#define DQ_STATS_FAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * numRecords of the stats JSON text stats[0..len) (the add.stats string, unescaped; it
 * need not be NUL-terminated).  Returns
 *    1  *out = the top-level "numRecords", an integer in [0, INT64_MAX]
 *    0  no top-level "numRecords", or it is null; *out untouched
 *   -1  not a JSON object, or numRecords is not an integer (1.0, 1e3, "5", true, ...),
 *       negative, or beyond INT64_MAX; *out untouched (also when jansson runs out of
 *       memory or nesting depth: the count is then merely unknown)
 * The fast path does not validate the text after the number (see stats_fast.c): whether
 * the whole stats text is valid JSON is for `check` to say.
 */
int stats_num_records(const char *stats, size_t len, int64_t *out);

/* Same contract, always through jansson, always validating the whole text. */
int stats_num_records_slow(const char *stats, size_t len, int64_t *out);

/*
 * `check`'s question (DQ114) about a NUL-terminated stats text, answered without building
 * a tree where that is cheap: true only if json_loads(stats, JSON_REJECT_DUPLICATES) gives
 * an object whose top-level numRecords is absent, null or an integer >= 0.  false means
 * "not decided here": the caller asks jansson, which also words the finding.
 */
bool stats_strictly_valid(const char *stats);

#endif
