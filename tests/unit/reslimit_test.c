/* reslimit.c's pure parts: the compiler relaxation and the events a hit
 * produces (kind, limit, value, suggest, and the summary's count). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "evlog.h"
#include "policy.h"
#include "report.h"
#include "reslimit.h"
#include "tap.h"

static void test_for_compiler(void)
{
	struct policy *d = policy_new_default();
	check(d != NULL, "default policy");
	if (!d)
		return;
	struct policy_limits l = d->limits;
	reslimit_for_compiler(&l);
	check(l.mem_mb == 0 && l.cpu_s == 0 && l.wall_s == 0,
	      "a compiler's mem/cpu/wall from the default are lifted: %ld %ld %ld", l.mem_mb, l.cpu_s,
	      l.wall_s);
	check(l.nproc == d->limits.nproc && l.fsize_mb == d->limits.fsize_mb &&
		      l.tmp_mb == d->limits.tmp_mb,
	      "nproc, fsize_mb and tmp_mb stay");
	l = d->limits;
	l.mem_mb = 123;
	l.wall_s = 45;
	reslimit_for_compiler(&l);
	check(l.mem_mb == 123 && l.wall_s == 45, "values a policy chose stay");
	policy_free(d);
}

static void test_report(void)
{
	struct policy_limits l = { .mem_mb = 64, .nproc = 50, .fsize_mb = 1, .cpu_s = 1,
				   .wall_s = 2, .tmp_mb = 1 };
	struct reslimit_hits h = { .oom_kills = 2, .pids_max = 1, .signal = SIGXFSZ, .wall = true,
				   .shm_full = true };
	struct report rep = { 0 };
	reslimit_report(&l, &h, NULL, &rep);
	check(rep.ndenied == 5, "five hits, five denials: %u", rep.ndenied);
	const char *want[][2] = {
		{ "memory limit reached: the sandbox may use 64 MiB", "\"limits\": {\"mem_mb\": 128}" },
		{ "process limit reached: the sandbox may run 50 processes", "\"limits\": {\"nproc\": 100}" },
		{ "file size limit reached: a file may grow to 1 MiB", "\"limits\": {\"fsize_mb\": 2}" },
		{ "wall-clock limit reached: the run may take 2 s", "\"limits\": {\"wall_s\": 4}" },
		{ "the private /dev/shm holds 1 MiB", "\"limits\": {\"tmp_mb\": 2}" },
	};
	for (size_t i = 0; i < 5 && i < rep.nitems; i++) {
		check(rep.items[i].kind == EV_RESOURCE && strstr(rep.items[i].what, want[i][0]),
		      "hit %zu: %s", i, rep.items[i].what);
		check_str("its suggest", rep.items[i].suggest, want[i][1]);
	}
	report_free(&rep);

	struct evlog log = { .fd = -1 };
	struct bsbox_event ev = { .kind = EV_RESOURCE, .detail = "x", .limit = "wall_s", .value = 2 };
	char *line = evlog_format(&log, &ev);
	check(line && strstr(line, "\"kind\":\"resource\"") &&
		      strstr(line, "\"limit\":\"wall_s\",\"value\":2,"),
	      "the event line names the limit and its value: %s", line ? line : "(null)");
	free(line);
}

/* RLIMIT_NPROC and RLIMIT_DATA as reslimit_apply sets them for cg, read back
 * in a child (they cannot be raised again); -2 if the child failed. */
static void applied(const struct policy_limits *l, const struct reslimit_cg *cg, long out[2])
{
	int p[2];
	out[0] = out[1] = -2;
	if (pipe(p) < 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		reslimit_apply(l, cg);
		struct rlimit np, da;
		long v[2] = { -1, -1 };
		if (getrlimit(RLIMIT_NPROC, &np) == 0 && getrlimit(RLIMIT_DATA, &da) == 0) {
			v[0] = np.rlim_cur == RLIM_INFINITY ? -1 : (long)np.rlim_cur;
			v[1] = da.rlim_cur == RLIM_INFINITY ? -1 : (long)(da.rlim_cur >> 20);
		}
		(void)!write(p[1], v, sizeof v);
		_exit(0);
	}
	close(p[1]);
	if (pid > 0 && read(p[0], out, 2 * sizeof(long)) != 2 * sizeof(long))
		out[0] = out[1] = -2;
	close(p[0]);
	waitpid(pid, NULL, 0);
}

static void test_backstops(void)
{
	struct rlimit np, da;
	if (getrlimit(RLIMIT_NPROC, &np) < 0 || getrlimit(RLIMIT_DATA, &da) < 0 ||
	    (np.rlim_max != RLIM_INFINITY && np.rlim_max < 1000) ||
	    (da.rlim_max != RLIM_INFINITY && da.rlim_max < (5000UL << 20))) {
		check(1, "# skipped: the hard rlimits are below the values tested");
		return;
	}
	struct policy_limits l = { .nproc = 50, .mem_mb = 64 };
	struct reslimit_cg cg = { .procs = { -1, -1 } };
	long v[2];
	applied(&l, &cg, v);
	check(v[0] == 50, "no cgroup, no supervisor: RLIMIT_NPROC is nproc: %ld", v[0]);
#if !defined(__SANITIZE_ADDRESS__)
	check(v[1] == 64, "and RLIMIT_DATA mem_mb: %ld", v[1]);
#endif
	cg.watch_pids = cg.watch_mem = true;
	applied(&l, &cg, v);
	check(v[0] == 50 + 64, "the supervisor counts: a backstop 64 above: %ld", v[0]);
#if !defined(__SANITIZE_ADDRESS__)
	check(v[1] == 64 + 512, "the supervisor samples: a backstop 512 MiB above: %ld", v[1]);
#endif
	cg.nproc_shared = 7;
	applied(&l, &cg, v);
	check(v[0] == 7 + 50 + 64 + 50,
	      "without a user namespace: the uid's other tasks and room for later sandboxes: %ld",
	      v[0]);
	l.mem_mb = 2048;
	applied(&l, &cg, v);
#if !defined(__SANITIZE_ADDRESS__)
	check(v[1] == 4096, "a large mem_mb: the backstop is twice it: %ld", v[1]);
#endif
}

int main(void)
{
	test_for_compiler();
	test_report();
	test_backstops();
	return tap_done();
}
