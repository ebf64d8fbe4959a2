/* Unit tests for src/settings.c (pure: an environment array in, a struct
 * out). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "settings.h"
#include "tap.h"

static void test_settings(void)
{
	struct bsbox_settings s;
	char *none[] = { "PATH=/bin", NULL };
	settings_read(&s, none);
	check(!s.audit && !s.policy_dir && !s.rustc_wrapper && !s.workspace && !s.force_no_userns &&
		      s.landlock_abi_max == -1 && !s.no_fuse && !s.unsupervised && !s.quiet &&
		      !s.allow_weak,
	      "an empty environment: every switch off, no Landlock limit");

	char *all[] = { "BSBOX_MODE=audit",	    "BSBOX_POLICY_DIR=/p",	 "BSBOX_RUSTC_WRAPPER=sccache",
			"BSBOX_WORKSPACE=/w",	    "BSBOX_FORCE_NO_USERNS=1",	 "BSBOX_LANDLOCK_ABI=1",
			"BSBOX_NO_FUSE=yes",	    "BSBOX_BENCH_UNSUPERVISED=1", "BSBOX_QUIET=1",
			"BSBOX_ALLOW_WEAK=1",	    NULL };
	settings_read(&s, all);
	check(s.audit && strcmp(s.policy_dir, "/p") == 0 && strcmp(s.rustc_wrapper, "sccache") == 0 &&
		      strcmp(s.workspace, "/w") == 0 && s.force_no_userns && s.landlock_abi_max == 1 &&
		      s.no_fuse && s.unsupervised && s.quiet && s.allow_weak,
	      "every switch read");

	/* "0" and "" are off; a number must parse whole; only BSBOX_MODE=audit */
	char *off[] = { "BSBOX_MODE=enforce", "BSBOX_NO_FUSE=0",   "BSBOX_QUIET=",
			"BSBOX_LANDLOCK_ABI=2x", "BSBOX_POLICY_DIR=", "BSBOX_AUDIT=1", NULL };
	settings_read(&s, off);
	check(!s.audit, "BSBOX_MODE=enforce is not audit; the undocumented BSBOX_AUDIT is ignored");
	check(!s.no_fuse && !s.quiet, "a flag set to 0 or empty is off");
	check(s.landlock_abi_max == -1, "BSBOX_LANDLOCK_ABI=2x counts as unset");
	check(!s.policy_dir, "an empty BSBOX_POLICY_DIR counts as unset");
	char *zero[] = { "BSBOX_LANDLOCK_ABI=0", "BSBOX_MODEX=audit", NULL };
	settings_read(&s, zero);
	check(s.landlock_abi_max == 0 && !s.audit, "ABI 0 (none) is a value; BSBOX_MODEX is not BSBOX_MODE");
}

int main(void)
{
	test_settings();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
