# shellcheck shell=bash
# What an event tells a reviewer (issue 12, "The detail a reviewer needs" and
# "Reports people can follow"): denied syscalls with their real arguments
# decoded from the one syscall table (src/syscalls.c), a `suggest` on every
# event (saying so where no policy entry can allow it), the destination of a
# UDP send, and reports that name their log and the command that ran.
#
# test_layer_log_* run in every mode (tests/run.sh); the others once.
# Uses ev_find/expect_event/newlog from tests/supervisor.sh.

# decoded PROBE-ACTION SYSCALL DETAIL-PREFIX [PROBE ARGS...]: the probe is
# refused, and its event carries the decoded arguments, a suggest that says
# no policy allows it, and the command (no --crate)
decoded() {
	local action=$1 sc=$2 detail=$3
	shift 3
	newlog "$action"
	run_probe "$action" "$@"
	assert_rc 124 || { show "$T/out"; show "$T/err"; return 1; }
	assert_contains "$T/out" "$action: errno=" || return 1
	expect_event kind=syscall "syscall=$sc" "detail^$detail" action=denied \
		"suggest^no policy entry allows" "command=$PROBE $action${*:+ $*}" crate! || return 1
	# the raw registers are gone
	if ev_find "syscall=$sc" "detail~0x0, 0x0" >/dev/null; then
		fail "$sc: raw registers in the detail"
		show "$BSBOX_LOG"
		return 1
	fi
	assert_contains "$T/err" "(no policy entry allows this system call: "
}

test_layer_log_decoded_io_uring() {
	decoded io_uring io_uring_setup "io_uring_setup(entries=1, params=0x" || return 1
	# two arguments, not six
	local d
	d=$(ev_find -f detail syscall=io_uring_setup)
	case $d in *", "*", "*) fail "io_uring_setup has two arguments: $d"; return 1 ;; esac
	expect_event syscall=io_uring_setup "suggest=no policy entry allows io_uring: it would bypass seccomp"
}

test_layer_log_decoded_bpf() {
	decoded bpf bpf "bpf(cmd=BPF_PROG_LOAD, attr=0x" && expect_event syscall=bpf "detail~, size=144)"
}

test_layer_log_decoded_mount() {
	# the probe mounts tmpfs on $TMPDIR/x (the sandbox's own /tmp in full mode)
	decoded mount mount 'mount(source="tmpfs", target="' &&
		expect_event syscall=mount 'detail~/x", fstype="tmpfs", flags=0x0, data=0x'
}

test_layer_log_decoded_name_to_handle() {
	decoded name-to-handle name_to_handle_at \
		'name_to_handle_at(dirfd=AT_FDCWD, path="/etc/passwd", handle=0x' /etc/passwd
}

test_layer_log_decoded_tiocsti() {
	decoded tiocsti ioctl "ioctl(fd=0, request=TIOCSTI, arg=0x"
}

test_layer_log_decoded_personality() {
	decoded personality personality "personality(persona=PER_LINUX|ADDR_NO_RANDOMIZE)"
}

test_layer_log_decoded_socket() {
	newlog socket
	run_probe socket packet
	assert_rc 124 || return 1
	expect_event kind=network syscall=socket "detail=socket(AF_PACKET, SOCK_RAW)" \
		'suggest="network": true' action=denied
}

# A UDP client binds an ephemeral port, then sends: the event names the
# destination (the old supervisor logged "bind 127.0.0.1:0" and stopped there).
# Only with a network namespace: without one socket() is refused already.
test_layer_log_udp_destination() {
	full_only "a network namespace lets the socket exist" || return 0
	local port=9 # discard: nothing listens on it in the sandbox's netns
	newlog udp
	run_boxed -- python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
for how in ("sendto", "sendmsg"):
    try:
        if how == "sendto":
            s.sendto(b"x", ("127.0.0.1", int(sys.argv[1])))
        else:
            s.sendmsg([b"x"], [], 0, ("127.0.0.1", int(sys.argv[1]) + 1))
        print(how, "sent")
    except OSError as e:
        print(how, "errno", e.errno)
' "$port"
	assert_rc 124 || { show "$T/out"; show "$T/err"; return 1; }
	assert_contains "$T/out" "sendto errno 13" || return 1
	assert_contains "$T/out" "sendmsg errno 13" || return 1
	expect_event kind=network syscall=sendto "addr=127.0.0.1:$port" action=denied \
		'suggest="network": true' || return 1
	expect_event kind=network syscall=sendmsg "addr=127.0.0.1:$((port + 1))" action=denied ||
		return 1
	if ev_find syscall=bind >/dev/null; then
		fail "bind to an ephemeral port was reported"
		show "$BSBOX_LOG"
		return 1
	fi
	# a bind to a fixed port is still a server: still reported
	newlog bind
	run_boxed -- python3 -c '
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(("127.0.0.1", 5353))'
	expect_event kind=network syscall=bind addr=127.0.0.1:5353 action=denied
}

# Every event from the supervisor carries suggest.
test_layer_log_every_event_suggests() {
	newlog all
	local a
	for a in io_uring bpf ptrace keyctl "socket packet" "write /etc/bsbox-decode-test"; do
		# shellcheck disable=SC2086
		run_probe $a
	done
	python3 - "$BSBOX_LOG" <<'PY' || { show "$BSBOX_LOG"; fail "an event without suggest"; return 1; }
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1])]
missing = [e for e in evs if not e.get("suggest")]
sys.exit(1 if missing or len(evs) < 6 else 0)
PY
}

test_report_names_its_log() {
	export BSBOX_LOG=$T/ev.jsonl
	run_boxed -- "$PROBE" io_uring
	run_bsbox report
	assert_rc 0 || { show "$T/err"; return 1; }
	assert_contains "$T/err" "bsbox report: reading $T/ev.jsonl"
	# --json stays parseable: the note is on stderr
	run_bsbox report --json
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/out" ||
		{ fail "report --json is not JSON"; show "$T/out"; return 1; }
}

test_run_events_name_the_command() {
	export BSBOX_LOG=$T/ev.jsonl
	run_boxed -- "$PROBE" io_uring
	expect_event syscall=io_uring_setup "command=$PROBE io_uring" crate! || return 1
	run_bsbox report "$BSBOX_LOG"
	assert_contains "$T/out" "bsbox run -- $PROBE io_uring: 1 event" || return 1
	assert_not_contains "$T/out" "(unknown crate)" || return 1
	# with --crate, the crate names it and no command is logged
	export BSBOX_LOG=$T/ev2.jsonl
	run_boxed --crate evil-sys -- "$PROBE" io_uring
	expect_event syscall=io_uring_setup crate=evil-sys command!
}

# bsbox learn shows the path of a log only where the log stays.
test_learn_log_path_exists() {
	local f p
	mkdir -p "$T/tmp"
	for cmd in true false; do
		TMPDIR=$T/tmp run_bsbox learn --dir "$T/pol" -- "$cmd"
		# every path learn printed still exists
		for p in $(grep -o "$T/tmp/[^ )]*" "$T/err"); do
			[ -e "$p" ] || { fail "learn ($cmd) printed $p, then removed it"; show "$T/err"; return 1; }
		done
	done
	# the failing command keeps its log, and says where
	assert_contains "$T/err" "bsbox learn: events kept in $T/tmp/bsbox-learn." || return 1
	f=$T/kept.jsonl
	TMPDIR=$T/tmp run_bsbox learn --dir "$T/pol" --keep-log "$f" -- true
	assert_contains "$T/err" "(log $f)" || return 1
	[ -e "$f" ] || { fail "--keep-log $f: not kept"; return 1; }
}
