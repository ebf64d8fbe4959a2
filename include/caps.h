/* Capabilities: drop every one (effective, permitted, inheritable, ambient,
 * bounding) with libcap. */
#ifndef BSBOX_CAPS_H
#define BSBOX_CAPS_H

#include <sys/types.h>

#include "err.h"

int caps_drop_all(struct bsbox_err *err);

/* Become uid/gid (all of real, effective, saved) with no supplementary
 * groups, emptying the bounding set first (while CAP_SETPCAP is still
 * there).  Clears the parent-death signal, as every id change does. */
int caps_set_ids(uid_t uid, gid_t gid, struct bsbox_err *err);

#endif
