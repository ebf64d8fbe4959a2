/* The record the BPF trace programs (trace.bpf.c) put in the ring buffer,
 * shared with the loader (src/ebpf.c).  Fixed size: bpf_ringbuf_reserve
 * needs a constant; a few KB per event is cheap next to the syscall. */
#ifndef BSBOX_BPF_TRACE_EVENT_H
#define BSBOX_BPF_TRACE_EVENT_H

#define TR_PATH 4096   /* exec: the file name as passed */
#define TR_COMP 16     /* path components kept by the dentry walk */
#define TR_COMPLEN 64  /* bytes per component, NUL included */
#define TR_ARGV 1024   /* exec: the first bytes of argv, NUL separated */
#define TR_ADDR 112    /* a sockaddr copy (sockaddr_un is 110) */

enum tr_op {
	TR_OPEN = 1, /* comp[0], fmode, ret */
	TR_EXEC,     /* path (as passed to exec), argv */
	TR_CONNECT,  /* addr, ret */
	TR_SEND,     /* addr (sendto/sendmsg with an address), ret */
	TR_UNLINK,   /* comp[0] */
	TR_RMDIR,    /* comp[0] */
	TR_MKDIR,    /* comp[0] */
	TR_RENAME,   /* comp[0] -> comp[1] */
};

/* ncomp flags: the walk stopped before the root (path truncated); comp[0]
 * is the opened file itself (else: the directory path[] is relative to) */
#define TR_COMP_TRUNC 0x100
#define TR_RESOLVED 0x200
#define TR_DETACHED 0x400 /* no path: a pipe, socket or internal mount's file */

struct tr_event {
	__u32 op;
	__u32 pid;   /* tgid, as the host sees it */
	__u32 tid;
	__s32 ret;   /* the security hook's answer: 0 allowed, -errno denied */
	__u32 fmode; /* TR_OPEN: file->f_mode (FMODE_READ 1, WRITE 2, EXEC 0x20);
	               a failed open (pad 1): the open flags */
	__u32 argv_len;
	__u32 addr_len;
	__u32 ncomp[2]; /* components in comp[i], | TR_COMP_TRUNC */
	__u32 pad;   /* 1: fmode holds open flags */
	__u8 addr[TR_ADDR];
	char path[TR_PATH];  /* exec: the file name; unresolved paths: as passed */
	char comp[2][TR_COMP][TR_COMPLEN]; /* leaf first */
	char argv[TR_ARGV];  /* exec: argv; rename: the target as passed */
};

#endif
