/* Whole-file reads and atomic writes, for the lock and the review: thin
 * names for util.c's helpers (util_read_file, util_mkdir_p,
 * util_write_atomic), which every other module calls directly. */
#ifndef BSBOX_FILEIO_H
#define BSBOX_FILEIO_H

#include <stddef.h>

#include "err.h"

/* Read all of path (at most max bytes; more is -EFBIG) into a malloc'ed,
 * NUL-terminated buffer; *len (may be NULL) gets its length.  A missing
 * file is -ENOENT with err filled. */
int fileio_read(const char *path, size_t max, char **out, size_t *len, struct bsbox_err *err);

/* Write text to path through a temporary file in the same directory and
 * rename(), creating the directory (mode 0755) first. */
int fileio_write_atomic(const char *path, const char *text, struct bsbox_err *err);

/* mkdir -p dir (absolute or relative). */
int fileio_mkdir_p(const char *dir, struct bsbox_err *err);

#endif
