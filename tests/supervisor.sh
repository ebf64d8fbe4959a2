# shellcheck shell=bash disable=SC2016
# The seccomp-notify supervisor and the event log (issue 3), proven from the
# outside: for every kind of denial, the JSONL line's content (exact path,
# access, address and port, syscall name, action, crate, pid), bsbox's exit
# status (124 in enforce mode even when CMD succeeds; CMD's own status with
# --audit) and the host afterwards (nothing written / written in audit mode,
# the listener got nothing).
#
# test_layer_log_* run in every mode (full, [no-userns],
# [no-userns,landlock=1], [user]); test_supervisor_* once (see tests/run.sh).
#
# Without user namespaces there is no network namespace: an AF_INET socket is
# refused at socket() already, so the event names the family, not an address
# (and a DNS lookup cannot be told from any other UDP socket).

# ---- helpers -------------------------------------------------------------------

# newlog NAME: point $BSBOX_LOG at a fresh file for the next run
newlog() {
	export BSBOX_LOG="$T/ev-$1.jsonl"
	rm -f "$BSBOX_LOG"
}

# ev_find [-f FIELD] COND...: search $BSBOX_LOG (every line must be valid JSON
# with a trailing newline) for an event matching all CONDs:
#   key=value   exact (numbers compared as text)
#   key~text    the value contains text
#   key^text    the value starts with text
#   key!        the key is absent
# Prints the first match (or its FIELD) and returns 0; 1 if none; 2 if the log
# is malformed.
ev_find() {
	local field=
	if [ "${1:-}" = -f ]; then
		field=$2
		shift 2
	fi
	python3 - "$BSBOX_LOG" "$field" "$@" <<'EOF'
import json, re, sys
log, field, conds = sys.argv[1], sys.argv[2], sys.argv[3:]
try:
    data = open(log, encoding="utf-8").read()
except OSError as e:
    print("no log: %s" % e)
    sys.exit(1)
if data and not data.endswith("\n"):
    print("log does not end with a newline")
    sys.exit(2)
evs = []
for n, line in enumerate(data.splitlines(), 1):
    try:
        e = json.loads(line)
    except ValueError as x:
        print("line %d is not JSON (%s): %r" % (n, x, line[:200]))
        sys.exit(2)
    if not isinstance(e, dict):
        print("line %d is not an object" % n)
        sys.exit(2)
    evs.append(e)
def ok(e, c):
    k, op, v = re.match(r"([A-Za-z_]+)([=~^!])(.*)$", c, re.S).groups()
    if op == "!":
        return k not in e
    if k not in e:
        return False
    s = e[k] if isinstance(e[k], str) else json.dumps(e[k])
    return s == v if op == "=" else (v in s if op == "~" else s.startswith(v))
for e in evs:
    if all(ok(e, c) for c in conds):
        print(json.dumps(e) if not field else e.get(field, ""))
        sys.exit(0)
sys.exit(1)
EOF
}

# expect_event COND...: fail (showing the log) unless an event matches; sets
# $EV_PID to its pid
expect_event() {
	local r
	EV_PID=$(ev_find -f pid "$@")
	r=$?
	[ "$r" = 0 ] && return 0
	if [ "$r" = 2 ]; then
		fail "malformed event log: $EV_PID"
	else
		fail "no event in ${BSBOX_LOG#"$T"/} with: $*"
	fi
	show "$BSBOX_LOG"
	return 1
}

# the summary on stderr names the offender: "by pid N (...)"
expect_by_pid() {
	[ -n "${EV_PID:-}" ] || return 0
	assert_contains "$T/err" "by pid $EV_PID ("
}

# action expected for something the policy denies but audit lets through
let_action() {
	if [ "${AUDIT:-}" = 1 ]; then echo allowed-audit; else echo denied; fi
}

# the summary's headline for the mode
expect_headline() {
	if [ "${AUDIT:-}" = 1 ]; then
		assert_contains "$T/err" "would have been denied"
		assert_contains "$T/err" "(audit mode)"
	else
		assert_contains "$T/err" "(enforce mode)"
	fi
}

# status: enforce 124 even though CMD ended with 0; audit CMD's own (7)
expect_status() {
	if [ "${AUDIT:-}" = 1 ]; then assert_rc "${1:-7}"; else assert_rc 124; fi
}

audit_opt() {
	[ "${AUDIT:-}" = 1 ] && echo --audit
}

# a command's tail: succeed in enforce mode (so 124 is bsbox's doing), exit 7
# in audit mode (so CMD's own status is seen to pass through)
cmd_exit() {
	if [ "${AUDIT:-}" = 1 ]; then echo "exit 7"; else echo "exit 0"; fi
}

PY3=/usr/bin/python3
need_py3() {
	[ -x "$PY3" ] && return 0
	skip_ok "$PY3 is not installed (the sandbox runs the system python, not a pyenv shim)"
	return 77
}

# full mode has a network namespace: the supervisor sees the address; the
# degraded modes refuse AF_INET at socket()
has_netns() { ! degraded; }

# ---- paths -----------------------------------------------------------------------

# a secret under a fake HOME (not under /tmp: the sandbox has a private one)
test_layer_log_read_home() {
	local secret="bsbox-secret-$RANDOM$RANDOM" AUDIT
	mkdir -p "$T/home/.ssh"
	echo "$secret" >"$T/home/.ssh/id_rsa"
	chmod 600 "$T/home/.ssh/id_rsa"
	export HOME=$T/home
	for AUDIT in 0 1; do
		echo "# audit=$AUDIT"
		newlog "read$AUDIT"
		# shellcheck disable=SC2046
		run_boxed $(audit_opt) --crate evil-read -- /bin/sh -c "cat ~/.ssh/id_rsa; $(cmd_exit)"
		expect_status
		expect_event kind=path access=read "path=$T/home/.ssh/id_rsa" "action=$(let_action)" \
			crate=evil-read syscall^open exe~cat "cmdline~cat $T/home/.ssh/id_rsa"
		expect_by_pid
		expect_headline
		assert_contains "$T/err" "read $T/home/.ssh/id_rsa"
		assert_contains "$T/err" '"read": ["$HOME/.ssh/id_rsa"]'
		if [ "$AUDIT" = 1 ]; then
			assert_contains "$T/out" "$secret"
		else
			assert_not_contains "$T/out" "$secret"
			assert_not_contains "$T/err" "$secret"
			assert_not_contains "$BSBOX_LOG" "$secret"
		fi
	done
}

test_layer_log_write_outside() {
	local AUDIT f=$T/outside/f
	mkdir -p "$T/outside"
	for AUDIT in 0 1; do
		echo "# audit=$AUDIT"
		rm -f "$f"
		newlog "write$AUDIT"
		# shellcheck disable=SC2046
		run_boxed $(audit_opt) --crate evil-write -- /bin/sh -c "echo written >'$f'; $(cmd_exit)"
		expect_status
		expect_event kind=path access=write "path=$f" "action=$(let_action)" crate=evil-write \
			syscall^open
		expect_by_pid
		expect_headline
		assert_contains "$T/err" "write $f"
		assert_contains "$T/err" "\"write\": [\"$f\"]"
		if [ "$AUDIT" = 1 ]; then
			assert_eq "$(cat "$f" 2>/dev/null)" written "content written in audit mode"
		else
			assert_no_file "$f"
		fi
	done
}

test_layer_log_exec_outside() {
	local AUDIT tool=$T/tools/mytool marker="exec-marker-$RANDOM"
	mkdir -p "$T/tools"
	cp /bin/echo "$tool"
	"$tool" ok >/dev/null || { fail "sanity: $tool does not run unconfined"; return 1; }
	for AUDIT in 0 1; do
		echo "# audit=$AUDIT"
		newlog "exec$AUDIT"
		# shellcheck disable=SC2046
		run_boxed $(audit_opt) --crate evil-exec -- /bin/sh -c "'$tool' $marker; $(cmd_exit)"
		expect_status
		expect_event kind=path access=exec "path=$tool" syscall=execve "action=$(let_action)" \
			crate=evil-exec
		expect_by_pid
		expect_headline
		assert_contains "$T/err" "exec $tool"
		assert_contains "$T/err" "\"exec\": [\"$tool\"]"
		if [ "$AUDIT" = 1 ]; then
			assert_contains "$T/out" "$marker"
		else
			assert_not_contains "$T/out" "$marker"
		fi
	done
}

# rename, unlink, chmod, truncate(2) and mkdir of paths outside the policy
test_layer_log_fs_ops() {
	need_py3 || return
	local AUDIT d=$T/outside
	for AUDIT in 0 1; do
		echo "# audit=$AUDIT"
		rm -rf "$d"
		mkdir -p "$d"
		for f in ren unl chm trunc; do echo "orig-$f" >"$d/$f"; done
		chmod 644 "$d/chm"
		newlog "fsops$AUDIT"
		# shellcheck disable=SC2046
		run_boxed $(audit_opt) --crate evil-fs -- "$PY3" -c "
import os, sys
d = sys.argv[1]
for name, f in (('rename', lambda: os.rename(d + '/ren', d + '/renamed')),
                ('unlink', lambda: os.unlink(d + '/unl')),
                ('chmod', lambda: os.chmod(d + '/chm', 0o777)),
                ('truncate', lambda: os.truncate(d + '/trunc', 0)),
                ('mkdir', lambda: os.mkdir(d + '/newdir'))):
    try:
        f(); print(name, 'ok')
    except OSError as e:
        print(name, 'errno', e.errno)
sys.exit(7 if sys.argv[2] == '1' else 0)
" "$d" "$AUDIT"
		expect_status
		local a
		a=$(let_action)
		expect_event kind=path access=write "path=$d/ren" syscall^rename "action=$a" crate=evil-fs
		expect_event kind=path access=write "path=$d/renamed" syscall^rename "action=$a"
		expect_event kind=path access=write "path=$d/unl" syscall^unlink "action=$a"
		expect_event kind=path access=write "path=$d/chm" syscall~chmod "action=$a"
		expect_event kind=path access=write "path=$d/trunc" syscall=truncate "action=$a"
		expect_event kind=path access=write "path=$d/newdir" syscall^mkdir "action=$a"
		expect_by_pid
		expect_headline
		for f in ren renamed unl chm trunc newdir; do
			assert_contains "$T/err" "\"write\": [\"$d/$f\"]"
		done
		if [ "$AUDIT" = 1 ]; then
			if [ ! -e "$d/renamed" ] || [ -e "$d/ren" ]; then fail "audit: rename did not happen"; fi
			assert_no_file "$d/unl"
			assert_eq "$(stat -c %a "$d/chm")" 777 "audit: mode after chmod"
			assert_eq "$(stat -c %s "$d/trunc")" 0 "audit: size after truncate"
			[ -d "$d/newdir" ] || fail "audit: mkdir did not happen"
		else
			for f in rename unlink chmod truncate mkdir; do
				assert_contains "$T/out" "$f errno 13"
			done
			assert_eq "$(cat "$d/ren" 2>/dev/null)" orig-ren "ren after a denied rename"
			assert_no_file "$d/renamed"
			assert_eq "$(cat "$d/unl" 2>/dev/null)" orig-unl "unl after a denied unlink"
			assert_eq "$(stat -c %a "$d/chm")" 644 "mode after a denied chmod"
			assert_eq "$(cat "$d/trunc" 2>/dev/null)" orig-trunc "trunc after a denied truncate"
			assert_no_file "$d/newdir"
		fi
	done
}

# the event's pid is the offender as the host sees it, exe and cmdline are its
test_layer_log_pid() {
	need_py3 || return
	local marker="pid-marker-$RANDOM$RANDOM" pid bp i
	mkdir -p "$T/home"
	echo s >"$T/home/secret"
	newlog pid
	# the offender lingers (up to 10 s) until $T/cwd/go appears, so its pid
	# can be looked up on the host
	"$BSBOX" run --policy "$(mkpolicy base)" --crate pidcheck -- "$PY3" -c "
import os, sys, time
try:
    open(sys.argv[1]).read()
except OSError:
    pass
for _ in range(100):
    if os.path.exists('go'):
        break
    time.sleep(0.1)
" "$T/home/secret" "$marker" </dev/null >"$T/out" 2>"$T/err" &
	bp=$!
	BG_PIDS+=("$bp")
	for ((i = 0; i < 50; i++)); do
		pid=$(ev_find -f pid kind=path "path=$T/home/secret" 2>/dev/null) && break
		sleep 0.1
	done
	if [ -z "$pid" ]; then
		fail "no event for $T/home/secret within 5 s"
		show "$BSBOX_LOG"
		return 1
	fi
	[[ $pid =~ ^[1-9][0-9]*$ ]] || fail "pid '$pid' is not a positive integer"
	if tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$marker"; then
		echo "  pid $pid is the offender on the host"
	else
		fail "pid $pid in the event is not the offending process on the host (cmdline: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>&1))"
	fi
	: >"$T/cwd/go"
	wait "$bp"
	rc=$?
	assert_rc 124
	expect_event kind=path "pid=$pid" "exe=$(readlink -f "$PY3")" "cmdline~$marker" \
		crate=pidcheck "path=$T/home/secret" access=read action=denied
	expect_by_pid
	# the schema's fixed fields
	ev_find "pid=$pid" >"$T/ev.json"
	python3 - "$T/ev.json" <<'EOF' || fail "event fields: $(cat "$T/ev.json")"
import json, re, sys
e = json.load(open(sys.argv[1]))
assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$", e["time"]), e["time"]
assert isinstance(e["pid"], int)
for k in ("kind", "action", "exe", "cmdline", "syscall", "path", "access", "suggest"):
    assert isinstance(e[k], str) and e[k], k
EOF
}

# ---- network -----------------------------------------------------------------------

test_layer_log_tcp_connect() {
	local AUDIT got=$T/got-tcp
	listener tcp - "$got" || return 1
	local port=$LISTEN_PORT
	for AUDIT in 0 1; do
		echo "# audit=$AUDIT"
		newlog "tcp$AUDIT"
		# shellcheck disable=SC2046
		run_boxed $(audit_opt) --crate evil-net -- /bin/bash -c \
			"exec 3<>/dev/tcp/127.0.0.1/$port && echo connected; $(cmd_exit)"
		expect_status
		assert_not_contains "$T/out" connected
		if has_netns; then
			expect_event kind=network syscall=connect "addr=127.0.0.1:$port" \
				"action=$(let_action)" crate=evil-net exe~bash
			assert_contains "$T/err" "connect 127.0.0.1:$port"
		else
			expect_event kind=network syscall=socket "detail~AF_INET, SOCK_STREAM" action=denied \
				crate=evil-net addr!
		fi
		expect_by_pid
		expect_headline
		assert_contains "$T/err" '"network": true'
	done
	sleep 0.5
	[ -s "$got" ] && fail "the host listener on 127.0.0.1:$port got a connection"
	return 0
}

test_layer_log_udp_sendto() {
	need_py3 || return
	local AUDIT got=$T/got-udp
	listener udp - "$got" || return 1
	local port=$LISTEN_PORT
	for AUDIT in 0 1; do
		echo "# audit=$AUDIT"
		newlog "udp$AUDIT"
		# shellcheck disable=SC2046
		run_boxed $(audit_opt) --crate evil-udp -- "$PY3" -c "
import socket, sys
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'leak', ('127.0.0.1', int(sys.argv[1])))
    print('sent')
except OSError as e:
    print('errno', e.errno)
sys.exit(7 if sys.argv[2] == '1' else 0)
" "$port" "$AUDIT"
		expect_status
		if has_netns; then
			expect_event kind=network syscall=sendto "addr=127.0.0.1:$port" \
				"action=$(let_action)" crate=evil-udp
			assert_contains "$T/err" "sendto 127.0.0.1:$port"
		else
			expect_event kind=network syscall=socket "detail~AF_INET, SOCK_DGRAM" action=denied \
				crate=evil-udp
		fi
		expect_by_pid
		expect_headline
		assert_contains "$T/err" '"network": true'
	done
	sleep 1
	[ -s "$got" ] && fail "the host UDP listener on 127.0.0.1:$port got a datagram"
	return 0
}

# No fd number is exempt from notification: sendmsg() on every low fd number
# (where bsbox's own sync socket used to sit before exec) is logged.
test_layer_log_sendmsg_every_fd() {
	need_py3 || return
	has_netns || { skip_ok "no network namespace: AF_INET is refused at socket()"; return; }
	newlog sendmsg
	run_boxed --crate evil-fds -- "$PY3" -c "
import os, socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sent = 0
for fd in range(3, 20):
    if fd == s.fileno():
        continue
    os.dup2(s.fileno(), fd)
    t = socket.socket(fileno=fd)
    try:
        t.sendmsg([b'x'], [], 0, ('127.0.0.1', 9000 + fd))
        sent += 1
    except OSError:
        pass
    t.detach()
print('sent', sent)
"
	assert_rc 124
	local fd n
	for fd in $(seq 3 19); do
		ev_find kind=network syscall=sendmsg "addr=127.0.0.1:$((9000 + fd))" >/dev/null && n=$((${n:-0} + 1))
	done
	# every fd but the socket's own number (one of 3..19) was used
	[ "${n:-0}" -ge 16 ] || { fail "only ${n:-0} of 16 sendmsg calls were logged"; show "$BSBOX_LOG"; }
}

# A name lookup through /etc/resolv.conf's nameserver shows up as a DNS lookup
# (full mode: the address is known).  The command reports which nameserver it
# sees (glibc's default is 127.0.0.1 when there is none).
test_layer_log_dns() {
	need_py3 || return
	if ! grep -Eq '^hosts:.*\bdns\b' /etc/nsswitch.conf 2>/dev/null; then
		skip_ok "/etc/nsswitch.conf does not use dns for hosts: no lookup reaches a nameserver"
		return
	fi
	local AUDIT ns
	for AUDIT in 0 1; do
		echo "# audit=$AUDIT"
		newlog "dns$AUDIT"
		# shellcheck disable=SC2046
		run_boxed $(audit_opt) --crate evil-dns -- "$PY3" -c "
import socket, sys
ns = '127.0.0.1'
try:
    for l in open('/etc/resolv.conf'):
        w = l.split()
        if len(w) >= 2 and w[0] == 'nameserver':
            ns = w[1]
            break
except OSError:
    pass
print('nameserver', ns)
try:
    socket.getaddrinfo('bsbox-test.example.com', 80)
    print('resolved')
except OSError as e:
    print('lookup failed', e)
sys.exit(7 if sys.argv[1] == '1' else 0)
" "$AUDIT"
		expect_status
		assert_not_contains "$T/out" resolved
		ns=$(sed -n 's/^nameserver //p' "$T/out")
		echo "  nameserver seen in the sandbox: ${ns:-?}"
		if has_netns; then
			case $ns in
			*:*) expect_event kind=network "addr~$ns" "addr^[" detail~"DNS lookup" "action=$(let_action)" crate=evil-dns ;;
			*) expect_event kind=network "addr=$ns:53" detail~"DNS lookup" "action=$(let_action)" crate=evil-dns ;;
			esac
			assert_contains "$T/err" "DNS lookup"
		else
			echo "  (degraded mode: refused at socket(), before the address that would make it a DNS lookup)"
			expect_event kind=network syscall=socket "detail~socket(AF_INET" action=denied crate=evil-dns
		fi
		expect_by_pid
		expect_headline
		assert_contains "$T/err" '"network": true'
	done
}

test_layer_log_packet_socket() {
	local AUDIT
	for AUDIT in 0 1; do
		echo "# audit=$AUDIT"
		newlog "packet$AUDIT"
		# shellcheck disable=SC2046
		run_boxed $(audit_opt) --crate evil-raw -- "$PROBE" socket packet
		# the probe exits 12 when it saw an errno: that is CMD's own status
		expect_status 12
		assert_contains "$T/out" "socket: errno=97 (EAFNOSUPPORT)"
		# audit mode does not open the network
		expect_event kind=network syscall=socket "detail~AF_PACKET" action=denied crate=evil-raw \
			exe="$PROBE"
		expect_by_pid
		expect_headline
		assert_contains "$T/err" "socket(AF_PACKET"
	done
}

# ---- dangerous syscalls --------------------------------------------------------------

test_layer_log_ptrace() {
	local AUDIT
	for AUDIT in 0 1; do
		echo "# audit=$AUDIT"
		newlog "ptrace$AUDIT"
		# shellcheck disable=SC2046
		run_boxed $(audit_opt) --crate evil-sys -- "$PROBE" ptrace
		expect_status 12
		assert_contains "$T/out" "ptrace: errno=1 (EPERM)"
		expect_event kind=syscall syscall=ptrace action=denied crate=evil-sys exe="$PROBE" \
			"cmdline=$PROBE ptrace"
		expect_by_pid
		expect_headline
		assert_contains "$T/err" "ptrace()"
		assert_contains "$T/err" "no policy entry allows this system call"
		[ "$AUDIT" = 1 ] && assert_contains "$T/err" "audit mode does not relax this"
	done
	return 0
}

# ---- the issue's "done when" -----------------------------------------------------------

test_layer_log_done_when() {
	local secret="bsbox-secret-$RANDOM$RANDOM"
	mkdir -p "$T/home/.ssh"
	echo "$secret" >"$T/home/.ssh/id_rsa"
	export HOME=$T/home
	newlog donewhen
	run_boxed -- bash -c 'cat ~/.ssh/id_rsa; exec 3<>/dev/tcp/127.0.0.1/9'
	assert_rc 124
	assert_not_contains "$T/out" "$secret"
	assert_contains "$T/err" "read $T/home/.ssh/id_rsa"
	assert_contains "$T/err" '"read": ["$HOME/.ssh/id_rsa"]'
	expect_event kind=path access=read "path=$T/home/.ssh/id_rsa" action=denied
	if has_netns; then
		assert_contains "$T/err" "connect 127.0.0.1:9"
		expect_event kind=network syscall=connect addr=127.0.0.1:9 action=denied
	else
		assert_contains "$T/err" "socket(AF_INET, SOCK_STREAM)"
		expect_event kind=network syscall=socket "detail~AF_INET" action=denied
	fi
	assert_contains "$T/err" '"network": true'
}

# ---- single-mode tests ------------------------------------------------------------------

# The FUSE root (include/fusefs.h): where this user can open /dev/fuse, the
# sandbox's / is served by the supervisor and read-only opens are not
# notified.  Reads outside the policy are still caught (by the lookup that
# leaves the tree): relative to the cwd, from a grandchild, and from a second
# thread of a process; a probe (stat) of a hidden path is the plain ENOENT it
# always was and logs nothing; BSBOX_NO_FUSE=1 gives the tmpfs root back.
test_supervisor_fuse_root() {
	full_only "the FUSE root lives in the mount namespace" || return
	if [ ! -r /dev/fuse ] || [ ! -w /dev/fuse ]; then
		skip_ok "/dev/fuse is not read-writable by $(id -un): bsbox checks every open itself"
		return
	fi
	need_py3 || return
	local secret="bsbox-secret-$RANDOM$RANDOM"
	mkdir -p "$T/home/.ssh"
	echo "$secret" >"$T/home/.ssh/id_rsa"
	export HOME=$T/home
	POLICY=$(mkpolicy base)

	newlog root
	run_boxed -- /bin/sh -c 'grep " / / " /proc/self/mountinfo'
	assert_rc 0
	assert_contains "$T/out" " - fuse bsbox "
	BSBOX_NO_FUSE=1 run_boxed -- /bin/sh -c 'grep " / / " /proc/self/mountinfo'
	assert_rc 0
	assert_contains "$T/out" " - tmpfs "
	# an inherited directory fd reaches the host tree without a lookup through
	# the root: then every open goes to the supervisor again
	"$BSBOX" run --policy "$POLICY" -- /bin/sh -c 'grep " / / " /proc/self/mountinfo' \
		</ >"$T/out" 2>"$T/err"
	rc=$?
	assert_rc 0
	assert_contains "$T/out" " - tmpfs "
	"$BSBOX" doctor >"$T/doctor" 2>&1
	grep -qE 'FUSE root \(fast reads\) +yes' "$T/doctor" || { fail "doctor does not say yes"; show "$T/doctor"; }

	# relative to the cwd (through the bind mount's ".."), by a grandchild:
	# the event has the absolute path and the grandchild's own exe
	newlog rel
	run_boxed --crate fz -- /bin/sh -c "cd /usr && /bin/sh -c 'cat ..$T/home/.ssh/id_rsa; true'; exit 0"
	assert_rc 124
	expect_event kind=path access=read "path=$T/home/.ssh/id_rsa" action=denied crate=fz \
		syscall^open exe~cat "cmdline=cat ..$T/home/.ssh/id_rsa"
	expect_by_pid
	assert_not_contains "$T/out" "$secret"
	assert_contains "$T/err" '"read": ["$HOME/.ssh/id_rsa"]'

	# a second thread: FUSE numbers threads, not processes
	newlog thread
	run_boxed -- "$PY3" -c "
import threading, sys
def rd():
    try:
        open(sys.argv[1]).read()
    except OSError as e:
        print('errno', e.errno)
t = threading.Thread(target=rd); t.start(); t.join()
" "$T/home/.ssh/id_rsa"
	assert_rc 124
	assert_contains "$T/out" "errno 13"
	expect_event kind=path access=read "path=$T/home/.ssh/id_rsa" "exe=$(readlink -f "$PY3")"

	# probes: stat and access of a hidden path are ENOENT, not violations
	newlog probe
	run_boxed -- /bin/sh -c "if test -e '$T/home/.ssh/id_rsa' || test -r '$T/home/.ssh'; then echo visible; else echo hidden; fi"
	assert_rc 0
	assert_contains "$T/out" hidden
	[ ! -s "$BSBOX_LOG" ] || { fail "a probe was logged"; show "$BSBOX_LOG"; }

	# reading what does not exist outside either: plain ENOENT, no event
	newlog missing
	run_boxed -- /bin/sh -c "cat '$T/home/.ssh/nothing' 2>&1; exit 0"
	assert_rc 0
	assert_contains "$T/out" "No such file"
	[ ! -s "$BSBOX_LOG" ] || { fail "a missing file was logged"; show "$BSBOX_LOG"; }
}

# The FUSE root for an unprivileged user, as on a stock Debian or Ubuntu
# (/dev/fuse mode 0666; this CI image has 0600, so the test opens it up for
# its own duration): the user's sandbox gets the FUSE root and a read
# outside the policy is still logged.
test_supervisor_fuse_root_unprivileged() {
	full_only "the FUSE root lives in the mount namespace" || return
	is_root || { skip_ok "needs root to make /dev/fuse usable by $BSBOX_TEST_USER"; return; }
	[ -c /dev/fuse ] || { skip_ok "no /dev/fuse on this machine"; return; }
	id "$BSBOX_TEST_USER" >/dev/null 2>&1 || { skip "no user $BSBOX_TEST_USER"; return; }
	local mode secret="bsbox-secret-$RANDOM$RANDOM"
	mode=$(stat -c %a /dev/fuse)
	defer "chmod $mode /dev/fuse"
	chmod 0666 /dev/fuse
	mkdir -p "$T/u/home/.ssh"
	echo "$secret" >"$T/u/home/.ssh/id_rsa"
	printf '{ "extends": ["default"] }\n' >"$T/u/policy.json"
	chown -R "$BSBOX_TEST_USER:" "$T/u"
	chmod 755 "$T"
	export BSBOX_LOG=$T/u/events.jsonl
	(cd "$T/u" && as_user env HOME="$T/u/home" BSBOX_LOG="$BSBOX_LOG" "$BSBOX" run \
		--policy "$T/u/policy.json" --crate ufz -- \
		/bin/sh -c 'grep " / / " /proc/self/mountinfo; cat ~/.ssh/id_rsa; exit 0') \
		</dev/null >"$T/out" 2>"$T/err"
	rc=$?
	chmod "$mode" /dev/fuse
	assert_rc 124
	assert_contains "$T/out" " - fuse bsbox "
	assert_not_contains "$T/out" "$secret"
	expect_event kind=path access=read "path=$T/u/home/.ssh/id_rsa" action=denied crate=ufz exe~cat
	expect_by_pid
}

# An event log that cannot be written (a full disk) loses no denial quietly:
# the run still fails with its summary, and bsbox says how many events the
# log is missing, once, after the summary.  (The supervisor used to print the
# first failure from inside its own thread, then nothing.)
test_supervisor_log_full() {
	[ -w /dev/full ] || { skip_ok "no /dev/full"; return; }
	local hid
	hid=$(mktemp -d "${BSBOX_TEST_HOME_BASE:-/var/tmp}/bsbox-full.XXXXXX") || return 1
	defer rm -rf "$hid"
	chmod 755 "$hid"
	echo x >"$hid/a"
	echo x >"$hid/b"
	chmod 644 "$hid/a" "$hid/b"
	run_boxed --log /dev/full -- /bin/sh -c "cat $hid/a $hid/b; exit 0"
	assert_rc 124 || return 1
	assert_contains "$T/err" "bsbox: 2 denials in this run" || return 1
	assert_contains "$T/err" "bsbox: warning: 2 events could not be written to the event log /dev/full: No space left on device" || return 1
	[ "$(grep -c 'could not be written' "$T/err")" = 1 ] || { show "$T/err"; fail "the loss is not said exactly once"; return 1; }
}

# 16 supervised commands at once, all logging into one file: no event lost or
# garbled.  Long paths make each line > 1 KiB, so a torn write would show.
test_supervisor_parallel() {
	need_py3 || return
	local n=16 k=12 i long
	long=$(printf 'x%.0s' {1..200})
	mkdir -p "$T/outside/$long/$long/$long"
	export BSBOX_LOG=$T/par.jsonl
	rm -f "$BSBOX_LOG"
	local pol
	pol=$(mkpolicy base)
	for ((i = 0; i < n; i++)); do
		"$BSBOX" run --policy "$pol" --crate "par-$i" -- "$PY3" -c "
import sys
d, i, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
for j in range(k):
    try:
        open('%s/denied-%s-%d' % (d, i, j), 'w')
    except OSError:
        pass
" "$T/outside/$long/$long/$long" "$i" "$k" </dev/null >"$T/par-$i.out" 2>"$T/par-$i.err" &
		BG_PIDS+=($!)
		echo $! >"$T/par-$i.pid"
	done
	for ((i = 0; i < n; i++)); do
		wait "$(cat "$T/par-$i.pid")"
		rc=$?
		[ "$rc" = 124 ] || { fail "run $i exited $rc, expected 124"; show "$T/par-$i.err"; }
	done
	python3 - "$BSBOX_LOG" "$n" "$k" "$T/outside/$long/$long/$long" <<'EOF' || fail "the parallel log is wrong"
import json, sys
log, n, k, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
data = open(log, encoding="utf-8").read()
bad = 0
if not data.endswith("\n"):
    print("  log does not end with a newline"); bad = 1
lines = data.split("\n")[:-1]
if len(lines) != n * k:
    print("  %d lines, expected %d" % (len(lines), n * k)); bad = 1
per = {}
for no, line in enumerate(lines, 1):
    try:
        e = json.loads(line)
    except ValueError as x:
        print("  line %d garbled (%s): %r" % (no, x, line[:120])); bad = 1
        continue
    per.setdefault(e.get("crate"), []).append(e)
for i in range(n):
    evs = per.pop("par-%d" % i, [])
    pids = {e.get("pid") for e in evs}
    paths = sorted(e.get("path") for e in evs)
    want = sorted("%s/denied-%d-%d" % (d, i, j) for j in range(k))
    if len(evs) != k or len(pids) != 1 or paths != want:
        print("  crate par-%d: %d events, pids %s, paths ok: %s" % (i, len(evs), sorted(map(str, pids)), paths == want))
        bad = 1
    if any(e.get("kind") != "path" or e.get("access") != "write" or e.get("action") != "denied" for e in evs):
        print("  crate par-%d: an event has the wrong kind/access/action" % i); bad = 1
if per:
    print("  unexpected crates: %s" % sorted(map(str, per))); bad = 1
print("  %d lines, longest %d bytes" % (len(lines), max(map(len, lines)) if lines else 0))
sys.exit(bad)
EOF
	# every run's own summary counted its own k denials
	for ((i = 0; i < n; i++)); do
		assert_contains "$T/par-$i.err" "$k denials in crate par-$i"
	done
	[ -z "$(find "$T/outside/$long/$long/$long" -mindepth 1)" ] || fail "a denied file was created"
	return 0
}
tag_unpriv test_supervisor_parallel

# fail_closed: kill -9 the supervisor (the bsbox process) while the sandboxed
# command sleeps; nothing may survive and nothing may run unsupervised.  The
# secret is readable under the policy ($CWD), so only a dead sandbox keeps it
# from being copied to the writable $T/w.
_fail_closed() {
	local marker="bsbox-fc-$RANDOM$RANDOM" bp i alive
	echo "secret-$marker" >"$T/cwd/secret"
	mkdir -p "$T/w"
	POLICY=$(mkpolicy fc write "\"$T/w\"")
	# sanity: undisturbed, the command does copy it
	run_boxed -- /bin/sh -c "cat '$T/cwd/secret' >'$T/w/sanity'"
	assert_rc 0
	assert_eq "$(cat "$T/w/sanity" 2>/dev/null)" "secret-$marker" "sanity copy"
	"$BSBOX" run --policy "$POLICY" -- /bin/sh -c \
		"sleep 1; cat '$T/cwd/secret' >'$T/w/got'; sleep 30" "$marker" </dev/null >"$T/out" 2>"$T/err" &
	bp=$!
	sleep 0.5
	pgrep -f "$marker" >/dev/null || fail "the sandboxed command is not running after 0.5 s"
	kill -9 "$bp"
	wait "$bp" 2>/dev/null
	alive=
	for ((i = 0; i < 20; i++)); do
		alive=$(pgrep -f "$marker")
		[ -z "$alive" ] && break
		sleep 0.1
	done
	if [ -n "$alive" ]; then
		fail "sandboxed processes survived the supervisor's death: $(pgrep -af "$marker")"
		pkill -9 -f "$marker"
	else
		echo "  nothing left $((i * 100)) ms after the kill"
	fi
	# past the moment the command would have read the secret
	sleep 1
	assert_no_file "$T/w/got"
}

test_supervisor_fail_closed() {
	need_userns || return
	_fail_closed
}

test_supervisor_fail_closed_no_userns() {
	export BSBOX_FORCE_NO_USERNS=1 BSBOX_QUIET=1
	_fail_closed
}

# Ctrl-C on the terminal: SIGINT to bsbox's process group
test_supervisor_ctrl_c() {
	local m marker bp pgid i
	for m in 0 1; do
		if [ "$m" = 1 ]; then
			export BSBOX_FORCE_NO_USERNS=1 BSBOX_QUIET=1
		elif ! unshare -Ur true 2>/dev/null; then
			echo "  (no user namespaces: full mode not checked)"
			continue
		fi
		echo "# no-userns=$m"
		marker="bsbox-cc-$RANDOM$RANDOM"
		setsid "$BSBOX" run --policy "$(mkpolicy base)" -- /bin/sh -c 'sleep 30; echo finished' "$marker" \
			</dev/null >"$T/out" 2>"$T/err" &
		bp=$!
		sleep 0.7
		pgid=$(ps -o pgid= -p "$bp" | tr -d ' ')
		assert_eq "$pgid" "$bp" "bsbox's process group (setsid)"
		kill -INT -- "-$pgid"
		for ((i = 0; i < 50; i++)); do
			kill -0 "$bp" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$bp" 2>/dev/null; then
			fail "bsbox still runs 5 s after SIGINT"
			kill -9 "$bp"
		fi
		wait "$bp"
		rc=$?
		assert_rc 130
		assert_not_contains "$T/out" finished
		sleep 0.3
		if pgrep -f "$marker" >/dev/null; then
			fail "processes survived Ctrl-C: $(pgrep -af "$marker")"
			pkill -9 -f "$marker"
		fi
	done
	return 0
}

# bsbox report: grouped by crate and kind, --json parses
test_supervisor_report() {
	need_py3 || return
	mkdir -p "$T/home" "$T/outside"
	echo s >"$T/home/secret"
	export BSBOX_LOG=$T/report.jsonl
	rm -f "$BSBOX_LOG"
	run_boxed --crate alpha -- /bin/sh -c "cat '$T/home/secret'; cat '$T/home/secret'; $PROBE ptrace"
	assert_rc 124
	run_boxed --crate beta -- /bin/sh -c "echo x >'$T/outside/a'; echo y >'$T/outside/b'"
	assert_rc 124
	run_boxed --audit --crate gamma -- /bin/sh -c "echo x >'$T/outside/c'"
	assert_rc 0
	run_bsbox report "$BSBOX_LOG"
	assert_rc 0
	cp "$T/out" "$T/report.txt"
	assert_contains "$T/report.txt" "crate alpha: 3 events"
	assert_contains "$T/report.txt" "crate beta: 2 events"
	assert_contains "$T/report.txt" "crate gamma: 1 event"
	assert_contains "$T/report.txt" "read $T/home/secret"
	assert_contains "$T/report.txt" "write $T/outside/a"
	assert_contains "$T/report.txt" "ptrace()"
	assert_contains "$T/report.txt" "(audit: let through)"
	# grouped: crates in order, each crate's kinds under it
	python3 - "$T/report.txt" <<'EOF' || { fail "report text not grouped by crate and kind"; show "$T/report.txt"; }
import re, sys
crate, seen, kinds = None, [], {}
for line in open(sys.argv[1]):
    m = re.match(r"crate (\S+): \d+ events?$", line.rstrip())
    if m:
        crate = m.group(1); seen.append(crate); kinds[crate] = []
        continue
    m = re.match(r"  (\w+): \d+ \(\d+ distinct\)$", line.rstrip())
    if m:
        kinds[crate].append(m.group(1))
assert seen == ["alpha", "beta", "gamma"], seen
assert sorted(kinds["alpha"]) == ["path", "syscall"], kinds
assert kinds["beta"] == ["path"] and kinds["gamma"] == ["path"], kinds
for k in kinds.values():
    assert len(k) == len(set(k)), kinds
EOF
	run_bsbox report --json "$BSBOX_LOG"
	assert_rc 0
	python3 - "$T/out" "$T" <<'EOF' || { fail "report --json"; show "$T/out"; }
import json, sys
r = json.load(open(sys.argv[1]))
t = sys.argv[2]
assert set(r) == {"alpha", "beta", "gamma"}, r.keys()
a = r["alpha"]
assert {x["what"]: x["count"] for x in a["path"]} == {"read %s/home/secret" % t: 2}, a
assert [x["what"] for x in a["syscall"]] == ["ptrace()"], a
assert all(x["action"] == "denied" for x in a["path"] + r["beta"]["path"])
assert sorted(x["what"] for x in r["beta"]["path"]) == ["write %s/outside/a" % t, "write %s/outside/b" % t]
assert r["gamma"]["path"][0]["action"] == "allowed-audit"
assert r["beta"]["path"][0]["suggest"].startswith('"write": [')
EOF
	# --crate filters; a garbled line is reported and skipped
	echo '{"kind": "path", "trunc' >>"$BSBOX_LOG"
	run_bsbox report --crate beta "$BSBOX_LOG"
	assert_rc 0
	assert_contains "$T/out" "crate beta: 2 events"
	assert_not_contains "$T/out" "crate alpha"
	assert_contains "$T/err" "malformed event"
}
tag_modes "full no-userns user" test_supervisor_log_full
