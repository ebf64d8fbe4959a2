/* The event log: one JSON object per line, appended with a single write() on
 * an O_APPEND fd so parallel bsbox processes never interleave lines.
 * Schema (docs/events.md): {"time","crate","version","proc_macros","command","pid","exe","cmdline",
 * "kind":"syscall|network|path|directive|setup|resource","syscall","detail","path",
 * "access","addr","limit","value","action":"denied|allowed-audit","suggest"}. */
#ifndef BSBOX_EVLOG_H
#define BSBOX_EVLOG_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

enum ev_kind { EV_SYSCALL, EV_NETWORK, EV_PATH, EV_DIRECTIVE, EV_SETUP, EV_RESOURCE };

struct bsbox_event {
	enum ev_kind kind;
	pid_t pid;
	const char *exe;     /* may be NULL */
	const char *cmdline; /* may be NULL; args joined by spaces */
	const char *syscall; /* name, may be NULL */
	const char *detail;  /* human text: decoded args etc. */
	const char *path;    /* EV_PATH: resolved absolute path */
	const char *access;  /* EV_PATH: "read" | "write" | "exec" | "connect" (a unix socket) */
	const char *addr;    /* EV_NETWORK: "127.0.0.1:9", "unix:/path", "unix:@abstract", "netlink:ROUTE" */
	const char *limit;   /* EV_RESOURCE: the policy's limit key ("mem_mb"), else NULL */
	long value;          /* EV_RESOURCE: that limit's value */
	bool audit;          /* true: let through in audit mode ("would have been denied") */
	bool info;           /* true: not a denial: a probe found an existing path hidden
	                        (action "hidden"); never fails the build */
	const char *suggest; /* policy entry that would allow it, ready to paste, may be NULL */
};

struct evlog {
	int fd;              /* -1: not logging to a file */
	const char *crate;   /* borrowed */
	const char *version; /* borrowed */
	const char *proc_macros; /* borrowed, may be NULL: the proc macros a confined
	                            rustc call loads ("a@1.0, b@2.1"), logged as "proc_macros" */
	const char *command;     /* borrowed, may be NULL: `bsbox run`'s command ("probe udp
	                            ..."), logged as "command" when there is no crate, so
	                            `bsbox report` can name what ran */
	unsigned lost;           /* events evlog_write could not write (the caller says so
	                            once at the end: the log is written from the supervisor's
	                            threads, which must not print) */
	int lost_errno;          /* why the last one was lost (EIO: a short write) */
};

/* Default path: bsbox_log ($BSBOX_LOG, settings.h) if not NULL or empty,
 * else $XDG_STATE_HOME/bsbox/events.jsonl, else
 * $HOME/.local/state/bsbox/events.jsonl. Returns malloc'ed string. */
char *evlog_default_path(const char *bsbox_log);
int evlog_open(struct evlog *log, const char *path, const char *crate, const char *version,
	       struct bsbox_err *err);
/* Format one event as a JSON line (with trailing '\n') into a malloc'ed string. */
char *evlog_format(const struct evlog *log, const struct bsbox_event *ev);
int evlog_write(struct evlog *log, const struct bsbox_event *ev);
void evlog_close(struct evlog *log);
const char *evlog_kind_name(enum ev_kind k);

#endif
