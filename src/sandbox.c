/* The launcher.
 *
 * Full mode:   supervisor --clone(NEWUSER|NEWNS|NEWNET|NEWPID|NEWIPC|NEWUTS|NEWCGROUP)-->
 *              pid 1 (ids, mount tree) --fork--> CMD (rlimits, caps, Landlock, seccomp, exec)
 * Degraded:    supervisor (child subreaper) --fork--> CMD (rlimits, caps, Landlock, seccomp)
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
#include <sched.h>
#include <signal.h>
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
#include "landlock.h"
#include "notify.h"
#include "ns.h"
#include "sandbox.h"
#include "seccomp_filter.h"

extern char **environ;

enum msg_type { MSG_ERROR = 1, MSG_USERNS, MSG_LISTENER, MSG_EXEC_FAILED, MSG_STATUS, MSG_FUSE };

struct sync_msg {
	int type;
	int val;
	char text[BSBOX_ERR_MSG];
};

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

static void set_limit(int res, long want)
{
	if (want <= 0)
		return; /* 0 or unset: leave as inherited */
	struct rlimit rl;
	if (getrlimit(res, &rl) < 0)
		return;
	rlim_t v = (rlim_t)want;
	if (rl.rlim_max != RLIM_INFINITY && v > rl.rlim_max)
		v = rl.rlim_max;
	rl.rlim_cur = v;
	rl.rlim_max = v;
	(void)setrlimit(res, &rl);
}

static void apply_limits(const struct policy_limits *l)
{
	set_limit(RLIMIT_NPROC, l->nproc);
	set_limit(RLIMIT_FSIZE, l->fsize_mb > 0 ? l->fsize_mb * 1024 * 1024 : 0);
	set_limit(RLIMIT_CPU, l->cpu_s);
	set_limit(RLIMIT_AS, l->as_mb > 0 ? l->as_mb * 1024 * 1024 : 0);
	set_limit(RLIMIT_NOFILE, l->nofile);
	set_limit(RLIMIT_CORE, 0);
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
	bool fuse;                   /* pid 1 built the root over FUSE */
	enum sandbox_level level;
	int landlock_abi;
	int sock;     /* child end of the sync socketpair */
	int cg_procs; /* cgroup.procs of the pids cgroup to join, or -1 */
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
	if (st->cg_procs >= 0 && write(st->cg_procs, "0", 1) < 0) {
		/* best effort: RLIMIT_NPROC still applies to non-root users */
	}
	apply_limits(&o->policy->limits);
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
		};
		if (ll_restrict(&lo, &err) < 0)
			child_fail(st->sock, MSG_ERROR, &err);
	}
	close_fds(o, st->sock);
	scmp_filter_ctx filter = st->fuse && st->filter_fast ? st->filter_fast : st->filter;
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

static int hand_fuse(int fd, void *arg)
{
	return send_msg(*(int *)arg, MSG_FUSE, 0, NULL, fd);
}

/* pid 1 of the new pid namespace. */
static __attribute__((noreturn)) void init_stage(const struct stage *stage, uid_t uid, gid_t gid)
{
	struct stage local = *stage;
	struct stage *st = &local;
	const struct sandbox_opts *o = st->o;
	struct bsbox_err err = { 0 };

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (ns_map_ids(uid, gid, &err) < 0)
		child_fail(st->sock, MSG_USERNS, &err);
	if (sethostname("bsbox", 5) < 0) {
		bsbox_err_set(&err, errno, "sethostname in the new uts namespace");
		child_fail(st->sock, MSG_USERNS, &err);
	}
	ns_loopback_up();
	struct ns_root_opts ro = { .policy = o->policy, .audit = o->audit, .cwd = NULL };
	if (st->filter_fast) {
		ro.hand_fuse = hand_fuse;
		ro.hand_arg = &st->sock;
		ro.fuse_used = &st->fuse;
	}
	if (ns_build_root(&ro, &err) < 0) {
		/* EPERM on the very first mount is how a restricted user namespace
		 * (Ubuntu's AppArmor userns rule) shows: let the supervisor degrade. */
		child_fail(st->sock, err.errnum == EPERM ? MSG_USERNS : MSG_ERROR, &err);
	}

	pid_t cmd = fork();
	if (cmd < 0) {
		bsbox_err_set(&err, errno, "fork");
		child_fail(st->sock, MSG_ERROR, &err);
	}
	if (cmd == 0)
		exec_stage(st);

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

/* Degraded mode: kill every process left below us (we are a subreaper, so
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

/* A pids cgroup for the sandbox when running as root: RLIMIT_NPROC does not
 * apply to uid 0, so a fork bomb would otherwise go unbounded. */
static int cgroup_pids(long max, char *dir, size_t dirlen)
{
	if (geteuid() != 0 || max <= 0)
		return -1;
	static const char *const bases[] = { "/sys/fs/cgroup/pids", "/sys/fs/cgroup" };
	for (size_t i = 0; i < sizeof bases / sizeof bases[0]; i++) {
		char f[512];
		snprintf(dir, dirlen, "%s/bsbox-%d", bases[i], (int)getpid());
		if (mkdir(dir, 0755) < 0)
			continue;
		snprintf(f, sizeof f, "%s/pids.max", dir);
		int fd = open(f, O_WRONLY | O_CLOEXEC);
		char v[32];
		int vl = snprintf(v, sizeof v, "%ld", max);
		if (fd < 0 || write(fd, v, (size_t)vl) != vl) {
			if (fd >= 0)
				close(fd);
			rmdir(dir);
			continue;
		}
		close(fd);
		snprintf(f, sizeof f, "%s/cgroup.procs", dir);
		fd = open(f, O_WRONLY | O_CLOEXEC);
		if (fd < 0) {
			rmdir(dir);
			continue;
		}
		return fd;
	}
	dir[0] = '\0';
	return -1;
}

static void cgroup_remove(const char *dir)
{
	if (!dir[0])
		return;
	for (int i = 0; i < 100 && rmdir(dir) < 0 && errno == EBUSY; i++)
		usleep(2000);
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

/* Wait for the seccomp listener.  Meanwhile pid 1 may hand over a FUSE root
 * (MSG_FUSE) and then build the tree on it: its requests are served here, or
 * pid 1 would wait for us while we wait for it. */
static int wait_listener(int sock, int *nfd, struct sync_msg *m, const struct policy *policy,
			 struct fusefs **fs, struct bsbox_err *err)
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
			return take_listener(sock, sender, m->val, nfd, err);
		}
		if (m->type == MSG_FUSE && fd >= 0 && !*fs) {
			if (fusefs_new(fd, getuid(), getgid(), fs, err) < 0)
				return bsbox_err_prefix(err, "serving the FUSE root");
			ns_skeleton(policy, skeleton_node, *fs);
			continue;
		}
		if (fd >= 0)
			close(fd);
		if (m->type == MSG_FUSE)
			continue;
		if (m->type == MSG_STATUS || m->type == MSG_EXEC_FAILED)
			return 1; /* CMD ended before exec: handled by the caller */
		return 2;         /* MSG_ERROR / MSG_USERNS: m->text says why */
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

/* One attempt at a given level. Returns 0 when CMD ran (r filled), 1 when the
 * user namespace turned out unusable (the caller degrades), -errno on error. */
static int run_at_level(const struct sandbox_opts *o, enum sandbox_level level, int abi,
			int sigfd, const sigset_t *oldmask, struct sandbox_result *r,
			struct bsbox_err *err)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return bsbox_err_set(err, errno, "socketpair");
	cleanup_close int sock = sv[0];
	cleanup_close int csock = sv[1];
	/* who sent MSG_LISTENER: the process to take the listener from */
	int one = 1;
	if (setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof one) < 0)
		return bsbox_err_set(err, errno, "setsockopt(SO_PASSCRED)");

	struct scf_opts so = {
		.network = o->policy->network,
		.have_netns = level == SB_FULL,
		.notify = !o->unsupervised,
		.notify_paths = !o->unsupervised,
	};
	scmp_filter_ctx filter = NULL, filter_fast = NULL;
	if (scf_build(&so, &filter, err) < 0) {
		err->exit_code = BSBOX_EXIT_SETUP;
		return bsbox_err_prefix(err, "building the seccomp filter");
	}
	/* A FUSE root (fusefs.h) lets reads go unnotified; pid 1 picks the
	 * filter once it knows whether the FUSE mount worked.  Not while
	 * credential files are hidden in the tree (creds.h): reading one must
	 * be logged, and the tree alone would only say EACCES. */
	if (level == SB_FULL && !o->audit && !o->no_fuse && !o->unsupervised &&
	    all_rules_readable(o->policy) && !creds_nhidden(o->policy) && !inherits_a_directory(o) &&
	    fusefs_available()) {
		so.reads_free = true;
		if (scf_build(&so, &filter_fast, err) < 0) {
			seccomp_release(filter);
			err->exit_code = BSBOX_EXIT_SETUP;
			return bsbox_err_prefix(err, "building the seccomp filter");
		}
	}

	char cgdir[512] = "";
	struct stage st = { .o = o, .filter = filter, .filter_fast = filter_fast, .level = level,
			    .landlock_abi = abi,
			    .sock = csock, .oldmask = *oldmask, .cg_procs = -1 };
	st.cg_procs = cgroup_pids(o->policy->limits.nproc, cgdir, sizeof cgdir);

	pid_t pid;
	if (level == SB_FULL) {
		uid_t uid = getuid();
		gid_t gid = getgid();
		pid = (pid_t)syscall(SYS_clone,
				     CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID |
					     CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP | SIGCHLD,
				     NULL, NULL, NULL, 0);
		if (pid == 0)
			init_stage(&st, uid, gid);
	} else {
		prctl(PR_SET_CHILD_SUBREAPER, 1);
		pid = fork();
		if (pid == 0)
			exec_stage(&st);
	}
	int clone_errno = errno;
	seccomp_release(filter);
	if (filter_fast)
		seccomp_release(filter_fast);
	if (st.cg_procs >= 0)
		close(st.cg_procs);
	if (pid < 0) {
		cgroup_remove(cgdir);
		if (level == SB_FULL && (clone_errno == EPERM || clone_errno == EINVAL ||
					 clone_errno == ENOSPC || clone_errno == EUSERS)) {
			if (!o->quiet)
				fprintf(stderr, "bsbox: note: cannot create namespaces: %s\n",
					strerror(clone_errno));
			return 1;
		}
		err->exit_code = BSBOX_EXIT_SETUP;
		return bsbox_err_set(err, clone_errno, "starting the sandbox");
	}
	close(steal_fd(&csock));
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	struct sync_msg m;
	int nfd = -1;
	cleanup_fusefs struct fusefs *fs = NULL;
	int w = wait_listener(sock, &nfd, &m, o->policy, &fs, err);
	if (w == 2 && m.type == MSG_USERNS && level == SB_FULL) {
		waitpid(pid, NULL, 0);
		cgroup_remove(cgdir);
		if (!o->quiet)
			fprintf(stderr, "bsbox: note: user namespace unusable: %s\n", m.text);
		return 1;
	}
	if (w < 0 || w == 2) {
		if (w == 2)
			bsbox_err_setx(err, m.val, "setting up the sandbox: %s", m.text);
		err->exit_code = BSBOX_EXIT_SETUP;
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		if (level != SB_FULL)
			kill_descendants();
		cgroup_remove(cgdir);
		return bsbox_err_ret(err);
	}
	if (w == 1) {
		/* ended before the listener was sent */
		if (m.type == MSG_EXEC_FAILED)
			r->exec_errno = m.val;
		else
			r->wait_status = m.val;
	}

	cleanup_close int notify_fd = nfd;
	if (notify_fd >= 0)
		notify_tune(notify_fd);
	struct notify_ctx nc = {
		.policy = o->policy,
		.audit = o->audit,
		.have_netns = level == SB_FULL,
		.log = o->log,
		.report = o->report,
		.pidfd = pidfd,
		.sigfd = sigfd,
		.top_pid = pid,
		.fuse = fs,
	};
	if (fs)
		fusefs_seal(fs); /* CMD is about to exec: the tree is complete */
	int sig = 0;
	if (w == 0) {
		int s = notify_supervise(&nc, notify_fd, err);
		if (s < 0) {
			/* fail closed: nothing runs unsupervised */
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			if (level != SB_FULL)
				kill_descendants();
			cgroup_remove(cgdir);
			err->exit_code = BSBOX_EXIT_SETUP;
			return bsbox_err_prefix(err, "supervisor");
		}
		sig = s;
	}
	if (sig > 0)
		kill(pid, SIGKILL);

	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (level == SB_FULL) {
		/* pid 1 reports CMD's status and any exec failure */
		while (recv_msg(sock, &m, NULL, NULL, MSG_DONTWAIT) == 1) {
			if (m.type == MSG_STATUS)
				r->wait_status = m.val;
			else if (m.type == MSG_EXEC_FAILED)
				r->exec_errno = m.val;
		}
		if (WIFSIGNALED(status))
			r->wait_status = status; /* pid 1 itself was killed */
	} else {
		while (recv_msg(sock, &m, NULL, NULL, MSG_DONTWAIT) == 1)
			if (m.type == MSG_EXEC_FAILED)
				r->exec_errno = m.val;
		r->wait_status = status;
		kill_descendants();
	}
	if (sig > 0)
		r->wait_status = sig; /* reported as killed by that signal */
	cgroup_remove(cgdir);
	r->level = level;
	r->landlock_abi = abi;
	r->fuse = fs != NULL;
	return 0;
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

/* Without a mount namespace there is no private /tmp: the policy's "/tmp"
 * grant becomes a fresh directory of our own (and TMPDIR points there), so a
 * script cannot touch other users' or other builds' files in the host /tmp
 * (a target dir under /tmp holds other crates' shims). */
static int run_degraded(const struct sandbox_opts *o, enum sandbox_level level, int abi,
			int sigfd, const sigset_t *oldmask, struct sandbox_result *r,
			struct bsbox_err *err)
{
	char tmpdir[64];
	snprintf(tmpdir, sizeof tmpdir, "/tmp/bsbox-%d-XXXXXX", (int)getpid());
	if (!mkdtemp(tmpdir))
		return bsbox_err_set(err, errno, "creating a private temporary directory");

	struct policy pol = *o->policy;
	cleanup_free struct policy_rule *rules = calloc(pol.nrules + 1, sizeof *rules);
	size_t nenv = 0;
	while (o->envp[nenv])
		nenv++;
	cleanup_free char **envp = calloc(nenv + 2, sizeof *envp);
	char tmpenv[80];
	snprintf(tmpenv, sizeof tmpenv, "TMPDIR=%s", tmpdir);
	int ret;
	if (!rules || !envp) {
		ret = bsbox_err_set(err, ENOMEM, "allocating");
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
	ret = run_at_level(&od, level, abi, sigfd, oldmask, r, err);
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
	sigprocmask(SIG_BLOCK, &mask, &oldmask);
	cleanup_close int sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);

	int ret;
	for (;;) {
		if (level != SB_FULL && abi == 0) {
			if (!o->allow_weak) {
				ret = bsbox_err_setx(
					err, 0,
					"refusing to run: no user namespaces and no Landlock here, so only "
					"seccomp would confine CMD (see `bsbox doctor`; --allow-weak "
					"accepts that)");
				err->exit_code = BSBOX_EXIT_SETUP;
				break;
			}
			level = SB_SECCOMP_ONLY;
		}
		if (level != SB_FULL && !o->quiet)
			fprintf(stderr,
				"bsbox: note: user namespaces unavailable; running in degraded mode "
				"(%s%s)\n",
				level == SB_LANDLOCK ? "Landlock + seccomp" : "seccomp only",
				level == SB_LANDLOCK && abi < 4 ? ", TCP denied by seccomp only" : "");
		if (level == SB_FULL)
			ret = run_at_level(o, level, abi, sigfd, &oldmask, r, err);
		else
			ret = run_degraded(o, level, abi, sigfd, &oldmask, r, err);
		if (ret == 1 && level == SB_FULL) {
			level = SB_LANDLOCK;
			continue;
		}
		break;
	}
	sigprocmask(SIG_SETMASK, &oldmask, NULL);
	return ret < 0 ? ret : 0;
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
