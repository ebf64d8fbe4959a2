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
	/* already there: the FUSE root comes pre-populated (ns_plan_skeleton),
	 * and asking costs nothing once the kernel has cached the entry */
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

void ns_host_probe(void *arg, const char *path, struct ns_host_node *out)
{
	(void)arg;
	struct stat st;
	out->type = 0;
	out->errnum = 0;
	out->link[0] = '\0';
	if (lstat(path, &st) < 0) {
		out->errnum = errno;
		return;
	}
	if (S_ISLNK(st.st_mode)) {
		/* Debian's /lib -> usr/lib: recreated as a symlink, so the
		 * tree looks like the host's */
		ssize_t l = readlink(path, out->link, sizeof out->link - 1);
		if (l > 0) {
			out->link[l] = '\0';
			out->type = S_IFLNK;
			return;
		}
		if (stat(path, &st) < 0) {
			out->errnum = errno;
			return;
		}
	}
	out->type = S_ISDIR(st.st_mode) ? S_IFDIR : S_IFREG;
}

int ns_plan_for_host(const struct policy *p, bool audit, struct ns_plan **out,
		     struct bsbox_err *err)
{
	return ns_plan_build(p, audit, ns_host_probe, NULL, out, err);
}

static void skipped(const struct ns_root_opts *o, const char *path, int errnum, const char *why)
{
	if (o->skipped)
		o->skipped(o->skipped_arg, path, errnum, why);
}

static bool idmapped(const struct ns_root_opts *o, const struct ns_op *op)
{
	return op->kind == NS_OP_BIND && o->idmapped && o->idmapped[op->index] >= 0;
}

/* The source an op binds, opened before anything is mounted (see the top of
 * the file): an fd, or -errno (-EBADF: the op binds nothing).  In audit
 * mode the host tree shows most rules already: those are opened only for an
 * idmapped mount. */
static int open_source(const struct ns_root_opts *o, const struct ns_op *op)
{
	switch (op->kind) {
	case NS_OP_BIND:
	case NS_OP_BIND_ROOT:
	case NS_OP_DEV:
		if (op->covered && !idmapped(o, op))
			return -EBADF;
		int fd = open(op->path, O_PATH | O_CLOEXEC);
		return fd >= 0 ? fd : -errno;
	case NS_OP_TMPFS:
	case NS_OP_PROC:
	case NS_OP_SYMLINK:
	case NS_OP_REMOUNT:
	case NS_OP_SECRET:
	case NS_OP_SKIP:
		break;
	}
	return -EBADF;
}

/* NS_OP_BIND of a host symlink: made as a symlink where nothing is yet;
 * left alone where one is (the FUSE skeleton, a parent's bind).  False:
 * something else is there, bind the source over it instead. */
static bool make_symlink(const char *target, const char *link)
{
	struct stat st;
	if (lstat(target, &st) == 0)
		return S_ISLNK(st.st_mode);
	if (errno != ENOENT)
		return false;
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "%s", target);
	char *slash = strrchr(parent, '/');
	if (slash && slash != parent) {
		*slash = '\0';
		util_mkdir_p(parent, 0755);
	}
	return symlink(link, target) == 0;
}

static int apply_bind(const struct ns_root_opts *o, const struct ns_op *op, int fd,
		      const char *target, struct bsbox_err *err)
{
	if (op->covered && !idmapped(o, op))
		return 0; /* audit: the host tree shows it */
	if (op->link && make_symlink(target, op->link))
		return 0;
	if (fd < 0) {
		/* a path this machine lacks is not bound, as documented; any
		 * other reason is worth a word */
		if (fd != -ENOENT && fd != -ENOTDIR)
			skipped(o, op->path, -fd, "cannot open the source");
		return 0;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		skipped(o, op->path, errno, "cannot stat the source");
		return 0;
	}
	int r = make_mountpoint(target, S_ISDIR(st.st_mode));
	if (r < 0) {
		/* beneath a read-only bind whose source lacks it (through a
		 * symlink, say) */
		skipped(o, op->path, -r, "cannot make the mount point");
		return 0;
	}
	if (idmapped(o, op)) {
		/* the supervisor made it, flags and all */
		if (move_mount(o->idmapped[op->index], "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return bsbox_err_set(err, errno, "attaching the idmapped mount of %s", op->path);
		return 0;
	}
	if (bind_fd(fd, target, (op->access & POL_X) ? 0 : MS_NOEXEC, !(op->access & POL_W), false,
		    err) < 0)
		return bsbox_err_prefix(err, "policy rule %s (%s)", op->path,
					op->origin ? op->origin : "?");
	return 0;
}

/* Credentials inside the bound trees (creds.h): a sanitised copy, or an
 * empty file nobody may read (mode 0, and CMD has no capabilities), bound
 * read-only over each.  Staged in the private /tmp and unlinked: the mount
 * keeps the inode, nothing is left to see there. */
static int apply_secret(const struct ns_op *op, const char *target, struct bsbox_err *err)
{
	static const char stage[] = NEWROOT "/tmp/.bsbox-secret";
	struct stat st;
	if (stat(target, &st) < 0 || !S_ISREG(st.st_mode))
		return 0; /* not in the tree: nothing to hide */
	unlink(stage);
	cleanup_close int fd = open(stage, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
				    op->data ? 0644 : 0);
	if (fd < 0)
		return bsbox_err_set(err, errno, "staging a copy of %s", op->path);
	if (op->data && write(fd, op->data, op->data_len) != (ssize_t)op->data_len)
		return bsbox_err_set(err, errno, "staging a copy of %s", op->path);
	cleanup_close int src = open(stage, O_PATH | O_CLOEXEC);
	if (src < 0)
		return bsbox_err_set(err, errno, "staging a copy of %s", op->path);
	int r = bind_fd(src, target, MS_NOEXEC, true, false, err);
	unlink(stage); /* (a deleted file cannot be bound through /proc/self/fd) */
	if (r < 0)
		return bsbox_err_prefix(err, "hiding credentials in %s", op->path);
	return 0;
}

/* One operation of the plan, in the staged root.  fd: its source, or -1. */
static int apply_op(const struct ns_root_opts *o, const struct ns_op *op, int fd,
		    struct bsbox_err *err)
{
	if (op->kind == NS_OP_SKIP) {
		skipped(o, op->path, op->errnum, op->why);
		return 0;
	}
	const char *mode = o->plan->audit ? " (audit mode)" : "";
	char target[PATH_MAX];
	/* (the plan made a skip op of every path too long for this) */
	if (snprintf(target, sizeof target, NEWROOT "%s", strcmp(op->path, "/") ? op->path : "") >=
	    (int)sizeof target)
		return bsbox_err_set(err, ENAMETOOLONG, "%s", op->path);
	char src[64];
	int r;
	switch (op->kind) {
	case NS_OP_BIND_ROOT:
		/* the host tree, writable as the user's own permissions allow */
		snprintf(src, sizeof src, "/proc/self/fd/%d", fd);
		if (fd < 0 || mount(src, target, NULL, MS_BIND | MS_REC, NULL) < 0)
			return bsbox_err_set(err, fd < 0 ? -fd : errno, "binding /%s", mode);
		return 0;
	case NS_OP_TMPFS:
	case NS_OP_PROC:
		if ((mkdir(target, op->mode) < 0 && errno != EEXIST) ||
		    mount(ns_op_name(op->kind), target, ns_op_name(op->kind), op->flags,
			  op->kind == NS_OP_TMPFS ? op->opts : NULL) < 0)
			return bsbox_err_set(err, errno, "mounting %s%s", op->path, mode);
		return 0;
	case NS_OP_DEV:
		if (fd < 0)
			return 0; /* not on this machine */
		if ((r = make_mountpoint(target, false)) < 0)
			return bsbox_err_set(err, -r, "creating %s", op->path);
		return bind_fd(fd, target, MS_NOEXEC, false, true, err);
	case NS_OP_SYMLINK:
		if (symlink(op->link, target) < 0)
			return bsbox_err_set(err, errno, "symlink %s", op->path);
		return 0;
	case NS_OP_REMOUNT:
		if (mount(NULL, target, NULL, op->flags, op->opts) < 0)
			return bsbox_err_set(err, errno, "remounting %s%s", op->path,
					     (op->flags & MS_RDONLY) ? " read-only" : "");
		return 0;
	case NS_OP_BIND:
		return apply_bind(o, op, fd, target, err);
	case NS_OP_SECRET:
		return apply_secret(op, target, err);
	case NS_OP_SKIP:
		break;
	}
	return 0;
}

/* The root: FUSE (served by the supervisor) if asked and it mounts, else a
 * tmpfs. */
static int mount_root(const struct ns_root_opts *o, struct bsbox_err *err)
{
	bool fuse = false;
	if (o->hand_fuse && !o->plan->audit) {
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
			if (r < 0)
				return bsbox_err_set(err, -r, "handing the FUSE root to the supervisor");
			fuse = true;
		}
	}
	if (o->fuse_used)
		*o->fuse_used = fuse;
	/* Everything is open: from here on the mapped ids are enough (and
	 * needed: an unmapped id cannot create files in our tmpfs or FUSE). */
	if (o->become_root && ns_become_root(err) < 0)
		return bsbox_err_ret(err);
	if (!fuse && mount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") < 0)
		return bsbox_err_set(err, errno, "mounting the new root");
	return 0;
}

/* Into the new root: pivot_root, the host tree detached, / read-only. */
static int enter_root(const struct ns_root_opts *o, struct bsbox_err *err)
{
	if (chdir(NEWROOT) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		return bsbox_err_set(err, errno, "pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return bsbox_err_set(err, errno, "detaching the host tree");
	if (chdir("/") < 0)
		return bsbox_err_set(err, errno, "chdir /");
	if (!o->plan->audit &&
	    mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		return bsbox_err_set(err, errno, "remounting / read-only");
	if (o->cwd && chdir(o->cwd) < 0 && chdir("/") < 0)
		return bsbox_err_set(err, errno, "chdir");
	return 0;
}

int ns_build_root(const struct ns_root_opts *o, struct bsbox_err *err)
{
	const struct ns_plan *pl = o->plan;
	cleanup_free int *fds = malloc((pl->n + 1) * sizeof *fds);
	if (!fds)
		return bsbox_err_set(err, ENOMEM, "allocating");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return bsbox_err_set(err, errno, "making / private (mount propagation)");
	for (size_t i = 0; i < pl->n; i++)
		fds[i] = open_source(o, &pl->ops[i]);
	int ret = mount_root(o, err);
	for (size_t i = 0; ret == 0 && i < pl->n; i++)
		ret = apply_op(o, &pl->ops[i], fds[i], err);
	if (ret == 0)
		ret = enter_root(o, err);
	for (size_t i = 0; i < pl->n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
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
