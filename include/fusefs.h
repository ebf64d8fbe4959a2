/* The sandbox root served over FUSE: a tripwire, not a file system.
 *
 * In full mode the sandbox's root is an in-memory skeleton (the directories,
 * files and symlinks pid 1 creates as mount points while building the tree);
 * everything a build script may touch is bind-mounted on top of it, so
 * allowed accesses never reach us.  The only requests that do are path
 * lookups that leave the tree: a name that is not in the skeleton.  That is
 * exactly the set of paths outside the policy, and it lets the supervisor
 * log reads outside the policy without a seccomp round trip for every
 * allowed open (issue 3: ~14 us each, ~1,200 per C compile).
 *
 * The server is single-threaded and never blocks: the supervisor polls
 * fusefs_fd() with its other fds and calls fusefs_serve() when it is
 * readable.  Nothing here touches the sandbox's mount namespace. */
#ifndef BSBOX_FUSEFS_H
#define BSBOX_FUSEFS_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

struct fusefs;

/* Called for a lookup of a name that is not in the sealed skeleton.
 * pid is the caller as the sandbox's pid namespace numbers it (FUSE
 * translates to the namespace of the process that mounted); path is the
 * absolute path being looked up, as the sandbox sees it ("/root/.ssh").
 * Returns the positive errno to answer: ENOENT is the usual "not there". */
typedef int (*fusefs_miss_fn)(void *arg, pid_t pid, const char *path);

/* True if this user can open /dev/fuse (a cheap, side-effect-free hint; the
 * mount itself can still fail, see fusefs_mount). */
bool fusefs_available(void);

/* In the sandbox's user and mount namespaces (pid 1): open /dev/fuse (it
 * must be opened inside the user namespace that mounts) and mount it at
 * target, owned by uid/gid as this namespace numbers them.  On success
 * *fd_out is the /dev/fuse fd (O_CLOEXEC), to be handed to the server
 * before anything touches target: every operation there blocks until the
 * server answers. */
int fusefs_mount(const char *target, uid_t uid, gid_t gid, int *fd_out, struct bsbox_err *err);

/* The server side (the supervisor).  Takes ownership of fd.  uid/gid are
 * reported as the owner of every node (the ids the sandbox runs with). */
int fusefs_new(int fd, uid_t uid, gid_t gid, struct fusefs **out, struct bsbox_err *err);
void fusefs_free(struct fusefs *fs);

static inline void cleanup_fusefsp(struct fusefs **fs)
{
	if (*fs)
		fusefs_free(*fs);
}
#define cleanup_fusefs __attribute__((cleanup(cleanup_fusefsp)))

/* Put a node in the skeleton before pid 1 asks for it (the supervisor knows
 * the mount points from the mount plan, ns_plan_skeleton): missing parents
 * become directories (0755); an existing node is left alone.  mode carries the type
 * (S_IFDIR, S_IFREG or S_IFLNK with link = the target).  Saves pid 1 three
 * round trips per mount point.  0, or -errno (-ENOTDIR: a parent is not a
 * directory, e.g. a symlink such as /lib -> usr/lib). */
int fusefs_add(struct fusefs *fs, const char *path, mode_t mode, const char *link);

/* The fd to poll for POLLIN. */
int fusefs_fd(const struct fusefs *fs);

/* The skeleton is complete (pid 1 has finished building the tree): from now
 * on creating or changing anything fails with EROFS, and a lookup miss goes
 * to the miss callback.  Before sealing a miss is a plain ENOENT. */
void fusefs_seal(struct fusefs *fs);

/* Read and answer one request.  Returns 0; -ENODEV once the file system is
 * gone (the sandbox's mount namespace died: the server is done); another
 * -errno on a failure of the device itself.  miss may be NULL. */
int fusefs_serve(struct fusefs *fs, fusefs_miss_fn miss, void *arg);

/* How many requests have been served (for the unit test). */
unsigned long fusefs_requests(const struct fusefs *fs);

#endif
