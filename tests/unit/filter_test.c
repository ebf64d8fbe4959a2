/* The seccomp filter, tested by behaviour: build it with scf_build(), load it
 * in a child and check what each call returns (libseccomp 2.5.4 has known
 * 64-bit comparison pitfalls, so the BPF is not trusted on sight).
 * Output: "ok - ..." / "not ok - ..." lines, then "N passed, M failed". */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seccomp_filter.h"
#include "tap.h"

#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

/* r is a syscall result: expect -1 with errno e */
static void expect_errno(long r, int e, const char *what)
{
	int saved = errno;
	char buf[256];
	if (r == -1 && saved == e)
		snprintf(buf, sizeof buf, "%s -> %s", what, strerror(e));
	else
		snprintf(buf, sizeof buf, "%s -> got %ld (%s), want %s", what, r,
			 r == -1 ? strerror(saved) : "success", strerror(e));
	check(r == -1 && saved == e, "%s", buf);
}

static void expect_ok(long r, const char *what)
{
	int saved = errno;
	char buf[256];
	snprintf(buf, sizeof buf, "%s -> %s", what, r >= 0 ? "works" : strerror(saved));
	check(r >= 0, "%s", buf);
}

/* run fn in a fresh child; its exit status is the result (for calls that
 * may fork or crash) */
static int in_child(long (*fn)(void))
{
	pid_t p = fork();
	if (p == 0) {
		errno = 0;
		long r = fn();
		_exit(r == -1 ? (errno & 0x7f) : 100);
	}
	int st;
	if (waitpid(p, &st, 0) < 0)
		return -1;
	if (WIFSIGNALED(st))
		return 200 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static long do_clone_newuser(void)
{
	long r = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (r == 0)
		_exit(0);
	if (r > 0)
		waitpid((pid_t)r, NULL, 0);
	return r;
}

static long do_i386_getpid(void)
{
#if defined(__x86_64__)
	long r = 20; /* i386 __NR_getpid */
	__asm__ volatile("int $0x80" : "+a"(r) : : "memory");
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
#else
	errno = ENOSYS;
	return -1;
#endif
}

static long do_fork(void)
{
	pid_t p = fork();
	if (p == 0)
		_exit(0);
	if (p > 0)
		waitpid(p, NULL, 0);
	return p;
}

static void tests_default(void)
{
	expect_ok(getpid(), "getpid");
	expect_ok(in_child(do_fork) == 100 ? 0 : -1, "fork");
	expect_errno(ptrace(PTRACE_TRACEME, 0, 0, 0), EPERM, "ptrace(PTRACE_TRACEME)");
	expect_errno(syscall(SYS_process_vm_readv, getppid(), 0, 0, 0, 0, 0), EPERM,
		     "process_vm_readv");
	expect_errno(unshare(CLONE_NEWUSER), EPERM, "unshare(CLONE_NEWUSER)");
	expect_errno(unshare(CLONE_FS), EPERM, "unshare(CLONE_FS)");
	expect_errno(setns(0, 0), EPERM, "setns");
	int st = in_child(do_clone_newuser);
	char buf[128];
	snprintf(buf, sizeof buf, "clone(CLONE_NEWUSER) -> EPERM (child status %d)", st);
	check(st == EPERM, "%s", buf);
	expect_errno(syscall(SYS_clone3, NULL, 0), ENOSYS, "clone3");
	expect_errno(syscall(SYS_io_uring_setup, 1, NULL), ENOSYS, "io_uring_setup");
	expect_errno(syscall(SYS_keyctl, 0, 0, 0, 0, 0), EPERM, "keyctl");
	expect_errno(syscall(SYS_add_key, "user", "x", "y", 1, 0), EPERM, "add_key");
	expect_errno(syscall(SYS_bpf, 0, NULL, 0), EPERM, "bpf");
	expect_errno(syscall(SYS_userfaultfd, 0), EPERM, "userfaultfd");
	expect_errno(syscall(SYS_mount, "none", "/mnt", "tmpfs", 0, NULL), EPERM, "mount");
	expect_errno(syscall(SYS_fsopen, "tmpfs", 0), EPERM, "fsopen");
	expect_errno(syscall(SYS_open_tree, -100, "/", 0), EPERM, "open_tree");
	expect_errno(syscall(467, -100, "/", 0, NULL, 0), EPERM,
		     "open_tree_attr (467, unknown to libseccomp 2.5.4)");
	expect_errno(syscall(SYS_chroot, "/"), EPERM, "chroot");
	expect_errno(syscall(SYS_pidfd_getfd, 0, 0, 0), EPERM, "pidfd_getfd");
	expect_errno(syscall(SYS_open_by_handle_at, -100, NULL, 0), EPERM, "open_by_handle_at");

	/* ioctl: the kernel ignores the high half of cmd; so must the filter */
	expect_errno(syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI, "x"), EPERM, "ioctl(TIOCSTI)");
	expect_errno(syscall(SYS_ioctl, 0, (unsigned long)TIOCSTI | (1UL << 32), "x"), EPERM,
		     "ioctl(TIOCSTI | 1<<32)");
	expect_errno(syscall(SYS_ioctl, 0, 0xdeadbeef00000000UL | TIOCLINUX, "x"), EPERM,
		     "ioctl(TIOCLINUX | 0xdeadbeef<<32)");
	expect_errno(syscall(SYS_ioctl, 0, (unsigned long)TIOCLINUX, "x"), EPERM, "ioctl(TIOCLINUX)");
	int fds[2];
	expect_ok(pipe(fds), "pipe");
	int n;
	expect_ok(ioctl(fds[0], FIONREAD, &n), "ioctl(FIONREAD) still works");
	long r = syscall(SYS_ioctl, fds[0], (unsigned long)TIOCSTI + 1, "x");
	snprintf(buf, sizeof buf, "ioctl(TIOCSTI+1) reaches the kernel (%s)",
		 r == -1 ? strerror(errno) : "ok");
	check(!(r == -1 && errno == EPERM), "%s", buf);

	/* sockets, no netns */
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	expect_ok(s, "socket(AF_UNIX)");
	if (s >= 0)
		close(s);
	expect_ok(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), "socketpair(AF_UNIX)");
	expect_errno(socket(AF_INET, SOCK_STREAM, 0), EAFNOSUPPORT, "socket(AF_INET)");
	expect_errno(socket(AF_INET6, SOCK_DGRAM, 0), EAFNOSUPPORT, "socket(AF_INET6)");
	expect_errno(socket(AF_NETLINK, SOCK_RAW, 0), EAFNOSUPPORT, "socket(AF_NETLINK) without netns");
	expect_errno(socket(AF_PACKET, SOCK_RAW, 0), EAFNOSUPPORT, "socket(AF_PACKET)");
	expect_errno(socket(0, SOCK_STREAM, 0), EAFNOSUPPORT, "socket(AF_UNSPEC)");
	expect_errno(syscall(SYS_socket, (1UL << 32) | AF_INET, SOCK_STREAM, 0), EAFNOSUPPORT,
		     "socket(1<<32 | AF_INET)");
	expect_errno(socketpair(AF_INET, SOCK_STREAM, 0, fds), EAFNOSUPPORT, "socketpair(AF_INET)");

	/* foreign ABIs */
	expect_errno(syscall(0x40000000 | SYS_getpid), ENOSYS, "x32 getpid (0x40000000|39)");
	expect_errno(syscall(0x40000000 | SYS_ptrace, PTRACE_TRACEME, 0, 0, 0), ENOSYS, "x32 ptrace");
	st = in_child(do_i386_getpid);
	snprintf(buf, sizeof buf, "i386 int 0x80 getpid -> ENOSYS (child status %d)", st);
	check(st == ENOSYS, "%s", buf);

	/* seccomp: stacking plain filters is fine, a new listener is not */
	struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	struct sock_fprog prog = { .len = 1, .filter = &allow };
	expect_errno(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			     &prog), EPERM, "seccomp(SET_MODE_FILTER, NEW_LISTENER)");
	expect_errno(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER | (1UL << 32),
			     SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_TSYNC | (1UL << 40),
			     &prog), EPERM, "seccomp(SET_MODE_FILTER|1<<32, NEW_LISTENER|TSYNC|1<<40)");
	expect_ok(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog),
		  "seccomp(SET_MODE_FILTER, 0) stacks");

	/* personality: only the query and PER_LINUX */
	expect_ok(personality(0xffffffff), "personality(0xffffffff) query");
	expect_ok(personality(PER_LINUX), "personality(PER_LINUX)");
	expect_ok(syscall(SYS_personality, 0xffffffffffffffffUL), "personality(-1 as long)");
	expect_errno(personality(PER_LINUX32), EPERM, "personality(PER_LINUX32)");
	expect_errno(personality(ADDR_NO_RANDOMIZE), EPERM, "personality(ADDR_NO_RANDOMIZE)");
	expect_errno(personality(0xfffffffe), EPERM, "personality(0xfffffffe)");
	expect_errno(personality(0x7fffffff), EPERM, "personality(0x7fffffff)");
	int bad = 0;
	for (int b = 0; b < 32; b++)
		if (!(syscall(SYS_personality, 1UL << b) == -1 && errno == EPERM))
			bad++;
	check(bad == 0, "personality(1<<b) denied for every bit b");
	bad = 0;
	for (int b = 0; b < 32; b++)
		if (!(syscall(SYS_personality, 0xffffffffUL & ~(1UL << b)) == -1 && errno == EPERM))
			bad++;
	check(bad == 0, "personality(~(1<<b)) denied for every bit b");
	expect_ok(personality(0xffffffff), "personality still PER_LINUX afterwards");
	check(personality(0xffffffff) == PER_LINUX, "personality is PER_LINUX");
}

static void tests_netns(void)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	expect_ok(s, "netns: socket(AF_INET)");
	if (s >= 0)
		close(s);
	s = socket(AF_INET6, SOCK_DGRAM, 0);
	expect_ok(s, "netns: socket(AF_INET6)");
	if (s >= 0)
		close(s);
	s = socket(AF_NETLINK, SOCK_RAW, 0);
	expect_ok(s, "netns: socket(AF_NETLINK)");
	if (s >= 0)
		close(s);
	expect_errno(socket(AF_PACKET, SOCK_RAW, 0), EAFNOSUPPORT, "netns: socket(AF_PACKET)");
	expect_errno(socket(AF_VSOCK, SOCK_STREAM, 0), EAFNOSUPPORT, "netns: socket(AF_VSOCK)");
	expect_errno(socket(3, SOCK_STREAM, 0), EAFNOSUPPORT, "netns: socket(AF_AX25)");
	int fds[2];
	expect_errno(socketpair(AF_INET, SOCK_STREAM, 0, fds), EAFNOSUPPORT, "netns: socketpair(AF_INET)");
}

static void tests_network(void)
{
	int s = socket(AF_PACKET, SOCK_RAW, 0);
	check(!(s < 0 && errno == EAFNOSUPPORT), "network: socket(AF_PACKET) reaches the kernel");
	s = socket(AF_INET, SOCK_STREAM, 0);
	expect_ok(s, "network: socket(AF_INET)");
}

/* ip_logged (seccomp_filter.c): the child closed the listener, so a call
 * the filter notifies fails with ENOSYS; one it allows reaches the kernel.
 * The socket()s refused by the family/type/protocol rules are notified too
 * (ENOSYS here, EAFNOSUPPORT from the supervisor). */
static bool ip_udp_on;

static void tests_ip_logged(void)
{
	const char *tag = ip_udp_on ? "tcp+udp" : "tcp";
	char what[128];
	int t = socket(AF_INET, SOCK_STREAM, 0);
	snprintf(what, sizeof what, "%s: socket(AF_INET, SOCK_STREAM)", tag);
	expect_ok(t, what);
	int t6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_TCP);
	snprintf(what, sizeof what, "%s: socket(AF_INET6, SOCK_STREAM|flags, IPPROTO_TCP)", tag);
	expect_ok(t6, what);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	snprintf(what, sizeof what, "%s: socket(AF_INET, SOCK_DGRAM)", tag);
	if (ip_udp_on)
		expect_ok(u, what);
	else
		expect_errno(u, ENOSYS, what);
	static const struct {
		int fam, type, proto;
		const char *what;
	} refused[] = {
		{ AF_INET, SOCK_RAW, IPPROTO_TCP, "SOCK_RAW" },
		{ AF_INET, SOCK_SEQPACKET, 0, "SOCK_SEQPACKET" },
		{ AF_INET, SOCK_PACKET, 0, "SOCK_PACKET" },
		{ AF_INET, SOCK_STREAM, 132, "IPPROTO_SCTP" },
		{ AF_INET6, SOCK_STREAM, 262, "IPPROTO_MPTCP" },
		{ AF_INET, SOCK_DGRAM, IPPROTO_ICMP, "ping socket" },
		{ AF_INET6, SOCK_DGRAM, 136, "IPPROTO_UDPLITE" },
		{ AF_INET, SOCK_STREAM, 5, "protocol 5" },
		{ AF_NETLINK, SOCK_RAW, 0, "AF_NETLINK" },
		{ AF_PACKET, SOCK_RAW, 0, "AF_PACKET" },
	};
	for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
		snprintf(what, sizeof what, "%s: socket(%s) notified", tag, refused[i].what);
		expect_errno(socket(refused[i].fam, refused[i].type, refused[i].proto), ENOSYS, what);
	}
	/* the kernel reads the protocol as an int: high bits cannot smuggle SCTP
	 * past the rules, nor hide TCP from them (fail closed) */
	snprintf(what, sizeof what, "%s: socket(AF_INET, SOCK_STREAM, 1<<32 | IPPROTO_TCP)", tag);
	expect_errno(syscall(SYS_socket, AF_INET, SOCK_STREAM, (1UL << 32) | IPPROTO_TCP), ENOSYS, what);
	snprintf(what, sizeof what, "%s: socket(1<<32 | AF_INET)", tag);
	expect_errno(syscall(SYS_socket, (1UL << 32) | AF_INET, SOCK_STREAM, 0), ENOSYS, what);

	/* what reaches the network from an unconnected socket goes to the supervisor */
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	snprintf(what, sizeof what, "%s: connect notified", tag);
	expect_errno(connect(t, (struct sockaddr *)&sin, sizeof sin), ENOSYS, what);
	snprintf(what, sizeof what, "%s: bind notified", tag);
	expect_errno(bind(t, (struct sockaddr *)&sin, sizeof sin), ENOSYS, what);
	snprintf(what, sizeof what, "%s: listen notified", tag);
	expect_errno(listen(t, 1), ENOSYS, what);
	snprintf(what, sizeof what, "%s: sendto with an address notified", tag);
	expect_errno(sendto(t, "x", 1, 0, (struct sockaddr *)&sin, sizeof sin), ENOSYS, what);
	snprintf(what, sizeof what, "%s: sendto(MSG_FASTOPEN) without an address notified", tag);
	expect_errno(sendto(t, "x", 1, MSG_FASTOPEN, NULL, 0), ENOSYS, what);
	struct iovec iov = { "x", 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	snprintf(what, sizeof what, "%s: sendmsg notified", tag);
	expect_errno(sendmsg(t, &mh, 0), ENOSYS, what);
	/* send() names no destination: the kernel's own answer, not notified */
	long r = send(t, "x", 1, MSG_NOSIGNAL);
	snprintf(what, sizeof what, "%s: send() on an unconnected socket reaches the kernel (%s)", tag,
		 r < 0 ? strerror(errno) : "sent?");
	check(r < 0 && errno != ENOSYS, "%s", what);
	int fds[2];
	snprintf(what, sizeof what, "%s: socketpair(AF_INET)", tag);
	expect_errno(socketpair(AF_INET, SOCK_STREAM, 0, fds), ENOSYS, what);
}

/* The kernel's seccomp action cache (Linux >= 5.11, seccomp_is_const_allow):
 * when a filter is attached, the kernel emulates it for each syscall number
 * with unknown arguments, and numbers that always reach RET ALLOW skip the
 * filter from then on.  Only loads of nr and arch, JA, JEQ/JGE/JGT/JSET with
 * K, AND with K and RET K are understood; a load of an argument or of
 * instruction_pointer, or any other instruction, on the path makes that
 * number run the whole filter at every call.  Same rules here. */
static bool const_allow(const struct sock_filter *f, size_t len, uint32_t nr, uint32_t arch)
{
	uint32_t reg = 0;
	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *i = &f[pc];
		bool r;
		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (i->k == offsetof(struct seccomp_data, nr))
				reg = nr;
			else if (i->k == offsetof(struct seccomp_data, arch))
				reg = arch;
			else
				return false;
			continue;
		case BPF_RET | BPF_K:
			return i->k == SECCOMP_RET_ALLOW;
		case BPF_JMP | BPF_JA:
			pc += i->k;
			continue;
		case BPF_JMP | BPF_JEQ | BPF_K: r = reg == i->k; break;
		case BPF_JMP | BPF_JGE | BPF_K: r = reg >= i->k; break;
		case BPF_JMP | BPF_JGT | BPF_K: r = reg > i->k; break;
		case BPF_JMP | BPF_JSET | BPF_K: r = reg & i->k; break;
		case BPF_ALU | BPF_AND | BPF_K:
			reg &= i->k;
			continue;
		default:
			return false;
		}
		pc += r ? i->jt : i->jf;
	}
	return false; /* ran off the end */
}

/* ctx's BPF, as seccomp_load would hand it to the kernel; NULL on error */
static struct sock_filter *export_bpf(scmp_filter_ctx ctx, size_t *len)
{
	FILE *f = tmpfile();
	struct sock_filter *prog = NULL;
	long size;
	if (!f || seccomp_export_bpf(ctx, fileno(f)) < 0 || (size = lseek(fileno(f), 0, SEEK_END)) <= 0 ||
	    !(prog = malloc(size)) || pread(fileno(f), prog, size, 0) != size) {
		free(prog);
		prog = NULL;
	}
	if (f)
		fclose(f);
	*len = prog ? (size_t)size / sizeof *prog : 0;
	return prog;
}

/* The hot calls of builds (fcntl, close, getdents64, fstat & co. are most of
 * a `find` or a compile) must stay in the action cache in every variant of
 * the filter: otherwise each of them runs the whole filter (~20 ns per call
 * here, measured).  The stat calls are cacheable unless the probes inspect
 * their dirfd. */
static void tests_cacheable(const char *tag, const struct scf_opts *o)
{
	static const char *const hot[] = {
		"read",        "write",     "close",          "fstat",        "lseek",
		"mmap",        "mprotect",  "munmap",         "brk",          "rt_sigaction",
		"rt_sigprocmask", "rt_sigreturn", "pread64",  "pwrite64",     "readv",
		"writev",      "pipe2",     "dup",            "dup2",         "dup3",
		"getpid",      "gettid",    "getppid",        "fcntl",        "getdents64",
		"futex",       "exit",      "exit_group",     "wait4",        "poll",
		"ppoll",       "epoll_wait", "madvise",       "getrandom",    "set_robust_list",
		"newfstatat",  "statx",     "getcwd",         "sched_yield",  "clock_nanosleep",
	};
	scmp_filter_ctx ctx;
	struct bsbox_err err = { 0 };
	if (scf_build(o, &ctx, &err) < 0) {
		check(0, "%s: scf_build: %s", tag, err.msg);
		return;
	}
	size_t len;
	struct sock_filter *prog = export_bpf(ctx, &len);
	seccomp_release(ctx);
	check(prog != NULL, "%s: seccomp_export_bpf", tag);
	if (!prog)
		return;
	for (size_t i = 0; i < sizeof hot / sizeof *hot; i++) {
		int nr = seccomp_syscall_resolve_name(hot[i]);
		bool stat = !strcmp(hot[i], "newfstatat") || !strcmp(hot[i], "statx");
		if (nr < 0 || (stat && o->probes))
			continue;
		check(const_allow(prog, len, (uint32_t)nr, seccomp_arch_native()),
		      "%s: %s is in the kernel's action cache", tag, hot[i]);
	}
	/* the emulation itself: an open that may be notified depends on its flags */
	if (o->notify_paths)
		check(!const_allow(prog, len, SYS_openat, seccomp_arch_native()),
		      "%s: openat is not (its flags decide)", tag);
	free(prog);
}

static int run(const struct scf_opts *o, void (*fn)(void))
{
	scmp_filter_ctx ctx;
	struct bsbox_err err = { 0 };
	if (scf_build(o, &ctx, &err) < 0) {
		printf("not ok - scf_build: %s\n", err.msg);
		return 1;
	}
	fflush(stdout);
	pid_t p = fork();
	if (p == 0) {
		int rc = seccomp_load(ctx);
		if (rc < 0) {
			printf("not ok - seccomp_load: %s\n", strerror(-rc));
			_exit(120);
		}
		if (o->notify)
			close(seccomp_notify_fd(ctx)); /* no listener: notified calls get ENOSYS */
		passed = failed = 0;
		fn();
		fflush(stdout);
		_exit(failed > 100 ? 100 : failed);
	}
	seccomp_release(ctx);
	int st;
	waitpid(p, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 100;
}

/* the children print their own lines; count them from a pipe instead of
 * sharing counters */
static void run_counted(const struct scf_opts *o, void (*fn)(void), int *npass, int *nfail)
{
	int pfd[2];
	fflush(stdout);
	if (pipe(pfd) < 0) {
		(*nfail)++;
		return;
	}
	int saved = dup(1);
	dup2(pfd[1], 1);
	close(pfd[1]);
	pid_t p = fork();
	if (p == 0) {
		close(pfd[0]);
		_exit(run(o, fn));
	}
	dup2(saved, 1);
	close(saved);
	FILE *f = fdopen(pfd[0], "r");
	char line[512];
	while (f && fgets(line, sizeof line, f)) {
		fputs(line, stdout);
		if (!strncmp(line, "ok - ", 5))
			(*npass)++;
		else if (!strncmp(line, "not ok - ", 9))
			(*nfail)++;
	}
	if (f)
		fclose(f);
	int st;
	waitpid(p, &st, 0);
	if (!WIFEXITED(st) || (WEXITSTATUS(st) != 0 && *nfail == 0))
		(*nfail)++; /* crashed or failed without saying so */
}

int main(void)
{
	struct scf_opts o = { 0 };
	int npass = 0, nfail = 0;
	run_counted(&o, tests_default, &npass, &nfail);
	o.have_netns = true;
	run_counted(&o, tests_netns, &npass, &nfail);
	o.network = true;
	run_counted(&o, tests_network, &npass, &nfail);
	o = (struct scf_opts){ .notify = true, .ip_tcp = true };
	run_counted(&o, tests_ip_logged, &npass, &nfail);
	o.ip_udp = ip_udp_on = true;
	run_counted(&o, tests_ip_logged, &npass, &nfail);

	passed = failed = 0;
	check(scf_deny_errno(SYS_io_uring_enter) == ENOSYS, "scf_deny_errno(io_uring_enter) == ENOSYS");
	check(scf_deny_errno(SYS_clone3) == ENOSYS, "scf_deny_errno(clone3) == ENOSYS");
	check(scf_deny_errno(SYS_socket) == EAFNOSUPPORT, "scf_deny_errno(socket) == EAFNOSUPPORT");
	check(scf_deny_errno(SYS_ptrace) == EPERM, "scf_deny_errno(ptrace) == EPERM");

	/* the notify variant builds (notify_test loads it) */
	o = (struct scf_opts){ .notify = true, .notify_paths = true, .have_netns = true };
	scmp_filter_ctx ctx = NULL;
	struct bsbox_err err = { 0 };
	check(scf_build(&o, &ctx, &err) == 0, "scf_build(notify, notify_paths, netns)");
	if (ctx)
		seccomp_release(ctx);

	/* the variants sandbox.c builds: unsupervised, supervised with or
	 * without a FUSE root (reads_free) or the probes, counting forks,
	 * tracing; without a netns, with IP sockets behind kernel layers */
	static const struct {
		const char *tag;
		struct scf_opts o;
	} variants[] = {
		{ "unsupervised", { .have_netns = true } },
		{ "unsupervised, no netns", { 0 } },
		{ "full", { .have_netns = true, .notify = true, .notify_paths = true } },
		{ "full, FUSE root",
		  { .have_netns = true, .notify = true, .notify_paths = true, .reads_free = true } },
		{ "full, probes",
		  { .have_netns = true, .notify = true, .notify_paths = true, .probes = true } },
		{ "full, forks, trace",
		  { .have_netns = true, .notify = true, .notify_paths = true, .reads_free = true,
		    .notify_forks = true, .trace_net = true } },
		{ "no netns, IP logged",
		  { .notify = true, .notify_paths = true, .ip_tcp = true, .ip_udp = true,
		    .notify_forks = true } },
	};
	for (size_t i = 0; i < sizeof variants / sizeof *variants; i++)
		tests_cacheable(variants[i].tag, &variants[i].o);
	/* and it sees an argument check in front of the dispatch */
	struct sock_filter arg_first[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	check(!const_allow(arg_first, 2, SYS_getpid, seccomp_arch_native()),
	      "an argument load makes a call uncacheable");

	passed += npass;
	failed += nfail;
	return tap_done();
}
