/* Root's sandbox without a user namespace (see handover.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdbool.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "handover.h"

struct ids {
	uid_t from_uid, to_uid; /* entries owned by from_uid become to_uid's */
	gid_t from_gid, to_gid; /* likewise for the group; (gid_t)-1: leave it */
	bool keep_setid;        /* leave set-id files alone (chown clears the bits) */
	int errnum;             /* first failure */
};

/* One entry, never following a symlink. */
static void chown_entry(int dirfd, const char *name, const struct stat *st, struct ids *ids)
{
	if (ids->keep_setid && S_ISREG(st->st_mode) && (st->st_mode & (S_ISUID | S_ISGID)))
		return;
	uid_t u = st->st_uid == ids->from_uid ? ids->to_uid : (uid_t)-1;
	gid_t g = ids->from_gid != (gid_t)-1 && st->st_gid == ids->from_gid ? ids->to_gid
									      : (gid_t)-1;
	if ((u != (uid_t)-1 || g != (gid_t)-1) &&
	    fchownat(dirfd, name, u, g, AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH) < 0 && !ids->errnum)
		ids->errnum = errno;
}

/* Everything below directory fd (consumed), on its filesystem only. */
static void chown_tree(int fd, dev_t dev, int depth, struct ids *ids)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		chown_entry(dirfd(d), de->d_name, &st, ids);
		if (!S_ISDIR(st.st_mode) || st.st_dev != dev || depth > 256)
			continue;
		int sub = openat(dirfd(d), de->d_name,
				 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub >= 0)
			chown_tree(sub, dev, depth + 1, ids);
	}
	closedir(d);
}

static int chown_all(const char *path, struct ids *ids, struct bsbox_err *err, const char *what)
{
	int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return e == ENOENT || e == ELOOP ? 0 : bsbox_err_set(err, e, "%s %s", what, path);
	}
	chown_entry(fd, "", &st, ids);
	close(fd);
	if (S_ISDIR(st.st_mode)) {
		int dfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd >= 0)
			chown_tree(dfd, st.st_dev, 0, ids);
	}
	if (ids->errnum)
		return bsbox_err_set(err, ids->errnum, "%s %s", what, path);
	return 0;
}

int handover_give(const char *path, uid_t id, struct bsbox_err *err)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : bsbox_err_set(err, errno, "lstat %s", path);
	if (S_ISLNK(st.st_mode) || st.st_uid != getuid())
		return 0; /* not ours to hand over */
	struct ids ids = { .from_uid = getuid(), .to_uid = id, .from_gid = (gid_t)-1,
			   .to_gid = (gid_t)-1, .keep_setid = true };
	return chown_all(path, &ids, err, "handing over to the sandbox's user:");
}

int handover_take_back(const char *path, uid_t id, struct bsbox_err *err)
{
	struct ids ids = { .from_uid = id, .to_uid = getuid(), .from_gid = id, .to_gid = getgid() };
	return chown_all(path, &ids, err, "taking back from the sandbox's user:");
}

/* ---- search permission ------------------------------------------------ */

/* The POSIX ACL xattr (linux/posix_acl_xattr.h). */
#define ACL_XATTR "system.posix_acl_access"
#define ACL_VERSION 2
enum { TAG_USER_OBJ = 1, TAG_USER = 2, TAG_GROUP_OBJ = 4, TAG_GROUP = 8, TAG_MASK = 16, TAG_OTHER = 32 };
struct acl_entry {
	uint16_t tag, perm;
	uint32_t id;
};
#define ACL_MAX 64

static int cmp_entry(const void *a, const void *b)
{
	const struct acl_entry *x = a, *y = b;
	if (x->tag != y->tag)
		return x->tag < y->tag ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Give uid `id` search (x) on directory dir by an ACL entry, keeping the
 * rest of its ACL (or its mode, as the minimal ACL). */
static int acl_add_search(const char *dir, const struct stat *st, uid_t id, struct bsbox_err *err)
{
	unsigned char buf[4 + ACL_MAX * 8];
	struct acl_entry e[ACL_MAX + 2];
	size_t n = 0;
	ssize_t len = lgetxattr(dir, ACL_XATTR, buf, sizeof buf);
	if (len < 0 && errno != ENODATA)
		return bsbox_err_set(err, errno, "reading the ACL of %s", dir);
	if (len >= 4) {
		for (size_t off = 4; off + 8 <= (size_t)len && n < ACL_MAX; off += 8, n++) {
			memcpy(&e[n].tag, buf + off, 2);
			memcpy(&e[n].perm, buf + off + 2, 2);
			memcpy(&e[n].id, buf + off + 4, 4);
		}
	} else {
		e[n++] = (struct acl_entry){ TAG_USER_OBJ, (st->st_mode >> 6) & 7, (uint32_t)-1 };
		e[n++] = (struct acl_entry){ TAG_GROUP_OBJ, (st->st_mode >> 3) & 7, (uint32_t)-1 };
		e[n++] = (struct acl_entry){ TAG_OTHER, st->st_mode & 7, (uint32_t)-1 };
	}
	bool have_user = false, have_mask = false;
	unsigned group_class = 0;
	for (size_t i = 0; i < n; i++) {
		if (e[i].tag == TAG_USER && e[i].id == id) {
			e[i].perm |= 1;
			have_user = true;
		}
		if (e[i].tag == TAG_GROUP_OBJ || e[i].tag == TAG_GROUP || e[i].tag == TAG_USER)
			group_class |= e[i].perm;
	}
	if (!have_user) {
		e[n++] = (struct acl_entry){ TAG_USER, 1, (uint32_t)id };
		group_class |= 1;
	}
	for (size_t i = 0; i < n; i++)
		if (e[i].tag == TAG_MASK) {
			e[i].perm |= 1;
			have_mask = true;
		}
	if (!have_mask)
		e[n++] = (struct acl_entry){ TAG_MASK, group_class, (uint32_t)-1 };
	qsort(e, n, sizeof e[0], cmp_entry);
	uint32_t ver = ACL_VERSION;
	memcpy(buf, &ver, 4);
	for (size_t i = 0; i < n; i++) {
		memcpy(buf + 4 + 8 * i, &e[i].tag, 2);
		memcpy(buf + 4 + 8 * i + 2, &e[i].perm, 2);
		memcpy(buf + 4 + 8 * i + 4, &e[i].id, 4);
	}
	if (lsetxattr(dir, ACL_XATTR, buf, 4 + 8 * n, 0) < 0)
		return bsbox_err_set(err, errno, "adding a search-only ACL entry for uid %u to %s",
				     (unsigned)id, dir);
	return 0;
}

/* Whether uid/gid id may search dir (mode bits, then a named ACL entry). */
static bool can_search(const char *dir, const struct stat *st, uid_t id)
{
	if (st->st_uid == id)
		return st->st_mode & S_IXUSR;
	if (st->st_mode & S_IXOTH)
		return true;
	unsigned char buf[4 + ACL_MAX * 8];
	ssize_t len = lgetxattr(dir, ACL_XATTR, buf, sizeof buf);
	bool user_x = false, mask_x = true;
	for (size_t off = 4; len > 0 && off + 8 <= (size_t)len; off += 8) {
		uint16_t tag, perm;
		uint32_t eid;
		memcpy(&tag, buf + off, 2);
		memcpy(&perm, buf + off + 2, 2);
		memcpy(&eid, buf + off + 4, 4);
		if (tag == TAG_USER && eid == id)
			user_x = perm & 1;
		if (tag == TAG_MASK)
			mask_x = perm & 1;
	}
	return user_x && mask_x;
}

int handover_search(const char *path, uid_t id, struct bsbox_err *err)
{
	char dir[PATH_MAX];
	if (path[0] != '/' || snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir)
		return 0;
	/* every proper ancestor, from the top */
	for (char *p = strchr(dir + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		struct stat st;
		int r = 0;
		if (lstat(dir, &st) == 0 && S_ISDIR(st.st_mode) && !can_search(dir, &st, id))
			r = acl_add_search(dir, &st, id, err);
		*p = '/';
		if (r < 0)
			return r;
	}
	return 0;
}
