/*
 * timeutil.c - timestamps given on the command line (time travel, protocol section 9.3)
 * and printed by `log`: dq_parse_timestamp reads "@MILLIS", RFC 3339 and a few relaxed
 * UTC forms into epoch milliseconds; dq_format_timestamp writes RFC 3339 UTC with
 * milliseconds.  Dates are proleptic Gregorian, computed here rather than with timegm()
 * so neither the TZ variable nor the locale changes an answer.
 *
 * Accepted forms (s must hold nothing else, not even spaces):
 *
 *   @MILLIS                        epoch ms, optional '-', any int64_t
 *   YYYY-MM-DD                     midnight UTC
 *   YYYY-MM-DD?HH:MM[:SS[.F...]][Z]  ? is 'T', 't' or ' '; Z is 'Z', 'z', +HH:MM or -HH:MM;
 *                                  no zone means UTC; F is any number of digits, truncated
 *                                  to milliseconds; seconds 00-59 (no leap second)
 *
 * A year has exactly four digits.  All-digit strings ("42") are never timestamps: the
 * caller reads them as versions.
 */
#include <inttypes.h>
#include <stdio.h>

#include "deltaq.h"
#include "timeutil.h"

bool time_is_leap_year(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned time_days_in_month(int64_t y, unsigned m)
{
	static const unsigned char days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m < 1 || m > 12)
		return 0;
	return m == 2 && time_is_leap_year(y) ? 29 : days[m - 1];
}

/* Eras of 400 years (146097 days) starting on March 1st, so leap days end a year. */
int64_t time_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;                                /* [0, 399] */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;        /* [0, 146096] */
	return era * 146097 + doe - 719468;
}

void time_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;                                       /* [0, 146096] */
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
	int64_t mp = (5 * doy + 2) / 153;                                     /* [0, 11] */

	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

void time_from_ms(int64_t ms, struct time_civil *out)
{
	int64_t days = ms / TIME_MS_PER_DAY;
	int64_t rem = ms % TIME_MS_PER_DAY;

	if (rem < 0) {
		rem += TIME_MS_PER_DAY;
		days--;
	}
	time_civil_from_days(days, &out->year, &out->month, &out->day);
	out->millisecond = (unsigned)(rem % 1000);
	rem /= 1000;
	out->second = (unsigned)(rem % 60);
	rem /= 60;
	out->minute = (unsigned)(rem % 60);
	out->hour = (unsigned)(rem / 60);
}

bool time_to_ms(const struct time_civil *tc, int64_t *ms)
{
	if (tc->year < -9999999 || tc->year > 9999999)
		return false;
	if (tc->day < 1 || tc->day > time_days_in_month(tc->year, tc->month))
		return false;
	if (tc->hour > 23 || tc->minute > 59 || tc->second > 59 || tc->millisecond > 999)
		return false;
	int64_t secs = ((int64_t)tc->hour * 60 + tc->minute) * 60 + tc->second;
	*ms = time_days_from_civil(tc->year, tc->month, tc->day) * TIME_MS_PER_DAY +
	      secs * 1000 + tc->millisecond;
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Exactly n digits at *p into *out; advances *p. */
static bool fixed_digits(const char **p, int n, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < n; i++) {
		if (!is_digit((*p)[i]))
			return false;
		v = v * 10 + (unsigned)((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static bool parse_millis(const char *p, int64_t *ms)
{
	bool neg = *p == '-';
	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	uint64_t v = 0;

	p += neg;
	if (!is_digit(*p))
		return false;
	for (; is_digit(*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (limit - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (*p)
		return false;
	/* -(2^63) has no positive int64_t twin: negate in unsigned, convert once. */
	*ms = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
	return true;
}

/* "Z", "+HH:MM", "-HH:MM" or nothing; *offset_min is local minus UTC. */
static bool parse_zone(const char **p, int *offset_min)
{
	unsigned hh, mm;
	int sign;

	*offset_min = 0;
	if (**p == 'Z' || **p == 'z') {
		(*p)++;
		return true;
	}
	if (**p != '+' && **p != '-')
		return true;
	sign = **p == '-' ? -1 : 1;
	(*p)++;
	if (!fixed_digits(p, 2, &hh) || !expect(p, ':') || !fixed_digits(p, 2, &mm))
		return false;
	if (hh > 23 || mm > 59)
		return false;
	*offset_min = sign * (int)(hh * 60 + mm);
	return true;
}

static bool parse_civil(const char *p, int64_t *ms)
{
	struct time_civil tc = { 0 };
	unsigned year;
	int offset_min = 0;

	if (!fixed_digits(&p, 4, &year) || !expect(&p, '-') || !fixed_digits(&p, 2, &tc.month) ||
	    !expect(&p, '-') || !fixed_digits(&p, 2, &tc.day))
		return false;
	tc.year = year;
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!fixed_digits(&p, 2, &tc.hour) || !expect(&p, ':') ||
		    !fixed_digits(&p, 2, &tc.minute))
			return false;
		if (expect(&p, ':')) {
			if (!fixed_digits(&p, 2, &tc.second))
				return false;
			if (expect(&p, '.')) {
				if (!is_digit(*p))
					return false;
				for (unsigned scale = 100; is_digit(*p); p++, scale /= 10)
					tc.millisecond += (unsigned)(*p - '0') * scale;
			}
		}
		if (!parse_zone(&p, &offset_min))
			return false;
	}
	if (*p || !time_to_ms(&tc, ms))
		return false;
	*ms -= (int64_t)offset_min * 60000;
	return true;
}

bool dq_parse_timestamp(const char *s, int64_t *ms)
{
	int64_t v;

	if (!s)
		return false;
	if (!(*s == '@' ? parse_millis(s + 1, &v) : parse_civil(s, &v)))
		return false;
	if (ms)
		*ms = v;
	return true;
}

/*
 * Years 0000-9999 as four digits; beyond them ISO 8601's expanded form with a sign
 * ("+10000-01-01...", "-0001-12-31..."), which the full int64_t range needs
 * (31 bytes at most, "-292275055-05-16T16:47:04.192Z").
 */
char *dq_format_timestamp(int64_t ms, char *buf, size_t len)
{
	struct time_civil tc;

	if (!buf || len == 0)
		return buf;
	time_from_ms(ms, &tc);
	snprintf(buf, len,
		 tc.year >= 0 && tc.year <= 9999 ? "%04" PRId64 "-%02u-%02uT%02u:%02u:%02u.%03uZ"
						  : "%+05" PRId64 "-%02u-%02uT%02u:%02u:%02u.%03uZ",
		 tc.year, tc.month, tc.day, tc.hour, tc.minute, tc.second, tc.millisecond);
	return buf;
}
