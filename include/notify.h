/* The seccomp user-notification supervisor (supervise.c, notify.c,
 * notify_net.c; notify_call.h): receive -> decode -> id_valid ->
 * decide -> respond.  It only ever denies, or lets through (CONTINUE) what the
 * kernel-side layers still enforce; it never grants after reading memory. */
#ifndef BSBOX_NOTIFY_H
#define BSBOX_NOTIFY_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"
#include "evlog.h"
#include "fusefs.h"
#include "limitwatch.h"
#include "pathcache.h"
#include "policy.h"
#include "report.h"
#include "syscalls.h"
#include "trace.h"

struct notify_ctx {
	const struct policy *policy; /* expanded */
	bool audit;                  /* paths outside the policy: log + CONTINUE */
	bool have_netns;             /* network attempts: logged; the netns enforces */
	struct evlog *log;
	struct report *report;
	int pidfd;                   /* the sandbox's top process: loop ends when it exits */
	int sigfd;                   /* signalfd (SIGINT, SIGTERM, SIGHUP), or -1 */
	pid_t top_pid;               /* the sandbox's pid 1 (full mode), for FUSE's pids */
	struct fusefs *fuse;         /* the FUSE root to serve and hear misses from, or NULL */
	uid_t root_id;               /* the host id the sandbox runs as when root started it
	                                (sandbox.h), 0 = the caller's own: granted files it
	                                may not read are denied and logged */
	struct trace *trace;         /* the access trace (trace.h), or NULL: denials always go
	                                there; allowed calls too when trace->bpf is NULL */
	struct limitwatch *watch;    /* the limits the supervisor enforces itself (forks, a
	                                memory sample), or NULL */
	struct sc_numbers nrs;       /* the syscall table's numbers: notify_supervise fills it */
	struct pathcache *paths;     /* allowed read-only opens remembered (pathcache.h):
	                                notify_supervise's own */
	struct pathcache *execs;     /* the same for allowed execve()s (notify.c) */
};

/* Enable SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP where the kernel has it and
 * reads are notified (see supervise.c for why only then). */
void notify_tune(int notify_fd, bool reads_notified);

/* Serve notifications until the pidfd becomes readable (returns 0) or a
 * signal arrives on sigfd (returns the signal number). notify_fd may be -1
 * (then it only waits). Returns -errno on a supervisor failure; the caller
 * then kills the sandbox (fail closed). A target that died while its
 * notification was pending (ENOENT) is normal, not an error. */
int notify_supervise(struct notify_ctx *ctx, int notify_fd, struct bsbox_err *err);

#endif
