/* limitwatch.c's fork budget (when it counts, when it refuses, the quiet
 * time after a full count), proctree.c's walk on a real tree of processes
 * and threads, and the events a supervisor's hit produces. */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "limitwatch.h"
#include "proctree.h"
#include "report.h"
#include "reslimit.h"
#include "tap.h"

struct fake {
	long tasks;   /* what a count finds */
	long counts;  /* counts made */
	long long cost;
};

static long fake_count(void *arg, long long *cost_ns)
{
	struct fake *f = arg;
	f->counts++;
	*cost_ns = f->cost;
	return f->tasks;
}

static void test_budget(void)
{
	struct fake f = { .tasks = 1, .cost = 1000 };
	struct lw_budget b = { .limit = 10 };
	int allowed = 0;
	for (int i = 0; i < 100; i++)
		allowed += lw_budget_fork(&b, i, fake_count, &f);
	/* nothing exits (tasks stays 1 as counted): only the bound says full */
	check(allowed == 100, "a sandbox whose tasks exit is never refused: %d", allowed);
	check(f.counts == 10, "it counts once per (limit - tasks) forks, not per fork: %ld",
	      f.counts);

	/* a fork bomb: every fork's task stays */
	f = (struct fake){ .tasks = 0, .cost = 1000 };
	b = (struct lw_budget){ .limit = 10 };
	allowed = 0;
	for (int i = 0; i < 10; i++) {
		bool ok = lw_budget_fork(&b, 0, fake_count, &f);
		allowed += ok;
		f.tasks += ok;
	}
	check(allowed == 10 && b.refused == 0, "up to the limit: allowed %d", allowed);
	check(!lw_budget_fork(&b, 0, fake_count, &f) && b.refused == 1, "the next is refused");
	long counts = f.counts;
	check(!lw_budget_fork(&b, 999, fake_count, &f) && f.counts == counts,
	      "within the time the count took: refused without counting");
	f.tasks = 9; /* one exited */
	check(lw_budget_fork(&b, 1000, fake_count, &f) && f.counts == counts + 1,
	      "after it: counted again, and a slot is free");
	check(b.refused == 2, "two refusals: %ld", b.refused);

	/* the memory sample's count refreshes the bound */
	b = (struct lw_budget){ .limit = 10, .known = 9, .since = 1 };
	f = (struct fake){ .tasks = 3 };
	lw_budget_counted(&b, 3);
	check(lw_budget_fork(&b, 0, fake_count, &f) && f.counts == 0,
	      "a fresh count from the sample: no walk needed");
	lw_budget_counted(&b, -12);
	check(b.known == 3, "a failed walk keeps the last count");
}

static void *sleeper(void *arg)
{
	(void)arg;
	pause();
	return NULL;
}

static void test_walk(void)
{
	/* below us: A (2 threads), B, and B's child C */
	pid_t a = fork();
	if (a == 0) {
		pthread_t t;
		pthread_create(&t, NULL, sleeper, NULL);
		pause();
		_exit(0);
	}
	int pfd[2];
	if (pipe(pfd) < 0)
		return;
	pid_t b = fork();
	if (b == 0) {
		pid_t cpid = fork();
		if (cpid == 0) {
			pause();
			_exit(0);
		}
		(void)!write(pfd[1], &cpid, sizeof cpid);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	pid_t cpid = 0;
	(void)!read(pfd[0], &cpid, sizeof cpid);
	close(pfd[0]);
	long n = 0;
	for (int i = 0; i < 200 && n != 4; i++) {
		usleep(5000); /* A's thread */
		n = proctree_walk(getpid(), NULL, NULL);
	}
	check(n == 4, "tasks below us: A's two threads, B, C: %ld", n);
	if (cpid > 0)
		kill(cpid, SIGKILL); /* B's child: B reaps it, or we would see a zombie */
	kill(a, SIGKILL);
	kill(b, SIGKILL);
	waitpid(a, NULL, 0);
	waitpid(b, NULL, 0);
	check(proctree_walk(getpid(), NULL, NULL) == 0, "none once they are gone");
}

static void test_report(void)
{
	struct policy_limits l = { .mem_mb = 64, .nproc = 50 };
	struct reslimit_hits h = { .mem_kills = 1, .mem_peak_mb = 70, .pids_max = 3 };
	struct report rep = { 0 };
	reslimit_report(&l, &h, NULL, &rep);
	check(rep.ndenied == 2, "two hits, two denials: %u", rep.ndenied);
	check(rep.nitems >= 1 && strstr(rep.items[0].what, "memory limit reached: the sandbox may "
							  "use 64 MiB (limits.mem_mb); bsbox "
							  "killed 1 process when the sandbox "
							  "held 70 MiB"),
	      "the supervisor's kill: %s", rep.nitems ? rep.items[0].what : "");
	check(rep.nitems >= 2 && strstr(rep.items[1].what, "3 forks were refused"),
	      "its refused forks: %s", rep.nitems >= 2 ? rep.items[1].what : "");
	report_free(&rep);
}

int main(void)
{
	test_budget();
	test_walk();
	test_report();
	return tap_done();
}
