#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

__attribute__((format(printf, 4, 0)))
static int err_vset(struct bsbox_err *e, int errnum, int with_strerror, const char *fmt, va_list ap)
{
	if (!e)
		return errnum ? -errnum : -1;
	e->errnum = errnum;
	int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
	if (with_strerror && errnum && n >= 0 && (size_t)n < sizeof e->msg)
		snprintf(e->msg + n, sizeof e->msg - (size_t)n, ": %s", strerror(errnum));
	return errnum ? -errnum : -1;
}

int bsbox_err_set(struct bsbox_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = err_vset(e, errnum, 1, fmt, ap);
	va_end(ap);
	return r;
}

int bsbox_err_setx(struct bsbox_err *e, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = err_vset(e, errnum, 0, fmt, ap);
	va_end(ap);
	return r;
}

int bsbox_err_prefix(struct bsbox_err *e, const char *fmt, ...)
{
	if (!e)
		return -1;
	char pre[BSBOX_ERR_MSG], old[BSBOX_ERR_MSG];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pre, sizeof pre, fmt, ap);
	va_end(ap);
	memcpy(old, e->msg, sizeof old);
	snprintf(e->msg, sizeof e->msg, "%s: %s", pre, old);
	return bsbox_err_ret(e);
}

int bsbox_err_ret(const struct bsbox_err *e)
{
	return e->errnum ? -e->errnum : -1;
}
