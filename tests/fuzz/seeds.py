#!/usr/bin/env python3
"""Write the binary seed corpora of the fusefs and notify fuzz targets
(tests/fuzz/corpus/{fusefs,notify}/seed-*): FUSE request sequences as the
kernel sends them while pid 1 builds the root and a build script then runs,
and seccomp notifications as a build script's syscalls produce them.  Run it
after changing a harness's input layout; regression inputs (regress-*) are
kept as found."""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# ---- FUSE ------------------------------------------------------------------
OP = dict(LOOKUP=1, FORGET=2, GETATTR=3, SETATTR=4, READLINK=5, SYMLINK=6, MKNOD=8, MKDIR=9,
          UNLINK=10, RMDIR=11, RENAME=12, LINK=13, OPEN=14, READ=15, WRITE=16, STATFS=17,
          RELEASE=18, FSYNC=20, GETXATTR=22, FLUSH=25, INIT=26, OPENDIR=27, READDIR=28,
          RELEASEDIR=29, ACCESS=34, CREATE=35, INTERRUPT=36, BATCH_FORGET=42, RENAME2=45)
ROOT = 1


class Fuse:
    def __init__(self):
        self.unique = 0
        self.out = b""

    def req(self, op, nodeid, payload=b"", pid=2):
        self.unique += 2
        n = 40 + len(payload)
        self.out += struct.pack("<IIQQIIIHH", n, OP[op], self.unique, nodeid, 1000, 1000, pid, 0, 0) + payload
        return self


def name(s):
    return s.encode() + b"\0"


def init():
    return struct.pack("<IIII", 7, 38, 131072, 1 << 23) + b"\0" * 48


def read_in(offset, size):
    return struct.pack("<QQIIQII", 0, offset, size, 0, 0, 0, 0)


def fuse_seeds():
    seeds = {}
    # pid 1 builds the tree (unsealed, empty skeleton): bits 4-7 = 15, never seal
    f = Fuse().req("INIT", 0, init(), pid=0)
    f.req("LOOKUP", ROOT, name("usr")).req("MKDIR", ROOT, struct.pack("<II", 0o755, 0o22) + name("usr"))
    f.req("MKDIR", 2, struct.pack("<II", 0o755, 0o22) + name("lib"))
    f.req("SYMLINK", ROOT, name("lib") + name("usr/lib"))
    f.req("CREATE", ROOT, struct.pack("<IIII", 0o100, 0o644, 0o22, 0) + name("resolv.conf"))
    f.req("MKNOD", ROOT, struct.pack("<IIII", 0o100644, 0, 0o22, 0) + name("null"))
    f.req("SETATTR", 5, struct.pack("<IIQQQQQQIIIIIIII", 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0o600, 0, 0, 0, 0))
    f.req("OPEN", 5, struct.pack("<II", 2, 0)).req("WRITE", 5, struct.pack("<QQIIQII", 0, 0, 3, 0, 0, 0, 0) + b"abc")
    f.req("RELEASE", 5, b"\0" * 24).req("UNLINK", ROOT, name("lib")).req("RENAME", ROOT, struct.pack("<Q", 1) + name("a") + name("b"))
    seeds["seed-build-tree"] = bytes([0xF0]) + f.out
    # a build script in the sealed root (skeleton, sealed at once)
    f = Fuse().req("INIT", 0, init(), pid=0)
    f.req("LOOKUP", ROOT, name("usr")).req("GETATTR", 2, b"\0" * 16).req("LOOKUP", ROOT, name("lib"))
    f.req("READLINK", 5).req("LOOKUP", ROOT, name("root")).req("LOOKUP", ROOT, name("home"))
    f.req("LOOKUP", 8, name("u")).req("LOOKUP", 9, name(".ssh")).req("OPENDIR", ROOT, struct.pack("<II", 0, 0))
    f.req("READDIR", ROOT, read_in(0, 4096)).req("READDIR", ROOT, read_in(3, 4096)).req("READDIR", ROOT, read_in(0, 48))
    f.req("RELEASEDIR", ROOT, b"\0" * 24).req("OPEN", 6, struct.pack("<II", 0, 0)).req("STATFS", ROOT)
    f.req("GETXATTR", 2, struct.pack("<II", 64, 0) + name("security.capability"))
    f.req("MKDIR", ROOT, struct.pack("<II", 0o755, 0) + name("x")).req("ACCESS", ROOT, struct.pack("<II", 4, 0))
    f.req("FORGET", 9, struct.pack("<Q", 1)).req("BATCH_FORGET", 0, struct.pack("<II", 1, 0) + struct.pack("<QQ", 9, 1))
    f.req("INTERRUPT", 0, struct.pack("<Q", 4)).req("FLUSH", 6, b"\0" * 24).req("RENAME2", ROOT, struct.pack("<QII", 1, 0, 0) + name("a") + name("b"))
    seeds["seed-sealed-script"] = bytes([0x01]) + f.out
    # a long name and a path at the limits
    f = Fuse().req("INIT", 0, init(), pid=0)
    f.req("LOOKUP", ROOT, name("a" * 1024)).req("MKDIR", ROOT, struct.pack("<II", 0o755, 0) + name("b" * 255))
    f.req("MKDIR", ROOT, struct.pack("<II", 0o755, 0) + name("c" * 256)).req("LOOKUP", 2, name(".."))
    f.req("LOOKUP", 99, name("x")).req("GETATTR", 0).req("READDIR", 2, read_in(1 << 62, 1 << 31))
    seeds["seed-limits"] = bytes([0x21]) + f.out
    return seeds


# ---- seccomp notifications ------------------------------------------------------
# Layout (tests/fuzz/notify.c): flags, then per notification: syscall selector,
# pointer mask, six 64-bit arguments; then the cwd link, the dirfd link and
# the target's memory (NUL-separated), pointer arguments being offsets into it.
SEL = ["open", "openat", "openat2", "creat", "execve", "execveat", "mkdir", "rmdir",
       "unlink", "chmod", "truncate", "mknod", "mkdirat", "unlinkat", "fchmodat",
       "fchmodat2", "mknodat", "rename", "renameat", "renameat2", "link", "linkat",
       "symlink", "symlinkat", "connect", "bind", "sendto", "sendmsg", "sendmmsg",
       "socket", "socketpair", "ptrace", "clone", "unshare", "ioctl", "mount", "bpf",
       "keyctl", "clone3", "io_uring_setup"]
AT_FDCWD = (1 << 64) - 100
MEM_BASE = 0x7F0000001000  # where notify.c's harness maps the target's memory


def notif(sel, ptrs, *args):
    args = list(args) + [0] * (6 - len(args))
    return struct.pack("<BB6Q", SEL.index(sel) if isinstance(sel, str) else sel, ptrs, *args)


def notify_seeds():
    seeds = {}

    def seed(nm, flags, notifs, mem, cwd=b"/home/u/src/foo", dirlink=b"/home/u/src/foo/target"):
        seeds[nm] = bytes([flags | (len(notifs) - 1) << 4]) + b"".join(notifs) + cwd + b"\0" + dirlink + b"\0" + mem

    seed("seed-open-home", 0, [notif("openat", 2, AT_FDCWD, 0, 0), notif("openat", 2, AT_FDCWD, 20, 0o200000),
                               notif("openat", 2, AT_FDCWD, 34, 0)], b"/root/.profile\0\0\0\0\0\0/root\0\0\0\0\0\0\0\0/proc/self/maps\0")
    seed("seed-open-write-audit", 1, [notif("openat", 2, AT_FDCWD, 0, 0o1101), notif("open", 1, 0, 0o102)], b"/etc/passwd\0")
    seed("seed-relative", 0, [notif("openat", 2, 3, 0, 0), notif("mkdirat", 2, AT_FDCWD, 0, 0o755)], b"../../../.config/x\0")
    how = struct.pack("<QQQ", 0o101, 0o644, 0)
    seed("seed-openat2", 0, [notif("openat2", 6, AT_FDCWD, 24, 0, 24)], how + b"/usr/../root/x\0")
    seed("seed-rename-link", 0, [notif("renameat2", 0b1010, AT_FDCWD, 0, AT_FDCWD, 8), notif("linkat", 0b1010, AT_FDCWD, 0, AT_FDCWD, 8, 0x1000)],
         b"/tmp/a\0\0/root/b\0")
    seed("seed-exec", 0, [notif("execve", 1, 0, 0, 0), notif("execveat", 2, 3, 0, 0, 0, 0x1000)], b"/opt/evil/bin/sh\0")
    sin = struct.pack("<H", 2) + struct.pack(">H", 53) + bytes([1, 2, 3, 4]) + bytes(8)
    sin6 = struct.pack("<H", 10) + struct.pack(">HI", 80, 0) + bytes(15) + b"\1" + bytes(4)
    seed("seed-connect", 2, [notif("connect", 2, 3, 0, 16), notif("bind", 2, 4, 16, 28), notif("sendto", 0b10000, 5, 0, 0, 0, 44, 2)],
         sin + sin6 + struct.pack("<H", 1) + b"/run/x\0")
    msghdr = struct.pack("<QI4xQQQQi4x", MEM_BASE + 56, 16, 0, 0, 0, 0, 0)  # msg_name: the sockaddr after it
    seed("seed-sendmsg", 0, [notif("sendmsg", 2, 3, 0, 0)], msghdr + sin)
    nl = struct.pack("<HHII", 16, 0, 0, 0)
    seed("seed-netlink", 0, [notif("connect", 2, 3, 0, 12)], nl, dirlink=b"socket:[12345]")
    seed("seed-socket", 0, [notif("socket", 0, 17, 3, 0), notif("socketpair", 0, 2, 0x80002, 0), notif("socket", 0, 99, 12, 0)], b"")
    seed("seed-dangerous", 0, [notif("clone", 0, 0x10000000 | 0x20000000 | 0x11, 0), notif("unshare", 0, 0x10000000), notif("ioctl", 0, 0, 0x5412, 0),
                               notif("ptrace", 0, 16, 1, 0, 0)], b"")
    seed("seed-raw-nr", 0x40, [notif(200, 0, 1, 2, 3, 4, 5, 6), notif("mount", 0, 1, 2, 3, 4, 5, 0xffffffffffffffff)], b"")
    return seeds


def main():
    for target, seeds in (("fusefs", fuse_seeds()), ("notify", notify_seeds())):
        d = os.path.join(HERE, "corpus", target)
        os.makedirs(d, exist_ok=True)
        for nm, data in seeds.items():
            with open(os.path.join(d, nm), "wb") as f:
                f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
