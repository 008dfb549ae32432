/*
 * dynlib.c - the shared part of loading a library on first use (see dynlib.h).
 */
#include "dynlib.h"

void *dynlib_open(const char *soname, char *why, size_t len)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(why, len, "cannot load %s: %s", soname, e ? e : "dlopen failed");
	}
	return h;
}

void dynlib_missing(const char *soname, const char *sym, char *why, size_t len)
{
	snprintf(why, len, "cannot load %s: it has no %s", soname, sym);
}
