/* The record read.bpf.c sends for each read-only open the kernel refused
 * (EACCES/EPERM) in a followed process, shared with src/bpfread.c.  It
 * carries everything the supervisor's event needs, because by the time the
 * loader reads it the process may be gone: the path as passed, the directory
 * it was relative to, the executable and the command line. */
#ifndef BSBOX_BPF_READ_EVENT_H
#define BSBOX_BPF_READ_EVENT_H

#include "trace_event.h" /* TR_COMP, TR_COMPLEN, the walk's flags */

#define RD_PATH 4096    /* the path as passed (PATH_MAX) */
#define RD_CMDLINE 512  /* the first bytes of argv, NUL separated */

struct rd_event {
	__u32 pid;      /* tgid, as the host sees it */
	__u32 tid;      /* the thread (what a seccomp notification names) */
	__s32 ret;      /* -EACCES or -EPERM */
	__u32 nr;       /* open, openat or openat2 (x86_64 numbers) */
	__u64 flags;    /* the open flags */
	__u32 ncomp[2]; /* [0]: the directory a relative path starts from (0 for
	                   an absolute one); [1]: the executable; walk flags above */
	__u32 cmdline_len;
	__s32 dirfd;    /* openat, openat2: the directory fd (AT_FDCWD -100) */
	char path[RD_PATH];
	char comp[2][TR_COMP][TR_COMPLEN]; /* leaf first */
	char cmdline[RD_CMDLINE];
};

#endif
