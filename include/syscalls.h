/* The notified syscalls, in one table shared by the seccomp filter
 * (seccomp_filter.c: what to deny or notify) and the supervisor
 * (notify.c: how to read and print the arguments).
 *
 * Pure: no libseccomp calls.  Names are resolved to numbers by a resolver
 * the caller passes (seccomp_syscall_resolve_name), with the table's
 * fallback number for calls newer than the library's table; target memory
 * is read through a callback.  So the table and its decoders are unit-tested
 * and fuzzed without a kernel. */
#ifndef BSBOX_SYSCALLS_H
#define BSBOX_SYSCALLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How the supervisor handles a call (its decoder). */
enum sc_kind {
	SC_DENIED,     /* kernel surface: logged and denied, in audit mode too */
	SC_OPEN,       /* path a0, flags a1 */
	SC_OPENAT,     /* dirfd a0, path a1, flags a2 */
	SC_OPENAT2,    /* dirfd a0, path a1, struct open_how *a2 */
	SC_CREAT,      /* path a0: write */
	SC_EXECVE,     /* path a0: exec */
	SC_EXECVEAT,   /* dirfd a0, path a1, flags a4: exec */
	SC_PATH_W,     /* path a0: write (mkdir, rmdir, unlink, chmod, truncate, mknod) */
	SC_AT_W,       /* dirfd a0, path a1: write (mkdirat, unlinkat, fchmodat*, mknodat) */
	SC_RENAME,     /* a0 write, a1 write */
	SC_RENAMEAT,   /* (a0,a1) write, (a2,a3) write */
	SC_LINK,       /* a0 read, a1 write */
	SC_LINKAT,     /* (a0,a1) read, (a2,a3) write, flags a4 */
	SC_SYMLINK,    /* a1 write (a0 is the link's text, not a path we touch) */
	SC_SYMLINKAT,  /* (a1,a2) write */
	SC_CONNECT,    /* fd a0, addr a1, len a2 */
	SC_BIND,
	SC_SENDTO,     /* fd a0, addr a4, len a5 */
	SC_SENDMSG,    /* fd a0, struct msghdr *a1 */
	SC_SENDMMSG,   /* fd a0, struct mmsghdr *a1, vlen a2 */
	SC_SOCKET,     /* domain a0, type a1 */
	SC_SOCKETPAIR,
	/* probes: only say whether a path is there (notify_probe.h) */
	SC_PROBE,      /* path a0, the last component followed (access, stat, chdir) */
	SC_LPROBE,     /* path a0, the last component not followed (lstat) */
	SC_PROBE_AT,   /* dirfd a0, path a1, an argument named "flags" (AT_SYMLINK_NOFOLLOW,
	                  AT_EMPTY_PATH) if the call has one */
};

/* Where the filter puts it. */
enum sc_rule {
	SCR_DENY,   /* denied outright (notified when a supervisor listens) */
	SCR_ARGS,   /* denied for some argument values (seccomp_filter.c's argument rules) */
	SCR_PATH,   /* notified for logging with notify_paths */
	SCR_OPEN,   /* notified with notify_paths, by flags (seccomp_filter.c's open rules) */
	SCR_NET,    /* notified for the network rules */
	SCR_PROBE,  /* notified with probes, by dirfd and flags (seccomp_filter.c's probe rules) */
};

/* How one argument is printed. */
enum sc_fmt {
	SCA_INT,     /* signed decimal */
	SCA_UINT,    /* unsigned decimal */
	SCA_HEX,     /* 0x... */
	SCA_OCT,     /* 0... (modes, open flags) */
	SCA_PTR,     /* address: 0x..., NULL */
	SCA_FD,      /* int; AT_FDCWD by name */
	SCA_STR,     /* NUL-terminated string in the target's memory, quoted */
	SCA_BPF_CMD, /* BPF_MAP_CREATE ... */
	SCA_IOCTL,   /* TIOCSTI ... */
	SCA_AF,      /* AF_INET ... */
	SCA_SOCKTYPE,/* SOCK_STREAM|SOCK_CLOEXEC ... */
	SCA_PERSONA, /* PER_LINUX|ADDR_NO_RANDOMIZE ... */
	SCA_CLONE,   /* CLONE_NEWUSER|... */
};

struct sc_arg {
	const char *name;
	enum sc_fmt fmt;
};

struct sc_entry {
	const char *name;
	enum sc_kind kind;
	enum sc_rule rule;
	int fallback_nr;   /* unified (>= 424) number for libraries that do not know it; -1 none */
	bool enosys;       /* denied with ENOSYS ("does not exist": io_uring, clone3), not EPERM */
	const char *why;   /* SC_DENIED: why no policy entry allows it, for `suggest` */
	unsigned nargs;    /* the real argument count */
	struct sc_arg args[6];
};

extern const struct sc_entry sc_table[];
extern const size_t sc_count;

/* The index of e's argument called `name` ("flags"), or -1. */
int sc_arg_index(const struct sc_entry *e, const char *name);

/* The entry named `name`, or NULL. */
const struct sc_entry *sc_by_name(const char *name);

/* Name -> native number (seccomp_syscall_resolve_name); negative = unknown. */
typedef int (*sc_resolver)(const char *name);

/* Native number of e: the resolver's, else the fallback; negative when the
 * call does not exist on this architecture. */
int sc_nr(const struct sc_entry *e, sc_resolver resolve);

/* Every entry's number, resolved once (the supervisor's lookup table). */
struct sc_numbers {
	int nr[128];
};
void sc_numbers_init(struct sc_numbers *t, sc_resolver resolve);
const struct sc_entry *sc_by_nr(const struct sc_numbers *t, int nr);

/* Reads a NUL-terminated string at addr in the target: 0 or -errno. */
typedef int (*sc_read_str)(void *arg, uint64_t addr, char *buf, size_t size);

/* "name(arg=value, ...)" for e's real arguments, strings read through
 * read (may be NULL: then printed as addresses).  Always NUL-terminates;
 * truncated output ends in "...". */
void sc_format(const struct sc_entry *e, const uint64_t args[6], sc_read_str read, void *rarg,
	       char *out, size_t size);

/* The `suggest` text of a denied call: e->why, or a plain default. */
const char *sc_suggest(const struct sc_entry *e);

/* Names of constants; NULL when unknown. */
const char *sc_family_name(int family);
const char *sc_socktype_name(uint64_t type); /* the type without its flags */
const char *sc_bpf_cmd_name(uint64_t cmd);
const char *sc_ioctl_name(uint64_t req);
/* Flag sets, printed "A|B|0x..." ("0" for none) */
void sc_persona_str(uint64_t persona, char *out, size_t size);
void sc_clone_flags_str(uint64_t flags, char *out, size_t size);

#endif
