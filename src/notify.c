/* The seccomp user-notification supervisor's decisions, per syscall.
 *
 * receive -> decode (read target memory) -> id_valid -> decide -> respond.
 * The loop is supervise.c, the network and unix-socket destinations
 * notify_net.c, the target's memory and /proc procinfo.c (notify_call.h).
 *
 * What it may answer:
 *   - CONTINUE for what the policy allows, and for what the kernel layers
 *     (mount namespace, network namespace, Landlock) still enforce: the
 *     target can change its memory after we read it, so a CONTINUE is never
 *     a grant, only "not our business".
 *   - an error for what the policy denies (paths in enforce mode, network
 *     attempts, sockets of forbidden families, the dangerous syscalls).
 *
 * Errors answered:
 *   paths outside the policy      EACCES   (audit: CONTINUE); but reading
 *                                          or executing a path that exists
 *                                          nowhere is CONTINUEd unlogged: the
 *                                          kernel says ENOENT, as it should
 *                                          for PATH searches and probes
 *   connect/bind/sendto/sendmsg   EACCES   (audit with a netns: CONTINUE; the
 *     to an IP or netlink address          netns has no route out anyway).
 *                                          EACCES is also what Landlock's TCP
 *                                          rules answer, so a script sees the
 *                                          same error whichever layer denies.
 *   connect/sendto/sendmsg to a   EACCES, logged, unless "unix_sockets"
 *     pathname unix socket                 grants it (audit: CONTINUE); ENOENT
 *                                          unlogged where nothing is there, or
 *                                          for the name services (unix_call)
 *   socket()/socketpair() family  EAFNOSUPPORT, in both modes
 *   other notified syscalls       scf_deny_errno(nr), in both modes
 *
 * Per notification on the allowed path: one RECV, one process_vm_readv, one
 * readlink for relative paths, one ID_VALID, one SEND.  Nothing is logged,
 * stat'ed or allocated for allowed accesses (a denied read/exec costs one
 * lstat, to tell "missing" from "hidden"). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "creds.h"
#include "notify_call.h"
#include "notify_probe.h"
#include "pathcache.h"
#include "pathdecide.h"
#include "procinfo.h"
#include "rootonly.h"
#include "seccomp_filter.h"
#include "syscalls.h"
#include "util.h"

#ifndef SECCOMP_ADDFD_FLAG_SEND
#define SECCOMP_ADDFD_FLAG_SEND (1UL << 1) /* 5.14 */
#endif

/* ---- the notification ------------------------------------------------- */

bool notify_id_valid(const struct call *c)
{
	/* a FUSE miss: the target waits in our lookup, so what we read is what
	 * it asked for */
	if (c->fuse)
		return true;
	__u64 id = c->req->id;
	return ioctl(c->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

/* ---- logging ----------------------------------------------------------- */

static void load_proc(struct call *c)
{
	if (c->proc_loaded)
		return;
	c->proc_loaded = true;
	pid_t pid = (pid_t)c->req->pid;
	if (procinfo_link(pid, "exe", c->exe, sizeof c->exe) < 0)
		c->exe[0] = '\0';
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/cmdline", (int)pid);
	c->cmdline[0] = '\0';
	cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	ssize_t n = read(fd, c->cmdline, sizeof c->cmdline - 1);
	if (n <= 0)
		return;
	for (ssize_t i = 0; i < n; i++)
		if (c->cmdline[i] == '\0')
			c->cmdline[i] = ' ';
	while (n > 0 && c->cmdline[n - 1] == ' ')
		n--;
	c->cmdline[n] = '\0';
}

void notify_emit(struct call *c, struct bsbox_event *ev)
{
	load_proc(c);
	ev->pid = (pid_t)c->req->pid;
	ev->exe = c->exe[0] ? c->exe : NULL;
	ev->cmdline = c->cmdline[0] ? c->cmdline : NULL;
	if (!ev->syscall)
		ev->syscall = c->name;
	evlog_write(c->ctx->log, ev);
	if (ev->info)
		return; /* informational: neither a denial nor a trace entry */
	if (c->ctx->report)
		report_add(c->ctx->report, ev, NULL);
	trace_event(c->ctx->trace, ev); /* --trace: a denial never reaches the kernel */
}

/* ---- the trace's supervisor backend (trace.h) --------------------------
 * Without the BPF backend, the supervisor traces what it let through as
 * well; notify_emit() already traces what it denied. */

bool notify_tracing_all(const struct call *c)
{
	return c->ctx->trace && !c->ctx->trace->bpf;
}

/* execve's argv from the target's memory, into buf (NUL separated). */
static size_t trace_read_argv(pid_t pid, uint64_t addr, char *buf, size_t size,
			      const char **argv, size_t max)
{
	size_t argc = 0, used = 0;
	for (size_t i = 0; i < max && used < size; i++) {
		uint64_t p = 0;
		if (procinfo_mem_read(pid, addr + i * sizeof p, &p, sizeof p) != (ssize_t)sizeof p || !p)
			break;
		if (procinfo_read_string(pid, p, buf + used, size - used) < 0)
			break;
		argv[argc++] = buf + used;
		used += strlen(buf + used) + 1;
	}
	return argc;
}

static void trace_open_target(pid_t pid, const char *path, char *buf, size_t size,
			      struct trace_rec *r)
{
	char root[64];
	snprintf(root, sizeof root, "/proc/%d/root", (int)pid);
	cleanup_close int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (trace_symlink_target(rfd, path, buf, size))
		r->target = buf;
}

static void trace_allowed_paths(struct call *c, const struct sc_entry *se, char abs[][PATH_MAX],
				const bool *denied, int n, uint64_t flags)
{
	const __u64 *a = c->req->data.args;
	struct trace_rec r = { .pid = (pid_t)c->req->pid, .path = abs[0] };
	char argbuf[2048], target[PATH_MAX];
	const char *argv[64];
	if (denied[0] || (n > 1 && denied[1]))
		return; /* notify_emit() traced it */
	switch (se->kind) {
	case SC_OPEN:
	case SC_OPENAT:
	case SC_OPENAT2:
		r.op = TRACE_OPEN;
		r.access = (flags & O_ACCMODE) == O_RDWR ? "read-write"
			   : (flags & O_ACCMODE) == O_WRONLY || (flags & (O_CREAT | O_TRUNC)) ? "write"
											      : "read";

		/* the supervisor judged the name; the kernel follows the link */
		trace_open_target(r.pid, abs[0], target, sizeof target, &r);
		break;
	case SC_CREAT:
		r.op = TRACE_OPEN;
		r.access = "write";
		break;
	case SC_EXECVE:
	case SC_EXECVEAT:
		r.op = TRACE_EXEC;
		r.argv = argv;
		r.argc = trace_read_argv(r.pid, se->kind == SC_EXECVE ? a[1] : a[2], argbuf,
					 sizeof argbuf, argv, 64);
		break;
	case SC_RENAME:
	case SC_RENAMEAT:
		r.op = TRACE_RENAME;
		r.to = abs[1];
		break;
	case SC_PATH_W:
	case SC_AT_W:
		if (strstr(se->name, "unlink"))
			r.op = se->kind == SC_AT_W && (a[2] & AT_REMOVEDIR) ? TRACE_RMDIR : TRACE_UNLINK;
		else if (strcmp(se->name, "rmdir") == 0)
			r.op = TRACE_RMDIR;
		else if (strstr(se->name, "mkdir"))
			r.op = TRACE_MKDIR;
		else
			return; /* chmod, truncate, mknod: not in the trace's vocabulary */
		break;
	default: /* links, sockets, kernel surface: not file accesses of its own */
		return;
	}
	trace_write(c->ctx->trace, &r);
}

/* ---- path syscalls ------------------------------------------------------ */

struct patharg {
	int dirfd;
	uint64_t addr;
	unsigned want;
	bool empty_ok; /* AT_EMPTY_PATH: "" names dirfd itself */
};

/* ---- symlinks ---------------------------------------------------------- */

/* Does the call follow a symlink in its last component? (Every other
 * component is always followed.) */
static bool follow_final(const struct sc_entry *se, const __u64 *a, uint64_t flags)
{
	switch (se->kind) {
	case SC_OPEN:
	case SC_OPENAT:
	case SC_OPENAT2:
		return !(flags & O_NOFOLLOW) && (flags & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
	case SC_CREAT:
	case SC_EXECVE:
		return true;
	case SC_EXECVEAT:
		return !(a[4] & AT_SYMLINK_NOFOLLOW);
	case SC_PATH_W:
		return !strcmp(se->name, "chmod") || !strcmp(se->name, "truncate");
	case SC_AT_W:
		/* fchmodat has no flags argument (glibc emulates NOFOLLOW) */
		if (!strcmp(se->name, "fchmodat"))
			return true;
		return !strcmp(se->name, "fchmodat2") && !(a[3] & AT_SYMLINK_NOFOLLOW);
	default: /* rename, link and symlink never follow their last component */
		break;
	}
	return false;
}

/* abs with its symlinks resolved in our view: the last component only when
 * follow; a missing last component is kept as it is.  0 or -errno. */
int notify_host_resolve(const char *abs, bool follow, char *out, size_t size)
{
	int fd = follow ? open(abs, O_PATH | O_CLOEXEC) : -1;
	const char *tail = NULL;
	if (fd < 0) {
		if (follow && errno != ENOENT)
			return -errno;
		char dir[PATH_MAX];
		const char *slash = strrchr(abs, '/');
		if (!slash || slash == abs || (size_t)(slash - abs) >= sizeof dir)
			return -EINVAL;
		memcpy(dir, abs, (size_t)(slash - abs));
		dir[slash - abs] = '\0';
		tail = slash + 1;
		if ((fd = open(dir, O_PATH | O_CLOEXEC | O_DIRECTORY)) < 0)
			return -errno;
	}
	char self[64], link[PATH_MAX];
	snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
	ssize_t l = readlink(self, link, sizeof link - 1);
	close(fd);
	if (l <= 0 || link[0] != '/')
		return -EINVAL;
	link[l] = '\0';
	int w = tail ? snprintf(out, size, "%s%s%s", link, strcmp(link, "/") ? "/" : "", tail)
		     : snprintf(out, size, "%s", link);
	return w < 0 || (size_t)w >= size ? -ENAMETOOLONG : 0;
}

/* Is our view of abs the target's?  Without a mount namespace it is; with
 * one, for everything the tree binds from the host at the same path, but
 * not for the private /tmp and /dev/shm themselves. */
bool notify_resolvable(const struct call *c, const char *abs)
{
	/* /proc/self and /dev/fd are magic: ours are not the target's */
	if (util_path_within(abs, "/proc") || util_path_within(abs, "/dev"))
		return false;
	if (!c->ctx->have_netns)
		return true;
	if (!c->ctx->policy)
		return false;
	const struct policy_rule *r = policy_rule_for(c->ctx->policy, abs, 0);
	return !(r && !strcmp(r->path, "/tmp")) && !(!r && util_path_within(abs, "/tmp"));
}

/* Reopening a descriptor through /proc/{self,PID}/fd/N (an O_PATH one, say,
 * which no check saw being opened for reading) opens the file it names:
 * that file's path, for the caller's own descriptors.  The kernel layers
 * judge the file itself (the mount tree, Landlock); this is for the log. */
static bool fd_reopen(const struct call *c, const char *abs, char *out, size_t size)
{
	if (strncmp(abs, "/proc/", 6) != 0)
		return false;
	const char *s = abs + 6;
	pid_t who = (pid_t)c->req->pid;
	if (!strncmp(s, "self/", 5)) {
		s += 5;
	} else if (!strncmp(s, "thread-self/", 12)) {
		s += 12;
	} else {
		char *end;
		long pid = strtol(s, &end, 10);
		if (end == s || *end != '/' || pid != (long)who || c->ctx->have_netns)
			return false; /* (in a pid namespace, numbers are not ours) */
		s = end + 1;
	}
	char *end;
	if (strncmp(s, "fd/", 3) != 0)
		return false;
	long fd = strtol(s + 3, &end, 10);
	if (end == s + 3 || *end != '\0' || fd < 0)
		return false;
	char what[32];
	snprintf(what, sizeof what, "fd/%ld", fd);
	if (procinfo_link(who, what, out, size) < 0)
		return false;
	/* full mode's credential masks are staged files, unlinked once bound */
	size_t l = strlen(out), dl = strlen(" (deleted)");
	if (l > dl && !strcmp(out + l - dl, " (deleted)"))
		out[l - dl] = '\0';
	/* a memfd ("/memfd:x"), a deleted temporary file: nothing to judge */
	struct stat st;
	return lstat(out, &st) == 0;
}

/* ---- other processes' /proc entries (no pid namespace) ---------------------- */

/* Is pid (from a guarded /proc entry, pathdecide_proc_pid) outside the
 * sandbox?  Without a pid namespace the sandbox's processes are top_pid
 * and below it, or orphans the supervisor (the child subreaper) adopted,
 * which still run under our filter. */
static bool proc_foreign(const struct call *c, pid_t pid)
{
	pid_t self = getpid();
	for (pid_t p = pid; p > 1;) {
		if (p == c->ctx->top_pid)
			return false;
		bool confined = false;
		pid_t parent = procinfo_parent(p, &confined);
		if (parent == 0)
			return false; /* gone: the kernel answers ENOENT */
		if (parent == self)
			return !confined;
		p = parent;
	}
	return true;
}

/* ---- credential files (creds.h) ------------------------------------------ */

/* The credential file abs names, itself or through a link. */
static const struct policy_secret *secret_at(const struct policy *p, const char *abs)
{
	if (!p || !p->nsecrets)
		return NULL;
	const struct policy_secret *s = creds_find(p, abs);
	struct stat st;
	if (!s && stat(abs, &st) == 0 && S_ISREG(st.st_mode))
		s = creds_find_id(p, (unsigned long)st.st_dev, (unsigned long)st.st_ino);
	return s;
}

/* Without a mount namespace nothing can stand in for .git/config: the open
 * is answered with a memfd holding the sanitised copy, installed in the
 * target as the call's result (SECCOMP_ADDFD_FLAG_SEND, 5.14).  Whatever the
 * target does to its memory, it gets the copy: nothing is CONTINUEd. */
static enum verdict serve_copy(struct call *c, const struct policy_secret *s, uint64_t flags,
			       int *errp)
{
	*errp = EACCES;
	cleanup_close int mfd = memfd_create("bsbox-sanitised-copy", MFD_CLOEXEC);
	if (mfd < 0)
		return V_ERROR;
	size_t off = 0;
	while (off < s->clean_len) {
		ssize_t w = write(mfd, s->clean + off, s->clean_len - off);
		if (w <= 0)
			return V_ERROR;
		off += (size_t)w;
	}
	char self[64];
	snprintf(self, sizeof self, "/proc/self/fd/%d", mfd);
	cleanup_close int rfd = open(self, O_RDONLY | O_CLOEXEC); /* the copy is read-only */
	if (rfd < 0)
		return V_ERROR;
	struct seccomp_notif_addfd af = {
		.id = c->req->id,
		.flags = SECCOMP_ADDFD_FLAG_SEND,
		.srcfd = (__u32)rfd,
		.newfd_flags = (flags & O_CLOEXEC) ? O_CLOEXEC : 0,
	};
	if (ioctl(c->fd, SECCOMP_IOCTL_NOTIF_ADDFD, &af) >= 0)
		return V_ANSWERED;
	if (errno == ENOENT)
		return V_ERROR; /* the target is gone */
	char detail[128];
	snprintf(detail, sizeof detail,
		 "credentials: could not serve the sanitised copy (%s; Linux 5.14 needed)",
		 strerror(errno));
	struct bsbox_event ev = {
		.kind = EV_PATH,
		.detail = detail,
		.path = s->path,
		.access = "read",
		.audit = false,
		.suggest = NULL,
	};
	notify_emit(c, &ev);
	return V_ERROR;
}

/* ---- the facts pathdecide() asks for (pathdecide.h) ----------------------- */

/* Without a mount namespace a "unix_sockets" rule counts by its resolved
 * form too: does path lie under one? */
static bool unix_granted_real(const struct policy *p, const char *path)
{
	for (size_t i = 0; i < p->nrules; i++) {
		char real[PATH_MAX];
		if ((p->rules[i].access & POL_S) && realpath(p->rules[i].path, real) &&
		    util_path_within(path, real))
			return true;
	}
	return false;
}

/* One fact pathdecide() asked for, from the host. */
static void gather(const struct call *c, const struct pd_query *q, unsigned fact,
		   struct pd_facts *f)
{
	struct stat st;
	f->known |= fact;
	switch ((enum pd_fact)fact) {
	case PD_F_FOREIGN:
		f->foreign = proc_foreign(c, pathdecide_proc_pid(q->path));
		break;
	case PD_F_SECRET:
		f->secret = secret_at(c->ctx->policy, q->path);
		break;
	case PD_F_ROOT_ONLY:
		f->root_only = rootonly_denied(c->ctx->root_id, q->path);
		break;
	case PD_F_LSTAT:
		f->exists = lstat(q->path, &st) == 0;
		f->missing = !f->exists && (errno == ENOENT || errno == ENOTDIR);
		break;
	case PD_F_UNIX_REAL:
		f->unix_real = unix_granted_real(c->ctx->policy, q->path);
		break;
	case PD_F_HOLDS_HOME:
		f->holds_home = util_holds_home(q->path);
		break;
	}
}

enum pd_verdict notify_pathdecide(const struct call *c, const struct pd_query *q,
				  struct pd_result *r)
{
	const struct notify_ctx *ctx = c->ctx;
	struct pd_env env = {
		.policy = ctx->policy,
		.audit = ctx->audit,
		.have_netns = ctx->have_netns,
		.root_id = ctx->root_id,
		.home = q->access == PD_PROBE ? getenv("HOME") : NULL,
	};
	struct pd_facts f = { 0 };
	enum pd_verdict v;
	while ((v = pathdecide(&env, q, &f, r)) == PD_NEED && !(f.known & r->need))
		gather(c, q, r->need, &f);
	return v == PD_NEED ? PD_ALLOW : v; /* (a fact asked twice: cannot happen) */
}

/* Which cache may remember this call's decision (pathcache.h), or NULL: a
 * read-only open (not a listing) or an execve() of an absolute path as
 * passed, outside /proc and /dev, under no writable rule, notified (not a
 * FUSE miss), while allowed calls are not traced.  notify_path_call also
 * wants the resolved path under no writable rule and outside /proc and
 * /dev, and an exec granted by the policy.  Execs because a configure
 * script's PATH searches make thousands (~110 us of notification each
 * here); a cache of their own because reading is not exec. */
static struct pathcache *cache_for(const struct call *c, const struct sc_entry *se,
				   const struct patharg *pa, int n, bool listing, const char *raw)
{
	struct pathcache *cache;
	if (se->kind == SC_EXECVE)
		cache = c->ctx->execs;
	else if (pa[0].want == POL_R && !listing &&
		 (se->kind == SC_OPEN || se->kind == SC_OPENAT || se->kind == SC_OPENAT2))
		cache = c->ctx->paths;
	else
		return NULL;
	if (!cache || !c->ctx->policy || c->fuse || n != 1 || raw[0] != '/' ||
	    notify_tracing_all(c) || util_path_within(raw, "/proc") || util_path_within(raw, "/dev") ||
	    (policy_access_for(c->ctx->policy, raw) & POL_W))
		return NULL;
	return cache;
}

enum verdict notify_path_call(struct call *c, const struct sc_entry *se, int *errp)
{
	const __u64 *a = c->req->data.args;
	struct patharg pa[2];
	int n = 1;
	uint64_t flags = 0;
	char detail[64] = "";
	bool listing = false; /* opendir() */
	bool makedir = false; /* mkdir, mkdirat */

	switch (se->kind) {
	case SC_OPEN:
	case SC_OPENAT:
	case SC_OPENAT2: {
		int at = se->kind != SC_OPEN;
		pa[0] = (struct patharg){ at ? (int)a[0] : AT_FDCWD, a[at], POL_R, false };
		if (se->kind == SC_OPENAT2) {
			/* struct open_how starts with __u64 flags */
			if (procinfo_mem_read((pid_t)c->req->pid, a[2], &flags, sizeof flags) !=
			    (ssize_t)sizeof flags)
				return V_CONTINUE; /* the kernel will fail it */
		} else {
			flags = a[at + 1];
		}
		if (flags & O_PATH)
			return V_CONTINUE;
		/* (O_TMPFILE needs O_WRONLY/O_RDWR; its bits include O_DIRECTORY,
		 * so it must not be tested with a plain mask) */
		if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)))
			pa[0].want = POL_W;
		listing = pa[0].want == POL_R && (flags & O_DIRECTORY);
		snprintf(detail, sizeof detail, "flags 0%llo", (unsigned long long)flags);
		break;
	}
	case SC_CREAT:
		pa[0] = (struct patharg){ AT_FDCWD, a[0], POL_W, false };
		break;
	case SC_EXECVE:
		pa[0] = (struct patharg){ AT_FDCWD, a[0], POL_X, false };
		break;
	case SC_EXECVEAT:
		pa[0] = (struct patharg){ (int)a[0], a[1], POL_X, (a[4] & AT_EMPTY_PATH) != 0 };
		break;
	case SC_PATH_W:
		pa[0] = (struct patharg){ AT_FDCWD, a[0], POL_W, false };
		makedir = !strcmp(se->name, "mkdir");
		break;
	case SC_AT_W: {
		/* only fchmodat2 has flags (AT_EMPTY_PATH) in a3; for the others
		 * a3 is whatever the register held */
		bool empty = !strcmp(se->name, "fchmodat2") && (a[3] & AT_EMPTY_PATH);
		pa[0] = (struct patharg){ (int)a[0], a[1], POL_W, empty };
		makedir = !strcmp(se->name, "mkdirat");
		break;
	}
	case SC_RENAME:
		pa[0] = (struct patharg){ AT_FDCWD, a[0], POL_W, false };
		pa[1] = (struct patharg){ AT_FDCWD, a[1], POL_W, false };
		n = 2;
		break;
	case SC_RENAMEAT:
		pa[0] = (struct patharg){ (int)a[0], a[1], POL_W, false };
		pa[1] = (struct patharg){ (int)a[2], a[3], POL_W, false };
		n = 2;
		break;
	case SC_LINK:
		pa[0] = (struct patharg){ AT_FDCWD, a[0], POL_R, false };
		pa[1] = (struct patharg){ AT_FDCWD, a[1], POL_W, false };
		n = 2;
		break;
	case SC_LINKAT:
		pa[0] = (struct patharg){ (int)a[0], a[1], POL_R, (a[4] & AT_EMPTY_PATH) != 0 };
		pa[1] = (struct patharg){ (int)a[2], a[3], POL_W, false };
		n = 2;
		break;
	case SC_SYMLINK:
		pa[0] = (struct patharg){ AT_FDCWD, a[1], POL_W, false };
		break;
	case SC_SYMLINKAT:
		pa[0] = (struct patharg){ (int)a[1], a[2], POL_W, false };
		break;
	case SC_DENIED:
	case SC_CONNECT:
	case SC_BIND:
	case SC_SENDTO:
	case SC_SENDMSG:
	case SC_SENDMMSG:
	case SC_SOCKET:
	case SC_SOCKETPAIR:
	case SC_LISTEN:
	case SC_PROBE:
	case SC_LPROBE:
	case SC_PROBE_AT:
		return V_CONTINUE; /* not a path call (probes: probe_call) */
	}

	pid_t pid = (pid_t)c->req->pid;
	char raw[2][PATH_MAX], abs[2][PATH_MAX];
	for (int i = 0; i < n; i++) {
		/* unreadable or too long: the kernel fails the call itself */
		if (procinfo_read_string(pid, pa[i].addr, raw[i], sizeof raw[i]) < 0)
			return V_CONTINUE;
	}
	/* a read-only open or an exec let through before (pathcache.h) */
	struct pathcache *cache = cache_for(c, se, pa, n, listing, raw[0]);
	if (cache && pathcache_has(cache, raw[0]))
		return V_CONTINUE;
	for (int i = 0; i < n; i++)
		if (procinfo_path_resolve(pid, pa[i].dirfd, raw[i], pa[i].empty_ok, abs[i],
					  sizeof abs[i]) < 0)
			return V_CONTINUE;
	/* What the kernel will reach: a symlink on the way (planted in OUT_DIR,
	 * shipped in a crate, the system's own) can lead out of the policy, and
	 * the kernel layers would then refuse it in silence (issue 12).  A FUSE
	 * miss says where the lookup left the tree. */
	if (c->fuse && c->miss && !util_path_within(abs[0], c->miss)) {
		char real[PATH_MAX];
		if (notify_host_resolve(abs[0], true, real, sizeof real) == 0 && util_path_within(real, c->miss))
			snprintf(abs[0], sizeof abs[0], "%s", real);
		else
			snprintf(abs[0], sizeof abs[0], "%s", c->miss);
	} else if (!c->fuse) {
		bool follow = follow_final(se, a, flags);
		for (int i = 0; i < n; i++) {
			char real[PATH_MAX];
			if ((notify_resolvable(c, abs[i]) &&
			     notify_host_resolve(abs[i], follow && i == n - 1, real, sizeof real) == 0) ||
			    (follow && i == n - 1 && fd_reopen(c, abs[i], real, sizeof real)))
				snprintf(abs[i], sizeof abs[i], "%s", real);
		}
	}
	/* No id_valid check yet: letting a call through (CONTINUE) decides
	 * nothing (the kernel layers enforce), so stale memory costs nothing
	 * there, and allowed opens are the hot path. Before anything is logged
	 * from what was read, it is checked below. */

	bool denied[2] = { false, false }, any = false;
	bool opens = se->kind == SC_OPEN || se->kind == SC_OPENAT || se->kind == SC_OPENAT2;
	struct pd_result res[2];
	for (int i = 0; i < n; i++) {
		struct pd_query q = {
			.path = abs[i],
			.access = pa[i].want == POL_X   ? PD_EXEC
				  : pa[i].want == POL_W ? (makedir ? PD_MKDIR : PD_WRITE)
				  : listing		? PD_LIST
							: PD_READ,
			.open = opens,
			.copy_ok = opens && !c->fuse && n == 1,
			.detail = detail,
		};
		enum pd_verdict v = notify_pathdecide(c, &q, &res[i]);
		if (v == PD_COPY)
			return serve_copy(c, res[i].secret, flags, errp);
		denied[i] = v == PD_DENY || v == PD_AUDIT;
		any |= denied[i];
	}
	if (notify_tracing_all(c))
		trace_allowed_paths(c, se, abs, denied, n, flags);
	if (!any && cache && !util_path_within(abs[0], "/proc") && !util_path_within(abs[0], "/dev")) {
		/* an exec only where the policy grants it: a PATH search's miss
		 * outside the grants is allowed because the file is missing, which
		 * can change */
		unsigned have = policy_access_for(c->ctx->policy, abs[0]);
		if (!(have & POL_W) && (cache != c->ctx->execs || (have & POL_X)))
			pathcache_add(cache, raw[0]);
	}
	if (!any)
		return V_CONTINUE;
	/* everything read so far came from the target if it is still waiting */
	if (!notify_id_valid(c))
		return V_CONTINUE;

	bool deny = false;
	for (int i = 0; i < n; i++) {
		if (!denied[i])
			continue;
		struct bsbox_event ev = {
			.kind = EV_PATH,
			.detail = res[i].detail,
			.path = res[i].path,
			.access = res[i].access,
			.audit = res[i].verdict == PD_AUDIT,
			.suggest = res[i].suggest,
		};
		notify_emit(c, &ev);
		deny |= res[i].verdict == PD_DENY;
	}
	if (!deny)
		return V_CONTINUE;
	*errp = EACCES;
	return V_ERROR;
}

/* ---- the dangerous list ------------------------------------------------- */

/* sc_format's reader: strings in the target's memory */
static int read_target_str(void *arg, uint64_t addr, char *buf, size_t size)
{
	const struct call *c = arg;
	return procinfo_read_string((pid_t)c->req->pid, addr, buf, size);
}

static enum verdict other_call(struct call *c, const struct sc_entry *se, int *errp)
{
	const __u64 *a = c->req->data.args;
	int nr = c->req->data.nr;
	char detail[512];
	if (se) {
		uint64_t args[6];
		for (int i = 0; i < 6; i++)
			args[i] = a[i];
		sc_format(se, args, read_target_str, c, detail, sizeof detail);
	} else {
		/* not in the table (a foreign arch's number): the raw registers */
		int nargs = 6;
		while (nargs > 0 && a[nargs - 1] == 0)
			nargs--;
		size_t o = (size_t)snprintf(detail, sizeof detail, "%s(", c->name);
		for (int i = 0; i < nargs && o < sizeof detail; i++)
			o += (size_t)snprintf(detail + o, sizeof detail - o, "%s0x%llx", i ? ", " : "",
					      (unsigned long long)a[i]);
		if (o < sizeof detail)
			snprintf(detail + o, sizeof detail - o, ")");
	}
	struct bsbox_event ev = {
		.kind = EV_SYSCALL,
		.detail = detail,
		.audit = false, /* audit mode never relaxes kernel surface */
		.suggest = sc_suggest(se),
	};
	notify_emit(c, &ev);
	*errp = scf_deny_errno(nr);
	return V_ERROR;
}

/* ---- probes without a FUSE root (notify_probe.h) ------------------------ */

/* A stat, access, chdir, opendir or O_PATH open: CONTINUE, but for a path
 * the host has and the tree hides, the FUSE root's "hidden" event and
 * ENOENT.  With a FUSE root, or no mount namespace, nothing to do: the
 * root's lookup misses report it, or nothing is hidden from stat. */
static enum verdict probe_call(struct call *c, const struct notify_probe_args *pa, int *errp)
{
	pid_t pid = (pid_t)c->req->pid;
	char raw[PATH_MAX], abs[PATH_MAX], miss[PATH_MAX];
	if (c->ctx->fuse || !c->ctx->have_netns || !c->ctx->policy ||
	    procinfo_read_string(pid, pa->path, raw, sizeof raw) < 0 ||
	    procinfo_path_resolve(pid, pa->dirfd, raw, false, abs, sizeof abs) < 0 ||
	    pathdecide_path_free(abs) ||
	    notify_probe_judge(c->ctx->policy, pid, abs, pa->follow, miss, sizeof miss) !=
		    PROBE_HIDDEN ||
	    !notify_id_valid(c))
		return V_CONTINUE;
	notify_hidden_probe(c->ctx, c->req, miss);
	*errp = ENOENT;
	return V_ERROR;
}

/* ---- the decision per syscall ---------------------------------------------- */

enum verdict notify_decide(struct call *c, int *errp)
{
	const struct sc_entry *se = sc_by_nr(&c->ctx->nrs, c->req->data.nr);
	char namebuf[32];
	char *resolved = NULL;
	enum verdict v;

	switch (limitwatch_call(c->ctx->watch, &c->req->data)) {
	case LW_ALLOW:
		return V_CONTINUE;
	case LW_REFUSE:
		c->name = "fork";
		*errp = EAGAIN;
		return V_ERROR;
	case LW_NOT_A_FORK:
		break;
	}

	if (se) {
		c->name = se->name;
	} else {
		resolved = seccomp_syscall_resolve_num_arch(c->req->data.arch, c->req->data.nr);
		if (!resolved)
			snprintf(namebuf, sizeof namebuf, "syscall_%d", c->req->data.nr);
		c->name = resolved ? resolved : namebuf;
	}
	struct notify_probe_args pa;
	uint64_t args[6];
	for (int i = 0; i < 6; i++)
		args[i] = c->req->data.args[i];
	if (se && notify_probe_args(se, args, &pa))
		return probe_call(c, &pa, errp);
	switch (se ? se->kind : SC_DENIED) {
	case SC_DENIED:
		v = other_call(c, se, errp);
		break;
	case SC_CONNECT:
	case SC_BIND:
	case SC_SENDTO:
	case SC_SENDMSG:
	case SC_SENDMMSG:
	case SC_LISTEN:
		v = notify_net_call(c, se, errp);
		break;
	case SC_SOCKET:
	case SC_SOCKETPAIR:
		v = notify_socket_call(c, se, errp);
		break;
	case SC_OPEN:
	case SC_OPENAT:
	case SC_OPENAT2:
	case SC_CREAT:
	case SC_EXECVE:
	case SC_EXECVEAT:
	case SC_PATH_W:
	case SC_AT_W:
	case SC_RENAME:
	case SC_RENAMEAT:
	case SC_LINK:
	case SC_LINKAT:
	case SC_SYMLINK:
	case SC_SYMLINKAT:
	default:
		v = notify_path_call(c, se, errp);
		break;
	}
	free(resolved);
	return v;
}
