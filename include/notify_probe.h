/* Probes of hidden paths in a mount namespace without a FUSE root (issue 12).
 *
 * There the root is a tmpfs skeleton: a stat, access, chdir or opendir of a
 * path the policy hides gets a plain ENOENT from the kernel, and a
 * pkg-config that stat()s its $PKG_CONFIG_PATH falls back to the system's
 * .pc without a word.  The filter's probe rules (seccomp_filter.c) send
 * those calls to the supervisor in that mode only; notify.c answers
 * CONTINUE unless notify_probe_judge says the path exists on the host and
 * the target's tree does not show it: then the informational "hidden" event
 * the FUSE root's lookup misses give, and ENOENT, the answer the tree gives
 * anyway.
 *
 * Cost of an allowed probe: a notification round trip, one read of the
 * target's memory (and of its cwd for a relative path) and a walk of the
 * policy's rules.  Only a path the policy does not grant costs an lstat;
 * only one that also exists on the host, a look into the target's tree.
 *
 * Not probes here, for their cost (README, "Probes without FUSE"): readlink,
 * which realpath() calls on every component of every path (cc1: ~5,500 a
 * compile of a file with 110 system headers: ~1.5x), and lookups relative
 * to a descriptor (find, fts, Rust's DirEntry::metadata), which start in a
 * directory the tree shows.  A realpath that fails on a hidden component is
 * followed by the stat or the open that is seen. */
#ifndef BSBOX_NOTIFY_PROBE_H
#define BSBOX_NOTIFY_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "policy.h"
#include "syscalls.h"

/* Where a probe's path is, from its registers. */
struct notify_probe_args {
	int dirfd;     /* AT_FDCWD or one of the target's descriptors */
	uint64_t path; /* the path's address in the target */
	bool follow;   /* the last component is followed */
};

/* Pure.  true if the call (se, its registers a) is a probe: a probe kind
 * of syscalls.h, or an open/openat of a directory for reading or of an
 * O_PATH (what opendir and realpath-style walks do); out says where its
 * path is.  false for the rest: an open that reads or writes a file is
 * judged as one (notify.c), an AT_EMPTY_PATH form (fstat) names no path. */
bool notify_probe_args(const struct sc_entry *se, const uint64_t a[6],
		       struct notify_probe_args *out);

enum notify_probe_seen {
	PROBE_SEEN,   /* granted, shown by the tree, or nowhere on the host: CONTINUE */
	PROBE_HIDDEN, /* on the host, and the target's lookup of it ends in ENOENT */
};

/* abs is what pid probed (absolute, normalised).  PROBE_HIDDEN fills miss
 * (size bytes) with where pid's lookup leaves its tree: the first
 * component it cannot see, the path a FUSE root's lookup miss names.
 * Reads the host and pid's root (/proc/PID/root); never call it with a FUSE
 * root: a lookup in that tree would wait for our own FUSE server. */
enum notify_probe_seen notify_probe_judge(const struct policy *p, pid_t pid, const char *abs,
					  bool follow, char *miss, size_t size);

#endif
