/* The FUSE root end to end: a child in fresh user and mount namespaces
 * mounts it (fusefs_mount), hands the /dev/fuse fd over a socketpair like
 * pid 1 does, builds a small skeleton, asks the parent to seal, then probes
 * what a sandboxed process would.  The parent serves with fusefs_serve() in
 * a poll loop and records what the miss callback gets.  The child checks
 * what it sees itself and sends its verdicts to the parent as "1 text" /
 * "0 text" messages.
 * Output: "ok - ..." / "not ok - ..." lines, then "N passed, M failed";
 * exit 78 (not applicable) without a usable /dev/fuse, 77 (skipped) without
 * user namespaces. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fusefs.h"

#define FUSE_SUPER_MAGIC 0x65735546

#include "tap.h"

/* ---- the child ----------------------------------------------------------- */

struct child_ctx {
	int sock;
	const char *mnt;
};

static void send_str(int sock, const char *s)
{
	if (send(sock, s, strlen(s), 0) < 0)
		_exit(90);
}

/* a verdict for the parent to print */
static void verdict(const struct child_ctx *c, int cond, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void verdict(const struct child_ctx *c, int cond, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	buf[0] = cond ? '1' : '0';
	buf[1] = ' ';
	vsnprintf(buf + 2, sizeof buf - 2, fmt, ap);
	va_end(ap);
	send_str(c->sock, buf);
}

/* "E stage errno message": setup failed, the parent decides skip or fail */
static __attribute__((noreturn)) void setup_failed(int sock, const char *stage, int e, const char *msg)
{
	char buf[1200];
	snprintf(buf, sizeof buf, "E %s %d %s", stage, e, msg);
	send_str(sock, buf);
	_exit(0);
}

static const char *P(const struct child_ctx *c, const char *rel)
{
	static char bufs[4][512];
	static int i;
	char *b = bufs[i++ % 4];
	snprintf(b, 512, "%s/%s", c->mnt, rel);
	return b;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	int e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* "failed with errno e" as the verdict text wants it */
static bool fails(int r, int e)
{
	return r < 0 && errno == e;
}

static const char *res(int r)
{
	return r < 0 ? strerror(errno) : "success";
}

/* the names in a directory, space-separated, in readdir order */
static int list_dir(const char *path, char *out, size_t size)
{
	DIR *d = opendir(path);
	if (!d)
		return -1;
	out[0] = '\0';
	struct dirent *de;
	size_t used = 0;
	while ((de = readdir(d))) {
		int n = snprintf(out + used, size - used, "%s%s", used ? " " : "", de->d_name);
		if (n > 0 && (size_t)n < size - used)
			used += (size_t)n;
	}
	closedir(d);
	return 0;
}

/* set membership of a space-separated list, order-independent */
static bool same_names(const char *got, const char *const *want, size_t nwant)
{
	char copy[1024];
	snprintf(copy, sizeof copy, "%s", got);
	size_t n = 0;
	for (char *save, *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		bool found = false;
		for (size_t i = 0; i < nwant; i++)
			found |= !strcmp(t, want[i]);
		if (!found)
			return false;
		n++;
	}
	return n == nwant;
}

static void before_seal(const struct child_ctx *c)
{
	struct stat st;
	int r;

	r = mkdir(P(c, "a"), 0755);
	verdict(c, r == 0, "mkdir a (%s)", res(r));
	r = mkdir(P(c, "a/b"), 0755);
	verdict(c, r == 0, "mkdir a/b (%s)", res(r));
	r = mkdir(P(c, "a"), 0755);
	verdict(c, fails(r, EEXIST), "mkdir of an existing a -> EEXIST (%s)", res(r));

	int fd = open(P(c, "a/f"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	verdict(c, fd >= 0, "open(a/f, O_WRONLY|O_CREAT) (%s)", res(fd));
	ssize_t w = fd >= 0 ? write(fd, "x", 1) : -1;
	verdict(c, w == 1, "write to a/f before sealing pretends success (%zd)", w);
	if (fd >= 0)
		close(fd);
	fd = open(P(c, "a/f"), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	verdict(c, fd < 0 && errno == EEXIST, "O_CREAT|O_EXCL of an existing a/f -> EEXIST (%s)", res(fd));
	if (fd >= 0)
		close(fd);

	r = symlink("usr/lib", P(c, "lib"));
	verdict(c, r == 0, "symlink lib -> usr/lib (%s)", res(r));

	r = stat(P(c, "a"), &st);
	verdict(c, r == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755 && st.st_uid == 0 &&
			   st.st_gid == 0 && st.st_nlink == 2,
		"stat a: directory 0755 owned by 0:0, nlink 2 (mode 0%o uid %u)", r ? 0 : st.st_mode,
		r ? 0 : st.st_uid);
	r = stat(P(c, "a/b"), &st);
	verdict(c, r == 0 && S_ISDIR(st.st_mode), "stat a/b: directory (%s)", res(r));
	r = stat(P(c, "a/f"), &st);
	verdict(c, r == 0 && S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0644 && st.st_size == 0 &&
			   st.st_nlink == 1 && st.st_uid == 0,
		"stat a/f: empty regular file 0644 (mode 0%o size %lld)", r ? 0 : st.st_mode,
		r ? 0LL : (long long)st.st_size);
	r = lstat(P(c, "lib"), &st);
	verdict(c, r == 0 && S_ISLNK(st.st_mode) && st.st_size == 7, "lstat lib: symlink of size 7 (%s)", res(r));
	r = stat(P(c, ""), &st);
	verdict(c, r == 0 && S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0755 && st.st_ino == 1,
		"stat of the root: directory 0755, ino 1 (%s)", res(r));

	char buf[1024];
	ssize_t n = readlink(P(c, "lib"), buf, sizeof buf);
	verdict(c, n == 7 && !memcmp(buf, "usr/lib", 7), "readlink lib = usr/lib (%zd)", n);

	r = list_dir(P(c, ""), buf, sizeof buf);
	static const char *const root_names[] = { ".", "..", "a", "lib" };
	verdict(c, r == 0 && same_names(buf, root_names, 4), "readdir /: exactly . .. a lib (got: %s)",
		r ? strerror(errno) : buf);
	r = list_dir(P(c, "a"), buf, sizeof buf);
	static const char *const a_names[] = { ".", "..", "b", "f" };
	verdict(c, r == 0 && same_names(buf, a_names, 4), "readdir a: exactly . .. b f (got: %s)",
		r ? strerror(errno) : buf);

	struct statfs sf;
	r = statfs(P(c, ""), &sf);
	verdict(c, r == 0 && sf.f_type == FUSE_SUPER_MAGIC && sf.f_bsize == 4096 && sf.f_namelen == 255,
		"statfs: FUSE, bsize 4096, namelen 255 (%s)", res(r));

	r = chmod(P(c, "a/f"), 0600);
	int r2 = stat(P(c, "a/f"), &st);
	verdict(c, r == 0 && r2 == 0 && (st.st_mode & 07777) == 0600, "chmod a/f 0600 before sealing (%s)",
		res(r));

	fd = open(P(c, "a/f"), O_RDONLY | O_CLOEXEC);
	n = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
	verdict(c, fd >= 0 && n == 0, "open + read a/f before sealing: empty (%zd)", n);
	if (fd >= 0)
		close(fd);

	r = unlink(P(c, "a/f"));
	verdict(c, fails(r, EPERM), "unlink before sealing -> EPERM (%s)", res(r));
	r = mknod(P(c, "fifo"), S_IFIFO | 0644, 0);
	verdict(c, fails(r, EPERM), "mknod of a FIFO -> EPERM (%s)", res(r));
	r = stat(P(c, "early"), &st);
	verdict(c, fails(r, ENOENT), "stat of a missing name before sealing -> ENOENT (%s)", res(r));

	/* enough nodes to grow the node array and the hash, and a directory
	 * whose listing takes several READDIR pages */
	enum { MANY = 600 }; /* 64-byte records: more than one 32 KiB getdents buffer */
	int made = 0;
	char name[64];
	r = mkdir(P(c, "many"), 0755);
	for (int i = 0; r == 0 && i < MANY; i++) {
		snprintf(name, sizeof name, "many/entry-with-a-longish-name-%03d", i);
		if (i % 2) {
			fd = open(P(c, name), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
			made += fd >= 0;
			if (fd >= 0)
				close(fd);
		} else {
			made += mkdir(P(c, name), 0755) == 0;
		}
	}
	verdict(c, made == MANY, "created %d of %d nodes in many/", made, MANY);
	DIR *d = opendir(P(c, "many"));
	int seen = 0, dirs = 0, dots = 0;
	bool order = true;
	struct dirent *de;
	while (d && (de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) {
			dots++;
			continue;
		}
		snprintf(name, sizeof name, "entry-with-a-longish-name-%03d", seen);
		order &= !strcmp(de->d_name, name);
		dirs += de->d_type == DT_DIR;
		seen++;
	}
	if (d)
		closedir(d);
	verdict(c, dots == 2 && seen == MANY && order && dirs == MANY / 2,
		"readdir many/: . .. and %d entries in creation order, half of them DT_DIR (%d, %d dirs)", MANY,
		seen, dirs);
	snprintf(name, sizeof name, "many/entry-with-a-longish-name-%03d", MANY - 1);
	r = stat(P(c, name), &st);
	verdict(c, r == 0 && S_ISREG(st.st_mode), "stat of the last of them (%s)", res(r));
}

static void after_seal(const struct child_ctx *c)
{
	struct stat st;
	int r;

	r = stat(P(c, "nothere"), &st);
	verdict(c, fails(r, ENOENT), "sealed: stat nothere -> ENOENT (%s)", res(r));
	r = stat(P(c, "nothere"), &st);
	verdict(c, fails(r, ENOENT), "sealed: stat nothere again -> ENOENT (%s)", res(r));
	int fd = open(P(c, "a/secret"), O_RDONLY | O_CLOEXEC);
	verdict(c, fd < 0 && errno == EACCES, "sealed: open a/secret -> the miss callback's EACCES (%s)",
		res(fd));
	if (fd >= 0)
		close(fd);
	r = mkdir(P(c, "a/new"), 0755);
	verdict(c, fails(r, EROFS), "sealed: mkdir a/new -> EROFS (%s)", res(r));
	r = symlink("x", P(c, "x2"));
	verdict(c, fails(r, EROFS), "sealed: symlink -> EROFS (%s)", res(r));
	fd = open(P(c, "newfile"), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	verdict(c, fd < 0 && errno == EROFS, "sealed: O_CREAT -> EROFS (%s)", res(fd));
	if (fd >= 0)
		close(fd);
	r = chmod(P(c, "a/f"), 0644);
	verdict(c, fails(r, EROFS), "sealed: chmod -> EROFS (%s)", res(r));
	fd = open(P(c, "a/f"), O_RDONLY | O_CLOEXEC);
	verdict(c, fd < 0 && errno == EACCES, "sealed: open of a placeholder file -> EACCES (%s)", res(fd));
	if (fd >= 0)
		close(fd);
	r = unlink(P(c, "lib"));
	verdict(c, fails(r, EROFS), "sealed: unlink -> EROFS (%s)", res(r));
	r = stat(P(c, "a/b"), &st);
	verdict(c, r == 0 && S_ISDIR(st.st_mode), "sealed: stat a/b still works (%s)", res(r));
	char buf[1024];
	r = list_dir(P(c, ""), buf, sizeof buf);
	static const char *const sealed_names[] = { ".", "..", "a", "lib", "many" };
	verdict(c, r == 0 && same_names(buf, sealed_names, 5), "sealed: readdir / still works (got: %s)",
		r ? strerror(errno) : buf);
}

static __attribute__((noreturn)) void child(int sock, const char *mnt, uid_t uid, gid_t gid)
{
	/* a hung FUSE request is killable: never outlive the test */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(15);
	umask(022);
	char map[64];
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
		setup_failed(sock, "unshare", errno, "unshare(CLONE_NEWUSER|CLONE_NEWNS)");
	snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
	if (write_file("/proc/self/uid_map", map) < 0)
		setup_failed(sock, "idmap", errno, "writing uid_map");
	if (write_file("/proc/self/setgroups", "deny") < 0 && errno != ENOENT)
		setup_failed(sock, "idmap", errno, "writing setgroups");
	snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
	if (write_file("/proc/self/gid_map", map) < 0)
		setup_failed(sock, "idmap", errno, "writing gid_map");
	/* the mount must not propagate to the host's /tmp */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		setup_failed(sock, "private", errno, "making / private");
	struct bsbox_err err = { 0 };
	int fd;
	if (fusefs_mount(mnt, 0, 0, &fd, &err) < 0)
		setup_failed(sock, "mount", err.errnum, err.msg);

	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char byte = 'F';
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof cbuf };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof fd);
	if (sendmsg(sock, &mh, 0) < 0)
		_exit(91);
	/* only the server may hold the device: if it dies the mount aborts
	 * instead of leaving us waiting */
	close(fd);

	struct child_ctx c = { .sock = sock, .mnt = mnt };
	before_seal(&c);
	send_str(sock, "S");
	char ack;
	if (recv(sock, &ack, 1, 0) != 1 || ack != 'A')
		_exit(92);
	after_seal(&c);
	send_str(sock, "D");
	_exit(0);
}

/* ---- the parent ----------------------------------------------------------- */

#define MAX_MISSES 64

struct misses {
	size_t n;
	char path[MAX_MISSES][256];
	pid_t pid[MAX_MISSES];
};

static int on_miss(void *arg, pid_t pid, const char *path)
{
	struct misses *m = arg;
	if (m->n < MAX_MISSES) {
		snprintf(m->path[m->n], sizeof m->path[m->n], "%s", path);
		m->pid[m->n] = pid;
		m->n++;
	}
	size_t len = strlen(path);
	return len >= 6 && !strcmp(path + len - 6, "secret") ? EACCES : ENOENT;
}

static size_t count_miss(const struct misses *m, const char *path)
{
	size_t k = 0;
	for (size_t i = 0; i < m->n; i++)
		k += !strcmp(m->path[i], path);
	return k;
}

/* One message from the child; *fd gets a passed fd, if any.  Returns the
 * length, 0 at EOF, -1 on error. */
static ssize_t recv_msg(int sock, char *buf, size_t size, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { buf, size - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof cbuf };
	ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
	if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cm), sizeof *fd);
	return n;
}

/* Setup failures that mean "this machine cannot", not "fusefs is broken". */
static bool skippable(const char *stage, int e)
{
	if (!strcmp(stage, "unshare") || !strcmp(stage, "idmap"))
		return true; /* user namespaces disabled or restricted */
	if (!strcmp(stage, "mount"))
		return geteuid() != 0 && (e == EPERM || e == EACCES || e == ENOENT || e == ENODEV);
	return false;
}

int main(void)
{
	alarm(20);
	if (access("/dev/fuse", F_OK) < 0) {
		/* 78: FUSE is optional (bsbox falls back), so never a CI failure */
		printf("skipped: no /dev/fuse (modprobe fuse)\n");
		return 78;
	}
	if (!fusefs_available()) {
		printf("skipped: /dev/fuse is not readable and writable by uid %u\n", (unsigned)geteuid());
		return 78;
	}
	char mnt[] = "/tmp/bsbox-fusefs-test-XXXXXX";
	if (!mkdtemp(mnt)) {
		perror("mkdtemp");
		return 1;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("socketpair");
		return 1;
	}
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 1;
	}
	if (pid == 0) {
		close(sv[0]);
		child(sv[1], mnt, geteuid(), getegid());
	}
	close(sv[1]);
	int sock = sv[0];

	struct misses m = { 0 };
	struct fusefs *fs = NULL;
	bool done = false, sealed = false, skip = false, gone = false;
	char skip_reason[1300] = "";
	struct pollfd pfd[2] = { { .fd = sock, .events = POLLIN }, { .fd = -1, .events = POLLIN } };
	while (!done) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			check(0, "poll: %s", strerror(errno));
			break;
		}
		if (pfd[1].revents) {
			int r = fusefs_serve(fs, on_miss, &m);
			if (r == -ENODEV) {
				gone = true;
				pfd[1].fd = -1;
			} else if (r < 0) {
				check(0, "fusefs_serve: %s", strerror(-r));
				break;
			}
		}
		if (!pfd[0].revents)
			continue;
		char buf[1300];
		int fd = -1;
		ssize_t n = recv_msg(sock, buf, sizeof buf, &fd);
		if (n <= 0) {
			done = true;
			break;
		}
		if (buf[0] == 'F') {
			struct bsbox_err err = { 0 };
			int r = fusefs_new(fd, 0, 0, &fs, &err);
			check(r == 0 && fd >= 0, "mounted; fd received over SCM_RIGHTS, fusefs_new (%s)",
			      r ? err.msg : "ok");
			if (r < 0)
				break;
			pfd[1].fd = fusefs_fd(fs);
		} else if (buf[0] == 'E') {
			char stage[32] = "";
			int e = 0, off = 0;
			sscanf(buf, "E %31s %d %n", stage, &e, &off);
			if (skippable(stage, e)) {
				skip = true;
				snprintf(skip_reason, sizeof skip_reason, "%s", buf + off);
			} else {
				check(0, "child setup (%s): %s", stage, buf + off);
			}
		} else if (buf[0] == 'S') {
			fusefs_seal(fs);
			sealed = true;
			if (send(sock, "A", 1, 0) != 1)
				check(0, "ack to the child: %s", strerror(errno));
		} else if (buf[0] == '0' || buf[0] == '1') {
			check(buf[0] == '1', "%s", buf + 2);
		} else if (buf[0] == 'D') {
			check(1, "the child finished its probes");
		}
	}
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	close(sock);
	if (skip) {
		fusefs_free(fs);
		rmdir(mnt);
		printf("skipped: %s\n", skip_reason);
		return 77;
	}
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child exited 0 (status 0x%x)", st);
	check(sealed, "the child asked to seal");

	check(count_miss(&m, "/early") == 0, "no miss callback before sealing");
	check(count_miss(&m, "/a/secret") >= 1, "miss callback got /a/secret");
	check(count_miss(&m, "/nothere") == 2, "two lookups of /nothere, two callbacks: no negative caching (%zu)",
	      count_miss(&m, "/nothere"));
	check(count_miss(&m, "/a/new") >= 1, "miss callback got /a/new (the lookup before mkdir)");
	bool pids_ok = m.n > 0;
	for (size_t i = 0; i < m.n; i++)
		pids_ok &= m.pid[i] == pid;
	check(pids_ok, "miss callback pid is the child's (%d)", m.n ? (int)m.pid[0] : 0);
	for (size_t i = 0; i < m.n; i++)
		printf("# miss %s pid %d\n", m.path[i], (int)m.pid[i]);

	if (fs) {
		check(fusefs_requests(fs) > 10, "fusefs_requests counts (%lu)", fusefs_requests(fs));
		/* the mount dies with the child's mount namespace; the serve
		 * loop may already have seen that */
		int r = gone ? -ENODEV : 0;
		for (int i = 0; !gone && i < 50; i++) {
			struct pollfd p = { .fd = fusefs_fd(fs), .events = POLLIN };
			if (poll(&p, 1, 100) > 0) {
				r = fusefs_serve(fs, on_miss, &m);
				gone = r == -ENODEV;
			}
		}
		check(gone, "fusefs_serve returns -ENODEV once the mount is gone (%s)", r ? strerror(-r) : "still there");
	}
	fusefs_free(fs);
	if (rmdir(mnt) < 0)
		check(0, "rmdir %s: %s", mnt, strerror(errno));

	return tap_done();
}
