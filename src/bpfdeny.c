/* The kernel-side deny layer: loads src/bpf/deny.bpf.c, attaches it to a
 * cgroup v2 directory only the sandbox's processes join, and writes each
 * refusal into the event log ("by":"kernel-bpf" in the detail).
 * cgroup sock_addr programs rather than lsm/socket_connect: on hosts under
 * lockdown root gets EPERM loading BPF_LSM_MAC programs, cgroup ones load. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/magic.h>

#include "bpfdeny.h"
#include "ebpf.h"
#include "report.h"
#include "reslimit.h"

#ifdef BSBOX_HAVE_BPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include "bpf/deny_event.h"
#include "deny.skel.h"

#define UNIX_CONNECT_ATTACH 49 /* BPF_CGROUP_UNIX_CONNECT, Linux 6.7; newer than libbpf 1.1's headers */
#define PROGTYPE_SOCK_ADDR 18  /* BPF_PROG_TYPE_CGROUP_SOCK_ADDR */
#define DENY_KEEP 64           /* refusals kept for the summary (all are logged) */

struct bpfdeny {
	struct deny_bpf *skel;
	struct ring_buffer *rb;
	struct evlog *log;
	char dir[256];   /* the cgroup v2 directory, "" once removed */
	int procs;       /* its cgroup.procs, opened here (the kernel checks our rights) */
	int stopfd;      /* eventfd: stop the reader */
	pthread_t thread;
	bool running;
	atomic_long denials;
	pthread_mutex_t lock;
	struct deny_event kept[DENY_KEEP]; /* for the summary (bpfdeny_close) */
	size_t nkept;
};

/* Where cgroup v2 is mounted: the unified hierarchy, or /sys/fs/cgroup itself. */
static const char *cg2_root(void)
{
	static const char *const roots[] = { "/sys/fs/cgroup/unified", "/sys/fs/cgroup" };
	for (size_t i = 0; i < sizeof roots / sizeof *roots; i++) {
		struct statfs s;
		if (statfs(roots[i], &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC)
			return roots[i];
	}
	return NULL;
}

bool bpfdeny_available(char *why, size_t len)
{
	if (geteuid() != 0) {
		snprintf(why, len, "not root");
		return false;
	}
	if (!cg2_root()) {
		snprintf(why, len, "no cgroup v2 hierarchy mounted");
		return false;
	}
	why[0] = 0;
	return true;
}

/* The event of one refusal; the strings live in b. */
struct evbufs {
	char addr[160], detail[256], path[DENY_PATHLEN + 1], suggest[300];
};

static void to_event(const struct deny_event *e, struct evbufs *b, struct bsbox_event *ev)
{
	*ev = (struct bsbox_event){ .kind = EV_NETWORK, .pid = (pid_t)e->pid, .addr = b->addr,
				    .detail = b->detail, .suggest = b->suggest };
	if (e->kind == DENY_EV_UNIX) {
		memcpy(b->path, e->path, DENY_PATHLEN);
		b->path[DENY_PATHLEN] = 0;
		snprintf(b->addr, sizeof b->addr, "unix:%s", b->path);
		snprintf(b->detail, sizeof b->detail, "by kernel-bpf: connect(%s) (%.16s)", b->path,
			 e->comm);
		snprintf(b->suggest, sizeof b->suggest, "\"unix_sockets\": [\"%s\"]", b->path);
		ev->kind = EV_PATH;
		ev->syscall = "connect";
		ev->path = b->path;
		ev->access = "connect";
		return;
	}
	char ip[INET6_ADDRSTRLEN] = "?";
	inet_ntop(e->kind == DENY_EV_UDP4 ? AF_INET : AF_INET6, e->addr, ip, sizeof ip);
	snprintf(b->addr, sizeof b->addr, e->kind == DENY_EV_UDP4 ? "%s:%u" : "[%s]:%u", ip, e->port);
	snprintf(b->detail, sizeof b->detail, "by kernel-bpf: UDP sendmsg/connect to %s (%.16s)",
		 b->addr, e->comm);
	snprintf(b->suggest, sizeof b->suggest, "\"network\": true");
	ev->syscall = "sendmsg";
}

/* Reader thread: log at once (one write(), safe beside the supervisor); keep
 * a copy for the summary, which only the supervisor's thread may touch. */
static int on_event(void *ctx, void *data, size_t size)
{
	struct bpfdeny *d = ctx;
	const struct deny_event *e = data;
	if (size < sizeof *e)
		return 0;
	atomic_fetch_add(&d->denials, 1);
	struct evbufs b;
	struct bsbox_event ev;
	to_event(e, &b, &ev);
	evlog_write(d->log, &ev);
	pthread_mutex_lock(&d->lock);
	if (d->nkept < DENY_KEEP)
		d->kept[d->nkept++] = *e;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

int bpfdeny_open(const struct policy *p, bool deny_udp, bool deny_unix, bool debug,
		 struct evlog *log, struct bpfdeny **dp, struct bsbox_err *err)
{
	*dp = NULL;
	char why[128];
	if (!bpfdeny_available(why, sizeof why))
		return bsbox_err_setx(err, EPERM, "BPF deny layer: %s", why);
	struct bpfdeny *d = calloc(1, sizeof *d);
	if (!d)
		return bsbox_err_set(err, ENOMEM, "BPF deny layer");
	d->log = log;
	pthread_mutex_init(&d->lock, NULL);
	d->procs = -1;
	d->stopfd = -1;
	ebpf_libbpf_print(debug);
	int r;
	/* the build machine's BTF subset: parsing vmlinux's costs ~13 ms of CPU
	 * a launch */
	char btfpath[64];
	int bfd = ebpf_min_btf(btfpath, sizeof btfpath);
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	if (bfd >= 0)
		oo.btf_custom_path = btfpath;
	d->skel = deny_bpf__open_opts(&oo);
	if (!d->skel) {
		r = bsbox_err_set(err, errno, "BPF deny layer: opening the programs");
		if (bfd >= 0)
			close(bfd);
		goto fail;
	}
	/* the UDP programs would let everything through: not loaded (each
	 * costs a verification, a JIT and an attachment) */
	struct bpf_program *udp[] = { d->skel->progs.deny_sendmsg4, d->skel->progs.deny_connect4,
				      d->skel->progs.deny_sendmsg6, d->skel->progs.deny_connect6 };
	for (size_t i = 0; !deny_udp && i < sizeof udp / sizeof *udp; i++)
		bpf_program__set_autoload(udp[i], false);
	bpf_program__set_type(d->skel->progs.deny_connect_unix, PROGTYPE_SOCK_ADDR);
	bpf_program__set_expected_attach_type(d->skel->progs.deny_connect_unix,
					      (enum bpf_attach_type)UNIX_CONNECT_ATTACH);
	r = deny_bpf__load(d->skel);
	if (bfd >= 0)
		close(bfd);
	if (r < 0) {
		r = bsbox_err_set(err, -r, "BPF deny layer: loading the programs");
		goto fail;
	}
	__u32 k = 0, cfg = (deny_udp ? DENY_UDP : 0) | (deny_unix ? DENY_UNIX : 0);
	bpf_map__update_elem(d->skel->maps.deny_cfg, &k, sizeof k, &cfg, sizeof cfg, 0);
	for (size_t i = 0; i < p->nrules; i++) {
		if (!(p->rules[i].access & POL_S) || strlen(p->rules[i].path) >= DENY_PATHLEN)
			continue;
		char key[DENY_PATHLEN] = { 0 };
		__u8 one = 1;
		strcpy(key, p->rules[i].path);
		for (size_t n = strlen(key); n > 1 && key[n - 1] == '/'; n--)
			key[n - 1] = 0; /* "/run/x/" grants what "/run/x" does */
		bpf_map__update_elem(d->skel->maps.deny_unix_grants, key, sizeof key, &one, 1, 0);
	}
	/* a SIGKILLed run leaves its cgroup behind */
	reslimit_sweep(cg2_root(), "bsbox-deny-");
	snprintf(d->dir, sizeof d->dir, "%s/bsbox-deny-%d", cg2_root(), (int)getpid());
	if (mkdir(d->dir, 0700) < 0 && errno != EEXIST) {
		r = bsbox_err_set(err, errno, "BPF deny layer: mkdir %s", d->dir);
		d->dir[0] = 0;
		goto fail;
	}
	struct stat cst;
	__u64 cgid = stat(d->dir, &cst) == 0 ? cst.st_ino : 0; /* a cgroup v2 id is its inode */
	bpf_map__update_elem(d->skel->maps.deny_cgid, &k, sizeof k, &cgid, sizeof cgid, 0);
	char procs[300];
	snprintf(procs, sizeof procs, "%s/cgroup.procs", d->dir);
	d->procs = open(procs, O_WRONLY | O_CLOEXEC);
	int cg = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->procs < 0 || cg < 0) {
		r = bsbox_err_set(err, errno, "BPF deny layer: opening %s", d->dir);
		if (cg >= 0)
			close(cg);
		goto fail;
	}
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, d->skel->obj) {
		/* bpf_prog_attach, not links: libbpf 1.1 cannot name the unix
		 * attach type; the attachment goes with the cgroup's rmdir */
		if (!bpf_program__autoload(prog))
			continue;
		enum bpf_attach_type t = bpf_program__expected_attach_type(prog);
		if (bpf_prog_attach(bpf_program__fd(prog), cg, t, 0) < 0) {
			r = bsbox_err_set(err, errno, "BPF deny layer: attaching %s",
					  bpf_program__name(prog));
			close(cg);
			goto fail;
		}
	}
	close(cg);
	d->rb = ring_buffer__new(bpf_map__fd(d->skel->maps.deny_events), on_event, d, NULL);
	d->stopfd = eventfd(0, EFD_CLOEXEC);
	if (!d->rb || d->stopfd < 0) {
		r = bsbox_err_set(err, errno ? errno : ENOMEM, "BPF deny layer: ring buffer");
		goto fail;
	}
	*dp = d;
	return 0;
fail:
	bpfdeny_close(d, NULL);
	return r < 0 ? r : -EPERM;
}

void bpfdeny_join(const struct bpfdeny *d)
{
	if (d && d->procs >= 0 && write(d->procs, "0", 1) < 0) {
		/* best effort: Landlock and seccomp still apply */
	}
}

static void *drain(void *arg)
{
	struct bpfdeny *d = arg;
	struct pollfd pf[2] = { { .fd = ring_buffer__epoll_fd(d->rb), .events = POLLIN },
				{ .fd = d->stopfd, .events = POLLIN } };
	for (;;) {
		if (poll(pf, 2, -1) < 0 && errno != EINTR)
			break;
		ring_buffer__consume(d->rb);
		if (pf[1].revents)
			break;
	}
	return NULL;
}

int bpfdeny_start(struct bpfdeny *d, struct bsbox_err *err)
{
	if (!d || d->running)
		return 0;
	int r = pthread_create(&d->thread, NULL, drain, d);
	if (r)
		return bsbox_err_set(err, r, "BPF deny layer: reader thread");
	d->running = true;
	return 0;
}

long bpfdeny_denials(const struct bpfdeny *d)
{
	return d ? atomic_load(&((struct bpfdeny *)d)->denials) : 0;
}

void bpfdeny_close(struct bpfdeny *d, struct report *rep)
{
	if (!d)
		return;
	if (d->running) {
		uint64_t one = 1;
		if (write(d->stopfd, &one, sizeof one) < 0) {
			/* cannot happen with an eventfd */
		}
		pthread_join(d->thread, NULL);
	}
	if (d->rb) {
		ring_buffer__consume(d->rb);
		ring_buffer__free(d->rb);
	}
	for (size_t i = 0; rep && i < d->nkept; i++) {
		struct evbufs b;
		struct bsbox_event ev;
		to_event(&d->kept[i], &b, &ev);
		report_add(rep, &ev, NULL);
	}
	if (d->procs >= 0)
		close(d->procs);
	if (d->stopfd >= 0)
		close(d->stopfd);
	if (d->dir[0])
		rmdir(d->dir); /* EBUSY while a process lingers: the next run's sweep */
	deny_bpf__destroy(d->skel);
	free(d);
}

#else /* !BSBOX_HAVE_BPF */

struct bpfdeny { int unused; };

bool bpfdeny_available(char *why, size_t len)
{
	snprintf(why, len, "bsbox was built without the BPF programs");
	return false;
}
int bpfdeny_open(const struct policy *p, bool deny_udp, bool deny_unix, bool debug,
		 struct evlog *log, struct bpfdeny **d, struct bsbox_err *err)
{
	(void)p, (void)deny_udp, (void)deny_unix, (void)debug, (void)log;
	*d = NULL;
	return bsbox_err_setx(err, ENOTSUP, "BPF deny layer: bsbox was built without the BPF programs");
}
void bpfdeny_join(const struct bpfdeny *d) { (void)d; }
int bpfdeny_start(struct bpfdeny *d, struct bsbox_err *err) { (void)d, (void)err; return 0; }
long bpfdeny_denials(const struct bpfdeny *d) { (void)d; return 0; }
void bpfdeny_close(struct bpfdeny *d, struct report *rep) { (void)d, (void)rep; }
#endif
