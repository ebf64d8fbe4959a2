# shellcheck shell=bash disable=SC2016,SC2034
# Root's refused reads seen by BPF (issue 16, src/bpfread.c): started by root
# in full mode with the FUSE root, read-only opens no longer go to the
# supervisor; the BPF read watcher logs the root-only files the kernel
# refuses.  Each test asserts the denial, its event, and which layer logged
# it: "seen by kernel-bpf" in the detail is the watcher's, its absence the
# supervisor's; and that it was logged once, not by both.

# _bpfread_need: root, full mode with the FUSE root, a watcher that loads
_bpfread_need() {
	if ! is_root; then
		skip_ok "about bsbox started by root; mode $MODE"
		return 77
	fi
	if degraded || [ "${BSBOX_NO_FUSE:-}" = 1 ]; then
		skip_ok "the BPF read watcher serves the FUSE root's fast reads; mode $MODE"
		return 77
	fi
	if ! "$BSBOX" doctor 2>&1 | grep -q 'as root too: the BPF read watcher'; then
		skip "the BPF read watcher does not load here: $("$BSBOX" doctor 2>&1 | grep -A3 'FUSE root' | tr -s ' ')"
		return 77
	fi
}

# _bpfread_event PATH: the one event logged for PATH (fails on none or two)
_bpfread_event() {
	local n
	n=$(grep -c "\"path\":\"$1\"" "$BSBOX_LOG")
	[ "$n" = 1 ] || { fail "$n events for $1, want exactly 1"; show "$BSBOX_LOG"; return 1; }
	grep "\"path\":\"$1\"" "$BSBOX_LOG" >"$T/event"
}

# The kernel refuses /etc/shadow; the watcher logs it with the supervisor's
# fields (process, syscall, access, suggestion), once.
test_layer_log_bpfread_root_only() {
	_bpfread_need || return
	rm -f "$BSBOX_LOG"
	run_bsbox run -- cat /etc/shadow
	assert_rc 124 || return 1
	grep -q '^root:' "$T/out" && { fail "/etc/shadow was printed"; return 1; }
	assert_contains "$T/err" 'read /etc/shadow (root-only' || return 1
	_bpfread_event /etc/shadow || return 1
	local f
	for f in '"kind":"path"' '"syscall":"openat"' '"access":"read"' '"action":"denied"' \
		'"exe":"/usr/bin/cat"' '"cmdline":"cat /etc/shadow"' 'root-only: the sandbox' \
		'seen by kernel-bpf' '"suggest":"no policy entry allows it'; do
		assert_contains "$T/event" "$f" || return 1
	done
	# an allowed read is no event at all
	rm -f "$BSBOX_LOG"
	run_bsbox run -- cat /etc/hostname
	assert_rc 0 || return 1
	[ ! -s "$BSBOX_LOG" ] || { fail "an allowed read was logged"; show "$BSBOX_LOG"; return 1; }
}

# Relative paths (from the cwd, from a dirfd), open(2) and openat2(2).
test_layer_log_bpfread_paths() {
	_bpfread_need || return
	need_py3 || return
	rm -f "$BSBOX_LOG"
	run_bsbox run -- sh -c 'cd /etc && cat ./../etc/shadow'
	assert_rc 124 || return 1
	_bpfread_event /etc/shadow || return 1
	assert_contains "$T/event" 'seen by kernel-bpf' || return 1
	rm -f "$BSBOX_LOG"
	run_bsbox run -- python3 -c '
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
d = os.open("/etc", os.O_RDONLY | os.O_DIRECTORY)
print("openat", libc.syscall(257, d, b"gshadow", 0, 0), ctypes.get_errno())
print("open", libc.syscall(2, b"/etc/shadow", 0, 0), ctypes.get_errno())
how = ctypes.create_string_buffer(24)  # struct open_how {flags, mode, resolve}: O_RDONLY
print("openat2", libc.syscall(437, -100, b"/etc/../etc/shadow", how, 24), ctypes.get_errno())
'
	assert_rc 124 || return 1
	assert_contains "$T/out" "openat -1 13" || return 1
	assert_contains "$T/out" "open -1 13" || return 1
	assert_contains "$T/out" "openat2 -1 13" || return 1
	_bpfread_event /etc/gshadow || return 1
	assert_contains "$T/event" '"syscall":"openat"' || return 1
	[ "$(grep '"path":"/etc/shadow"' "$BSBOX_LOG" | grep -c 'seen by kernel-bpf')" = 2 ] ||
		{ fail "want 2 watcher events for /etc/shadow (open, openat2)"; show "$BSBOX_LOG"; return 1; }
	grep '"path":"/etc/shadow"' "$BSBOX_LOG" | grep -q '"syscall":"open"' || { fail "no open event"; return 1; }
	grep '"path":"/etc/shadow"' "$BSBOX_LOG" | grep -q '"syscall":"openat2"' || { fail "no openat2 event"; return 1; }
}

# BSBOX_NO_BPF_READS=1: the old path, every open to the supervisor; the
# launch test's root-only checks hold there too, logged by the supervisor.
test_layer_log_bpfread_forced_supervisor() {
	_bpfread_need || return
	local BSBOX_NO_BPF_READS=1
	export BSBOX_NO_BPF_READS
	rm -f "$BSBOX_LOG"
	test_layer_log_launch_root_only || return 1
	grep -q 'seen by kernel-bpf' "$BSBOX_LOG" &&
		{ fail "BSBOX_NO_BPF_READS=1 but the watcher logged"; show "$BSBOX_LOG"; return 1; }
	_bpfread_event /etc/shadow
}

# bpf() blocked (as in Docker's default profile): doctor says so, and the
# supervisor sees every open again: still denied and logged.
test_layer_log_bpfread_blocked() {
	_bpfread_need || return
	need_py3 || return
	# a seccomp filter answering EPERM to bpf() (x86_64 321), then exec
	cat >"$T/nobpf.py" <<'PY'
import ctypes, os, sys
class F(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte), ("k", ctypes.c_uint)]
class P(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.POINTER(F))]
ins = [(0x20, 0, 0, 0), (0x15, 0, 1, 321), (0x06, 0, 0, 0x00050001), (0x06, 0, 0, 0x7fff0000)]
arr = (F * len(ins))(*[F(*i) for i in ins])
prog = P(len(ins), arr)
if ctypes.CDLL(None, use_errno=True).prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:
    sys.exit("prctl: errno %d" % ctypes.get_errno())
os.execvp(sys.argv[1], sys.argv[1:])
PY
	python3 "$T/nobpf.py" "$BSBOX" doctor >"$T/doctor" 2>&1
	assert_contains "$T/doctor" 'BPF read watcher does not load' || return 1
	rm -f "$BSBOX_LOG"
	python3 "$T/nobpf.py" "$BSBOX" run -- cat /etc/shadow </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	assert_rc 124 || return 1
	assert_contains "$T/err" 'read /etc/shadow (root-only' || return 1
	_bpfread_event /etc/shadow || return 1
	assert_not_contains "$T/event" 'seen by kernel-bpf' || return 1
}

# Records the ring buffer had to drop are denials of their own: the run
# fails and says so (BSBOX_TEST_BPF_READ_LOSS=1: a one-page ring buffer,
# smaller than one record, so every record is lost).
test_layer_log_bpfread_lost() {
	_bpfread_need || return
	rm -f "$BSBOX_LOG"
	BSBOX_TEST_BPF_READ_LOSS=1 run_bsbox run -- sh -c 'cat /etc/shadow; cat /etc/gshadow; true'
	assert_rc 124 || return 1
	assert_contains "$T/err" '2 reads refused by the kernel went unrecorded' || return 1
	grep -q '"kind":"setup".*went unrecorded.*"action":"denied"' "$BSBOX_LOG" ||
		{ fail "no event for the lost records"; show "$BSBOX_LOG"; return 1; }
	# without loss the same run passes nothing over either
	BSBOX_TEST_BPF_READ_LOSS=0 run_bsbox run -- true
	assert_rc 0
}

# The followed set is sized from nproc (2 x nproc, at least 256 entries):
# with nproc 16, 400 processes one after another all pass through a
# 256-entry set, so each exit must leave it, and the refusal at the end is
# still seen, with no record lost.
test_layer_log_bpfread_small_set() {
	_bpfread_need || return
	local P
	P=$(mkpolicy bpfread-small limits '{"nproc": 16}')
	rm -f "$BSBOX_LOG"
	run_bsbox run --policy "$P" -- sh -c \
		'i=0; while [ $i -lt 400 ]; do /bin/true; i=$((i+1)); done; cat /etc/shadow'
	assert_rc 124 || return 1
	assert_not_contains "$T/err" 'went unrecorded' || return 1
	_bpfread_event /etc/shadow || return 1
	assert_contains "$T/event" 'seen by kernel-bpf' || return 1
}
