/* Namespaces: id maps, and the mount tree: the plan (ns_plan.h, built from
 * the policy in the supervisor) applied in the sandbox's first process (pid 1
 * of the new pid namespace). */
#ifndef BSBOX_NS_H
#define BSBOX_NS_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"
#include "ns_plan.h"
#include "policy.h"

/* Map the caller's uid/gid to themselves in the fresh user namespace, so files
 * written in allowed places keep the caller's ownership. A failure here is
 * what Ubuntu's AppArmor restriction looks like (the clone succeeded). */
int ns_map_ids(uid_t uid, gid_t gid, struct bsbox_err *err);

/* When the caller is root: map the namespace of process pid so that its
 * uid/gid 0 is host uid/gid `id` (an unprivileged id: a build script must
 * never act as the host's root).  Written by the parent, which alone has
 * CAP_SETUID over the ids; pid 1 then calls ns_become_root(). */
int ns_map_root_to(pid_t pid, uid_t id, struct bsbox_err *err);

/* In pid 1 after ns_map_root_to: drop the host's supplementary groups and
 * switch to the namespace's uid/gid 0 (capabilities are kept). */
int ns_become_root(struct bsbox_err *err);

/* A detached copy of the tree at path (open_tree) whose ownership is seen
 * through userns_fd's id map: with ns_map_root_to's map, files the host's
 * root owns belong to the sandbox's root, and what it creates is owned by
 * the host's root on disk.  nosuid, nodev, noexec unless exec.  Needs the
 * host's root (CAP_SYS_ADMIN over the filesystem).  *out: the mount fd. */
int ns_idmapped_tree(const char *path, int userns_fd, bool exec, int *out, struct bsbox_err *err);

/* The mount plan for policy p as this host's file system shows it now
 * (ns_plan_build with ns_host_probe).  In the supervisor, before clone. */
int ns_plan_for_host(const struct policy *p, bool audit, struct ns_plan **out,
		     struct bsbox_err *err);

/* ns_probe_fn on the real file system: lstat, readlink. */
void ns_host_probe(void *arg, const char *path, struct ns_host_node *out);

struct ns_root_opts {
	const struct ns_plan *plan;  /* what to build (ns_plan_for_host) */
	const char *cwd;             /* chdir there afterwards if visible */
	/* Non-NULL: try to serve the root over FUSE (fusefs.h) instead of a
	 * tmpfs.  hand_fuse(fd, hand_arg) must pass the /dev/fuse fd to the
	 * server before anything is created there; it returns 0 or -errno.
	 * *fuse_used (if non-NULL) says which root was built. */
	int (*hand_fuse)(int fd, void *arg);
	void *hand_arg;
	bool *fuse_used;
	/* Root's sandbox (ns_map_root_to): switch to the namespace's root
	 * (ns_become_root) once every source and /dev/fuse are open, since the
	 * unprivileged id it maps to may not reach them (/root is 0700) ... */
	bool become_root;
	/* ... and per policy rule (ns_op.index), -1 or a detached idmapped
	 * mount (ns_idmapped_tree) to attach instead of a bind; NULL: none. */
	const int *idmapped;
	/* A rule that could not be applied (NS_OP_SKIP: the target path is
	 * too long; or the source won't open for another reason than not
	 * existing, the mount point cannot be made): the rule is left out and
	 * skipped(skipped_arg, path, errno, why) says so.  NULL: silently. */
	void (*skipped)(void *arg, const char *path, int errnum, const char *why);
	void *skipped_arg;
};

/* Build the new root: a tmpfs or FUSE root, the plan's operations applied
 * in order (sources opened first), pivot_root into it, detach the host
 * tree, / read-only (not in audit mode), chdir. */
int ns_build_root(const struct ns_root_opts *o, struct bsbox_err *err);

/* Bring up loopback in the new network namespace. Optional; failure ignored. */
void ns_loopback_up(void);

#endif
