/* unit.h - the few macros the C unit tests share; each test ends with "N passed, N failed". */
#ifndef DQ_UNIT_H
#define DQ_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed;

#define CHECK(cond)                                                                     \
	do {                                                                            \
		if (cond) {                                                             \
			unit_passed++;                                                  \
		} else {                                                                \
			unit_failed++;                                                  \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                       \
	} while (0)

#define CHECK_INT(a, b)                                                                 \
	do {                                                                            \
		long long a_ = (long long)(a), b_ = (long long)(b);                     \
		if (a_ == b_) {                                                         \
			unit_passed++;                                                  \
		} else {                                                                \
			unit_failed++;                                                  \
			fprintf(stderr, "%s:%d: %s == %lld, expected %lld\n", __FILE__, __LINE__, #a, a_, b_); \
		}                                                                       \
	} while (0)

#define CHECK_STR(a, b)                                                                 \
	do {                                                                            \
		const char *a_ = (a), *b_ = (b);                                        \
		if (a_ && b_ && !strcmp(a_, b_)) {                                      \
			unit_passed++;                                                  \
		} else {                                                                \
			unit_failed++;                                                  \
			fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, \
				a_ ? a_ : "(null)", b_ ? b_ : "(null)");                \
		}                                                                       \
	} while (0)

static inline int unit_done(void)
{
	printf("%d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
