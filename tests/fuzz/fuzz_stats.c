/*
 * fuzz_stats.c - libFuzzer target: the numRecords fast path must agree with the jansson
 * path whenever the latter finds a count, and check's stats_strictly_valid may call a
 * text valid only when jansson (JSON_REJECT_DUPLICATES) does (lib/stats_fast.h states both
 * contracts).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "stats_fast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int64_t fast = -7, slow = -7;
	int rf = stats_num_records((const char *)data, size, &fast);
	int rs = stats_num_records_slow((const char *)data, size, &slow);
	if (rs == 1 && (rf != 1 || fast != slow))
		abort();
	if (rf == 1 && rs == 0)
		abort(); /* the fast path may only skip validating what follows the count */
	if (rf != 1 && rs != 1 && rf != rs)
		abort();

	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (stats_strictly_valid(text)) {
		json_t *st = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
		json_t *nr = json_object_get(st, "numRecords");
		if (!json_is_object(st) ||
		    (nr && !json_is_null(nr) && (!json_is_integer(nr) || json_integer_value(nr) < 0)))
			abort();
		json_decref(st);
	}
	free(text);
	return 0;
}
