/* The supervisor's decision on a path, as a pure function (issue 11): no
 * /proc, no memory reads, no system calls, no logging.
 *
 * The inputs are the run's settings (pd_env), the call's path as the kernel
 * will reach it and what it wants done with it (pd_query), and the facts
 * about the host that only a system call can tell (pd_facts).  Facts cost
 * system calls, and the allowed path is the hot one (notify.c: "nothing is
 * stat'ed for allowed accesses"), so they are gathered on demand: with a fact
 * it needs and does not have, pathdecide() answers PD_NEED and names it in
 * r->need; the caller (notify.c, notify_net.c, supervise.c) gathers it, sets
 * its bit in f->known and asks again.  Each fact is asked for at most once.
 *
 * tests/unit/pathdecide_test.c holds the decisions as a table, and which
 * facts each one costs. */
#ifndef BSBOX_PATHDECIDE_H
#define BSBOX_PATHDECIDE_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

#include "policy.h"

/* What the call does with the path. */
enum pd_access {
	PD_READ,    /* open for reading, the source of a link */
	PD_LIST,    /* open(O_DIRECTORY) for reading: reveals names at most */
	PD_WRITE,   /* create, write, truncate, remove, rename, chmod... */
	PD_MKDIR,   /* mkdir, mkdirat: `mkdir -p` walks down from / */
	PD_EXEC,    /* execve, execveat */
	PD_CONNECT, /* connect/bind/send to a pathname unix socket */
	PD_PROBE,   /* a stat-like probe that left the FUSE root (supervise.c) */
};

/* The run's settings (struct notify_ctx's, notify.h). */
struct pd_env {
	const struct policy *policy; /* expanded; NULL: everything is let through */
	bool audit;                  /* what the policy denies is logged, let through */
	bool have_netns;             /* full mode: the sandbox's own mount tree, pid and
	                                network namespaces */
	uid_t root_id;               /* the host id the sandbox runs as when root started
	                                it, 0 = the caller's own (sandbox.h) */
	const char *home;            /* $HOME, or NULL (PD_PROBE: probes of it are usual) */
};

/* One path of the call. */
struct pd_query {
	const char *path;   /* absolute, normalised, symlinks resolved the way the
	                       kernel will follow them (what the policy judges) */
	enum pd_access access;
	bool open;          /* an open(2)-family call: root-only files are told apart */
	bool copy_ok;       /* PD_READ: the call can be answered with a sanitised copy of
	                       a credential file (an open of one path, notified) */
	bool connect;       /* PD_CONNECT: connect(2), which can be made on the target's
	                       behalf */
	const char *lex;    /* PD_CONNECT: the address as the target named it
	                       (normalised, symlinks kept) */
	int resolve_err;    /* PD_CONNECT without a mount namespace: why path could not
	                       be resolved (realpath's errno), else 0 */
	const char *detail; /* the call's own detail for the event ("flags 0101"), or NULL */
};

/* Facts only a system call can tell; valid once their bit is in known. */
enum pd_fact {
	PD_F_FOREIGN = 1 << 0,   /* foreign: pathdecide_proc_pid(path) is a process
	                            outside the sandbox */
	PD_F_SECRET = 1 << 1,    /* secret: the credential file path names, itself or
	                            through a link (creds_find, creds_find_id), or NULL */
	PD_F_ROOT_ONLY = 1 << 2, /* root_only: a file only the host's root may read
	                            (not a directory; by root_id's permissions) */
	PD_F_LSTAT = 1 << 3,     /* exists: lstat(path) succeeds; missing: it fails with
	                            ENOENT or ENOTDIR (both false: another error) */
	PD_F_UNIX_REAL = 1 << 4, /* unix_real: path lies under the resolved form of a
	                            "unix_sockets" rule (realpath of the rule) */
	PD_F_HOLDS_HOME = 1 << 5, /* holds_home: path is the home or holds it
	                             (util_holds_home) */
};

struct pd_facts {
	unsigned known; /* PD_F_* bits gathered */
	bool foreign;
	const struct policy_secret *secret;
	bool root_only;
	bool exists, missing;
	bool unix_real;
	bool holds_home;
};

enum pd_verdict {
	PD_NEED,         /* gather the fact r->need, then ask again */
	PD_ALLOW,        /* let through (CONTINUE), nothing logged */
	PD_FAIL,         /* answer r->err, nothing logged: nothing is there (ENOENT) */
	PD_DENY,         /* log the event, answer r->err (EACCES) */
	PD_AUDIT,        /* log the event as a denial (audit), let through */
	PD_INFO,         /* log the event as information (a hidden probe), let through */
	PD_COPY,         /* answer with the sanitised copy of r->secret */
	PD_CONNECT_HERE, /* connect() the target's socket to r->path from the supervisor */
};

struct pd_result {
	enum pd_verdict verdict;
	unsigned need;                      /* PD_NEED: one PD_F_* bit */
	int err;                            /* PD_FAIL, PD_DENY: the errno to answer */
	const struct policy_secret *secret; /* PD_COPY */
	/* the event (PD_DENY, PD_AUDIT, PD_INFO); path also for PD_CONNECT_HERE */
	const char *path;    /* the path to log: a credential file's own path */
	const char *access;  /* "read", "write", "exec", "connect" */
	const char *detail;  /* NULL, the query's, or detail_buf */
	const char *suggest; /* the policy entry that would allow it, or advice */
	char detail_buf[128];
	char suggest_buf[PATH_MAX + 96];
};

/* Decide q from what env and f say into r (r->verdict is returned). */
enum pd_verdict pathdecide(const struct pd_env *env, const struct pd_query *q,
			   const struct pd_facts *f, struct pd_result *r);

/* The process whose ptrace-guarded /proc entry path names
 * ("/proc/PID/environ", "/proc/PID/task/TID/mem"...), else 0.  Such entries
 * of processes outside the sandbox are denied (PD_F_FOREIGN asks which). */
pid_t pathdecide_proc_pid(const char *path);

/* Is p one of the sandbox's own trees or nodes (/proc, /dev/null, /dev/pts,
 * ...), which no policy decides? */
bool pathdecide_path_free(const char *p);

#endif
