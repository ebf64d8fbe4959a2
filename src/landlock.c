/* Landlock ruleset: mirrors the policy's allowlist with the best ABI the
 * kernel offers.  The ruleset is built in the sandbox after the mount tree is
 * in place, because the private /tmp, /dev and /proc only exist there; the
 * policy paths are the same inodes as on the host (bind mounts share them). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "landlock.h"

/* Debian 12's uapi headers stop at ABI 3; the values below are the kernel's. */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#define BSBOX_LL_FS_IOCTL_DEV (1ULL << 15)
#define BSBOX_LL_NET_BIND_TCP (1ULL << 0)
#define BSBOX_LL_NET_CONNECT_TCP (1ULL << 1)
#define BSBOX_LL_SCOPE_ABSTRACT_UNIX (1ULL << 0)
#define BSBOX_LL_SCOPE_SIGNAL (1ULL << 1)
#ifndef LANDLOCK_CREATE_RULESET_VERSION
#define LANDLOCK_CREATE_RULESET_VERSION (1U << 0)
#endif

struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;             /* ABI 6 */
};

#define FS_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_EXEC LANDLOCK_ACCESS_FS_EXECUTE
#define FS_WRITE_V1                                                                             \
	(LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR |                         \
	 LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |                        \
	 LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK | \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM)
/* rights that make sense on a non-directory */
#define FS_FILE_RIGHTS                                                                          \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | \
	 LANDLOCK_ACCESS_FS_TRUNCATE | BSBOX_LL_FS_IOCTL_DEV)

static int ll_create(const struct ll_ruleset_attr *a, size_t size, uint32_t flags)
{
	return (int)syscall(__NR_landlock_create_ruleset, a, size, flags);
}

int ll_abi(int max)
{
	int abi = ll_create(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 0)
		return 0;
	if (max >= 0 && abi > max)
		abi = max;
	return abi;
}

static uint64_t fs_all(int abi)
{
	uint64_t a = FS_READ | FS_EXEC | FS_WRITE_V1;
	if (abi >= 2)
		a |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		a |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		a |= BSBOX_LL_FS_IOCTL_DEV;
	return a;
}

/* What a ruleset handles.  Over our own mount tree (o->mount_bounded) the
 * mount tree already bounds reads: only the policy's paths are bound, read-only
 * unless the rule grants w, noexec unless it grants x, and a read of anything
 * else ends at the FUSE root (or the tmpfs root and the supervisor), which
 * denies and logs it.  Handling the read rights there too would make the
 * kernel walk the path to the root on every open for a decision already made,
 * and so would TRUNCATE: it is computed on every open whatever the flags.  So
 * there the ruleset keeps what the mount tree does not bound in full (writes
 * into the writable binds, /tmp and /dev, exec, refer, device ioctls), each
 * checked only by the calls that need it, and a read-only open skips Landlock.
 * Without our mount tree (degraded mode) Landlock is the read bound. */
static uint64_t fs_handled(int abi, bool mount_bounded)
{
	uint64_t a = fs_all(abi);
	if (mount_bounded)
		a &= ~(FS_READ | LANDLOCK_ACCESS_FS_TRUNCATE);
	return a;
}

static uint64_t rights_for(unsigned access, int abi)
{
	uint64_t r = 0;
	if (access & POL_R)
		r |= FS_READ;
	if (access & POL_X)
		r |= FS_EXEC | FS_READ;
	if (access & POL_W) {
		r |= FS_WRITE_V1 | FS_READ;
		if (abi >= 2)
			r |= LANDLOCK_ACCESS_FS_REFER;
		if (abi >= 3)
			r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	}
	return r & fs_all(abi);
}

/* Add a path rule; a missing path is not an error (policies name optional
 * things such as ~/.gitconfig). */
static int add_path(int rfd, const char *path, uint64_t rights, struct bsbox_err *err)
{
	if (!rights) /* nothing the ruleset handles */
		return 0;
	cleanup_close int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT || errno == ENOTDIR || errno == EACCES || errno == ELOOP)
			return 0;
		return bsbox_err_set(err, errno, "landlock: open %s", path);
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		return bsbox_err_set(err, errno, "landlock: stat %s", path);
	if (!S_ISDIR(st.st_mode))
		rights &= FS_FILE_RIGHTS;
	if (!rights)
		return 0;
	struct landlock_path_beneath_attr pb = { .allowed_access = rights, .parent_fd = fd };
	if (syscall(__NR_landlock_add_rule, rfd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0)
		return bsbox_err_set(err, errno, "landlock: add rule for %s", path);
	return 0;
}

/* Does a credential file (creds.h) lie strictly beneath dir, or is it dir? */
static bool holds_secret(const struct policy *p, const char *dir, bool *is_one)
{
	size_t n = strlen(dir);
	bool root = n == 1 && dir[0] == '/';
	*is_one = false;
	for (size_t i = 0; i < p->nsecrets; i++) {
		const char *s = p->secrets[i].path;
		if (!strcmp(s, dir)) {
			*is_one = true;
			return true;
		}
		if (root || (!strncmp(s, dir, n) && s[n] == '/'))
			return true;
	}
	return false;
}

/* Grant `rights` at and beneath path, except the credential files beneath
 * it: a directory on the way to one gets only READ_DIR, each of its other
 * entries the full rights (Landlock only adds up grants, so "all but one
 * file" is spelt out entry by entry).  Without a mount namespace this is
 * what keeps the originals unreadable whatever path, link or race a script
 * tries; the supervisor serves the sanitised .git/config itself. */
static int add_path_except(int rfd, const struct policy *p, const char *path, uint64_t rights,
			   int depth, struct bsbox_err *err)
{
	bool is_one;
	if (!holds_secret(p, path, &is_one))
		return add_path(rfd, path, rights, err);
	if (is_one || depth > 8)
		return 0;
	int r = add_path(rfd, path, rights & LANDLOCK_ACCESS_FS_READ_DIR, err);
	if (r < 0)
		return r;
	DIR *d = opendir(path);
	if (!d)
		return 0;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		char child[PATH_MAX];
		if (snprintf(child, sizeof child, "%s%s%s", path, strcmp(path, "/") ? "/" : "",
			     de->d_name) >= (int)sizeof child)
			continue;
		if ((r = add_path_except(rfd, p, child, rights, depth + 1, err)) < 0)
			break;
	}
	closedir(d);
	return r;
}

int ll_restrict(const struct ll_opts *o, struct bsbox_err *err)
{
	int abi = o->abi;
	struct ll_ruleset_attr attr = { 0 };
	size_t size = sizeof(uint64_t);

	if (o->restrict_fs)
		attr.handled_access_fs = fs_handled(abi, o->mount_bounded);
	if (abi >= 4) {
		size = 2 * sizeof(uint64_t);
		if (o->restrict_net)
			attr.handled_access_net = BSBOX_LL_NET_BIND_TCP | BSBOX_LL_NET_CONNECT_TCP;
	}
	if (abi >= 6) {
		size = sizeof attr;
		if (o->scope)
			attr.scoped = BSBOX_LL_SCOPE_ABSTRACT_UNIX | BSBOX_LL_SCOPE_SIGNAL;
	}
	if (!attr.handled_access_fs && !attr.handled_access_net && !attr.scoped)
		return 0;
	/* A ruleset that handles nothing for fs is rejected on older ABIs with
	 * ENOMSG; handle at least READ_FILE and grant it on "/" in that case. */
	bool fs_dummy = false;
	if (!attr.handled_access_fs) {
		attr.handled_access_fs = LANDLOCK_ACCESS_FS_READ_FILE;
		fs_dummy = true;
	}

	cleanup_close int rfd = ll_create(&attr, size, 0);
	if (rfd < 0)
		return bsbox_err_set(err, errno, "landlock: create ruleset (ABI %d)", abi);

	if (fs_dummy) {
		if (add_path(rfd, "/", LANDLOCK_ACCESS_FS_READ_FILE, err) < 0)
			return bsbox_err_ret(err);
	} else {
		const struct policy *p = o->policy;
		uint64_t h = attr.handled_access_fs; /* a rule may grant only handled rights */
		for (size_t i = 0; i < p->nrules; i++) {
			uint64_t rights = rights_for(p->rules[i].access, abi) & h;
			/* with our own tree, the credential files are covered by
			 * what ns.c bound over them, and git must read the copy */
			int r = o->private_tmp || !p->nsecrets
					? add_path(rfd, p->rules[i].path, rights, err)
					: add_path_except(rfd, p, p->rules[i].path, rights, 0, err);
			if (r < 0)
				return bsbox_err_ret(err);
		}
		uint64_t all = fs_all(abi);
		uint64_t dev_rw = FS_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | (all & BSBOX_LL_FS_IOCTL_DEV) |
				  (all & LANDLOCK_ACCESS_FS_TRUNCATE);
		static const char *const devs[] = { "/dev/null", "/dev/zero", "/dev/full", "/dev/random",
						    "/dev/urandom", "/dev/tty", "/dev/pts", "/dev/ptmx" };
		for (size_t i = 0; i < sizeof devs / sizeof devs[0]; i++)
			if (add_path(rfd, devs[i], dev_rw & h, err) < 0)
				return bsbox_err_ret(err);
		if (add_path(rfd, "/dev", FS_READ & h, err) < 0 || add_path(rfd, "/proc", FS_READ & h, err) < 0)
			return bsbox_err_ret(err);
		/* With our own mount tree, listing directories shows only what the
		 * policy made visible; on the host tree it would list $HOME. */
		if (o->private_tmp && add_path(rfd, "/", LANDLOCK_ACCESS_FS_READ_DIR & h, err) < 0)
			return bsbox_err_ret(err);
		/* needed to read /proc/self/... and the process's own fds */
		if (o->private_tmp) {
			if (add_path(rfd, "/tmp", all & h, err) < 0 || add_path(rfd, "/dev/shm", all & h, err) < 0)
				return bsbox_err_ret(err);
		}
	}

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return bsbox_err_set(err, errno, "prctl(PR_SET_NO_NEW_PRIVS)");
	if (syscall(__NR_landlock_restrict_self, rfd, 0) < 0)
		return bsbox_err_set(err, errno, "landlock: restrict_self");
	return 0;
}
