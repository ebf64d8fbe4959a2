/* The supervisor's loop (notify.h): poll() over the seccomp listener, the
 * sandbox's pidfd, a signalfd and the FUSE root's channel; each notification
 * is received, decided (notify_decide, notify.c) and answered here.  The
 * FUSE root's lookup misses come back through fuse_miss, which judges the
 * open a miss stands for as its notification would have been.
 * Single-threaded, like crun's and bubblewrap's supervisors. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "notify_call.h"
#include "notify_probe.h"
#include "pathcache.h"
#include "procinfo.h"
#include "strv.h"

#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif
#ifndef SECCOMP_GET_NOTIF_SIZES
#define SECCOMP_GET_NOTIF_SIZES 3
#endif

/* 6.6+: the woken side runs on the waker's CPU.  That shortens a round
 * trip (an open for writing in a loop: 20 -> 14 us here) and pays where
 * every open is a notification.  Where reads are free (the FUSE root) the
 * notifications left are mostly the execs of configure's shells and
 * pipelines, and pulling both sides onto one CPU cost their parallelism:
 * jemalloc's configure 1.050 -> 1.090 of bare with it (medians of 5
 * interleaved runs, twice; 2 CPUs). */
void notify_tune(int notify_fd, bool reads_notified)
{
	if (notify_fd < 0 || !reads_notified)
		return;
	if (ioctl(notify_fd, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP) < 0 &&
	    errno != EINVAL && errno != ENOTTY) {
		/* nothing else to do: it is only an optimisation */
	}
}

/* ---- the FUSE root's lookup misses ---------------------------------------- */

/* A stat/access-type probe of a path that exists on the host but lies
 * outside the mount tree (issue 12): ENOENT made pkgconf fall back to the
 * system's .pc without a word.  Not a violation (mkdir -p, PATH searches and
 * feature probes do this all the time), so an informational "hidden" event,
 * once per path, and the path is kept in the report for the summary and
 * cargo's output (run.c). */
void notify_hidden_probe(struct notify_ctx *ctx, const struct seccomp_notif *req,
			 const char *path)
{
	if (!ctx->report || strv_has(ctx->report->hidden, ctx->report->nhidden, path))
		return;
	struct call c = { .ctx = ctx, .fd = -1, .req = req, .fuse = true, .miss = path,
			  .name = "probe" };
	struct pd_query q = { .path = path, .access = PD_PROBE };
	struct pd_result r;
	if (notify_pathdecide(&c, &q, &r) != PD_INFO)
		return; /* the home: probed all the time, not news */
	if (strv_add_unique(&ctx->report->hidden, &ctx->report->nhidden, path) < 0)
		return;
	cleanup_free char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, req->data.nr);
	if (name)
		c.name = name;
	struct bsbox_event ev = { .kind = EV_PATH, .path = r.path, .access = r.access, .info = true,
				  .detail = r.detail, .suggest = r.suggest };
	notify_emit(&c, &ev);
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
	req.pid = (__u32)procinfo_host_tid(ctx->top_pid, nspid);
	if (req.pid == 0 || procinfo_read_syscall((pid_t)req.pid, &req.data) < 0)
		return ENOENT;
	const struct sc_entry *se = sc_by_nr(&ctx->nrs, req.data.nr);
	uint64_t args[6];
	struct notify_probe_args pa;
	for (int i = 0; i < 6; i++)
		args[i] = req.data.args[i];
	if (!se || notify_probe_args(se, args, &pa)) {
		/* not in the table, or one of its probes (notify_probe.h): a
		 * stat, access, readlink, chdir, opendir...; the writes (mkdir
		 * -p of an existing directory) were judged before and stay quiet */
		notify_hidden_probe(ctx, &req, path);
		return ENOENT;
	}
	if (se->kind != SC_OPEN && se->kind != SC_OPENAT && se->kind != SC_OPENAT2)
		return ENOENT;
	struct call c = { .ctx = ctx, .fd = -1, .req = &req, .fuse = true, .miss = path,
			  .name = se->name };
	int e = 0;
	if (notify_path_call(&c, se, &e) == V_ERROR)
		return e ? e : EACCES;
	return ENOENT;
}

/* ---- the loop ------------------------------------------------------------ */

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
	enum verdict v = notify_decide(&c, &e);
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
	ctx->execs = pathcache_new();
	if (notify_fd >= 0 && (rc = bufs_alloc(&b)) < 0) {
		bsbox_err_set(err, -rc, "seccomp notification buffers");
		goto out;
	}

	struct pollfd p[5] = {
		{ .fd = notify_fd, .events = POLLIN },
		{ .fd = ctx->pidfd, .events = POLLIN },
		{ .fd = ctx->sigfd, .events = POLLIN },
		{ .fd = ctx->fuse ? fusefs_fd(ctx->fuse) : -1, .events = POLLIN },
		{ .fd = limitwatch_fd(ctx->watch), .events = POLLIN },
	};
	for (;;) {
		if (p[0].fd < 0 && p[1].fd < 0) {
			rc = 0; /* no pidfd, and nobody left to notify: done */
			break;
		}
		int n = poll(p, 5, -1);
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
		if (p[4].revents & POLLIN)
			limitwatch_tick(ctx->watch);
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
	pathcache_free(ctx->execs);
	ctx->execs = NULL;
	return rc;
}

