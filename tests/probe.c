/* probe: perform one forbidden or benign action and say what happened.
 *
 * Like bubblewrap's tests/try-syscall.c: a shell test runs
 * `bsbox run -- probe ACTION ARGS` and tells "blocked by the sandbox" from
 * "reached the kernel" by the errno.  Standalone on purpose (no bsbox
 * headers), so it tests bsbox from the outside.
 *
 * Output: one line "ACTION: ok [details]" or "ACTION: errno=N (NAME) [details]"
 * (or "ACTION: signal=N (NAME)" when a forked helper was killed), sometimes
 * followed by data lines (read, ls, fds).
 *
 * Exit status:
 *   0   the action succeeded (for the report actions: see each one)
 *   11  usage error (10 + 1)
 *   12  the action failed or was denied (10 + 2)
 * Codes start at 10 so they are not confused with a shell's 1/2 or with
 * bsbox's own 121..127.
 *
 * Actions:
 *   read PATH            open O_RDONLY and print what was read after the line
 *   write PATH           O_CREAT|O_WRONLY|O_TRUNC, write "x"
 *   exec PATH [ARGS]     fork + execv; ok if execv succeeded (child's status shown)
 *   connect HOST PORT    TCP connect (IPv4 or IPv6 literal), 5 s timeout
 *   udp HOST PORT        sendto one datagram "probe"
 *   socket FAMILY        inet | inet6 | netlink | packet | unix
 *   ptrace [attach]      PTRACE_TRACEME, or PTRACE_ATTACH to the parent
 *   unshare-user         unshare(CLONE_NEWUSER)
 *   unshare-net          unshare(CLONE_NEWNET)
 *   mount                tmpfs on /tmp/x (unmounted again if it worked)
 *   io_uring             raw io_uring_setup
 *   name-to-handle PATH  name_to_handle_at(AT_FDCWD, PATH)
 *   bpf                  BPF_PROG_LOAD of "r0 = 0; exit" (socket filter)
 *   perf                 perf_event_open(software cpu-clock, self)
 *   keyctl               keyctl(KEYCTL_GET_KEYRING_ID, session keyring, create)
 *   userfaultfd          userfaultfd(UFFD_USER_MODE_ONLY)
 *   tiocsti              ioctl(0, TIOCSTI, " ")
 *   tiocsti-hi           the same with bit 32 set in the request (raw syscall)
 *   personality [HEX]    personality(HEX), default ADDR_NO_RANDOMIZE
 *   seccomp-listener     install an allow-all filter with SECCOMP_FILTER_FLAG_NEW_LISTENER
 *   x32                  syscall(0x40000000 | 39): x32 getpid (in a forked child)
 *   i386                 int $0x80 getpid (in a forked child)
 *   clone-newns          raw clone(CLONE_NEWNS | SIGCHLD)
 *   kill PID [SIG]       kill(PID, SIG), SIG default 15
 *   env NAME             prints the value or "unset"; exit 0 iff set
 *   fds [N...]           lists open fds besides 0,1,2; exit 0 iff none besides N...
 *   caps                 CapEff/CapPrm/CapBnd/CapAmb; exit 0 iff all zero
 *   nnp                  NoNewPrivs line; exit 0 iff 1
 *   seccomp              Seccomp line; exit 0 iff 2 (filter mode)
 *   uid                  uid/euid/gid/egid; exit 0
 *   daemon FILE          double fork; the grandchild (new session) sleeps 3 s then
 *                        writes FILE; exits 0 at once
 *   forkbomb [MAX]       fork (children pause) until fork fails or MAX (2000) is
 *                        reached; kills them; exit 0 iff fork failed first
 *   bigfile PATH MB      write MB MiB (SIGXFSZ ignored, so EFBIG shows as errno)
 *   hostname [NAME]      sethostname(NAME, default "bsbox-probe"), then print nodename
 *   abstract NAME        connect an AF_UNIX stream socket to @NAME
 *   ls PATH              list a directory, sorted, one entry a line
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/perf_event.h>
#include <linux/seccomp.h>
#include <linux/userfaultfd.h>
#include <netdb.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#ifndef __NR_io_uring_setup
#define __NR_io_uring_setup 425
#endif
#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif

enum { EXIT_OK = 0, EXIT_USAGE = 11, EXIT_FAILED = 12 };

static const char *action;

static const char *errname(int e)
{
	const char *n = strerrorname_np(e);
	return n ? n : "?";
}

static const char *signame(int s)
{
	const char *n = sigabbrev_np(s);
	return n ? n : "?";
}

/* "ACTION: ok EXTRA" -> 0 */
__attribute__((format(printf, 1, 2))) static int ok(const char *fmt, ...)
{
	printf("%s: ok", action);
	if (fmt && *fmt) {
		va_list ap;
		va_start(ap, fmt);
		putchar(' ');
		vprintf(fmt, ap);
		va_end(ap);
	}
	putchar('\n');
	fflush(stdout);
	return EXIT_OK;
}

/* "ACTION: errno=N (NAME) EXTRA" -> 12 */
__attribute__((format(printf, 2, 3))) static int failed(int e, const char *fmt, ...)
{
	printf("%s: errno=%d (%s)", action, e, errname(e));
	if (fmt && *fmt) {
		va_list ap;
		va_start(ap, fmt);
		putchar(' ');
		vprintf(fmt, ap);
		va_end(ap);
	}
	putchar('\n');
	fflush(stdout);
	return EXIT_FAILED;
}

/* result of a syscall-like call: r < 0 means failure with errno */
static int result(long r)
{
	return r < 0 ? failed(errno, NULL) : ok(NULL);
}

static int usage(const char *msg)
{
	fprintf(stderr, "probe: %s\nusage: probe ACTION [ARGS] (see tests/probe.c)\n", msg);
	return EXIT_USAGE;
}

/* Run fn in a forked child (it may be killed by seccomp); report how it ended.
 * The child exits with 0 on success, else 100 + errno (errno < 155). */
static int in_child(int (*fn)(void))
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return failed(errno, "fork");
	if (pid == 0) {
		int e = fn();
		_exit(e == 0 ? 0 : 100 + (e > 0 && e < 155 ? e : 0));
	}
	int st;
	if (waitpid(pid, &st, 0) < 0)
		return failed(errno, "waitpid");
	if (WIFSIGNALED(st)) {
		printf("%s: signal=%d (SIG%s)\n", action, WTERMSIG(st), signame(WTERMSIG(st)));
		fflush(stdout);
		return EXIT_FAILED;
	}
	int code = WEXITSTATUS(st);
	if (code == 0)
		return ok(NULL);
	return failed(code - 100, NULL);
}

/* ---- files ---- */

static int do_read(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return failed(errno, "%s", path);
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof buf);
	if (n < 0) {
		int e = errno;
		close(fd);
		return failed(e, "%s (read)", path);
	}
	close(fd);
	ok("%zd bytes", n);
	fwrite(buf, 1, (size_t)n, stdout);
	if (n > 0 && buf[n - 1] != '\n')
		putchar('\n');
	return EXIT_OK;
}

static int do_write(const char *path)
{
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return failed(errno, "%s", path);
	if (write(fd, "x", 1) != 1) {
		int e = errno;
		close(fd);
		return failed(e, "%s (write)", path);
	}
	if (close(fd) < 0)
		return failed(errno, "%s (close)", path);
	return ok("%s", path);
}

static int do_exec(char **argv)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return failed(errno, "pipe");
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return failed(errno, "fork");
	if (pid == 0) {
		close(p[0]);
		execv(argv[0], argv);
		int e = errno;
		if (write(p[1], &e, sizeof e) < 0)
			_exit(127);
		_exit(127);
	}
	close(p[1]);
	int e = 0;
	ssize_t n = read(p[0], &e, sizeof e);
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	if (n == (ssize_t)sizeof e)
		return failed(e, "%s", argv[0]);
	if (WIFSIGNALED(st))
		return ok("%s (killed by signal %d)", argv[0], WTERMSIG(st));
	return ok("%s (status %d)", argv[0], WEXITSTATUS(st));
}

static int do_ls(const char *path)
{
	struct dirent **names;
	int n = scandir(path, &names, NULL, alphasort);
	if (n < 0)
		return failed(errno, "%s", path);
	int entries = 0;
	for (int i = 0; i < n; i++)
		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, ".."))
			entries++;
	ok("%d entries", entries);
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, ".."))
			puts(names[i]->d_name);
		free(names[i]);
	}
	free(names);
	return EXIT_OK;
}

static int do_bigfile(const char *path, const char *mb_s)
{
	long mb = strtol(mb_s, NULL, 10);
	if (mb <= 0)
		return usage("bigfile: MB must be > 0");
	signal(SIGXFSZ, SIG_IGN);
	int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return failed(errno, "%s (open)", path);
	static char chunk[65536];
	memset(chunk, 'b', sizeof chunk);
	long long total = 0, want = (long long)mb << 20;
	while (total < want) {
		ssize_t w = write(fd, chunk, sizeof chunk);
		if (w < 0) {
			int e = errno;
			close(fd);
			return failed(e, "after %lld bytes", total);
		}
		total += w;
	}
	close(fd);
	return ok("%lld bytes", total);
}

/* ---- network ---- */

static int resolve(const char *host, const char *port, int type, struct addrinfo **out)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = type,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV };
	int r = getaddrinfo(host, port, &hints, out);
	if (r != 0) {
		fprintf(stderr, "probe: %s %s: %s\n", host, port, gai_strerror(r));
		return -1;
	}
	return 0;
}

static int do_connect(const char *host, const char *port)
{
	struct addrinfo *ai;
	if (resolve(host, port, SOCK_STREAM, &ai) < 0)
		return usage("connect: HOST must be a numeric address, PORT a number");
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		int e = errno;
		freeaddrinfo(ai);
		return failed(e, "socket");
	}
	int r = connect(fd, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (r < 0 && errno == EINPROGRESS) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		r = poll(&pfd, 1, 5000);
		if (r == 0) {
			close(fd);
			return failed(ETIMEDOUT, "connect");
		}
		int soerr = 0;
		socklen_t len = sizeof soerr;
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
		if (soerr) {
			close(fd);
			return failed(soerr, "connect");
		}
		r = 0;
	}
	if (r < 0) {
		int e = errno;
		close(fd);
		return failed(e, "connect");
	}
	/* say something so a listener can tell a real connection */
	ssize_t w = write(fd, "probe\n", 6);
	(void)w;
	close(fd);
	return ok("%s:%s", host, port);
}

static int do_udp(const char *host, const char *port)
{
	struct addrinfo *ai;
	if (resolve(host, port, SOCK_DGRAM, &ai) < 0)
		return usage("udp: HOST must be a numeric address, PORT a number");
	int fd = socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		int e = errno;
		freeaddrinfo(ai);
		return failed(e, "socket");
	}
	ssize_t r = sendto(fd, "probe\n", 6, 0, ai->ai_addr, ai->ai_addrlen);
	int e = errno;
	freeaddrinfo(ai);
	close(fd);
	return r < 0 ? failed(e, "sendto") : ok("%s:%s", host, port);
}

static int do_socket(const char *fam)
{
	int fd;
	if (!strcmp(fam, "inet"))
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	else if (!strcmp(fam, "inet6"))
		fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	else if (!strcmp(fam, "netlink"))
		fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 0 /* NETLINK_ROUTE */);
	else if (!strcmp(fam, "packet"))
		fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(3 /* ETH_P_ALL */));
	else if (!strcmp(fam, "unix"))
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	else
		return usage("socket: FAMILY is inet, inet6, netlink, packet or unix");
	if (fd < 0)
		return failed(errno, "%s", fam);
	close(fd);
	return ok("%s", fam);
}

static int do_abstract(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	if (n + 1 > sizeof sa.sun_path)
		return usage("abstract: NAME too long");
	memcpy(sa.sun_path + 1, name, n);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return failed(errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0) {
		int e = errno;
		close(fd);
		return failed(e, "@%s", name);
	}
	ssize_t w = write(fd, "probe\n", 6);
	(void)w;
	close(fd);
	return ok("@%s", name);
}

/* ---- dangerous syscalls ---- */

static int do_ptrace(bool attach)
{
	if (!attach)
		return result(ptrace(PTRACE_TRACEME, 0, NULL, NULL));
	pid_t pp = getppid();
	if (ptrace(PTRACE_ATTACH, pp, NULL, NULL) < 0)
		return failed(errno, "attach %d", (int)pp);
	waitpid(pp, NULL, __WALL);
	ptrace(PTRACE_DETACH, pp, NULL, NULL);
	return ok("attach %d", (int)pp);
}

static int do_mount(void)
{
	/* $TMPDIR: without namespaces bsbox gives each run its own directory */
	char dir[4096];
	const char *t = getenv("TMPDIR");
	snprintf(dir, sizeof dir, "%s/x", t && *t ? t : "/tmp");
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return failed(errno, "mkdir %s", dir);
	if (mount("tmpfs", dir, "tmpfs", 0, "size=1m") < 0)
		return failed(errno, "tmpfs on %s", dir);
	umount2(dir, MNT_DETACH);
	return ok("tmpfs on %s (unmounted again)", dir);
}

static int do_name_to_handle(const char *path)
{
	struct {
		struct file_handle fh;
		unsigned char room[128];
	} h;
	int mount_id;
	h.fh.handle_bytes = sizeof h.room;
	if (name_to_handle_at(AT_FDCWD, path, &h.fh, &mount_id, 0) < 0)
		return failed(errno, "%s", path);
	return ok("%s (mount %d)", path, mount_id);
}

static int do_io_uring(void)
{
	unsigned char params[120]; /* struct io_uring_params */
	memset(params, 0, sizeof params);
	long fd = syscall(__NR_io_uring_setup, 1, params);
	if (fd < 0)
		return failed(errno, NULL);
	close((int)fd);
	return ok(NULL);
}

static int do_bpf(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static const char license[] = "GPL";
	union bpf_attr attr;
	memset(&attr, 0, sizeof attr);
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insn_cnt = 2;
	attr.insns = (uintptr_t)insns;
	attr.license = (uintptr_t)license;
	long fd = syscall(__NR_bpf, BPF_PROG_LOAD, &attr, sizeof attr);
	if (fd < 0)
		return failed(errno, NULL);
	close((int)fd);
	return ok(NULL);
}

static int do_perf(void)
{
	struct perf_event_attr a;
	memset(&a, 0, sizeof a);
	a.size = sizeof a;
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_CPU_CLOCK;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	long fd = syscall(__NR_perf_event_open, &a, 0, -1, -1, 0);
	if (fd < 0)
		return failed(errno, NULL);
	close((int)fd);
	return ok(NULL);
}

static int do_keyctl(void)
{
	return result(syscall(__NR_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 1));
}

static int do_userfaultfd(void)
{
	long fd = syscall(__NR_userfaultfd, O_CLOEXEC | UFFD_USER_MODE_ONLY);
	if (fd < 0)
		return failed(errno, NULL);
	close((int)fd);
	return ok(NULL);
}

static int do_tiocsti(bool hi)
{
	char c = ' ';
	unsigned long req = TIOCSTI;
	if (hi)
		req |= 1UL << 32;
	long r = syscall(__NR_ioctl, 0, req, &c);
	return r < 0 ? failed(errno, "request=%#lx", req) : ok("request=%#lx", req);
}

static int do_personality(const char *arg)
{
	unsigned long p = arg ? strtoul(arg, NULL, 16) : ADDR_NO_RANDOMIZE;
	int r = personality(p);
	if (r < 0)
		return failed(errno, "%#lx", p);
	return ok("%#lx (was %#x)", p, r);
}

static int do_seccomp_listener(void)
{
	struct sock_filter insn[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = 1, .filter = insn };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return failed(errno, "no_new_privs");
	long fd = syscall(__NR_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
	if (fd < 0)
		return failed(errno, NULL);
	return ok("listener fd %ld", fd);
}

static int x32_getpid(void)
{
	long r = syscall(0x40000000L | 39);
	return r < 0 ? errno : 0;
}

static int i386_getpid(void)
{
	long r = 20; /* __NR_getpid on i386 */
	__asm__ volatile("int $0x80" : "+a"(r) : : "memory", "cc");
	return r < 0 && r > -4096 ? (int)-r : 0;
}

static int do_x32(void)
{
#if defined(__x86_64__)
	return in_child(x32_getpid);
#else
	return failed(ENOSYS, "(not x86_64)");
#endif
}

static int do_i386(void)
{
#if defined(__x86_64__)
	return in_child(i386_getpid);
#else
	return failed(ENOSYS, "(not x86_64)");
#endif
}

static int do_clone_newns(void)
{
	fflush(stdout);
	long pid = syscall(__NR_clone, CLONE_NEWNS | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		return failed(errno, NULL);
	if (pid == 0)
		_exit(0);
	waitpid((pid_t)pid, NULL, 0);
	return ok(NULL);
}

static int do_kill(const char *pid_s, const char *sig_s)
{
	pid_t pid = (pid_t)strtol(pid_s, NULL, 10);
	int sig = sig_s ? atoi(sig_s) : SIGTERM;
	if (pid == 0 && strcmp(pid_s, "0"))
		return usage("kill: PID must be a number");
	return kill(pid, sig) < 0 ? failed(errno, "%d", (int)pid) : ok("%d", (int)pid);
}

static int do_hostname(const char *name)
{
	if (!name)
		name = "bsbox-probe";
	int r = sethostname(name, strlen(name));
	int e = errno;
	struct utsname u;
	uname(&u);
	return r < 0 ? failed(e, "nodename=%s", u.nodename) : ok("nodename=%s", u.nodename);
}

/* ---- reports ---- */

static int do_env(const char *name)
{
	const char *v = getenv(name);
	printf("env: %s=%s\n", name, v ? v : "unset");
	return v ? EXIT_OK : EXIT_FAILED;
}

static int do_fds(int argc, char **argv)
{
	DIR *d = opendir("/proc/self/fd");
	if (!d)
		return failed(errno, "/proc/self/fd");
	int self = dirfd(d), extra = 0;
	char line[4096] = "";
	size_t len = 0;
	int fds[1024], nfds = 0;
	struct dirent *de;
	while ((de = readdir(d)) && nfds < 1024) {
		if (de->d_name[0] == '.')
			continue;
		int fd = atoi(de->d_name);
		if (fd <= 2 || fd == self)
			continue;
		fds[nfds++] = fd;
	}
	closedir(d);
	/* sort for stable output */
	for (int i = 1; i < nfds; i++)
		for (int j = i; j > 0 && fds[j - 1] > fds[j]; j--) {
			int t = fds[j];
			fds[j] = fds[j - 1];
			fds[j - 1] = t;
		}
	for (int i = 0; i < nfds; i++) {
		bool allowed = false;
		for (int a = 0; a < argc; a++)
			if (atoi(argv[a]) == fds[i])
				allowed = true;
		if (!allowed)
			extra++;
		char path[64], target[256];
		snprintf(path, sizeof path, "/proc/self/fd/%d", fds[i]);
		ssize_t n = readlink(path, target, sizeof target - 1);
		target[n > 0 ? n : 0] = '\0';
		len += (size_t)snprintf(line + len, len < sizeof line ? sizeof line - len : 0, " %d=%s",
					fds[i], target);
		if (len >= sizeof line)
			len = sizeof line - 1;
	}
	printf("fds:%s%s\n", nfds ? line : " none", extra ? " (unexpected)" : "");
	return extra ? EXIT_FAILED : EXIT_OK;
}

/* print the status lines named in keys; returns how many had a non-zero
 * (hex or decimal) value, or -1 if /proc/self/status is unreadable */
static int status_lines(const char *const *keys, int nkeys, char *out, size_t outsz)
{
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return -1;
	char buf[512];
	int nonzero = 0, found = 0;
	size_t len = 0;
	out[0] = '\0';
	while (fgets(buf, sizeof buf, f)) {
		for (int i = 0; i < nkeys; i++) {
			size_t kl = strlen(keys[i]);
			if (strncmp(buf, keys[i], kl) || buf[kl] != ':')
				continue;
			char *v = buf + kl + 1;
			v += strspn(v, " \t");
			v[strcspn(v, "\n")] = '\0';
			if (strspn(v, "0") != strlen(v))
				nonzero++;
			found++;
			len += (size_t)snprintf(out + len, len < outsz ? outsz - len : 0, "%s%s=%s",
						len ? " " : "", keys[i], v);
			if (len >= outsz)
				len = outsz - 1;
		}
	}
	fclose(f);
	return found ? nonzero : -1;
}

static int do_status(const char *const *keys, int nkeys, const char *want)
{
	char out[1024];
	int r = status_lines(keys, nkeys, out, sizeof out);
	if (r < 0)
		return failed(ENOENT, "/proc/self/status");
	printf("%s: %s\n", action, out);
	if (!want) /* caps: exit 0 iff all zero */
		return r == 0 ? EXIT_OK : EXIT_FAILED;
	/* single key: exit 0 iff the value is `want` */
	const char *eq = strchr(out, '=');
	return eq && !strcmp(eq + 1, want) ? EXIT_OK : EXIT_FAILED;
}

static int do_uid(void)
{
	printf("uid: uid=%d euid=%d gid=%d egid=%d\n", (int)getuid(), (int)geteuid(), (int)getgid(),
	       (int)getegid());
	return EXIT_OK;
}

static int do_daemon(const char *file)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return failed(errno, "fork");
	if (pid == 0) {
		setsid();
		pid_t p2 = fork();
		if (p2 != 0)
			_exit(p2 < 0 ? 1 : 0);
		/* grandchild: detached, outlives its parent unless the sandbox kills it */
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		sleep(3);
		int fd = open(file, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
		if (fd >= 0) {
			ssize_t w = write(fd, "daemon\n", 7);
			(void)w;
			close(fd);
		}
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	return ok("grandchild writes %s in 3 s", file);
}

static int do_forkbomb(const char *max_s)
{
	int max = max_s ? atoi(max_s) : 2000;
	if (max <= 0)
		return usage("forkbomb: MAX must be > 0");
	pid_t *pids = calloc((size_t)max, sizeof *pids);
	if (!pids)
		return failed(ENOMEM, "calloc");
	pid_t self = getpid();
	int n = 0, e = 0;
	fflush(stdout);
	while (n < max) {
		pid_t p = fork();
		if (p < 0) {
			e = errno;
			break;
		}
		if (p == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != self)
				_exit(0);
			pause();
			_exit(0);
		}
		pids[n++] = p;
	}
	for (int i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (int i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
	free(pids);
	if (e)
		return printf("forkbomb: stopped after %d forks: errno=%d (%s)\n", n, e, errname(e)),
		       fflush(stdout), EXIT_OK;
	printf("forkbomb: no limit hit: %d forks\n", n);
	fflush(stdout);
	return EXIT_FAILED;
}

#define NEED(k)                                                                        \
	do {                                                                           \
		if (argc < (k) + 2)                                                    \
			return usage("missing argument");                              \
	} while (0)

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2)
		return usage("missing ACTION");
	action = argv[1];
	const char *a = action;
	const char *a1 = argc > 2 ? argv[2] : NULL, *a2 = argc > 3 ? argv[3] : NULL;

	if (!strcmp(a, "read")) { NEED(1); return do_read(a1); }
	if (!strcmp(a, "write")) { NEED(1); return do_write(a1); }
	if (!strcmp(a, "exec")) { NEED(1); return do_exec(argv + 2); }
	if (!strcmp(a, "connect")) { NEED(2); return do_connect(a1, a2); }
	if (!strcmp(a, "udp")) { NEED(2); return do_udp(a1, a2); }
	if (!strcmp(a, "socket")) { NEED(1); return do_socket(a1); }
	if (!strcmp(a, "ptrace")) return do_ptrace(a1 && !strcmp(a1, "attach"));
	if (!strcmp(a, "unshare-user")) return result(unshare(CLONE_NEWUSER));
	if (!strcmp(a, "unshare-net")) return result(unshare(CLONE_NEWNET));
	if (!strcmp(a, "mount")) return do_mount();
	if (!strcmp(a, "io_uring")) return do_io_uring();
	if (!strcmp(a, "name-to-handle")) { NEED(1); return do_name_to_handle(a1); }
	if (!strcmp(a, "bpf")) return do_bpf();
	if (!strcmp(a, "perf")) return do_perf();
	if (!strcmp(a, "keyctl")) return do_keyctl();
	if (!strcmp(a, "userfaultfd")) return do_userfaultfd();
	if (!strcmp(a, "tiocsti")) return do_tiocsti(false);
	if (!strcmp(a, "tiocsti-hi")) return do_tiocsti(true);
	if (!strcmp(a, "personality")) return do_personality(a1);
	if (!strcmp(a, "seccomp-listener")) return do_seccomp_listener();
	if (!strcmp(a, "x32")) return do_x32();
	if (!strcmp(a, "i386")) return do_i386();
	if (!strcmp(a, "clone-newns")) return do_clone_newns();
	if (!strcmp(a, "kill")) { NEED(1); return do_kill(a1, a2); }
	if (!strcmp(a, "env")) { NEED(1); return do_env(a1); }
	if (!strcmp(a, "fds")) return do_fds(argc - 2, argv + 2);
	if (!strcmp(a, "caps")) {
		static const char *const k[] = { "CapEff", "CapPrm", "CapBnd", "CapAmb" };
		return do_status(k, 4, NULL);
	}
	if (!strcmp(a, "nnp")) {
		static const char *const k[] = { "NoNewPrivs" };
		return do_status(k, 1, "1");
	}
	if (!strcmp(a, "seccomp")) {
		static const char *const k[] = { "Seccomp" };
		return do_status(k, 1, "2");
	}
	if (!strcmp(a, "uid")) return do_uid();
	if (!strcmp(a, "daemon")) { NEED(1); return do_daemon(a1); }
	if (!strcmp(a, "forkbomb")) return do_forkbomb(a1);
	if (!strcmp(a, "bigfile")) { NEED(2); return do_bigfile(a1, a2); }
	if (!strcmp(a, "hostname")) return do_hostname(a1);
	if (!strcmp(a, "abstract")) { NEED(1); return do_abstract(a1); }
	if (!strcmp(a, "ls")) { NEED(1); return do_ls(a1); }
	return usage("unknown ACTION");
}
