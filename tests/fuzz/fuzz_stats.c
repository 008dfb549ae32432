/*
 * fuzz_stats.c - libFuzzer target: the numRecords fast path must agree with the jansson
 * path whenever the latter finds a count (lib/stats_fast.h states the contract).
 */
#include <stdint.h>
#include <stdlib.h>

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
	return 0;
}
