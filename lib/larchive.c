/*
 * larchive.c - loads libarchive on first use (see larchive.h).  The soname is the one the
 * build compiled against, so the functions match the header's declarations.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <pthread.h>
#include <stdbool.h>

#include "larchive.h"

/* libarchive's soname on Debian and most distributions since 3.0. */
#define LARCHIVE_SONAME "libarchive.so.13"

static struct larchive table;
static bool loaded;
static char why[200];
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void load(void)
{
	void *h = dlopen(LARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(why, sizeof(why), "%s", e ? e : "cannot load " LARCHIVE_SONAME);
		return;
	}
#define LARCHIVE_LOAD(f)                                                                   \
	if (!(*(void **)&table.f = dlsym(h, #f))) {                                        \
		snprintf(why, sizeof(why), "%s has no %s", LARCHIVE_SONAME, #f);           \
		return;                                                                    \
	}
	LARCHIVE_SYMBOLS(LARCHIVE_LOAD)
#undef LARCHIVE_LOAD
	loaded = true; /* h stays open for the life of the process */
}

const struct larchive *larchive(struct dq_error *err)
{
	pthread_once(&once, load);
	if (!loaded) {
		dq_fail(err, DQ_ENOTIMPL, "archives need libarchive: %s", why);
		return NULL;
	}
	return &table;
}
