/* Semantic versions and cargo-style version requirements, for a policy's
 * "versions" key.  Pure code (no syscalls), unit-tested in
 * tests/unit/semver_test.c.
 *
 * A requirement is comma-separated comparators, all of which must hold:
 *   "1.2.3" / "^1.2.3"  >=1.2.3, <2.0.0   (^0.2.3: <0.3.0; ^0.0.3: <0.0.4)
 *   "~1.2.3"            >=1.2.3, <1.3.0
 *   "=1.2" "1.2.*"      >=1.2.0, <1.3.0   (partial versions widen)
 *   ">1.2" ">=1.2" "<1.2" "<=1.2"  and "*"
 * as cargo reads them.  A pre-release version (1.3.0-rc.1) matches only a
 * requirement with a comparator naming a pre-release of the same
 * major.minor.patch, as in cargo. */
#ifndef BSBOX_SEMVER_H
#define BSBOX_SEMVER_H

#include <stdbool.h>

#include "err.h"

#define SEMVER_PRE_MAX 64

struct semver {
	unsigned long major, minor, patch;
	char pre[SEMVER_PRE_MAX]; /* pre-release identifiers without '-', "" for a release */
};

/* "MAJOR.MINOR.PATCH[-PRE][+BUILD]" (build metadata ignored).  Returns 0, or
 * -EINVAL with err->msg saying what is wrong. */
int semver_parse(const char *s, struct semver *v, struct bsbox_err *err);

/* <0, 0, >0 by semver precedence. */
int semver_cmp(const struct semver *a, const struct semver *b);

/* Does version satisfy req?  Returns 0 and sets *match, or -EINVAL (req or
 * version malformed; err->msg names the comparator). */
int semver_req_matches(const char *req, const char *version, bool *match, struct bsbox_err *err);

/* Only validate req's syntax: 0 or -EINVAL. */
int semver_req_check(const char *req, struct bsbox_err *err);

#endif
