// SPDX-License-Identifier: GPL-2.0
/* The kernel's refusals of read-only opens, for root's sandbox (bpfread.h).
 *
 * Started by root, the sandbox runs as an unprivileged host id, and the
 * kernel refuses it root-only files (/etc/shadow in a bound /etc) by plain
 * DAC.  With the FUSE root the supervisor no longer sees read-only opens, so
 * this program reports each open, openat or openat2 of a followed process
 * that asked for read-only access and got EACCES or EPERM; the loader
 * decides, as the supervisor did, which of them were root-only files.
 *
 * One hook, sys_exit: its first test (the return value) is all that every
 * other syscall on the machine pays.  The arguments come from the saved user
 * registers (orig_ax, di, si, dx), which no open variant changes, so no
 * sys_enter program and no per-thread map are needed.  Syscall numbers are
 * x86_64's (the loader refuses other architectures; the seccomp filter kills
 * other ABIs).
 *
 * Enabled, sys_exit sends every syscall on the machine through the slow
 * path (~90 ns each here, a trivial program as much as this one).  A hook on
 * opens alone was tried: fexit/do_filp_open is refused (EPERM, before the
 * verifier) on the VMs measured, which have no kprobes either; and libbpf
 * 1.1 parses all of vmlinux's BTF for any fentry/fexit program, 5 ms per
 * launch, more than this whole load.  The per-syscall perf tracepoints
 * (syscalls:sys_exit_openat) cost half as much per syscall but 70 ms each
 * to close (tracepoint_synchronize_unregister). */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "read_event.h"
/* a sandbox's processes alive at once, at most (the loader makes it twice
 * the policy's nproc when that is smaller); more are counted as lost */
#define FOLLOW_MAX 16384
#include "follow.bpf.h"
#include "walk.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* Refusals are rare (each one fails the run) and a thread reads them as
 * they come: ~35 records of slack.  Its size is paid at every launch (the
 * pages are allocated, zeroed and mapped). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 << 10);
} rd_events SEC(".maps");

/* records lost because the ring buffer was full: the loader fails the run */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} rd_lost SEC(".maps");

enum { NR_OPEN = 2, NR_OPENAT = 257, NR_OPENAT2 = 437 };
#define EPERM_ 1
#define EACCES_ 13
#define O_ACCMODE_ 03
#define O_CREAT_ 0100
#define O_TRUNC_ 01000
#define O_DIRECTORY_ 0200000
#define O_PATH_ 010000000

SEC("raw_tp/sys_exit")
int BPF_PROG(read_denied, struct pt_regs *regs, long ret)
{
	if (ret != -EACCES_ && ret != -EPERM_)
		return 0;
	long nr = BPF_CORE_READ(regs, orig_ax);
	if (nr != NR_OPEN && nr != NR_OPENAT && nr != NR_OPENAT2)
		return 0;
	if (!is_tracked())
		return 0;
	__u64 a0 = BPF_CORE_READ(regs, di), a1 = BPF_CORE_READ(regs, si),
	      a2 = BPF_CORE_READ(regs, dx);
	__u64 flags = 0;
	long dirfd = AT_FDCWD_;
	const char *upath;
	if (nr == NR_OPEN) {
		upath = (const char *)a0;
		flags = a1;
	} else {
		dirfd = (long)(int)a0;
		upath = (const char *)a1;
		if (nr == NR_OPENAT)
			flags = a2;
		else if (bpf_probe_read_user(&flags, sizeof flags, (const void *)a2) < 0)
			return 0; /* struct open_how starts with the flags; EFAULT otherwise */
	}
	/* What the supervisor would have judged: a read-only open of a file.
	 * (An O_DIRECTORY open of a file fails with ENOTDIR first, so its
	 * EACCES is about a directory, never a root-only file.) */
	if ((flags & O_ACCMODE_) || (flags & (O_CREAT_ | O_TRUNC_ | O_PATH_ | O_DIRECTORY_)))
		return 0;

	__u32 k = 0;
	struct walk_buf *buf = bpf_map_lookup_elem(&scratch, &k);
	struct rd_event *e = bpf_ringbuf_reserve(&rd_events, sizeof *e, 0);
	if (!e) {
		__u64 *n = bpf_map_lookup_elem(&rd_lost, &k);
		if (n)
			__sync_fetch_and_add(n, 1);
		return 0;
	}
	__u64 id = bpf_get_current_pid_tgid();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->ret = ret;
	e->nr = nr;
	e->flags = flags;
	e->ncomp[0] = e->ncomp[1] = 0;
	e->cmdline_len = 0;
	e->dirfd = (__s32)dirfd;
	if (bpf_probe_read_user_str(e->path, sizeof e->path, upath) < 0)
		e->path[0] = '\0';
	if (buf) {
		if (e->path[0] != '/')
			e->ncomp[0] = walk_dir(dirfd, buf, 0);
		struct task_struct *task = (struct task_struct *)bpf_get_current_task();
		struct file *exe = BPF_CORE_READ(task, mm, exe_file);
		if (exe)
			e->ncomp[1] = walk(BPF_CORE_READ(exe, f_path.mnt),
					   BPF_CORE_READ(exe, f_path.dentry), buf, 1);
		bpf_probe_read_kernel(e->comp, sizeof e->comp, buf->comp);
		unsigned long start = BPF_CORE_READ(task, mm, arg_start);
		unsigned long end = BPF_CORE_READ(task, mm, arg_end);
		__u32 n = end - start > RD_CMDLINE ? RD_CMDLINE : (__u32)(end - start);
		if (n > 0 && n <= RD_CMDLINE &&
		    bpf_probe_read_user(e->cmdline, n, (const void *)start) == 0)
			e->cmdline_len = n;
	} else {
		e->ncomp[0] = e->path[0] != '/' ? TR_COMP_TRUNC : 0;
		e->ncomp[1] = TR_COMP_TRUNC;
	}
	bpf_ringbuf_submit(e, 0);
	return 0;
}
