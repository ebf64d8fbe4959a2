/* The launcher.
 *
 * Full mode:   supervisor --clone(NEWUSER|NEWNS|NEWNET|NEWPID|NEWIPC|NEWUTS|NEWCGROUP)-->
 *              pid 1 (ids, mount tree) --fork--> CMD (rlimits, caps, Landlock, seccomp, exec)
 *              then pid 1 drops its capabilities, sets no_new_privs and loads its own
 *              filter (wait, report, exit) before CMD may go on
 * Degraded:    supervisor --fork--> reaper (child subreaper) --fork--> CMD (rlimits, caps,
 *              Landlock, seccomp)
 *
 * Everything is compiled in the supervisor before forking (policy, seccomp
 * filters); the children only apply.  One SOCK_SEQPACKET socketpair carries
 * named messages back: setup errors, pid 1's FUSE root (SCM_RIGHTS), the
 * seccomp listener's fd number (the supervisor takes it with pidfd_getfd and
 * acknowledges), exec failure and, from pid 1, CMD's wait status.  When pid 1
 * exits the kernel kills everything left in the pid namespace, so a daemon
 * cannot outlive CMD; pid 1 and CMD have PDEATHSIG so nothing outlives the
 * supervisor. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/close_range.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caps.h"
#include "ebpf.h"
#include "fusefs.h"
#include "cleanup.h"
#include "creds.h"
#include "handover.h"
#include "landlock.h"
#include "limitwatch.h"
#include "notify.h"
#include "ns.h"
#include "reslimit.h"
#include "bpfdeny.h"
#include "bpfread.h"
#include "sandbox.h"
#include "seccomp_filter.h"

extern char **environ;

enum msg_type {
	MSG_ERROR = 1,
	MSG_USERNS,
	MSG_LISTENER,
	MSG_EXEC_FAILED,
	MSG_STATUS,
	MSG_FUSE,
	MSG_MOUNT, /* to pid 1: rule val's idmapped mount (SCM_RIGHTS) */
	MSG_IDS,   /* to pid 1: its ids are mapped, the mounts all sent */
	MSG_SKIPPED, /* from pid 1: a policy rule it could not apply ("why\0path") */
	MSG_TMPFS,   /* from pid 1: its private /tmp (val 0) or /dev/shm (1), O_PATH (SCM_RIGHTS) */
};

struct sync_msg {
	int type;
	int val;
	char text[BSBOX_ERR_MSG];
};

/* A note or warning for the user, through the caller's sink (sandbox.h). */
__attribute__((format(printf, 3, 4))) static void notice(const struct sandbox_opts *o,
							 const char *kind, const char *fmt, ...)
{
	if (o->quiet || !o->notice)
		return;
	/* whole, however long: a rule's path can be near PATH_MAX */
	cleanup_free char *msg = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0) {
		msg = NULL;
		o->notice(o->notice_arg, kind, "(a note was lost: out of memory)");
		return;
	}
	o->notice(o->notice_arg, kind, msg);
}

static int send_msg(int sock, int type, int val, const char *text, int pass_fd)
{
	struct sync_msg m = { .type = type, .val = val };
	if (text)
		snprintf(m.text, sizeof m.text, "%s", text);
	/* no fd: send(), i.e. sendto() without an address, which the filter
	 * never notifies, so the child can still talk once its filter is on */
	if (pass_fd < 0)
		return send(sock, &m, sizeof m, MSG_NOSIGNAL) < 0 ? -errno : 0;
	struct iovec iov = { .iov_base = &m, .iov_len = sizeof m };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof u);
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof u.buf };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	return sendmsg(sock, &mh, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

/* Returns 1 with a message, 0 on EOF, -errno.  *sender (if asked) is the
 * sending process as our pid namespace numbers it (SO_PASSCRED is on). */
static int recv_msg(int sock, struct sync_msg *m, int *fd_out, pid_t *sender, int flags)
{
	struct iovec iov = { .iov_base = m, .iov_len = sizeof *m };
	union {
		char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
			     .msg_controllen = sizeof u.buf };
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC | flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return 0;
	if (fd_out)
		*fd_out = -1;
	if (sender)
		*sender = 0;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS) {
			int fd;
			memcpy(&fd, CMSG_DATA(c), sizeof fd);
			if (fd_out)
				*fd_out = fd;
			else
				close(fd);
		} else if (c->cmsg_type == SCM_CREDENTIALS && sender) {
			struct ucred cr;
			memcpy(&cr, CMSG_DATA(c), sizeof cr);
			*sender = cr.pid;
		}
	}
	m->text[sizeof m->text - 1] = '\0';
	return 1;
}

/* The child's failure path: report the error to the supervisor, exit. */
static __attribute__((noreturn)) void child_fail(int sock, int type, const struct bsbox_err *err)
{
	send_msg(sock, type, err->errnum, err->msg, -1);
	_exit(BSBOX_EXIT_SETUP);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* Close every fd but 0-2, the kept ones and `sync` (close-on-exec). */
static void close_fds(const struct sandbox_opts *o, int sync)
{
	int keep[66];
	size_t n = 0;
	keep[n++] = sync;
	for (size_t i = 0; i < o->nkeep_fds && n < 65; i++)
		keep[n++] = o->keep_fds[i];
	qsort(keep, n, sizeof keep[0], cmp_int);
	keep[n++] = -1; /* sentinel: close to the end */
	int lo = 3;
	for (size_t i = 0; i < n; i++) {
		if (keep[i] >= 0 && keep[i] < lo)
			continue;
		unsigned hi = keep[i] < 0 ? ~0U : (unsigned)keep[i] - 1;
		if (keep[i] < 0 || keep[i] > lo)
			syscall(SYS_close_range, (unsigned)lo, hi, 0);
		if (keep[i] >= 0)
			lo = keep[i] + 1;
	}
	for (size_t i = 0; i < o->nkeep_fds; i++) {
		int fl = fcntl(o->keep_fds[i], F_GETFD);
		if (fl >= 0)
			fcntl(o->keep_fds[i], F_SETFD, fl & ~FD_CLOEXEC);
	}
}

struct stage {
	const struct sandbox_opts *o;
	scmp_filter_ctx filter;
	scmp_filter_ctx filter_fast; /* reads_free, for a FUSE root; or NULL */
	scmp_filter_ctx filter_probe; /* with probes, if the FUSE root fails; or NULL */
	scmp_filter_ctx filter_init; /* pid 1's own, once CMD is forked (full mode) */
	bool try_fuse;               /* pid 1 tries to build the root over FUSE */
	bool fuse;                   /* pid 1 built the root over FUSE */
	enum sandbox_level level;
	int landlock_abi;
	int sock;     /* child end of the sync socketpair */
	const struct reslimit_cg *cg; /* the cgroup(s) CMD joins */
	int cg_done;   /* full mode: readable once pid 1 is in them (cgroup_move_init), or -1 */
	bool cg_in;    /* CMD is born in them: no join */
	const struct bpfdeny *deny;   /* the kernel deny layer's cgroup, or NULL */
	uid_t root_id; /* the caller is root: CMD runs as this host uid/gid (0: no) */
	int *idmapped; /* root_id, full mode: per rule, pid 1's idmapped mount or -1 */
	const struct ns_plan *plan; /* full mode: the mount tree to build */
	sigset_t oldmask;
};

/* The last steps before exec, in the order that keeps each layer effective:
 * limits, capabilities, no_new_privs + Landlock, fds, seccomp, exec. */
static __attribute__((noreturn)) void exec_stage(const struct stage *st)
{
	const struct sandbox_opts *o = st->o;
	struct bsbox_err err = { 0 };

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	sigprocmask(SIG_SETMASK, &st->oldmask, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (!st->cg_in)
		reslimit_cg_join(st->cg);
	bpfdeny_join(st->deny);
	reslimit_apply(&o->policy->limits, st->cg);
	if (o->stdout_fd >= 0 && dup2(o->stdout_fd, 1) < 0) {
		bsbox_err_set(&err, errno, "redirecting stdout");
		child_fail(st->sock, MSG_ERROR, &err);
	}
	if (st->level == SB_FULL && o->cwd && chdir(o->cwd) < 0 && chdir("/") < 0) {
		bsbox_err_set(&err, errno, "chdir");
		child_fail(st->sock, MSG_ERROR, &err);
	}
	if (st->level != SB_FULL && o->cwd && chdir(o->cwd) < 0) {
		bsbox_err_set(&err, errno, "chdir %s", o->cwd);
		child_fail(st->sock, MSG_ERROR, &err);
	}
	if (st->root_id && st->level != SB_FULL) {
		/* root's sandbox with no user namespace to map the id: become it */
		if (caps_set_ids(st->root_id, st->root_id, &err) < 0)
			child_fail(st->sock, MSG_ERROR, &err);
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* the id switch cleared it */
	}
	if (caps_drop_all(&err) < 0)
		child_fail(st->sock, MSG_ERROR, &err);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		bsbox_err_set(&err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
		child_fail(st->sock, MSG_ERROR, &err);
	}
	if (st->landlock_abi > 0) {
		struct ll_opts lo = {
			.policy = o->policy,
			.abi = st->landlock_abi,
			.restrict_fs = !o->audit,
			.restrict_net = !o->policy->network,
			.private_tmp = st->level == SB_FULL,
			.scope = !o->policy->network,
			.mount_bounded = st->level == SB_FULL,
		};
		if (ll_restrict(&lo, &err) < 0)
			child_fail(st->sock, MSG_ERROR, &err);
	}
	close_fds(o, st->sock);
	scmp_filter_ctx filter = st->fuse && st->filter_fast    ? st->filter_fast
				 : !st->fuse && st->filter_probe ? st->filter_probe
								 : st->filter;
	int rc = seccomp_load(filter); /* SYSRAWRC: -errno, errno unreliable */
	if (rc < 0) {
		bsbox_err_set(&err, -rc, "loading the seccomp filter");
		child_fail(st->sock, MSG_ERROR, &err);
	}
	/* The supervisor takes the listener with pidfd_getfd() (it needs only
	 * the number), then says so: passing it by SCM_RIGHTS would need a
	 * sendmsg() the filter lets through, a hole that outlives exec. */
	int nfd = seccomp_notify_fd(filter);
	char ack;
	if (send_msg(st->sock, MSG_LISTENER, nfd, NULL, -1) < 0 || read(st->sock, &ack, 1) != 1)
		_exit(BSBOX_EXIT_SETUP);
	if (nfd >= 0)
		close(nfd);

	environ = o->envp;
	execvp(o->argv[0], o->argv);
	int e = errno;
	send_msg(st->sock, MSG_EXEC_FAILED, e, NULL, -1);
	_exit(e == ENOENT ? BSBOX_EXIT_NOTFOUND : BSBOX_EXIT_NOEXEC);
}

/* ns_root_opts.skipped in pid 1: tell the supervisor (log_skipped). */
static void report_skipped(void *arg, const char *path, int errnum, const char *why)
{
	struct sync_msg m = { .type = MSG_SKIPPED, .val = errnum };
	int n = snprintf(m.text, sizeof m.text, "%s", why);
	if (n < 0 || (size_t)n + 1 >= sizeof m.text)
		return;
	snprintf(m.text + n + 1, sizeof m.text - (size_t)n - 1, "%s", path);
	(void)!send(*(int *)arg, &m, sizeof m, MSG_NOSIGNAL);
}

/* The supervisor checks after the run whether the private tmpfs mounts
 * filled up (a script saw ENOSPC): an O_PATH fd keeps each one reachable
 * after the namespace is gone. */
static void send_tmpfs(int sock, bool audit)
{
	static const char *const dirs[] = { "/tmp", "/dev/shm" };
	/* audit mode binds the host's /dev: its /dev/shm is not ours */
	for (int i = 0; i < (audit ? 1 : 2); i++) {
		int fd = open(dirs[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			send_msg(sock, MSG_TMPFS, i, NULL, fd);
			close(fd);
		}
	}
}

static int hand_fuse(int fd, void *arg)
{
	return send_msg(*(int *)arg, MSG_FUSE, 0, NULL, fd);
}

/* pid 1 of root's sandbox: wait until the supervisor has mapped our ids
 * (map_root) and sent the idmapped mounts. */
static int await_ids(struct stage *st, struct bsbox_err *err)
{
	for (;;) {
		struct sync_msg m;
		int fd = -1;
		int r = recv_msg(st->sock, &m, &fd, NULL, 0);
		if (r <= 0)
			return bsbox_err_set(err, r < 0 ? -r : EPIPE, "waiting for the id map");
		if (m.type == MSG_IDS)
			return 0;
		if (m.type == MSG_MOUNT && fd >= 0 && m.val >= 0 &&
		    (size_t)m.val < st->o->policy->nrules && st->idmapped[m.val] < 0)
			st->idmapped[m.val] = fd;
		else if (fd >= 0)
			close(fd);
	}
}

/* pid 1 once the root is built and CMD forked: it only waits and reports
 * now, so it keeps no capability, sets no_new_privs and loads an allow list
 * of exactly that (bubblewrap's init does the same). */
static int harden_init(const struct stage *st, struct bsbox_err *err)
{
	if (caps_drop_all(err) < 0)
		return bsbox_err_prefix(err, "pid 1");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return bsbox_err_set(err, errno, "pid 1: prctl(PR_SET_NO_NEW_PRIVS)");
	int rc = seccomp_load(st->filter_init); /* SYSRAWRC: -errno */
	if (rc < 0)
		return bsbox_err_set(err, -rc, "pid 1: loading its seccomp filter");
	return 0;
}

/* pid 1 of the new pid namespace. */
static __attribute__((noreturn)) void init_stage(const struct stage *stage, uid_t uid, gid_t gid)
{
	struct stage local = *stage;
	struct stage *st = &local;
	const struct sandbox_opts *o = st->o;
	struct bsbox_err err = { 0 };

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (st->root_id) {
		if (await_ids(st, &err) < 0)
			child_fail(st->sock, MSG_ERROR, &err);
	} else if (ns_map_ids(uid, gid, &err) < 0) {
		child_fail(st->sock, MSG_USERNS, &err);
	}
	if (sethostname("bsbox", 5) < 0) {
		bsbox_err_set(&err, errno, "sethostname in the new uts namespace");
		child_fail(st->sock, MSG_USERNS, &err);
	}
	ns_loopback_up();
	struct ns_root_opts ro = { .plan = st->plan,
				   .cwd = NULL,
				   .become_root = st->root_id != 0,
				   .idmapped = st->root_id ? st->idmapped : NULL,
				   .skipped = report_skipped,
				   .skipped_arg = &st->sock };
	if (st->try_fuse) {
		ro.hand_fuse = hand_fuse;
		ro.hand_arg = &st->sock;
		ro.fuse_used = &st->fuse;
	}
	if (ns_build_root(&ro, &err) < 0) {
		/* EPERM on the very first mount is how a restricted user namespace
		 * (Ubuntu's AppArmor userns rule) shows: let the supervisor degrade. */
		child_fail(st->sock, err.errnum == EPERM ? MSG_USERNS : MSG_ERROR, &err);
	}
	if (st->root_id)
		prctl(PR_SET_PDEATHSIG, SIGKILL); /* the id switch cleared it */
	send_tmpfs(st->sock, o->audit);
	for (size_t i = 0; st->idmapped && i < o->policy->nrules; i++)
		if (st->idmapped[i] >= 0)
			close(st->idmapped[i]); /* attached now */

	/* CMD waits at the gate until pid 1 has given up its powers, so that
	 * nothing in the sandbox ever sees a pid 1 that has them. */
	int gate[2];
	if (pipe2(gate, O_CLOEXEC) < 0) {
		bsbox_err_set(&err, errno, "pipe");
		child_fail(st->sock, MSG_ERROR, &err);
	}
	/* Moved into the cgroup(s) while we built the tree?  Then CMD is born
	 * there and need not migrate; otherwise (not yet: a fork and a move
	 * exclude each other) CMD joins itself in exec_stage. */
	char done;
	if (st->cg_done >= 0 && read(st->cg_done, &done, 1) == 1)
		st->cg_in = true;
	pid_t cmd = fork();
	if (cmd < 0) {
		bsbox_err_set(&err, errno, "fork");
		child_fail(st->sock, MSG_ERROR, &err);
	}
	if (cmd == 0) {
		char c;
		close(gate[1]);
		while (read(gate[0], &c, 1) < 0 && errno == EINTR)
			;
		close(gate[0]);
		exec_stage(st);
	}
	close(gate[0]);
	if (harden_init(st, &err) < 0) {
		kill(cmd, SIGKILL);
		child_fail(st->sock, MSG_ERROR, &err);
	}
	close(gate[1]);

	/* Reap everything; report CMD's status; when we exit the kernel kills
	 * whatever CMD left behind. */
	int status = 0;
	for (;;) {
		int s;
		pid_t w = waitpid(-1, &s, 0);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break;
		if (w == cmd) {
			status = s;
			break;
		}
	}
	send_msg(st->sock, MSG_STATUS, status, NULL, -1);
	_exit(0);
}

/* The reaper: kill every process left below us (we are a subreaper, so
 * double-forked daemons are re-parented to us) until none is left. */
static void kill_descendants(void)
{
	pid_t self = getpid();
	for (int round = 0; round < 1000; round++) {
		bool any = false;
		DIR *d = opendir("/proc");
		if (d) {
			struct dirent *de;
			while ((de = readdir(d))) {
				if (de->d_name[0] < '0' || de->d_name[0] > '9')
					continue;
				char path[300], buf[512];
				snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
				int fd = open(path, O_RDONLY | O_CLOEXEC);
				if (fd < 0)
					continue;
				ssize_t n = read(fd, buf, sizeof buf - 1);
				close(fd);
				if (n <= 0)
					continue;
				buf[n] = '\0';
				char *rp = strrchr(buf, ')');
				int ppid = 0;
				char state;
				if (rp && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 && ppid == self) {
					kill(atoi(de->d_name), SIGKILL);
					any = true;
				}
			}
			closedir(d);
		}
		while (waitpid(-1, NULL, WNOHANG) > 0)
			any = true;
		if (!any)
			break;
		usleep(1000);
	}
}

/* Degraded mode's pid 1: a child subreaper between the supervisor and CMD,
 * so what CMD leaves behind is re-parented here and killed, while the
 * supervisor's own children (the shim's directive filter) are never touched.
 * It waits for CMD (or SIGTERM from the supervisor, or the supervisor's
 * death), kills every descendant, reports CMD's status and exits. */
static __attribute__((noreturn)) void reaper_stage(const struct stage *st, pid_t supervisor)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* SIGTERM, not SIGKILL: the reaper must outlive CMD to clean up */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != supervisor)
		_exit(BSBOX_EXIT_SETUP);
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		struct bsbox_err err = { 0 };
		bsbox_err_set(&err, errno, "prctl(PR_SET_CHILD_SUBREAPER)");
		child_fail(st->sock, MSG_ERROR, &err);
	}
	pid_t cmd = fork();
	if (cmd < 0) {
		struct bsbox_err err = { 0 };
		bsbox_err_set(&err, errno, "fork");
		child_fail(st->sock, MSG_ERROR, &err);
	}
	if (cmd == 0)
		exec_stage(st);

	int status = 0;
	bool done = false;
	while (!done) {
		siginfo_t si;
		if (sigwaitinfo(&set, &si) < 0)
			continue;
		if (si.si_signo == SIGTERM) {
			kill(cmd, SIGKILL);
			status = SIGKILL; /* as waitpid reports a SIGKILLed process */
			break;
		}
		int s;
		pid_t w;
		while ((w = waitpid(-1, &s, WNOHANG)) > 0)
			if (w == cmd) {
				status = s;
				done = true;
			}
	}
	kill_descendants();
	send_msg(st->sock, MSG_STATUS, status, NULL, -1);
	_exit(0);
}

void sandbox_probe(struct sandbox_caps *c, bool force_no_userns, int landlock_abi_max)
{
	memset(c, 0, sizeof *c);
	c->landlock_abi = ll_abi(landlock_abi_max);
	c->seccomp_notify = seccomp_api_get() >= 6;
	c->cgroup2 = access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0 ||
		     access("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0;
	struct ebpf_caps eb;
	ebpf_probe(&eb);
	c->bpf = eb.socket_filter;
	c->bpf_lsm = eb.lsm;
	if (force_no_userns) {
		snprintf(c->userns_why, sizeof c->userns_why, "disabled by BSBOX_FORCE_NO_USERNS");
		return;
	}
	/* Try what the sandbox needs: a user namespace with an id map and a mount. */
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return;
	uid_t uid = getuid(); /* after unshare they read as the overflow id */
	gid_t gid = getgid();
	pid_t pid = fork();
	if (pid == 0) {
		struct bsbox_err err = { 0 };
		char r = 'u';
		if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
			r = 'c';
		else if (ns_map_ids(uid, gid, &err) < 0)
			r = 'm';
		else if (mount("tmpfs", "/tmp", "tmpfs", 0, NULL) < 0)
			r = 'M';
		else
			r = 'y';
		(void)!write(pfd[1], &r, 1);
		_exit(0);
	}
	close(pfd[1]);
	char r = 'u';
	(void)!read(pfd[0], &r, 1);
	close(pfd[0]);
	if (pid > 0)
		waitpid(pid, NULL, 0);
	c->userns = r == 'y';
	const char *why = "";
	switch (r) {
	case 'c':
		why = "unshare(CLONE_NEWUSER) failed: enable unprivileged user namespaces "
		      "(sysctl kernel.unprivileged_userns_clone=1 user.max_user_namespaces=15000), or "
		      "outside Docker's default seccomp profile";
		break;
	case 'm':
	case 'M':
		why = "the user namespace is restricted (Ubuntu: sysctl "
		      "kernel.apparmor_restrict_unprivileged_userns=0, or an AppArmor profile granting "
		      "userns to bsbox)";
		break;
	}
	snprintf(c->userns_why, sizeof c->userns_why, "%s", why);
	c->sync_wakeup = true; /* refined by notify_tune at run time */
}

/* --trace: the BPF backend when it loads here, else the supervisor's. */
static void trace_pick_backend(struct trace *t, const struct sandbox_opts *o)
{
	const struct bsbox_settings *set = o->settings;
	struct bsbox_err terr = { 0 };
	t->policy = o->policy;
	/* BSBOX_TRACE_BACKEND=seccomp: the supervisor's trace even as root
	 * (tests, and `make bench` to compare the two) */
	if (set->trace_seccomp) {
		t->backend = "seccomp";
		return;
	}
	if (ebpf_tracer_open(t, set->bpf_debug, &t->bpf, &terr) == 0) {
		t->backend = "bpf";
		return;
	}
	t->backend = "seccomp";
	notice(o, "note", "--trace: not BPF (%s): the supervisor traces (slower)", terr.msg);
}

static void skeleton_node(void *arg, const char *path, mode_t mode, const char *link)
{
	/* best effort: what is missing pid 1 creates itself */
	(void)fusefs_add(arg, path, mode, link);
}

/* MSG_LISTENER: take fd number num from sender (pidfd_getfd), then let it go
 * on to exec.  num < 0: no listener (nothing is notified); *nfd = -1. */
static int take_listener(int sock, pid_t sender, int num, int *nfd, struct bsbox_err *err)
{
	*nfd = -1;
	if (num >= 0) {
		cleanup_close int pidfd = sender > 0 ? (int)syscall(SYS_pidfd_open, sender, 0) : -1;
		*nfd = pidfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pidfd, num, 0) : -1;
		if (*nfd < 0)
			return bsbox_err_set(err, sender > 0 ? errno : ESRCH,
					     "taking the seccomp listener from the sandbox "
					     "(pidfd_getfd, Linux 5.6)");
	}
	if (send(sock, "k", 1, MSG_NOSIGNAL) != 1) {
		int e = errno;
		if (*nfd >= 0)
			close(*nfd);
		*nfd = -1;
		return bsbox_err_set(err, e, "answering the sandbox");
	}
	return 0;
}

/* MSG_SKIPPED: a policy rule pid 1 could not apply is a setup event in the
 * log and a warning, not a silent hole in the tree. */
static void log_skipped(const struct sandbox_opts *o, const struct sync_msg *m)
{
	const char *why = m->text;
	size_t wl = strnlen(why, sizeof m->text - 1);
	const char *path = wl + 1 < sizeof m->text ? m->text + wl + 1 : "?";
	char detail[BSBOX_ERR_MSG + 64];
	snprintf(detail, sizeof detail, "policy rule %s not applied: %s: %s", path, why,
		 strerror(m->val));
	notice(o, "warning", "%s", detail);
	struct bsbox_event ev = { .kind = EV_SETUP, .path = path, .detail = detail, .audit = true,
				  .suggest = "make the path readable, or remove the rule" };
	if (o->log)
		evlog_write(o->log, &ev);
}

/* What wait_listener() saw (or -errno). */
enum awaited {
	AW_LISTENER, /* CMD handed over its listener and is about to exec */
	AW_ENDED,    /* CMD ended before that (m: its status or exec failure) */
	AW_REFUSED,  /* setup failed in the sandbox (m: MSG_ERROR or MSG_USERNS) */
};

/* Root's BPF read watcher (bpfread.h), loaded in a thread while pid 1
 * builds the tree: bpfread_open costs ~4 ms (the verifier, mostly), which
 * was a third of root's launch when it ran before clone.  The fast filter is
 * chosen on bpfread_available()'s word; should the load still fail, CMD must
 * not run with it (rr_wait fails the run, naming BSBOX_NO_BPF_READS). */
struct rr_load {
	const struct sandbox_opts *o;
	pthread_t thread;
	bool running;       /* started and not yet joined */
	struct bpfread *rr; /* after rr_wait: the watcher, or NULL */
	int rc;
	struct bsbox_err err;
};

static void *rr_load_run(void *arg)
{
	struct rr_load *l = arg;
	const struct sandbox_opts *o = l->o;
	l->rc = bpfread_open(o->policy, o->root_id, o->settings->bpf_debug,
			     o->settings->test_bpf_read_loss, o->log, &l->rr, &l->err);
	return NULL;
}

/* Start loading; false if the thread could not start (then nothing runs). */
static bool rr_start(struct rr_load *l, const struct sandbox_opts *o)
{
	l->o = o;
	l->rr = NULL;
	l->rc = 0;
	l->running = pthread_create(&l->thread, NULL, rr_load_run, l) == 0;
	return l->running;
}

/* The load is done: 0 (l->rr is the watcher, or NULL if none was started),
 * or -errno when it was started and failed. */
static int rr_wait(struct rr_load *l, struct bsbox_err *err)
{
	if (!l->running)
		return 0;
	pthread_join(l->thread, NULL);
	l->running = false;
	if (l->rc < 0) {
		*err = l->err;
		return bsbox_err_prefix(err, "root's sandbox counted on the BPF read watcher "
					     "(BSBOX_NO_BPF_READS=1 goes without it)");
	}
	return 0;
}

/* Wait for the seccomp listener.  Meanwhile pid 1 may hand over a FUSE root
 * (MSG_FUSE) and then build the tree on it: its requests are served here, or
 * pid 1 would wait for us while we wait for it. */
static int wait_listener(int sock, int *nfd, struct sync_msg *m, const struct sandbox_opts *o,
			 const struct ns_plan *plan, struct fusefs **fs, struct rr_load *rr, int tmpfs[2],
			 struct bsbox_err *err)
{
	for (;;) {
		struct pollfd p[2] = { { .fd = sock, .events = POLLIN },
				       { .fd = *fs ? fusefs_fd(*fs) : -1, .events = POLLIN } };
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return bsbox_err_set(err, errno, "poll");
		}
		if (p[1].revents & POLLIN) {
			int r = fusefs_serve(*fs, NULL, NULL);
			if (r < 0 && r != -ENODEV)
				return bsbox_err_set(err, -r, "serving the FUSE root");
			if (r == -ENODEV) {
				fusefs_free(*fs); /* pid 1 is gone; the socket says why */
				*fs = NULL;
			}
		}
		if (!(p[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		int fd = -1;
		pid_t sender = 0;
		int r = recv_msg(sock, m, &fd, &sender, 0);
		if (r < 0)
			return bsbox_err_set(err, -r, "waiting for the sandbox");
		if (r == 0)
			return bsbox_err_setx(err, 0, "the sandbox exited during setup");
		if (m->type == MSG_LISTENER) {
			if (fd >= 0)
				close(fd);
			/* trace: CMD is about to exec; from now on it and its children */
			int fr = o->trace && o->trace->bpf && sender > 0
					 ? ebpf_tracer_follow(o->trace->bpf, sender, err)
					 : 0;
			/* root's reads: CMD's filter lets them through only over
			 * the FUSE root; otherwise the supervisor judges them */
			if (fr == 0)
				fr = rr_wait(rr, err);
			if (fr == 0 && rr->rr && *fs)
				fr = bpfread_follow(rr->rr, sender, err);
			if (fr < 0)
				return fr;
			int r2 = take_listener(sock, sender, m->val, nfd, err);
			return r2 < 0 ? r2 : AW_LISTENER;
		}
		if (m->type == MSG_FUSE && fd >= 0 && !*fs) {
			if (fusefs_new(fd, getuid(), getgid(), fs, err) < 0)
				return bsbox_err_prefix(err, "serving the FUSE root");
			if (plan)
				ns_plan_skeleton(plan, skeleton_node, *fs);
			continue;
		}
		if (m->type == MSG_TMPFS && fd >= 0 && (m->val == 0 || m->val == 1) &&
		    tmpfs[m->val] < 0) {
			tmpfs[m->val] = fd;
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (m->type == MSG_FUSE || m->type == MSG_TMPFS)
			continue;
		if (m->type == MSG_SKIPPED) {
			log_skipped(o, m);
			continue;
		}
		if (m->type == MSG_STATUS || m->type == MSG_EXEC_FAILED)
			return AW_ENDED;
		return AW_REFUSED;
	}
}

/* Reads may skip the supervisor only if every path the tree shows can be
 * read: under a rule without read access (say exec-only), Landlock would
 * refuse a read with nobody there to log it. */
static bool all_rules_readable(const struct policy *p)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (!(p->rules[i].access & POL_R))
			return false;
	return true;
}

/* An inherited directory fd (say `bsbox run ... < /`) reaches the host tree
 * without a lookup through our root: Landlock still refuses reads outside the
 * policy there, but only a notification would log them. */
static bool inherits_a_directory(const struct sandbox_opts *o)
{
	struct stat st;
	for (int fd = 0; fd < 3; fd++)
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
			return true;
	for (size_t i = 0; i < o->nkeep_fds; i++)
		if (fstat(o->keep_fds[i], &st) == 0 && S_ISDIR(st.st_mode))
			return true;
	return false;
}

/* Root's sandbox (full mode): pid 1's uid/gid 0 becomes host id `id` (only
 * we can write that map), and each writable rule an idmapped mount, so it
 * stays writable for that id and what is written there is root's on disk. */
static int map_root(pid_t pid, const struct sandbox_opts *o, uid_t id, int sock,
		    struct bsbox_err *err)
{
	if (ns_map_root_to(pid, id, err) < 0)
		return bsbox_err_prefix(err, "mapping the sandbox's root to uid %u", (unsigned)id);
	char p[64];
	snprintf(p, sizeof p, "/proc/%d/ns/user", (int)pid);
	cleanup_close int userns = open(p, O_RDONLY | O_CLOEXEC);
	if (userns < 0)
		return bsbox_err_set(err, errno, "open %s", p);
	const struct policy *pol = o->policy;
	for (size_t i = 0; i < pol->nrules; i++) {
		const struct policy_rule *r = &pol->rules[i];
		struct stat st;
		if (!(r->access & POL_W) || !ns_rule_bound(r->path) || lstat(r->path, &st) < 0 ||
		    S_ISLNK(st.st_mode))
			continue; /* not bound from the host */
		int fd;
		struct bsbox_err e = { 0 };
		if (ns_idmapped_tree(r->path, userns, (r->access & POL_X) != 0, &fd, &e) < 0) {
			notice(o, "warning", "%s: the sandbox's user (uid %u) cannot write there",
			       e.msg, (unsigned)id);
			continue;
		}
		int rc = send_msg(sock, MSG_MOUNT, (int)i, NULL, fd);
		close(fd);
		if (rc < 0)
			return bsbox_err_set(err, -rc, "handing the idmapped mounts to the sandbox");
	}
	int rc = send_msg(sock, MSG_IDS, 0, NULL, -1);
	return rc < 0 ? bsbox_err_set(err, -rc, "handing the id map to the sandbox") : 0;
}

/* How one attempt at a level ended. */
enum run_outcome {
	RUN_DONE,      /* CMD ran, or could not be executed: the result is filled */
	RUN_NO_USERNS, /* the user namespace is unusable here: degrade and retry */
	RUN_FAILED,    /* setup or the supervisor failed: err says why */
};

/* What one attempt holds; attempt_end() releases it, on every path. */
struct attempt {
	const struct sandbox_opts *o;
	enum sandbox_level level;
	int abi;
	int sock;                    /* our end of the sync socketpair */
	int csock;                   /* the children's end, until they have it */
	scmp_filter_ctx filter;      /* CMD's */
	scmp_filter_ctx filter_fast; /* CMD's with a FUSE root (reads_free), or NULL */
	scmp_filter_ctx filter_probe; /* CMD's when the FUSE root fails (probes), or NULL */
	scmp_filter_ctx filter_init; /* pid 1's own (full mode), or NULL */
	bool try_fuse;
	int *idmapped;               /* root's full mode: per rule, for pid 1 */
	struct ns_plan *plan;        /* full mode: the mount tree pid 1 builds */
	struct reslimit_cg cg;       /* memory and pids cgroup(s), if any */
	int cg_done[2];              /* cgroup_move_init's pipe, or -1 */
	pthread_t cg_mover;          /* cgroup_move_init, while cg_moving */
	bool cg_moving;
	struct reslimit_hits hits;   /* what the cgroup and the tmpfs mounts saw */
	struct limitwatch *watch;    /* the limits the supervisor enforces itself, or NULL */
	int tmpfs[2];                /* pid 1's /tmp and /dev/shm (O_PATH), or -1 */
	pid_t pid;                   /* pid 1 (full mode) or the reaper; 0 before spawn */
	int pidfd;
	struct fusefs *fs;           /* the FUSE root being served, or NULL */
	int notify_fd;               /* the seccomp listener, or -1 */
	struct bpfdeny *deny;        /* the kernel deny layer (root, degraded mode), or NULL */
	bool want_rr;                /* root's sandbox counts on the BPF read watcher */
	struct rr_load rr;           /* root's refused reads, seen by BPF (full mode): rr.rr,
	                                or NULL */
};

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

/* The one kill/wait/cleanup sequence.  kill: the sandbox must end now (a
 * failure, or a signal); otherwise it is ending by itself.  The death of
 * pid 1 takes its pid namespace with it; the degraded mode's reaper, asked
 * with SIGTERM, kills everything below itself first.  *status (if asked):
 * pid 1's own wait status. */
static void attempt_end(struct attempt *a, bool kill_it, int *status)
{
	int s = 0;
	if (a->pid > 0) {
		if (kill_it)
			kill(a->pid, a->level == SB_FULL ? SIGKILL : SIGTERM);
		while (waitpid(a->pid, &s, 0) < 0 && errno == EINTR)
			;
		a->pid = 0;
	}
	if (status)
		*status = s;
	if (a->filter)
		seccomp_release(a->filter);
	if (a->filter_fast)
		seccomp_release(a->filter_fast);
	if (a->filter_probe)
		seccomp_release(a->filter_probe);
	if (a->filter_init)
		seccomp_release(a->filter_init);
	a->filter = a->filter_fast = a->filter_probe = a->filter_init = NULL;
	if (a->cg_moving)
		pthread_join(a->cg_mover, NULL);
	a->cg_moving = false;
	close_fd(&a->cg_done[0]);
	close_fd(&a->cg_done[1]);
	reslimit_cg_read(&a->cg, &a->hits);
	reslimit_cg_remove(&a->cg);
	limitwatch_hits(a->watch, &a->hits);
	limitwatch_free(a->watch);
	a->watch = NULL;
	bpfdeny_close(a->deny, a->o->report);
	a->deny = NULL;
	struct bsbox_err rerr = { 0 };
	(void)rr_wait(&a->rr, &rerr); /* a failed load matters only before CMD runs */
	bpfread_close(a->rr.rr, a->o->report); /* the sandbox is gone: its last records */
	a->rr.rr = NULL;
	a->hits.tmp_full = reslimit_tmpfs_full(a->tmpfs[0]);
	a->hits.shm_full = reslimit_tmpfs_full(a->tmpfs[1]);
	close_fd(&a->tmpfs[0]);
	close_fd(&a->tmpfs[1]);
	close_fd(&a->csock);
	close_fd(&a->pidfd);
	close_fd(&a->notify_fd);
	fusefs_free(a->fs);
	a->fs = NULL;
	free(a->idmapped);
	a->idmapped = NULL;
	ns_plan_free(a->plan);
	a->plan = NULL;
}

/* Without the namespaces, UDP (Landlock before ABI 10 cannot refuse it)
 * and unix connects by path (seccomp sees no path) are refused by the
 * kernel too, where root can load the programs: an extra layer, so failing
 * to set it up is not an error (doctor says why not). */
static void open_bpfdeny(struct attempt *a)
{
	const struct sandbox_opts *o = a->o;
	if (a->level != SB_FULL && !o->audit && geteuid() == 0) {
		struct bsbox_err derr = { 0 };
		if (bpfdeny_open(o->policy, !o->policy->network, true, o->settings->bpf_debug, o->log,
				 &a->deny, &derr) < 0 &&
		    o->settings->bpf_debug)
			notice(o, "note", "%s", derr.msg);
	}
}

/* Step 1: everything the children apply, compiled here (and the cgroup). */
static int build_filters(struct attempt *a, struct bsbox_err *err)
{
	const struct sandbox_opts *o = a->o;
	/* first the cgroup: what it cannot limit, the supervisor counts, and
	 * the filter notifies the forks for that */
	if (!o->no_cgroup)
		reslimit_cg_setup(&a->cg, &o->policy->limits);
	reslimit_plan_watch(&a->cg, &o->policy->limits, !o->unsupervised);
	if (limitwatch_new(&o->policy->limits, a->cg.watch_pids, a->cg.watch_mem, &a->watch, err) < 0)
		return bsbox_err_ret(err);
	open_bpfdeny(a); /* before the filter: UDP sockets depend on it */
	struct scf_opts so = {
		.network = o->policy->network,
		.have_netns = a->level == SB_FULL,
		.notify = !o->unsupervised,
		.notify_paths = !o->unsupervised,
		/* without a netns, IP sockets exist only where the kernel refuses
		 * their traffic too (seccomp_filter.h); the child applies Landlock
		 * with restrict_net at a->abi or fails */
		.ip_tcp = a->level != SB_FULL && a->abi >= 4,
		.ip_udp = a->level != SB_FULL && a->deny,
		.trace_net = o->trace && !o->trace->bpf, /* the supervisor's trace */
		.notify_forks = a->cg.watch_pids,
	};
	/* A FUSE root (fusefs.h) lets reads go unnotified; pid 1 picks the
	 * filter once it knows whether the FUSE mount worked.  Root's sandbox
	 * gets the fast filter only when the BPF read watcher loads: attempts
	 * at root-only files must be logged (rootonly.h), and that is the
	 * watcher's job or, without it (bpf() blocked, say), the supervisor's,
	 * which then sees every open.  The supervisor must also see every open
	 * while credential files are hidden in the tree (creds.h): reading one
	 * must be logged, and the tree alone would only say EACCES. */
	a->try_fuse = a->level == SB_FULL && !o->audit && !o->no_fuse && !o->unsupervised &&
		      all_rules_readable(o->policy) && !inherits_a_directory(o) &&
		      !(o->trace && !o->trace->bpf) && /* the supervisor's trace needs every open */
		      fusefs_available();
	/* Without a FUSE root, the tmpfs tree hides paths from stat & co. in
	 * silence: the probes go to the supervisor (notify_probe.h).  audit
	 * binds the host's tree, where nothing is hidden. */
	bool probes = a->level == SB_FULL && !o->audit;
	so.probes = probes && !a->try_fuse;
	if (scf_build(&so, &a->filter, err) < 0)
		return bsbox_err_prefix(err, "building the seccomp filter");
	if (a->try_fuse && probes) {
		so.probes = true; /* for pid 1 to fall back on if the FUSE mount fails */
		if (scf_build(&so, &a->filter_probe, err) < 0)
			return bsbox_err_prefix(err, "building the seccomp filter");
		so.probes = false;
	}
	if (a->try_fuse && o->root_id && !o->no_bpf_reads && !creds_nhidden(o->policy)) {
		/* loaded after clone, while pid 1 builds the tree (rr_load) */
		char why[256];
		a->want_rr = bpfread_available(why, sizeof why);
		if (!a->want_rr && o->settings->bpf_debug)
			notice(o, "note", "BPF read watcher: %s", why);
	}
	if (a->try_fuse && (!o->root_id || a->want_rr) && !creds_nhidden(o->policy)) {
		so.reads_free = true;
		if (scf_build(&so, &a->filter_fast, err) < 0)
			return bsbox_err_prefix(err, "building the seccomp filter");
	}
	if (a->level == SB_FULL && scf_build_init(&a->filter_init, err) < 0)
		return bsbox_err_prefix(err, "building pid 1's seccomp filter");
	if (a->level == SB_FULL && ns_plan_for_host(o->policy, o->audit, &a->plan, err) < 0)
		return bsbox_err_ret(err);
	if (a->level == SB_FULL && o->root_id) {
		a->idmapped = malloc((o->policy->nrules + 1) * sizeof *a->idmapped);
		if (!a->idmapped)
			return bsbox_err_set(err, ENOMEM, "allocating");
		for (size_t i = 0; i <= o->policy->nrules; i++)
			a->idmapped[i] = -1;
	}
	if (a->level != SB_FULL)
		reslimit_count_shared(&a->cg, o->root_id ? o->root_id : getuid());
	return 0;
}

/* Moving a task into a cgroup (writing cgroup.procs) takes the cgroup
 * threadgroup lock for writing, which waits for an RCU grace period: 5-20 ms
 * on a busy 2-core VM, most of a launch when it sits between CMD's fork and
 * exec.  So in full mode the supervisor moves pid 1 while pid 1 builds the
 * mount tree (from a thread: the main loop meanwhile serves the FUSE root)
 * and says so on cg_done; pid 1 looks before forking CMD.  A CMD forked
 * before the move is done joins itself as before. */
static void *cgroup_move_init(void *arg)
{
	struct attempt *a = arg;
	char pid[24];
	int n = snprintf(pid, sizeof pid, "%d", (int)a->pid);
	for (int i = 0; i < 2; i++)
		if (a->cg.procs[i] >= 0 && write(a->cg.procs[i], pid, (size_t)n) != n)
			return NULL; /* CMD joins itself */
	(void)!write(a->cg_done[1], "1", 1);
	return NULL;
}

/* Step 2: pid 1 (full mode: clone with the namespaces) or the reaper;
 * root's full mode also maps the ids and hands the idmapped mounts over. */
static enum run_outcome spawn(struct attempt *a, const sigset_t *oldmask, struct bsbox_err *err)
{
	const struct sandbox_opts *o = a->o;
	struct stage st = { .o = o,
			    .filter = a->filter,
			    .filter_fast = a->filter_fast,
			    .filter_probe = a->filter_probe,
			    .filter_init = a->filter_init,
			    .try_fuse = a->try_fuse,
			    .level = a->level,
			    .landlock_abi = a->abi,
			    .sock = a->csock,
			    .cg = &a->cg,
			    .cg_done = -1,
			    .deny = a->deny,
			    .root_id = o->root_id,
			    .idmapped = a->idmapped,
			    .plan = a->plan,
			    .oldmask = *oldmask };
	pid_t pid;
	if (a->level == SB_FULL) {
		uid_t uid = getuid();
		gid_t gid = getgid();
		if ((a->cg.procs[0] >= 0 || a->cg.procs[1] >= 0) &&
		    pipe2(a->cg_done, O_CLOEXEC | O_NONBLOCK) == 0)
			st.cg_done = a->cg_done[0];
		pid = (pid_t)syscall(SYS_clone,
				     CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID |
					     CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP | SIGCHLD,
				     NULL, NULL, NULL, 0);
		if (pid == 0)
			init_stage(&st, uid, gid);
	} else {
		pid_t self = getpid();
		pid = fork();
		if (pid == 0)
			reaper_stage(&st, self);
	}
	if (pid < 0) {
		int e = errno;
		if (a->level == SB_FULL && (e == EPERM || e == EINVAL || e == ENOSPC || e == EUSERS)) {
			notice(o, "note", "cannot create namespaces: %s", strerror(e));
			return RUN_NO_USERNS;
		}
		bsbox_err_set(err, e, "starting the sandbox");
		return RUN_FAILED;
	}
	a->pid = pid;
	a->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (st.cg_done >= 0)
		a->cg_moving = pthread_create(&a->cg_mover, NULL, cgroup_move_init, a) == 0;
	/* after clone: pid 1 must not inherit a thread's locks (raw clone) */
	if (a->want_rr && !rr_start(&a->rr, o)) {
		bsbox_err_set(err, EAGAIN, "starting to load the BPF read watcher");
		return RUN_FAILED;
	}
	close(a->csock);
	a->csock = -1;
	if (a->level == SB_FULL && o->root_id && map_root(pid, o, o->root_id, a->sock, err) < 0)
		return RUN_FAILED;
	return RUN_DONE;
}

/* Step 3: until CMD hands over its listener (or ends first: r is filled,
 * *ended is set). */
static enum run_outcome await_listener(struct attempt *a, struct sandbox_result *r, bool *ended,
				       struct bsbox_err *err)
{
	struct sync_msg m;
	int w = wait_listener(a->sock, &a->notify_fd, &m, a->o, a->plan, &a->fs, &a->rr, a->tmpfs,
			      err);
	if (w < 0)
		return RUN_FAILED;
	if (w == AW_REFUSED && m.type == MSG_USERNS && a->level == SB_FULL) {
		notice(a->o, "note", "user namespace unusable: %s", m.text);
		return RUN_NO_USERNS;
	}
	if (w == AW_REFUSED) {
		bsbox_err_setx(err, m.val, "setting up the sandbox: %s", m.text);
		return RUN_FAILED;
	}
	*ended = w == AW_ENDED;
	if (*ended) {
		if (m.type == MSG_EXEC_FAILED)
			r->exec_errno = m.val;
		else
			r->wait_status = m.val;
	}
	return RUN_DONE;
}

/* Step 4: serve notifications (and the FUSE root) until the sandbox ends;
 * returns the signal that asked us to stop it, 0, or -errno. */
static int supervise(struct attempt *a, int sigfd, bool ended, struct bsbox_err *err)
{
	if (a->notify_fd >= 0) /* CMD took the fast filter if the FUSE root is up */
		notify_tune(a->notify_fd, !(a->fs && a->filter_fast));
	if (a->fs)
		fusefs_seal(a->fs); /* CMD is about to exec: the tree is complete */
	if (ended)
		return 0;
	struct notify_ctx nc = {
		.policy = a->o->policy,
		.audit = a->o->audit,
		.have_netns = a->level == SB_FULL,
		.log = a->o->log,
		.report = a->o->report,
		.pidfd = a->pidfd,
		.sigfd = sigfd,
		.top_pid = a->pid,
		.watch = a->watch,
		.fuse = a->fs,
		.root_id = a->o->root_id,
		.trace = a->o->trace,
	};
	/* the BPF trace's reader: a thread only now, never across the raw clone */
	if (a->o->trace && a->o->trace->bpf && ebpf_tracer_start(a->o->trace->bpf, err) < 0)
		return bsbox_err_ret(err);
	if (bpfdeny_start(a->deny, err) < 0)
		return bsbox_err_ret(err);
	if (limitwatch_start(a->watch, a->pid, err) < 0)
		return bsbox_err_ret(err);
	if (bpfread_start(a->rr.rr, err) < 0)
		return bsbox_err_ret(err);
	int s = notify_supervise(&nc, a->notify_fd, err);
	if (s < 0)
		return bsbox_err_prefix(err, "supervisor");
	return s;
}

/* Step 5: pid 1 (the reaper) reports CMD's status, CMD any exec failure. */
static void collect_status(struct attempt *a, int sig, int top_status, bool fuse,
			   struct sandbox_result *r)
{
	struct sync_msg m;
	while (recv_msg(a->sock, &m, NULL, NULL, MSG_DONTWAIT) == 1) {
		if (m.type == MSG_STATUS)
			r->wait_status = m.val;
		else if (m.type == MSG_EXEC_FAILED)
			r->exec_errno = m.val;
	}
	if (WIFSIGNALED(top_status))
		r->wait_status = top_status; /* pid 1 itself was killed */
	if (sig > 0)
		r->wait_status = sig; /* reported as killed by that signal */
	r->level = a->level;
	r->landlock_abi = a->abi;
	r->fuse = fuse;
}

/* One attempt at a given level. */
static enum run_outcome run_at_level(const struct sandbox_opts *o, enum sandbox_level level,
				     int abi, int sigfd, const sigset_t *oldmask,
				     struct sandbox_result *r, struct bsbox_err *err)
{
	struct attempt a = { .o = o, .level = level, .abi = abi, .sock = -1, .csock = -1,
			     .cg = { .procs = { -1, -1 } }, .cg_done = { -1, -1 },
			     .tmpfs = { -1, -1 }, .pidfd = -1,
			     .notify_fd = -1 };
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		bsbox_err_set(err, errno, "socketpair");
		err->exit_code = BSBOX_EXIT_SETUP;
		return RUN_FAILED;
	}
	a.sock = sv[0];
	a.csock = sv[1];
	enum run_outcome out = RUN_FAILED;
	bool ended = false;
	int sig = 0, top_status = 0;
	/* who sent MSG_LISTENER: the process to take the listener from */
	int one = 1;
	if (setsockopt(a.sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0) {
		bsbox_err_set(err, errno, "setsockopt(SO_PASSCRED)");
		goto end;
	}
	if (build_filters(&a, err) < 0)
		goto end;
	if ((out = spawn(&a, oldmask, err)) != RUN_DONE)
		goto end;
	if ((out = await_listener(&a, r, &ended, err)) != RUN_DONE)
		goto end;
	if ((sig = supervise(&a, sigfd, ended, err)) < 0) {
		out = RUN_FAILED; /* fail closed: nothing runs unsupervised */
		goto end;
	}
end:;
	bool fuse = a.fs != NULL;
	attempt_end(&a, out != RUN_DONE || sig > 0, &top_status);
	if (out == RUN_DONE) {
		collect_status(&a, sig, top_status, fuse, r);
		/* what CMD hit: the cgroup and tmpfs counters, its own death by
		 * a limit's signal, the wall-clock timer (sandbox_run) */
		if (WIFSIGNALED(r->wait_status) &&
		    (WTERMSIG(r->wait_status) == SIGXFSZ || WTERMSIG(r->wait_status) == SIGXCPU))
			a.hits.signal = WTERMSIG(r->wait_status);
		a.hits.wall = sig == SIGALRM;
		reslimit_report(&o->policy->limits, &a.hits, o->log, o->report);
	}
	close(a.sock);
	if (out == RUN_FAILED)
		err->exit_code = BSBOX_EXIT_SETUP;
	return out;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

/* Root's degraded sandbox runs as root_id (handover.h): let it reach the
 * policy's paths and write its writable ones. Failures are warnings: what
 * it cannot reach, it is refused (and the supervisor logs). */
static void hand_over(const struct sandbox_opts *o, const struct policy *p, uid_t id)
{
	for (size_t i = 0; i < p->nrules; i++) {
		struct bsbox_err e = { 0 };
		if (handover_search(p->rules[i].path, id, &e) < 0 ||
		    ((p->rules[i].access & POL_W) && handover_give(p->rules[i].path, id, &e) < 0)) {
			notice(o, "warning", "%s", e.msg);
		}
	}
}

static void take_back(const struct sandbox_opts *o, const struct policy *p, uid_t id)
{
	for (size_t i = 0; i < p->nrules; i++) {
		struct bsbox_err e = { 0 };
		if ((p->rules[i].access & POL_W) && handover_take_back(p->rules[i].path, id, &e) < 0)
			notice(o, "warning", "%s", e.msg);
	}
}

/* Without a mount namespace there is no private /tmp: the policy's "/tmp"
 * grant becomes a fresh directory of our own (and TMPDIR points there), so a
 * script cannot touch other users' or other builds' files in the host /tmp
 * (a target dir under /tmp holds other crates' shims). */
static enum run_outcome run_degraded(const struct sandbox_opts *o, enum sandbox_level level,
				     int abi, int sigfd, const sigset_t *oldmask,
				     struct sandbox_result *r, struct bsbox_err *err)
{
	char tmpdir[64];
	snprintf(tmpdir, sizeof tmpdir, "/tmp/bsbox-%d-XXXXXX", (int)getpid());
	if (!mkdtemp(tmpdir)) {
		bsbox_err_set(err, errno, "creating a private temporary directory");
		err->exit_code = BSBOX_EXIT_SETUP;
		return RUN_FAILED;
	}

	struct policy pol = *o->policy;
	cleanup_free struct policy_rule *rules = calloc(pol.nrules + 1, sizeof *rules);
	size_t nenv = 0;
	while (o->envp[nenv])
		nenv++;
	cleanup_free char **envp = calloc(nenv + 2, sizeof *envp);
	char tmpenv[80];
	snprintf(tmpenv, sizeof tmpenv, "TMPDIR=%s", tmpdir);
	enum run_outcome ret = RUN_FAILED;
	if (!rules || !envp) {
		bsbox_err_set(err, ENOMEM, "allocating");
		err->exit_code = BSBOX_EXIT_SETUP;
		goto out;
	}
	for (size_t i = 0; i < pol.nrules; i++) {
		rules[i] = o->policy->rules[i];
		if (strcmp(rules[i].path, "/tmp") == 0)
			rules[i].path = tmpdir;
	}
	pol.rules = rules;
	size_t k = 0;
	for (size_t i = 0; i < nenv; i++)
		if (strncmp(o->envp[i], "TMPDIR=", 7) != 0)
			envp[k++] = o->envp[i];
	envp[k++] = tmpenv;
	struct sandbox_opts od = *o;
	od.policy = &pol;
	od.envp = envp;
	if (o->root_id)
		hand_over(o, &pol, o->root_id);
	ret = run_at_level(&od, level, abi, sigfd, oldmask, r, err);
	if (o->root_id)
		take_back(o, &pol, o->root_id);
out:
	nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return ret;
}

int sandbox_run(const struct sandbox_opts *o, struct sandbox_result *r, struct bsbox_err *err)
{
	memset(r, 0, sizeof *r);
	int abi = ll_abi(o->landlock_abi_max);
	enum sandbox_level level = o->force_no_userns ? SB_LANDLOCK : SB_FULL;

	sigset_t mask, oldmask;
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGALRM); /* limits.wall_s: the supervisor ends the run */
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	cleanup_close int sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	long wall = o->policy->limits.wall_s;
	if (wall > 0)
		alarm(wall > 86400L * 365 ? 86400U * 365 : (unsigned)wall);

	if (o->trace)
		trace_pick_backend(o->trace, o);

	enum run_outcome out;
	for (;;) {
		if (level != SB_FULL && abi == 0) {
			if (!o->allow_weak) {
				out = RUN_FAILED;
				bsbox_err_setx(
					err, 0,
					"refusing to run: no user namespaces and no Landlock here, so only "
					"seccomp would confine CMD (see `bsbox doctor`; --allow-weak "
					"accepts that)");
				err->exit_code = BSBOX_EXIT_SETUP;
				break;
			}
			level = SB_SECCOMP_ONLY;
		}
		if (level != SB_FULL)
			notice(o, "note",
			       "user namespaces unavailable; running in degraded mode (%s%s)",
			       level == SB_LANDLOCK ? "Landlock + seccomp" : "seccomp only",
			       level == SB_LANDLOCK && abi < 4 ? ", TCP denied by seccomp only" : "");
		if (level == SB_FULL)
			out = run_at_level(o, level, abi, sigfd, &oldmask, r, err);
		else
			out = run_degraded(o, level, abi, sigfd, &oldmask, r, err);
		if (out == RUN_NO_USERNS && level == SB_FULL) {
			level = SB_LANDLOCK;
			continue;
		}
		break;
	}
	if (wall > 0) {
		alarm(0);
		/* a timer that fired after the run must not kill bsbox itself */
		sigset_t alrm;
		sigemptyset(&alrm);
		sigaddset(&alrm, SIGALRM);
		struct timespec zero = { 0, 0 };
		while (sigtimedwait(&alrm, NULL, &zero) == SIGALRM)
			;
	}
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	if (o->trace) {
		ebpf_tracer_close(o->trace->bpf); /* drains what is left */
		o->trace->bpf = NULL;
	}
	return out == RUN_FAILED ? bsbox_err_ret(err) : 0;
}

int sandbox_exit_code(const struct sandbox_result *r, const struct report *rep, bool audit)
{
	if (r->exec_errno)
		return r->exec_errno == ENOENT ? BSBOX_EXIT_NOTFOUND : BSBOX_EXIT_NOEXEC;
	if (!audit && rep && rep->ndenied > 0)
		return BSBOX_EXIT_VIOLATION;
	if (WIFSIGNALED(r->wait_status))
		return BSBOX_EXIT_SIGNAL + WTERMSIG(r->wait_status);
	if (WIFEXITED(r->wait_status))
		return WEXITSTATUS(r->wait_status);
	return BSBOX_EXIT_SETUP;
}
