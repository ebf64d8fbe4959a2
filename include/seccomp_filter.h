/* Policy -> seccomp filter (libseccomp), built in the parent before any
 * fork; the child only loads it. */
#ifndef BSBOX_SECCOMP_FILTER_H
#define BSBOX_SECCOMP_FILTER_H

#include <linux/sched.h>
#include <seccomp.h>
#include <stdbool.h>

#include "err.h"
#include "policy.h"

struct scf_opts {
	bool network;      /* policy allows network: sockets of any family */
	bool have_netns;   /* a network namespace isolates us: IP sockets may be created, and
	                      bind goes to the supervisor to be logged (connect, sendto with an
	                      address, sendmsg and sendmmsg always do, for unix sockets) */
	bool notify;       /* use SCMP_ACT_NOTIFY (else plain errno actions) */
	bool notify_paths; /* notify on path syscalls (open*, exec*, mkdir, rename...) for logging */
	bool reads_free;   /* with notify_paths: read-only open/openat are not notified (the
	                      FUSE root sees the ones that leave the policy, see fusefs.h) */
	bool probes;       /* with notify_paths: a mount namespace without a FUSE root hides
	                      paths from stat & co. in silence, so the path probes (stat,
	                      access, chdir, opening a directory or an O_PATH) go to the
	                      supervisor too, when they name a path from the cwd
	                      (AT_FDCWD) rather than from a descriptor (notify_probe.h) */
	bool trace_net;    /* the supervisor traces (trace.h): connect & co. are notified
	                      without a netns too; only AF_UNIX sockets exist then, and
	                      those it lets through */
	bool notify_forks; /* clone without namespace flags, fork and vfork are notified
	                      too: the supervisor counts the tasks (limitwatch.h) */
};

/* clone(2)'s flags argument (arg0 everywhere but s390, where the stack comes
 * first) and the flags that create namespaces, which the filter refuses. */
#if defined(__s390__) || defined(__s390x__)
#define SCF_CLONE_FLAGS_ARG 1
#else
#define SCF_CLONE_FLAGS_ARG 0
#endif
#define SCF_CLONE_NS_FLAGS                                                                      \
	((unsigned long long)(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |      \
			      CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET))

int scf_build(const struct scf_opts *o, scmp_filter_ctx *out, struct bsbox_err *err);

/* pid 1's own filter (full mode), loaded once CMD is forked: an allow list
 * of what it still does (wait, its socket, exit), EPERM for the rest. */
int scf_build_init(scmp_filter_ctx *out, struct bsbox_err *err);

/* errno the supervisor answers for a denied (non-path, non-network) syscall
 * number, e.g. ENOSYS for io_uring_setup, EPERM otherwise. */
int scf_deny_errno(int syscall_nr);

#endif
