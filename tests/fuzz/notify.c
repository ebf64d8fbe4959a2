/* Fuzz target: the seccomp-notify supervisor's argument decoders
 * (src/supervise.c, notify.c, notify_net.c, pathdecide.c): the paths, flags,
 * open_how, sockaddrs, msghdrs and raw arguments a sandboxed process hands
 * to a notified syscall, and the events and report built from them.
 *
 * The seam is at link time, not in the source: the Makefile links this
 * target against copies of the objects in which process_vm_readv,
 * readlink, ioctl and poll are renamed fuzz_* (objcopy --redefine-sym), and
 * the fakes below stand in for the kernel.  notify_supervise then runs its
 * real loop: poll says the notify fd is readable, the RECV ioctl delivers
 * the fuzzer's notification, process_vm_readv reads the fuzzer's "target
 * memory", readlink of /proc/PID/{cwd,fd/N,exe} gives the fuzzer's links,
 * and the SEND ioctl checks the answer.  Nothing reaches a real process
 * (PID is above pid_max), and a real file is only ever lstat'ed.
 *
 * Input: a flag byte (bit 0 audit, bit 1 a network namespace, bit 2 no
 * policy, bit 3 ID_VALID says the target is gone, bits 4-5 one to four
 * notifications, bit 6 the i386 arch), then per notification a syscall
 * selector (an index into `names`, else the raw number), a mask of the
 * arguments that point into the target's memory (as offsets) and six
 * 64-bit arguments; then the cwd link and the dirfd link, NUL-terminated;
 * the rest is the target's memory, readable up to the end of its page.
 * tests/fuzz/seeds.py writes the seeds in this layout. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <seccomp.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "fuzz.h"
#include "notify.h"
#include "policy.h"
#include "report.h"

ssize_t fuzz_process_vm_readv(pid_t pid, const struct iovec *local, unsigned long liovcnt,
			      const struct iovec *remote, unsigned long riovcnt, unsigned long flags);
ssize_t fuzz_readlink(const char *path, char *buf, size_t size);
int fuzz_ioctl(int fd, unsigned long req, ...);
int fuzz_poll(struct pollfd *fds, nfds_t n, int timeout);

#define FAKE_PID 0x3ffffff0 /* above any pid_max: no such process */
#define FAKE_FD 9999
#define MEM_BASE 0x7f0000001000ULL
#define PAGE 4096

static const char *const names[] = {
	"open", "openat", "openat2", "creat", "execve", "execveat", "mkdir", "rmdir",
	"unlink", "chmod", "truncate", "mknod", "mkdirat", "unlinkat", "fchmodat",
	"fchmodat2", "mknodat", "rename", "renameat", "renameat2", "link", "linkat",
	"symlink", "symlinkat", "connect", "bind", "sendto", "sendmsg", "sendmmsg",
	"socket", "socketpair", "ptrace", "clone", "unshare", "ioctl", "mount", "bpf",
	"keyctl", "clone3", "io_uring_setup",
	/* decoded from the syscall table (src/syscalls.c): strings, names, flag sets */
	"personality", "name_to_handle_at", "add_key", "move_mount", "seccomp",
};
#define NNAMES (sizeof names / sizeof *names)

/* One input being served. */
static struct {
	struct seccomp_notif notifs[4];
	int nnotifs, next, answered;
	bool stale;
	const char *cwd, *dirlink;
	unsigned char *mem; /* the target's memory, padded to whole pages */
	size_t memsize;
} in;

static int nrs[NNAMES];
static struct policy *policy;
static int devnull = -1;

static const char *lookup(const char *name, void *ud)
{
	(void)ud;
	if (!strcmp(name, "HOME"))
		return "/home/u";
	if (!strcmp(name, "CARGO_MANIFEST_DIR"))
		return "/home/u/src/foo";
	if (!strcmp(name, "OUT_DIR"))
		return "/home/u/src/foo/target/debug/build/foo-0123/out";
	if (!strcmp(name, "TMPDIR"))
		return "/tmp";
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	for (size_t i = 0; i < NNAMES; i++) {
		nrs[i] = seccomp_syscall_resolve_name(names[i]);
		if (nrs[i] == __NR_SCMP_ERROR)
			nrs[i] = !strcmp(names[i], "fchmodat2") ? 452 : !strcmp(names[i], "clone3") ? 435 : 425;
	}
	struct bsbox_err err = { 0 };
	policy = policy_new_default();
	FUZZ_CHECK(policy && policy_expand(policy, lookup, NULL, &err) == 0);
	/* FUZZ_NOTIFY_LOG=FILE keeps the events, to see what a seed decodes to */
	const char *keep = getenv("FUZZ_NOTIFY_LOG");
	devnull = keep ? open(keep, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)
		       : open("/dev/null", O_WRONLY | O_CLOEXEC);
	FUZZ_CHECK(devnull >= 0);
	return 0;
}

/* ---- the fakes ------------------------------------------------------------ */

ssize_t fuzz_process_vm_readv(pid_t pid, const struct iovec *local, unsigned long liovcnt,
			      const struct iovec *remote, unsigned long riovcnt, unsigned long flags)
{
	FUZZ_CHECK(pid == FAKE_PID && liovcnt == 1 && flags == 0);
	size_t got = 0;
	/* like the kernel: whole remote elements, stopping at the first that
	 * is not entirely readable */
	for (unsigned long i = 0; i < riovcnt; i++) {
		uint64_t a = (uintptr_t)remote[i].iov_base;
		size_t n = remote[i].iov_len;
		if (a < MEM_BASE || a - MEM_BASE > in.memsize || n > in.memsize - (a - MEM_BASE))
			break;
		FUZZ_CHECK(got + n <= local[0].iov_len);
		memcpy((char *)local[0].iov_base + got, in.mem + (a - MEM_BASE), n);
		got += n;
	}
	if (got == 0) {
		errno = EFAULT;
		return -1;
	}
	return (ssize_t)got;
}

ssize_t fuzz_readlink(const char *path, char *buf, size_t size)
{
	char pre[32];
	snprintf(pre, sizeof pre, "/proc/%d/", FAKE_PID);
	if (strncmp(path, pre, strlen(pre)) != 0)
		return readlink(path, buf, size);
	const char *what = path + strlen(pre), *val;
	if (!strcmp(what, "cwd"))
		val = in.cwd;
	else if (!strncmp(what, "fd/", 3))
		val = in.dirlink;
	else if (!strcmp(what, "exe"))
		val = "/usr/bin/cc";
	else
		val = "";
	size_t n = strlen(val);
	if (n == 0) {
		errno = ENOENT;
		return -1;
	}
	if (n > size)
		n = size;
	memcpy(buf, val, n);
	return (ssize_t)n;
}

int fuzz_ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (fd != FAKE_FD)
		return ioctl(fd, req, arg);
	if (req == SECCOMP_IOCTL_NOTIF_RECV) {
		if (in.next >= in.nnotifs) {
			errno = ENOENT;
			return -1;
		}
		memcpy(arg, &in.notifs[in.next++], sizeof in.notifs[0]);
		return 0;
	}
	if (req == SECCOMP_IOCTL_NOTIF_ID_VALID) {
		if (in.stale) {
			errno = ENOENT;
			return -1;
		}
		return 0;
	}
	if (req == SECCOMP_IOCTL_NOTIF_SEND) {
		const struct seccomp_notif_resp *r = arg;
		const struct seccomp_notif *n = &in.notifs[in.next - 1];
		FUZZ_CHECK(in.answered == in.next - 1); /* one answer per notification */
		FUZZ_CHECK(r->id == n->id);
		if (r->flags == SECCOMP_USER_NOTIF_FLAG_CONTINUE)
			FUZZ_CHECK(r->error == 0 && r->val == 0);
		else
			FUZZ_CHECK(r->flags == 0 && r->error < 0 && r->error > -4096);
		in.answered++;
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

int fuzz_poll(struct pollfd *fds, nfds_t n, int timeout)
{
	if (n == 0 || fds[0].fd != FAKE_FD)
		return poll(fds, n, timeout);
	for (nfds_t i = 0; i < n; i++)
		fds[i].revents = 0;
	if (n == 1)
		return 0; /* the drain after the sandbox ended: nothing queued */
	if (in.next < in.nnotifs)
		fds[0].revents = POLLIN;
	else
		fds[1].revents = POLLIN; /* then the sandbox ends */
	return 1;
}

/* ---- the input ------------------------------------------------------------ */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned flags = data[0];
	data++;
	size--;
	memset(&in, 0, sizeof in);
	in.stale = flags & 8;
	int want = (int)((flags >> 4) & 3) + 1;
	const uint8_t *hdr = data;
	size_t hdrlen = 0;
	for (int i = 0; i < want && size - hdrlen >= 50; i++)
		hdrlen += 50, in.nnotifs++;
	data += hdrlen;
	size -= hdrlen;

	/* the two links, then the memory (copied so ASan sees overreads) */
	char *rest = malloc(size + 2);
	FUZZ_CHECK(rest != NULL);
	memcpy(rest, data, size);
	rest[size] = rest[size + 1] = '\0';
	in.cwd = rest;
	in.dirlink = in.cwd + strlen(in.cwd) + 1;
	const char *memstart = in.dirlink < rest + size ? in.dirlink + strlen(in.dirlink) + 1 : rest + size + 1;
	size_t memlen = memstart < rest + size ? (size_t)(rest + size - memstart) : 0;
	in.memsize = (memlen + PAGE - 1) / PAGE * PAGE;
	in.mem = calloc(1, in.memsize ? in.memsize : 1);
	FUZZ_CHECK(in.mem != NULL);
	memcpy(in.mem, memstart, memlen);

	for (int i = 0; i < in.nnotifs; i++) {
		const uint8_t *h = hdr + 50 * i;
		struct seccomp_notif *n = &in.notifs[i];
		n->id = 0x1000 + (uint64_t)i;
		n->pid = FAKE_PID;
		n->data.nr = h[0] < NNAMES ? nrs[h[0]] : h[0];
		n->data.arch = flags & 0x40 ? SCMP_ARCH_X86 : SCMP_ARCH_X86_64;
		for (int a = 0; a < 6; a++) {
			uint64_t v;
			memcpy(&v, h + 2 + 8 * a, sizeof v);
			/* a pointer lands in the memory or just past it */
			n->data.args[a] = h[1] & (1u << a) ? MEM_BASE + v % (in.memsize + 64) : v;
		}
	}

	struct evlog log = { .fd = devnull, .crate = "fuzz", .version = "1.0.0" };
	struct report report = { .crate = "fuzz" };
	struct notify_ctx ctx = {
		.policy = flags & 4 ? NULL : policy,
		.audit = flags & 1,
		.have_netns = flags & 2,
		.log = &log,
		.report = &report,
		.pidfd = -1,
		.sigfd = -1,
	};
	struct bsbox_err err = { 0 };
	int rc = notify_supervise(&ctx, FAKE_FD, &err);
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(in.answered == in.nnotifs);
	FILE *out = fdopen(dup(devnull), "w");
	FUZZ_CHECK(out != NULL);
	report_print(&report, out, ctx.audit, NULL);
	fclose(out);
	report_free(&report);
	free(in.mem);
	free(rest);
	return 0;
}
