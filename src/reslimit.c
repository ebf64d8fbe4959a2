/* Resource limits: the cgroup, the rlimits, and the `resource` events.
 *
 * Where a hit is seen:
 *   memory     the cgroup's oom_kill counter (v2 memory.events, v1
 *              memory.oom_control); without a cgroup the supervisor samples
 *              the sandbox's memory and kills at the limit (limitwatch.h),
 *              with RLIMIT_DATA per process as a backstop above it; an
 *              unsupervised run has RLIMIT_DATA = mem_mb alone, unseen
 *   processes  the cgroup's pids.events "max"; without a cgroup the
 *              supervisor counts forks (limitwatch.h), with RLIMIT_NPROC as a
 *              backstop above it; unsupervised, RLIMIT_NPROC alone, unseen
 *   file size  CMD killed by SIGXFSZ
 *   cpu        CMD killed by SIGXCPU (the hard limit is 5 s later, or the
 *              kernel's SIGKILL would come first)
 *   wall clock the supervisor's timer (sandbox.c)
 *   tmpfs      the private /tmp or /dev/shm full when the run ends */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cleanup.h"
#include "reslimit.h"

#define MiB (1024L * 1024L)

static int write_file(const char *dir, const char *name, const char *val)
{
	char f[600];
	snprintf(f, sizeof f, "%s/%s", dir, name);
	cleanup_close int fd = open(f, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = write(fd, val, strlen(val));
	return n == (ssize_t)strlen(val) ? 0 : -(n < 0 ? errno : EIO);
}

/* The number after "key " in a flat-keyed cgroup file, or 0. */
static long read_counter(const char *dir, const char *name, const char *key)
{
	char f[600], line[128];
	snprintf(f, sizeof f, "%s/%s", dir, name);
	FILE *fp = fopen(f, "re");
	if (!fp)
		return 0;
	long v = 0;
	size_t kl = strlen(key);
	while (fgets(line, sizeof line, fp))
		if (!strncmp(line, key, kl) && line[kl] == ' ')
			v = strtol(line + kl + 1, NULL, 10);
	fclose(fp);
	return v;
}

static bool has_word(const char *file, const char *word)
{
	char buf[512];
	FILE *fp = fopen(file, "re");
	if (!fp)
		return false;
	size_t n = fread(buf, 1, sizeof buf - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	size_t wl = strlen(word);
	for (char *s = buf; (s = strstr(s, word)); s += wl)
		if ((s == buf || s[-1] == ' ') && (s[wl] == ' ' || s[wl] == '\n' || !s[wl]))
			return true;
	return false;
}

/* The cgroup v2 directory this process is in (from /proc/self/cgroup). */
static bool own_v2_cgroup(char *out, size_t len)
{
	char line[512];
	FILE *fp = fopen("/proc/self/cgroup", "re");
	bool ok = false;
	if (!fp)
		return false;
	while (!ok && fgets(line, sizeof line, fp)) {
		if (strncmp(line, "0::/", 4) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(out, len, "/sys/fs/cgroup%s", line + 3);
		ok = true;
	}
	fclose(fp);
	return ok;
}

/* The cgroups of bsbox runs that were killed (SIGKILL leaves no time to
 * remove them): empty ones whose bsbox is gone.  rmdir refuses a cgroup
 * that still holds a process, so a live run's is never touched. */
void reslimit_sweep(const char *base, const char *prefix)
{
	DIR *d = opendir(base);
	if (!d)
		return;
	size_t plen = strlen(prefix);
	struct dirent *de;
	while ((de = readdir(d))) {
		char *end;
		if (strncmp(de->d_name, prefix, plen) != 0)
			continue;
		long pid = strtol(de->d_name + plen, &end, 10);
		if (*end || pid <= 0 || (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		char dir[600];
		snprintf(dir, sizeof dir, "%s/%s", base, de->d_name);
		(void)rmdir(dir);
	}
	closedir(d);
}

/* mkdir base/bsbox-PID; "" and -1 if that fails. */
static int make_cg(const char *base, char *dir, size_t len)
{
	reslimit_sweep(base, "bsbox-");
	snprintf(dir, len, "%s/bsbox-%d", base, (int)getpid());
	if (mkdir(dir, 0755) < 0) {
		dir[0] = '\0';
		return -1;
	}
	return 0;
}

static int open_procs(const char *dir)
{
	char f[600];
	snprintf(f, sizeof f, "%s/cgroup.procs", dir);
	return open(f, O_WRONLY | O_CLOEXEC);
}

/* cgroup v2: root's own hierarchy, or the parent of our cgroup when systemd
 * delegated it to us (a sibling: our own cgroup holds processes, so it may
 * not enable controllers for children). */
static void setup_v2(struct reslimit_cg *cg, const struct policy_limits *l, const char *mem,
		     const char *pids)
{
	char base[512];
	if (geteuid() == 0) {
		snprintf(base, sizeof base, "/sys/fs/cgroup");
		(void)write_file(base, "cgroup.subtree_control", "+memory");
		(void)write_file(base, "cgroup.subtree_control", "+pids");
	} else {
		if (!own_v2_cgroup(base, sizeof base))
			return;
		char *slash = strrchr(base, '/');
		if (!slash || slash == base)
			return;
		*slash = '\0';
		if (access(base, W_OK) < 0)
			return;
	}
	char sc[600];
	snprintf(sc, sizeof sc, "%s/cgroup.subtree_control", base);
	bool want_mem = l->mem_mb > 0 && has_word(sc, "memory");
	bool want_pids = l->nproc > 0 && has_word(sc, "pids");
	if (!want_mem && !want_pids)
		return;
	if (make_cg(base, cg->dir[0], sizeof cg->dir[0]) < 0)
		return;
	cg->mem = want_mem && write_file(cg->dir[0], "memory.max", mem) == 0;
	if (cg->mem)
		(void)write_file(cg->dir[0], "memory.swap.max", "0"); /* hit it, not the disk */
	cg->pids = want_pids && write_file(cg->dir[0], "pids.max", pids) == 0;
	cg->procs[0] = open_procs(cg->dir[0]);
	if (cg->procs[0] < 0)
		cg->mem = cg->pids = false;
}

/* cgroup v1 (root only): one directory per controller. */
static void setup_v1(struct reslimit_cg *cg, const struct policy_limits *l, const char *mem,
		     const char *pids)
{
	if (geteuid() != 0)
		return;
	if (l->mem_mb > 0 && make_cg("/sys/fs/cgroup/memory", cg->dir[0], sizeof cg->dir[0]) == 0) {
		cg->mem = write_file(cg->dir[0], "memory.limit_in_bytes", mem) == 0;
		if (cg->mem)
			(void)write_file(cg->dir[0], "memory.memsw.limit_in_bytes", mem);
		cg->procs[0] = open_procs(cg->dir[0]);
		if (cg->procs[0] < 0)
			cg->mem = false;
	}
	if (l->nproc > 0 && make_cg("/sys/fs/cgroup/pids", cg->dir[1], sizeof cg->dir[1]) == 0) {
		cg->pids = write_file(cg->dir[1], "pids.max", pids) == 0;
		cg->procs[1] = open_procs(cg->dir[1]);
		if (cg->procs[1] < 0)
			cg->pids = false;
	}
}

void reslimit_cg_setup(struct reslimit_cg *cg, const struct policy_limits *l)
{
	memset(cg, 0, sizeof *cg);
	cg->procs[0] = cg->procs[1] = -1;
	char mem[32], pids[32];
	snprintf(mem, sizeof mem, "%ld", l->mem_mb * MiB);
	snprintf(pids, sizeof pids, "%ld", l->nproc);
	if (access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
		setup_v2(cg, l, mem, pids);
	else
		setup_v1(cg, l, mem, pids);
}

void reslimit_cg_join(const struct reslimit_cg *cg)
{
	for (int i = 0; i < 2; i++)
		if (cg->procs[i] >= 0 && write(cg->procs[i], "0", 1) < 0) {
			/* best effort: the rlimits still apply */
		}
}

static void set_limit(int res, long cur, long max)
{
	if (cur <= 0)
		return; /* 0 or unset: leave as inherited */
	struct rlimit rl;
	if (getrlimit(res, &rl) < 0)
		return;
	rlim_t c = (rlim_t)cur, m = (rlim_t)max;
	if (rl.rlim_max != RLIM_INFINITY && m > rl.rlim_max)
		m = rl.rlim_max;
	if (c > m)
		c = m;
	rl.rlim_cur = c;
	rl.rlim_max = m;
	(void)setrlimit(res, &rl);
}

/* The tasks (threads included, as RLIMIT_NPROC counts them) whose real
 * uid is uid, from /proc/PID/status. */
static long uid_tasks(uid_t uid)
{
	DIR *d = opendir("/proc");
	if (!d)
		return 0;
	long n = 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		char f[300], line[256];
		snprintf(f, sizeof f, "/proc/%s/status", de->d_name);
		FILE *fp = fopen(f, "re");
		if (!fp)
			continue;
		long ruid = -1, threads = 1;
		while (fgets(line, sizeof line, fp)) {
			if (!strncmp(line, "Uid:", 4))
				ruid = strtol(line + 4, NULL, 10);
			else if (!strncmp(line, "Threads:", 8))
				threads = strtol(line + 8, NULL, 10);
		}
		fclose(fp);
		if (ruid == (long)uid)
			n += threads;
	}
	closedir(d);
	return n;
}

void reslimit_plan_watch(struct reslimit_cg *cg, const struct policy_limits *l, bool supervised)
{
	cg->watch_pids = supervised && !cg->pids && l->nproc > 0;
	cg->watch_mem = supervised && !cg->mem && l->mem_mb > 0;
}

void reslimit_count_shared(struct reslimit_cg *cg, uid_t uid)
{
	cg->nproc_shared = uid_tasks(uid);
}

void reslimit_apply(const struct policy_limits *l, const struct reslimit_cg *cg)
{
	/* with a pids cgroup or the supervisor's count, RLIMIT_NPROC is only a
	 * backstop: pid 1 counts against it too, forks in flight while the
	 * supervisor counts are not seen yet, and a fork it refuses goes
	 * unseen.  Without a user namespace it counts the uid's tasks on the
	 * whole host, the parallel sandboxes of one cargo build included, which
	 * nproc_shared (counted at the start) misses when they start later:
	 * the supervisor counts this sandbox alone, so leave them room. */
	long nproc = l->nproc;
	if (nproc > 0 && (cg->pids || cg->watch_pids))
		nproc += 64;
	if (nproc > 0 && cg->watch_pids && cg->nproc_shared)
		nproc += l->nproc;
	if (nproc > 0)
		nproc += cg->nproc_shared;
	set_limit(RLIMIT_NPROC, nproc, nproc);
	long fsize = l->fsize_mb > 0 ? l->fsize_mb * MiB : 0;
	set_limit(RLIMIT_FSIZE, fsize, fsize);
	set_limit(RLIMIT_CPU, l->cpu_s, l->cpu_s + 5);
	long as = l->as_mb > 0 ? l->as_mb * MiB : 0;
	set_limit(RLIMIT_AS, as, as);
	long data = !cg->mem && l->mem_mb > 0 ? l->mem_mb * MiB : 0;
	/* the supervisor's sample sees growth only below this backstop: room
	 * for the sandbox to pass mem_mb by what grows in one sample */
	if (data && cg->watch_mem)
		data += (l->mem_mb > 512 ? l->mem_mb : 512) * MiB;
#if defined(__SANITIZE_ADDRESS__)
	/* an ASan build (the test suite's sanitizer pass) maps terabytes of
	 * shadow memory, which RLIMIT_DATA counts: the fallback would stop
	 * bsbox's own child before it execs; the cgroup path is unaffected */
	data = 0;
#endif
	set_limit(RLIMIT_DATA, data, data);
	set_limit(RLIMIT_NOFILE, l->nofile, l->nofile);
	struct rlimit core = { 0, 0 };
	(void)setrlimit(RLIMIT_CORE, &core);
}

void reslimit_cg_read(const struct reslimit_cg *cg, struct reslimit_hits *h)
{
	if (cg->mem && cg->dir[0][0]) {
		h->oom_kills = read_counter(cg->dir[0], "memory.events", "oom_kill");
		if (!h->oom_kills)
			h->oom_kills = read_counter(cg->dir[0], "memory.oom_control", "oom_kill");
	}
	const char *pd = cg->dir[1][0] ? cg->dir[1] : cg->dir[0];
	if (cg->pids && pd[0])
		h->pids_max = read_counter(pd, "pids.events", "max");
}

void reslimit_cg_remove(struct reslimit_cg *cg)
{
	for (int i = 0; i < 2; i++) {
		if (cg->procs[i] >= 0)
			close(cg->procs[i]);
		cg->procs[i] = -1;
		if (!cg->dir[i][0])
			continue;
		/* the namespace's last processes may still be exiting */
		for (int k = 0; k < 100 && rmdir(cg->dir[i]) < 0 && errno == EBUSY; k++)
			usleep(2000);
		cg->dir[i][0] = '\0';
	}
	cg->mem = cg->pids = false;
}

bool reslimit_tmpfs_full(int fd)
{
	struct statfs s;
	if (fd < 0 || fstatfs(fd, &s) < 0 || s.f_type != TMPFS_MAGIC)
		return false;
	return (s.f_blocks > 0 && s.f_bfree == 0) || (s.f_files > 0 && s.f_ffree == 0);
}

void reslimit_for_compiler(struct policy_limits *l)
{
	struct policy *d = policy_new_default();
	if (!d)
		return;
	/* equal to the default: inherited from it (a file setting exactly that
	 * value is lifted too, which only ever loosens a compiler's limit) */
	if (l->mem_mb == d->limits.mem_mb)
		l->mem_mb = 0;
	if (l->cpu_s == d->limits.cpu_s)
		l->cpu_s = 0;
	if (l->wall_s == d->limits.wall_s)
		l->wall_s = 0;
	policy_free(d);
}

static void hit(struct evlog *log, struct report *rep, const char *key, long value,
		const char *detail)
{
	char suggest[96];
	/* twice the value: a concrete entry to paste; 0 would mean unlimited */
	snprintf(suggest, sizeof suggest, "\"limits\": {\"%s\": %ld}", key, value > 0 ? value * 2 : 0);
	struct bsbox_event ev = { .kind = EV_RESOURCE, .detail = detail, .limit = key,
				  .value = value, .suggest = suggest };
	if (log)
		evlog_write(log, &ev);
	if (rep)
		report_add(rep, &ev, NULL);
}

void reslimit_report(const struct policy_limits *l, const struct reslimit_hits *h,
		     struct evlog *log, struct report *rep)
{
	char d[256];
	if (h->oom_kills > 0) {
		snprintf(d, sizeof d,
			 "memory limit reached: the sandbox may use %ld MiB (limits.mem_mb); the "
			 "kernel killed %ld process%s",
			 l->mem_mb, h->oom_kills, h->oom_kills == 1 ? "" : "es");
		hit(log, rep, "mem_mb", l->mem_mb, d);
	}
	if (h->mem_kills > 0) {
		snprintf(d, sizeof d,
			 "memory limit reached: the sandbox may use %ld MiB (limits.mem_mb); bsbox "
			 "killed %ld process%s when the sandbox held %ld MiB",
			 l->mem_mb, h->mem_kills, h->mem_kills == 1 ? "" : "es", h->mem_peak_mb);
		hit(log, rep, "mem_mb", l->mem_mb, d);
	}
	if (h->pids_max > 0) {
		snprintf(d, sizeof d,
			 "process limit reached: the sandbox may run %ld processes at once "
			 "(limits.nproc); %ld fork%s refused",
			 l->nproc, h->pids_max, h->pids_max == 1 ? " was" : "s were");
		hit(log, rep, "nproc", l->nproc, d);
	}
	if (h->signal == SIGXFSZ) {
		snprintf(d, sizeof d,
			 "file size limit reached: a file may grow to %ld MiB (limits.fsize_mb); "
			 "SIGXFSZ killed the command",
			 l->fsize_mb);
		hit(log, rep, "fsize_mb", l->fsize_mb, d);
	}
	if (h->signal == SIGXCPU) {
		snprintf(d, sizeof d,
			 "CPU time limit reached: a process may use %ld s of CPU (limits.cpu_s); "
			 "SIGXCPU killed the command",
			 l->cpu_s);
		hit(log, rep, "cpu_s", l->cpu_s, d);
	}
	if (h->wall) {
		snprintf(d, sizeof d,
			 "wall-clock limit reached: the run may take %ld s (limits.wall_s); bsbox "
			 "killed the sandbox",
			 l->wall_s);
		hit(log, rep, "wall_s", l->wall_s, d);
	}
	if (h->tmp_full || h->shm_full) {
		snprintf(d, sizeof d,
			 "tmpfs size limit reached: the private %s%s%s holds %ld MiB (limits.tmp_mb) "
			 "and was full at the end of the run",
			 h->tmp_full ? "/tmp" : "", h->tmp_full && h->shm_full ? " and " : "",
			 h->shm_full ? "/dev/shm" : "", l->tmp_mb);
		hit(log, rep, "tmp_mb", l->tmp_mb, d);
	}
}
