/* notify_probe.h: which registers of a probe hold the path (pure); the
 * judge against a real mount namespace (a child in its own user and mount
 * namespaces covers a host directory with an empty tmpfs, as the sandbox's
 * tree hides what the policy does not grant); and the filter's probe rules
 * by behaviour: which calls reach a listener.
 * Output: "ok - ..." / "not ok - ..." lines, then "N passed, M failed". */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "notify_probe.h"
#include "seccomp_filter.h"
#include "tap.h"

#define TMPFILE_BIT 020000000

static void args_case(const char *name, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		      bool want, int dirfd, uint64_t path, bool follow)
{
	const struct sc_entry *e = sc_by_name(name);
	uint64_t a[6] = { a0, a1, a2, a3, 0, 0 };
	struct notify_probe_args pa = { 0 };
	if (!e) {
		check(0, "%s in the table", name);
		return;
	}
	bool got = notify_probe_args(e, a, &pa);
	if (!want) {
		check(!got, "%s(%#llx, %#llx, %#llx, %#llx): not a probe", name, (unsigned long long)a0,
		      (unsigned long long)a1, (unsigned long long)a2, (unsigned long long)a3);
		return;
	}
	check(got && pa.dirfd == dirfd && pa.path == path && pa.follow == follow,
	      "%s: a probe of path %#llx from dirfd %d, %s", name, (unsigned long long)path, dirfd,
	      follow ? "following" : "not following");
}

static void args(void)
{
	const uint64_t P = 0x1000, cwd = (uint64_t)(uint32_t)AT_FDCWD;
	args_case("stat", P, 0, 0, 0, true, AT_FDCWD, P, true);
	args_case("access", P, 0, 0, 0, true, AT_FDCWD, P, true);
	args_case("chdir", P, 0, 0, 0, true, AT_FDCWD, P, true);
	args_case("lstat", P, 0, 0, 0, true, AT_FDCWD, P, false);
	args_case("newfstatat", cwd, P, 0, 0, true, AT_FDCWD, P, true);
	args_case("newfstatat", cwd, P, 0, AT_SYMLINK_NOFOLLOW, true, AT_FDCWD, P, false);
	args_case("newfstatat", 3, P, 0, AT_EMPTY_PATH, false, 0, 0, false); /* fstat */
	args_case("statx", cwd, P, AT_SYMLINK_NOFOLLOW, 0x7ff, true, AT_FDCWD, P, false);
	args_case("statx", 3, P, AT_EMPTY_PATH, 0x7ff, false, 0, 0, false);
	args_case("faccessat", 5, P, 4, AT_EMPTY_PATH /* no flags: a3 is junk */, true, 5, P, true);
	args_case("faccessat2", cwd, P, 4, AT_SYMLINK_NOFOLLOW, true, AT_FDCWD, P, false);
	args_case("faccessat2", 3, P, 4, AT_EMPTY_PATH, false, 0, 0, false);
	/* opens: a directory for reading and O_PATH look; the rest are judged as opens */
	args_case("openat", cwd, P, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, true, AT_FDCWD, P, true);
	args_case("openat", cwd, P, O_PATH | O_NOFOLLOW, 0, true, AT_FDCWD, P, false);
	args_case("open", P, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0, 0, true, AT_FDCWD, P, false);
	args_case("openat", cwd, P, O_RDONLY, 0, false, 0, 0, false);
	args_case("openat", cwd, P, O_WRONLY | O_DIRECTORY | TMPFILE_BIT, 0, false, 0, 0, false);
	args_case("openat", cwd, P, O_RDWR | O_DIRECTORY, 0, false, 0, 0, false);
	args_case("open", P, O_WRONLY | O_CREAT, 0, 0, false, 0, 0, false);
	args_case("mkdir", P, 0755, 0, 0, false, 0, 0, false);
	args_case("execve", P, 0, 0, 0, false, 0, 0, false);
}

/* the child: its own user and mount namespaces, box covered by an empty
 * tmpfs; says so on ready, then waits for the parent to close done */
static pid_t hide_in_child(const char *box, int *done_w)
{
	int ready[2], done[2];
	if (pipe(ready) < 0 || pipe(done) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(ready[0]);
		close(done[1]);
		char ok = unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0 &&
				  mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
				  mount("tmpfs", box, "tmpfs", 0, NULL) == 0
			  ? 'y'
			  : 'n';
		if (write(ready[1], &ok, 1) != 1)
			_exit(1);
		char c;
		(void)!read(done[0], &c, 1);
		_exit(0);
	}
	close(ready[1]);
	close(done[0]);
	char ok = 'n';
	if (pid < 0 || read(ready[0], &ok, 1) != 1 || ok != 'y') {
		close(ready[0]);
		close(done[1]);
		if (pid > 0)
			waitpid(pid, NULL, 0);
		return -1;
	}
	close(ready[0]);
	*done_w = done[1];
	return pid;
}

static void judge(const char *dir)
{
	char box[600], secret[700], file[800], miss[4096];
	snprintf(box, sizeof box, "%s/box", dir);
	snprintf(secret, sizeof secret, "%s/secret", box);
	snprintf(file, sizeof file, "%s/file", secret);
	if (mkdir(box, 0755) < 0 || mkdir(secret, 0755) < 0)
		return;
	int fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	int done = -1;
	pid_t pid = hide_in_child(box, &done);
	if (pid < 0) {
		printf("# SKIP the judge: no user and mount namespace for this user\n");
		return;
	}
	struct policy none = { .source = "test" };
	struct policy_rule rule = { .path = secret, .access = POL_R, .origin = "test" };
	struct policy grant = { .source = "test", .rules = &rule, .nrules = 1 };

	miss[0] = '\0';
	check(notify_probe_judge(&none, pid, file, true, miss, sizeof miss) == PROBE_HIDDEN,
	      "a file the child's tree hides and the host has: hidden");
	check_str("  reported where the child's lookup leaves its tree", miss, secret);
	check(notify_probe_judge(&none, pid, secret, false, miss, sizeof miss) == PROBE_HIDDEN,
	      "the hidden directory itself, not followed: hidden");
	check(notify_probe_judge(&none, pid, box, true, miss, sizeof miss) == PROBE_SEEN,
	      "the covered directory: the child sees it");
	char none_path[900];
	snprintf(none_path, sizeof none_path, "%s/nowhere/x", box);
	check(notify_probe_judge(&none, pid, none_path, true, miss, sizeof miss) == PROBE_SEEN,
	      "a path on neither side: not news (a PATH search, an optional file)");
	check(notify_probe_judge(&grant, pid, file, true, miss, sizeof miss) == PROBE_SEEN,
	      "a path the policy grants: never looked at");
	check(notify_probe_judge(&none, getpid(), file, true, miss, sizeof miss) == PROBE_SEEN,
	      "our own tree (no mount namespace): nothing hidden");
	close(done);
	waitpid(pid, NULL, 0);
	unlink(file);
	rmdir(secret);
	rmdir(box);
}

/* ---- the filter's probe rules, by behaviour ---------------------------- */

/* the child's calls; the parent sees which reach the listener */
static void probe_calls(void)
{
	struct stat st;
	char buf[512];
	int d = open("/usr", O_PATH | O_DIRECTORY | O_CLOEXEC); /* notified: O_PATH */
	(void)!stat("/usr/bsbox-probe-1", &st);
	(void)!fstat(0, &st);
	(void)!fstatat(d, "bsbox-probe-2", &st, 0);
	(void)!fstatat(d, "", &st, AT_EMPTY_PATH);
	(void)!fstatat(AT_FDCWD, "", &st, AT_EMPTY_PATH); /* the cwd itself */
	(void)!syscall(SYS_statx, AT_FDCWD, "/usr/bsbox-probe-3", 0, 0x7ff, buf);
	(void)!syscall(SYS_statx, d, "", AT_EMPTY_PATH, 0x7ff, buf);
	(void)!syscall(SYS_statx, AT_FDCWD, "", AT_EMPTY_PATH, 0x7ff, buf);
	(void)!access("/usr/bsbox-probe-4", F_OK);
	(void)!syscall(SYS_faccessat2, AT_FDCWD, "/usr/bsbox-probe-5", F_OK, AT_EACCESS);
	(void)!readlink("/usr/bsbox-probe-6", buf, sizeof buf);
	DIR *dir = opendir("/usr/bsbox-probe-7");
	if (dir)
		closedir(dir);
	int k = openat(d, "bin", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (k >= 0)
		close(k);
	(void)!chdir("/usr/bsbox-probe-8");
}

/* What a notified call is, in the child's terms: the N of the
 * "bsbox-probe-N" path it names, "E" for a probe that names no path
 * (AT_EMPTY_PATH), "" for anything else. */
static void seen_token(pid_t pid, const struct seccomp_data *d, char *out, size_t size)
{
	const struct sc_entry *e = NULL;
	for (size_t i = 0; i < sc_count && !e; i++)
		if (sc_nr(&sc_table[i], seccomp_syscall_resolve_name) == d->nr)
			e = &sc_table[i];
	out[0] = '\0';
	if (!e)
		return;
	uint64_t a[6];
	for (int i = 0; i < 6; i++)
		a[i] = d->args[i];
	struct notify_probe_args pa;
	if (!notify_probe_args(e, a, &pa)) {
		if (e->rule == SCR_PROBE)
			snprintf(out, size, "E");
		return;
	}
	char p[64], path[256];
	snprintf(p, sizeof p, "/proc/%d/mem", (int)pid);
	int fd = open(p, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? pread(fd, path, sizeof path - 1, (off_t)pa.path) : -1;
	if (fd >= 0)
		close(fd);
	path[n > 0 ? n : 0] = '\0';
	const char *t = strstr(path, "bsbox-probe-");
	if (t)
		snprintf(out, size, "%s", t + 12);
}

static void filter_rules(void)
{
	struct scf_opts so = { .notify = true, .notify_paths = true, .have_netns = true,
			       .probes = true };
	scmp_filter_ctx ctx;
	struct bsbox_err err = { 0 };
	if (scf_build(&so, &ctx, &err) < 0) {
		check(0, "scf_build with probes: %s", err.msg);
		return;
	}
	int sync[2];
	if (pipe(sync) < 0)
		return;
	pid_t pid = fork();
	if (pid == 0) {
		if (seccomp_load(ctx) < 0)
			_exit(91);
		int nfd = seccomp_notify_fd(ctx);
		if (write(sync[1], &nfd, sizeof nfd) != (ssize_t)sizeof nfd)
			_exit(92);
		probe_calls();
		_exit(0);
	}
	seccomp_release(ctx);
	close(sync[1]);
	int num = -1;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int nfd = read(sync[0], &num, sizeof num) == (ssize_t)sizeof num && pidfd >= 0
			  ? (int)syscall(SYS_pidfd_getfd, pidfd, num, 0)
			  : -1;
	close(sync[0]);
	check(nfd >= 0, "the probe filter's listener");
	char seen[4096] = "";
	size_t used = 0;
	while (nfd >= 0) {
		struct pollfd pf[2] = { { nfd, POLLIN, 0 }, { pidfd, POLLIN, 0 } };
		if (poll(pf, 2, 5000) <= 0 || !(pf[0].revents & POLLIN))
			break;
		struct seccomp_notif req;
		struct seccomp_notif_resp resp;
		memset(&req, 0, sizeof req);
		if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0)
			continue;
		char tok[64];
		seen_token(pid, &req.data, tok, sizeof tok);
		if (tok[0] && used + strlen(tok) + 2 < sizeof seen)
			used += (size_t)snprintf(seen + used, sizeof seen - used, "%s ", tok);
		memset(&resp, 0, sizeof resp);
		resp.id = req.id;
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		(void)!ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
	int st;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the child made its calls (status 0x%x)", st);
	/* 1 stat, 3 statx, 4 access, 5 faccessat2, 7 opendir, 8 chdir; not
	 * 2 (from a descriptor), 6 (readlink), nor fstat and the AT_EMPTY_PATH
	 * forms, which name no path */
	check_str("probes from the cwd reach the supervisor, the rest do not", seen,
		  "1 3 4 5 7 8 ");
	if (nfd >= 0)
		close(nfd);
	if (pidfd >= 0)
		close(pidfd);
}

int main(void)
{
	args();
	filter_rules();
	/* not under /tmp: the judge leaves the sandbox's private /tmp alone */
	char dir[] = "/var/tmp/bsbox-probe-test-XXXXXX";
	if (mkdtemp(dir)) {
		judge(dir);
		rmdir(dir);
	}
	return tap_done();
}
