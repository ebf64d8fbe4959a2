/* Everything between a command line and sandbox_run(): load and expand the
 * policy, scrub the environment, open the event log, run, print the summary,
 * pick the exit code.  Used by `bsbox run` and by the build-script shim. */
#ifndef BSBOX_RUN_H
#define BSBOX_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

struct run_req {
	char **argv;               /* CMD */
	struct policy *policy;     /* loaded, not yet expanded; run_confined expands it (owned by caller) */
	const char *log_path;      /* NULL: evlog_default_path() */
	bool audit;
	bool allow_weak;
	const int *keep_fds;
	size_t nkeep_fds;
	int stdout_fd;             /* -1 = inherit */
	const char *cwd;           /* NULL = current */
	const char *crate;         /* for the log and the summary, may be NULL */
	const char *crate_version;
	const char *policy_hint;   /* "create .bsbox/policies/foo.json" etc., may be NULL */
	const char *summary_prefix; /* prefix for summary lines (e.g. "cargo:warning=" in audit), may be NULL */
	unsigned extra_denials;    /* denials found outside the sandbox (rejected directives) */
	const char *sysroot;       /* $SYSROOT when known (policyvars.h), may be NULL */
};

/* Returns the bsbox exit code (CMD's status, or one of err.h's codes);
 * prints errors and the summary on stderr. */
int run_confined(struct run_req *req);

/* Policy search directories for crate lookup and `extends`, in order:
 * $BSBOX_POLICY_DIR, <workspace>/.bsbox/policies, ~/.config/bsbox/policies,
 * the installed share/bsbox/policies, <dir of the bsbox binary>/policies.
 * workspace may be NULL. Returns a malloc'ed NULL-terminated array. */
char **run_policy_dirs(const char *workspace);

/* The policy for a command: FILE (presets looked up from workspace, may be
 * NULL) or, with file NULL, the built-in default. Prints the error; returns 0
 * or the exit code to use (BSBOX_EXIT_POLICY, BSBOX_EXIT_SETUP). */
int run_load_policy(const char *file, const char *workspace, struct policy **out);

/* `bsbox run ...` */
int run_main(int argc, char **argv);

#endif
