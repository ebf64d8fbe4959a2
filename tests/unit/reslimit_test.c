/* reslimit.c's pure parts: the compiler relaxation and the events a hit
 * produces (kind, limit, value, suggest, and the summary's count). */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <string.h>

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

int main(void)
{
	test_for_compiler();
	test_report();
	return tap_done();
}
