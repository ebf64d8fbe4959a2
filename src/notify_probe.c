/* Probes of hidden paths without a FUSE root: which registers hold the
 * path, and whether the host has what the target's tree hides (see
 * notify_probe.h).  Decides nothing by itself: notify.c answers. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cleanup.h"
#include "notify_probe.h"
#include "util.h"

/* O_TMPFILE's own bit (glibc's __O_TMPFILE includes O_DIRECTORY's) */
#define TMPFILE_BIT 020000000
#ifndef SYS_openat2
#define SYS_openat2 437
#endif

/* An open that only looks: a directory opened for reading (opendir), or
 * an O_PATH.  O_TMPFILE holds the O_DIRECTORY bit but creates a file. */
static bool open_looks(uint64_t flags)
{
	if (flags & O_PATH)
		return true;
	return (flags & O_DIRECTORY) && !(flags & TMPFILE_BIT) &&
	       (flags & O_ACCMODE) == O_RDONLY && !(flags & (O_CREAT | O_TRUNC));
}

bool notify_probe_args(const struct sc_entry *se, const uint64_t a[6],
		       struct notify_probe_args *out)
{
	int fl;
	switch (se->kind) {
	case SC_PROBE:
	case SC_LPROBE:
		*out = (struct notify_probe_args){ AT_FDCWD, a[0], se->kind == SC_PROBE };
		return true;
	case SC_PROBE_AT:
		fl = sc_arg_index(se, "flags");
		if (fl >= 0 && (a[fl] & AT_EMPTY_PATH))
			return false; /* the descriptor itself (fstat) */
		*out = (struct notify_probe_args){ (int)a[0], a[1],
						   fl < 0 || !(a[fl] & AT_SYMLINK_NOFOLLOW) };
		return true;
	case SC_OPEN:
		if (!open_looks(a[1]))
			return false;
		*out = (struct notify_probe_args){ AT_FDCWD, a[0], !(a[1] & O_NOFOLLOW) };
		return true;
	case SC_OPENAT:
		if (!open_looks(a[2]))
			return false;
		*out = (struct notify_probe_args){ (int)a[0], a[1], !(a[2] & O_NOFOLLOW) };
		return true;
	default:
		/* the rest read, write, execute or connect; openat2's flags live
		 * in memory, so it is notified and judged as a path call */
		break;
	}
	return false;
}

/* 0 if path is there in the tree under rootfd (its absolute symlinks and
 * ".." kept inside it, as they are for the target), else -errno. */
static int in_root(int rootfd, const char *path, bool follow)
{
	struct open_how how = {
		.flags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

enum notify_probe_seen notify_probe_judge(const struct policy *p, pid_t pid, const char *abs,
					  bool follow, char *miss, size_t size)
{
	if (policy_access_for(p, abs) & POL_R)
		return PROBE_SEEN;
	/* the sandbox's own /proc, /dev, /tmp and /dev/shm: the host's are
	 * other files, which no grant would show (the FUSE root never sees
	 * these lookups either) */
	if (util_path_within(abs, "/proc") || util_path_within(abs, "/dev") ||
	    util_path_within(abs, "/tmp"))
		return PROBE_SEEN;
	struct stat st;
	if ((follow ? stat(abs, &st) : lstat(abs, &st)) < 0)
		return PROBE_SEEN; /* nowhere: a PATH search, an optional file */

	char root[64];
	snprintf(root, sizeof root, "/proc/%d/root", (int)pid);
	cleanup_close int rfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rfd < 0 || in_root(rfd, abs, follow) != -ENOENT)
		return PROBE_SEEN; /* there (rule ancestors, system links), or not our business */

	/* where the lookup leaves the tree: the first missing prefix */
	char pre[PATH_MAX];
	size_t len = strlen(abs);
	if (len >= sizeof pre)
		return PROBE_SEEN;
	for (size_t i = 1; i <= len; i++) {
		if (i < len && abs[i] != '/')
			continue;
		memcpy(pre, abs, i);
		pre[i] = '\0';
		if (in_root(rfd, pre, false) == -ENOENT) {
			snprintf(miss, size, "%s", pre);
			return PROBE_HIDDEN;
		}
	}
	/* every component is there: the last one is a link that leads out */
	snprintf(miss, size, "%s", abs);
	return PROBE_HIDDEN;
}
