/*
 * larchive.c - loads libarchive on first use (see larchive.h and dynlib.h).
 */
#include "larchive.h"

/* libarchive's soname on Debian and most distributions since 3.0. */
DYNLIB_LOADER(larchive, "libarchive.so.13", LARCHIVE_SYMBOLS)
