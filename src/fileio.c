/* Whole-file reads and atomic writes (see fileio.h): the lock's names for
 * util.c's helpers, so there is one implementation of each. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "fileio.h"
#include "util.h"

int fileio_read(const char *path, size_t max, char **out, size_t *len, struct bsbox_err *err)
{
	*out = NULL;
	return util_read_file(path, max, out, len, err);
}

int fileio_mkdir_p(const char *dir, struct bsbox_err *err)
{
	int r = util_mkdir_p(dir, 0755);
	return r < 0 ? bsbox_err_set(err, -r, "creating %s", dir) : 0;
}

int fileio_write_atomic(const char *path, const char *text, struct bsbox_err *err)
{
	cleanup_free char *dir = strdup(path);
	if (!dir)
		return bsbox_err_set(err, ENOMEM, "writing %s", path);
	char *slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (fileio_mkdir_p(dir, err) < 0)
			return bsbox_err_ret(err);
	}
	return util_write_atomic(path, text, strlen(text), 0644, err);
}
