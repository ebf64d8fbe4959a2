/* `bsbox review CRATE`: what changed in a crate's build-time code since it
 * was locked -- the diff of its build script (and the files it pulls in) or
 * of its proc-macro sources, between the sources cargo already has for the
 * locked and the new version -- plus what the new code reaches for
 * (processes, network, files, environment named in its text) and, when an
 * audit-mode event log exists, what it actually did. */
#ifndef BSBOX_REVIEW_H
#define BSBOX_REVIEW_H

#include <stdio.h>

#include "settings.h"

/* Pure.  Print what Rust source text reaches for, one "  kind: item" line
 * per distinct item; items also found in `old` (may be NULL) are not marked,
 * the others get " (new)" when old != NULL.  Returns the number of lines. */
int review_reach(FILE *out, const char *text, const char *old);

/* `bsbox review [--log FILE] CRATE`, argv[0] is "review". */
int review_main(int argc, char **argv, const struct bsbox_settings *set);

#endif
