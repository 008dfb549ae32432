/*
 * test_time.c - dq_parse_timestamp, dq_format_timestamp and the calendar helpers of
 * lib/timeutil.c: accepted and rejected forms, known instants, a day-by-day walk of years
 * 0000-9999 against naive counting, and format/parse round trips.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "deltaq.h"
#include "timeutil.h"
#include "unit.h"

/* splitmix64 (unit.h): deterministic, so a failure reproduces. */
static uint64_t rng_state = 0x5eed;

static uint64_t rng(void)
{
	return unit_rng(&rng_state);
}

static const struct {
	const char *in;
	int64_t ms;
} valid[] = {
	{ "@0", 0 },
	{ "@-1", -1 },
	{ "@-0", 0 },
	{ "@007", 7 },
	{ "@1714564800000", INT64_C(1714564800000) },
	{ "@9223372036854775807", INT64_MAX },
	{ "@-9223372036854775808", INT64_MIN },
	{ "@00000000000000000000000000001", 1 },
	{ "2024-05-01T12:00:00Z", INT64_C(1714564800000) },
	{ "2024-05-01t12:00:00z", INT64_C(1714564800000) },
	{ "2024-05-01T12:00:00", INT64_C(1714564800000) },
	{ "2024-05-01 12:00:00", INT64_C(1714564800000) },
	{ "2024-05-01 12:00", INT64_C(1714564800000) },
	{ "2024-05-01T12:00", INT64_C(1714564800000) },
	{ "2024-05-01 12:00Z", INT64_C(1714564800000) },
	{ "2024-05-01 12:00:00Z", INT64_C(1714564800000) },
	{ "2024-05-01T14:00:00.5+02:00", INT64_C(1714564800500) },
	{ "2024-05-01T04:30:00-07:30", INT64_C(1714564800000) },
	{ "2024-05-01T12:00:00+00:00", INT64_C(1714564800000) },
	{ "2024-05-01T12:00:00-00:00", INT64_C(1714564800000) },
	{ "2024-05-01T12:00:00.0Z", INT64_C(1714564800000) },
	{ "2024-05-01T12:00:00.1Z", INT64_C(1714564800100) },
	{ "2024-05-01T12:00:00.12Z", INT64_C(1714564800120) },
	{ "2024-05-01T12:00:00.123Z", INT64_C(1714564800123) },
	{ "2024-05-01 12:00:00.123", INT64_C(1714564800123) },
	{ "2024-05-01T12:00:00.123456789Z", INT64_C(1714564800123) },
	{ "2024-05-01T12:00:00.9999999Z", INT64_C(1714564800999) },
	{ "2024-05-01T12:00:00.000000000000000000000000000000000000000009Z",
	  INT64_C(1714564800000) },
	{ "2024-05-01", INT64_C(1714521600000) },
	{ "1970-01-01", 0 },
	{ "1970-01-01T00:00:00Z", 0 },
	{ "1969-12-31T23:59:59.999Z", -1 },
	{ "1969-12-31", -TIME_MS_PER_DAY },
	{ "1970-01-01T00:00:00+00:01", -60000 },
	{ "1970-01-01T00:00:00-23:59", INT64_C(86340000) },
	{ "1970-01-01T00:00:00+23:59", -INT64_C(86340000) },
	{ "0000-01-01", -INT64_C(62167219200000) },
	{ "0000-02-29", -INT64_C(62167219200000) + 59 * TIME_MS_PER_DAY },
	{ "0000-01-01T00:00:00+01:00", -INT64_C(62167219200000) - 3600000 },
	{ "9999-12-31T23:59:59.999Z", INT64_C(253402300799999) },
	{ "9999-12-31T23:59:59.999-23:59", INT64_C(253402300799999) + 86340000 },
	{ "2000-02-29", INT64_C(951782400000) },
	{ "1900-02-28", -INT64_C(2203977600000) },
	{ "1900-03-01", -INT64_C(2203891200000) },
	{ "1600-02-29", -INT64_C(11670998400000) },
	{ "2100-03-01", INT64_C(4107542400000) },
	{ "1582-10-15", -INT64_C(12219292800000) },
	{ "2024-12-31T23:59:59Z", INT64_C(1735689599000) },
	{ "2024-02-29T00:00:00Z", INT64_C(1709164800000) },
};

static const char *const invalid[] = {
	"",
	"@",
	"@-",
	"@+5",
	"@ 5",
	"@5 ",
	"@12a",
	"@--5",
	"@1.5",
	"@9223372036854775808",
	"@-9223372036854775809",
	"@99999999999999999999999999999",
	"5",
	"42",
	"20240501",
	"2024",
	"2024-05",
	"2024-5-01",
	"2024-05-1",
	"24-05-01",
	"02024-05-01",
	"-2024-05-01",
	"+2024-05-01",
	"2024-13-01",
	"2024-00-01",
	"2024-05-00",
	"2024-05-32",
	"2024-02-30",
	"2023-02-29",
	"1900-02-29",
	"2100-02-29",
	"2024-04-31",
	"2024-06-31",
	"2024-09-31",
	"2024-11-31",
	"2024/05/01",
	"2024-05-01x",
	"2024-05-01 ",
	" 2024-05-01",
	"2024-05-01Z",
	"2024-05-01+02:00",
	"2024-05-01T",
	"2024-05-01 12",
	"2024-05-01T12",
	"2024-05-01T12:0",
	"2024-05-01T1:00",
	"2024-05-01T12:00:0",
	"2024-05-01T12:00:00.",
	"2024-05-01T12:00:00.Z",
	"2024-05-01T12:00.5",
	"2024-05-01T12:00:00,5Z",
	"2024-05-01T24:00:00Z",
	"2024-05-01T12:60:00Z",
	"2024-05-01T12:00:60Z",
	"2024-05-01T12:00:99Z",
	"2024-05-01T12:00:00ZZ",
	"2024-05-01T12:00:00Z ",
	"2024-05-01T12:00:00z+01:00",
	"2024-05-01T12:00:00+2:00",
	"2024-05-01T12:00:00+02",
	"2024-05-01T12:00:00+0200",
	"2024-05-01T12:00:00+02:0",
	"2024-05-01T12:00:00+24:00",
	"2024-05-01T12:00:00+02:60",
	"2024-05-01T12:00:00+02:00x",
	"2024-05-01T12:00:00UTC",
	"2024-05-01_12:00",
	"2024-05-01\t12:00",
	"2024-05-01T12:00:00.123456789012345678901234567890x",
	"2024-05-01T-1:00",
	"2024-05-01T+1:00",
	"2024-O5-01",
	"\xef\xbc\x92\xef\xbc\x90\xef\xbc\x92\xef\xbc\x94-05-01", /* fullwidth digits */
	"yesterday",
	"now",
};

static void test_parse(void)
{
	for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++) {
		int64_t ms = 12345;
		bool ok = dq_parse_timestamp(valid[i].in, &ms);
		CHECKF(ok && ms == valid[i].ms, "parse \"%s\": ok=%d ms=%" PRId64 ", want %" PRId64,
		       valid[i].in, ok, ms, valid[i].ms);
	}
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		int64_t ms = 12345;
		bool ok = dq_parse_timestamp(invalid[i], &ms);
		CHECKF(!ok && ms == 12345, "parse \"%s\" accepted (ms=%" PRId64 ")", invalid[i],
		       ms);
	}
	CHECKF(!dq_parse_timestamp(NULL, NULL), "NULL accepted");
	CHECKF(dq_parse_timestamp("2024-05-01", NULL), "NULL ms must only validate");

	/* A very long fraction is fine; a very long @MILLIS is an overflow. */
	static char big[100000];
	memcpy(big, "2024-05-01T12:00:00.", 20);
	memset(big + 20, '7', sizeof(big) - 22);
	big[sizeof(big) - 2] = 'Z';
	int64_t ms = 0;
	CHECKF(dq_parse_timestamp(big, &ms) && ms == INT64_C(1714564800777), "long fraction");
	big[0] = '@';
	memset(big + 1, '9', sizeof(big) - 2);
	CHECKF(!dq_parse_timestamp(big, &ms), "long @MILLIS accepted");
}

static const struct {
	int64_t ms;
	const char *out;
} formats[] = {
	{ 0, "1970-01-01T00:00:00.000Z" },
	{ 1, "1970-01-01T00:00:00.001Z" },
	{ -1, "1969-12-31T23:59:59.999Z" },
	{ -999, "1969-12-31T23:59:59.001Z" },
	{ -1000, "1969-12-31T23:59:59.000Z" },
	{ -1001, "1969-12-31T23:59:58.999Z" },
	{ -TIME_MS_PER_DAY, "1969-12-31T00:00:00.000Z" },
	{ -TIME_MS_PER_DAY - 1, "1969-12-30T23:59:59.999Z" },
	{ INT64_C(1714564800000), "2024-05-01T12:00:00.000Z" },
	{ INT64_C(1714564800500), "2024-05-01T12:00:00.500Z" },
	{ INT64_C(951782400000), "2000-02-29T00:00:00.000Z" },
	{ INT64_C(951868799999), "2000-02-29T23:59:59.999Z" },
	{ -INT64_C(2203891200000), "1900-03-01T00:00:00.000Z" },
	{ -INT64_C(2203891200001), "1900-02-28T23:59:59.999Z" },
	{ -INT64_C(62167219200000), "0000-01-01T00:00:00.000Z" },
	{ -INT64_C(62167219200001), "-0001-12-31T23:59:59.999Z" },
	{ INT64_C(253402300799999), "9999-12-31T23:59:59.999Z" },
	{ INT64_C(253402300800000), "+10000-01-01T00:00:00.000Z" },
	{ INT64_MAX, "+292278994-08-17T07:12:55.807Z" },
	{ INT64_MIN, "-292275055-05-16T16:47:04.192Z" },
};

static void test_format(void)
{
	char buf[32];

	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		memset(buf, 'x', sizeof(buf));
		char *r = dq_format_timestamp(formats[i].ms, buf, sizeof(buf));
		CHECKF(r == buf && strcmp(buf, formats[i].out) == 0,
		       "format %" PRId64 ": \"%s\", want \"%s\"", formats[i].ms, buf,
		       formats[i].out);
	}

	/* Short buffers truncate and stay terminated; len 0 writes nothing. */
	memset(buf, 'x', sizeof(buf));
	dq_format_timestamp(0, buf, 11);
	CHECKF(strcmp(buf, "1970-01-01") == 0 && buf[11] == 'x', "truncated to 11: \"%s\"", buf);
	memset(buf, 'x', sizeof(buf));
	dq_format_timestamp(0, buf, 0);
	CHECKF(buf[0] == 'x', "len 0 wrote");
	CHECKF(dq_format_timestamp(0, NULL, 0) == NULL, "NULL buf");
	dq_format_timestamp(0, buf, 1);
	CHECKF(buf[0] == '\0', "len 1");
}

/* Every day of years 0000-9999 against a counter advanced by the textbook leap rule. */
static void test_calendar_walk(void)
{
	int64_t days = -INT64_C(719528); /* 0000-01-01 */
	int bad = 0;

	for (int64_t y = 0; y <= 9999; y++) {
		bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
		if (time_is_leap_year(y) != leap && bad++ < 5)
			fprintf(stderr, "FAIL leap year %" PRId64 "\n", y);
		for (unsigned m = 1; m <= 12; m++) {
			static const unsigned len[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
			unsigned n = len[m - 1] + (m == 2 && leap);
			if (time_days_in_month(y, m) != n && bad++ < 5)
				fprintf(stderr, "FAIL days in %" PRId64 "-%02u\n", y, m);
			for (unsigned d = 1; d <= n; d++, days++) {
				int64_t yy;
				unsigned mm, dd;
				time_civil_from_days(days, &yy, &mm, &dd);
				if ((time_days_from_civil(y, m, d) != days || yy != y || mm != m ||
				     dd != d) && bad++ < 5)
					fprintf(stderr, "FAIL day %" PRId64 " is %" PRId64 "-%02u-%02u\n",
						days, y, m, d);
			}
		}
	}
	CHECKF(bad == 0, "%d calendar mismatches", bad);
	CHECKF(days == INT64_C(2932897), "walk ended on day %" PRId64, days); /* 10000-01-01 */
	CHECKF(time_days_in_month(2024, 0) == 0 && time_days_in_month(2024, 13) == 0,
	       "month out of range");
	CHECKF(time_days_from_civil(1970, 1, 1) == 0, "epoch");
	CHECKF(time_days_from_civil(-1, 12, 31) == -INT64_C(719529), "year -1");
}

/* format -> parse is the identity for years 0000-9999; parse "@ms" for all of int64_t. */
static void test_round_trip(void)
{
	const int64_t lo = -INT64_C(62167219200000), hi = INT64_C(253402300799999);
	char buf[32], at[32];
	int bad = 0;

	for (int i = 0; i < 300000; i++) {
		int64_t ms;
		switch (i % 4) {
		case 0: /* anywhere in 0000-9999 */
			ms = lo + (int64_t)(rng() % (uint64_t)(hi - lo + 1));
			break;
		case 1: /* near the epoch, both sides */
			ms = (int64_t)(rng() % 20000001) - 10000000;
			break;
		case 2: /* day and year boundaries */
			ms = time_days_from_civil((int64_t)(rng() % 10000), 1 + rng() % 12, 1) *
				     TIME_MS_PER_DAY + (int64_t)(rng() % 3) - 1;
			if (ms < lo || ms > hi)
				ms = 0;
			break;
		default: /* consecutive milliseconds from -3s */
			ms = i / 4 - 3000;
			break;
		}
		int64_t back = ms + 1;
		dq_format_timestamp(ms, buf, sizeof(buf));
		if ((!dq_parse_timestamp(buf, &back) || back != ms) && bad++ < 5)
			fprintf(stderr, "FAIL round trip %" PRId64 " -> \"%s\" -> %" PRId64 "\n", ms,
				buf, back);
		struct time_civil tc;
		time_from_ms(ms, &tc);
		if ((!time_to_ms(&tc, &back) || back != ms) && bad++ < 5)
			fprintf(stderr, "FAIL time_to_ms(time_from_ms(%" PRId64 "))\n", ms);
	}
	for (int i = 0; i < 100000; i++) {
		int64_t ms = (int64_t)rng(), back = ~ms;
		if (i < 4)
			ms = (int64_t[]){ INT64_MIN, INT64_MAX, INT64_MIN + 1, INT64_MAX - 1 }[i];
		snprintf(at, sizeof(at), "@%" PRId64, ms);
		if ((!dq_parse_timestamp(at, &back) || back != ms) && bad++ < 5)
			fprintf(stderr, "FAIL \"%s\" -> %" PRId64 "\n", at, back);
		/* Formatting any int64_t stays inside 32 bytes and keeps its shape. */
		memset(buf, 'x', sizeof(buf));
		dq_format_timestamp(ms, buf, sizeof(buf));
		size_t n = strlen(buf);
		if ((n < 24 || buf[n - 1] != 'Z' || buf[n - 5] != '.' || buf[n - 14] != 'T') &&
		    bad++ < 5)
			fprintf(stderr, "FAIL format %" PRId64 " -> \"%s\"\n", ms, buf);
	}
	CHECKF(bad == 0, "%d round-trip failures", bad);
}

int main(void)
{
	test_parse();
	test_format();
	test_calendar_walk();
	test_round_trip();
	return unit_done();
}
