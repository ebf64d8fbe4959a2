/* Everything between a command line and sandbox_run(): expand the policy
 * (policyvars.h), scrub the environment, open the event log, run, print the
 * summary, pick the exit code.  Used by `bsbox run`, the build-script shim
 * and proc-macro-srv; finding the policy is policystore.h's job. */
#ifndef BSBOX_RUN_H
#define BSBOX_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"
#include "settings.h"

struct run_req {
	char **argv;               /* CMD */
	struct policy *policy;     /* loaded, not yet expanded; run_confined expands it (owned by caller) */
	const char *log_path;      /* NULL: evlog_default_path() */
	const char *trace_path;    /* access trace (trace.h); NULL: $BSBOX_TRACE, else none */
	bool audit;
	bool allow_weak;
	const int *keep_fds;
	size_t nkeep_fds;
	int stdout_fd;             /* -1 = inherit */
	const char *cwd;           /* NULL = current */
	const char *crate;         /* for the log and the summary, may be NULL */
	const char *crate_version;
	const char *proc_macros;   /* a confined rustc call: the proc macros it loads, for the
	                              log and the summary ("a@1.0, b@2.1"), may be NULL */
	const char *policy_hint;   /* "create .bsbox/policies/foo.json" etc., may be NULL */
	const char *summary_prefix; /* prefix for summary lines (e.g. "cargo:warning=" in audit), may be NULL */
	unsigned extra_denials;    /* denials found outside the sandbox (rejected directives) */
	const char *sysroot;       /* $SYSROOT when known (policyvars.h), may be NULL */
	const struct bsbox_settings *settings; /* the BSBOX_* switches (mode, degraded, FUSE ...) */
};

/* Returns the bsbox exit code (CMD's status, or one of err.h's codes);
 * prints errors and the summary on stderr. */
int run_confined(struct run_req *req);

/* `bsbox run ...` */
int run_main(int argc, char **argv, const struct bsbox_settings *set);

#endif
