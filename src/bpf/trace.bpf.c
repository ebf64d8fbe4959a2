// SPDX-License-Identifier: GPL-2.0
/* The BPF trace backend: what the processes of one sandbox open, execute,
 * connect to, send to, unlink, rmdir, mkdir and rename, and what the kernel
 * answered (allowed, or the errno of a denial).
 *
 * Which processes: the tgids in `tracked`.  The loader puts the sandbox's
 * first process there before it execs CMD; every fork of a tracked process
 * adds the child, every exit of a group leader removes it.  So one bsbox
 * process traces exactly its own sandbox, whatever namespaces it uses.
 *
 * Hooks: only BTF tracepoints (sched_process_fork/exit/exec, sys_enter,
 * sys_exit).  fentry/fexit and lsm/ programs would see the security hooks
 * themselves, but they need BPF trampolines, which a kernel may refuse even
 * to root (the development machine answers EPERM), and kprobes may be
 * compiled out (CONFIG_KPROBES=n there); the syscall tracepoints are there
 * wherever BPF tracing is.  sys_enter keeps a traced call's arguments per
 * thread, sys_exit sees the result:
 *   - a successful open: the path of the struct file the new fd points to,
 *     by walking its dentries up to the process's root across mount points,
 *     i.e. as the kernel resolved it (symlinks followed, mounts crossed);
 *   - a failed open, exec, unlink, rmdir, mkdir, rename: the path as passed,
 *     with the kernel's path of the directory it is relative to (the cwd or
 *     the dirfd); the loader joins them;
 *   - connect, sendto/sendmsg with an address: the sockaddr.
 * Syscall numbers are x86_64's (the loader refuses other architectures).
 *
 * Events go through a ring buffer: the traced process never waits for us. */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "trace_event.h"
#include "follow.bpf.h"
#include "walk.bpf.h"

char LICENSE[] SEC("license") = "GPL";

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

SEC("raw_tp/sched_process_exec")
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

/* A traced syscall's arguments, from sys_enter to sys_exit (per thread). */
struct pending {
	long nr;
	__u64 a[6];
};

/* LRU: a thread killed inside a traced syscall never reaches sys_exit */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, struct pending);
} pending SEC(".maps");

enum {
	NR_OPEN = 2, NR_OPENAT = 257, NR_OPENAT2 = 437, NR_EXECVE = 59, NR_EXECVEAT = 322,
	NR_CONNECT = 42, NR_SENDTO = 44, NR_SENDMSG = 46, NR_UNLINK = 87, NR_UNLINKAT = 263,
	NR_RMDIR = 84, NR_MKDIR = 83, NR_MKDIRAT = 258, NR_RENAME = 82, NR_RENAMEAT = 264,
	NR_RENAMEAT2 = 316,
};
#define AT_REMOVEDIR_ 0x200

static __always_inline bool interesting(long nr)
{
	switch (nr) {
	case NR_OPEN: case NR_OPENAT: case NR_OPENAT2: case NR_EXECVE: case NR_EXECVEAT:
	case NR_CONNECT: case NR_SENDTO: case NR_SENDMSG: case NR_UNLINK: case NR_UNLINKAT:
	case NR_RMDIR: case NR_MKDIR: case NR_MKDIRAT: case NR_RENAME: case NR_RENAMEAT:
	case NR_RENAMEAT2:
		return true;
	}
	return false;
}

SEC("raw_tp/sys_enter")
int BPF_PROG(sys_enter, struct pt_regs *regs, long id)
{
	if (!interesting(id) || !is_tracked())
		return 0;
	struct pending p = { .nr = id };
	p.a[0] = BPF_CORE_READ(regs, di);
	p.a[1] = BPF_CORE_READ(regs, si);
	p.a[2] = BPF_CORE_READ(regs, dx);
	p.a[3] = BPF_CORE_READ(regs, r10);
	p.a[4] = BPF_CORE_READ(regs, r8);
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&pending, &tid, &p, BPF_ANY);
	return 0;
}

SEC("raw_tp/sys_exit")
int BPF_PROG(sys_exit, struct pt_regs *regs, long ret)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct pending *pp = bpf_map_lookup_elem(&pending, &tid);
	if (!pp)
		return 0;
	struct pending p = *pp;
	bpf_map_delete_elem(&pending, &tid);
	if (p.nr == NR_EXECVE || p.nr == NR_EXECVEAT) {
		if (ret == 0)
			return 0; /* sched_process_exec reported it */
	}
	__u32 k = 0;
	struct walk_buf *buf = bpf_map_lookup_elem(&scratch, &k);
	if (!buf)
		return 0;

	__u32 op = 0, n0 = 0, n1 = 0, fmode = 0;
	long dirfd = AT_FDCWD_, dirfd2 = AT_FDCWD_;
	const char *upath = NULL, *upath2 = NULL;
	const void *uaddr = NULL;
	int alen = 0;
	switch (p.nr) {
	case NR_OPEN:
		op = TR_OPEN;
		upath = (const char *)p.a[0];
		break;
	case NR_OPENAT:
	case NR_OPENAT2:
		op = TR_OPEN;
		dirfd = p.a[0];
		upath = (const char *)p.a[1];
		break;
	case NR_EXECVE:
		op = TR_EXEC;
		upath = (const char *)p.a[0];
		break;
	case NR_EXECVEAT:
		op = TR_EXEC;
		dirfd = p.a[0];
		upath = (const char *)p.a[1];
		break;
	case NR_CONNECT:
		op = TR_CONNECT;
		uaddr = (const void *)p.a[1];
		alen = p.a[2];
		break;
	case NR_SENDTO:
		op = TR_SEND;
		uaddr = (const void *)p.a[4];
		alen = p.a[5];
		break;
	case NR_SENDMSG: {
		struct user_msghdr mh;
		if (bpf_probe_read_user(&mh, sizeof mh, (const void *)p.a[1]) < 0)
			return 0;
		op = TR_SEND;
		uaddr = mh.msg_name;
		alen = mh.msg_namelen;
		break;
	}
	case NR_UNLINK:
		op = TR_UNLINK;
		upath = (const char *)p.a[0];
		break;
	case NR_UNLINKAT:
		op = p.a[2] & AT_REMOVEDIR_ ? TR_RMDIR : TR_UNLINK;
		dirfd = p.a[0];
		upath = (const char *)p.a[1];
		break;
	case NR_RMDIR:
		op = TR_RMDIR;
		upath = (const char *)p.a[0];
		break;
	case NR_MKDIR:
		op = TR_MKDIR;
		upath = (const char *)p.a[0];
		break;
	case NR_MKDIRAT:
		op = TR_MKDIR;
		dirfd = p.a[0];
		upath = (const char *)p.a[1];
		break;
	case NR_RENAME:
		op = TR_RENAME;
		upath = (const char *)p.a[0];
		upath2 = (const char *)p.a[1];
		break;
	case NR_RENAMEAT:
	case NR_RENAMEAT2:
		op = TR_RENAME;
		dirfd = p.a[0];
		upath = (const char *)p.a[1];
		dirfd2 = p.a[2];
		upath2 = (const char *)p.a[3];
		break;
	default:
		return 0;
	}
	if ((op == TR_CONNECT || op == TR_SEND) && (!uaddr || alen <= 0))
		return 0; /* a connected socket: its peer was traced at connect */

	bool resolved = false;
	if (op == TR_OPEN && ret >= 0) {
		struct file *f = fd_file(ret);
		if (f) {
			fmode = BPF_CORE_READ(f, f_mode);
			n0 = walk(BPF_CORE_READ(f, f_path.mnt), BPF_CORE_READ(f, f_path.dentry), buf, 0);
			resolved = true;
		}
	}
	if (!resolved && upath) {
		n0 = walk_dir(dirfd, buf, 0);
		if (upath2)
			n1 = walk_dir(dirfd2, buf, 1);
	}

	struct tr_event *e = reserve(op, ret < 0 ? ret : 0);
	if (!e)
		return 0;
	e->fmode = fmode;
	e->ncomp[0] = n0 | (resolved ? TR_RESOLVED : 0);
	e->ncomp[1] = n1;
	e->argv[0] = '\0';
	if (op == TR_OPEN && !resolved) {
		/* the open flags, for the access of a failed open */
		e->fmode = p.nr == NR_OPEN ? p.a[1] : p.nr == NR_OPENAT ? p.a[2] : 0;
		e->pad = 1;
	}
	if (uaddr) {
		if (alen > TR_ADDR)
			alen = TR_ADDR;
		if (bpf_probe_read_user(e->addr, alen & 0x7f, uaddr) == 0)
			e->addr_len = alen & 0x7f;
	} else {
		bpf_probe_read_kernel(e->comp, sizeof e->comp, buf->comp);
		if (!resolved)
			bpf_probe_read_user_str(e->path, sizeof e->path, upath);
		if (upath2)
			bpf_probe_read_user_str(e->argv, sizeof e->argv, upath2);
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}
