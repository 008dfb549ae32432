/*
 * test_vacuum.c - dq_parse_interval, the reader of delta.deletedFileRetentionDuration
 * (Spark's calendar intervals): accepted forms and their values, and refused ones (months,
 * years, negative totals, junk).  The listing itself is tested in t5200-orphans.bats.
 */
#include <stdio.h>

#include "deltaq.h"
#include "unit.h"

#define H INT64_C(3600000)

static const struct {
	const char *in;
	int64_t ms;
} valid[] = {
	{ "interval 1 week", 168 * H },
	{ "interval 2 weeks", 336 * H },
	{ "INTERVAL 7 DAYS", 168 * H },
	{ "1 week", 168 * H },
	{ "  interval   1   day  ", 24 * H },
	{ "interval 168 hours", 168 * H },
	{ "interval 1 day 12 hours", 36 * H },
	{ "interval 1 hour 30 minutes", H + 30 * 60000 },
	{ "interval 90 seconds", 90000 },
	{ "interval 1.5 seconds", 1500 },
	{ "interval 1.5 days", 36 * H },
	{ "interval 250 milliseconds", 250 },
	{ "interval 2500 microseconds", 2 },
	{ "interval 0 seconds", 0 },
	{ "interval 2 days -12 hours", 36 * H },
	{ "interval +3 hours", 3 * H },
	{ "interval 1week", 168 * H },
	{ "interval 365 days", 365 * 24 * H },
};

static const char *const invalid[] = {
	"", "interval", "interval ", "week", "1", "interval 1", "interval 1 fortnight",
	"interval 1 month", "interval 2 years", "interval -1 day", "interval 1 day -2 days",
	"interval 1 day junk", "interval 1 day 2", "interval a day", "interval 1.day x",
	"interval 99999999999999999999 days", "interval 9223372036854775807 weeks",
	"interval1 day",
};

int main(void)
{
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		int64_t ms = -7;
		CHECKF(dq_parse_interval(valid[i].in, &ms) && ms == valid[i].ms,
		       "\"%s\" -> %lld, expected %lld", valid[i].in, (long long)ms,
		       (long long)valid[i].ms);
	}
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		int64_t ms = -7;
		CHECKF(!dq_parse_interval(invalid[i], &ms) && ms == -7, "\"%s\" accepted as %lld",
		       invalid[i], (long long)ms);
	}
	return unit_done();
}
