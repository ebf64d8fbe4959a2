// SPDX-License-Identifier: GPL-2.0
/* The BPF trace backend: what the processes of one sandbox open, execute,
 * connect to, send to, unlink, rmdir, mkdir and rename, with the answer the
 * kernel's security hooks gave.
 *
 * Which processes: the tgids in `tracked`.  The loader puts the sandbox's
 * first process there before it execs CMD; every fork of a tracked process
 * adds the child, every exit of a group leader removes it.  So one bsbox
 * process traces exactly its own sandbox, whatever namespaces it uses.
 *
 * Hooks are fexit programs on the LSM entry points (security_file_open,
 * security_socket_connect, ...) rather than lsm/ programs: an fexit sees the
 * hook's return value, i.e. denials by Landlock too (a BPF LSM program runs
 * after Landlock and is never called for what Landlock refused), and it needs
 * no lsm=bpf.  bpf_d_path is allowed in security_file_open; the path hooks
 * are not on its allow list, so they walk the dentries themselves.
 *
 * Events go through a ring buffer: the traced process never waits for us. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "trace_event.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, __u8);
} tracked SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

/* events lost because the ring buffer was full */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline bool is_tracked(void)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	return bpf_map_lookup_elem(&tracked, &tgid) != NULL;
}

static __always_inline struct tr_event *reserve(__u32 op, int ret)
{
	struct tr_event *e = bpf_ringbuf_reserve(&events, sizeof *e, 0);
	if (!e) {
		__u32 k = 0;
		__u64 *n = bpf_map_lookup_elem(&lost, &k);
		if (n)
			__sync_fetch_and_add(n, 1);
		return NULL;
	}
	__u64 id = bpf_get_current_pid_tgid();
	e->op = op;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->ret = ret;
	e->fmode = 0;
	e->argv_len = 0;
	e->addr_len = 0;
	e->ncomp[0] = e->ncomp[1] = 0;
	e->path[0] = '\0';
	return e;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(trace_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = BPF_CORE_READ(parent, tgid);
	if (!bpf_map_lookup_elem(&tracked, &ptgid))
		return 0;
	__u32 ctgid = BPF_CORE_READ(child, tgid);
	__u8 one = 1;
	bpf_map_update_elem(&tracked, &ctgid, &one, BPF_ANY);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(trace_exit, struct task_struct *p)
{
	__u32 pid = BPF_CORE_READ(p, pid), tgid = BPF_CORE_READ(p, tgid);
	if (pid == tgid)
		bpf_map_delete_elem(&tracked, &tgid);
	return 0;
}

SEC("fexit/security_file_open")
int BPF_PROG(trace_open, struct file *file, int ret)
{
	if (!is_tracked())
		return 0;
	struct tr_event *e = reserve(TR_OPEN, ret);
	if (!e)
		return 0;
	e->fmode = BPF_CORE_READ(file, f_mode);
	if (bpf_d_path((struct path *)&file->f_path, e->path, sizeof e->path) < 0)
		e->path[0] = '\0';
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(trace_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	if (!is_tracked())
		return 0;
	struct tr_event *e = reserve(TR_EXEC, 0);
	if (!e)
		return 0;
	const char *fn = BPF_CORE_READ(bprm, filename);
	bpf_probe_read_kernel_str(e->path, sizeof e->path, fn);
	struct mm_struct *mm = BPF_CORE_READ(p, mm);
	unsigned long start = BPF_CORE_READ(mm, arg_start), end = BPF_CORE_READ(mm, arg_end);
	__u32 n = end - start > TR_ARGV ? TR_ARGV : (__u32)(end - start);
	if (n > 0 && n <= TR_ARGV && bpf_probe_read_user(e->argv, n, (const void *)start) == 0)
		e->argv_len = n;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

static __always_inline void copy_addr(struct tr_event *e, const void *addr, int len)
{
	if (!addr || len <= 0)
		return;
	if (len > TR_ADDR)
		len = TR_ADDR;
	if (bpf_probe_read_kernel(e->addr, len & 0x7f, addr) == 0)
		e->addr_len = len & 0x7f;
}

SEC("fexit/security_socket_connect")
int BPF_PROG(trace_connect, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	if (!is_tracked())
		return 0;
	struct tr_event *e = reserve(TR_CONNECT, ret);
	if (!e)
		return 0;
	copy_addr(e, address, addrlen);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* Only sends that name an address (sendto/sendmsg to a datagram peer): a
 * connected socket's peer was recorded at connect. */
SEC("fexit/security_socket_sendmsg")
int BPF_PROG(trace_send, struct socket *sock, struct msghdr *msg, int size, int ret)
{
	if (!is_tracked())
		return 0;
	void *name = BPF_CORE_READ(msg, msg_name);
	int namelen = BPF_CORE_READ(msg, msg_namelen);
	if (!name || namelen <= 0)
		return 0;
	struct tr_event *e = reserve(TR_SEND, ret);
	if (!e)
		return 0;
	copy_addr(e, name, namelen);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

/* The path of dentry d under mount vmnt, leaf first, up to the process's root
 * (or the namespace's); TR_COMP_TRUNC when deeper than TR_COMP. */
static __always_inline __u32 walk(struct vfsmount *vmnt, struct dentry *d,
				  char comp[TR_COMP][TR_COMPLEN])
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct dentry *root_d = BPF_CORE_READ(task, fs, root.dentry);
	struct vfsmount *root_m = BPF_CORE_READ(task, fs, root.mnt);
	struct mount *mnt = container_of(vmnt, struct mount, mnt);
	__u32 n = 0;
	for (int i = 0; i < TR_COMP + 8; i++) {
		if (d == root_d && &mnt->mnt == root_m)
			return n;
		struct dentry *mroot = BPF_CORE_READ(mnt, mnt.mnt_root);
		if (d == mroot) {
			struct mount *up = BPF_CORE_READ(mnt, mnt_parent);
			if (up == mnt)
				return n;
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = up;
			continue;
		}
		struct dentry *parent = BPF_CORE_READ(d, d_parent);
		if (d == parent)
			return n;
		if (n >= TR_COMP)
			return n | TR_COMP_TRUNC;
		const unsigned char *name = BPF_CORE_READ(d, d_name.name);
		bpf_probe_read_kernel_str(comp[n], TR_COMPLEN, name);
		n++;
		d = parent;
	}
	return n | TR_COMP_TRUNC;
}

static __always_inline int path_op(__u32 op, const struct path *dir, struct dentry *dentry, int ret)
{
	if (!is_tracked())
		return 0;
	struct tr_event *e = reserve(op, ret);
	if (!e)
		return 0;
	e->ncomp[0] = walk(BPF_CORE_READ(dir, mnt), dentry, e->comp[0]);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("fexit/security_path_unlink")
int BPF_PROG(trace_unlink, const struct path *dir, struct dentry *dentry, int ret)
{
	return path_op(TR_UNLINK, dir, dentry, ret);
}

SEC("fexit/security_path_rmdir")
int BPF_PROG(trace_rmdir, const struct path *dir, struct dentry *dentry, int ret)
{
	return path_op(TR_RMDIR, dir, dentry, ret);
}

SEC("fexit/security_path_mkdir")
int BPF_PROG(trace_mkdir, const struct path *dir, struct dentry *dentry, umode_t mode, int ret)
{
	return path_op(TR_MKDIR, dir, dentry, ret);
}

SEC("fexit/security_path_rename")
int BPF_PROG(trace_rename, const struct path *old_dir, struct dentry *old_dentry,
	     const struct path *new_dir, struct dentry *new_dentry, unsigned int flags, int ret)
{
	if (!is_tracked())
		return 0;
	struct tr_event *e = reserve(TR_RENAME, ret);
	if (!e)
		return 0;
	e->ncomp[0] = walk(BPF_CORE_READ(old_dir, mnt), old_dentry, e->comp[0]);
	e->ncomp[1] = walk(BPF_CORE_READ(new_dir, mnt), new_dentry, e->comp[1]);
	bpf_ringbuf_submit(e, 0);
	return 0;
}
