/* Credentials inside the trees a policy makes readable (issue 10 item 8).
 *
 * The workspace is readable, .git included (`git describe` needs it), yet a
 * CI checkout keeps its token there: actions/checkout writes
 * http.<url>.extraheader into .git/config, remotes are written
 * https://user:token@host/..., and .git-credentials or .netrc files sit at a
 * tree's top.  creds_scan() finds them at the top of every readable rule
 * (and in .git/modules/ for submodules) and records them in the policy
 * (struct policy_secret), unless a "credentials" rule (POL_C) covers them:
 *   - a .git/config holding credentials: served as a sanitised copy, so git
 *     keeps working;
 *   - .git-credentials and .netrc: hidden, every read attempt logged.
 * Who applies it: ns.c binds the copies and empty unreadable files over the
 * originals (full mode); notify.c logs reads of hidden files and, without a
 * mount namespace, hands out the sanitised copy instead of the file; sandbox.c
 * keeps read-only opens notified while something is hidden. */
#ifndef BSBOX_CREDS_H
#define BSBOX_CREDS_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "policy.h"

/* Fill p->secrets for an expanded policy.  Files that cannot be read are
 * hidden rather than copied. 0 or -errno (ENOMEM). */
int creds_scan(struct policy *p, struct bsbox_err *err);

/* The git-config text `in` without what carries credentials: every
 * *.extraheader entry, every entry of a [credential] / [credential "URL"]
 * section, and the user:password@ part of every URL (values and section
 * names).  Continuation lines of a dropped entry go with it.  Pure.
 * Returns 1 and *out (malloc'ed, NUL-terminated) when something was removed,
 * 0 (and *out NULL) when the text holds no credentials, -ENOMEM. */
int creds_sanitize_gitconfig(const char *in, size_t len, char **out, size_t *outlen);

/* The secret at abspath, or NULL. */
const struct policy_secret *creds_find(const struct policy *p, const char *abspath);

/* The secret with this identity (a path that leads to it through a symlink
 * or a hard link), or NULL. */
const struct policy_secret *creds_find_id(const struct policy *p, unsigned long dev,
					  unsigned long ino);

/* How many secrets are hidden (not merely sanitised). */
size_t creds_nhidden(const struct policy *p);

#endif
