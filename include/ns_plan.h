/* The mount plan: the sandbox's tree as one ordered list of operations,
 * built once from the policy (in the supervisor, before clone), then
 *   - applied in the new mount namespace by pid 1 (ns_build_root, ns.c), and
 *   - turned into the FUSE root's skeleton (ns_plan_skeleton), so that the
 *     nodes the supervisor pre-fills are exactly the mount points pid 1 uses.
 * As bubblewrap's SetupOp list: each op names its target in the new root and
 * is applied in order; a rule that cannot be applied is an op of its own
 * (NS_OP_SKIP) whose application reports it, never a silent hole.
 *
 * Pure: what the host holds at a rule's path (directory, file, symlink,
 * nothing) comes from the probe callback, so the unit test
 * (tests/unit/ns_plan_test.c) feeds it a table.  ns_host_probe (ns.c)
 * is the real one. */
#ifndef BSBOX_NS_PLAN_H
#define BSBOX_NS_PLAN_H

#include <stdbool.h>
#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "policy.h"

enum ns_op_kind {
	NS_OP_BIND_ROOT,  /* audit mode: the host's whole tree, read-write */
	NS_OP_TMPFS,      /* a fresh tmpfs: mkdir path (mode), mount with flags and opts */
	NS_OP_PROC,       /* a fresh proc: mkdir path (mode), mount with flags */
	NS_OP_DEV,        /* bind the host's device node at the same path (absent: nothing) */
	NS_OP_SYMLINK,    /* symlink path -> link */
	NS_OP_REMOUNT,    /* remount the mount at path with flags and opts (e.g. /dev read-only) */
	NS_OP_BIND,       /* a policy rule: the host's path, with the rule's access */
	NS_OP_SECRET,     /* hide (or sanitise) a credential file in the tree (creds.h) */
	NS_OP_SKIP,       /* a rule that cannot be applied: report path, errnum, why */
};

struct ns_op {
	enum ns_op_kind kind;
	char *path;           /* absolute, in the new root; owned */
	char *link;           /* SYMLINK; BIND: the host path is a symlink to this; else NULL; owned */
	mode_t mode;          /* TMPFS/PROC: the mount point's mode; BIND: the host's type
			       * (S_IFDIR, S_IFREG, S_IFLNK) or 0 if the probe could not tell */
	unsigned long flags;  /* TMPFS/PROC/REMOUNT: mount(2) flags */
	char opts[48];        /* TMPFS/REMOUNT: mount data ("mode=1777,size=64m") */
	unsigned access;      /* BIND: POL_R | POL_W | POL_X */
	char *origin;         /* BIND: the rule's "FILE:LINE", for messages, or NULL; owned */
	size_t index;         /* BIND: the rule's index (idmapped mounts); SECRET: the secret's */
	char *data;           /* SECRET: the sanitised copy to serve, or NULL: hide it; owned */
	size_t data_len;
	bool covered;         /* BIND, audit mode: already shown by NS_OP_BIND_ROOT; applied
			       * only to attach an idmapped mount over it */
	int errnum;           /* SKIP */
	const char *why;      /* SKIP: a string literal */
};

struct ns_plan {
	struct ns_op *ops;
	size_t n;
	bool audit;           /* the host tree, writable: no read-only remount of / */
};

/* What the host holds at a path. */
struct ns_host_node {
	mode_t type;          /* S_IFDIR, S_IFREG (anything else that is not a directory),
			       * S_IFLNK; 0: the probe failed (errnum says why) */
	int errnum;           /* ENOENT/ENOTDIR: the path does not exist */
	char link[PATH_MAX];      /* S_IFLNK: the target */
};
typedef void (*ns_probe_fn)(void *arg, const char *path, struct ns_host_node *out);

/* Build the plan for policy p (expanded, rules sorted parents first).  audit:
 * the host's tree read-write instead of the rules (binds only what the
 * private /tmp hides, and what an idmapped mount replaces).  A rule whose
 * path does not exist is left out (documented: not bound); one whose path
 * is too long becomes NS_OP_SKIP.  *out: caller frees (ns_plan_free).
 * 0 or -ENOMEM. */
int ns_plan_build(const struct policy *p, bool audit, ns_probe_fn probe, void *probe_arg,
		  struct ns_plan **out, struct bsbox_err *err);
void ns_plan_free(struct ns_plan *plan);

/* The nodes the plan needs in an empty root before it is applied (its mount
 * points and symlinks that do not lie inside a mount an earlier op made),
 * in order: fn(arg, path, type|mode, symlink target or NULL).  Missing
 * parents are implied directories.  Lets the FUSE root be filled before
 * pid 1 starts (fusefs_add).  Nothing for an audit plan (no FUSE root). */
typedef void (*ns_node_fn)(void *arg, const char *path, mode_t mode, const char *link);
void ns_plan_skeleton(const struct ns_plan *plan, ns_node_fn fn, void *arg);

/* Whether the plan binds a rule's path from the host (not a place the
 * sandbox provides itself: /, /tmp, /dev, /proc and what lies below /dev
 * and /proc). */
bool ns_rule_bound(const char *path);

/* For messages and the unit test: "tmpfs", "bind", ... */
const char *ns_op_name(enum ns_op_kind kind);

#endif
