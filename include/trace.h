/* The access trace (`bsbox run --trace FILE`, BSBOX_TRACE under cargo): one
 * JSON object per line for everything the sandbox opened, executed,
 * connected or sent to, unlinked, created or renamed, allowed or denied.
 * Schema (docs/trace.md):
 *   {"time","crate","version","pid","backend":"bpf|seccomp","op":
 *    "open|exec|connect|send|unlink|rmdir|mkdir|rename|socket","path","target","to",
 *    "detail","access":
 *    "read|write|read-write|exec","argv":[...],"addr","result":"allowed|denied|failed",
 *    "errno","by":"kernel|supervisor","outside_policy":true}  (denied: EACCES/EPERM; failed: other errnos)
 * Two backends fill it: the BPF programs (ebpf.h; paths as the kernel
 * resolved them) and, where those cannot load, the seccomp supervisor
 * (notify.c; paths as it resolved them).  The file is opened like the event
 * log (evlog.h: O_APPEND, one write() per line). */
#ifndef BSBOX_TRACE_H
#define BSBOX_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "err.h"
#include "evlog.h"
#include "policy.h"

enum trace_op {
	TRACE_OPEN,
	TRACE_EXEC,
	TRACE_CONNECT,
	TRACE_SEND,
	TRACE_UNLINK,
	TRACE_RMDIR,
	TRACE_MKDIR,
	TRACE_RENAME,
	TRACE_SOCKET, /* a socket() the supervisor refused (family outside the policy) */
};

struct trace_rec {
	enum trace_op op;
	pid_t pid;
	const char *path;        /* open/exec/unlink/rmdir/mkdir/rename source */
	const char *to;          /* rename target, else NULL */
	const char *access;      /* open: "read" "write" "read-write" "exec"; else NULL */
	const char *const *argv; /* exec: argc strings, may be NULL */
	size_t argc;
	const char *addr;        /* connect/send: as evlog.h's addr ("127.0.0.1:9", "unix:@x") */
	const char *target;      /* a failed open of a symlink: where it points, else NULL */
	const char *detail;      /* socket: "socket(AF_INET, SOCK_DGRAM)", else NULL */
	int err;                 /* 0: allowed; an errno: denied */
	const char *by;          /* who denied: "kernel" (a security hook), "supervisor" */
};

struct ebpf_tracer;

struct trace {
	struct evlog file;   /* fd -1: tracing off */
	const char *backend; /* "bpf" or "seccomp": set by sandbox_run once it knows */
	struct ebpf_tracer *bpf; /* the BPF backend while a sandbox runs, else NULL */
	const struct policy *policy; /* the run's expanded policy (borrowed), or NULL:
	                                allowed accesses it does not cover are marked
	                                "outside_policy" (what audit mode let through;
	                                `bsbox learn` reads them) */
};

/* Opens path for appending (NULL: tracing off, t->file.fd = -1). */
int trace_open(struct trace *t, const char *path, const char *crate, const char *version,
	       struct bsbox_err *err);
static inline bool trace_on(const struct trace *t)
{
	return t && t->file.fd >= 0;
}
/* The first line of a run: {"op":"start","crate","version","manifest_dir",
 * "out_dir"} (from cargo's CARGO_MANIFEST_DIR and OUT_DIR, either may be
 * NULL), which `bsbox report --inputs` needs to tell inputs from outputs. */
void trace_start(struct trace *t, const char *manifest_dir, const char *out_dir);
/* One JSON line (with '\n'), malloc'ed; NULL on ENOMEM. Pure but for the time. */
char *trace_format(const struct trace *t, const struct trace_rec *r);
void trace_write(struct trace *t, const struct trace_rec *r);
/* A line saying n events were lost (ring buffer full). */
void trace_lost(struct trace *t, unsigned long long n);
/* A denial the supervisor logged (it never reached the kernel): its trace line. */
void trace_event(struct trace *t, const struct bsbox_event *ev);
void trace_close(struct trace *t);

/* Where the symlink at path points, resolved inside the tree whose root is
 * rootfd (a sandbox's /proc/PID/root), following up to 8 links: the file a
 * failed open was after (a symlink escape).  false if path is no symlink. */
bool trace_symlink_target(int rootfd, const char *path, char *out, size_t outlen);

const char *trace_op_name(enum trace_op op);
/* "read", "write", "read-write", "exec" from a struct file's f_mode. */
const char *trace_fmode_access(unsigned fmode);
/* A sockaddr as evlog.h writes addresses: "1.2.3.4:53", "[::1]:53",
 * "unix:/path", "unix:@abstract", "unix:" (unnamed), "family N". Pure. */
void trace_sockaddr(const void *sa, size_t len, char *out, size_t outlen);

#endif
