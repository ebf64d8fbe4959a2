/* Path and file helpers, one home each (STYLE.md: "one helper per job"):
 * lexical normalisation, "is this path under that directory", resolving a
 * path before such a check, mkdir -p, reading a whole file, our own
 * executable, a PATH search.  util_path_normalise and util_path_within are
 * pure (no system calls); tests/unit/util_test.c covers every helper. */
#ifndef BSBOX_UTIL_H
#define BSBOX_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"

/* Lexical normalisation of the absolute path `in` into out (outlen bytes;
 * in == out is allowed): no "//", "." or "..", ".." never climbs above "/",
 * no trailing '/'.  0; -EINVAL if in is not absolute; -ENAMETOOLONG. */
int util_path_normalise(const char *in, char *out, size_t outlen);

/* path is dir or lies beneath it, comparing whole components ("/a/bc" is not
 * under "/a/b"; everything absolute is under "/").  Lexical: give it
 * normalised paths (util_path_normalise, or util_path_resolve when symlinks
 * matter).  A trailing '/' on dir is ignored. */
bool util_path_within(const char *path, const char *dir);

/* The path as the kernel would resolve it: realpath() of path (made
 * absolute against the current directory), or, if the path does not exist,
 * its longest existing ancestor resolved and the rest normalised
 * lexically.  Malloc'ed; NULL with errno set. */
char *util_path_resolve(const char *path);

/* dir, once resolved, is "/", the home directory ($HOME, resolved) or one
 * that holds it: granting it would hand out ~/.ssh and the like. */
bool util_holds_home(const char *dir);

/* mkdir -p: create path and its missing parents (mode for each). 0 or
 * -errno.  Like every copy it replaced, a non-directory already in the way
 * is not an error here: the caller's next step (open, bind) reports it. */
int util_mkdir_p(const char *path, mode_t mode);

/* Read all of path into a malloc'ed, NUL-terminated *out (*len bytes, len
 * may be NULL).  A file longer than max bytes fails with EFBIG. 0 or -errno
 * with err filled ("opening PATH: ..."). */
int util_read_file(const char *path, size_t max, char **out, size_t *len, struct bsbox_err *err);

/* Write all len bytes of buf to fd, through short writes and EINTR. 0 or
 * -errno. */
int util_write_all(int fd, const void *buf, size_t len);

/* Replace path with len bytes of data, atomically: a new PATH.bsbox-tmp.PID
 * (created with mode, never through a symlink), fsync'ed, renamed over
 * path; it never stays behind.  0 or -errno with err filled. */
int util_write_atomic(const char *path, const char *data, size_t len, mode_t mode,
		      struct bsbox_err *err);

/* This binary's absolute path (/proc/self/exe) into buf. 0 or -errno. */
int util_self_exe(char *buf, size_t size);

/* What execvp(name) would run: name itself if it holds a '/' (made
 * absolute against the current directory, symlinks kept), else the first
 * executable regular file name in the PATH list path_env (NULL: "/bin:/usr/bin"
 * as glibc).  Malloc'ed; NULL with errno (ENOENT: not found, ENOMEM). */
char *util_which(const char *name, const char *path_env);

#endif
