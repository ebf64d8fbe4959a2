/* The variables of policy paths ($HOME, $TMPDIR, $CWD, $CARGO_HOME,
 * $RUSTUP_HOME, $SYSROOT, and any environment variable): how a run fills
 * them, as the lookup function for policy_expand(). */
#ifndef BSBOX_POLICYVARS_H
#define BSBOX_POLICYVARS_H

#include <limits.h>

struct policyvars {
	/* the toolchain's sysroot when known (the shim has the one cargo runs);
	 * NULL: rustup's, from RUSTUP_TOOLCHAIN, if any */
	const char *sysroot;
	/* storage for derived values */
	char cwd[PATH_MAX];
	char home_sub[2][PATH_MAX];
	char sysroot_buf[PATH_MAX];
};

/* policy_lookup_fn for policy_expand(); ud is a struct policyvars * (NULL:
 * only what the environment says). $CWD is never the home directory or one
 * that holds it. */
const char *policyvars_lookup(const char *name, void *ud);

#endif
