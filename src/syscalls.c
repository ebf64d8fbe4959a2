/* The notified syscalls: one table (name, how the supervisor decodes it,
 * where the filter puts it, fallback number, real arguments), and the
 * decoders that print a call for an event.  Pure: see syscalls.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "syscalls.h"

/* Why no policy entry allows a denied call: the event's `suggest`. */
#define WHY_PROCS "no policy entry allows it: other processes' memory and tracing are never granted"
#define WHY_BPF "no policy entry allows bpf: loading kernel programs is never granted"
#define WHY_PERF "no policy entry allows perf_event_open: kernel tracing is never granted"
#define WHY_KEYS "no policy entry allows kernel keyrings: they are shared with the host user"
#define WHY_UFFD "no policy entry allows userfaultfd"
#define WHY_URING "no policy entry allows io_uring: it would bypass seccomp"
#define WHY_MOUNT "no policy entry allows mounting: the mount tree comes from the policy's paths"
#define WHY_NS "no policy entry allows new namespaces"
#define WHY_CLONE3 "clone3 answers ENOSYS so that libc falls back to clone(), whose flags are checked"
#define WHY_MACHINE "no policy entry allows it: it changes the machine, not the build"
#define WHY_HANDLE "no policy entry allows file handles: they reach files around the mount tree"
#define WHY_TTY "no policy entry allows TIOCSTI/TIOCLINUX: they type into the user's terminal"
#define WHY_PERSONA "no policy entry allows personality flags: only PER_LINUX and the query"
#define WHY_SECCOMP "no policy entry allows a seccomp listener: it would override the supervisor's"

#define A(n, f) { n, SCA_##f }
#define FD(n) A(n, FD)
#define STR(n) A(n, STR)
#define PTR(n) A(n, PTR)
#define UINT(n) A(n, UINT)
#define INT(n) A(n, INT)
#define HEX(n) A(n, HEX)
#define OCT(n) A(n, OCT)

#define DENY(nm, fb, why, n, ...) { nm, SC_DENIED, SCR_DENY, fb, false, why, n, { __VA_ARGS__ } }
#define ENOSYS_(nm, fb, why, n, ...) { nm, SC_DENIED, SCR_DENY, fb, true, why, n, { __VA_ARGS__ } }
#define ARGS(nm, why, n, ...) { nm, SC_DENIED, SCR_ARGS, -1, false, why, n, { __VA_ARGS__ } }
#define CALL(nm, kind, rule, fb, n, ...) { nm, kind, rule, fb, false, NULL, n, { __VA_ARGS__ } }
#define PATHC(nm, kind, fb, n, ...) CALL(nm, kind, SCR_PATH, fb, n, __VA_ARGS__)
#define NET(nm, kind, n, ...) CALL(nm, kind, SCR_NET, -1, n, __VA_ARGS__)
#define PROBE(nm, kind, fb, n, ...) CALL(nm, kind, SCR_PROBE, fb, n, __VA_ARGS__)

/* clone(2): the last two arguments swap places between architectures */
#if defined(__x86_64__) || defined(__i386__)
#define CLONE_TAIL PTR("child_tid"), HEX("tls")
#else
#define CLONE_TAIL HEX("tls"), PTR("child_tid")
#endif

const struct sc_entry sc_table[] = {
	/* other processes' memory and the tracing interfaces */
	DENY("ptrace", -1, WHY_PROCS, 4, INT("request"), INT("pid"), PTR("addr"), PTR("data")),
	DENY("process_vm_readv", -1, WHY_PROCS, 6, INT("pid"), PTR("local_iov"), UINT("liovcnt"),
	     PTR("remote_iov"), UINT("riovcnt"), HEX("flags")),
	DENY("process_vm_writev", -1, WHY_PROCS, 6, INT("pid"), PTR("local_iov"), UINT("liovcnt"),
	     PTR("remote_iov"), UINT("riovcnt"), HEX("flags")),
	DENY("pidfd_getfd", 438, WHY_PROCS, 3, FD("pidfd"), INT("targetfd"), HEX("flags")),
	DENY("process_madvise", 440, WHY_PROCS, 5, FD("pidfd"), PTR("iovec"), UINT("vlen"),
	     INT("advice"), HEX("flags")),
	DENY("bpf", -1, WHY_BPF, 3, A("cmd", BPF_CMD), PTR("attr"), UINT("size")),
	DENY("perf_event_open", -1, WHY_PERF, 5, PTR("attr"), INT("pid"), INT("cpu"),
	     FD("group_fd"), HEX("flags")),
	/* kernel keyrings: shared with the host user */
	DENY("keyctl", -1, WHY_KEYS, 5, INT("operation"), HEX("arg2"), HEX("arg3"), HEX("arg4"),
	     HEX("arg5")),
	DENY("add_key", -1, WHY_KEYS, 5, STR("type"), STR("description"), PTR("payload"),
	     UINT("plen"), INT("keyring")),
	DENY("request_key", -1, WHY_KEYS, 4, STR("type"), STR("description"), STR("callout_info"),
	     INT("dest_keyring")),
	DENY("userfaultfd", -1, WHY_UFFD, 1, HEX("flags")),
	/* io_uring bypasses seccomp for everything it does */
	ENOSYS_("io_uring_setup", 425, WHY_URING, 2, UINT("entries"), PTR("params")),
	ENOSYS_("io_uring_enter", 426, WHY_URING, 6, FD("fd"), UINT("to_submit"),
		UINT("min_complete"), HEX("flags"), PTR("argp"), UINT("argsz")),
	ENOSYS_("io_uring_register", 427, WHY_URING, 4, FD("fd"), UINT("opcode"), PTR("arg"),
		UINT("nr_args")),
	/* the mount tree */
	DENY("mount", -1, WHY_MOUNT, 5, STR("source"), STR("target"), STR("fstype"), HEX("flags"),
	     PTR("data")),
	DENY("umount2", -1, WHY_MOUNT, 2, STR("target"), HEX("flags")),
	DENY("umount", -1, WHY_MOUNT, 1, STR("target")),
	DENY("pivot_root", -1, WHY_MOUNT, 2, STR("new_root"), STR("put_old")),
	DENY("chroot", -1, WHY_MOUNT, 1, STR("path")),
	DENY("fsopen", 430, WHY_MOUNT, 2, STR("fsname"), HEX("flags")),
	DENY("fsconfig", 431, WHY_MOUNT, 5, FD("fd"), UINT("cmd"), STR("key"), PTR("value"),
	     INT("aux")),
	DENY("fsmount", 432, WHY_MOUNT, 3, FD("fd"), HEX("flags"), HEX("attr_flags")),
	DENY("fspick", 433, WHY_MOUNT, 3, FD("dirfd"), STR("path"), HEX("flags")),
	DENY("move_mount", 429, WHY_MOUNT, 5, FD("from_dirfd"), STR("from_path"), FD("to_dirfd"),
	     STR("to_path"), HEX("flags")),
	DENY("open_tree", 428, WHY_MOUNT, 3, FD("dirfd"), STR("path"), HEX("flags")),
	DENY("mount_setattr", 442, WHY_MOUNT, 5, FD("dirfd"), STR("path"), HEX("flags"),
	     PTR("attr"), UINT("size")),
	DENY("open_tree_attr", 467, WHY_MOUNT, 5, FD("dirfd"), STR("path"), HEX("flags"),
	     PTR("attr"), UINT("size")),
	/* namespaces; clone3 hides its flags in memory: ENOSYS makes glibc
	 * fall back to clone(), whose flags the argument rules can see */
	DENY("unshare", -1, WHY_NS, 1, A("flags", CLONE)),
	DENY("setns", -1, WHY_NS, 2, FD("fd"), A("nstype", CLONE)),
	ENOSYS_("clone3", 435, WHY_CLONE3, 2, PTR("cl_args"), UINT("size")),
	/* the machine */
	DENY("kexec_load", -1, WHY_MACHINE, 4, HEX("entry"), UINT("nr_segments"), PTR("segments"),
	     HEX("flags")),
	DENY("kexec_file_load", -1, WHY_MACHINE, 5, FD("kernel_fd"), FD("initrd_fd"),
	     UINT("cmdline_len"), PTR("cmdline"), HEX("flags")),
	DENY("init_module", -1, WHY_MACHINE, 3, PTR("image"), UINT("len"), STR("params")),
	DENY("finit_module", -1, WHY_MACHINE, 3, FD("fd"), STR("params"), HEX("flags")),
	DENY("delete_module", -1, WHY_MACHINE, 2, STR("name"), HEX("flags")),
	DENY("reboot", -1, WHY_MACHINE, 4, HEX("magic"), HEX("magic2"), HEX("cmd"), PTR("arg")),
	DENY("swapon", -1, WHY_MACHINE, 2, STR("path"), HEX("flags")),
	DENY("swapoff", -1, WHY_MACHINE, 1, STR("path")),
	DENY("acct", -1, WHY_MACHINE, 1, STR("path")),
	DENY("quotactl", -1, WHY_MACHINE, 4, HEX("cmd"), STR("special"), INT("id"), PTR("addr")),
	DENY("quotactl_fd", 443, WHY_MACHINE, 4, FD("fd"), HEX("cmd"), INT("id"), PTR("addr")),
	DENY("syslog", -1, WHY_MACHINE, 3, INT("type"), PTR("buf"), INT("len")),
	DENY("vhangup", -1, WHY_MACHINE, 0, { NULL, SCA_INT }),
	DENY("iopl", -1, WHY_MACHINE, 1, UINT("level")),
	DENY("ioperm", -1, WHY_MACHINE, 3, HEX("from"), UINT("num"), INT("turn_on")),
	DENY("settimeofday", -1, WHY_MACHINE, 2, PTR("tv"), PTR("tz")),
	DENY("clock_settime", -1, WHY_MACHINE, 2, INT("clockid"), PTR("tp")),
	DENY("lookup_dcookie", -1, WHY_MACHINE, 3, HEX("cookie"), PTR("buf"), UINT("len")),
	DENY("nfsservctl", -1, WHY_MACHINE, 3, INT("cmd"), PTR("argp"), PTR("resp")),
	DENY("uselib", -1, WHY_MACHINE, 1, STR("library")),
	/* file handles reach files by inode, around the mount tree.
	 * adjtimex/clock_adjtime are deliberately absent: with modes == 0 they
	 * are the read-only query behind ntp_gettime(), and changing the clock
	 * needs CAP_SYS_TIME in the initial user namespace. */
	DENY("open_by_handle_at", -1, WHY_HANDLE, 3, FD("mount_fd"), PTR("handle"), OCT("flags")),
	DENY("name_to_handle_at", -1, WHY_HANDLE, 5, FD("dirfd"), STR("path"), PTR("handle"),
	     PTR("mount_id"), HEX("flags")),

	/* denied for some argument values only (seccomp_filter.c) */
	ARGS("clone", WHY_NS, 5, A("flags", CLONE), PTR("stack"), PTR("parent_tid"), CLONE_TAIL),
	ARGS("ioctl", WHY_TTY, 3, FD("fd"), A("request", IOCTL), PTR("arg")),
	ARGS("personality", WHY_PERSONA, 1, A("persona", PERSONA)),
	ARGS("seccomp", WHY_SECCOMP, 3, UINT("operation"), HEX("flags"), PTR("args")),

	/* paths: notified for logging (open and openat by their flags) */
	CALL("open", SC_OPEN, SCR_OPEN, -1, 3, STR("path"), OCT("flags"), OCT("mode")),
	CALL("openat", SC_OPENAT, SCR_OPEN, -1, 4, FD("dirfd"), STR("path"), OCT("flags"),
	     OCT("mode")),
	PATHC("openat2", SC_OPENAT2, 437, 4, FD("dirfd"), STR("path"), PTR("how"), UINT("size")),
	PATHC("creat", SC_CREAT, -1, 2, STR("path"), OCT("mode")),
	PATHC("execve", SC_EXECVE, -1, 3, STR("path"), PTR("argv"), PTR("envp")),
	PATHC("execveat", SC_EXECVEAT, -1, 5, FD("dirfd"), STR("path"), PTR("argv"), PTR("envp"),
	      HEX("flags")),
	PATHC("mkdir", SC_PATH_W, -1, 2, STR("path"), OCT("mode")),
	PATHC("mkdirat", SC_AT_W, -1, 3, FD("dirfd"), STR("path"), OCT("mode")),
	PATHC("rename", SC_RENAME, -1, 2, STR("oldpath"), STR("newpath")),
	PATHC("renameat", SC_RENAMEAT, -1, 4, FD("olddirfd"), STR("oldpath"), FD("newdirfd"),
	      STR("newpath")),
	PATHC("renameat2", SC_RENAMEAT, -1, 5, FD("olddirfd"), STR("oldpath"), FD("newdirfd"),
	      STR("newpath"), HEX("flags")),
	PATHC("link", SC_LINK, -1, 2, STR("oldpath"), STR("newpath")),
	PATHC("linkat", SC_LINKAT, -1, 5, FD("olddirfd"), STR("oldpath"), FD("newdirfd"),
	      STR("newpath"), HEX("flags")),
	PATHC("symlink", SC_SYMLINK, -1, 2, STR("target"), STR("linkpath")),
	PATHC("symlinkat", SC_SYMLINKAT, -1, 3, STR("target"), FD("newdirfd"), STR("linkpath")),
	PATHC("unlink", SC_PATH_W, -1, 1, STR("path")),
	PATHC("unlinkat", SC_AT_W, -1, 3, FD("dirfd"), STR("path"), HEX("flags")),
	PATHC("rmdir", SC_PATH_W, -1, 1, STR("path")),
	PATHC("chmod", SC_PATH_W, -1, 2, STR("path"), OCT("mode")),
	PATHC("fchmodat", SC_AT_W, -1, 3, FD("dirfd"), STR("path"), OCT("mode")),
	PATHC("fchmodat2", SC_AT_W, 452, 4, FD("dirfd"), STR("path"), OCT("mode"), HEX("flags")),
	PATHC("truncate", SC_PATH_W, -1, 2, STR("path"), INT("length")),
	PATHC("mknod", SC_PATH_W, -1, 3, STR("path"), OCT("mode"), HEX("dev")),
	PATHC("mknodat", SC_AT_W, -1, 4, FD("dirfd"), STR("path"), OCT("mode"), HEX("dev")),

	/* probes of a path (seccomp_filter.c's probe rules: only without a FUSE
	 * root, and never for a descriptor's own AT_EMPTY_PATH form, fstat) */
	PROBE("access", SC_PROBE, -1, 2, STR("path"), OCT("mode")),
	PROBE("stat", SC_PROBE, -1, 2, STR("path"), PTR("statbuf")),
	PROBE("lstat", SC_LPROBE, -1, 2, STR("path"), PTR("statbuf")),
	PROBE("newfstatat", SC_PROBE_AT, -1, 4, FD("dirfd"), STR("path"), PTR("statbuf"),
	      HEX("flags")),
	PROBE("statx", SC_PROBE_AT, -1, 5, FD("dirfd"), STR("path"), HEX("flags"), HEX("mask"),
	      PTR("statxbuf")),
	PROBE("faccessat", SC_PROBE_AT, -1, 3, FD("dirfd"), STR("path"), OCT("mode")),
	PROBE("faccessat2", SC_PROBE_AT, 439, 4, FD("dirfd"), STR("path"), OCT("mode"),
	      HEX("flags")),
	PROBE("chdir", SC_PROBE, -1, 1, STR("path")),

	/* the network (seccomp_filter.c's network rules) */
	NET("connect", SC_CONNECT, 3, FD("fd"), PTR("addr"), UINT("addrlen")),
	NET("bind", SC_BIND, 3, FD("fd"), PTR("addr"), UINT("addrlen")),
	NET("sendto", SC_SENDTO, 6, FD("fd"), PTR("buf"), UINT("len"), HEX("flags"), PTR("addr"),
	    UINT("addrlen")),
	NET("sendmsg", SC_SENDMSG, 3, FD("fd"), PTR("msg"), HEX("flags")),
	NET("sendmmsg", SC_SENDMMSG, 4, FD("fd"), PTR("msgvec"), UINT("vlen"), HEX("flags")),
	NET("socket", SC_SOCKET, 3, A("domain", AF), A("type", SOCKTYPE), INT("protocol")),
	NET("socketpair", SC_SOCKETPAIR, 4, A("domain", AF), A("type", SOCKTYPE), INT("protocol"),
	    PTR("sv")),
};
const size_t sc_count = sizeof sc_table / sizeof *sc_table;

/* struct sc_numbers must hold every entry */
_Static_assert(sizeof sc_table / sizeof *sc_table <= sizeof((struct sc_numbers *)0)->nr /
						     sizeof(int),
	       "sc_numbers too small for sc_table");

int sc_arg_index(const struct sc_entry *e, const char *name)
{
	for (unsigned i = 0; i < e->nargs && i < 6; i++)
		if (!strcmp(e->args[i].name, name))
			return (int)i;
	return -1;
}

const struct sc_entry *sc_by_name(const char *name)
{
	for (size_t i = 0; i < sc_count; i++)
		if (!strcmp(sc_table[i].name, name))
			return &sc_table[i];
	return NULL;
}

int sc_nr(const struct sc_entry *e, sc_resolver resolve)
{
	int nr = resolve(e->name);
	/* -1 is libseccomp's __NR_SCMP_ERROR, "no such name"; other negatives
	 * are its pseudo-numbers for calls this architecture lacks */
	return nr == -1 ? e->fallback_nr : nr;
}

void sc_numbers_init(struct sc_numbers *t, sc_resolver resolve)
{
	for (size_t i = 0; i < sc_count; i++)
		t->nr[i] = sc_nr(&sc_table[i], resolve);
}

const struct sc_entry *sc_by_nr(const struct sc_numbers *t, int nr)
{
	if (nr < 0)
		return NULL;
	for (size_t i = 0; i < sc_count; i++)
		if (t->nr[i] == nr)
			return &sc_table[i];
	return NULL;
}

const char *sc_suggest(const struct sc_entry *e)
{
	return e && e->why ? e->why : "no policy entry allows this system call";
}

/* ---- names ----------------------------------------------------------------- */

const char *sc_family_name(int f)
{
	static const char *const names[] = {
		"AF_UNSPEC",   "AF_UNIX",      "AF_INET",     "AF_AX25",     "AF_IPX",
		"AF_APPLETALK", "AF_NETROM",   "AF_BRIDGE",   "AF_ATMPVC",   "AF_X25",
		"AF_INET6",    "AF_ROSE",      "AF_DECnet",   "AF_NETBEUI",  "AF_SECURITY",
		"AF_KEY",      "AF_NETLINK",   "AF_PACKET",   "AF_ASH",      "AF_ECONET",
		"AF_ATMSVC",   "AF_RDS",       "AF_SNA",      "AF_IRDA",     "AF_PPPOX",
		"AF_WANPIPE",  "AF_LLC",       "AF_IB",       "AF_MPLS",     "AF_CAN",
		"AF_TIPC",     "AF_BLUETOOTH", "AF_IUCV",     "AF_RXRPC",    "AF_ISDN",
		"AF_PHONET",   "AF_IEEE802154", "AF_CAIF",    "AF_ALG",      "AF_NFC",
		"AF_VSOCK",    "AF_KCM",       "AF_QIPCRTR",  "AF_SMC",      "AF_XDP",
		"AF_MCTP",
	};
	if (f >= 0 && (size_t)f < sizeof names / sizeof *names)
		return names[f];
	return NULL;
}

const char *sc_socktype_name(uint64_t t)
{
	static const char *const names[] = {
		NULL, "SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET",
		"SOCK_DCCP", NULL, NULL, NULL, "SOCK_PACKET",
	};
	t &= 0xf; /* SOCK_NONBLOCK and SOCK_CLOEXEC live above */
	return t < sizeof names / sizeof *names ? names[t] : NULL;
}

const char *sc_bpf_cmd_name(uint64_t cmd)
{
	static const char *const names[] = {
		"BPF_MAP_CREATE", "BPF_MAP_LOOKUP_ELEM", "BPF_MAP_UPDATE_ELEM",
		"BPF_MAP_DELETE_ELEM", "BPF_MAP_GET_NEXT_KEY", "BPF_PROG_LOAD", "BPF_OBJ_PIN",
		"BPF_OBJ_GET", "BPF_PROG_ATTACH", "BPF_PROG_DETACH", "BPF_PROG_TEST_RUN",
		"BPF_PROG_GET_NEXT_ID", "BPF_MAP_GET_NEXT_ID", "BPF_PROG_GET_FD_BY_ID",
		"BPF_MAP_GET_FD_BY_ID", "BPF_OBJ_GET_INFO_BY_FD", "BPF_PROG_QUERY",
		"BPF_RAW_TRACEPOINT_OPEN", "BPF_BTF_LOAD", "BPF_BTF_GET_FD_BY_ID",
		"BPF_TASK_FD_QUERY", "BPF_MAP_LOOKUP_AND_DELETE_ELEM", "BPF_MAP_FREEZE",
		"BPF_BTF_GET_NEXT_ID", "BPF_MAP_LOOKUP_BATCH", "BPF_MAP_LOOKUP_AND_DELETE_BATCH",
		"BPF_MAP_UPDATE_BATCH", "BPF_MAP_DELETE_BATCH", "BPF_LINK_CREATE",
		"BPF_LINK_UPDATE", "BPF_LINK_GET_FD_BY_ID", "BPF_LINK_GET_NEXT_ID",
		"BPF_ENABLE_STATS", "BPF_ITER_CREATE", "BPF_LINK_DETACH", "BPF_PROG_BIND_MAP",
		"BPF_TOKEN_CREATE",
	};
	/* the kernel reads an int */
	uint32_t c = (uint32_t)cmd;
	return c < sizeof names / sizeof *names ? names[c] : NULL;
}

const char *sc_ioctl_name(uint64_t req)
{
	/* the requests the filter cares about, and the common terminal ones a
	 * denied call may be confused with (values from asm-generic/ioctls.h;
	 * the kernel reads an unsigned int) */
	static const struct {
		uint32_t req;
		const char *name;
	} names[] = {
		{ 0x5401, "TCGETS" },	 { 0x5402, "TCSETS" },	   { 0x540E, "TIOCSCTTY" },
		{ 0x540F, "TIOCGPGRP" }, { 0x5410, "TIOCSPGRP" },  { 0x5412, "TIOCSTI" },
		{ 0x5413, "TIOCGWINSZ" }, { 0x5414, "TIOCSWINSZ" }, { 0x541B, "FIONREAD" },
		{ 0x541C, "TIOCLINUX" }, { 0x5421, "FIONBIO" },	   { 0x5451, "FIOCLEX" },
	};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++)
		if (names[i].req == (uint32_t)req)
			return names[i].name;
	return NULL;
}

struct flagname {
	uint64_t bit;
	const char *name;
};

/* "A|B|0x..." from the names of the bits set, the rest in hex; "0" for 0 */
static void flags_str(uint64_t v, const struct flagname *n, size_t count, char *out, size_t size)
{
	size_t o = 0;
	out[0] = '\0';
	for (size_t i = 0; i < count && o < size; i++) {
		if ((v & n[i].bit) != n[i].bit || !n[i].bit)
			continue;
		int k = snprintf(out + o, size - o, "%s%s", o ? "|" : "", n[i].name);
		if (k < 0)
			return;
		o += (size_t)k;
		v &= ~n[i].bit;
	}
	if ((v || !o) && o < size)
		snprintf(out + o, size - o, o ? "|0x%" PRIx64 : "0x%" PRIx64, v);
}

void sc_clone_flags_str(uint64_t f, char *out, size_t size)
{
	static const struct flagname n[] = {
		{ 0x00020000, "CLONE_NEWNS" },	 { 0x02000000, "CLONE_NEWCGROUP" },
		{ 0x04000000, "CLONE_NEWUTS" },	 { 0x08000000, "CLONE_NEWIPC" },
		{ 0x10000000, "CLONE_NEWUSER" }, { 0x20000000, "CLONE_NEWPID" },
		{ 0x40000000, "CLONE_NEWNET" },	 { 0x00000080, "CLONE_NEWTIME" },
		{ 0x00000100, "CLONE_VM" },	 { 0x00000200, "CLONE_FS" },
		{ 0x00000400, "CLONE_FILES" },	 { 0x00000800, "CLONE_SIGHAND" },
		{ 0x00010000, "CLONE_THREAD" },
	};
	flags_str(f, n, sizeof n / sizeof *n, out, size);
}

void sc_persona_str(uint64_t p, char *out, size_t size)
{
	static const struct flagname flags[] = {
		{ 0x0020000, "UNAME26" },	    { 0x0040000, "ADDR_NO_RANDOMIZE" },
		{ 0x0080000, "FDPIC_FUNCPTRS" },    { 0x0100000, "MMAP_PAGE_ZERO" },
		{ 0x0200000, "ADDR_COMPAT_LAYOUT" }, { 0x0400000, "READ_IMPLIES_EXEC" },
		{ 0x0800000, "ADDR_LIMIT_32BIT" },  { 0x1000000, "SHORT_INODE" },
		{ 0x2000000, "WHOLE_SECONDS" },	    { 0x4000000, "STICKY_TIMEOUTS" },
		{ 0x8000000, "ADDR_LIMIT_3GB" },
	};
	static const char *const bases[] = {
		"PER_LINUX", "PER_SVR4",   "PER_SVR3",	"PER_OSR5",    "PER_WYSEV386",
		"PER_ISCR4", "PER_BSD",	   "PER_XENIX", "PER_LINUX32", "PER_IRIX32",
		"PER_IRIXN32", "PER_IRIX64", "PER_RISCOS", "PER_SOLARIS", "PER_UW7",
		"PER_OSF4",  "PER_HPUX",
	};
	uint32_t v = (uint32_t)p; /* the kernel reads an unsigned int */
	if (v == 0xffffffffu) {
		snprintf(out, size, "0xffffffff (query)");
		return;
	}
	uint32_t base = v & 0xff;
	int k = base < sizeof bases / sizeof *bases
			? snprintf(out, size, "%s", bases[base])
			: snprintf(out, size, "0x%" PRIx32, base);
	uint32_t rest = v & ~0xffu;
	if (k < 0 || (size_t)k >= size || !rest)
		return;
	out[k] = '|';
	flags_str(rest, flags, sizeof flags / sizeof *flags, out + k + 1, size - (size_t)k - 1);
}

/* ---- one call ---------------------------------------------------------------- */

/* Appends to a bounded buffer; `full` once something did not fit. */
struct sbuf {
	char *p;
	size_t size, len;
	bool full;
};

static void sb_add(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_add(struct sbuf *b, const char *fmt, ...)
{
	if (b->full)
		return;
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(b->p + b->len, b->size - b->len, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= b->size - b->len) {
		b->full = true;
		b->len = b->size - 1;
		return;
	}
	b->len += (size_t)k;
}

/* A string from the target, quoted and escaped; its address when unreadable */
static void add_str(struct sbuf *b, uint64_t addr, sc_read_str read, void *rarg)
{
	char s[256];
	int rc = addr && read ? read(rarg, addr, s, sizeof s) : -1;
	if (!addr) {
		sb_add(b, "NULL");
		return;
	}
	if (rc < 0 && rc != -ENAMETOOLONG /* print the start */) {
		sb_add(b, "0x%" PRIx64, addr);
		return;
	}
	if (rc < 0)
		s[sizeof s - 1] = '\0';
	sb_add(b, "\"");
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			sb_add(b, "\\%c", *c);
		else if (*c < 0x20 || *c == 0x7f)
			sb_add(b, "\\x%02x", *c);
		else
			sb_add(b, "%c", *c);
	}
	sb_add(b, rc < 0 ? "\"..." : "\"");
}

static void add_arg(struct sbuf *b, const struct sc_arg *a, uint64_t v, sc_read_str read,
		    void *rarg)
{
	char tmp[192];
	const char *n = NULL;
	switch (a->fmt) {
	case SCA_INT:
		sb_add(b, "%d", (int)v);
		return;
	case SCA_UINT:
		sb_add(b, "%" PRIu64, v);
		return;
	case SCA_HEX:
		sb_add(b, "0x%" PRIx64, v);
		return;
	case SCA_OCT:
		sb_add(b, "0%" PRIo64, v);
		return;
	case SCA_PTR:
		if (v)
			sb_add(b, "0x%" PRIx64, v);
		else
			sb_add(b, "NULL");
		return;
	case SCA_FD:
		if ((int)v == AT_FDCWD)
			sb_add(b, "AT_FDCWD");
		else
			sb_add(b, "%d", (int)v);
		return;
	case SCA_STR:
		add_str(b, v, read, rarg);
		return;
	case SCA_BPF_CMD:
		n = sc_bpf_cmd_name(v);
		break;
	case SCA_IOCTL:
		n = sc_ioctl_name(v);
		break;
	case SCA_AF:
		n = sc_family_name((int)(uint32_t)v);
		break;
	case SCA_SOCKTYPE:
		n = sc_socktype_name(v);
		if (n && (v & ~(uint64_t)0xf)) {
			/* SOCK_NONBLOCK 04000, SOCK_CLOEXEC 02000000 */
			static const struct flagname fl[] = { { 04000, "SOCK_NONBLOCK" },
							      { 02000000, "SOCK_CLOEXEC" } };
			char f[64];
			flags_str(v & ~(uint64_t)0xf, fl, 2, f, sizeof f);
			snprintf(tmp, sizeof tmp, "%s|%s", n, f);
			n = tmp;
		}
		break;
	case SCA_PERSONA:
		sc_persona_str(v, tmp, sizeof tmp);
		n = tmp;
		break;
	case SCA_CLONE:
		sc_clone_flags_str(v, tmp, sizeof tmp);
		n = tmp;
		break;
	}
	if (n)
		sb_add(b, "%s", n);
	else
		sb_add(b, "0x%" PRIx64, v);
}

void sc_format(const struct sc_entry *e, const uint64_t args[6], sc_read_str read, void *rarg,
	       char *out, size_t size)
{
	struct sbuf b = { out, size, 0, false };
	if (!size)
		return;
	out[0] = '\0';
	sb_add(&b, "%s(", e->name);
	for (unsigned i = 0; i < e->nargs && i < 6; i++) {
		sb_add(&b, "%s%s=", i ? ", " : "", e->args[i].name);
		add_arg(&b, &e->args[i], args[i], read, rarg);
	}
	sb_add(&b, ")");
	if (b.full && size > 4)
		memcpy(out + size - 4, "...", 4);
}
