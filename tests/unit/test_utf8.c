/*
 * test_utf8.c - dq_utf8_seq and dq_json_text: text that may not be UTF-8 (file names on
 * disk, decoded log paths) made fit for JSON, every stray byte as U+FFFD, and valid UTF-8
 * (1 to 4 bytes) kept as it is.  Its output must always be accepted by jansson again.
 */
#include <stdlib.h>

#include "deltaq.h"
#include "unit.h"

static void seq(void)
{
	static const struct { const char *s; size_t n; } cases[] = {
		{ "a", 1 }, { "", 1 },                       /* ASCII, NUL */
		{ "\xc3\xa9", 2 }, { "\xe2\x82\xac", 3 }, { "\xf0\x9f\x98\x80", 4 },
		{ "\xdf\xbf", 2 }, { "\xef\xbf\xbf", 3 }, { "\xf4\x8f\xbf\xbf", 4 }, /* the edges */
		{ "\xc2\x80", 2 }, { "\xe0\xa0\x80", 3 }, { "\xf0\x90\x80\x80", 4 }, /* the smallest */
		{ "\xed\x9f\xbf", 3 }, { "\xee\x80\x80", 3 },   /* around the surrogates */
		{ "\x80", 0 }, { "\xbf", 0 },                /* a continuation byte alone */
		{ "\xc0\x80", 0 }, { "\xc1\xbf", 0 },        /* overlong 2-byte forms */
		{ "\xe0\x80\x80", 0 }, { "\xf0\x80\x80\x80", 0 }, /* overlong 3 and 4 */
		{ "\xed\xa0\x80", 0 },                       /* a surrogate, U+D800 */
		{ "\xf4\x90\x80\x80", 0 }, { "\xf5\x80\x80\x80", 0 }, /* beyond U+10FFFF */
		{ "\xc3", 0 }, { "\xe2\x82", 0 }, { "\xf0\x9f\x98", 0 }, /* cut short by the NUL */
		{ "\xc3(", 0 }, { "\xff", 0 }, { "\xfe", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		CHECKF(dq_utf8_seq(cases[i].s) == cases[i].n, "case %zu: %zu, expected %zu", i,
		       dq_utf8_seq(cases[i].s), cases[i].n);
}

static void text(void)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain/path.parquet", "plain/path.parquet" },
		{ "\xc3\xa9t\xc3\xa9", "\xc3\xa9t\xc3\xa9" },
		{ "a\xffz", "a\xef\xbf\xbdz" },
		{ "\xc3", "\xef\xbf\xbd" },
		{ "\xe2\x82(", "\xef\xbf\xbd\xef\xbf\xbd(" },
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "ok\xf0\x9f\x98\x80\x80", "ok\xf0\x9f\x98\x80\xef\xbf\xbd" },
		/* valid sequences of every length kept beside a stray byte */
		{ "\xc2\x80\xe0\xa0\x80\xf0\x90\x80\x80\xed\x9f\xbf\xff",
		  "\xc2\x80\xe0\xa0\x80\xf0\x90\x80\x80\xed\x9f\xbf\xef\xbf\xbd" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_t *j = dq_json_text(cases[i].in);
		CHECKF(j && !strcmp(json_string_value(j), cases[i].out), "case %zu", i);
		/* what it gives survives a round trip through jansson's own parser */
		char *dump = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
		json_t *back = dump ? json_loads(dump, JSON_DECODE_ANY, NULL) : NULL;
		CHECKF(back && json_equal(back, j), "case %zu: no round trip", i);
		json_decref(back);
		free(dump);
		json_decref(j);
	}
	CHECK(dq_json_text(NULL) == NULL);
}

int main(void)
{
	seq();
	text();
	return unit_done();
}
