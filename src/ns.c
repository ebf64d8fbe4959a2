/* The mount tree.  Sources are opened (O_PATH) before anything is mounted,
 * and bound through /proc/self/fd: the staging tmpfs sits on /tmp, and users
 * build in /tmp, so a path-based bind after that mount would find nothing. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "fusefs.h"
#include "ns.h"
#include "util.h"

#define NEWROOT "/tmp"

static int write_file(const char *path, const char *text, struct bsbox_err *err)
{
	cleanup_close int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return bsbox_err_set(err, errno, "open %s", path);
	size_t n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n)
		return bsbox_err_set(err, errno, "write %s", path);
	return 0;
}

int ns_map_ids(uid_t uid, gid_t gid, struct bsbox_err *err)
{
	char buf[64];
	/* setgroups must be denied before an unprivileged gid_map write */
	if (write_file("/proc/self/setgroups", "deny", err) < 0 && err->errnum != ENOENT)
		return bsbox_err_ret(err);
	snprintf(buf, sizeof buf, "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	if (write_file("/proc/self/uid_map", buf, err) < 0)
		return bsbox_err_ret(err);
	snprintf(buf, sizeof buf, "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	if (write_file("/proc/self/gid_map", buf, err) < 0)
		return bsbox_err_ret(err);
	return 0;
}

int ns_map_root_to(pid_t pid, uid_t id, struct bsbox_err *err)
{
	char path[64], buf[64];
	snprintf(buf, sizeof buf, "0 %u 1\n", (unsigned)id);
	/* setgroups stays "allow": pid 1 must clear the supplementary groups
	 * it inherited from root (group 0 among them) before switching */
	snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
	if (write_file(path, buf, err) < 0)
		return bsbox_err_ret(err);
	snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
	if (write_file(path, buf, err) < 0)
		return bsbox_err_ret(err);
	return 0;
}

int ns_become_root(struct bsbox_err *err)
{
	if (caps_set_ids(0, 0, err) < 0)
		return bsbox_err_prefix(err, "becoming the namespace's root");
	return 0;
}

int ns_idmapped_tree(const char *path, int userns_fd, bool exec, int *out, struct bsbox_err *err)
{
	*out = -1;
	struct mount_attr attr = {
		.attr_set = MOUNT_ATTR_IDMAP | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			    (exec ? 0 : MOUNT_ATTR_NOEXEC),
		.userns_fd = (__u64)userns_fd,
	};
	/* recursive first, as the other binds are; a submount whose
	 * filesystem cannot be idmapped makes that fail, so then this one
	 * alone */
	for (int rec = 1; rec >= 0; rec--) {
		unsigned rflag = rec ? AT_RECURSIVE : 0;
		cleanup_close int fd = open_tree(AT_FDCWD, path,
						 OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | rflag);
		if (fd < 0)
			return bsbox_err_set(err, errno, "open_tree %s", path);
		if (mount_setattr(fd, "", AT_EMPTY_PATH | rflag, &attr, sizeof attr) == 0) {
			*out = steal_fd(&fd);
			return 0;
		}
		if (!rec || errno != EINVAL)
			return bsbox_err_set(err, errno, "idmapping %s (mount_setattr, Linux 5.12)",
					     path);
	}
	return 0;
}

static int make_mountpoint(const char *target, bool dir)
{
	/* already there: the FUSE root comes pre-populated (ns_skeleton), and
	 * asking costs nothing once the kernel has cached the entry */
	struct stat st;
	if (stat(target, &st) == 0 && S_ISDIR(st.st_mode) == dir)
		return 0;
	if (dir)
		return util_mkdir_p(target, 0755);
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "%s", target);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		int r = util_mkdir_p(parent, 0755);
		if (r < 0)
			return r;
	}
	int fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0)
		return errno == EEXIST ? 0 : -errno;
	close(fd);
	return 0;
}

/* Flags a remount inside a user namespace must keep: the kernel locks the
 * source mount's nosuid/nodev/noexec/ro/atime flags. */
static unsigned long locked_flags(int fd)
{
	struct statvfs sv;
	unsigned long f = 0;
	if (fstatvfs(fd, &sv) < 0)
		return 0;
	if (sv.f_flag & ST_NOSUID)
		f |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		f |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		f |= MS_NOEXEC;
	if (sv.f_flag & ST_RDONLY)
		f |= MS_RDONLY;
	if (sv.f_flag & ST_NOATIME)
		f |= MS_NOATIME;
	if (sv.f_flag & ST_NODIRATIME)
		f |= MS_NODIRATIME;
	if (sv.f_flag & ST_RELATIME)
		f |= MS_RELATIME;
	return f;
}

/* extra: MS_NOEXEC etc.; device nodes must not get MS_NODEV, everything
 * else does. */
static int bind_fd(int fd, const char *target, unsigned long extra, bool readonly, bool dev,
		   struct bsbox_err *err)
{
	char src[64];
	snprintf(src, sizeof src, "/proc/self/fd/%d", fd);
	if (mount(src, target, NULL, MS_BIND | MS_REC, NULL) < 0)
		return bsbox_err_set(err, errno, "bind mount %s", target + strlen(NEWROOT));
	unsigned long flags = MS_BIND | MS_REMOUNT | MS_NOSUID | (dev ? 0 : MS_NODEV) | extra |
			      locked_flags(fd);
	if (readonly)
		flags |= MS_RDONLY;
	if (mount(NULL, target, NULL, flags, NULL) < 0)
		return bsbox_err_set(err, errno, "remount %s", target + strlen(NEWROOT));
	return 0;
}

/* The private /tmp and /dev/shm: sized (limits.tmp_mb), or a script could
 * fill half the host's RAM; tmpfs answers ENOSPC when full. */
static const char *tmpfs_opts(const struct policy *p, char *buf, size_t len)
{
	if (p->limits.tmp_mb > 0)
		snprintf(buf, len, "mode=1777,size=%ldm", p->limits.tmp_mb);
	else
		snprintf(buf, len, "mode=1777");
	return buf;
}

static int setup_dev(const struct policy *p, struct bsbox_err *err)
{
	char opts[64];
	static const char *const base[] = { "null", "zero", "full", "random", "urandom" };
	char target[PATH_MAX];

	if ((mkdir(NEWROOT "/dev", 0755) < 0 && errno != EEXIST) ||
	    mount("tmpfs", NEWROOT "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k") < 0)
		return bsbox_err_set(err, errno, "mounting /dev");
	size_t n = sizeof base / sizeof base[0];
	for (size_t i = 0; i < n + p->ndev; i++) {
		const char *name = i < n ? base[i] : p->dev[i - n];
		if (strchr(name, '/') || strcmp(name, "..") == 0)
			continue;
		char src[PATH_MAX];
		snprintf(src, sizeof src, "/dev/%s", name);
		snprintf(target, sizeof target, NEWROOT "/dev/%s", name);
		cleanup_close int fd = open(src, O_PATH | O_CLOEXEC);
		if (fd < 0)
			continue; /* e.g. no controlling tty */
		if (make_mountpoint(target, false) < 0)
			return bsbox_err_set(err, errno, "creating %s", src);
		if (bind_fd(fd, target, MS_NOEXEC, false, true, err) < 0)
			return bsbox_err_ret(err);
	}
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" },         { "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" },   { "/proc/self/fd/2", "stderr" },
	};
	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		snprintf(target, sizeof target, NEWROOT "/dev/%s", links[i][1]);
		if (symlink(links[i][0], target) < 0)
			return bsbox_err_set(err, errno, "symlink /dev/%s", links[i][1]);
	}
	if (mkdir(NEWROOT "/dev/shm", 01777) < 0 ||
	    mount("tmpfs", NEWROOT "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
		  tmpfs_opts(p, opts, sizeof opts)) < 0)
		return bsbox_err_set(err, errno, "mounting /dev/shm");
	if (mount(NULL, NEWROOT "/dev", NULL, MS_REMOUNT | MS_NOSUID | MS_NOEXEC | MS_RDONLY,
		  "mode=0755,size=64k") < 0)
		return bsbox_err_set(err, errno, "remounting /dev read-only");
	return 0;
}

/* Paths the sandbox provides itself; a policy naming them gets the private
 * version, never the host's. */
static bool is_provided(const char *path)
{
	static const char *const own[] = { "/tmp", "/dev", "/proc", "/" };
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		if (strcmp(path, own[i]) == 0)
			return true;
	return strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0;
}

bool ns_rule_bound(const char *path)
{
	return !is_provided(path);
}

/* A rule path that is itself a symlink (Debian's /lib -> usr/lib) is
 * recreated as one, so the tree looks like the host's.  Its target into
 * link, or false. */
static bool rule_symlink(const char *path, char *link, size_t size)
{
	struct stat st;
	if (lstat(path, &st) < 0 || !S_ISLNK(st.st_mode))
		return false;
	ssize_t l = readlink(path, link, size - 1);
	if (l <= 0)
		return false;
	link[l] = '\0';
	return true;
}

void ns_skeleton(const struct policy *p, ns_node_fn fn, void *arg)
{
	fn(arg, "/tmp", S_IFDIR | 01777, NULL);
	fn(arg, "/dev", S_IFDIR | 0755, NULL);
	fn(arg, "/proc", S_IFDIR | 0555, NULL);
	for (size_t i = 0; i < p->nrules; i++) {
		const char *path = p->rules[i].path;
		/* what lies under /tmp is bound into the private /tmp */
		if (is_provided(path) || strncmp(path, "/tmp/", 5) == 0)
			continue;
		char link[PATH_MAX];
		if (rule_symlink(path, link, sizeof link)) {
			fn(arg, path, S_IFLNK | 0777, link);
			continue;
		}
		struct stat st;
		if (stat(path, &st) < 0)
			continue; /* not on this machine: not bound either */
		fn(arg, path, S_ISDIR(st.st_mode) ? S_IFDIR | 0755 : S_IFREG | 0644, NULL);
	}
}

/* Credentials inside the bound trees (creds.h): a sanitised copy, or an
 * empty file nobody may read (mode 0, and CMD has no capabilities), bound
 * read-only over each.  Staged in the private /tmp and unlinked: the mount
 * keeps the inode, nothing is left to see there. */
static int bind_secrets(const struct policy *p, struct bsbox_err *err)
{
	static const char stage[] = NEWROOT "/tmp/.bsbox-secret";
	for (size_t i = 0; i < p->nsecrets; i++) {
		const struct policy_secret *s = &p->secrets[i];
		char target[PATH_MAX];
		struct stat st;
		if (snprintf(target, sizeof target, NEWROOT "%s", s->path) >= (int)sizeof target ||
		    stat(target, &st) < 0 || !S_ISREG(st.st_mode))
			continue; /* not in the tree: nothing to hide */
		unlink(stage);
		cleanup_close int fd = open(stage, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
					    s->clean ? 0644 : 0);
		if (fd < 0)
			return bsbox_err_set(err, errno, "staging a copy of %s", s->path);
		if (s->clean && write(fd, s->clean, s->clean_len) != (ssize_t)s->clean_len)
			return bsbox_err_set(err, errno, "staging a copy of %s", s->path);
		cleanup_close int src = open(stage, O_PATH | O_CLOEXEC);
		if (src < 0)
			return bsbox_err_set(err, errno, "staging a copy of %s", s->path);
		int r = bind_fd(src, target, MS_NOEXEC, true, false, err);
		unlink(stage); /* (a deleted file cannot be bound through /proc/self/fd) */
		if (r < 0)
			return bsbox_err_prefix(err, "hiding credentials in %s", s->path);
	}
	return 0;
}

static void skipped(const struct ns_root_opts *o, const char *path, int errnum, const char *why)
{
	if (o->skipped)
		o->skipped(o->skipped_arg, path, errnum, why);
}

static bool idmapped(const struct ns_root_opts *o, size_t i)
{
	return o->idmapped && o->idmapped[i] >= 0;
}

int ns_build_root(const struct ns_root_opts *o, struct bsbox_err *err)
{
	const struct policy *p = o->policy;
	char opts[64];
	size_t n = p->nrules;
	cleanup_free int *fds = calloc(n + 1, sizeof *fds);
	if (!fds)
		return bsbox_err_set(err, ENOMEM, "allocating");
	int ret = 0;

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return bsbox_err_set(err, errno, "making / private (mount propagation)");

	/* Open every source first (see the comment at the top). In audit mode the
	 * whole host tree is bound instead. */
	for (size_t i = 0; i < n; i++) {
		fds[i] = -1;
		if (is_provided(p->rules[i].path))
			continue;
		/* audit binds the host tree, but the private /tmp covers what lives
		 * there: those rules are bound again on top */
		if (o->audit && strncmp(p->rules[i].path, "/tmp/", 5) != 0 && !idmapped(o, i))
			continue;
		fds[i] = open(p->rules[i].path, O_PATH | O_CLOEXEC);
		/* a path this machine lacks is not bound, as documented; any
		 * other reason is worth a word */
		if (fds[i] < 0 && errno != ENOENT && errno != ENOTDIR)
			skipped(o, p->rules[i].path, errno, "cannot open the source");
	}
	int rootfd = -1;
	if (o->audit)
		rootfd = open("/", O_PATH | O_CLOEXEC);

	bool fuse = false;
	if (o->hand_fuse && !o->audit) {
		/* best effort: without FUSE the supervisor is told nothing and
		 * keeps checking every open itself */
		struct bsbox_err ferr = { 0 };
		int ffd;
		/* root's sandbox: still the host's root here, the owner of a
		 * /dev/fuse that is often 0600; the owner is the namespace's root */
		uid_t fuid = o->become_root ? 0 : getuid();
		gid_t fgid = o->become_root ? 0 : getgid();
		if (fusefs_mount(NEWROOT, fuid, fgid, &ffd, &ferr) == 0) {
			int r = o->hand_fuse(ffd, o->hand_arg);
			close(ffd);
			if (r < 0) {
				ret = bsbox_err_set(err, -r, "handing the FUSE root to the supervisor");
				goto out;
			}
			fuse = true;
		}
	}
	if (o->fuse_used)
		*o->fuse_used = fuse;
	/* Everything is open: from here on the mapped ids are enough (and
	 * needed: an unmapped id cannot create files in our tmpfs or FUSE). */
	if (o->become_root && ns_become_root(err) < 0) {
		ret = bsbox_err_ret(err);
		goto out;
	}
	if (!fuse && mount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0) {
		ret = bsbox_err_set(err, errno, "mounting the new root");
		goto out;
	}
	if (o->audit) {
		/* audit: the host tree, writable as the user's own permissions allow */
		char src[64];
		snprintf(src, sizeof src, "/proc/self/fd/%d", rootfd);
		if (mount(src, NEWROOT, NULL, MS_BIND | MS_REC, NULL) < 0) {
			ret = bsbox_err_set(err, errno, "binding / (audit mode)");
			goto out;
		}
		if (mount("tmpfs", NEWROOT "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
			  tmpfs_opts(p, opts, sizeof opts)) < 0 ||
		    mount("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
			ret = bsbox_err_set(err, errno, "mounting /tmp and /proc (audit mode)");
			goto out;
		}
		goto binds;
	}

	if ((mkdir(NEWROOT "/tmp", 01777) < 0 && errno != EEXIST) ||
	    mount("tmpfs", NEWROOT "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
		  tmpfs_opts(p, opts, sizeof opts)) < 0) {
		ret = bsbox_err_set(err, errno, "mounting the private /tmp");
		goto out;
	}
	if (setup_dev(p, err) < 0) {
		ret = bsbox_err_ret(err);
		goto out;
	}
	if ((mkdir(NEWROOT "/proc", 0555) < 0 && errno != EEXIST) ||
	    mount("proc", NEWROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		ret = bsbox_err_set(err, errno, "mounting /proc");
		goto out;
	}

binds:
	/* Rules are sorted, so a parent is bound before what lies beneath it. */
	for (size_t i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		const char *path = p->rules[i].path;
		char target[PATH_MAX];
		if (snprintf(target, sizeof target, NEWROOT "%s", path) >= (int)sizeof target) {
			skipped(o, path, ENAMETOOLONG, "the mount point's path is too long");
			continue;
		}
		struct stat st;
		char link[PATH_MAX];
		if (rule_symlink(path, link, sizeof link)) {
			struct stat tst;
			if (lstat(target, &tst) < 0 && errno == ENOENT) {
				char parent[PATH_MAX];
				snprintf(parent, sizeof parent, "%s", target);
				char *slash = strrchr(parent, '/');
				if (slash && slash != parent) {
					*slash = '\0';
					util_mkdir_p(parent, 0755);
				}
				if (symlink(link, target) == 0)
					continue;
			} else if (S_ISLNK(tst.st_mode)) {
				continue;
			}
		}
		if (fstat(fds[i], &st) < 0) {
			skipped(o, path, errno, "cannot stat the source");
			continue;
		}
		int r = make_mountpoint(target, S_ISDIR(st.st_mode));
		if (r < 0) {
			/* beneath a read-only bind whose source lacks it (through a
			 * symlink, say) */
			skipped(o, path, -r, "cannot make the mount point");
			continue;
		}
		if (idmapped(o, i)) {
			/* the supervisor made it, flags and all */
			if (move_mount(o->idmapped[i], "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
				ret = bsbox_err_set(err, errno, "attaching the idmapped mount of %s", path);
				goto out;
			}
			continue;
		}
		unsigned acc = o->audit ? (POL_R | POL_W | POL_X) : p->rules[i].access;
		if (bind_fd(fds[i], target, (acc & POL_X) ? 0 : MS_NOEXEC, !(acc & POL_W), false, err) < 0) {
			ret = bsbox_err_prefix(err, "policy rule %s (%s)", path,
					       p->rules[i].origin ? p->rules[i].origin : "?");
			goto out;
		}
	}

	if (!o->audit && bind_secrets(p, err) < 0) {
		ret = bsbox_err_ret(err);
		goto out;
	}

	if (chdir(NEWROOT) < 0 || syscall(SYS_pivot_root, ".", ".") < 0) {
		ret = bsbox_err_set(err, errno, "pivot_root");
		goto out;
	}
	if (umount2(".", MNT_DETACH) < 0) {
		ret = bsbox_err_set(err, errno, "detaching the host tree");
		goto out;
	}
	if (chdir("/") < 0) {
		ret = bsbox_err_set(err, errno, "chdir /");
		goto out;
	}
	if (!o->audit && mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
			       NULL) < 0) {
		ret = bsbox_err_set(err, errno, "remounting / read-only");
		goto out;
	}
	if (o->cwd && chdir(o->cwd) < 0 && chdir("/") < 0) {
		ret = bsbox_err_set(err, errno, "chdir");
		goto out;
	}
out:
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (rootfd >= 0)
		close(rootfd);
	return ret;
}

void ns_loopback_up(void)
{
	cleanup_close int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		return;
	ifr.ifr_flags |= IFF_UP;
	(void)ioctl(s, SIOCSIFFLAGS, &ifr);
}
