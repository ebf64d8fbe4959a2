/* The unit tests' one harness.  check() prints "ok - ..." or "not ok - ..."
 * for each check and counts it; check_str() compares strings and shows both
 * when they differ; tap_done() prints the last line, "N passed, M failed",
 * which tests/run.sh shows, and returns main's exit status (1 on any
 * failure).  A test that forks may reset passed/failed in the child. */
#ifndef BSBOX_TEST_TAP_H
#define BSBOX_TEST_TAP_H

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int passed, failed;

static void check(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void check(int cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	printf("%s - ", cond ? "ok" : "not ok");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	fflush(stdout);
	if (cond)
		passed++;
	else
		failed++;
}

static inline void check_str(const char *what, const char *got, const char *want)
{
	int ok = got && strcmp(got, want) == 0;
	check(ok, "%s", what);
	if (!ok)
		printf("#   got \"%s\", want \"%s\"\n", got ? got : "(null)", want);
}

static inline int tap_done(void)
{
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

/* Run fn in a fresh directory made from tmpl ("/tmp/NAME.XXXXXX", changed
 * in place), then remove the directory and everything in it. */
static inline void tap_in_tmpdir(char *tmpl, void (*fn)(const char *dir))
{
	if (!mkdtemp(tmpl)) {
		check(0, "mkdtemp");
		return;
	}
	fn(tmpl);
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
	if (system(cmd) != 0)
		check(0, "removing %s", tmpl);
}

#endif
