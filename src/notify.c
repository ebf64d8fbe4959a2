/* The seccomp user-notification supervisor.
 *
 * receive -> decode (read target memory) -> id_valid -> decide -> respond.
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
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "creds.h"
#include "notify.h"
#include "pathcache.h"
#include "rootonly.h"
#include "strv.h"
#include "seccomp_filter.h"
#include "syscalls.h"
#include "util.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#ifndef SECCOMP_ADDFD_FLAG_SEND
#define SECCOMP_ADDFD_FLAG_SEND (1UL << 1) /* 5.14 */
#endif
#ifndef SECCOMP_GET_NOTIF_SIZES
#define SECCOMP_GET_NOTIF_SIZES 3
#endif

/* One notification being served. */
struct call {
	struct notify_ctx *ctx;
	int fd;
	const struct seccomp_notif *req;
	bool fuse;        /* from a FUSE lookup miss, not a notification (fd is -1) */
	const char *miss; /* with fuse: the path whose lookup left the tree */
	const char *name; /* syscall name */
	/* lazily filled when something is logged */
	bool proc_loaded;
	char exe[PATH_MAX];
	char cmdline[513];
};

enum verdict {
	V_CONTINUE,
	V_ERROR,
	V_ANSWERED, /* the reply went out already (SECCOMP_ADDFD_FLAG_SEND) */
	V_SUCCESS,  /* done on the target's behalf: the call returns 0 */
};

void notify_tune(int notify_fd)
{
	if (notify_fd < 0)
		return;
	/* 6.6+: the supervisor runs on the target's CPU, 12 -> 3 us a round trip */
	if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0 &&
	    errno != EINVAL && errno != ENOTTY) {
		/* nothing else to do: it is only an optimisation */
	}
}

/* ---- target memory ----------------------------------------------------- */

static size_t page_size(void)
{
	static size_t pg;
	if (!pg) {
		long v = sysconf(_SC_PAGESIZE);
		pg = v > 0 ? (size_t)v : 4096;
	}
	return pg;
}

/* Read up to len bytes at addr in pid; stops at the first unreadable page.
 * Returns bytes read (>0) or -errno. */
static ssize_t mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote[4];
	size_t pg = page_size(), off = 0;
	int n = 0;
	if (addr == 0)
		return -EFAULT;
	/* one remote element per page: partial reads stop at element bounds */
	while (off < len && n < 4) {
		uint64_t a = addr + off;
		size_t chunk = pg - (size_t)(a % pg);
		if (chunk > len - off)
			chunk = len - off;
		remote[n++] = (struct iovec){ (void *)(uintptr_t)a, chunk };
		off += chunk;
	}
	local.iov_len = off;
	ssize_t r = process_vm_readv(pid, &local, 1, remote, (unsigned long)n, 0);
	if (r > 0)
		return r;
	if (r == 0)
		return -EFAULT;
	if (errno != ENOSYS && errno != EPERM)
		return -errno;

	/* fallback: /proc/PID/mem */
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/mem", (int)pid);
	cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	size_t got = 0;
	for (int i = 0; i < n; i++) {
		ssize_t k = pread(fd, (char *)buf + got, remote[i].iov_len,
				  (off_t)(uintptr_t)remote[i].iov_base);
		if (k <= 0)
			break;
		got += (size_t)k;
		if ((size_t)k < remote[i].iov_len)
			break;
	}
	return got ? (ssize_t)got : -EFAULT;
}

static int read_string(pid_t pid, uint64_t addr, char *buf, size_t size)
{
	ssize_t r = mem_read(pid, addr, buf, size);
	if (r < 0)
		return (int)r;
	if (!memchr(buf, '\0', (size_t)r))
		return (size_t)r == size ? -ENAMETOOLONG : -EFAULT;
	return 0;
}

static bool id_valid(const struct call *c)
{
	/* a FUSE miss: the target waits in our lookup, so what we read is what
	 * it asked for */
	if (c->fuse)
		return true;
	__u64 id = c->req->id;
	return ioctl(c->fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

/* ---- paths ------------------------------------------------------------- */

/* readlink /proc/PID/<what>; only absolute results are useful */
static int proc_link(pid_t pid, const char *what, char *buf, size_t size)
{
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/%s", (int)pid, what);
	ssize_t n = readlink(p, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return buf[0] == '/' ? 0 : -ENOTDIR;
}

/* Absolute, normalised form of `rel` as the target sees it. */
static int path_resolve(pid_t pid, int dirfd, const char *rel, bool empty_ok, char *out,
			size_t outlen)
{
	char base[PATH_MAX], joined[2 * PATH_MAX + 2];
	if (rel[0] == '/')
		return util_path_normalise(rel, out, outlen);
	if (rel[0] == '\0' && !empty_ok)
		return -ENOENT;
	int rc;
	if (dirfd == AT_FDCWD) {
		rc = proc_link(pid, "cwd", base, sizeof base);
	} else {
		char what[32];
		snprintf(what, sizeof what, "fd/%d", dirfd);
		rc = proc_link(pid, what, base, sizeof base);
	}
	if (rc < 0)
		return rc;
	size_t bl = strlen(base), rl = strlen(rel);
	if (bl + 1 + rl + 1 > sizeof joined)
		return -ENAMETOOLONG;
	memcpy(joined, base, bl);
	joined[bl] = '/';
	memcpy(joined + bl + 1, rel, rl + 1);
	return util_path_normalise(joined, out, outlen);
}

static const char *access_name(unsigned want)
{
	return want & POL_W ? "write" : want & POL_X ? "exec" : "read";
}

/* JSON string body escaping for the suggestion (quotes and backslashes;
 * control characters in paths are rare enough to drop) */
static void json_escape(const char *s, char *out, size_t size)
{
	size_t o = 0;
	for (; *s && o + 3 < size; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			out[o++] = '\\';
		else if (ch < 0x20)
			continue;
		out[o++] = (char)ch;
	}
	out[o] = '\0';
}

/* ---- logging ----------------------------------------------------------- */

static void load_proc(struct call *c)
{
	if (c->proc_loaded)
		return;
	c->proc_loaded = true;
	pid_t pid = (pid_t)c->req->pid;
	if (proc_link(pid, "exe", c->exe, sizeof c->exe) < 0)
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

static void emit(struct call *c, struct bsbox_event *ev)
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
 * well; emit() already traces what it denied. */

static bool tracing_all(const struct call *c)
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
		if (mem_read(pid, addr + i * sizeof p, &p, sizeof p) != (ssize_t)sizeof p || !p)
			break;
		if (read_string(pid, p, buf + used, size - used) < 0)
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
		return; /* emit() traced it */
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

/* True if some rule lies strictly beneath path. */
static bool is_rule_ancestor(const struct policy *p, const char *path)
{
	size_t l = strlen(path);
	if (l == 1 && path[0] == '/')
		return p->nrules > 0;
	for (size_t i = 0; i < p->nrules; i++) {
		const char *r = p->rules[i].path;
		if (strncmp(r, path, l) == 0 && r[l] == '/')
			return true;
	}
	return false;
}

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
static int host_resolve(const char *abs, bool follow, char *out, size_t size)
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
static bool resolvable(const struct call *c, const char *abs)
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
	if (proc_link(who, what, out, size) < 0)
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

/* Parent pid and, with nnp_seccomp, whether the task runs with
 * no_new_privs and a seccomp filter (what every sandboxed process has). */
static pid_t proc_parent(pid_t pid, bool *nnp_seccomp)
{
	char p[64], buf[4096];
	snprintf(p, sizeof p, "/proc/%d/status", (int)pid);
	cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf - 1) : -1;
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	const char *pp = strstr(buf, "\nPPid:");
	if (nnp_seccomp)
		*nnp_seccomp = strstr(buf, "\nNoNewPrivs:\t1") && strstr(buf, "\nSeccomp:\t2");
	return pp ? (pid_t)atoi(pp + 6) : 0;
}

/* "/proc/PID/X" where X is one of the entries the kernel guards with a
 * ptrace check (Landlock refuses them across its domain, in silence), and
 * PID a process outside the sandbox.  Only meaningful without a pid
 * namespace: with one, other processes are not in /proc at all. */
static bool proc_foreign(const struct call *c, const char *abs)
{
	static const char *const guarded[] = { "environ", "mem",   "maps",     "smaps", "auxv",
					       "syscall", "stack", "pagemap",  "io",    "personality",
					       "cwd",     "root",  "exe",      "fd",    "fdinfo",
					       "map_files", "smaps_rollup", "timers" };
	if (c->ctx->have_netns || strncmp(abs, "/proc/", 6) != 0)
		return false;
	const char *s = abs + 6;
	char *end;
	long pid = strtol(s, &end, 10);
	if (end == s || *end != '/' || pid <= 0)
		return false;
	s = end + 1;
	if (!strncmp(s, "task/", 5)) { /* /proc/PID/task/TID/X */
		s += 5;
		while (*s >= '0' && *s <= '9')
			s++;
		if (*s++ != '/')
			return false;
	}
	size_t len = strcspn(s, "/");
	bool hit = false;
	for (size_t i = 0; i < sizeof guarded / sizeof *guarded; i++)
		hit |= strlen(guarded[i]) == len && !strncmp(s, guarded[i], len);
	if (!hit)
		return false;
	/* inside: top_pid or below it; or an orphan the supervisor (the child
	 * subreaper) adopted, which still runs under our filter */
	pid_t self = getpid();
	for (pid_t p = (pid_t)pid; p > 1;) {
		if (p == c->ctx->top_pid)
			return false;
		bool confined = false;
		pid_t parent = proc_parent(p, &confined);
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
	emit(c, &ev);
	return V_ERROR;
}

/* May this call's decision be remembered (pathcache.h)?  A read-only open
 * (not a listing) of an absolute path as passed, outside /proc and /dev,
 * under no writable rule, notified (not a FUSE miss), while allowed calls
 * are not traced; path_call also wants the resolved path under no writable
 * rule and outside /proc and /dev. */
static bool cacheable(const struct call *c, const struct sc_entry *se, const struct patharg *pa,
		      int n, bool listing, const char *raw)
{
	return c->ctx->paths && c->ctx->policy && !c->fuse && n == 1 && pa[0].want == POL_R &&
	       !listing && (se->kind == SC_OPEN || se->kind == SC_OPENAT || se->kind == SC_OPENAT2) &&
	       raw[0] == '/' && !tracing_all(c) && !util_path_within(raw, "/proc") &&
	       !util_path_within(raw, "/dev") && !(policy_access_for(c->ctx->policy, raw) & POL_W);
}

static enum verdict path_call(struct call *c, const struct sc_entry *se, int *errp)
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
			if (mem_read((pid_t)c->req->pid, a[2], &flags, sizeof flags) !=
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
		return V_CONTINUE; /* not a path call */
	}

	pid_t pid = (pid_t)c->req->pid;
	char raw[2][PATH_MAX], abs[2][PATH_MAX];
	for (int i = 0; i < n; i++) {
		/* unreadable or too long: the kernel fails the call itself */
		if (read_string(pid, pa[i].addr, raw[i], sizeof raw[i]) < 0)
			return V_CONTINUE;
	}
	/* a read-only open let through before (pathcache.h) */
	bool cache = cacheable(c, se, pa, n, listing, raw[0]);
	if (cache && pathcache_has(c->ctx->paths, raw[0]))
		return V_CONTINUE;
	for (int i = 0; i < n; i++)
		if (path_resolve(pid, pa[i].dirfd, raw[i], pa[i].empty_ok, abs[i], sizeof abs[i]) < 0)
			return V_CONTINUE;
	/* What the kernel will reach: a symlink on the way (planted in OUT_DIR,
	 * shipped in a crate, the system's own) can lead out of the policy, and
	 * the kernel layers would then refuse it in silence (issue 12).  A FUSE
	 * miss says where the lookup left the tree. */
	if (c->fuse && c->miss && !util_path_within(abs[0], c->miss)) {
		char real[PATH_MAX];
		if (host_resolve(abs[0], true, real, sizeof real) == 0 && util_path_within(real, c->miss))
			snprintf(abs[0], sizeof abs[0], "%s", real);
		else
			snprintf(abs[0], sizeof abs[0], "%s", c->miss);
	} else if (!c->fuse) {
		bool follow = follow_final(se, a, flags);
		for (int i = 0; i < n; i++) {
			char real[PATH_MAX];
			if ((resolvable(c, abs[i]) &&
			     host_resolve(abs[i], follow && i == n - 1, real, sizeof real) == 0) ||
			    (follow && i == n - 1 && fd_reopen(c, abs[i], real, sizeof real)))
				snprintf(abs[i], sizeof abs[i], "%s", real);
		}
	}
	/* No id_valid check yet: letting a call through (CONTINUE) decides
	 * nothing (the kernel layers enforce), so stale memory costs nothing
	 * there, and allowed opens are the hot path. Before anything is logged
	 * from what was read, it is checked below. */

	bool denied[2] = { false, false }, any = false, dac[2] = { false, false };
	bool opens = se->kind == SC_OPEN || se->kind == SC_OPENAT || se->kind == SC_OPENAT2;
	const struct policy_secret *secret[2] = { NULL, NULL };
	bool foreign[2] = { false, false };
	for (int i = 0; i < n; i++) {
		if (pa[i].want == POL_R && proc_foreign(c, abs[i])) {
			foreign[i] = denied[i] = any = true;
			continue;
		}
		if (util_path_sandbox_own(abs[i]) || !c->ctx->policy)
			continue;
		/* a credential file inside a readable tree (creds.h) */
		if (pa[i].want == POL_R && (secret[i] = secret_at(c->ctx->policy, abs[i]))) {
			if (!secret[i]->clean) {
				denied[i] = any = true; /* hidden: every read attempt is logged */
				continue;
			}
			bool opening = se->kind == SC_OPEN || se->kind == SC_OPENAT ||
				       se->kind == SC_OPENAT2;
			/* full mode: the tree holds the copy; audit: the file itself */
			if (c->ctx->have_netns || c->ctx->audit)
				secret[i] = NULL;
			else if (opening && !c->fuse && n == 1)
				return serve_copy(c, secret[i], flags, errp);
			else {
				denied[i] = any = true; /* a link to it, say */
				continue;
			}
		}
		unsigned have = policy_access_for(c->ctx->policy, abs[i]);
		if ((have & pa[i].want) == pa[i].want) {
			if (opens && pa[i].want == POL_R && rootonly_file(c->ctx->policy, c->ctx->root_id, abs[i]))
				denied[i] = any = dac[i] = true;
			continue;
		}
		/* Listing a directory on the way to an allowed path ("/", "/home"):
		 * in our mount tree it holds only the mount points, and on the host
		 * tree Landlock refuses it; neither is worth a violation. */
		if (pa[i].want == POL_R && is_rule_ancestor(c->ctx->policy, abs[i]))
			continue;
		/* Listing a directory outside the policy reveals names at most, and
		 * the kernel layers refuse or hide it anyway; compilers scan /opt and
		 * friends for toolchains. Contents stay logged. */
		if (listing)
			continue;
		/* Reading or executing something that does not exist on the host
		 * either: the kernel answers ENOENT and nothing is revealed.
		 * Answering EACCES would turn every PATH search (execvp tries each
		 * directory) and every optional-file probe into a "denial" and
		 * change ENOENT into an error programs treat as fatal.  Only
		 * denied paths pay for this lstat. */
		struct stat st;
		if (pa[i].want != POL_W && lstat(abs[i], &st) < 0 &&
		    (errno == ENOENT || errno == ENOTDIR))
			continue;
		/* `mkdir -p` walks down from / creating what exists: EEXIST from
		 * the kernel, nothing written */
		if (makedir && lstat(abs[i], &st) == 0)
			continue;
		denied[i] = any = true;
	}
	if (tracing_all(c))
		trace_allowed_paths(c, se, abs, denied, n, flags);
	if (!any && cache && !(policy_access_for(c->ctx->policy, abs[0]) & POL_W) &&
	    !util_path_within(abs[0], "/proc") && !util_path_within(abs[0], "/dev"))
		pathcache_add(c->ctx->paths, raw[0]);
	if (!any)
		return V_CONTINUE;
	/* everything read so far came from the target if it is still waiting */
	if (!id_valid(c))
		return V_CONTINUE;

	for (int i = 0; i < n; i++) {
		if (!denied[i])
			continue;
		char esc[PATH_MAX + 64], suggest[PATH_MAX + 96], sdetail[128], why[96];
		const char *path = secret[i] ? secret[i]->path : abs[i];
		json_escape(path, esc, sizeof esc);
		snprintf(suggest, sizeof suggest, "\"%s\": [\"%s\"]",
			 secret[i] ? "credentials" : access_name(pa[i].want), esc);
		if (secret[i])
			snprintf(sdetail, sizeof sdetail, "credentials: hidden unless the policy grants "
				 "them%s%s", detail[0] ? "; " : "", detail);
		if (foreign[i])
			snprintf(sdetail, sizeof sdetail, "a process outside the sandbox%s%s",
				 detail[0] ? "; " : "", detail);
		/* granting it changes nothing: only the host's root may read it */
		rootonly_why(c->ctx->root_id, NULL, why, sizeof why);
		struct bsbox_event ev = {
			.kind = EV_PATH,
			.detail = dac[i]			  ? why
				  : secret[i] || foreign[i] ? sdetail
				  : detail[0]		  ? detail
							  : NULL,
			.path = path,
			.access = access_name(pa[i].want),
			.audit = c->ctx->audit,
			.suggest = dac[i]	 ? ROOTONLY_SUGGEST
				   : foreign[i] ? "no policy entry: another process's memory and "
						  "environment are never readable"
						: suggest,
		};
		emit(c, &ev);
	}
	if (c->ctx->audit)
		return V_CONTINUE;
	*errp = EACCES;
	return V_ERROR;
}

/* ---- pathname unix sockets ------------------------------------------------ */

/* An AF_UNIX (or AF_UNSPEC) destination let through: in the trace, when the
 * supervisor is its backend (emit() traces the denials). */
static void trace_let_through(struct call *c, const struct sc_entry *se, const unsigned char *sa,
			      size_t len)
{
	if (!tracing_all(c) || se->kind == SC_BIND)
		return;
	char ta[160];
	trace_sockaddr(sa, len, ta, sizeof ta);
	struct trace_rec tr = { .op = se->kind == SC_CONNECT ? TRACE_CONNECT : TRACE_SEND,
				.pid = (pid_t)c->req->pid, .addr = ta };
	trace_write(c->ctx->trace, &tr);
}

/* The name services glibc asks before /etc/passwd: nscd, and systemd's
 * userdb (nss-systemd is in Debian's default nsswitch.conf).  `id`, `ls -l`
 * and tar look users up through them; the sandbox answers "not there", as
 * the full mode's tree (no /run) does, and the lookup falls back to
 * /etc/passwd.  Nothing is logged: it is not a script's doing. */
static bool unix_quiet(const char *p)
{
	return !strcmp(p, "/run/nscd/socket") || !strcmp(p, "/var/run/nscd/socket") ||
	       util_path_within(p, "/run/systemd/userdb") || util_path_within(p, "/var/run/systemd/userdb");
}

/* Does a "unix_sockets" rule grant `path`?  With resolve (no mount
 * namespace: our view is the target's), path is the socket as the kernel
 * reaches it, symlinks followed, and a rule counts by its own resolved form
 * too ("/var/run/x.sock" names "/run/x.sock" on Debian). */
static bool unix_granted(const struct policy *p, const char *path, bool resolve)
{
	for (size_t i = 0; i < p->nrules; i++) {
		if (!(p->rules[i].access & POL_S))
			continue;
		if (!strcmp(p->rules[i].path, "/") || util_path_within(path, p->rules[i].path))
			return true;
		char real[PATH_MAX];
		if (resolve && realpath(p->rules[i].path, real) && util_path_within(path, real))
			return true;
	}
	return false;
}

/* connect() the target's socket (fd a0) to path from here: the same open
 * file, so the connection is the target's.  The peer sees this process's
 * credentials (same uid and gid without a user namespace; another pid).  A
 * blocking socket is made non-blocking for the call, so a listener with a
 * full backlog cannot stall the supervisor: the target gets EAGAIN then. */
static enum verdict connect_for(struct call *c, const char *path, int *errp)
{
	pid_t pid = (pid_t)c->req->pid;
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	cleanup_close int sfd = pidfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pidfd,
							  (int)c->req->data.args[0], 0)
					   : -1;
	if (sfd < 0) {
		*errp = errno == EBADF ? EBADF : EACCES;
		return V_ERROR;
	}
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	cleanup_close int pfd = -1;
	if (strlen(path) < sizeof sun.sun_path) {
		memcpy(sun.sun_path, path, strlen(path) + 1);
	} else {
		/* longer than sun_path: through an O_PATH descriptor of it */
		if ((pfd = open(path, O_PATH | O_CLOEXEC)) < 0) {
			*errp = errno;
			return V_ERROR;
		}
		snprintf(sun.sun_path, sizeof sun.sun_path, "/proc/self/fd/%d", pfd);
	}
	int fl = fcntl(sfd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		fcntl(sfd, F_SETFL, fl | O_NONBLOCK);
	int r = connect(sfd, (struct sockaddr *)&sun, sizeof sun);
	int e = errno;
	if (fl >= 0 && !(fl & O_NONBLOCK))
		fcntl(sfd, F_SETFL, fl);
	if (!id_valid(c)) {
		*errp = EINTR; /* the call is gone (a signal): the answer goes nowhere */
		return V_ERROR;
	}
	if (r == 0)
		return V_SUCCESS;
	*errp = e;
	return V_ERROR;
}

/* connect/sendto/sendmsg to an AF_UNIX address (sa holds len bytes).
 *
 * Abstract names belong to the network namespace (full mode) or to
 * Landlock's scoping (ABI 6); unnamed addresses reach nothing.  A pathname
 * needs a "unix_sockets" grant, in every mode:
 *   - not granted, and the socket exists (on the host, or in the private
 *     /tmp the full mode gives): EACCES, logged with the path;
 *   - not there at all: ENOENT, unlogged, like a PATH search;
 *   - granted: CONTINUE, which rests on memory the target can rewrite
 *     before the kernel reads it (NOTES.md).  With a mount namespace a
 *     racing thread reaches at most another socket inside the sandbox's
 *     tree.  Without one, connect() is made here instead (connect_for), and
 *     only a granted datagram send is CONTINUEd (docs/policy.md).  Without
 *     a grant nothing is ever CONTINUEd here. */
static enum verdict unix_call(struct call *c, const struct sc_entry *se, const unsigned char *sa,
			      size_t len, int *errp)
{
	const size_t off = offsetof(struct sockaddr_un, sun_path);
	if (len <= off || sa[off] == '\0' || !c->ctx->policy) {
		trace_let_through(c, se, sa, len); /* unnamed or abstract */
		return V_CONTINUE;
	}
	char raw[sizeof(struct sockaddr_un) + 1];
	size_t n = len - off;
	if (n > sizeof raw - 1)
		n = sizeof raw - 1;
	memcpy(raw, sa + off, n);
	raw[n] = '\0'; /* the kernel also stops at the first NUL */

	pid_t pid = (pid_t)c->req->pid;
	char lex[PATH_MAX], real[PATH_MAX];
	if (path_resolve(pid, AT_FDCWD, raw, false, lex, sizeof lex) < 0) {
		*errp = ENOENT; /* no cwd to resolve against: the target is exiting */
		return V_ERROR;
	}
	bool own_tree = c->ctx->have_netns; /* full mode: the sandbox has its own mount tree */
	const char *path = lex;
	if (unix_quiet(lex)) {
		*errp = ENOENT;
		return V_ERROR;
	}
	if (!own_tree) {
		/* our view is the target's: the socket the kernel would reach */
		if (!realpath(lex, real)) {
			*errp = errno == ENAMETOOLONG ? ENAMETOOLONG : errno == ELOOP ? ELOOP : ENOENT;
			return V_ERROR;
		}
		path = real;
		if (unix_quiet(real)) {
			*errp = ENOENT;
			return V_ERROR;
		}
	}
	/* full mode: where the tree binds the host at the same path, our view of
	 * a symlink is the kernel's (a link planted in a granted, writable
	 * directory must not carry the grant elsewhere) */
	if (own_tree && resolvable(c, lex) && host_resolve(lex, true, real, sizeof real) == 0)
		path = real;
	if (unix_granted(c->ctx->policy, path, !own_tree)) {
		/* without a mount namespace a CONTINUE would let a racing thread
		 * swap the address for any socket of the user's: connect() is
		 * done here, on the target's socket, to the socket checked */
		if (!own_tree && se->kind == SC_CONNECT && !c->ctx->audit) {
			enum verdict v = connect_for(c, path, errp);
			/* our connect, not the target's: a BPF trace cannot see it */
			if (v == V_SUCCESS && c->ctx->trace) {
				char ta[160];
				trace_sockaddr(sa, len, ta, sizeof ta);
				struct trace_rec tr = { .op = TRACE_CONNECT, .pid = (pid_t)c->req->pid,
							.addr = ta };
				trace_write(c->ctx->trace, &tr);
			}
			return v;
		}
		trace_let_through(c, se, sa, len);
		return V_CONTINUE;
	}
	if (own_tree) {
		/* The tree holds what the policy binds from the host (at the same
		 * paths) plus the private /tmp and /dev/shm, which we cannot look
		 * into without going through our own FUSE root. */
		struct stat st;
		if (lstat(path, &st) < 0 && !util_path_within(lex, "/tmp") && !util_path_within(lex, "/dev/shm")) {
			*errp = ENOENT;
			return V_ERROR;
		}
	}
	if (!id_valid(c)) {
		*errp = ENOENT; /* the call is gone; the answer goes nowhere */
		return V_ERROR;
	}
	char esc[PATH_MAX + 64], suggest[PATH_MAX + 96], addr[PATH_MAX + 8], detail[2 * PATH_MAX + 32];
	json_escape(path, esc, sizeof esc);
	snprintf(suggest, sizeof suggest, "\"unix_sockets\": [\"%s\"]", esc);
	snprintf(addr, sizeof addr, "unix:%s", raw);
	if (strcmp(lex, path) != 0)
		snprintf(detail, sizeof detail, "%s %s (%s)", se->name, addr, path);
	else
		snprintf(detail, sizeof detail, "%s %s", se->name, addr);
	struct bsbox_event ev = {
		.kind = EV_PATH,
		.detail = detail,
		.path = path,
		.access = "connect",
		.addr = addr,
		.audit = c->ctx->audit,
		.suggest = suggest,
	};
	emit(c, &ev);
	if (c->ctx->audit)
		return V_CONTINUE;
	*errp = EACCES;
	return V_ERROR;
}

/* ---- network ------------------------------------------------------------ */


static const char *netlink_name(int proto)
{
	static const char *const names[] = {
		[NETLINK_ROUTE] = "ROUTE",	       [NETLINK_USERSOCK] = "USERSOCK",
		[NETLINK_FIREWALL] = "FIREWALL",       [NETLINK_SOCK_DIAG] = "SOCK_DIAG",
		[NETLINK_NFLOG] = "NFLOG",	       [NETLINK_XFRM] = "XFRM",
		[NETLINK_SELINUX] = "SELINUX",	       [NETLINK_ISCSI] = "ISCSI",
		[NETLINK_AUDIT] = "AUDIT",	       [NETLINK_FIB_LOOKUP] = "FIB_LOOKUP",
		[NETLINK_CONNECTOR] = "CONNECTOR",     [NETLINK_NETFILTER] = "NETFILTER",
		[NETLINK_IP6_FW] = "IP6_FW",	       [NETLINK_DNRTMSG] = "DNRTMSG",
		[NETLINK_KOBJECT_UEVENT] = "KOBJECT_UEVENT", [NETLINK_GENERIC] = "GENERIC",
		[NETLINK_SCSITRANSPORT] = "SCSITRANSPORT", [NETLINK_ECRYPTFS] = "ECRYPTFS",
		[NETLINK_RDMA] = "RDMA",	       [NETLINK_CRYPTO] = "CRYPTO",
		[22] = "SMC",
	};
	if (proto >= 0 && (size_t)proto < sizeof names / sizeof *names && names[proto])
		return names[proto];
	return NULL;
}

/* The netlink protocol of the target's socket fd: SO_PROTOCOL on a copy
 * of the fd (pidfd_getfd, same ptrace rights as reading its memory), else
 * its inode looked up in /proc/PID/net/netlink (lists bound sockets only).
 * -1 unknown.  Only called when logging. */
static int netlink_proto(pid_t pid, int fd)
{
	int proto = -1;
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (pidfd >= 0) {
		cleanup_close int sfd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
		socklen_t len = sizeof proto;
		if (sfd >= 0 && getsockopt(sfd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0)
			return proto;
	}

	char what[32], link[64], p[64];
	snprintf(what, sizeof what, "/proc/%d/fd/%d", (int)pid, fd);
	ssize_t n = readlink(what, link, sizeof link - 1);
	if (n < 0)
		return -1;
	link[n] = '\0';
	unsigned long ino, lino;
	if (sscanf(link, "socket:[%lu]", &ino) != 1)
		return -1;
	snprintf(p, sizeof p, "/proc/%d/net/netlink", (int)pid);
	cleanup_fclose FILE *f = fopen(p, "re");
	if (!f)
		return -1;
	char line[512];
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%*s %d %*s %*s %*s %*s %*s %*s %*s %lu", &proto, &lino) == 2 &&
		    lino == ino)
			return proto;
	return -1;
}

/* Describe a sockaddr; returns false for AF_UNIX/AF_UNSPEC (unix_call
 * decides those). */
static bool describe_addr(pid_t pid, int fd, const unsigned char *sa, size_t len, char *out,
			  size_t size, bool *dns)
{
	sa_family_t fam;
	*dns = false;
	if (len < sizeof fam)
		return false;
	memcpy(&fam, sa, sizeof fam);
	char ip[INET6_ADDRSTRLEN];
	switch (fam) {
	case AF_UNIX:
	case AF_UNSPEC:
		return false;
	case AF_INET: {
		struct sockaddr_in in;
		if (len < sizeof in)
			return false; /* EINVAL from the kernel */
		memcpy(&in, sa, sizeof in);
		inet_ntop(AF_INET, &in.sin_addr, ip, sizeof ip);
		snprintf(out, size, "%s:%u", ip, ntohs(in.sin_port));
		*dns = ntohs(in.sin_port) == 53;
		return true;
	}
	case AF_INET6: {
		struct sockaddr_in6 in6;
		if (len < sizeof in6)
			return false;
		memcpy(&in6, sa, sizeof in6);
		inet_ntop(AF_INET6, &in6.sin6_addr, ip, sizeof ip);
		snprintf(out, size, "[%s]:%u", ip, ntohs(in6.sin6_port));
		*dns = ntohs(in6.sin6_port) == 53;
		return true;
	}
	case AF_NETLINK: {
		int proto = netlink_proto(pid, fd);
		const char *nm = netlink_name(proto);
		if (nm)
			snprintf(out, size, "netlink:%s", nm);
		else if (proto >= 0)
			snprintf(out, size, "netlink:%d", proto);
		else
			snprintf(out, size, "netlink:?");
		return true;
	}
	default: {
		const char *nm = sc_family_name(fam);
		if (nm)
			snprintf(out, size, "%s", nm);
		else
			snprintf(out, size, "AF_%u", (unsigned)fam);
		return true;
	}
	}
}

/* An AF_INET/AF_INET6 address with port 0 (the kernel picks one) */
static bool ephemeral_ip(const unsigned char *sa, size_t len)
{
	sa_family_t fam;
	if (len < sizeof fam)
		return false;
	memcpy(&fam, sa, sizeof fam);
	if (fam == AF_INET && len >= sizeof(struct sockaddr_in))
		return ((const struct sockaddr_in *)(const void *)sa)->sin_port == 0;
	if (fam == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		return ((const struct sockaddr_in6 *)(const void *)sa)->sin6_port == 0;
	return false;
}

/* The destination of one connect/sendto/sendmsg address, read from the
 * target.  A read that fails is answered EFAULT without a network
 * namespace (the kernel would read the same memory, unless a second thread
 * changed it meanwhile: never CONTINUE there), CONTINUEd with one (the
 * namespace and the mount tree bound what a racer can reach). */
static enum verdict addr_call(struct call *c, const struct sc_entry *se, uint64_t addr, uint64_t alen,
			      int *errp)
{
	pid_t pid = (pid_t)c->req->pid;
	const __u64 *a = c->req->data.args;
	unsigned char sa[sizeof(struct sockaddr_storage)];

	if (addr == 0 || alen == 0)
		return V_CONTINUE; /* connected socket: the connect was seen */
	if (alen > sizeof sa)
		alen = sizeof sa;
	ssize_t r = mem_read(pid, addr, sa, (size_t)alen);
	if (r < (ssize_t)alen) {
		if (c->ctx->have_netns)
			return V_CONTINUE;
		*errp = EFAULT;
		return V_ERROR;
	}
	sa_family_t fam;
	memcpy(&fam, sa, sizeof fam < (size_t)r ? sizeof fam : (size_t)r);
	if ((size_t)r >= sizeof fam && fam == AF_UNIX)
		return unix_call(c, se, sa, (size_t)r, errp);
	/* "network": true: IP and the rest are the policy's business (the
	 * filter only notifies them for the unix sockets' sake) */
	if (c->ctx->policy && c->ctx->policy->network)
		return V_CONTINUE;
	/* bind(127.0.0.1:0) is how a UDP client picks its source port before
	 * sendto: inside the sandbox's own network namespace nothing outside
	 * can reach it, and the destination is judged and logged at the send */
	if (se->kind == SC_BIND && c->ctx->have_netns && ephemeral_ip(sa, (size_t)r))
		return V_CONTINUE;
	char desc[128], detail[160];
	bool dns;
	if (!describe_addr(pid, (int)a[0], sa, (size_t)r, desc, sizeof desc, &dns)) {
		trace_let_through(c, se, sa, (size_t)r);
		return V_CONTINUE;
	}
	if (!id_valid(c))
		return V_CONTINUE;
	/* netlink inside our own network namespace only sees the sandbox's
	 * loopback (getaddrinfo's AI_ADDRCONFIG probe, getifaddrs): not news */
	if (c->ctx->have_netns && ((const struct sockaddr *)sa)->sa_family == AF_NETLINK)
		return V_CONTINUE;
	snprintf(detail, sizeof detail, "%s %s%s", se->name, desc, dns ? " (DNS lookup)" : "");
	/* without a network namespace nothing may reach the host network: a
	 * CONTINUE would be a grant, so audit mode does not relax it */
	bool let = c->ctx->audit && c->ctx->have_netns;
	struct bsbox_event ev = {
		.kind = EV_NETWORK,
		.detail = detail,
		.addr = desc,
		.audit = let,
		.suggest = "\"network\": true",
	};
	emit(c, &ev);
	if (let)
		return V_CONTINUE;
	*errp = EACCES;
	return V_ERROR;
}

static enum verdict net_call(struct call *c, const struct sc_entry *se, int *errp)
{
	const __u64 *a = c->req->data.args;
	pid_t pid = (pid_t)c->req->pid;

	switch (se->kind) {
	case SC_CONNECT:
	case SC_BIND:
		return addr_call(c, se, a[1], a[2], errp);
	case SC_SENDTO:
		return addr_call(c, se, a[4], a[5], errp);
	case SC_SENDMSG:
	case SC_SENDMMSG: {
		/* every message of a sendmmsg names its own destination; the
		 * kernel sends at most UIO_MAXIOV of them */
		uint64_t n = se->kind == SC_SENDMSG ? 1 : a[2] < 1024 ? a[2] : 1024;
		size_t stride = se->kind == SC_SENDMSG ? sizeof(struct msghdr) : sizeof(struct mmsghdr);
		for (uint64_t i = 0; i < n; i++) {
			struct msghdr mh; /* struct mmsghdr starts with it */
			if (mem_read(pid, a[1] + i * stride, &mh, sizeof mh) != (ssize_t)sizeof mh) {
				if (c->ctx->have_netns)
					return V_CONTINUE;
				*errp = EFAULT;
				return V_ERROR;
			}
			enum verdict v = addr_call(c, se, (uintptr_t)mh.msg_name, mh.msg_namelen, errp);
			if (v == V_ERROR)
				return v;
		}
		return V_CONTINUE;
	}
	default:
		break;
	}
	return V_CONTINUE;
}

static enum verdict socket_call(struct call *c, const struct sc_entry *se, int *errp)
{
	const __u64 *a = c->req->data.args;
	char fam[24], typ[24], detail[96];
	const char *fn = sc_family_name((int)(uint32_t)a[0]);
	const char *tn = sc_socktype_name(a[1]);
	if (fn)
		snprintf(fam, sizeof fam, "%s", fn);
	else
		snprintf(fam, sizeof fam, "%u", (unsigned)a[0]);
	if (tn)
		snprintf(typ, sizeof typ, "%s", tn);
	else
		snprintf(typ, sizeof typ, "%u", (unsigned)a[1]);
	snprintf(detail, sizeof detail, "%s(%s, %s)", se->name, fam, typ);
	struct bsbox_event ev = {
		.kind = EV_NETWORK,
		.detail = detail,
		.audit = false, /* a socket family is kernel surface: denied in audit too */
		.suggest = "\"network\": true",
	};
	emit(c, &ev);
	*errp = EAFNOSUPPORT;
	return V_ERROR;
}

/* ---- the dangerous list ------------------------------------------------- */

/* sc_format's reader: strings in the target's memory */
static int read_target_str(void *arg, uint64_t addr, char *buf, size_t size)
{
	const struct call *c = arg;
	return read_string((pid_t)c->req->pid, addr, buf, size);
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
	emit(c, &ev);
	*errp = scf_deny_errno(nr);
	return V_ERROR;
}

/* ---- the loop ------------------------------------------------------------ */

static enum verdict decide(struct call *c, int *errp)
{
	const struct sc_entry *se = sc_by_nr(&c->ctx->nrs, c->req->data.nr);
	char namebuf[32];
	char *resolved = NULL;
	enum verdict v;

	if (se) {
		c->name = se->name;
	} else {
		resolved = seccomp_syscall_resolve_num_arch(c->req->data.arch, c->req->data.nr);
		if (!resolved)
			snprintf(namebuf, sizeof namebuf, "syscall_%d", c->req->data.nr);
		c->name = resolved ? resolved : namebuf;
	}
	switch (se ? se->kind : SC_DENIED) {
	case SC_DENIED:
		v = other_call(c, se, errp);
		break;
	case SC_CONNECT:
	case SC_BIND:
	case SC_SENDTO:
	case SC_SENDMSG:
	case SC_SENDMMSG:
		v = net_call(c, se, errp);
		break;
	case SC_SOCKET:
	case SC_SOCKETPAIR:
		v = socket_call(c, se, errp);
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
		v = path_call(c, se, errp);
		break;
	}
	free(resolved);
	return v;
}

/* ---- the FUSE root's lookup misses ---------------------------------------- */

/* Last field of the "NSpid:" line of a status file: the id in the innermost
 * pid namespace, 0 if none. */
static pid_t status_nspid(int dirfd, const char *file)
{
	cleanup_close int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof buf - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	char *l = strstr(buf, "\nNSpid:");
	if (!l)
		return 0;
	char *end = strchr(l + 1, '\n');
	if (end)
		*end = '\0';
	char *last = strrchr(l, '\t');
	return last ? (pid_t)atoi(last + 1) : 0;
}

/* The host id of the task the sandbox numbers nspid.  FUSE gives pids as the
 * mounter's (sandbox's) pid namespace sees them; libseccomp, /proc and
 * process_vm_readv want ours.  Walks the sandbox's process tree from its pid
 * 1, reading each task's NSpid; only paid when a lookup misses the tree on a
 * path that exists outside it, so rarely. */
static pid_t host_tid(pid_t top, pid_t nspid)
{
	enum { MAXP = 4096 };
	cleanup_free pid_t *q = malloc(MAXP * sizeof *q);
	if (!q || top <= 0)
		return 0;
	size_t head = 0, tail = 0;
	q[tail++] = top;
	while (head < tail) {
		char p[64];
		snprintf(p, sizeof p, "/proc/%d/task", (int)q[head++]);
		DIR *d = opendir(p);
		if (!d)
			continue;
		int tfd = dirfd(d);
		struct dirent *de;
		pid_t found = 0;
		while ((de = readdir(d))) {
			if (de->d_name[0] < '0' || de->d_name[0] > '9')
				continue;
			char f[300];
			snprintf(f, sizeof f, "%s/status", de->d_name);
			if (status_nspid(tfd, f) == nspid) {
				found = (pid_t)atoi(de->d_name);
				break;
			}
			/* children of this task: the next level of the walk */
			snprintf(f, sizeof f, "%s/children", de->d_name);
			cleanup_close int cfd = openat(tfd, f, O_RDONLY | O_CLOEXEC);
			char buf[4096];
			ssize_t n = cfd >= 0 ? read(cfd, buf, sizeof buf - 1) : -1;
			if (n <= 0)
				continue;
			buf[n] = '\0';
			char *save = NULL;
			for (char *t = strtok_r(buf, " \n", &save); t && tail < MAXP;
			     t = strtok_r(NULL, " \n", &save))
				q[tail++] = (pid_t)atoi(t);
		}
		closedir(d);
		if (found)
			return found;
	}
	return 0;
}

/* What tid is doing: /proc/TID/syscall ("NR ARG0..ARG5 SP PC"), valid while
 * it waits in our FUSE request. */
static int read_syscall(pid_t tid, struct seccomp_data *d)
{
	char p[64], buf[512];
	snprintf(p, sizeof p, "/proc/%d/syscall", (int)tid);
	cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	unsigned long long a[6];
	int nr;
	if (sscanf(buf, "%d %llx %llx %llx %llx %llx %llx", &nr, &a[0], &a[1], &a[2], &a[3], &a[4],
		   &a[5]) != 7 || nr < 0)
		return -EINVAL; /* "running" or not in a syscall */
	d->nr = nr;
	d->arch = seccomp_arch_native();
	for (int i = 0; i < 6; i++)
		d->args[i] = a[i];
	return 0;
}

/* A stat/access-type probe of a path that exists on the host but lies
 * outside the mount tree (issue 12): ENOENT made pkgconf fall back to the
 * system's .pc without a word.  Not a violation (mkdir -p, PATH searches and
 * feature probes do this all the time), so an informational "hidden" event,
 * once per path, and the path is kept in the report for the summary and
 * cargo's output (run.c). */
static void hidden_probe(struct notify_ctx *ctx, struct seccomp_notif *req, const char *path)
{
	if (!ctx->report || strv_has(ctx->report->hidden, ctx->report->nhidden, path))
		return;
	/* the home is hidden by design and probed all the time (python's
	 * ~/.local, tools' ~/.config): not news.  The paths a build points at
	 * from there are granted up front (envpaths.h) */
	const char *home = getenv("HOME");
	if (util_holds_home(path) || (home && *home && util_path_within(path, home)))
		return;
	if (strv_add_unique(&ctx->report->hidden, &ctx->report->nhidden, path) < 0)
		return;
	char esc[PATH_MAX + 64], suggest[PATH_MAX + 96];
	json_escape(path, esc, sizeof esc);
	snprintf(suggest, sizeof suggest, "\"read\": [\"%s\"]", esc);
	cleanup_free char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, req->data.nr);
	struct call c = { .ctx = ctx, .fd = -1, .req = req, .fuse = true, .miss = path,
			  .name = name ? name : "probe" };
	struct bsbox_event ev = { .kind = EV_PATH, .path = path, .access = "read", .info = true,
				  .detail = "exists on the host but the policy hides it: the call "
					    "got ENOENT (not a denial)",
				  .suggest = suggest };
	emit(&c, &ev);
}

/* A lookup left the mount tree (fusefs_miss_fn).  Every call that can write,
 * execute, connect or change anything was notified before its lookup and
 * decided there; what gets here unannounced is a read-only open (the filter
 * lets those through when the root is FUSE) or a stat-like probe, which was
 * never a violation.  So: the open is judged exactly as its notification
 * would have been, the rest is the ENOENT the tree gives anyway. */
static int fuse_miss(void *arg, pid_t nspid, const char *path)
{
	struct notify_ctx *ctx = arg;
	struct stat st;
	if (lstat(path, &st) < 0)
		return ENOENT; /* nothing there outside either: not a violation */
	struct seccomp_notif req = { 0 };
	req.pid = (__u32)host_tid(ctx->top_pid, nspid);
	if (req.pid == 0 || read_syscall((pid_t)req.pid, &req.data) < 0)
		return ENOENT;
	const struct sc_entry *se = sc_by_nr(&ctx->nrs, req.data.nr);
	if (!se) {
		/* not in the table: a call the filter never notifies, i.e. a
		 * probe (stat, access, readlink, chdir...); the writes (mkdir
		 * -p of an existing directory) were judged before and stay quiet */
		hidden_probe(ctx, &req, path);
		return ENOENT;
	}
	if (se->kind != SC_OPEN && se->kind != SC_OPENAT && se->kind != SC_OPENAT2)
		return ENOENT;
	struct call c = { .ctx = ctx, .fd = -1, .req = &req, .fuse = true, .miss = path,
			  .name = se->name };
	int e = 0;
	if (path_call(&c, se, &e) == V_ERROR)
		return e ? e : EACCES;
	return ENOENT;
}

struct notif_bufs {
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
	size_t req_size, resp_size;
};

static int bufs_alloc(struct notif_bufs *b)
{
	struct seccomp_notif_sizes sz = { 0 };
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0)
		return -errno;
	/* the kernel may know a bigger struct than our headers */
	b->req_size = sz.seccomp_notif > sizeof *b->req ? sz.seccomp_notif : sizeof *b->req;
	b->resp_size = sz.seccomp_notif_resp > sizeof *b->resp ? sz.seccomp_notif_resp
							       : sizeof *b->resp;
	b->req = calloc(1, b->req_size);
	b->resp = calloc(1, b->resp_size);
	if (!b->req || !b->resp)
		return -ENOMEM;
	return 0;
}

static void bufs_free(struct notif_bufs *b)
{
	free(b->req);
	free(b->resp);
}

/* Serve one pending notification.  0, or -errno on a supervisor failure. */
static int serve_one(struct notify_ctx *ctx, int fd, struct notif_bufs *b, struct bsbox_err *err)
{
	memset(b->req, 0, b->req_size);
	if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, b->req) < 0) {
		if (errno == EINTR || errno == ENOENT)
			return 0; /* target died before we got to it: normal */
		return bsbox_err_set(err, errno, "receiving a seccomp notification");
	}
	struct call c = { .ctx = ctx, .fd = fd, .req = b->req };
	int e = 0;
	enum verdict v = decide(&c, &e);
	if (v == V_ANSWERED)
		return 0;

	memset(b->resp, 0, b->resp_size);
	b->resp->id = b->req->id;
	if (v == V_CONTINUE) {
		b->resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	} else if (v != V_SUCCESS) {
		b->resp->error = -(e ? e : EPERM);
	}
	for (;;) {
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, b->resp) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == ENOENT)
			return 0; /* target died meanwhile */
		return bsbox_err_set(err, errno, "answering a seccomp notification (%s)", c.name);
	}
}

int notify_supervise(struct notify_ctx *ctx, int notify_fd, struct bsbox_err *err)
{
	struct notif_bufs b = { 0 };
	int rc = 0;
	sc_numbers_init(&ctx->nrs, seccomp_syscall_resolve_name);
	ctx->paths = pathcache_new(); /* NULL: every open decided afresh */
	if (notify_fd >= 0 && (rc = bufs_alloc(&b)) < 0) {
		bsbox_err_set(err, -rc, "seccomp notification buffers");
		goto out;
	}

	struct pollfd p[4] = {
		{ .fd = notify_fd, .events = POLLIN },
		{ .fd = ctx->pidfd, .events = POLLIN },
		{ .fd = ctx->sigfd, .events = POLLIN },
		{ .fd = ctx->fuse ? fusefs_fd(ctx->fuse) : -1, .events = POLLIN },
	};
	for (;;) {
		if (p[0].fd < 0 && p[1].fd < 0) {
			rc = 0; /* no pidfd, and nobody left to notify: done */
			break;
		}
		int n = poll(p, 4, -1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			rc = bsbox_err_set(err, errno, "poll");
			break;
		}
		if (p[0].revents & POLLIN) {
			if ((rc = serve_one(ctx, notify_fd, &b, err)) < 0)
				break;
		} else if (p[0].revents & (POLLHUP | POLLERR | POLLNVAL)) {
			p[0].fd = -1; /* no task uses the filter any more */
		}
		if (p[3].revents & (POLLIN | POLLERR | POLLHUP)) {
			rc = fusefs_serve(ctx->fuse, fuse_miss, ctx);
			if (rc == -ENODEV) {
				p[3].fd = -1; /* the sandbox's mount namespace is gone */
			} else if (rc < 0) {
				bsbox_err_set(err, -rc, "serving the FUSE root");
				break;
			}
			rc = 0;
		}
		if (p[2].revents & POLLIN) {
			struct signalfd_siginfo si;
			ssize_t r = read(ctx->sigfd, &si, sizeof si);
			if (r == (ssize_t)sizeof si) {
				rc = (int)si.ssi_signo;
				break;
			}
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			/* the sandbox ended: answer what is already queued (bounded),
			 * so late events are still logged */
			for (int i = 0; p[0].fd >= 0 && i < 1024; i++) {
				struct pollfd q = { .fd = notify_fd, .events = POLLIN };
				if (poll(&q, 1, 0) <= 0 || !(q.revents & POLLIN))
					break;
				if ((rc = serve_one(ctx, notify_fd, &b, err)) < 0)
					goto out;
			}
			rc = 0;
			break;
		}
	}
out:
	bufs_free(&b);
	pathcache_free(ctx->paths);
	ctx->paths = NULL;
	return rc;
}
