/*
 * timeutil.h - calendar arithmetic behind dq_parse_timestamp and dq_format_timestamp:
 * the proleptic Gregorian calendar in UTC, computed here (Howard Hinnant's days_from_civil
 * algorithms) so no libc time zone, locale or timegm() is involved.
 */
#ifndef DQ_TIMEUTIL_H
#define DQ_TIMEUTIL_H

#include <stdbool.h>
#include <stdint.h>

#define TIME_MS_PER_DAY INT64_C(86400000)

/* A UTC instant broken down; year may be negative or above 9999 (astronomical numbering). */
struct time_civil {
	int64_t year;
	unsigned month;         /* 1-12 */
	unsigned day;           /* 1-31 */
	unsigned hour, minute, second, millisecond;
};

bool time_is_leap_year(int64_t y);

/* Days in month m of year y; 0 when m is not 1-12. */
unsigned time_days_in_month(int64_t y, unsigned m);

/*
 * Days from 1970-01-01 to y-m-d (negative before).  m must be 1-12 and d 1-31 (not checked
 * against the month: 2023-02-31 is 2023-03-03); |y| must stay below 2^40.
 */
int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d);

/* Inverse of time_days_from_civil; |days| must stay below 2^50. */
void time_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Epoch milliseconds to UTC fields; defined for every int64_t (floor division). */
void time_from_ms(int64_t ms, struct time_civil *out);

/*
 * UTC fields to epoch milliseconds.  False when a field is out of range (day beyond the
 * month, hour > 23, second > 59: no leap seconds, ...) or |year| > 9999999.
 */
bool time_to_ms(const struct time_civil *tc, int64_t *ms);

#endif
