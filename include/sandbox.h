/* The launcher: runs argv confined (namespaces + mount tree, Landlock,
 * capabilities dropped, no_new_privs, rlimits, seccomp with the supervisor)
 * and waits for it. */
#ifndef BSBOX_SANDBOX_H
#define BSBOX_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "evlog.h"
#include "policy.h"
#include "report.h"
#include "settings.h"
#include "trace.h"

enum sandbox_level {
	SB_FULL,         /* user+mount+net+pid+ipc+uts+cgroup namespaces, Landlock, seccomp */
	SB_LANDLOCK,     /* no user namespace: Landlock + seccomp (+ subreaper) */
	SB_SECCOMP_ONLY, /* neither: only with --allow-weak */
};

/* The host uid and gid build scripts run as when root starts bsbox: one
 * no account uses (outside the usual user, system and subuid ranges);
 * BSBOX_SANDBOX_ID overrides it. */
#define BSBOX_SANDBOX_ID 1999999999

struct sandbox_opts {
	const struct policy *policy; /* expanded (absolute paths) */
	char *const *argv;           /* CMD; argv[0] looked up in PATH of envp */
	char **envp;                 /* already scrubbed */
	const int *keep_fds;         /* extra fds to pass (besides 0,1,2) */
	size_t nkeep_fds;
	const char *cwd;             /* working directory for CMD (NULL: current) */
	int stdout_fd;               /* CMD's stdout instead of ours (e.g. a pipe the cargo
	                                directive filter reads), -1 = inherit */
	bool audit;                  /* log but let path/directive denials through */
	bool allow_weak;             /* run with seccomp only if nothing else works */
	bool force_no_userns;        /* test switch: behave as if user namespaces are unavailable */
	int landlock_abi_max;        /* test switch: cap the Landlock ABI (0 = no Landlock); -1 = no cap */
	bool no_fuse;                /* test switch: no FUSE root, every open goes to the supervisor */
	bool no_bpf_reads;           /* test switch: root's sandbox notifies every open instead of
	                                the BPF read watcher (bpfread.h) */
	bool no_cgroup;              /* test switch: no cgroup, the supervisor enforces nproc and
	                                mem_mb (limitwatch.h), as without one */
	bool unsupervised;           /* benchmark switch: the same sandbox, but denials are plain
	                                errnos, nothing is logged and no FUSE root (so the
	                                supervisor's own cost can be measured) */
	bool quiet;                  /* no notes or warnings at all (notice is not called) */
	/* Notes and warnings for the user (kind "note" or "warning", msg without
	 * a prefix or newline).  sandbox.c prints nothing itself: the caller
	 * decides where they go.  NULL: they are dropped. */
	void (*notice)(void *arg, const char *kind, const char *msg);
	void *notice_arg;
	uid_t root_id;               /* the caller is root: CMD runs as this host uid and gid
	                                instead (full mode: the user namespace's 0 maps to it),
	                                so a build script never acts as the host's root; 0 = run
	                                as the caller (not root, or audit mode, which lets path
	                                accesses through by design) */
	struct evlog *log;           /* may have fd -1 */
	struct report *report;       /* collects denials for the summary; not NULL */
	struct trace *trace;         /* --trace (trace.h), or NULL: sandbox_run picks the
	                                backend (BPF, else the supervisor) */
	const struct bsbox_settings *settings; /* the BSBOX_* switches; not NULL */
};

struct sandbox_result {
	int wait_status;         /* CMD's wait status (as from waitpid) */
	int exec_errno;          /* non-zero: CMD could not be executed */
	enum sandbox_level level; /* what was actually applied */
	int landlock_abi;        /* applied ABI, 0 = none */
	bool fuse;               /* reads outside the policy seen by the FUSE root (fusefs.h) */
};

/* What this machine can do (doctor, and the level decision). Pure probes. */
struct sandbox_caps {
	bool userns;          /* a user namespace with working uid_map + mount */
	char userns_why[256]; /* why not, with the remedy */
	int landlock_abi;     /* 0 = none */
	bool seccomp_notify;
	bool sync_wakeup;     /* SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP */
	bool cgroup2;
	bool bpf;             /* eBPF programs loadable by this user (libbpf probe) */
	bool bpf_lsm;         /* BPF LSM programs loadable */
};
void sandbox_probe(struct sandbox_caps *c, bool force_no_userns, int landlock_abi_max);

int sandbox_run(const struct sandbox_opts *o, struct sandbox_result *r, struct bsbox_err *err);

/* Exit code bsbox should return for a finished run (see err.h table). */
int sandbox_exit_code(const struct sandbox_result *r, const struct report *rep, bool audit);

#endif
