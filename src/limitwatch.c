/* The supervisor's own nproc and mem_mb enforcement (limitwatch.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "limitwatch.h"
#include "proctree.h"
#include "seccomp_filter.h"

/* The memory sample's period: 50 ms near the limit, longer while the
 * sandbox is far below it (as long as growth at 2 GiB/s per CPU, about what
 * one core faulting in fresh pages manages, would need to reach it), up to
 * 250 ms (and never sooner than ten times the last sample took).  A
 * sample costs ~20 us per process here (a build script's handful: ~0.2 ms);
 * at a fixed 50 ms, 60 processes cost 2.6% of a CPU.
 * Growth faster than assumed overshoots by what it adds in one period
 * (docs/policy.md#limits). */
#define SAMPLE_MIN_MS 50
#define SAMPLE_MAX_MS 250
#define GROWTH_KB_PER_MS_PER_CPU (2L * 1024)

bool lw_budget_fork(struct lw_budget *b, long long now_ns, lw_count_fn count, void *arg)
{
	if (b->known + b->since < b->limit) {
		b->since++;
		return true;
	}
	if (now_ns < b->quiet_ns) {
		b->refused++;
		return false;
	}
	long long cost = 0;
	long n = count(arg, &cost);
	b->known = n < 0 ? 0 : n;
	b->since = 0;
	if (b->known < b->limit) {
		b->since = 1;
		return true;
	}
	/* full: as long again as counting took, refuse without counting, so
	 * that at most half the supervisor's time goes to counting */
	b->quiet_ns = now_ns + cost;
	b->refused++;
	return false;
}

void lw_budget_counted(struct lw_budget *b, long tasks)
{
	if (tasks < 0)
		return;
	b->known = tasks;
	b->since = 0;
}

struct proc_mem {
	pid_t pid;
	long kb;
};

struct limitwatch {
	pid_t top;
	int timerfd;         /* the memory sample's timer, or -1 */
	long mem_kb;         /* mem_mb in KiB, 0: not watched */
	long page_kb;
	long growth_kb_per_ms; /* the fastest growth the period allows for */
	bool count_forks;    /* nproc is enforced here */
	struct lw_budget budget;
	int nr_clone, nr_fork, nr_vfork;
	int victim;          /* pidfd of the process killed last until it has exited, or -1 */
	long long victim_ns; /* when it was killed */
	long kills;          /* processes killed at mem_mb */
	long peak_kb;        /* what the sandbox held at a kill (the largest) */
	struct proc_mem *procs; /* the sample's scratch */
	size_t nprocs, cap;
};

static long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int limitwatch_new(const struct policy_limits *l, bool nproc, bool mem, struct limitwatch **out,
		   struct bsbox_err *err)
{
	*out = NULL;
	nproc = nproc && l->nproc > 0;
	mem = mem && l->mem_mb > 0;
	if (!nproc && !mem)
		return 0;
	struct limitwatch *w = calloc(1, sizeof *w);
	if (!w)
		return bsbox_err_set(err, ENOMEM, "allocating the limit watch");
	w->timerfd = -1;
	w->victim = -1;
	w->count_forks = nproc;
	w->budget.limit = l->nproc;
	w->mem_kb = mem ? l->mem_mb * 1024 : 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	w->growth_kb_per_ms = GROWTH_KB_PER_MS_PER_CPU * (ncpu > 0 ? ncpu : 1);
	long ps = sysconf(_SC_PAGESIZE);
	w->page_kb = ps > 0 ? ps / 1024 : 4;
	w->nr_clone = seccomp_syscall_resolve_name("clone");
	w->nr_fork = seccomp_syscall_resolve_name("fork");   /* not on aarch64/riscv */
	w->nr_vfork = seccomp_syscall_resolve_name("vfork");
	*out = w;
	return 0;
}

static int arm(struct limitwatch *w, long ms)
{
	struct itimerspec it = { .it_value = { ms / 1000, (ms % 1000) * 1000000L } };
	return timerfd_settime(w->timerfd, 0, &it, NULL);
}

/* The next sample: when the fastest growth could reach the limit, but
 * never sooner than ten times the last sample took (a sandbox of a thousand
 * processes takes 20-50 ms here), so that sampling stays under a tenth of
 * the supervisor's time and notifications are not held up behind it. */
static long next_ms(const struct limitwatch *w, long total_kb, long cost_ms)
{
	long ms = (w->mem_kb - total_kb) / w->growth_kb_per_ms;
	ms = ms < SAMPLE_MIN_MS ? SAMPLE_MIN_MS : ms > SAMPLE_MAX_MS ? SAMPLE_MAX_MS : ms;
	return ms < 10 * cost_ms ? 10 * cost_ms : ms;
}

int limitwatch_start(struct limitwatch *w, pid_t top, struct bsbox_err *err)
{
	if (!w)
		return 0;
	w->top = top;
	if (!w->mem_kb)
		return 0;
	w->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->timerfd < 0)
		return bsbox_err_set(err, errno, "timerfd_create (the memory limit's sample)");
	if (arm(w, SAMPLE_MIN_MS) < 0)
		return bsbox_err_set(err, errno, "timerfd_settime (the memory limit's sample)");
	return 0;
}

int limitwatch_fd(const struct limitwatch *w)
{
	return w ? w->timerfd : -1;
}

static long count_tasks(void *arg, long long *cost_ns)
{
	const struct limitwatch *w = arg;
	long long t0 = now_ns();
	long n = proctree_walk(w->top, NULL, NULL);
	*cost_ns = now_ns() - t0;
	return n;
}

enum lw_call limitwatch_call(struct limitwatch *w, const struct seccomp_data *d)
{
	if (!w || !w->count_forks)
		return LW_NOT_A_FORK;
	int nr = d->nr;
	if (nr != w->nr_fork && nr != w->nr_vfork &&
	    (nr != w->nr_clone || (d->args[SCF_CLONE_FLAGS_ARG] & SCF_CLONE_NS_FLAGS)))
		return LW_NOT_A_FORK;
	return lw_budget_fork(&w->budget, now_ns(), count_tasks, w) ? LW_ALLOW : LW_REFUSE;
}

/* The anonymous memory of a process (resident minus file-backed and shared
 * memory), in KiB: statm's counters, read without walking page tables. */
static long statm_anon_kb(pid_t pid, long page_kb)
{
	char p[64], buf[128];
	snprintf(p, sizeof p, "/proc/%d/statm", (int)pid);
	cleanup_close int fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	long size, resident, shared;
	if (sscanf(buf, "%ld %ld %ld", &size, &resident, &shared) != 3 || resident < shared)
		return 0;
	return (resident - shared) * page_kb;
}

/* Its proportional share of anonymous memory (pages shared after fork
 * split between the sharers), in KiB; -1 if unknown. */
static long pss_anon_kb(pid_t pid)
{
	char p[64], line[256];
	snprintf(p, sizeof p, "/proc/%d/smaps_rollup", (int)pid);
	cleanup_fclose FILE *f = fopen(p, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f))
		if (!strncmp(line, "Pss_Anon:", 9))
			return strtol(line + 9, NULL, 10);
	return -1;
}

static int sample_one(void *arg, pid_t pid, long nthreads)
{
	(void)nthreads;
	struct limitwatch *w = arg;
	if (w->nprocs == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 32;
		struct proc_mem *v = realloc(w->procs, cap * sizeof *v);
		if (!v)
			return 1; /* a partial sample: the next one may do better */
		w->procs = v;
		w->cap = cap;
	}
	w->procs[w->nprocs++] = (struct proc_mem){ .pid = pid, .kb = statm_anon_kb(pid, w->page_kb) };
	return 0;
}

/* The last process killed is still releasing its memory? */
static bool victim_alive(struct limitwatch *w)
{
	if (w->victim < 0)
		return false;
	struct pollfd p = { .fd = w->victim, .events = POLLIN };
	/* a process stuck in the kernel must not stop the sample for good */
	if (poll(&p, 1, 0) == 0 && now_ns() - w->victim_ns < 1000000000LL)
		return true;
	close(w->victim);
	w->victim = -1;
	return false;
}

static void kill_largest(struct limitwatch *w, long total_kb)
{
	size_t big = 0;
	for (size_t i = 1; i < w->nprocs; i++)
		if (w->procs[i].kb > w->procs[big].kb)
			big = i;
	int fd = (int)syscall(SYS_pidfd_open, w->procs[big].pid, 0);
	if (fd < 0)
		return; /* gone already */
	if (syscall(SYS_pidfd_send_signal, fd, SIGKILL, NULL, 0) < 0) {
		close(fd);
		return;
	}
	w->victim = fd;
	w->victim_ns = now_ns();
	w->kills++;
	if (total_kb > w->peak_kb)
		w->peak_kb = total_kb;
}

/* One sample: the sandbox's anonymous memory in KiB, and a kill above
 * the limit. */
static long sample(struct limitwatch *w)
{
	if (victim_alive(w))
		return w->mem_kb; /* its memory is not released yet: do not kill a second one for it */
	w->nprocs = 0;
	long tasks = proctree_walk(w->top, sample_one, w);
	if (w->count_forks)
		lw_budget_counted(&w->budget, tasks);
	long total = 0;
	for (size_t i = 0; i < w->nprocs; i++)
		total += w->procs[i].kb;
	if (total <= w->mem_kb)
		return total;
	/* an upper bound: pages shared since a fork count once per sharer */
	total = 0;
	for (size_t i = 0; i < w->nprocs; i++) {
		long pss = pss_anon_kb(w->procs[i].pid);
		if (pss >= 0)
			w->procs[i].kb = pss;
		total += w->procs[i].kb;
	}
	if (total > w->mem_kb)
		kill_largest(w, total);
	return total;
}

void limitwatch_tick(struct limitwatch *w)
{
	uint64_t expirations;
	if (!w || read(w->timerfd, &expirations, sizeof expirations) < 0)
		return;
	long long t0 = now_ns();
	long total = sample(w);
	long cost_ms = (long)((now_ns() - t0) / 1000000);
	/* a failure stops the sample: the backstop stays */
	(void)arm(w, next_ms(w, total, cost_ms));
}

void limitwatch_hits(const struct limitwatch *w, struct reslimit_hits *h)
{
	if (!w)
		return;
	h->pids_max += w->budget.refused;
	h->mem_kills += w->kills;
	if (w->peak_kb / 1024 > h->mem_peak_mb)
		h->mem_peak_mb = w->peak_kb / 1024;
}

void limitwatch_free(struct limitwatch *w)
{
	if (!w)
		return;
	if (w->timerfd >= 0)
		close(w->timerfd);
	if (w->victim >= 0)
		close(w->victim);
	free(w->procs);
	free(w);
}
