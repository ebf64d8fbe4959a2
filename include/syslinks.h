/* The targets of the system's own symlinks in the directories the default
 * policy grants (issue 12): Ubuntu's /etc/resolv.conf points to
 * /run/systemd/resolve/stub-resolv.conf, outside every rule.  Following it
 * is the system's doing, not the script's, so the target is granted read
 * when the policy loads, instead of the read being a logged denial (or, in
 * a mount tree that lacks it, a dangling link). */
#ifndef BSBOX_SYSLINKS_H
#define BSBOX_SYSLINKS_H

#include "err.h"
#include "policy.h"

/* The directories looked into (one level deep): "/etc". */
extern const char *const syslinks_default_dirs[];

/* For every symlink directly inside one of dirs (NULL-terminated) that is
 * itself readable by the expanded policy p: grant read of its resolved
 * target when it exists and no rule covers it yet.  0 or -errno. */
int syslinks_grant(struct policy *p, const char *const *dirs, struct bsbox_err *err);

#endif
