/* Policy path variables (see policyvars.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policyvars.h"
#include "util.h"

const char *policyvars_lookup(const char *name, void *ud)
{
	struct policyvars *v = ud;
	const char *home = getenv("HOME");

	if (strcmp(name, "CWD") == 0) {
		/* never the home directory or one of its parents: `cd ~ && bsbox
		 * run ...` must not expose ~/.ssh through the working directory */
		if (!v || !getcwd(v->cwd, sizeof v->cwd) || util_holds_home(v->cwd))
			return NULL;
		return v->cwd;
	}
	/* the sysroot of the rustc cargo runs beats an inherited $SYSROOT */
	if (strcmp(name, "SYSROOT") == 0 && v && v->sysroot && v->sysroot[0] == '/')
		return v->sysroot;
	const char *val = getenv(name);
	if (val && *val)
		return val;
	if (strcmp(name, "TMPDIR") == 0)
		return "/tmp";
	if (!v || !home)
		return NULL;
	if (strcmp(name, "CARGO_HOME") == 0) {
		snprintf(v->home_sub[0], sizeof v->home_sub[0], "%s/.cargo", home);
		return v->home_sub[0];
	}
	if (strcmp(name, "RUSTUP_HOME") == 0) {
		snprintf(v->home_sub[1], sizeof v->home_sub[1], "%s/.rustup", home);
		return v->home_sub[1];
	}
	if (strcmp(name, "SYSROOT") == 0) {
		/* rustup's proxies export RUSTUP_TOOLCHAIN for everything below cargo */
		const char *tc = getenv("RUSTUP_TOOLCHAIN");
		const char *rh = getenv("RUSTUP_HOME");
		if (!tc)
			return NULL;
		if (rh)
			snprintf(v->sysroot_buf, sizeof v->sysroot_buf, "%s/toolchains/%s", rh, tc);
		else
			snprintf(v->sysroot_buf, sizeof v->sysroot_buf, "%s/.rustup/toolchains/%s", home,
				 tc);
		return v->sysroot_buf;
	}
	return NULL;
}
