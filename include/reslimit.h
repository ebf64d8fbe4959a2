/* Resource limits of a sandbox run and the events that say one was hit:
 * a cgroup for memory and processes where bsbox can make one (root, or a
 * systemd-delegated cgroup v2 subtree), the rlimits CMD gets, and after the
 * run a `resource` event per limit hit (docs/events.md, docs/policy.md#limits). */
#ifndef BSBOX_RESLIMIT_H
#define BSBOX_RESLIMIT_H

#include <stdbool.h>
#include <sys/types.h>

#include "evlog.h"
#include "policy.h"
#include "report.h"

/* The cgroup(s) of one run: a v2 one, or v1 memory and pids ones. */
struct reslimit_cg {
	char dir[2][512]; /* created directories, "" if none */
	int procs[2];     /* their cgroup.procs, opened by the supervisor (so the
	                     kernel checks its rights, not CMD's), or -1 */
	bool mem;         /* memory.max (v1: memory.limit_in_bytes) is in force */
	bool pids;        /* pids.max is in force */
	long nproc_shared; /* tasks of CMD's uid outside the sandbox (reslimit_count_shared) */
	bool watch_pids;  /* no pids.max: the supervisor counts forks (limitwatch.h) */
	bool watch_mem;   /* no memory.max: the supervisor samples memory (limitwatch.h) */
};

/* What was hit; filled by reslimit_cg_read() and the caller (signals, timer). */
struct reslimit_hits {
	long oom_kills;  /* the cgroup's oom_kill counter */
	long pids_max;   /* the cgroup's pids.events max counter (forks refused) */
	long mem_kills;  /* processes the supervisor killed at mem_mb (limitwatch.h) */
	long mem_peak_mb; /* what the sandbox held then */
	int signal;      /* CMD died of SIGXFSZ or SIGXCPU, or 0 */
	bool wall;       /* the supervisor's wall-clock timer ended the run */
	bool tmp_full;   /* the private /tmp was full at the end */
	bool shm_full;   /* the private /dev/shm was full at the end */
};

/* Best effort: no cgroup is not an error (the rlimit fallbacks apply). */
void reslimit_cg_setup(struct reslimit_cg *cg, const struct policy_limits *l);
/* supervised: a supervisor will serve the sandbox's notifications, so it
 * can enforce (and see) what no cgroup does: sets cg->watch_*. */
void reslimit_plan_watch(struct reslimit_cg *cg, const struct policy_limits *l, bool supervised);
/* Without a user namespace of its own, RLIMIT_NPROC counts every task
 * (threads too) of CMD's uid on the host: the user's browser and IDE, or
 * root's other sandboxes running in parallel.  Count them now, so the limit
 * means nproc tasks more than that. */
void reslimit_count_shared(struct reslimit_cg *cg, uid_t uid);
/* In CMD, before exec: move itself into the cgroup(s). */
void reslimit_cg_join(const struct reslimit_cg *cg);
/* In CMD, before exec: the rlimits (RLIMIT_DATA stands in for memory.max
 * when neither a cgroup nor the supervisor enforces it, and is a backstop
 * above it when the supervisor does; RLIMIT_NPROC likewise). */
void reslimit_apply(const struct policy_limits *l, const struct reslimit_cg *cg);
/* After the run: the cgroup's counters into h. */
void reslimit_cg_read(const struct reslimit_cg *cg, struct reslimit_hits *h);
/* Close and remove the cgroup(s) (once their processes are gone). */
void reslimit_cg_remove(struct reslimit_cg *cg);
/* rmdir the empty base/PREFIX<pid> cgroups of bsbox runs that were killed
 * (no process <pid> any more); the limits' own and the deny layer's. */
void reslimit_sweep(const char *base, const char *prefix);
/* Whether an O_PATH fd of a private tmpfs is full (no free block or inode). */
bool reslimit_tmpfs_full(int fd);
/* A compiler run (rustc loading proc macros) or the long-lived proc-macro
 * server: the build-script defaults of mem_mb, cpu_s and wall_s (sized for a
 * script) become unlimited; a value a policy file chose stays. */
void reslimit_for_compiler(struct policy_limits *l);
/* One `resource` event (log + report) per hit, with the entry that raises it. */
void reslimit_report(const struct policy_limits *l, const struct reslimit_hits *h,
		     struct evlog *log, struct report *rep);

#endif
