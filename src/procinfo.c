/* /proc forensics and the target's memory, for the supervisor (notify.c,
 * notify_net.c, supervise.c): what a notified process passed and who it is.
 * Everything here reads another process; nothing decides. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cleanup.h"
#include "procinfo.h"
#include "util.h"

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
ssize_t procinfo_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
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

int procinfo_read_string(pid_t pid, uint64_t addr, char *buf, size_t size)
{
	ssize_t r = procinfo_mem_read(pid, addr, buf, size);
	if (r < 0)
		return (int)r;
	if (!memchr(buf, '\0', (size_t)r))
		return (size_t)r == size ? -ENAMETOOLONG : -EFAULT;
	return 0;
}

/* readlink /proc/PID/<what>; only absolute results are useful */
int procinfo_link(pid_t pid, const char *what, char *buf, size_t size)
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
int procinfo_path_resolve(pid_t pid, int dirfd, const char *rel, bool empty_ok, char *out,
			  size_t outlen)
{
	char base[PATH_MAX], joined[2 * PATH_MAX + 2];
	if (rel[0] == '/')
		return util_path_normalise(rel, out, outlen);
	if (rel[0] == '\0' && !empty_ok)
		return -ENOENT;
	int rc;
	if (dirfd == AT_FDCWD) {
		rc = procinfo_link(pid, "cwd", base, sizeof base);
	} else {
		char what[32];
		snprintf(what, sizeof what, "fd/%d", dirfd);
		rc = procinfo_link(pid, what, base, sizeof base);
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

/* Parent pid and, with nnp_seccomp, whether the task runs with
 * no_new_privs and a seccomp filter (what every sandboxed process has). */
pid_t procinfo_parent(pid_t pid, bool *nnp_seccomp)
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
pid_t procinfo_host_tid(pid_t top, pid_t nspid)
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
int procinfo_read_syscall(pid_t tid, struct seccomp_data *d)
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

