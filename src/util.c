/* Path and file helpers (see util.h).  util_mkdir_p allocates nothing: ns.c
 * calls it in the sandbox's child after clone. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "util.h"

int util_path_normalise(const char *in, char *out, size_t outlen)
{
	if (in[0] != '/')
		return -EINVAL;
	if (outlen < 2)
		return -ENAMETOOLONG;
	/* The write position never passes the read position (each component
	 * written is preceded by at least one '/' read), so in == out works. */
	size_t r = 0, w = 0;
	while (in[r]) {
		while (in[r] == '/')
			r++;
		size_t start = r;
		while (in[r] && in[r] != '/')
			r++;
		size_t n = r - start;
		if (n == 0 || (n == 1 && in[start] == '.'))
			continue;
		if (n == 2 && in[start] == '.' && in[start + 1] == '.') {
			while (w > 0 && out[w - 1] != '/')
				w--;
			if (w > 0)
				w--;
			continue;
		}
		if (w + 1 + n + 1 > outlen)
			return -ENAMETOOLONG;
		out[w++] = '/';
		memmove(out + w, in + start, n);
		w += n;
	}
	if (w == 0)
		out[w++] = '/';
	out[w] = '\0';
	return 0;
}

bool util_path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	if (n == 1 && dir[0] == '/')
		return path[0] == '/';
	return n > 0 && strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

char *util_path_resolve(const char *path)
{
	char abs[PATH_MAX], norm[PATH_MAX];
	if (path[0] == '/') {
		if (snprintf(abs, sizeof abs, "%s", path) >= (int)sizeof abs)
			return errno = ENAMETOOLONG, NULL;
	} else {
		char cwd[PATH_MAX];
		if (!getcwd(cwd, sizeof cwd))
			return NULL;
		if (snprintf(abs, sizeof abs, "%s/%s", cwd, path) >= (int)sizeof abs)
			return errno = ENAMETOOLONG, NULL;
	}
	char *r = realpath(abs, NULL);
	if (r || errno == ENOMEM)
		return r;
	/* A path that does not exist (yet): resolve what exists, keep the rest.
	 * Lexical ".." in the rest is only safe once the existing part is
	 * resolved, so walk up one component at a time. */
	if (snprintf(norm, sizeof norm, "%s", abs) >= (int)sizeof norm)
		return errno = ENAMETOOLONG, NULL;
	for (char *slash = strrchr(norm, '/'); slash && slash != norm; slash = strrchr(norm, '/')) {
		*slash = '\0';
		cleanup_free char *head = realpath(norm, NULL);
		if (!head) {
			if (errno == ENOMEM)
				return NULL;
			continue;
		}
		char joined[2 * PATH_MAX + 2];
		snprintf(joined, sizeof joined, "%s/%s", head, abs + (slash - norm) + 1);
		if (util_path_normalise(joined, norm, sizeof norm) < 0)
			return errno = ENAMETOOLONG, NULL;
		return strdup(norm);
	}
	if (util_path_normalise(abs, norm, sizeof norm) < 0)
		return errno = ENAMETOOLONG, NULL;
	return strdup(norm);
}

bool util_holds_home(const char *dir)
{
	cleanup_free char *d = util_path_resolve(dir);
	if (!d)
		return true; /* cannot tell: refuse, never grant by mistake */
	if (strcmp(d, "/") == 0)
		return true;
	const char *home = getenv("HOME");
	if (!home || !*home)
		return false;
	cleanup_free char *h = util_path_resolve(home);
	return !h || util_path_within(h, d);
}

int util_mkdir_p(const char *path, mode_t mode)
{
	char tmp[PATH_MAX];
	if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
		return -ENAMETOOLONG;
	for (char *p = tmp + 1;; p++) {
		if (*p != '/' && *p)
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = saved;
		if (!saved)
			return 0;
	}
}

int util_read_file(const char *path, size_t max, char **out, size_t *len, struct bsbox_err *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	if (fd < 0)
		return bsbox_err_set(err, errno, "opening %s", path);
	if (fstat(fd, &st) < 0)
		return bsbox_err_set(err, errno, "%s", path);
	if (!S_ISREG(st.st_mode))
		return bsbox_err_setx(err, EINVAL, "%s: not a regular file", path);
	if ((unsigned long long)st.st_size > max)
		return bsbox_err_setx(err, EFBIG, "%s: larger than %zu bytes", path, max);
	/* read to EOF, not st_size: the file may grow meanwhile (and /proc
	 * files report 0); cap stays <= max + 2 */
	size_t cap = (size_t)st.st_size + 2, n = 0;
	cleanup_free char *buf = malloc(cap);
	if (!buf)
		return bsbox_err_set(err, ENOMEM, "reading %s", path);
	for (;;) {
		if (n == cap - 1) {
			if (n > max)
				return bsbox_err_setx(err, EFBIG, "%s: larger than %zu bytes", path, max);
			size_t ncap = cap <= (max + 2) / 2 ? cap * 2 : max + 2;
			char *nb = realloc(buf, ncap);
			if (!nb)
				return bsbox_err_set(err, ENOMEM, "reading %s", path);
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + n, cap - 1 - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return bsbox_err_set(err, errno, "reading %s", path);
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > max)
		return bsbox_err_setx(err, EFBIG, "%s: larger than %zu bytes", path, max);
	buf[n] = '\0';
	if (len)
		*len = n;
	*out = steal_ptr(buf);
	return 0;
}

int util_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int util_write_atomic(const char *path, const char *data, size_t len, mode_t mode,
		      struct bsbox_err *err)
{
	cleanup_free char *tmp = NULL;
	if (asprintf(&tmp, "%s.bsbox-tmp.%ld", path, (long)getpid()) < 0)
		return bsbox_err_set(err, ENOMEM, "writing %s", path);
	cleanup_close int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return bsbox_err_set(err, errno, "creating %s", tmp);
	int r = util_write_all(fd, data, len);
	/* fchmod: the mode asked for, whatever the umask */
	if (r < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0 || close(steal_fd(&fd)) < 0 ||
	    rename(tmp, path) < 0) {
		int e = r < 0 ? -r : errno;
		unlink(tmp);
		return bsbox_err_set(err, e, "writing %s", path);
	}
	return 0;
}

int util_self_exe(char *buf, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", buf, size);
	if (n < 0)
		return -errno;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

char *util_which(const char *name, const char *path_env)
{
	if (!*name)
		return errno = ENOENT, NULL;
	if (strchr(name, '/')) {
		if (name[0] == '/')
			return strdup(name);
		cleanup_free char *cwd = getcwd(NULL, 0);
		char *r;
		if (!cwd)
			return NULL;
		return asprintf(&r, "%s/%s", cwd, name) < 0 ? (errno = ENOMEM, NULL) : r;
	}
	if (!path_env)
		path_env = "/bin:/usr/bin";
	for (const char *s = path_env;;) {
		size_t l = strcspn(s, ":");
		char cand[PATH_MAX];
		struct stat st;
		/* an empty entry is the current directory, as for execvp */
		int w = l ? snprintf(cand, sizeof cand, "%.*s/%s", (int)l, s, name)
			  : snprintf(cand, sizeof cand, "./%s", name);
		if (w > 0 && (size_t)w < sizeof cand && stat(cand, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(cand, X_OK) == 0)
			return util_which(cand, NULL);
		if (!s[l])
			break;
		s += l + 1;
	}
	errno = ENOENT;
	return NULL;
}
