/* Denial collection and the human summary printed on stderr at the end of a
 * run; also `bsbox report` over a JSONL log. */
#ifndef BSBOX_REPORT_H
#define BSBOX_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "evlog.h"
#include "settings.h"

struct report_item {
	enum ev_kind kind;
	char *what;    /* "read ~/.ssh/id_rsa", "connect 127.0.0.1:9", "ptrace()" */
	char *by;      /* "pid 12 (cat)" */
	char *suggest; /* policy entry, may be NULL */
	unsigned count;
	bool audit;    /* let through (audit mode); false: actually denied */
};

struct report {
	struct report_item *items; /* de-duplicated by (kind, what) */
	size_t nitems;
	unsigned ndenied;          /* total denial events, including duplicates */
	const char *crate;         /* borrowed, may be NULL */
	const char *policy_hint;   /* borrowed: which policy file to create or edit, may be NULL */
	char **hidden;             /* host paths that exist but a probe (stat, access...) found
	                              hidden: not denials, said in the summary (issue 12) */
	size_t nhidden;
};

/* Record one event.  what == NULL: report_what(ev).  Copies what it keeps. */
void report_add(struct report *r, const struct bsbox_event *ev, const char *what);
/* The short "what" of an event, used to de-duplicate: "read /x" (path),
 * "connect 1.2.3.4:9" (network with addr), the detail otherwise
 * ("socket(AF_INET6, SOCK_DGRAM)"), "ptrace()" (syscall), the detail for
 * directive/setup events.  Always NUL-terminated in buf. */
void report_what(const struct bsbox_event *ev, char *buf, size_t len);
/* The summary: what was denied, by whom, and the entry that would allow it.
 * audit: "would have been denied". prefix: put before each line (e.g.
 * "cargo:warning=" in audit mode under cargo), may be NULL. */
void report_print(const struct report *r, FILE *out, bool audit, const char *prefix);
void report_free(struct report *r);

/* `bsbox report [--json] [--format text|json|github|sarif] [--crate NAME] [LOG]`
 * argv[0] is "report".  Returns an exit code. */
int report_main(int argc, char **argv, const struct bsbox_settings *set);

#endif
