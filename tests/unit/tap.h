/* The unit tests' output: "ok - ..." / "not ok - ..." per check, and a last
 * line "N passed, M failed" (tap_done) that tests/run.sh reads. */
#ifndef BSBOX_TEST_TAP_H
#define BSBOX_TEST_TAP_H

#include <stdarg.h>
#include <stdio.h>

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

#endif
