/* /proc forensics and target memory for the seccomp supervisor: reading a
 * notified process's arguments and finding out who it is.  Every call reads
 * another process (process_vm_readv, /proc/PID/...); nothing here decides
 * or logs.  What is read may change under us: the caller re-checks the
 * notification's id before trusting it (notify.c). */
#ifndef BSBOX_PROCINFO_H
#define BSBOX_PROCINFO_H

#include <linux/seccomp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Up to len bytes at addr in pid's memory (process_vm_readv, else
 * /proc/PID/mem); stops at the first unreadable page.  Bytes read (> 0), or
 * -errno (-EFAULT for address 0 or nothing readable). */
ssize_t procinfo_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len);

/* The NUL-terminated string at addr into buf (size bytes).  0;
 * -ENAMETOOLONG when no NUL fits, -EFAULT when unreadable. */
int procinfo_read_string(pid_t pid, uint64_t addr, char *buf, size_t size);

/* readlink /proc/PID/<what> ("cwd", "exe", "fd/3") into buf.  0 for an
 * absolute result; -ENOTDIR for anything else (socket:[..], anon_inode:..),
 * -errno when the link cannot be read. */
int procinfo_link(pid_t pid, const char *what, char *buf, size_t size);

/* The absolute, lexically normalised form of rel as pid sees it: relative
 * to its cwd (dirfd AT_FDCWD) or to its descriptor dirfd.  "" is dirfd
 * itself with empty_ok (AT_EMPTY_PATH), else -ENOENT.  0 or -errno. */
int procinfo_path_resolve(pid_t pid, int dirfd, const char *rel, bool empty_ok, char *out,
			  size_t outlen);

/* pid's parent (0 when gone) and, with nnp_seccomp non-NULL, whether it
 * runs with no_new_privs and a seccomp filter (what every sandboxed process
 * has). */
pid_t procinfo_parent(pid_t pid, bool *nnp_seccomp);

/* The host tid of the task the sandbox's pid namespace numbers nspid,
 * searched in the process tree under top (its pid 1, host id).  0 when not
 * found.  Walks /proc: for the rare FUSE lookup miss only. */
pid_t procinfo_host_tid(pid_t top, pid_t nspid);

/* The syscall tid is blocked in (/proc/TID/syscall) into d: number,
 * native arch, arguments.  0; -EINVAL when it is not in a syscall. */
int procinfo_read_syscall(pid_t tid, struct seccomp_data *d);

#endif
