/* Whole-file reads and atomic writes (see fileio.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileio.h"

int fileio_read(const char *path, size_t max, char **out, size_t *len, struct bsbox_err *err)
{
	*out = NULL;
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return bsbox_err_set(err, errno, "opening %s", path);
	size_t cap = 4096, n = 0;
	cleanup_free char *buf = malloc(cap + 1);
	if (!buf)
		return bsbox_err_set(err, ENOMEM, "reading %s", path);
	for (;;) {
		if (n == cap) {
			if (cap >= max)
				return bsbox_err_setx(err, EFBIG, "%s: larger than %zu bytes", path, max);
			cap = cap * 2 > max ? max : cap * 2;
			char *nb = realloc(buf, cap + 1);
			if (!nb)
				return bsbox_err_set(err, ENOMEM, "reading %s", path);
			buf = nb;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return bsbox_err_set(err, errno, "reading %s", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	if (len)
		*len = n;
	*out = steal_ptr(buf);
	return 0;
}

int fileio_mkdir_p(const char *dir, struct bsbox_err *err)
{
	cleanup_free char *d = strdup(dir);
	if (!d)
		return bsbox_err_set(err, ENOMEM, "mkdir");
	for (char *s = d + 1;; s++) {
		if (*s != '/' && *s)
			continue;
		char saved = *s;
		*s = '\0';
		if (mkdir(d, 0755) < 0 && errno != EEXIST)
			return bsbox_err_set(err, errno, "creating %s", d);
		*s = saved;
		if (!saved)
			return 0;
	}
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
	cleanup_free char *tmp = NULL;
	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
		return bsbox_err_set(err, ENOMEM, "writing %s", path);
	cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return bsbox_err_set(err, errno, "creating %s", tmp);
	size_t len = strlen(text);
	const char *p = text;
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : EIO;
			unlink(tmp);
			return bsbox_err_set(err, e, "writing %s", tmp);
		}
		p += w;
		len -= (size_t)w;
	}
	if (close(steal_fd(&fd)) < 0 || rename(tmp, path) < 0) {
		int e = errno;
		unlink(tmp);
		return bsbox_err_set(err, e, "writing %s", path);
	}
	return 0;
}
