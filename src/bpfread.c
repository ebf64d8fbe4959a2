/* Root's refused reads, seen in the kernel (bpfread.h): loads
 * src/bpf/read.bpf.c, follows CMD and its descendants, and turns each record
 * of a root-only file into the supervisor's event.
 *
 * A thread reads the ring buffer so the log is written as the build goes
 * (one write() per event, safe beside the supervisor); the report, which only
 * the supervisor's thread touches, gets the denials at close, after the last
 * records are read and before the verdict (sandbox.c). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "bpfread.h"
#include "creds.h"
#include "ebpf.h"
#include "pathdecide.h"
#include "rootonly.h"
#include "strv.h"
#include "util.h"

#ifdef BSBOX_HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "bpf/read_event.h"
#include "cleanup.h"
#include "read.skel.h"

#ifdef __x86_64__
#define BPFREAD_ARCH 1 /* the program knows x86_64's syscall numbers only */
#else
#define BPFREAD_ARCH 0
#endif
#define RD_NR_OPEN 2
#define RD_NR_OPENAT 257

/* A denial kept for the report: the strings the event points to, and how
 * many times that path was refused with that detail (the log has each). */
struct kept {
	pid_t pid;
	char *path, *exe, *cmdline, *detail, *suggest;
	const char *syscall;
	unsigned long count;
};

struct bpfread {
	struct read_bpf *skel;
	struct ring_buffer *rb;
	const struct policy *policy;
	uid_t root_id;
	bool test_loss; /* BSBOX_TEST_BPF_READ_LOSS (settings.h) */
	struct evlog *log;
	struct ebpf_reader reader;
	struct rd_event *ev; /* on_event's copy of the record */
	pthread_mutex_t lock; /* kept: the thread adds, close reads */
	struct kept *kept;
	size_t nkept;
	unsigned long dropped; /* kept[] could not grow: still denials */
};

bool bpfread_available(char *why, size_t len)
{
	struct ebpf_caps c;
	ebpf_probe_trace(&c); /* per launch (sandbox.c): not the LSM list */
	if (geteuid() != 0) {
		snprintf(why, len, "not root (only root's sandbox runs as another id)");
		return false;
	}
	if (!c.trace) {
		snprintf(why, len, "%s", c.why_not);
		return false;
	}
	if (!c.socket_filter) {
		/* sandbox.c loads the watcher while the sandbox starts, trusting
		 * this answer: a bpf() a seccomp profile refuses must say no here */
		snprintf(why, len, "bpf() is refused here (a seccomp profile?)");
		return false;
	}
	why[0] = '\0';
	return true;
}

/* The directory a relative path started from, when the walk could not give
 * it whole (deeper than the walk goes, or a component longer than it keeps):
 * the process's own view, if it is still there.  Else false. */
static bool proc_dir(const struct rd_event *e, char *out, size_t len)
{
	char p[64];
	if (e->nr == RD_NR_OPEN || e->dirfd == -100)
		snprintf(p, sizeof p, "/proc/%u/cwd", e->tid);
	else
		snprintf(p, sizeof p, "/proc/%u/fd/%d", e->tid, e->dirfd);
	ssize_t n = readlink(p, out, len - 1);
	if (n <= 0 || out[0] != '/')
		return false;
	out[n] = '\0';
	return true;
}

/* Did the walk of comp give the whole path?  A component the walk kept at
 * its full length may have been cut. */
static bool walk_whole(char comp[TR_COMP][TR_COMPLEN], __u32 ncomp)
{
	if (ncomp & (TR_COMP_TRUNC | TR_DETACHED))
		return false;
	__u32 n = ncomp & 0xff;
	for (__u32 i = 0; i < n && i < TR_COMP; i++)
		if (strnlen(comp[i], TR_COMPLEN) >= TR_COMPLEN - 1)
			return false;
	return true;
}

/* The supervisor's decision (notify_pathdecide) on a read-only open the
 * kernel refused, with the facts pathdecide() asks for gathered here.  Only
 * a denial is logged: a path the policy does not grant (pathdecide asks
 * whether it exists) is not in the FUSE root's tree, and its misses are
 * the supervisor's.  Full mode, never audit (sandbox.c): no foreign /proc
 * entries; a credential file by its path, as hidden ones keep the fast
 * filter off anyway. */
static bool denied(const struct bpfread *r, const char *path, struct pd_result *res)
{
	struct pd_env env = { .policy = r->policy, .have_netns = true, .root_id = r->root_id };
	struct pd_query q = { .path = path, .access = PD_READ, .open = true };
	struct pd_facts f = { 0 };
	enum pd_verdict v;
	while ((v = pathdecide(&env, &q, &f, res)) == PD_NEED && !(f.known & res->need)) {
		if (res->need == PD_F_ROOT_ONLY)
			f.root_only = rootonly_denied(r->root_id, path);
		else if (res->need == PD_F_SECRET)
			f.secret = creds_find(r->policy, path);
		else
			return false; /* not granted: not the watcher's */
		f.known |= res->need;
	}
	return v == PD_DENY;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct bpfread *r = ctx;
	if (size < sizeof *r->ev)
		return 0;
	struct rd_event *e = r->ev; /* the ring buffer is read-only here: a copy */
	memcpy(e, data, sizeof *e);
	e->path[RD_PATH - 1] = '\0';

	/* the path the process named, absolute and normalised as the
	 * supervisor's path_resolve makes it */
	char joined[2 * PATH_MAX + 2], path[PATH_MAX];
	bool whole = true;
	if (e->path[0] == '/') {
		snprintf(joined, sizeof joined, "%s", e->path);
	} else if (walk_whole(e->comp[0], e->ncomp[0])) {
		ebpf_event_path(e->comp[0], e->ncomp[0], e->path, sizeof e->path, joined,
				sizeof joined);
	} else {
		char dir[PATH_MAX];
		whole = proc_dir(e, dir, sizeof dir);
		if (whole)
			snprintf(joined, sizeof joined, "%s/%s", dir, e->path);
		else
			ebpf_event_path(e->comp[0], e->ncomp[0], e->path, sizeof e->path, joined,
					sizeof joined);
	}
	if (util_path_normalise(joined, path, sizeof path) < 0) {
		snprintf(path, sizeof path, "%.*s", (int)sizeof path - 1, joined);
		whole = false;
	}
	/* the same decision as the supervisor's; a path it cannot know
	 * whole is a denial too: the kernel refused a read, and no record
	 * is dropped for want of a name */
	struct pd_result res;
	if (whole && !denied(r, path, &res))
		return 0;

	char exe[PATH_MAX], cmdline[RD_CMDLINE + 1], why[sizeof res.detail_buf + 32];
	exe[0] = '\0';
	char none[1] = "";
	if ((e->ncomp[1] & 0xff) && walk_whole(e->comp[1], e->ncomp[1]))
		ebpf_event_path(e->comp[1], e->ncomp[1] | TR_RESOLVED, none, sizeof none, exe,
				sizeof exe);
	size_t n = e->cmdline_len < RD_CMDLINE ? e->cmdline_len : RD_CMDLINE;
	memcpy(cmdline, e->cmdline, n);
	for (size_t i = 0; i < n; i++)
		if (cmdline[i] == '\0')
			cmdline[i] = ' ';
	while (n > 0 && cmdline[n - 1] == ' ')
		n--;
	cmdline[n] = '\0';
	const char *suggest = NULL;
	if (whole) {
		snprintf(why, sizeof why, "%s%sseen by kernel-bpf", res.detail ? res.detail : "",
			 res.detail ? "; " : "");
		suggest = res.suggest;
	} else {
		snprintf(why, sizeof why, "a read refused by the kernel (%s) at a path only partly "
			 "known: counted as a denial; seen by kernel-bpf", strerror(-e->ret));
	}
	const char *sc = e->nr == RD_NR_OPEN ? "open" : e->nr == RD_NR_OPENAT ? "openat" : "openat2";
	struct bsbox_event ev = {
		.kind = EV_PATH,
		.pid = (pid_t)e->tid,
		.exe = exe[0] ? exe : NULL,
		.cmdline = cmdline[0] ? cmdline : NULL,
		.syscall = sc,
		.detail = why,
		.path = path,
		.access = "read",
		.suggest = suggest,
	};
	evlog_write(r->log, &ev);

	/* a script that retries in a loop: one entry, counted */
	pthread_mutex_lock(&r->lock);
	for (size_t i = 0; i < r->nkept; i++) {
		if (!strcmp(r->kept[i].path, path) && !strcmp(r->kept[i].detail, why)) {
			r->kept[i].count++;
			pthread_mutex_unlock(&r->lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&r->lock);
	struct kept k = { .pid = ev.pid, .syscall = sc, .path = strdup(path),
			  .exe = exe[0] ? strdup(exe) : NULL,
			  .cmdline = cmdline[0] ? strdup(cmdline) : NULL, .detail = strdup(why),
			  .suggest = suggest ? strdup(suggest) : NULL, .count = 1 };
	pthread_mutex_lock(&r->lock);
	struct kept *grown = k.path && k.detail ? realloc(r->kept, (r->nkept + 1) * sizeof *grown)
						: NULL;
	if (grown) {
		r->kept = grown;
		r->kept[r->nkept++] = k;
	} else {
		r->dropped++;
		free(k.path), free(k.exe), free(k.cmdline), free(k.detail), free(k.suggest);
	}
	pthread_mutex_unlock(&r->lock);
	return 0;
}

/* Open, load and attach the program, and its ring buffer.  0 or -errno. */
static int load(struct bpfread *r, struct bsbox_err *err)
{
	char btfpath[64];
	cleanup_close int bfd = ebpf_min_btf(btfpath, sizeof btfpath);
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	if (bfd >= 0)
		oo.btf_custom_path = btfpath;
	int rc;
	r->skel = read_bpf__open_opts(&oo);
	if (!r->skel)
		return bsbox_err_set(err, errno, "BPF read watcher: opening the program");
	/* the test suite's way to a full ring buffer: one page, smaller than
	 * one record, so every record is lost (and must fail the run) */
	if (r->test_loss)
		bpf_map__set_max_entries(r->skel->maps.rd_events, (__u32)sysconf(_SC_PAGESIZE));
	/* The followed set holds the sandbox's live processes, which nproc
	 * bounds (the pids cgroup, the supervisor's count or RLIMIT_NPROC):
	 * its bucket array is allocated and zeroed at every launch, 0.2 ms at
	 * the program's 16384.  Twice nproc, for slack; a full set still
	 * counts as lost records. */
	__u32 most = bpf_map__max_entries(r->skel->maps.tracked);
	long nproc = r->policy->limits.nproc;
	if (nproc > 0 && nproc < (long)most / 2)
		bpf_map__set_max_entries(r->skel->maps.tracked, nproc < 128 ? 256 : 2 * (__u32)nproc);
	if ((rc = read_bpf__load(r->skel)) < 0)
		return bsbox_err_set(err, -rc, "BPF read watcher: loading the program");
	if ((rc = read_bpf__attach(r->skel)) < 0)
		return bsbox_err_set(err, -rc, "BPF read watcher: attaching the program");
	r->rb = ring_buffer__new(bpf_map__fd(r->skel->maps.rd_events), on_event, r, NULL);
	if (!r->rb)
		return bsbox_err_set(err, errno ? errno : ENOMEM, "BPF read watcher: ring buffer");
	return 0;
}

int bpfread_open(const struct policy *p, uid_t root_id, bool debug, bool test_loss,
		 struct evlog *log, struct bpfread **rp, struct bsbox_err *err)
{
	*rp = NULL;
	char why[256];
	/* the probe's answers cost a few loads: only for the message, when
	 * loading for real fails */
	if (geteuid() != 0 || !BPFREAD_ARCH)
		return bpfread_available(why, sizeof why)
			       ? bsbox_err_setx(err, ENOTSUP, "BPF read watcher: not on this architecture")
			       : bsbox_err_setx(err, EPERM, "BPF read watcher: %s", why);
	struct bpfread *r = calloc(1, sizeof *r);
	if (!r)
		return bsbox_err_set(err, ENOMEM, "BPF read watcher");
	r->policy = p;
	r->root_id = root_id;
	r->test_loss = test_loss;
	r->log = log;
	pthread_mutex_init(&r->lock, NULL);
	r->ev = malloc(sizeof *r->ev);
	if (!r->ev) {
		bpfread_close(r, NULL);
		return bsbox_err_set(err, ENOMEM, "BPF read watcher");
	}
	/* BSBOX_BPF_DEBUG: libbpf's messages (the verifier's log) as they are */
	libbpf_print_fn_t old = ebpf_libbpf_print(debug);
	int rc = load(r, err);
	libbpf_set_print(old);
	if (rc < 0) {
		bpfread_close(r, NULL);
		if (!bpfread_available(why, sizeof why))
			bsbox_err_setx(err, -rc, "BPF read watcher: %s", why);
		return rc;
	}
	*rp = r;
	return 0;
}

int bpfread_follow(struct bpfread *r, pid_t pid, struct bsbox_err *err)
{
	__u32 key = (__u32)pid;
	__u8 one = 1;
	if (bpf_map_update_elem(bpf_map__fd(r->skel->maps.tracked), &key, &one, BPF_ANY) < 0)
		return bsbox_err_set(err, errno, "BPF read watcher: following pid %d", (int)pid);
	return 0;
}

int bpfread_start(struct bpfread *r, struct bsbox_err *err)
{
	return r ? ebpf_reader_start(&r->reader, r->rb, err) : 0;
}

void bpfread_close(struct bpfread *r, struct report *rep)
{
	if (!r)
		return;
	ebpf_reader_stop(&r->reader, r->rb);
	unsigned long long lost = 0, unfollowed = 0;
	if (r->rb) {
		__u32 k = 0;
		__u64 n = 0;
		if (bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.rd_lost), &k, &n) == 0)
			lost = n;
		/* a process the set could not follow: its refusals were never seen */
		if (bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.follow_lost), &k, &n) == 0)
			unfollowed = n;
		ring_buffer__free(r->rb);
	}
	lost += r->dropped;
	for (size_t i = 0; i < r->nkept; i++) {
		struct kept *k = &r->kept[i];
		struct bsbox_event ev = { .kind = EV_PATH, .pid = k->pid, .exe = k->exe,
					  .cmdline = k->cmdline, .syscall = k->syscall,
					  .detail = k->detail, .path = k->path, .access = "read",
					  .suggest = k->suggest };
		for (unsigned long j = 0; rep && j < k->count; j++)
			report_add(rep, &ev, NULL);
		free(k->path), free(k->exe), free(k->cmdline), free(k->detail), free(k->suggest);
	}
	free(r->kept);
	/* refused reads nobody could judge: the run fails rather than pass
	 * over them */
	for (int i = 0; i < 2; i++) {
		unsigned long long n = i ? unfollowed : lost;
		if (n == 0)
			continue;
		char detail[256];
		if (i)
			snprintf(detail, sizeof detail,
				 "%llu process%s the BPF read watcher could not follow (its set was "
				 "full): reads refused to them went unrecorded; counted as a denial; "
				 "seen by kernel-bpf", n, n == 1 ? "" : "es");
		else
			snprintf(detail, sizeof detail,
				 "%llu read%s refused by the kernel went unrecorded (the BPF ring "
				 "buffer was full): counted as a denial; seen by kernel-bpf", n,
				 n == 1 ? "" : "s");
		struct bsbox_event ev = { .kind = EV_SETUP, .detail = detail, .access = "read" };
		evlog_write(r->log, &ev);
		if (rep)
			report_add(rep, &ev, NULL);
	}
	read_bpf__destroy(r->skel);
	pthread_mutex_destroy(&r->lock);
	free(r->ev);
	free(r);
}

#else /* !BSBOX_HAVE_BPF */

struct bpfread {
	int unused;
};

bool bpfread_available(char *why, size_t len)
{
	snprintf(why, len, "bsbox was built without the BPF programs");
	return false;
}
int bpfread_open(const struct policy *p, uid_t root_id, bool debug, bool test_loss,
		 struct evlog *log, struct bpfread **r, struct bsbox_err *err)
{
	(void)p, (void)root_id, (void)debug, (void)test_loss, (void)log;
	*r = NULL;
	return bsbox_err_setx(err, ENOTSUP, "BPF read watcher: bsbox was built without the BPF programs");
}
int bpfread_follow(struct bpfread *r, pid_t pid, struct bsbox_err *err)
{
	(void)r, (void)pid, (void)err;
	return 0;
}
int bpfread_start(struct bpfread *r, struct bsbox_err *err)
{
	(void)r, (void)err;
	return 0;
}
void bpfread_close(struct bpfread *r, struct report *rep)
{
	(void)r, (void)rep;
}
#endif
