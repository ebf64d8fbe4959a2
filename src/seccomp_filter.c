/* Policy -> seccomp filter (libseccomp), built in the parent before fork.
 *
 * Shape of the filter:
 *   - default action ALLOW: this is a deny list of kernel surface a build
 *     script has no business touching; files and the network are confined by
 *     the mount namespace, the network namespace and Landlock, not here.
 *   - only the native architecture is in the filter.  Any other audit arch
 *     (i386 through int 0x80 / sysenter on x86_64) hits the BADARCH action,
 *     set to ERRNO(ENOSYS).  x32 syscalls arrive with AUDIT_ARCH_X86_64 and
 *     __X32_SYSCALL_BIT (0x40000000) set in the number; when x32 is not in
 *     the filter libseccomp's x86_64 code emits "nr >= 0x40000000 -> BADARCH"
 *     right after the arch check, so they get ENOSYS too (checked by
 *     tests/unit/filter_test.c; also what a Debian kernel without
 *     CONFIG_X86_X32_ABI answers).  ENOSYS rather than KILL: software copes
 *     with "this ABI does not exist", and nothing is granted either way.
 *   - which calls are denied or notified, and their fallback numbers, come
 *     from the one syscall table (syscalls.h) the supervisor decodes with.
 *   - denied calls get SCMP_ACT_NOTIFY when a supervisor listens (it logs
 *     them and answers -scf_deny_errno(nr), audit mode included), else
 *     ERRNO(scf_deny_errno(nr)) directly.
 *
 * Syscalls libseccomp 2.5.4 does not know (newer than its table, e.g.
 * statmount, listmount, mseal, lsm_*, setxattrat, file_getattr) are allowed
 * by the default action: none of them widens what a confined process can
 * reach.  The one new mount-related call, open_tree_attr (467), is denied by
 * raw number; since Linux 5.1 new syscalls share one number on every
 * architecture but alpha/mips/ia64, so the raw fallback is safe on x86_64,
 * aarch64, riscv64, ppc64 and s390x.
 *
 * libseccomp compares arguments as 64-bit values.  Where the kernel only
 * looks at the low 32 bits (ioctl cmd, seccomp op, clone flags, personality)
 * the rules use SCMP_CMP_MASKED_EQ with a 32-bit mask so that garbage in the
 * high half cannot slip past; socket domains use EQ/GT so that any high bit
 * makes the value "greater" and denied (fail closed).  A rule never holds
 * two comparisons on one argument (libseccomp rejects that with EINVAL);
 * "not in a set" is expressed as several rules. */
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "seccomp_filter.h"
#include "syscalls.h"

#ifndef AT_EMPTY_PATH
#define AT_EMPTY_PATH 0x1000
#endif
#ifndef SECCOMP_SET_MODE_FILTER
#define SECCOMP_SET_MODE_FILTER 1
#endif
#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif

static int resolve(const char *name)
{
	return seccomp_syscall_resolve_name(name);
}

static uint32_t deny_action(const struct scf_opts *o, int nr)
{
	/* clone3 is not a violation: its flags live in memory the filter cannot
	 * read, so it answers ENOSYS and glibc falls back to clone(), whose flags
	 * are checked. Every thread and posix_spawn tries clone3 first. */
	if (nr == sc_nr(sc_by_name("clone3"), resolve))
		return SCMP_ACT_ERRNO(ENOSYS);
	return o->notify ? SCMP_ACT_NOTIFY : SCMP_ACT_ERRNO(scf_deny_errno(nr));
}

static int add_rule(scmp_filter_ctx ctx, uint32_t action, int nr, const char *name,
		    unsigned ncmp, const struct scmp_arg_cmp *cmp, struct bsbox_err *err)
{
	int rc = seccomp_rule_add_array(ctx, action, nr, ncmp, cmp);
	if (rc < 0)
		return bsbox_err_set(err, -rc, "seccomp: rule for %s (%d)", name, nr);
	return 0;
}

/* Every table entry (syscalls.h) of the given rule: denied, or notified */
static int add_list(scmp_filter_ctx ctx, const struct scf_opts *o, enum sc_rule rule,
		    bool notify_only, struct bsbox_err *err)
{
	for (size_t i = 0; i < sc_count; i++) {
		if (sc_table[i].rule != rule)
			continue;
		int nr = sc_nr(&sc_table[i], resolve);
		if (nr < 0)
			continue; /* not on this architecture */
		uint32_t act = notify_only ? SCMP_ACT_NOTIFY : deny_action(o, nr);
		int rc = add_rule(ctx, act, nr, sc_table[i].name, 0, NULL, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Deny `name` unless arg0 is one of allowed[] (sorted ascending, small). */
static int add_family_rules(scmp_filter_ctx ctx, const struct scf_opts *o, const char *name,
			    const int *allowed, size_t nallowed, struct bsbox_err *err)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr < 0)
		return 0;
	uint32_t act = deny_action(o, nr);
	int max = allowed[nallowed - 1];
	for (int v = 0; v < max; v++) {
		bool ok = false;
		for (size_t i = 0; i < nallowed; i++)
			ok |= allowed[i] == v;
		if (ok)
			continue;
		struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_EQ, (uint64_t)v, 0);
		int rc = add_rule(ctx, act, nr, name, 1, &c, err);
		if (rc < 0)
			return rc;
	}
	struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_GT, (uint64_t)max, 0);
	return add_rule(ctx, act, nr, name, 1, &c, err);
}

static int add_arg_rules(scmp_filter_ctx ctx, const struct scf_opts *o, struct bsbox_err *err)
{
	int rc, nr;

	/* clone() creating any namespace: one rule per flag */
	nr = seccomp_syscall_resolve_name("clone");
	for (uint64_t m = SCF_CLONE_NS_FLAGS; nr >= 0 && m; m &= m - 1) {
		uint64_t bit = m & -m;
		struct scmp_arg_cmp c = { SCF_CLONE_FLAGS_ARG, SCMP_CMP_MASKED_EQ, bit, bit };
		if ((rc = add_rule(ctx, deny_action(o, nr), nr, "clone", 1, &c, err)) < 0)
			return rc;
	}

	/* ioctl(fd, TIOCSTI|TIOCLINUX): the kernel takes cmd as unsigned int */
	nr = seccomp_syscall_resolve_name("ioctl");
	static const uint64_t bad_ioctls[] = { TIOCSTI, TIOCLINUX };
	for (size_t i = 0; i < 2; i++) {
		struct scmp_arg_cmp c = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffULL, bad_ioctls[i]);
		if ((rc = add_rule(ctx, deny_action(o, nr), nr, "ioctl", 1, &c, err)) < 0)
			return rc;
	}

	/* personality(): only the query (0xffffffff) and PER_LINUX (0).  The
	 * kernel reads an unsigned int; a low word other than all-zeroes or
	 * all-ones has, cyclically, a set bit followed by a clear bit, so one
	 * masked rule per bit position covers exactly the forbidden values. */
	nr = seccomp_syscall_resolve_name("personality");
	for (unsigned b = 0; nr >= 0 && b < 32; b++) {
		uint64_t bit = 1ULL << b, next = 1ULL << ((b + 1) % 32);
		struct scmp_arg_cmp c = SCMP_A0(SCMP_CMP_MASKED_EQ, bit | next, bit);
		if ((rc = add_rule(ctx, deny_action(o, nr), nr, "personality", 1, &c, err)) < 0)
			return rc;
	}

	/* seccomp(SECCOMP_SET_MODE_FILTER, flags with NEW_LISTENER): the newest
	 * listener would win over ours.  Plain stacked filters only restrict. */
	nr = seccomp_syscall_resolve_name("seccomp");
	if (nr >= 0) {
		struct scmp_arg_cmp c[2] = {
			SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, SECCOMP_SET_MODE_FILTER),
			SCMP_A1(SCMP_CMP_MASKED_EQ, SECCOMP_FILTER_FLAG_NEW_LISTENER,
				SECCOMP_FILTER_FLAG_NEW_LISTENER),
		};
		if ((rc = add_rule(ctx, deny_action(o, nr), nr, "seccomp", 2, c, err)) < 0)
			return rc;
	}
	return 0;
}

/* socket()/socketpair(): only the families the policy and the namespaces
 * allow. */
static int add_family_limits(scmp_filter_ctx ctx, const struct scf_opts *o, struct bsbox_err *err)
{
	int rc;
	if (o->network)
		return 0;

	static const int unix_only[] = { AF_UNIX };
	static const int with_netns[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };
	if (o->have_netns)
		rc = add_family_rules(ctx, o, "socket", with_netns, 4, err);
	else
		rc = add_family_rules(ctx, o, "socket", unix_only, 1, err);
	if (rc < 0)
		return rc;
	return add_family_rules(ctx, o, "socketpair", unix_only, 1, err);
}

/* The calls that name a destination go to the supervisor, in every mode:
 * connect, sendto with an address, sendmsg and sendmmsg.  It logs IP and
 * netlink attempts (a network namespace, or the socket() rules above,
 * enforce them) and decides pathname unix sockets itself: nothing else
 * stands between a script and ssh-agent or docker.sock when there is no
 * mount namespace, and Landlock (ABI <= 7) does not cover connect().  A
 * policy with "network": true still needs "unix_sockets" for those.
 * bind() only matters with a network namespace (AF_UNIX binds create files,
 * which the mount tree and Landlock confine). */
static int add_addr_rules(scmp_filter_ctx ctx, const struct scf_opts *o, struct bsbox_err *err)
{
	int rc;
	if (!o->notify)
		return 0;
	static const char *const always[] = { "connect", "sendmsg", "sendmmsg" };
	for (size_t i = 0; i < sizeof always / sizeof *always; i++) {
		int nr = seccomp_syscall_resolve_name(always[i]);
		if (nr >= 0 && (rc = add_rule(ctx, SCMP_ACT_NOTIFY, nr, always[i], 0, NULL, err)) < 0)
			return rc;
	}
	/* send() is sendto() without an address: not notified, so the sandbox's
	 * own sync socket (sandbox.c) and every connected socket cost nothing */
	int nr = seccomp_syscall_resolve_name("sendto");
	if (nr >= 0) {
		struct scmp_arg_cmp c = SCMP_A4(SCMP_CMP_NE, 0, 0);
		if ((rc = add_rule(ctx, SCMP_ACT_NOTIFY, nr, "sendto", 1, &c, err)) < 0)
			return rc;
	}
	nr = seccomp_syscall_resolve_name("bind");
	if (o->have_netns && !o->network && nr >= 0 &&
	    (rc = add_rule(ctx, SCMP_ACT_NOTIFY, nr, "bind", 0, NULL, err)) < 0)
		return rc;
	return 0;
}

/* open/openat go to the supervisor unless they open a directory: listing a
 * directory is never a violation (the supervisor lets it through), and
 * directory walks (find, cargo, make) would otherwise pay a round trip per
 * directory. O_TMPFILE contains the O_DIRECTORY bit but creates a file, so
 * it is notified by a second rule (rules on one syscall are alternatives).
 *
 * reads_free: only opens that can write are notified (one rule per flag bit,
 * since a rule can only test "masked == value").  Read-only opens are then
 * left to the mount tree and Landlock, and the FUSE root reports the ones
 * that leave the tree: a compile's ~1,200 header opens and include-path
 * probes cost nothing. */
static int add_open_rules(scmp_filter_ctx ctx, bool reads_free, struct bsbox_err *err)
{
#ifndef __O_TMPFILE
#define __O_TMPFILE 020000000
#endif
	static const struct {
		const char *name;
		unsigned flags_arg;
	} calls[] = { { "open", 1 }, { "openat", 2 } };
	static const unsigned long write_bits[] = { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, __O_TMPFILE };
	for (size_t i = 0; i < sizeof calls / sizeof *calls; i++) {
		int nr = seccomp_syscall_resolve_name(calls[i].name);
		if (nr < 0)
			continue;
		int rc;
		if (reads_free) {
			for (size_t b = 0; b < sizeof write_bits / sizeof *write_bits; b++) {
				struct scmp_arg_cmp has = { calls[i].flags_arg, SCMP_CMP_MASKED_EQ,
							    write_bits[b], write_bits[b] };
				if ((rc = add_rule(ctx, SCMP_ACT_NOTIFY, nr, calls[i].name, 1, &has,
						   err)) < 0)
					return rc;
			}
			continue;
		}
		struct scmp_arg_cmp not_dir = { calls[i].flags_arg, SCMP_CMP_MASKED_EQ, O_DIRECTORY, 0 };
		struct scmp_arg_cmp tmpfile = { calls[i].flags_arg, SCMP_CMP_MASKED_EQ, __O_TMPFILE,
						__O_TMPFILE };
		if ((rc = add_rule(ctx, SCMP_ACT_NOTIFY, nr, calls[i].name, 1, &not_dir, err)) < 0)
			return rc;
		if ((rc = add_rule(ctx, SCMP_ACT_NOTIFY, nr, calls[i].name, 1, &tmpfile, err)) < 0)
			return rc;
	}
	return 0;
}

/* Every new task, for the supervisor's count (notify_forks): clone without
 * namespace flags (those are refused above), fork, vfork.  clone3 answers
 * ENOSYS before this (deny_action), so libc falls back to clone. */
static int add_fork_rules(scmp_filter_ctx ctx, struct bsbox_err *err)
{
	int rc, nr = seccomp_syscall_resolve_name("clone");
	struct scmp_arg_cmp no_ns = { SCF_CLONE_FLAGS_ARG, SCMP_CMP_MASKED_EQ, SCF_CLONE_NS_FLAGS, 0 };
	if (nr >= 0 && (rc = add_rule(ctx, SCMP_ACT_NOTIFY, nr, "clone", 1, &no_ns, err)) < 0)
		return rc;
	static const char *const forks[] = { "fork", "vfork" };
	for (size_t i = 0; i < 2; i++) {
		nr = seccomp_syscall_resolve_name(forks[i]);
		if (nr >= 0 && (rc = add_rule(ctx, SCMP_ACT_NOTIFY, nr, forks[i], 0, NULL, err)) < 0)
			return rc;
	}
	return 0;
}

/* The path probes (syscalls.h's SCR_PROBE entries), for a mount namespace
 * without a FUSE root: there the tree hides a path from stat and friends
 * with a plain ENOENT, and only the supervisor can say that the path exists
 * on the host (issue 12).  Only the forms that name a path from the cwd or
 * the root: a descriptor-relative lookup (find's, fts's, Rust's DirEntry
 * metadata) starts inside a directory the tree already shows, and those
 * walks are the probes' bulk; fstat (AT_EMPTY_PATH) names no path at all.
 * dirfd is compared on its low 32 bits (the kernel reads an int); a rule
 * holds at most one comparison per argument, and the two here are on two
 * arguments, so they are ANDed.  Opening a directory or an O_PATH from the
 * cwd (opendir, realpath's walks) is notified too: open and openat are
 * otherwise notified only for files (add_open_rules). */
static int add_probe_rules(scmp_filter_ctx ctx, struct bsbox_err *err)
{
	int rc;
	const struct scmp_arg_cmp at_cwd = SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL,
						   (uint32_t)AT_FDCWD);
	for (size_t i = 0; i < sc_count; i++) {
		const struct sc_entry *e = &sc_table[i];
		int nr = sc_nr(e, resolve);
		if (e->rule != SCR_PROBE || nr < 0)
			continue;
		struct scmp_arg_cmp c[2];
		unsigned n = 0;
		if (e->kind == SC_PROBE_AT)
			c[n++] = at_cwd;
		int fl = sc_arg_index(e, "flags");
		if (fl >= 0)
			c[n++] = (struct scmp_arg_cmp){ (unsigned)fl, SCMP_CMP_MASKED_EQ, AT_EMPTY_PATH, 0 };
		if ((rc = add_rule(ctx, SCMP_ACT_NOTIFY, nr, e->name, n, c, err)) < 0)
			return rc;
	}
	int nr = seccomp_syscall_resolve_name("openat");
	if (nr >= 0 && (rc = add_rule(ctx, SCMP_ACT_NOTIFY, nr, "openat", 1, &at_cwd, err)) < 0)
		return rc;
	nr = seccomp_syscall_resolve_name("open");
	if (nr >= 0 && (rc = add_rule(ctx, SCMP_ACT_NOTIFY, nr, "open", 0, NULL, err)) < 0)
		return rc;
	return 0;
}

int scf_build(const struct scf_opts *o, scmp_filter_ctx *out, struct bsbox_err *err)
{
	int rc;
	*out = NULL;
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return bsbox_err_set(err, ENOMEM, "seccomp_init");

	/* raw errnos from libseccomp; binary tree over syscall numbers; any
	 * foreign arch (i386, x32) -> ENOSYS (see the top of this file) */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1)) < 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) < 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(ENOSYS))) < 0) {
		bsbox_err_set(err, -rc, "seccomp: setting filter attributes");
		goto fail;
	}

	if ((rc = add_list(ctx, o, SCR_DENY, false, err)) < 0 ||
	    (rc = add_arg_rules(ctx, o, err)) < 0 || (rc = add_family_limits(ctx, o, err)) < 0 ||
	    (rc = add_addr_rules(ctx, o, err)) < 0)
		goto fail;
	if (o->notify && o->notify_paths &&
	    ((rc = add_list(ctx, o, SCR_PATH, true, err)) < 0 ||
	     (rc = add_open_rules(ctx, o->reads_free, err)) < 0))
		goto fail;
	if (o->notify && o->notify_paths && o->probes && (rc = add_probe_rules(ctx, err)) < 0)
		goto fail;

	if (o->notify && o->notify_forks && (rc = add_fork_rules(ctx, err)) < 0)
		goto fail;

	*out = ctx;
	return 0;
fail:
	seccomp_release(ctx);
	return rc;
}

int scf_deny_errno(int syscall_nr)
{
	for (size_t i = 0; i < sc_count; i++)
		if (sc_table[i].enosys && syscall_nr == sc_nr(&sc_table[i], resolve))
			return ENOSYS;
	if (syscall_nr == seccomp_syscall_resolve_name("socket") ||
	    syscall_nr == seccomp_syscall_resolve_name("socketpair"))
		return EAFNOSUPPORT;
	return EPERM;
}

int scf_build_init(scmp_filter_ctx *out, struct bsbox_err *err)
{
	/* what pid 1 still does once CMD runs: wait, report over its socket,
	 * exit; (signals it only receives).  The rest is EPERM, which its
	 * loops treat as the end. */
	static const char *const allow[] = { "wait4",        "waitid",      "sendto",
					     "close",        "exit",        "exit_group",
					     "rt_sigreturn", "rt_sigprocmask", "restart_syscall" };
	*out = NULL;
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!ctx)
		return bsbox_err_set(err, ENOMEM, "seccomp_init");
	int rc;
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1)) < 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_ERRNO(ENOSYS))) < 0) {
		seccomp_release(ctx);
		return bsbox_err_set(err, -rc, "seccomp: bad-arch action");
	}
	for (size_t i = 0; i < sizeof allow / sizeof allow[0]; i++) {
		int nr = seccomp_syscall_resolve_name(allow[i]);
		if (nr == __NR_SCMP_ERROR)
			continue;
		if ((rc = add_rule(ctx, SCMP_ACT_ALLOW, nr, allow[i], 0, NULL, err)) < 0) {
			seccomp_release(ctx);
			return rc;
		}
	}
	*out = ctx;
	return 0;
}
