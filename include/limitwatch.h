/* The supervisor enforces nproc and mem_mb itself where no cgroup does
 * (an unprivileged user without systemd delegation, or a host where bsbox
 * cannot make one), so that a hit is seen and logged like the cgroup's:
 *
 *   processes  clone (without namespace flags), fork and vfork are notified
 *              (scf_opts.notify_forks); the supervisor counts the sandbox's
 *              tasks (proctree.h) and answers EAGAIN at nproc.  It only walks
 *              /proc when the tasks counted last plus the forks let through
 *              since could reach the limit.  RLIMIT_NPROC stays a little
 *              above as the kernel's backstop (reslimit_apply).
 *   memory     every 50 ms the anonymous memory of the sandbox's processes
 *              is summed (/proc/PID/statm, cheap, an upper bound); above
 *              mem_mb the proportional share (smaps_rollup Pss_Anon) decides,
 *              and the process holding the most is killed (as the cgroup's
 *              OOM killer would).  RLIMIT_DATA stays per process as a backstop
 *              well above it (reslimit_apply), so growth has room to be seen.
 *
 * Not seen (docs/policy.md#limits): one allocation beyond the RLIMIT_DATA
 * backstop (refused whole, nothing is touched), growth faster than a 50 ms
 * sample (the overshoot), memory that is not a process's anonymous mapping
 * (tmpfs and memfd files, pipe buffers, the page cache). */
#ifndef BSBOX_LIMITWATCH_H
#define BSBOX_LIMITWATCH_H

#include <linux/seccomp.h>
#include <stdbool.h>
#include <sys/types.h>

#include "err.h"
#include "policy.h"
#include "reslimit.h"

/* ---- the fork budget (pure, unit-tested) ---- */

/* Counting the tasks walks /proc; a fork only needs a count when the
 * last one plus the forks let through since could reach the limit (every
 * new task passes a notified fork, exits only lower the count). */
struct lw_budget {
	long limit;          /* tasks at once */
	long known;          /* tasks at the last count */
	long since;          /* forks let through since then */
	long long quiet_ns;  /* until then refuse without counting: the sandbox was full
	                        when last counted, and counting again at once would let
	                        a fork bomb keep the supervisor walking /proc */
	long refused;        /* forks refused */
};

/* Counts the sandbox's tasks now; *cost_ns: how long that took. */
typedef long (*lw_count_fn)(void *arg, long long *cost_ns);

/* One fork at time now_ns: true to let it through, false to refuse it. */
bool lw_budget_fork(struct lw_budget *b, long long now_ns, lw_count_fn count, void *arg);

/* A count made for another reason (the memory sample) refreshes the budget. */
void lw_budget_counted(struct lw_budget *b, long tasks);

/* ---- the watch ---- */

struct limitwatch;

/* What a notified call is to the watch. */
enum lw_call {
	LW_NOT_A_FORK, /* not counted here: the caller decides as before (a clone with
	                  namespace flags is a violation) */
	LW_ALLOW,      /* let it through (SECCOMP_USER_NOTIF_FLAG_CONTINUE) */
	LW_REFUSE,     /* answer -EAGAIN, as RLIMIT_NPROC and pids.max do */
};

/* nproc / mem: which of l's limits the supervisor enforces (those > 0 only).
 * *out is NULL (and 0 returned) when there is nothing to watch. */
int limitwatch_new(const struct policy_limits *l, bool nproc, bool mem, struct limitwatch **out,
		   struct bsbox_err *err);
/* The sandbox runs below top (pid 1, or the degraded mode's reaper): start
 * the memory timer. */
int limitwatch_start(struct limitwatch *w, pid_t top, struct bsbox_err *err);
/* The timer's fd for the supervisor's poll (-1: none); limitwatch_tick when
 * it is readable. */
int limitwatch_fd(const struct limitwatch *w);
void limitwatch_tick(struct limitwatch *w);
/* A notification (the native arch's number and arguments). */
enum lw_call limitwatch_call(struct limitwatch *w, const struct seccomp_data *d);
/* After the run: forks refused and processes killed into h. */
void limitwatch_hits(const struct limitwatch *w, struct reslimit_hits *h);
void limitwatch_free(struct limitwatch *w);

#endif
