/*
 * dynlib.h - shared libraries loaded on first use instead of at every start.  Linked
 * normally, libarchive pulls eight libraries into every process and snappy pulls in
 * libstdc++; together they were most of what starting deltaq cost (3.2 ms of 4), and
 * `scan --jobs` starts a process per worker.  Most runs never decompress a Parquet page
 * or open an archive.  Internal to libdeltaq.
 *
 * A library is a list of the functions deltaq calls, an X-macro:
 *
 *     #define LSNAPPY_SYMBOLS(X) X(snappy_uncompress) X(snappy_uncompressed_length)
 *     DYNLIB_STRUCT(lsnappy, LSNAPPY_SYMBOLS);           (in a header, or the .c)
 *     DYNLIB_LOADER(lsnappy, "libsnappy.so.1", LSNAPPY_SYMBOLS)   (in one .c)
 *
 * which gives `const struct lsnappy *lsnappy(struct dq_error *err)`: the functions,
 * loading the library on the first call (thread-safe, and safe after fork: glibc restarts
 * a pthread_once that a vanished thread left in progress), or NULL with DQ_ENOTIMPL in
 * err naming the library and why it could not be loaded.  Callers call through it:
 *
 *     const struct lsnappy *sn = lsnappy(err);
 *     if (!sn)
 *             return err->code;
 *     sn->snappy_uncompress(...);
 *
 * The soname is the one the build compiled against (the header's major version), so the
 * functions match the header's declarations.  The library stays loaded for the life of
 * the process.
 */
#ifndef DQ_DYNLIB_H
#define DQ_DYNLIB_H

#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>

#include "internal.h"

/* dlopen(soname); NULL with why filled in. */
void *dynlib_open(const char *soname, char *why, size_t len);

/* Fills why for a symbol the library lacks. */
void dynlib_missing(const char *soname, const char *sym, char *why, size_t len);

/* Room for why a library could not be loaded. */
#define DYNLIB_WHY 256

#define DYNLIB_FIELD(f) __typeof__(f) *f;
#define DYNLIB_STRUCT(name, SYMBOLS) struct name { SYMBOLS(DYNLIB_FIELD) }

/* In name##_load: one dlsym per function, through the locals t, h, why and soname_. */
#define DYNLIB_SYM(f)                                                                      \
	if (!(*(void **)&t->f = dlsym(h, #f))) {                                           \
		dynlib_missing(soname_, #f, why, DYNLIB_WHY);                              \
		return;                                                                    \
	}

#define DYNLIB_LOADER(name, soname, SYMBOLS)                                               \
	static struct name name##_table;                                                   \
	static bool name##_loaded;                                                         \
	static char name##_why[DYNLIB_WHY];                                                \
	static pthread_once_t name##_once = PTHREAD_ONCE_INIT;                             \
	static void name##_load(void)                                                      \
	{                                                                                  \
		static const char soname_[] = soname;                                      \
		struct name *t = &name##_table;                                            \
		char *why = name##_why;                                                    \
		void *h = dynlib_open(soname_, why, DYNLIB_WHY);                           \
		if (!h)                                                                    \
			return;                                                            \
		SYMBOLS(DYNLIB_SYM)                                                        \
		name##_loaded = true;                                                      \
	}                                                                                  \
	const struct name *name(struct dq_error *err)                                      \
	{                                                                                  \
		pthread_once(&name##_once, name##_load);                                   \
		if (!name##_loaded) {                                                      \
			dq_fail(err, DQ_ENOTIMPL, "%s", name##_why);                       \
			return NULL;                                                       \
		}                                                                          \
		return &name##_table;                                                      \
	}

#endif
