/* The syscall table (src/syscalls.c): every entry well formed, names and
 * fallback numbers resolved as the filter and the supervisor need them, and
 * each decoder's output for the calls an event shows.  Pure: linked with
 * cJSON only (no libseccomp), so the resolver here is a fake. */
#include <stdint.h>
#include <string.h>

#include "syscalls.h"
#include "tap.h"

/* A library that knows io_uring_setup as 425, open as 2, and
 * "umount" only as a pseudo-number (not on this arch); nothing else. */
static int fake_resolve(const char *name)
{
	if (!strcmp(name, "io_uring_setup"))
		return 425;
	if (!strcmp(name, "open"))
		return 2;
	if (!strcmp(name, "umount"))
		return -10166;
	return -1;
}

/* Target memory: addresses 0x1000 + i hold strs[i]; others are unreadable */
static const char *const strs[] = { "none", "/mnt", "tmpfs", "/etc/passwd", "a\"b\n" };
static int fake_read(void *arg, uint64_t addr, char *buf, size_t size)
{
	(void)arg;
	if (addr < 0x1000 || addr >= 0x1000 + sizeof strs / sizeof *strs)
		return -14;
	const char *s = strs[addr - 0x1000];
	if (strlen(s) >= size)
		return -36;
	strcpy(buf, s);
	return 0;
}

static void expect(const char *name, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		   uint64_t a4, uint64_t a5, const char *want)
{
	const struct sc_entry *e = sc_by_name(name);
	char out[512];
	uint64_t a[6] = { a0, a1, a2, a3, a4, a5 };
	if (!e) {
		check(0, "%s in the table", name);
		return;
	}
	sc_format(e, a, fake_read, NULL, out, sizeof out);
	check_str(want, out, want);
}

static void table(void)
{
	for (size_t i = 0; i < sc_count; i++) {
		const struct sc_entry *e = &sc_table[i];
		int ok = e->nargs <= 6;
		for (unsigned k = 0; k < e->nargs && k < 6; k++)
			ok &= e->args[k].name != NULL;
		check(ok, "%s: %u named arguments", e->name, e->nargs);
		check(sc_by_name(e->name) == e, "%s: listed once", e->name);
		if (e->kind == SC_DENIED)
			check((e->why && !strncmp(e->why, "no policy entry", 15)) ||
				      !strcmp(e->name, "clone3"),
			      "%s: says why no policy allows it", e->name);
	}
	/* the fallback numbers the filter and supervisor used to repeat */
	struct { const char *name; int nr; } fb[] = {
		{ "io_uring_enter", 426 }, { "io_uring_register", 427 }, { "clone3", 435 },
		{ "fchmodat2", 452 },	   { "openat2", 437 },		 { "open_tree_attr", 467 },
	};
	for (size_t i = 0; i < sizeof fb / sizeof *fb; i++)
		check(sc_nr(sc_by_name(fb[i].name), fake_resolve) == fb[i].nr, "%s falls back to %d",
		      fb[i].name, fb[i].nr);
	check(sc_nr(sc_by_name("io_uring_setup"), fake_resolve) == 425, "the library's number wins");
	check(sc_nr(sc_by_name("umount"), fake_resolve) < 0, "pseudo-number: not on this arch");
	check(sc_nr(sc_by_name("ptrace"), fake_resolve) == -1, "unknown, no fallback: -1");

	struct sc_numbers t;
	sc_numbers_init(&t, fake_resolve);
	check(sc_by_nr(&t, 452) == sc_by_name("fchmodat2"), "by number: fchmodat2 (452)");
	check(sc_by_nr(&t, 2) == sc_by_name("open"), "by number: open (2)");
	check(sc_by_nr(&t, -1) == NULL, "by number: -1 is nothing");
	check(sc_by_nr(&t, 1) == NULL, "by number: 1 is not notified");
	check(sc_by_name("read") == NULL, "read is not in the table");
	check(sc_by_name("io_uring_setup")->enosys && !sc_by_name("bpf")->enosys,
	      "io_uring answers ENOSYS, bpf EPERM");
}

static void decoders(void)
{
	expect("io_uring_setup", 4, 0x7ffe1000, 0, 0, 0, 0,
	       "io_uring_setup(entries=4, params=0x7ffe1000)");
	expect("bpf", 0, 0x7ffe0000, 72, 0, 0, 0, "bpf(cmd=BPF_MAP_CREATE, attr=0x7ffe0000, size=72)");
	expect("bpf", 5, 0x10, 144, 0, 0, 0, "bpf(cmd=BPF_PROG_LOAD, attr=0x10, size=144)");
	expect("bpf", 0x100000005ULL, 0, 0, 0, 0, 0, "bpf(cmd=BPF_PROG_LOAD, attr=NULL, size=0)");
	expect("bpf", 999, 0, 0, 0, 0, 0, "bpf(cmd=0x3e7, attr=NULL, size=0)");
	expect("mount", 0x1000, 0x1001, 0x1002, 0, 0, 0,
	       "mount(source=\"none\", target=\"/mnt\", fstype=\"tmpfs\", flags=0x0, data=NULL)");
	expect("mount", 0, 0x1001, 0x9999, 0x1000, 0, 0,
	       "mount(source=NULL, target=\"/mnt\", fstype=0x9999, flags=0x1000, data=NULL)");
	expect("name_to_handle_at", (uint64_t)-100, 0x1003, 0x2000, 0x3000, 0, 0,
	       "name_to_handle_at(dirfd=AT_FDCWD, path=\"/etc/passwd\", handle=0x2000, "
	       "mount_id=0x3000, flags=0x0)");
	expect("ioctl", 0, 0x5412, 0x7000, 0, 0, 0, "ioctl(fd=0, request=TIOCSTI, arg=0x7000)");
	expect("ioctl", 0, 0x10000541cULL, 0x7000, 0, 0, 0,
	       "ioctl(fd=0, request=TIOCLINUX, arg=0x7000)");
	expect("ioctl", 3, 0xc0de, 0, 0, 0, 0, "ioctl(fd=3, request=0xc0de, arg=NULL)");
	expect("socket", 2, 1, 0, 0, 0, 0, "socket(domain=AF_INET, type=SOCK_STREAM, protocol=0)");
	expect("socket", 10, 2 | 02000000, 17, 0, 0, 0,
	       "socket(domain=AF_INET6, type=SOCK_DGRAM|SOCK_CLOEXEC, protocol=17)");
	expect("socket", 99, 9, 0, 0, 0, 0, "socket(domain=0x63, type=0x9, protocol=0)");
	expect("personality", 0x40000, 0, 0, 0, 0, 0, "personality(persona=PER_LINUX|ADDR_NO_RANDOMIZE)");
	expect("personality", 8, 0, 0, 0, 0, 0, "personality(persona=PER_LINUX32)");
	expect("personality", 0x10000040000ULL | 0x400000, 0, 0, 0, 0, 0,
	       "personality(persona=PER_LINUX|ADDR_NO_RANDOMIZE|READ_IMPLIES_EXEC)");
	expect("personality", 0x40000001, 0, 0, 0, 0, 0, "personality(persona=PER_SVR4|0x40000000)");
	expect("unshare", 0x10000000 | 0x40000000, 0, 0, 0, 0, 0,
	       "unshare(flags=CLONE_NEWUSER|CLONE_NEWNET)");
	expect("unshare", 0, 0, 0, 0, 0, 0, "unshare(flags=0x0)");
	expect("vhangup", 1, 2, 3, 4, 5, 6, "vhangup()");
	expect("chroot", 0x1004, 0, 0, 0, 0, 0, "chroot(path=\"a\\\"b\\x0a\")");
	expect("chroot", 0x5000, 0, 0, 0, 0, 0, "chroot(path=0x5000)");

	/* bounded: a small buffer ends in "..." and stays terminated */
	char small[16];
	uint64_t a[6] = { 0x1000, 0x1001, 0x1002, 0, 0, 0 };
	sc_format(sc_by_name("mount"), a, fake_read, NULL, small, sizeof small);
	check(strlen(small) == sizeof small - 1 && !strcmp(small + sizeof small - 4, "..."),
	      "truncated output ends in ... (%s)", small);
	/* no reader: addresses */
	char out[128];
	sc_format(sc_by_name("chroot"), a, NULL, NULL, out, sizeof out);
	check_str("no reader: the address", out, "chroot(path=0x1000)");

	check_str("suggest for io_uring", sc_suggest(sc_by_name("io_uring_enter")),
		  "no policy entry allows io_uring: it would bypass seccomp");
	check(!strncmp(sc_suggest(NULL), "no policy entry", 15), "suggest without an entry");
	check_str("AF_NETLINK", sc_family_name(16), "AF_NETLINK");
	check(sc_family_name(-1) == NULL && sc_family_name(1000) == NULL, "unknown families");
}

int main(void)
{
	table();
	decoders();
	return tap_done();
}
