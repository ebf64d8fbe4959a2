/* The supervisor's memory of read-only opens, and of execve()s, it let
 * through unlogged (issue 16); one cache each.  Without the FUSE root every
 * open is a notification, and a compile opens the same headers again and
 * again: deciding one resolves the path on the host (open O_PATH + readlink
 * + close), checks the policy and, as root, stats the file.  A path seen
 * before skips all of that.  An exec is the same work in every mode, and a
 * configure script's PATH searches make thousands of them (most of them
 * misses in the granted /usr).
 *
 * Only what cannot turn into a denial is remembered (notify.c decides): an
 * absolute path as passed, under no writable rule either as passed or as
 * resolved (the sandbox cannot change what it leads to), outside /proc and
 * /dev (the same name means another file per process), while nothing traces
 * allowed calls; an exec only where the policy grants exec.  A miss costs
 * one hash; a full cache only stops growing.  Pure: no system calls. */
#ifndef BSBOX_PATHCACHE_H
#define BSBOX_PATHCACHE_H

#include <stdbool.h>
#include <stddef.h>

struct pathcache;

/* NULL when out of memory (the supervisor then decides every open). */
struct pathcache *pathcache_new(void);
void pathcache_free(struct pathcache *c);
/* c NULL: never there. */
bool pathcache_has(const struct pathcache *c, const char *path);
/* Remembers a copy of path; silently not when full (PATHCACHE_MAX paths or
 * PATHCACHE_BYTES of them) or out of memory.  c NULL is fine. */
void pathcache_add(struct pathcache *c, const char *path);
size_t pathcache_size(const struct pathcache *c);

#define PATHCACHE_MAX 32768
#define PATHCACHE_BYTES (4u << 20)

#endif
