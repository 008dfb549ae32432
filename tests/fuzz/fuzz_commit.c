/*
 * fuzz_commit.c - libFuzzer target for the commit parser: any bytes, parsed as a commit
 * file with every kind of action wanted, must give DQ_OK or a clean error, never a crash,
 * a leak or undefined behaviour.  Built and run by `make fuzz`.
 */
#include <stddef.h>
#include <stdint.h>

#include "action.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct commit_actions acts = { 0 };
	struct dq_error err;
	action_parse_commit("/table", "_delta_log/00000000000000000000.json", (const char *)data,
			    size, WANT_FILES | WANT_STATS | WANT_TXNS | WANT_COMMIT_INFO | WANT_PM, &acts,
			    &err);
	commit_actions_release(&acts);
	return 0;
}
