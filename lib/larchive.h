/*
 * larchive.h - libarchive, loaded when a command first needs it (a table in an archive,
 * `bundle`, `--version`) instead of at every start.  Linked normally, libarchive pulls
 * eight shared libraries into every process (nettle, acl, lzma, bz2, xml2 and ICU's 30 MB
 * of data among them): most of what starting deltaq costs, and `scan --jobs` starts a
 * process per worker.  Internal to libdeltaq.
 *
 * Code that uses libarchive takes the table of functions once and calls through it:
 *
 *     const struct larchive *la = larchive(err);
 *     if (!la)
 *             return err->code;
 *     struct archive *a = la->archive_read_new();
 */
#ifndef DQ_LARCHIVE_H
#define DQ_LARCHIVE_H

#include <archive.h>
#include <archive_entry.h>

#include "dynlib.h"

#define LARCHIVE_SYMBOLS(X)                                                              \
	X(archive_entry_filetype) X(archive_entry_free) X(archive_entry_hardlink)          \
	X(archive_entry_mtime) X(archive_entry_mtime_is_set) X(archive_entry_mtime_nsec)   \
	X(archive_entry_new) X(archive_entry_pathname) X(archive_entry_set_filetype)       \
	X(archive_entry_set_gid) X(archive_entry_set_mtime) X(archive_entry_set_pathname)  \
	X(archive_entry_set_perm) X(archive_entry_set_size) X(archive_entry_set_uid)       \
	X(archive_entry_size) X(archive_entry_size_is_set) X(archive_entry_symlink)        \
	X(archive_errno) X(archive_error_string) X(archive_format)                         \
	X(archive_read_data_block) X(archive_read_free) X(archive_read_new)                \
	X(archive_read_next_header) X(archive_read_open_filename)                          \
	X(archive_read_support_filter_all) X(archive_read_support_format_gnutar)           \
	X(archive_read_support_format_tar) X(archive_read_support_format_zip)              \
	X(archive_version_string) X(archive_write_add_filter_gzip)                         \
	X(archive_write_add_filter_xz) X(archive_write_add_filter_zstd)                    \
	X(archive_write_close) X(archive_write_data) X(archive_write_free)                 \
	X(archive_write_header) X(archive_write_new) X(archive_write_open_filename)        \
	X(archive_write_set_bytes_in_last_block) X(archive_write_set_filter_option)        \
	X(archive_write_set_format_pax) X(archive_write_set_format_zip)

DYNLIB_STRUCT(larchive, LARCHIVE_SYMBOLS);

/* The functions, loading libarchive on first use (dynlib.h); NULL with DQ_ENOTIMPL in err
 * when it cannot be loaded. */
const struct larchive *larchive(struct dq_error *err);

#endif
