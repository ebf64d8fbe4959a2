/* Where policy files live and which one applies to a crate: the one lookup
 * the shim, `bsbox policy show`, `bsbox learn` and `bsbox run` share, so
 * what `policy show` prints is what the shim applies. */
#ifndef BSBOX_POLICYSTORE_H
#define BSBOX_POLICYSTORE_H

#include "err.h"
#include "policy.h"

/* The search directories, in order: policy_dir (BSBOX_POLICY_DIR, may be
 * NULL), <workspace>/.bsbox/policies (workspace may be NULL),
 * $XDG_CONFIG_HOME/bsbox/policies or ~/.config/bsbox/policies,
 * <dir of the bsbox binary>/policies when it exists (a source checkout),
 * the installed share/bsbox/policies.  *out: malloc'ed, NULL-terminated
 * (cleanup_strv).  0 or -ENOMEM. */
int policystore_dirs(const char *policy_dir, const char *workspace, char ***out,
		     struct bsbox_err *err);

/* The policy file for crate at version (may be NULL): in each directory in
 * order, <crate>@<version>.json, then <crate>.json.  *path is malloc'ed, or
 * NULL when no file applies (the built-in default does).  0 or -ENOMEM. */
int policystore_find(const char *crate, const char *version, const char *const *dirs, char **path,
		     struct bsbox_err *err);

/* That file loaded (its presets looked up in dirs), or the built-in default
 * when there is none.  0 or -errno; err->exit_code is BSBOX_EXIT_POLICY for
 * a policy that does not load. */
int policystore_load(const char *crate, const char *version, const char *const *dirs,
		     struct policy **out, struct bsbox_err *err);

/* FILE given by the user (presets looked up in dirs) or, file NULL, the
 * built-in default.  Errors as policystore_load. */
int policystore_open(const char *file, const char *const *dirs, struct policy **out,
		     struct bsbox_err *err);

#endif
