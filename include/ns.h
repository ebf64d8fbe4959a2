/* Namespaces: id maps and the mount tree built from the policy. Runs in the
 * sandbox's first process (pid 1 of the new pid namespace). */
#ifndef BSBOX_NS_H
#define BSBOX_NS_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"
#include "policy.h"

/* Map the caller's uid/gid to themselves in the fresh user namespace, so files
 * written in allowed places keep the caller's ownership. A failure here is
 * what Ubuntu's AppArmor restriction looks like (the clone succeeded). */
int ns_map_ids(uid_t uid, gid_t gid, struct bsbox_err *err);

struct ns_root_opts {
	const struct policy *policy; /* expanded, rules sorted (parents first) */
	bool audit;                  /* bind the whole host tree read-write instead of the rules */
	const char *cwd;             /* chdir there afterwards if visible */
	/* Non-NULL: try to serve the root over FUSE (fusefs.h) instead of a
	 * tmpfs.  hand_fuse(fd, hand_arg) must pass the /dev/fuse fd to the
	 * server before anything is created there; it returns 0 or -errno.
	 * *fuse_used (if non-NULL) says which root was built. */
	int (*hand_fuse)(int fd, void *arg);
	void *hand_arg;
	bool *fuse_used;
};

/* Build the new root (tmpfs or FUSE + binds + private /tmp + minimal /dev + fresh
 * /proc), pivot_root into it, detach the host tree, chdir. */
int ns_build_root(const struct ns_root_opts *o, struct bsbox_err *err);

/* The mount points ns_build_root creates for a policy (not in audit mode),
 * in order: fn(arg, path, type|mode, symlink target or NULL).  Missing
 * parents are implied directories.  Lets the FUSE root be filled before pid 1
 * starts (fusefs_add). */
typedef void (*ns_node_fn)(void *arg, const char *path, mode_t mode, const char *link);
void ns_skeleton(const struct policy *p, ns_node_fn fn, void *arg);

/* Bring up loopback in the new network namespace. Optional; failure ignored. */
void ns_loopback_up(void);

#endif
