/* Paths from the kernel's own structures, shared by the programs that
 * report paths (trace.bpf.c, read.bpf.c): the dentry walk of a (mount,
 * dentry) pair up to the process's root, the file behind an fd, and the
 * directory a relative path starts from.  Components leaf first, at most
 * TR_COMP of TR_COMPLEN bytes each (trace_event.h); the loader joins them. */
#ifndef BSBOX_BPF_WALK_H
#define BSBOX_BPF_WALK_H

#define AT_FDCWD_ -100

/* The dentry walk, one step per bpf_loop() iteration so the verifier checks
 * the body once rather than every unrolled path.  Components go to a per-CPU
 * scratch buffer (leaf first), copied into the event afterwards. */
struct walk_buf {
	char comp[2][TR_COMP][TR_COMPLEN];
	/* the walk's count and end (walk_ctx's n, done): in the map value, whose
	 * contents the verifier does not track, so every step of the loop
	 * starts from the same state and the callback is checked about twice
	 * rather than once per count and ending (a third of the load time) */
	__u32 n, done;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct walk_buf);
} scratch SEC(".maps");

struct walk_ctx {
	struct mount *mnt;
	struct dentry *d;
	struct dentry *root_d;
	struct vfsmount *root_m;
	struct mount *ns_root;
	struct walk_buf *buf;
	__u32 which; /* comp[0] or comp[1] */
};
/* buf->done: 1, reached the root; 2, a file of no mounted tree (a pipe
 * reopened through /proc, an internal mount) */

static long walk_step(__u32 i, void *arg)
{
	struct walk_ctx *w = arg;
	struct dentry *d = w->d;
	struct mount *mnt = w->mnt;
	if (d == w->root_d && &mnt->mnt == w->root_m) {
		w->buf->done = 1;
		return 1;
	}
	struct dentry *mroot = BPF_CORE_READ(mnt, mnt.mnt_root);
	if (d == mroot) {
		struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
		if (up == mnt) {
			w->buf->done = mnt == w->ns_root ? 1 : 2;
			return 1;
		}
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = up;
		return 0;
	}
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	if (d == parent) { /* a root that is no mount's root: disconnected */
		w->buf->done = 2;
		return 1;
	}
	__u32 n = w->buf->n;
	if (n >= TR_COMP)
		return 1;
	const unsigned char *name = BPF_CORE_READ(d, d_name.name);
	if (w->which)
		bpf_probe_read_kernel_str(w->buf->comp[1][n], TR_COMPLEN, name);
	else
		bpf_probe_read_kernel_str(w->buf->comp[0][n], TR_COMPLEN, name);
	w->buf->n = n + 1;
	w->d = parent;
	return 0;
}

/* The path of dentry d under mount vmnt into buf->comp[which], up to the
 * process's root (or the namespace's); returns the count, | TR_COMP_TRUNC
 * when the walk stopped early. */
/* A global (not inlined) function: the verifier checks it once, on its own,
 * instead of once per call site and path through sys_exit (which made
 * loading take a quarter of a second). */
__attribute__((noinline)) __u32 trace_walk(__u64 vmnt, __u64 dentry, struct walk_buf *buf,
					    __u32 which)
{
	if (!buf)
		return TR_COMP_TRUNC;
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct walk_ctx w = {
		.mnt = container_of((struct vfsmount *)vmnt, struct mount, mnt),
		.d = (struct dentry *)dentry,
		.root_d = BPF_CORE_READ(task, fs, root.dentry),
		.root_m = BPF_CORE_READ(task, fs, root.mnt),
		.ns_root = BPF_CORE_READ(task, nsproxy, mnt_ns, root),
		.buf = buf,
		.which = which,
	};
	buf->n = buf->done = 0;
	bpf_loop(TR_COMP + 16, walk_step, &w, 0);
	__u32 done = buf->done;
	return buf->n | (done == 1 ? 0 : done == 2 ? TR_DETACHED : TR_COMP_TRUNC);
}

static __always_inline __u32 walk(struct vfsmount *vmnt, struct dentry *d, struct walk_buf *buf,
				  __u32 which)
{
	return trace_walk((__u64)vmnt, (__u64)d, buf, which);
}

/* The struct file behind fd in the current process, or NULL. */
static __always_inline struct file *fd_file(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	unsigned int max = BPF_CORE_READ(fdt, max_fds);
	if (fd < 0 || fd >= max)
		return NULL;
	struct file **fds = BPF_CORE_READ(fdt, fd);
	struct file *f = NULL;
	bpf_probe_read_kernel(&f, sizeof f, &fds[fd]);
	return f;
}

/* The directory a relative path given with dirfd starts from, into
 * buf->comp[which]. */
static __always_inline __u32 walk_dir(long dirfd, struct walk_buf *buf, __u32 which)
{
	if ((int)dirfd == AT_FDCWD_) {
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();
		return walk(BPF_CORE_READ(task, fs, pwd.mnt), BPF_CORE_READ(task, fs, pwd.dentry), buf,
			    which);
	}
	struct file *f = fd_file(dirfd);
	if (!f)
		return TR_COMP_TRUNC;
	return walk(BPF_CORE_READ(f, f_path.mnt), BPF_CORE_READ(f, f_path.dentry), buf, which);
}

#endif
