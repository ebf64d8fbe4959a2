/* Error reporting: fallible functions take a struct bsbox_err *, return 0 or
 * -errno, fill the struct and never print.  Callers add context with
 * bsbox_err_prefix().  The message buffer is fixed-size so a child after
 * fork can fill it without allocating and send it to the parent as is. */
#ifndef BSBOX_ERR_H
#define BSBOX_ERR_H

#include <stddef.h>

#define BSBOX_ERR_MSG 1024

struct bsbox_err {
	int errnum;              /* errno value, or 0 for a non-errno failure */
	int exit_code;           /* 0 = caller decides; else the bsbox exit code to use */
	char msg[BSBOX_ERR_MSG];
};

/* Set the error (replacing any previous one) and return -errnum (or -1 when
 * errnum is 0). The errno text is appended when errnum != 0. */
int bsbox_err_set(struct bsbox_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Like bsbox_err_set, without appending strerror(errnum). */
int bsbox_err_setx(struct bsbox_err *e, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Prepend "context: " to the message; returns -errnum (or -1). */
int bsbox_err_prefix(struct bsbox_err *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int bsbox_err_ret(const struct bsbox_err *e);

/* Exit codes (documented in --help, README, bsbox.1). CMD's own status passes
 * through otherwise. */
enum {
	BSBOX_EXIT_USAGE = 121,     /* bad command line */
	BSBOX_EXIT_POLICY = 122,    /* policy missing or malformed */
	BSBOX_EXIT_SETUP = 123,     /* sandbox could not be set up; nothing ran */
	BSBOX_EXIT_VIOLATION = 124, /* something was denied (enforce mode) */
	BSBOX_EXIT_NOEXEC = 126,    /* CMD found but could not be executed */
	BSBOX_EXIT_NOTFOUND = 127,  /* CMD not found */
	BSBOX_EXIT_SIGNAL = 128,    /* + signal number: CMD killed by a signal */
};

#endif
