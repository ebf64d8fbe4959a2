# shellcheck shell=bash disable=SC2016,SC2034
# Pathname unix sockets (issue 10 item 4): connect(), sendto() and sendmsg()
# to a socket file need a "unix_sockets" grant, in every mode; without one
# the supervisor denies the call (EACCES) and logs the path.  A read grant on
# the directory holding the socket is not enough (it used to be, in full mode,
# and without user namespaces nothing was checked at all).
#
# test_layer_log_* run in every mode (no-fuse included); the listeners are python3 on the host, the
# clients the system python3 inside the sandbox.

# _sock_listen KIND PATH GOT: a host listener on a pathname unix socket
# (KIND stream|dgram) that appends "GOT" to GOT per connection or datagram
_sock_listen() {
	local kind=$1 path=$2 got=$3 ready="$TSTATE/ready.$RANDOM"
	python3 - "$kind" "$path" "$got" "$ready" <<'EOF' &
import os, socket, sys
kind, path, got, ready = sys.argv[1:5]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM if kind == "stream" else socket.SOCK_DGRAM)
os.chdir(os.path.dirname(path))  # a relative name: paths longer than sun_path work
s.bind(os.path.basename(path))
os.chmod(os.path.basename(path), 0o777)
if kind == "stream":
    s.listen(16)
open(ready, "w").write("up\n")
while True:
    if kind == "stream":
        c, _ = s.accept()
        c.close()
    else:
        s.recv(65536)
    with open(got, "a") as f:
        f.write("GOT\n")
EOF
	BG_PIDS+=($!)
	wait_file "$ready" || {
		fail "the $kind listener on $path did not start"
		return 1
	}
}

# the client: python3 -c "$_SOCK_CLIENT" OP PATH; prints "OP: ok" or
# "OP: errno=N (ENAME)"; OP is connect, sendto, sendmsg or connect-rel
# (connect by a path relative to the socket's directory)
_SOCK_CLIENT='
import errno, os, socket, sys
op, path = sys.argv[1], sys.argv[2]
try:
    if op in ("connect", "connect-rel"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        if op == "connect-rel":
            os.chdir(os.path.dirname(path))
            path = os.path.basename(path)
        s.connect(path)
    elif op == "sendto":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.sendto(b"x", path)
    else:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.sendmsg([b"x"], [], 0, path)
    print(op + ": ok")
except OSError as e:
    print("%s: errno=%d (%s)" % (op, e.errno, errno.errorcode.get(e.errno, "?")))
'

# _sock_dir: a directory the sandbox's user can reach, made readable by the
# policy; prints its path
_sock_dir() {
	mkdir -p "$T/run" && chmod 755 "$T/run" && echo "$T/run"
}

# Denied without a grant although the directory is readable; the event names
# the socket; the listener never hears from the sandbox.
test_layer_log_unix_connect_denied() {
	need_py3 || return
	local d
	d=$(_sock_dir)
	_sock_listen stream "$d/agent.sock" "$T/got" || return 1
	newlog deny
	POLICY=$(mkpolicy r read "\"$d\"")
	run_probe_py connect "$d/agent.sock"
	assert_rc 124 || return 1
	assert_contains "$T/out" "connect: errno=13 (EACCES)"
	expect_event kind=path syscall=connect "path=$d/agent.sock" access=connect \
		"addr=unix:$d/agent.sock" action=denied \
		"suggest=\"unix_sockets\": [\"$d/agent.sock\"]" || return 1
	assert_contains "$T/err" "connect $d/agent.sock"
	sleep 0.2
	[ -s "$T/got" ] && fail "the host listener got a connection from the sandbox"
	# a relative name is the same socket
	newlog rel
	run_probe_py connect-rel "$d/agent.sock"
	assert_contains "$T/out" "connect-rel: errno=13 (EACCES)"
	expect_event kind=path syscall=connect "path=$d/agent.sock" action=denied
	[ -s "$T/got" ] && fail "the host listener got a connection from the sandbox"
	# sanity: the listener works
	python3 -c "$_SOCK_CLIENT" connect "$d/agent.sock" | grep -q "connect: ok" ||
		fail "sanity: unconfined connect failed"
	return 0
}

# With a grant (the directory) the same connect reaches the listener, and
# nothing is logged.
test_layer_log_unix_connect_granted() {
	need_py3 || return
	local d
	d=$(_sock_dir)
	_sock_listen stream "$d/bus" "$T/got" || return 1
	newlog grant
	POLICY=$(mkpolicy g read "\"$d\"" unix_sockets "[\"$d\"]")
	run_probe_py connect "$d/bus"
	assert_rc 0 || return 1
	assert_contains "$T/out" "connect: ok"
	wait_file "$T/got" 20 || fail "the listener did not get the granted connection"
	if ev_find kind=path >/dev/null; then
		fail "a granted connect was logged"
		show "$BSBOX_LOG"
	fi
	# a socket whose absolute path is longer than sun_path, reached by a
	# relative name (without a mount namespace the supervisor connects it
	# itself, through a descriptor of the socket)
	local deep
	deep="$d/$(printf 'x%.0s' {1..60})/$(printf 'y%.0s' {1..60})"
	mkdir -p "$deep" && chmod -R a+rX "$d"
	_sock_listen stream "$deep/s" "$T/got-deep" || return 1
	run_probe_py connect-rel "$deep/s"
	assert_rc 0 || return 1
	assert_contains "$T/out" "connect-rel: ok"
	wait_file "$T/got-deep" 20 || fail "the listener at a long path did not get the connection"
	# the socket alone, its directory unreadable: the grant makes it appear
	# in full mode's tree, and grants nothing else
	rm -f "$T/got"
	newlog alone
	POLICY=$(mkpolicy a unix_sockets "[\"$d/bus\"]")
	run_probe_py connect "$d/bus"
	assert_rc 0 || return 1
	assert_contains "$T/out" "connect: ok"
	wait_file "$T/got" 20 || fail "the listener did not get the granted connection"
	echo secret >"$d/token" && chmod 644 "$d/token"
	newlog alone-read
	run_boxed -- /bin/cat "$d/token"
	assert_rc 124 || return 1
	assert_not_contains "$T/out" secret
	expect_event kind=path "path=$d/token" access=read action=denied
	return 0
}

# A grant names the socket, not what lies beside it: "unix_sockets" on one
# socket leaves its neighbour denied; and it grants no read of the directory.
test_layer_log_unix_grant_is_narrow() {
	need_py3 || return
	local d
	d=$(_sock_dir)
	_sock_listen stream "$d/ok.sock" "$T/got-ok" || return 1
	_sock_listen stream "$d/other.sock" "$T/got-other" || return 1
	newlog narrow
	POLICY=$(mkpolicy n read "\"$d\"" unix_sockets "[\"$d/ok.sock\"]")
	run_probe_py connect "$d/other.sock"
	assert_contains "$T/out" "connect: errno=13 (EACCES)"
	expect_event kind=path syscall=connect "path=$d/other.sock" action=denied
	run_probe_py connect "$d/ok.sock"
	assert_contains "$T/out" "connect: ok"
	[ -s "$T/got-other" ] && fail "the other socket got a connection"
	return 0
}

# Datagrams: sendto() and sendmsg() with a socket path are connects too.
test_layer_log_unix_sendto_denied() {
	need_py3 || return
	local d op
	d=$(_sock_dir)
	_sock_listen dgram "$d/log" "$T/got" || return 1
	POLICY=$(mkpolicy r read "\"$d\"")
	for op in sendto sendmsg; do
		newlog "$op"
		run_probe_py "$op" "$d/log"
		assert_rc 124 || return 1
		assert_contains "$T/out" "$op: errno=13 (EACCES)"
		expect_event kind=path "syscall=$op" "path=$d/log" access=connect action=denied
	done
	sleep 0.2
	[ -s "$T/got" ] && fail "the host listener got a datagram from the sandbox"
	POLICY=$(mkpolicy g read "\"$d\"" unix_sockets "[\"$d/log\"]")
	run_probe_py sendto "$d/log"
	assert_contains "$T/out" "sendto: ok"
	wait_file "$T/got" 20 || fail "the granted datagram did not arrive"
	return 0
}

# A socket outside every grant, even unreadable by the policy (the ssh
# agent's usual place): denied and logged, not a silent ENOENT (issue 12).
test_layer_log_unix_connect_outside_policy() {
	need_py3 || return
	local d="$T/home/.ssh"
	mkdir -p "$d" && chmod 755 "$T/home" "$d"
	_sock_listen stream "$d/agent.sock" "$T/got" || return 1
	newlog outside
	POLICY=$(mkpolicy base)
	run_probe_py connect "$d/agent.sock"
	assert_rc 124 || return 1
	assert_contains "$T/out" "connect: errno=13 (EACCES)"
	expect_event kind=path syscall=connect "path=$d/agent.sock" action=denied
	# a socket that exists nowhere: the kernel's ENOENT, nothing logged
	newlog missing
	run_probe_py connect "$d/nothing.sock"
	assert_rc 0 || return 1
	assert_contains "$T/out" "connect: errno=2 (ENOENT)"
	if ev_find kind=path >/dev/null; then
		fail "a connect to a socket that exists nowhere was logged"
		show "$BSBOX_LOG"
	fi
	[ -s "$T/got" ] && fail "the host listener got a connection from the sandbox"
	return 0
}

# A symlink the script plants in a granted (writable) place does not carry
# the grant to the socket it points at (the link is judged by its target,
# in every mode).
test_layer_log_unix_symlink_in_grant() {
	need_py3 || return
	local d w
	d=$(_sock_dir)
	w="$T/out-dir"
	mkdir -p "$w" && chmod 777 "$w"
	_sock_listen stream "$d/agent.sock" "$T/got" || return 1
	ln -s "$d/agent.sock" "$w/link.sock"
	newlog link
	POLICY=$(mkpolicy l read "\"$d\"" write "\"$w\"" unix_sockets "[\"$w\"]")
	run_probe_py connect "$w/link.sock"
	assert_contains "$T/out" "connect: errno=13 (EACCES)"
	expect_event kind=path syscall=connect "path=$d/agent.sock" action=denied
	[ -s "$T/got" ] && fail "the symlink carried the grant to $d/agent.sock"
	return 0
}

# Audit mode logs and lets it through.
test_layer_log_unix_connect_audit() {
	need_py3 || return
	local d
	d=$(_sock_dir)
	_sock_listen stream "$d/s" "$T/got" || return 1
	newlog audit
	POLICY=$(mkpolicy r read "\"$d\"")
	run_boxed --audit -- "$PY3" -c "$_SOCK_CLIENT" connect "$d/s"
	assert_rc 0 || return 1
	assert_contains "$T/out" "connect: ok"
	expect_event kind=path syscall=connect "path=$d/s" action=allowed-audit
	return 0
}

# The proc-macro server runs through the same sandbox: a proc macro (here
# the "server" itself) cannot reach a socket without a grant either.  Its
# events carry a crate name, so `bsbox policy explain` reads them.
test_unix_connect_proc_macro_srv() {
	need_py3 || return
	local d
	d=$(_sock_dir)
	_sock_listen stream "$d/docker.sock" "$T/got" || return 1
	newlog pm
	POLICY=$(mkpolicy pm read "\"$d\"")
	(cd "$T" && "$BSBOX" proc-macro-srv --policy "$POLICY" --log "$BSBOX_LOG" -- \
		"$PY3" -c "$_SOCK_CLIENT" connect "$d/docker.sock" </dev/null >"$T/out" 2>"$T/err")
	rc=$?
	assert_rc 124 || return 1
	assert_contains "$T/out" "connect: errno=13 (EACCES)"
	expect_event kind=path syscall=connect "path=$d/docker.sock" action=denied crate=proc-macro-srv
	sleep 0.2
	[ -s "$T/got" ] && fail "the listener got a connection from the proc-macro server"
	# `bsbox policy explain` turns the event into the "unix_sockets" entry
	"$BSBOX" policy explain "$BSBOX_LOG" >"$T/explain" 2>&1
	assert_contains "$T/explain" '"unix_sockets"'
	assert_contains "$T/explain" "\"path\":	\"$d/docker.sock\""
	return 0
}

# run_probe_py OP PATH: the socket client, confined with $POLICY
run_probe_py() {
	run_boxed -- "$PY3" -c "$_SOCK_CLIENT" "$@"
}
