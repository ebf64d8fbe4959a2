/* Root's sandbox without a user namespace.  There CMD runs as an
 * unprivileged host id (sandbox.h root_id) instead of the host's root, so:
 * - the places the policy lets it write are handed to that id for the run
 *   (handover_give) and everything in them back to the caller afterwards
 *   (handover_take_back): files written in OUT_DIR still end up root's;
 * - the directories above the policy's paths that the id could not search
 *   (/root is 0700, and rustup lives there) get a search-only POSIX ACL entry
 *   for it (handover_search).  The entry stays: it lets that id reach names
 *   it already knows, no more, and the policy still decides what it may
 *   open.  Nothing is followed through a symlink. */
#ifndef BSBOX_HANDOVER_H
#define BSBOX_HANDOVER_H

#include <sys/types.h>

#include "err.h"

/* path and everything below it on its filesystem that the caller owns
 * become id's (set-id files excepted); a path the caller does not own is
 * left alone. */
int handover_give(const char *path, uid_t id, struct bsbox_err *err);

/* Whatever id owns at or below path (uid or gid) becomes the caller's. */
int handover_take_back(const char *path, uid_t id, struct bsbox_err *err);

/* Let id search every proper ancestor directory of path. */
int handover_search(const char *path, uid_t id, struct bsbox_err *err);

#endif
