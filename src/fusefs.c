/* The sandbox root over the raw FUSE protocol (<linux/fuse.h>, no libfuse).
 *
 * One in-memory tree of directories, empty files and symlinks, built by the
 * sandbox's pid 1 before sealing and frozen after.  Nodes are never freed:
 * the skeleton is a few thousand nodes at most and lives as long as the
 * sandbox, so FORGET needs no bookkeeping and nodeid = index + 1 stays valid.
 *
 * What a request gets:
 *   LOOKUP hit                    the entry, cached for a day (the tree only
 *                                 grows before sealing and never after)
 *   LOOKUP miss                   -errno, never a zero-nodeid entry: the
 *                                 kernel must not cache the miss, so every
 *                                 lookup of a missing path reaches us (and
 *                                 after sealing, the miss callback)
 *   MKDIR/SYMLINK/CREATE/MKNOD    new node before sealing, EROFS after
 *   SETATTR/WRITE                 pretend success before sealing, EROFS after
 *   OPEN of a file                fh 0 before sealing, EACCES after: a file
 *                                 here is an unbound mount point
 *   UNLINK/RMDIR/RENAME/LINK      EPERM before sealing (pid 1 never needs
 *                                 them), EROFS after
 *   xattrs                        ENOSYS, so the kernel stops asking
 *   FORGET/BATCH_FORGET/INTERRUPT no reply (the protocol has none)
 *   anything else                 ENOSYS
 *
 * Kernel behaviour this relies on (seen on 6.18):
 *   - /dev/fuse must be opened inside the user namespace that mounts (the
 *     mount checks the opener's credentials), hence fusefs_mount in pid 1.
 *   - Without allow_other only tasks whose uids and gids all equal
 *     user_id/group_id get in; everything in the sandbox runs as that user.
 *   - Request pids are numbered in the mounter's pid namespace (0 for a task
 *     outside it, and for INIT/RELEASE): the miss callback translates.
 *   - O_CREAT and mkdir send a LOOKUP first, so they reach the miss
 *     callback too; the callback judges by the syscall, not the lookup.
 *   - Symlinks are re-read on every traversal unless INIT grants
 *     FUSE_CACHE_SYMLINKS. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fuse.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fusefs.h"

/* The protocol minor this file was written and tested against.  Pinned
 * rather than FUSE_KERNEL_MINOR_VERSION: a newer header only adds features
 * the kernel enables when INIT asks for them, and we ask for none. */
#define FUSEFS_MINOR 38
_Static_assert(FUSE_KERNEL_MINOR_VERSION >= FUSEFS_MINOR, "<linux/fuse.h> older than protocol 7.38");
/* Every structure we parse and send has had its current size since 7.23
 * (Linux 3.15); refusing older kernels spares us the compat sizes. */
#define FUSEFS_MIN_MINOR 23

/* The kernel requires a read buffer of at least max_write plus headers and
 * will size requests up to max_pages (32 by default) pages. */
#define FUSEFS_IN_SIZE (128 * 1024 + 4096)
/* READDIR replies: the kernel passes on the size of the caller's getdents
 * buffer (32 KiB from glibc's readdir); a larger request gets less. */
#define FUSEFS_OUT_SIZE (64 * 1024)
/* The kernel's FUSE_NAME_MAX (fs/fuse/fuse_i.h, not exported): the longest
 * name a LOOKUP can carry.  Our own nodes are limited to NAME_MAX. */
#define FUSEFS_LOOKUP_NAME_MAX 1024
/* A bound on a runaway pid 1, far above any real skeleton. */
#define FUSEFS_MAX_NODES 65536
/* Entries and attributes never change behind the kernel's back. */
#define FUSEFS_VALID_SECS 86400

struct fusefs_node {
	char *path;           /* absolute as the sandbox sees it; "/" for the root */
	char *target;         /* symlinks only */
	size_t name_off;      /* the node's name is path + name_off */
	uint32_t parent;      /* nodeid; the root is its own parent */
	uint32_t mode;        /* S_IFDIR/S_IFREG/S_IFLNK | permissions */
	uint32_t hnext;       /* next nodeid in the same hash bucket, 0 = end */
	uint32_t first_child; /* children in creation order (nodeids, 0 = none), */
	uint32_t last_child;  /* so READDIR offsets stay stable between calls */
	uint32_t next_sibling;
};

struct fusefs {
	int fd;
	uid_t uid;
	gid_t gid;
	bool sealed;
	struct timespec born;
	unsigned long requests;
	struct fusefs_node *nodes; /* nodeid = index + 1 */
	uint32_t nnodes, cap;
	uint32_t *buckets; /* (parent, name) -> first nodeid; the root is not hashed */
	uint32_t nbuckets; /* a power of two */
	unsigned char *in;
	unsigned char *out;
	char miss_path[PATH_MAX + FUSEFS_LOOKUP_NAME_MAX + 2];
};

/* One request's payload, consumed front to back. */
struct req {
	const struct fuse_in_header *h;
	const unsigned char *p;
	size_t len;
};

bool fusefs_available(void)
{
	return access("/dev/fuse", R_OK | W_OK) == 0;
}

int fusefs_mount(const char *target, uid_t uid, gid_t gid, int *fd_out, struct bsbox_err *err)
{
	cleanup_close int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT || e == ENODEV || e == ENXIO)
			return bsbox_err_set(err, e, "opening /dev/fuse (is the fuse module loaded? modprobe fuse)");
		return bsbox_err_set(err, e, "opening /dev/fuse");
	}
	char opts[160];
	snprintf(opts, sizeof opts, "fd=%d,rootmode=40755,user_id=%u,group_id=%u,default_permissions", fd,
		 (unsigned)uid, (unsigned)gid);
	if (mount("bsbox", target, "fuse", MS_NOSUID | MS_NODEV, opts) < 0)
		return bsbox_err_set(err, errno, "mounting the FUSE root on %s", target);
	*fd_out = steal_fd(&fd);
	return 0;
}

/* ---- the node table ------------------------------------------------------ */

static struct fusefs_node *node_get(struct fusefs *fs, uint64_t id)
{
	return id >= 1 && id <= fs->nnodes ? &fs->nodes[id - 1] : NULL;
}

static uint32_t name_hash(uint64_t parent, const char *name)
{
	uint64_t h = 14695981039346656037ULL ^ parent; /* FNV-1a */
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		h = (h ^ *c) * 1099511628211ULL;
	return (uint32_t)(h ^ (h >> 32));
}

static uint32_t node_find(struct fusefs *fs, uint64_t parent, const char *name)
{
	for (uint32_t id = fs->buckets[name_hash(parent, name) & (fs->nbuckets - 1)]; id;
	     id = fs->nodes[id - 1].hnext) {
		const struct fusefs_node *n = &fs->nodes[id - 1];
		if (n->parent == parent && !strcmp(n->path + n->name_off, name))
			return id;
	}
	return 0;
}

static void hash_insert(struct fusefs *fs, uint32_t id)
{
	struct fusefs_node *n = &fs->nodes[id - 1];
	uint32_t *b = &fs->buckets[name_hash(n->parent, n->path + n->name_off) & (fs->nbuckets - 1)];
	n->hnext = *b;
	*b = id;
}

/* Keep the load factor at most 1 so a lookup stays O(1). */
static int hash_grow(struct fusefs *fs)
{
	if (fs->nnodes < fs->nbuckets)
		return 0;
	uint32_t *nb = calloc((size_t)fs->nbuckets * 2, sizeof *nb);
	if (!nb)
		return -ENOMEM;
	free(fs->buckets);
	fs->buckets = nb;
	fs->nbuckets *= 2;
	for (uint32_t id = 2; id <= fs->nnodes; id++)
		hash_insert(fs, id);
	return 0;
}

/* Add name under parent.  Returns the new nodeid or -errno. */
static int64_t node_add(struct fusefs *fs, uint64_t parent, const char *name, uint32_t mode,
			const char *target)
{
	struct fusefs_node *p = node_get(fs, parent);
	if (!p)
		return -ENOENT;
	if (!S_ISDIR(p->mode))
		return -ENOTDIR;
	size_t nlen = strlen(name);
	if (nlen == 0 || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	if (nlen > NAME_MAX)
		return -ENAMETOOLONG;
	if (node_find(fs, parent, name))
		return -EEXIST;
	if (fs->nnodes >= FUSEFS_MAX_NODES)
		return -ENOSPC;
	/* the miss path buffer must hold any node's path plus a looked-up name */
	size_t plen = strlen(p->path);
	bool at_root = parent == FUSE_ROOT_ID;
	if (plen + !at_root + nlen >= PATH_MAX)
		return -ENAMETOOLONG;
	int r = hash_grow(fs);
	if (r < 0)
		return r;
	if (fs->nnodes == fs->cap) {
		uint32_t ncap = fs->cap * 2;
		struct fusefs_node *nn = reallocarray(fs->nodes, ncap, sizeof *nn);
		if (!nn)
			return -ENOMEM;
		fs->nodes = nn;
		fs->cap = ncap;
		p = &fs->nodes[parent - 1]; /* moved with the array */
	}
	cleanup_free char *path = NULL;
	if (asprintf(&path, "%s%s%s", at_root ? "" : p->path, "/", name) < 0)
		return -ENOMEM;
	cleanup_free char *tcopy = NULL;
	if (target && !(tcopy = strdup(target)))
		return -ENOMEM;

	uint32_t id = fs->nnodes + 1;
	fs->nodes[id - 1] = (struct fusefs_node){
		.path = steal_ptr(path),
		.target = steal_ptr(tcopy),
		.name_off = plen + !at_root,
		.parent = (uint32_t)parent,
		.mode = mode,
	};
	fs->nnodes++;
	hash_insert(fs, id);
	if (p->last_child)
		fs->nodes[p->last_child - 1].next_sibling = id;
	else
		p->first_child = id;
	p->last_child = id;
	return id;
}

int fusefs_add(struct fusefs *fs, const char *path, mode_t mode, const char *link)
{
	if (path[0] != '/')
		return -EINVAL;
	uint64_t cur = FUSE_ROOT_ID;
	const char *p = path;
	while (*p) {
		while (*p == '/')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, "/");
		char name[NAME_MAX + 1];
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		memcpy(name, p, len);
		name[len] = '\0';
		p += len;
		while (*p == '/')
			p++;
		bool last = *p == '\0';
		const struct fusefs_node *n = node_get(fs, cur);
		if (!n || !S_ISDIR(n->mode))
			return -ENOTDIR;
		uint32_t id = node_find(fs, cur, name);
		if (id) {
			cur = id;
			continue;
		}
		int64_t r = last ? node_add(fs, cur, name, (uint32_t)mode, S_ISLNK(mode) ? link : NULL)
				 : node_add(fs, cur, name, S_IFDIR | 0755, NULL);
		if (r < 0)
			return (int)r;
		cur = (uint64_t)r;
	}
	return 0;
}

static void fill_attr(const struct fusefs *fs, uint64_t id, struct fuse_attr *a)
{
	const struct fusefs_node *n = &fs->nodes[id - 1];
	*a = (struct fuse_attr){
		.ino = id,
		.size = n->target ? strlen(n->target) : 0,
		.atime = (uint64_t)fs->born.tv_sec,
		.mtime = (uint64_t)fs->born.tv_sec,
		.ctime = (uint64_t)fs->born.tv_sec,
		.atimensec = (uint32_t)fs->born.tv_nsec,
		.mtimensec = (uint32_t)fs->born.tv_nsec,
		.ctimensec = (uint32_t)fs->born.tv_nsec,
		.mode = n->mode,
		.nlink = S_ISDIR(n->mode) ? 2 : 1,
		.uid = (uint32_t)fs->uid,
		.gid = (uint32_t)fs->gid,
		.blksize = 4096,
	};
}

/* ---- replies ------------------------------------------------------------- */

/* Send one reply: the header, then up to two payload pieces.  errnum is a
 * positive errno (0 for success).  A reply to a request the kernel has
 * meanwhile dropped (interrupted, or the caller died) fails with ENOENT:
 * nothing is waiting for it, which is not our error. */
static int reply(struct fusefs *fs, const struct fuse_in_header *h, int errnum, const void *a, size_t alen,
		 const void *b, size_t blen)
{
	struct fuse_out_header oh = {
		.len = (uint32_t)(sizeof oh + alen + blen),
		.error = -errnum,
		.unique = h->unique,
	};
	struct iovec iov[3] = {
		{ &oh, sizeof oh },
		{ (void *)a, alen },
		{ (void *)b, blen },
	};
	int n = 1 + (alen > 0) + (blen > 0);
	if (alen == 0)
		iov[1] = iov[2];
	for (;;) {
		ssize_t w = writev(fs->fd, iov, n);
		if (w >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno == ENOENT)
			return 0;
		return -errno;
	}
}

static int reply_err(struct fusefs *fs, const struct fuse_in_header *h, int errnum)
{
	return reply(fs, h, errnum, NULL, 0, NULL, 0);
}

static int reply_ok(struct fusefs *fs, const struct fuse_in_header *h, const void *a, size_t alen)
{
	return reply(fs, h, 0, a, alen, NULL, 0);
}

static void fill_entry(const struct fusefs *fs, uint64_t id, struct fuse_entry_out *e)
{
	*e = (struct fuse_entry_out){
		.nodeid = id,
		.entry_valid = FUSEFS_VALID_SECS,
		.attr_valid = FUSEFS_VALID_SECS,
	};
	fill_attr(fs, id, &e->attr);
}

static int reply_entry(struct fusefs *fs, const struct fuse_in_header *h, uint64_t id)
{
	struct fuse_entry_out e;
	fill_entry(fs, id, &e);
	return reply_ok(fs, h, &e, sizeof e);
}

static int reply_attr(struct fusefs *fs, const struct fuse_in_header *h, uint64_t id)
{
	struct fuse_attr_out a = { .attr_valid = FUSEFS_VALID_SECS };
	fill_attr(fs, id, &a.attr);
	return reply_ok(fs, h, &a, sizeof a);
}

/* ---- request parsing ----------------------------------------------------- */

/* Copy a fixed-size argument out of the payload (memcpy: the buffer holds
 * bytes, not objects).  False if the kernel sent less. */
static bool take(struct req *r, void *dst, size_t size)
{
	if (r->len < size)
		return false;
	memcpy(dst, r->p, size);
	r->p += size;
	r->len -= size;
	return true;
}

/* A NUL-terminated string from the payload, or NULL if there is none. */
static const char *take_str(struct req *r)
{
	const unsigned char *end = memchr(r->p, '\0', r->len);
	if (!end)
		return NULL;
	const char *s = (const char *)r->p;
	r->len -= (size_t)(end + 1 - r->p);
	r->p = end + 1;
	return s;
}

/* ---- handlers ------------------------------------------------------------ */

static int do_init(struct fusefs *fs, struct req *r)
{
	/* the first four fields have been there since 7.0; newer kernels send more */
	struct fuse_init_in in = { 0 };
	size_t n = r->len < sizeof in ? r->len : sizeof in;
	if (n < 4 * sizeof(uint32_t))
		return reply_err(fs, r->h, EINVAL);
	memcpy(&in, r->p, n);
	/* an error here makes the kernel refuse every later request
	 * (ECONNREFUSED): the mount is unusable, as it should be */
	if (in.major != FUSE_KERNEL_VERSION || in.minor < FUSEFS_MIN_MINOR)
		return reply_err(fs, r->h, EPROTO);
	struct fuse_init_out out = {
		.major = FUSE_KERNEL_VERSION,
		.minor = in.minor < FUSEFS_MINOR ? in.minor : FUSEFS_MINOR,
		.max_readahead = in.max_readahead,
		/* Symlinks never change (/lib -> usr/lib): let the kernel keep
		 * them, or every library the loader opens through /lib costs a
		 * READLINK round trip.  No other optional feature (readdirplus,
		 * ACLs, writeback cache, atomic O_TRUNC). */
		.flags = in.flags & FUSE_CACHE_SYMLINKS,
		.max_write = 4096,
	};
	return reply_ok(fs, r->h, &out, sizeof out);
}

static int do_lookup(struct fusefs *fs, struct req *r, fusefs_miss_fn miss, void *arg)
{
	const char *name = take_str(r);
	if (!name)
		return reply_err(fs, r->h, EINVAL);
	struct fusefs_node *p = node_get(fs, r->h->nodeid);
	if (!p)
		return reply_err(fs, r->h, ENOENT);
	if (!S_ISDIR(p->mode))
		return reply_err(fs, r->h, ENOTDIR);
	uint32_t id = node_find(fs, r->h->nodeid, name);
	if (id)
		return reply_entry(fs, r->h, id);
	if (!fs->sealed || !miss)
		return reply_err(fs, r->h, ENOENT);
	bool at_root = r->h->nodeid == FUSE_ROOT_ID;
	/* fits: node paths are < PATH_MAX and the kernel caps names at
	 * FUSEFS_LOOKUP_NAME_MAX; snprintf truncates otherwise */
	snprintf(fs->miss_path, sizeof fs->miss_path, "%s/%s", at_root ? "" : p->path, name);
	int e = miss(arg, (pid_t)r->h->pid, fs->miss_path);
	/* a miss cannot be answered with success: there is no node to give */
	return reply_err(fs, r->h, e > 0 ? e : ENOENT);
}

static int do_getattr(struct fusefs *fs, struct req *r)
{
	if (!node_get(fs, r->h->nodeid))
		return reply_err(fs, r->h, ENOENT);
	return reply_attr(fs, r->h, r->h->nodeid);
}

static int do_setattr(struct fusefs *fs, struct req *r)
{
	struct fusefs_node *n = node_get(fs, r->h->nodeid);
	struct fuse_setattr_in in;
	if (!n)
		return reply_err(fs, r->h, ENOENT);
	if (fs->sealed)
		return reply_err(fs, r->h, EROFS);
	if (!take(r, &in, sizeof in))
		return reply_err(fs, r->h, EINVAL);
	/* only permissions are kept; sizes, times and owners of empty mount
	 * points do not matter and pretending success keeps pid 1 simple */
	if (in.valid & FATTR_MODE)
		n->mode = (n->mode & S_IFMT) | (in.mode & 07777);
	return reply_attr(fs, r->h, r->h->nodeid);
}

static int do_readlink(struct fusefs *fs, struct req *r)
{
	struct fusefs_node *n = node_get(fs, r->h->nodeid);
	if (!n)
		return reply_err(fs, r->h, ENOENT);
	if (!S_ISLNK(n->mode) || !n->target)
		return reply_err(fs, r->h, EINVAL);
	return reply_ok(fs, r->h, n->target, strlen(n->target));
}

/* The common end of MKDIR, MKNOD, SYMLINK and CREATE. */
static int64_t create_node(struct fusefs *fs, struct req *r, const char *name, uint32_t mode,
			   const char *target)
{
	if (!name)
		return -EINVAL;
	return node_add(fs, r->h->nodeid, name, mode, target);
}

static int do_mkdir(struct fusefs *fs, struct req *r)
{
	struct fuse_mkdir_in in;
	if (fs->sealed)
		return reply_err(fs, r->h, EROFS);
	if (!take(r, &in, sizeof in))
		return reply_err(fs, r->h, EINVAL);
	/* the kernel has applied the umask already (we do not ask for DONT_MASK) */
	int64_t id = create_node(fs, r, take_str(r), S_IFDIR | (in.mode & 07777), NULL);
	return id < 0 ? reply_err(fs, r->h, (int)-id) : reply_entry(fs, r->h, (uint64_t)id);
}

static int do_mknod(struct fusefs *fs, struct req *r)
{
	struct fuse_mknod_in in;
	if (fs->sealed)
		return reply_err(fs, r->h, EROFS);
	if (!take(r, &in, sizeof in))
		return reply_err(fs, r->h, EINVAL);
	if (!S_ISREG(in.mode))
		return reply_err(fs, r->h, EPERM);
	int64_t id = create_node(fs, r, take_str(r), S_IFREG | (in.mode & 07777), NULL);
	return id < 0 ? reply_err(fs, r->h, (int)-id) : reply_entry(fs, r->h, (uint64_t)id);
}

static int do_symlink(struct fusefs *fs, struct req *r)
{
	if (fs->sealed)
		return reply_err(fs, r->h, EROFS);
	const char *name = take_str(r);
	const char *target = name ? take_str(r) : NULL;
	if (!target)
		return reply_err(fs, r->h, EINVAL);
	int64_t id = create_node(fs, r, name, S_IFLNK | 0777, target);
	return id < 0 ? reply_err(fs, r->h, (int)-id) : reply_entry(fs, r->h, (uint64_t)id);
}

static int do_create(struct fusefs *fs, struct req *r)
{
	struct fuse_create_in in;
	if (fs->sealed)
		return reply_err(fs, r->h, EROFS);
	if (!take(r, &in, sizeof in))
		return reply_err(fs, r->h, EINVAL);
	int64_t id = create_node(fs, r, take_str(r), S_IFREG | (in.mode & 07777), NULL);
	if (id < 0)
		return reply_err(fs, r->h, (int)-id);
	struct fuse_entry_out e;
	struct fuse_open_out o = { .fh = 0 };
	fill_entry(fs, (uint64_t)id, &e);
	return reply(fs, r->h, 0, &e, sizeof e, &o, sizeof o);
}

static int do_open(struct fusefs *fs, struct req *r)
{
	struct fusefs_node *n = node_get(fs, r->h->nodeid);
	if (!n)
		return reply_err(fs, r->h, ENOENT);
	if (S_ISDIR(n->mode))
		return reply_err(fs, r->h, EISDIR);
	/* after sealing every file here should be covered by a bind mount; one
	 * that is not is an empty placeholder nobody may use */
	if (fs->sealed)
		return reply_err(fs, r->h, EACCES);
	struct fuse_open_out o = { .fh = 0 };
	return reply_ok(fs, r->h, &o, sizeof o);
}

static int do_write(struct fusefs *fs, struct req *r)
{
	struct fuse_write_in in;
	if (fs->sealed)
		return reply_err(fs, r->h, EROFS);
	if (!take(r, &in, sizeof in))
		return reply_err(fs, r->h, EINVAL);
	/* the data goes nowhere: a placeholder stays empty */
	struct fuse_write_out o = { .size = in.size };
	return reply_ok(fs, r->h, &o, sizeof o);
}

static int do_statfs(struct fusefs *fs, struct req *r)
{
	struct fuse_statfs_out o = { .st = { .bsize = 4096, .namelen = NAME_MAX } };
	return reply_ok(fs, r->h, &o, sizeof o);
}

static int do_opendir(struct fusefs *fs, struct req *r)
{
	struct fusefs_node *n = node_get(fs, r->h->nodeid);
	if (!n)
		return reply_err(fs, r->h, ENOENT);
	if (!S_ISDIR(n->mode))
		return reply_err(fs, r->h, ENOTDIR);
	struct fuse_open_out o = { .fh = r->h->nodeid };
	return reply_ok(fs, r->h, &o, sizeof o);
}

/* Append one dirent if it fits in max bytes; false when it does not. */
static bool put_dirent(unsigned char *buf, size_t *used, size_t max, uint64_t ino, uint64_t off,
		       const char *name, uint32_t mode)
{
	size_t nlen = strlen(name);
	size_t rec = FUSE_DIRENT_ALIGN(FUSE_NAME_OFFSET + nlen);
	if (*used + rec > max)
		return false;
	struct fuse_dirent d = {
		.ino = ino,
		.off = off,
		.namelen = (uint32_t)nlen,
		.type = mode >> 12, /* S_IFMT >> 12 is the DT_* value */
	};
	memcpy(buf + *used, &d, FUSE_NAME_OFFSET);
	memcpy(buf + *used + FUSE_NAME_OFFSET, name, nlen);
	memset(buf + *used + FUSE_NAME_OFFSET + nlen, 0, rec - FUSE_NAME_OFFSET - nlen);
	*used += rec;
	return true;
}

/* Entry i of a directory is ".", "..", then the children in creation
 * order; its offset is i + 1, so a READDIR at offset o resumes at entry o. */
static int do_readdir(struct fusefs *fs, struct req *r)
{
	struct fuse_read_in in;
	if (!take(r, &in, sizeof in))
		return reply_err(fs, r->h, EINVAL);
	struct fusefs_node *n = node_get(fs, r->h->nodeid);
	if (!n)
		return reply_err(fs, r->h, ENOENT);
	if (!S_ISDIR(n->mode))
		return reply_err(fs, r->h, ENOTDIR);
	size_t max = in.size < FUSEFS_OUT_SIZE ? in.size : FUSEFS_OUT_SIZE;
	size_t used = 0;
	uint64_t i = 0;
	if (in.offset <= i && !put_dirent(fs->out, &used, max, r->h->nodeid, i + 1, ".", S_IFDIR))
		goto done;
	i++;
	if (in.offset <= i && !put_dirent(fs->out, &used, max, n->parent, i + 1, "..", S_IFDIR))
		goto done;
	i++;
	for (uint32_t c = n->first_child; c; c = fs->nodes[c - 1].next_sibling, i++) {
		const struct fusefs_node *cn = &fs->nodes[c - 1];
		if (in.offset <= i && !put_dirent(fs->out, &used, max, c, i + 1, cn->path + cn->name_off, cn->mode))
			break;
	}
done:
	return reply_ok(fs, r->h, fs->out, used);
}

static int dispatch(struct fusefs *fs, struct req *r, fusefs_miss_fn miss, void *arg)
{
	switch (r->h->opcode) {
	case FUSE_INIT:
		return do_init(fs, r);
	case FUSE_LOOKUP:
		return do_lookup(fs, r, miss, arg);
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		/* no reply: nodes are never freed, and every request is answered
		 * before we read the next, so there is nothing to interrupt */
		return 0;
	case FUSE_GETATTR:
		return do_getattr(fs, r);
	case FUSE_SETATTR:
		return do_setattr(fs, r);
	case FUSE_READLINK:
		return do_readlink(fs, r);
	case FUSE_SYMLINK:
		return do_symlink(fs, r);
	case FUSE_MKNOD:
		return do_mknod(fs, r);
	case FUSE_MKDIR:
		return do_mkdir(fs, r);
	case FUSE_CREATE:
		return do_create(fs, r);
	case FUSE_OPEN:
		return do_open(fs, r);
	case FUSE_READ:
		return reply_ok(fs, r->h, NULL, 0); /* every file is empty */
	case FUSE_WRITE:
		return do_write(fs, r);
	case FUSE_STATFS:
		return do_statfs(fs, r);
	case FUSE_OPENDIR:
		return do_opendir(fs, r);
	case FUSE_READDIR:
		return do_readdir(fs, r);
	case FUSE_RELEASE:
	case FUSE_RELEASEDIR:
	case FUSE_FLUSH:
	case FUSE_FSYNC:
	case FUSE_FSYNCDIR:
	case FUSE_ACCESS: /* default_permissions: the kernel checks modes itself */
	case FUSE_DESTROY:
		return reply_ok(fs, r->h, NULL, 0);
	case FUSE_UNLINK:
	case FUSE_RMDIR:
	case FUSE_RENAME:
	case FUSE_RENAME2:
	case FUSE_LINK:
		return reply_err(fs, r->h, fs->sealed ? EROFS : EPERM);
	default:
		/* including the xattr calls: ENOSYS makes the kernel stop
		 * sending them; every other request expects some reply */
		return reply_err(fs, r->h, ENOSYS);
	}
}

/* ---- the server ---------------------------------------------------------- */

int fusefs_new(int fd, uid_t uid, gid_t gid, struct fusefs **out, struct bsbox_err *err)
{
	cleanup_close int owned = fd;
	cleanup_free struct fusefs *fs = calloc(1, sizeof *fs);
	if (!fs)
		return bsbox_err_set(err, ENOMEM, "allocating the FUSE server");
	/* poll() can report a request that is gone (interrupted) by the time we
	 * read: without O_NONBLOCK that read would wait for the next one */
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return bsbox_err_set(err, errno, "setting the FUSE device non-blocking");
	fs->uid = uid;
	fs->gid = gid;
	clock_gettime(CLOCK_REALTIME, &fs->born);
	fs->cap = 64;
	fs->nbuckets = 64;
	fs->nodes = calloc(fs->cap, sizeof *fs->nodes);
	fs->buckets = calloc(fs->nbuckets, sizeof *fs->buckets);
	fs->in = malloc(FUSEFS_IN_SIZE);
	fs->out = malloc(FUSEFS_OUT_SIZE);
	char *root = strdup("/");
	if (!fs->nodes || !fs->buckets || !fs->in || !fs->out || !root) {
		free(fs->nodes);
		free(fs->buckets);
		free(fs->in);
		free(fs->out);
		free(root);
		return bsbox_err_set(err, ENOMEM, "allocating the FUSE server");
	}
	fs->nodes[0] = (struct fusefs_node){
		.path = root,
		.name_off = 1,
		.parent = FUSE_ROOT_ID,
		.mode = S_IFDIR | 0755,
	};
	fs->nnodes = 1;
	fs->fd = steal_fd(&owned);
	*out = steal_ptr(fs);
	return 0;
}

void fusefs_free(struct fusefs *fs)
{
	if (!fs)
		return;
	for (uint32_t i = 0; i < fs->nnodes; i++) {
		free(fs->nodes[i].path);
		free(fs->nodes[i].target);
	}
	free(fs->nodes);
	free(fs->buckets);
	free(fs->in);
	free(fs->out);
	if (fs->fd >= 0)
		close(fs->fd);
	free(fs);
}

int fusefs_fd(const struct fusefs *fs)
{
	return fs->fd;
}

void fusefs_seal(struct fusefs *fs)
{
	fs->sealed = true;
}

unsigned long fusefs_requests(const struct fusefs *fs)
{
	return fs->requests;
}

int fusefs_serve(struct fusefs *fs, fusefs_miss_fn miss, void *arg)
{
	ssize_t n = read(fs->fd, fs->in, FUSEFS_IN_SIZE);
	if (n < 0) {
		/* ENOENT: the request was interrupted before we got to it */
		if (errno == EINTR || errno == EAGAIN || errno == ENOENT)
			return 0;
		return -errno;
	}
	struct fuse_in_header h;
	if ((size_t)n < sizeof h)
		return -EIO;
	memcpy(&h, fs->in, sizeof h);
	if (h.len != (size_t)n)
		return -EIO;
	fs->requests++;
	/* extensions (security contexts, supplementary groups) trail the
	 * arguments; we negotiate none, but never read them as arguments */
	size_t ext = (size_t)h.total_extlen * 8;
	size_t len = (size_t)n - sizeof h;
	if (ext > len)
		return reply_err(fs, &h, EINVAL);
	struct req r = { .h = &h, .p = fs->in + sizeof h, .len = len - ext };
	return dispatch(fs, &r, miss, arg);
}
