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

/* The switches that used to be read with getenv() where they were used:
 * the same values mean the same as before. */
static void test_moved(void)
{
	struct bsbox_settings s;
	char *none[] = { "PATH=/bin", NULL };
	settings_read(&s, none);
	check(!s.log && !s.trace && !s.trace_seccomp && !s.bpf_debug && !s.locked && !s.rustdoc &&
		      !s.inside,
	      "unset: no log or trace path, no locked mode, no rustdoc, not inside");

	char *all[] = { "BSBOX_LOG=/l.jsonl", "BSBOX_TRACE=/t.jsonl", "BSBOX_TRACE_BACKEND=seccomp",
			"BSBOX_BPF_DEBUG=1", "BSBOX_LOCKED=1", "BSBOX_RUSTDOC=/bin/rustdoc",
			"BSBOX_INSIDE=1", NULL };
	settings_read(&s, all);
	check_str("BSBOX_LOG", s.log, "/l.jsonl");
	check_str("BSBOX_TRACE", s.trace, "/t.jsonl");
	check_str("BSBOX_RUSTDOC", s.rustdoc, "/bin/rustdoc");
	check(s.trace_seccomp && s.bpf_debug && s.locked && s.inside,
	      "BSBOX_TRACE_BACKEND=seccomp, BSBOX_BPF_DEBUG=1, BSBOX_LOCKED=1, BSBOX_INSIDE read");

	/* empty paths count as unset (evlog, trace, rustdoc all ignored them);
	 * BSBOX_LOCKED and BSBOX_TRACE_BACKEND take exactly their documented
	 * value; BSBOX_INSIDE counts when set at all (wrapper.c then checks
	 * that we really run under the filter) */
	char *odd[] = { "BSBOX_LOG=", "BSBOX_TRACE=", "BSBOX_RUSTDOC=", "BSBOX_LOCKED=yes",
			"BSBOX_TRACE_BACKEND=bpf", "BSBOX_BPF_DEBUG=0", "BSBOX_INSIDE=", NULL };
	settings_read(&s, odd);
	check(!s.log && !s.trace && !s.rustdoc, "empty BSBOX_LOG, BSBOX_TRACE, BSBOX_RUSTDOC are unset");
	check(!s.locked, "BSBOX_LOCKED=yes is not locked mode (only 1 is)");
	check(!s.trace_seccomp, "BSBOX_TRACE_BACKEND=bpf: the default choice");
	check(!s.bpf_debug, "BSBOX_BPF_DEBUG=0 is off");
	check(s.inside, "BSBOX_INSIDE set but empty still counts as set");
}

int main(void)
{
	test_settings();
	test_moved();
	return tap_done();
}
