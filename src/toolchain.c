/* The toolchain cargo runs (see toolchain.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "toolchain.h"
#include "util.h"

extern char **environ;

int toolchain_sysroot(const char *rustc, char **out, struct bsbox_err *err)
{
	char *argv[] = { (char *)rustc, "--print", "sysroot", NULL };
	char buf[PATH_MAX];
	int pfd[2];
	*out = NULL;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return bsbox_err_set(err, errno, "pipe");
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	pid_t pid;
	int r = posix_spawnp(&pid, rustc, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (r != 0) {
		close(pfd[0]);
		return bsbox_err_set(err, r, "running %s --print sysroot", rustc);
	}
	size_t n = 0;
	ssize_t got;
	while (n + 1 < sizeof buf && (got = read(pfd[0], buf + n, sizeof buf - 1 - n)) != 0) {
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			break;
		n += (size_t)got;
	}
	close(pfd[0]);
	buf[n] = '\0';
	int status;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return bsbox_err_set(err, errno, "waiting for %s --print sysroot", rustc);
	buf[strcspn(buf, "\r\n")] = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || buf[0] != '/')
		return bsbox_err_setx(err, EINVAL, "%s --print sysroot failed", rustc);
	if (!(*out = strdup(buf)))
		return bsbox_err_set(err, ENOMEM, "%s --print sysroot", rustc);
	return 0;
}

static int grant_dir(const char *dir, toolchain_grant_fn fn, void *ud)
{
	if (util_holds_home(dir))
		return 0;
	return fn(ud, dir);
}

int toolchain_grants(const char *tool, toolchain_grant_fn fn, void *ud)
{
	char norm[PATH_MAX];
	if (tool[0] != '/' || util_path_normalise(tool, norm, sizeof norm) < 0)
		return 0;
	char *slash = strrchr(norm, '/');
	if (slash == norm)
		return 0; /* a tool in "/": nothing sensible to grant */
	*slash = '\0';
	/* symlinks on the way, outermost first */
	for (char *s = strchr(norm + 1, '/');; s = strchr(s + 1, '/')) {
		if (s)
			*s = '\0';
		struct stat st;
		int r = 0;
		if (lstat(norm, &st) == 0 && S_ISLNK(st.st_mode))
			r = grant_dir(norm, fn, ud);
		if (s)
			*s = '/';
		if (r < 0)
			return r;
		if (!s)
			break;
	}
	cleanup_free char *dir = realpath(norm, NULL);
	int r = dir ? grant_dir(dir, fn, ud) : 0;
	if (r < 0)
		return r;
	struct stat st;
	if (lstat(tool, &st) == 0 && S_ISLNK(st.st_mode)) {
		cleanup_free char *target = realpath(tool, NULL);
		char *ts = target ? strrchr(target, '/') : NULL;
		if (ts && ts != target) {
			*ts = '\0';
			r = grant_dir(target, fn, ud);
		}
	}
	return r;
}
