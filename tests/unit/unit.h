/*
 * unit.h - the harness every C unit test shares.  A check counts into unit_passed or
 * unit_failed; a failed one prints "file:line: message" on stderr, with the part's name
 * after the line number while unit_run runs a named part.  main ends with
 * `return unit_done();`, which prints "N passed, N failed" and gives the exit status.
 * unit_rng is splitmix64, so a randomised test fails the same way on every run.
 * Not thread-safe: check from the thread that runs main.
 */
#ifndef DQ_UNIT_H
#define DQ_UNIT_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed, unit_skipped;
static const char *unit_part; /* the part unit_run is running, or NULL */

/* Counts a failure and prints "file:line: [part: ]message" on stderr. */
__attribute__((format(printf, 3, 4))) static inline void unit_fail(const char *file, int line,
								   const char *fmt, ...)
{
	va_list ap;

	unit_failed++;
	fprintf(stderr, "%s:%d: ", file, line);
	if (unit_part)
		fprintf(stderr, "%s: ", unit_part);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A failure with no condition to test, for code that has already decided. */
#define FAILF(...) unit_fail(__FILE__, __LINE__, __VA_ARGS__)

/* Passes if cond holds; otherwise prints the printf-style message after it. */
#define CHECKF(cond, ...)                                                               \
	do {                                                                            \
		if (cond)                                                               \
			unit_passed++;                                                  \
		else                                                                    \
			unit_fail(__FILE__, __LINE__, __VA_ARGS__);                     \
	} while (0)

#define CHECK(cond) CHECKF(cond, "check failed: %s", #cond)

#define CHECK_INT(a, b)                                                                 \
	do {                                                                            \
		long long a_ = (long long)(a), b_ = (long long)(b);                     \
		CHECKF(a_ == b_, "%s == %lld, expected %lld", #a, a_, b_);              \
	} while (0)

/* Both strings non-NULL and equal. */
#define CHECK_STR(a, b)                                                                 \
	do {                                                                            \
		const char *a_ = (a), *b_ = (b);                                        \
		CHECKF(a_ && b_ && !strcmp(a_, b_), "%s == \"%s\", expected \"%s\"", #a, \
		       a_ ? a_ : "(null)", b_ ? b_ : "(null)");                          \
	} while (0)

/* Runs fn as a part named name; then prints "ok - name" or "not ok - name" on stdout. */
static inline void unit_run(const char *name, void (*fn)(void))
{
	int failed = unit_failed;

	unit_part = name;
	fn();
	printf("%s - %s\n", unit_failed == failed ? "ok" : "not ok", name);
	fflush(stdout);
	unit_part = NULL;
}

/* Counts something the test left out and prints "SKIP [part: ]why" on stdout. */
__attribute__((format(printf, 1, 2))) static inline void unit_skip(const char *fmt, ...)
{
	va_list ap;

	unit_skipped++;
	fputs("SKIP ", stdout);
	if (unit_part)
		printf("%s: ", unit_part);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* splitmix64: the next number after *state; the same seed gives the same sequence. */
static inline uint64_t unit_rng(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* Prints "N passed, N failed"; the exit status for main: 1 after any failure, else 0. */
static inline int unit_done(void)
{
	printf("%d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
