/* The libbpf side.
 *
 * Probe: is the BPF LSM active (lsm_list_modules(2), Linux 6.8, readable by
 * anyone; else /sys/kernel/security/lsm, mounting securityfs in a private
 * mount namespace when it is not mounted), can this user load tracing
 * programs (CAP_BPF + CAP_PERFMON or CAP_SYS_ADMIN; Debian ships
 * kernel.unprivileged_bpf_disabled=2), is there BTF, was bsbox built with
 * the programs.
 *
 * Tracer: the skeleton of src/bpf/trace.bpf.c, loaded in the supervisor
 * before the sandbox starts; the supervisor adds CMD's pid before CMD execs
 * (ebpf_tracer_follow), the programs add its descendants at fork.  A thread
 * drains the ring buffer into the trace file: the supervisor's poll loop
 * (notify.c) stays as it is, and a traced process never waits for us. */
#define _GNU_SOURCE
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/types.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "ebpf.h"

#ifdef BSBOX_HAVE_BPF
#include "bpf/trace_event.h"
#include "trace.skel.h"
#include "trace_btf.h"
#endif

#ifndef SYS_lsm_list_modules
#define SYS_lsm_list_modules 461 /* the same number on every architecture */
#endif
#define LSM_ID_BPF 109           /* include/uapi/linux/lsm.h */

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

bool ebpf_lsm_list_has_bpf(const char *list)
{
	for (const char *p = list; p && *p;) {
		size_t n = strcspn(p, ",\n");
		if (n == 3 && strncmp(p, "bpf", 3) == 0)
			return true;
		p += n;
		p += strspn(p, ",\n");
	}
	return false;
}

static int read_small(const char *path, char *buf, size_t size)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, buf, size - 1);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/* 1 active, 0 not, -1 unknown. */
static int lsm_bpf_active(const char **how)
{
	uint64_t ids[64];
	uint32_t size = sizeof ids;
	long n = syscall(SYS_lsm_list_modules, ids, &size, 0);
	if (n >= 0) {
		*how = "lsm_list_modules(2)";
		for (long i = 0; i < n; i++)
			if (ids[i] == LSM_ID_BPF)
				return 1;
		return 0;
	}
	char buf[512];
	*how = "/sys/kernel/security/lsm";
	if (read_small("/sys/kernel/security/lsm", buf, sizeof buf) == 0)
		return ebpf_lsm_list_has_bpf(buf);
	/* securityfs not mounted here: mount it where nobody else sees it */
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		char r = '?';
		if (unshare(CLONE_NEWNS) == 0 && mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
		    mount("securityfs", "/sys/kernel/security", "securityfs", 0, NULL) == 0 &&
		    read_small("/sys/kernel/security/lsm", buf, sizeof buf) == 0)
			r = ebpf_lsm_list_has_bpf(buf) ? 'y' : 'n';
		(void)!write(pfd[1], &r, 1);
		_exit(0);
	}
	close(pfd[1]);
	char r = '?';
	if (pid > 0) {
		(void)!read(pfd[0], &r, 1);
		waitpid(pid, NULL, 0);
	}
	close(pfd[0]);
	*how = "/sys/kernel/security/lsm (securityfs mounted privately)";
	return r == 'y' ? 1 : r == 'n' ? 0 : -1;
}

/* Effective capabilities from /proc/self/status. */
static uint64_t cap_eff(void)
{
	char buf[4096];
	if (read_small("/proc/self/status", buf, sizeof buf) < 0)
		return 0;
	const char *p = strstr(buf, "\nCapEff:");
	return p ? strtoull(p + 8, NULL, 16) : 0;
}

void ebpf_probe(struct ebpf_caps *c)
{
	ebpf_probe_trace(c);
	c->lsm_active = lsm_bpf_active(&c->lsm_how) == 1;
	c->lsm = c->lsm_active && c->privileged;
}

void ebpf_probe_trace(struct ebpf_caps *c)
{
	memset(c, 0, sizeof *c);
	libbpf_print_fn_t old = libbpf_set_print(quiet);
	c->socket_filter = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_SOCKET_FILTER, NULL) == 1;
	libbpf_set_print(old);
	uint64_t eff = cap_eff();
	const uint64_t sys_admin = 1ULL << 21, perfmon = 1ULL << 38, bpf = 1ULL << 39;
	c->privileged = (eff & sys_admin) || ((eff & bpf) && (eff & perfmon));
	c->btf = access("/sys/kernel/btf/vmlinux", R_OK) == 0;
#ifdef BSBOX_HAVE_BPF
	c->built = true;
#endif
	if (!c->built)
		snprintf(c->why_not, sizeof c->why_not,
			 "bsbox was built without the BPF programs (needs clang, bpftool and "
			 "/sys/kernel/btf/vmlinux at build time)");
#ifndef __x86_64__
	else if (true)
		snprintf(c->why_not, sizeof c->why_not,
			 "the BPF programs know x86_64's syscall numbers only");
#endif
	else if (!c->btf)
		snprintf(c->why_not, sizeof c->why_not,
			 "the kernel has no BTF (/sys/kernel/btf/vmlinux; CONFIG_DEBUG_INFO_BTF=y)");
	else if (!c->privileged)
		snprintf(c->why_not, sizeof c->why_not,
			 "this user lacks CAP_BPF + CAP_PERFMON (run as root, or grant them)");
	c->trace = c->why_not[0] == '\0';
}

#ifdef BSBOX_HAVE_BPF

__attribute__((format(printf, 2, 0))) static int loud(enum libbpf_print_level level,
							const char *fmt, va_list ap)
{
	(void)level;
	return vfprintf(stderr, fmt, ap);
}

libbpf_print_fn_t ebpf_libbpf_print(bool debug)
{
	return libbpf_set_print(debug ? loud : quiet);
}

int ebpf_min_btf(char *path, size_t len)
{
	char notes[1024];
	cleanup_close int nfd = open("/sys/kernel/notes", O_RDONLY | O_CLOEXEC);
	ssize_t nn = nfd >= 0 ? read(nfd, notes, sizeof notes) : -1;
	if (nn != (ssize_t)sizeof trace_btf_kernel_notes ||
	    memcmp(notes, trace_btf_kernel_notes, sizeof trace_btf_kernel_notes) != 0)
		return -1;
	int bfd = memfd_create("bsbox-bpf-btf", MFD_CLOEXEC);
	if (bfd < 0)
		return -1;
	if (write(bfd, trace_min_btf, sizeof trace_min_btf) != (ssize_t)sizeof trace_min_btf) {
		close(bfd);
		return -1;
	}
	snprintf(path, len, "/proc/self/fd/%d", bfd);
	return bfd;
}

struct ebpf_tracer {
	struct trace_bpf *skel;
	struct ring_buffer *rb;
	struct trace *out;
	struct ebpf_reader reader;
	struct tr_event *ev; /* on_event's copy of the record */
	int rootfd;          /* the sandbox's root (O_PATH), to follow symlinks in it
	                        after the process that opened them is gone */
	int hostfd;          /* the host's root: once the sandbox has ended its
	                        bind mounts are gone from rootfd, but the tree
	                        mirrors host paths, so a bound symlink reads the same */
};

/* comp[] holds the leaf first: join it root first. */
static void join_comps(char comp[TR_COMP][TR_COMPLEN], __u32 ncomp, char *out, size_t outlen)
{
	size_t k = 0;
	__u32 n = ncomp & 0xff; /* the count; flags above */
	if (n > TR_COMP)
		n = TR_COMP;
	out[0] = '\0';
	if (ncomp & TR_COMP_TRUNC)
		k += snprintf(out, outlen, "/...");
	for (__u32 i = n; i-- > 0 && k < outlen;) {
		comp[i][TR_COMPLEN - 1] = '\0';
		k += snprintf(out + k, outlen - k, "/%s", comp[i]);
	}
	if (k == 0)
		snprintf(out, outlen, "/");
}

/* A path as the event gives it: resolved by the kernel (TR_RESOLVED), or
 * the string the process passed, made absolute with the kernel's path of the
 * directory it was relative to. */
void ebpf_event_path(char comp[TR_COMP][TR_COMPLEN], __u32 ncomp, char *user, size_t userlen,
		     char *out, size_t outlen)
{
	user[userlen - 1] = '\0';
	if (ncomp & TR_DETACHED) {
		/* no name in any tree (a pipe reopened through /proc/self/fd,
		 * an internal mount): not a path, so never a policy entry */
		comp[0][TR_COMPLEN - 1] = '\0';
		snprintf(out, outlen, "anon:%s", (ncomp & 0xff) ? comp[0] : "");
		return;
	}
	if (!(ncomp & TR_RESOLVED) && user[0] == '/') {
		snprintf(out, outlen, "%s", user);
		return;
	}
	join_comps(comp, ncomp & ~(TR_RESOLVED | TR_DETACHED), out, outlen);
	if (ncomp & TR_RESOLVED)
		return;
	size_t k = strlen(out);
	const char *rel = user;
	while (rel[0] == '.' && rel[1] == '/')
		rel += 2;
	if (strcmp(rel, ".") == 0 || !rel[0])
		return;
	snprintf(out + k, outlen - k, "%s%s", k > 1 ? "/" : "", rel);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct ebpf_tracer *t = ctx;
	if (size < sizeof *t->ev)
		return 0;
	/* the ring buffer is mapped read-only here: work on a copy */
	struct tr_event *e = t->ev;
	memcpy(e, data, sizeof *e);
	struct trace_rec r = { .pid = (pid_t)e->pid, .err = e->ret < 0 ? -e->ret : 0, .by = "kernel" };
	char a[PATH_MAX], b[PATH_MAX], addr[256];
	const char *argv[64];
	e->path[TR_PATH - 1] = '\0';
	switch (e->op) {
	case TR_OPEN:
		r.op = TRACE_OPEN;
		ebpf_event_path(e->comp[0], e->ncomp[0], e->path, sizeof e->path, a, sizeof a);
		r.path = a;
		if (e->pad) { /* failed: the open flags */
			r.access = (e->fmode & 3) == 2 ? "read-write" : (e->fmode & 3) ? "write" : "read";
			if (trace_symlink_target(t->rootfd, a, b, sizeof b) ||
			    trace_symlink_target(t->hostfd, a, b, sizeof b))
				r.target = b;
		} else
			r.access = trace_fmode_access(e->fmode);
		break;
	case TR_EXEC: {
		r.op = TRACE_EXEC;
		if (e->ret < 0) { /* a failed exec: the name as passed */
			ebpf_event_path(e->comp[0], e->ncomp[0], e->path, sizeof e->path, a, sizeof a);
			r.path = a;
			break;
		}
		r.path = e->path;
		size_t n = e->argv_len < TR_ARGV ? e->argv_len : TR_ARGV;
		e->argv[TR_ARGV - 1] = '\0';
		size_t argc = 0;
		for (size_t i = 0; i < n && argc < 64;) {
			argv[argc++] = e->argv + i;
			i += strnlen(e->argv + i, n - i) + 1;
		}
		r.argv = argv;
		r.argc = argc;
		break;
	}
	case TR_CONNECT:
	case TR_SEND:
		r.op = e->op == TR_CONNECT ? TRACE_CONNECT : TRACE_SEND;
		trace_sockaddr(e->addr, e->addr_len < TR_ADDR ? e->addr_len : TR_ADDR, addr, sizeof addr);
		r.addr = addr;
		break;
	case TR_UNLINK:
	case TR_RMDIR:
	case TR_MKDIR:
	case TR_RENAME:
		r.op = e->op == TR_UNLINK  ? TRACE_UNLINK
		       : e->op == TR_RMDIR ? TRACE_RMDIR
		       : e->op == TR_MKDIR ? TRACE_MKDIR
					   : TRACE_RENAME;
		ebpf_event_path(e->comp[0], e->ncomp[0], e->path, sizeof e->path, a, sizeof a);
		r.path = a;
		if (e->op == TR_RENAME) {
			ebpf_event_path(e->comp[1], e->ncomp[1], e->argv, sizeof e->argv, b, sizeof b);
			r.to = b;
		}
		break;
	default:
		return 0;
	}
	trace_write(t->out, &r);
	return 0;
}

int ebpf_tracer_open(struct trace *out, bool debug, struct ebpf_tracer **tp, struct bsbox_err *err)
{
	*tp = NULL;
	struct ebpf_caps c;
	ebpf_probe_trace(&c);
	if (!c.trace)
		return bsbox_err_setx(err, EPERM, "%s", c.why_not);
	struct ebpf_tracer *t = calloc(1, sizeof *t);
	if (!t)
		return bsbox_err_set(err, ENOMEM, "BPF tracer");
	t->out = out;
	t->rootfd = -1;
	t->ev = malloc(sizeof *t->ev);
	if (!t->ev) {
		free(t);
		return bsbox_err_set(err, ENOMEM, "BPF tracer");
	}
	t->hostfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	/* BSBOX_BPF_DEBUG=1: all of libbpf's messages (verifier logs included) */
	libbpf_print_fn_t old = ebpf_libbpf_print(debug);
	int rc;
	char btfpath[64];
	cleanup_close int bfd = ebpf_min_btf(btfpath, sizeof btfpath);
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	if (bfd >= 0)
		oo.btf_custom_path = btfpath;
	t->skel = trace_bpf__open_opts(&oo);
	if (!t->skel || trace_bpf__load(t->skel) < 0) {
		rc = bsbox_err_set(err, errno, "loading the BPF trace programs");
		goto fail;
	}
	if ((rc = trace_bpf__attach(t->skel)) < 0) {
		rc = bsbox_err_set(err, -rc, "attaching the BPF trace programs");
		goto fail;
	}
	t->rb = ring_buffer__new(bpf_map__fd(t->skel->maps.events), on_event, t, NULL);
	if (!t->rb) {
		rc = bsbox_err_set(err, errno, "BPF ring buffer");
		goto fail;
	}
	libbpf_set_print(old);
	*tp = t;
	return 0;
fail:
	libbpf_set_print(old);
	ebpf_tracer_close(t);
	return rc;
}

int ebpf_tracer_follow(struct ebpf_tracer *t, pid_t pid, struct bsbox_err *err)
{
	__u32 key = (__u32)pid;
	__u8 one = 1;
	if (bpf_map_update_elem(bpf_map__fd(t->skel->maps.tracked), &key, &one, BPF_ANY) < 0)
		return bsbox_err_set(err, errno, "BPF tracer: following pid %d", (int)pid);
	if (t->rootfd < 0) {
		char root[64];
		snprintf(root, sizeof root, "/proc/%d/root", (int)pid);
		t->rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	}
	return 0;
}

static void *drain(void *arg)
{
	struct ebpf_reader *r = arg;
	struct pollfd p[2] = { { .fd = ring_buffer__epoll_fd(r->rb), .events = POLLIN },
			       { .fd = r->stopfd, .events = POLLIN } };
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		ring_buffer__consume(r->rb);
		if (p[1].revents & POLLIN)
			break;
	}
	return NULL;
}

int ebpf_reader_start(struct ebpf_reader *r, struct ring_buffer *rb, struct bsbox_err *err)
{
	if (r->running)
		return 0;
	r->rb = rb;
	r->stopfd = eventfd(0, EFD_CLOEXEC);
	if (r->stopfd < 0)
		return bsbox_err_set(err, errno, "eventfd");
	int rc = pthread_create(&r->thread, NULL, drain, r);
	if (rc != 0) {
		close(r->stopfd);
		r->stopfd = -1;
		return bsbox_err_set(err, rc, "BPF ring buffer reader thread");
	}
	r->running = true;
	return 0;
}

void ebpf_reader_stop(struct ebpf_reader *r, struct ring_buffer *rb)
{
	if (r->running) {
		uint64_t one = 1;
		(void)!write(r->stopfd, &one, sizeof one);
		pthread_join(r->thread, NULL);
		close(r->stopfd);
		r->running = false;
	}
	if (rb)
		ring_buffer__consume(rb); /* whatever arrived after the thread's last look */
}

int ebpf_tracer_start(struct ebpf_tracer *t, struct bsbox_err *err)
{
	return ebpf_reader_start(&t->reader, t->rb, err);
}

void ebpf_tracer_close(struct ebpf_tracer *t)
{
	if (!t)
		return;
	ebpf_reader_stop(&t->reader, t->rb);
	if (t->rb) {
		__u32 k = 0;
		__u64 lost = 0;
		if (bpf_map_lookup_elem(bpf_map__fd(t->skel->maps.lost), &k, &lost) == 0)
			trace_lost(t->out, lost);
		ring_buffer__free(t->rb);
	}
	if (t->skel)
		trace_bpf__destroy(t->skel);
	if (t->rootfd >= 0)
		close(t->rootfd);
	if (t->hostfd >= 0)
		close(t->hostfd);
	free(t->ev);
	free(t);
}

#else /* !BSBOX_HAVE_BPF */

int ebpf_tracer_open(struct trace *out, bool debug, struct ebpf_tracer **tp, struct bsbox_err *err)
{
	(void)out, (void)debug;
	*tp = NULL;
	return bsbox_err_setx(err, ENOTSUP,
			      "bsbox was built without the BPF programs (clang, bpftool or BTF "
			      "missing at build time)");
}

int ebpf_tracer_follow(struct ebpf_tracer *t, pid_t pid, struct bsbox_err *err)
{
	(void)t;
	(void)pid;
	(void)err;
	return 0;
}

int ebpf_tracer_start(struct ebpf_tracer *t, struct bsbox_err *err)
{
	(void)t;
	(void)err;
	return 0;
}

void ebpf_tracer_close(struct ebpf_tracer *t)
{
	(void)t;
}

#endif
