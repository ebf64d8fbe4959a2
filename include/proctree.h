/* The processes below a process, read from /proc: the sandbox's tasks for
 * the supervisor's own limits (limitwatch.h).  Without a pid namespace
 * (degraded mode) there is no cheaper way to name them; with one, the same
 * walk from its pid 1 avoids looking through the sandbox's FUSE root. */
#ifndef BSBOX_PROCTREE_H
#define BSBOX_PROCTREE_H

#include <sys/types.h>

/* Called once per process below the top: its pid and its thread count.
 * Returning nonzero stops the walk. */
typedef int (*proctree_fn)(void *arg, pid_t pid, long nthreads);

/* Walks the processes below `top` (top itself excluded) breadth first
 * through /proc/PID/task/TID/children, so the children of every thread are
 * found.  Returns the number of tasks (threads included, as RLIMIT_NPROC and
 * pids.max count them) below top, or -ENOMEM (-E2BIG when
 * pids were reused so fast that the walk found more than pid_max).  A process that forks, exits
 * or is re-parented during the walk may be missed or counted twice: the
 * count is a snapshot, not a bound. fn may be NULL. */
long proctree_walk(pid_t top, proctree_fn fn, void *arg);

#endif
