# shellcheck shell=bash disable=SC2016,SC2034
# IP sockets (issue 12): every connect, send, bind and listen the sandbox
# makes towards the network is denied with its address in the event, with a
# network namespace or without (test_layer_log_ip_*).
#
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
	local pid=$! i
	BG_PIDS+=("$pid")
	# up to 30 s while it lives: on a loaded machine python's start once
	# took longer than wait_file's 5 s, leaving nothing to tell why
	for ((i = 0; i < 300; i++)); do
		[ -s "$ready" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		fail "the $kind listener on $path did not start in 30 s"
	else
		wait "$pid"
		fail "the $kind listener on $path exited (status $?) before listening"
	fi
	return 1
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

# ---- IP sockets: every attempt logged with its address (issue 12) ----------

# the client: python3 -c "$_IP_CLIENT" OP,HOST,PORT...; prints "OP: ok" or
# "OP: errno=N (ENAME)" per call.  OPs: connect (TCP), fastopen (TCP
# sendto with MSG_FASTOPEN), bind (TCP), listen (an unbound TCP socket),
# sendto, sendmsg (UDP), connect-udp, bind-unspec (TCP, an AF_UNSPEC address:
# the kernel binds INADDR_ANY)
_IP_CLIENT='
import ctypes, errno, socket, struct, sys
def call(op, host, port):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    tcp = lambda: socket.socket(fam, socket.SOCK_STREAM)
    udp = lambda: socket.socket(fam, socket.SOCK_DGRAM)
    if op == "connect":
        tcp().connect((host, port))
    elif op == "fastopen":
        tcp().sendto(b"x", 0x20000000, (host, port))
    elif op == "bind":
        tcp().bind((host, port))
    elif op == "listen":
        tcp().listen(1)
    elif op == "sendto":
        udp().sendto(b"x", (host, port))
    elif op == "sendmsg":
        udp().sendmsg([b"x"], [], 0, (host, port))
    elif op == "connect-udp":
        udp().connect((host, port))
    elif op == "bind-unspec":
        s = tcp()
        sa = struct.pack("=HH4s8x", socket.AF_UNSPEC, socket.htons(port), bytes(4))
        if ctypes.CDLL(None, use_errno=True).bind(s.fileno(), sa, len(sa)) < 0:
            e = ctypes.get_errno()
            raise OSError(e, "bind")
for spec in sys.argv[1:]:
    op, host, port = spec.split(",")
    try:
        call(op, host, int(port))
        print(op + ": ok")
    except OSError as e:
        print("%s: errno=%d (%s)" % (op, e.errno, errno.errorcode.get(e.errno, "?")))
'

# _ip_expect OP PROTO SYSCALL ADDR [COND...]: OP's line in $T/out and its
# event.  Where ip_logged PROTO: EACCES and an event naming ADDR; else the
# socket() was refused (EAFNOSUPPORT) and the event names the family.
_ip_expect() {
	local op=$1 proto=$2 sc=$3 addr=$4 type=SOCK_STREAM
	shift 4
	[ "$proto" = udp ] && type=SOCK_DGRAM
	if ip_logged "$proto"; then
		assert_contains "$T/out" "$op: errno=13 (EACCES)" || return 1
		expect_event kind=network "syscall=$sc" "addr=$addr" action=denied \
			'suggest="network": true' "$@" || return 1
	else
		assert_contains "$T/out" "$op: errno=97 (EAFNOSUPPORT)" || return 1
		expect_event kind=network syscall=socket "detail~socket(AF_INET, $type" action=denied \
			addr! || return 1
	fi
}

# _ip_listeners: a TCP and a UDP listener on the host's loopback, noting
# what they hear in $T/got-tcp and $T/got-udp; sets the caller's tport and
# uport
_ip_listeners() {
	listener tcp - "$T/got-tcp" || return 1
	tport=$LISTEN_PORT
	listener udp - "$T/got-udp" || return 1
	uport=$LISTEN_PORT
}

# A TCP connect and a UDP send to listeners on the host's loopback, an IP
# bind, a listen() and a TCP Fast Open send: each denied with an event that
# names the address, in every mode where the socket can exist (without a
# network namespace that is where a kernel layer backs the supervisor up:
# ip_logged); elsewhere the socket() is refused and logged.  Neither
# listener hears from the sandbox.
test_layer_log_ip_addresses() {
	need_py3 || return
	local tport uport
	_ip_listeners || return 1
	newlog ip
	POLICY=$(mkpolicy ip)
	run_boxed -- "$PY3" -c "$_IP_CLIENT" "connect,127.0.0.1,$tport" "sendto,127.0.0.1,$uport" \
		"sendmsg,127.0.0.1,$((uport + 1))" "connect-udp,127.0.0.1,$((uport + 2))" \
		"bind,127.0.0.1,$tport" "fastopen,127.0.0.1,$tport" "listen,0.0.0.0,0" \
		"bind-unspec,0.0.0.0,$((tport + 3))"
	assert_rc 124 || { show "$T/out"; show "$T/err"; return 1; }
	_ip_expect connect tcp connect "127.0.0.1:$tport" 'detail=connect 127.0.0.1:'"$tport" || return 1
	_ip_expect sendto udp sendto "127.0.0.1:$uport" || return 1
	_ip_expect sendmsg udp sendmsg "127.0.0.1:$((uport + 1))" || return 1
	_ip_expect connect-udp udp connect "127.0.0.1:$((uport + 2))" || return 1
	_ip_expect bind tcp bind "127.0.0.1:$tport" || return 1
	_ip_expect fastopen tcp sendto "127.0.0.1:$tport" || return 1
	if ip_logged tcp; then
		assert_contains "$T/err" "connect 127.0.0.1:$tport" || return 1
	fi
	if ip_logged udp; then
		assert_contains "$T/err" "sendto 127.0.0.1:$uport" || return 1
	fi
	if ! degraded; then
		# the sandbox's own network namespace: listening there reaches nothing
		assert_contains "$T/out" "listen: ok"
	else
		_ip_expect listen tcp listen "0.0.0.0:0" "detail~ephemeral host port" || return 1
		_ip_expect bind-unspec tcp bind "0.0.0.0:$((tport + 3))" || return 1
		ip_logged tcp && { expect_event syscall=sendto detail~MSG_FASTOPEN || return 1; }
	fi
	sleep 0.5
	[ -s "$T/got-tcp" ] && fail "the host TCP listener on 127.0.0.1:$tport got a connection"
	[ -s "$T/got-udp" ] && fail "the host UDP listener on 127.0.0.1:$uport got a datagram"
	# sanity: the listeners hear an unconfined client
	python3 -c "$_IP_CLIENT" "connect,127.0.0.1,$tport" "sendto,127.0.0.1,$uport" >/dev/null
	wait_file "$T/got-tcp" 20 || fail "sanity: the TCP listener is not reachable"
	wait_file "$T/got-udp" 20 || fail "sanity: the UDP listener is not reachable"
	return 0
}

# IPv6: the same, to [::1]
test_layer_log_ip6_addresses() {
	need_py3 || return
	python3 -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null ||
		{ skip_ok "no IPv6 loopback on this host"; return; }
	listener tcp6 - "$T/got" || return 1
	local port=$LISTEN_PORT
	newlog ip6
	POLICY=$(mkpolicy ip6)
	run_boxed -- "$PY3" -c "$_IP_CLIENT" "connect,::1,$port" "sendto,::1,$port"
	assert_rc 124 || return 1
	if ip_logged tcp; then
		assert_contains "$T/out" "connect: errno=13 (EACCES)"
		expect_event kind=network syscall=connect "addr=[::1]:$port" action=denied || return 1
	else
		expect_event kind=network syscall=socket "detail~socket(AF_INET6, SOCK_STREAM" || return 1
	fi
	if ip_logged udp; then
		expect_event kind=network syscall=sendto "addr=[::1]:$port" action=denied || return 1
	fi
	sleep 0.5
	[ -s "$T/got" ] && fail "the host listener on [::1]:$port got a connection"
	return 0
}

# From a second thread (rustc loads proc macros on one): the connect is
# denied and logged the same, and a thread's sendmsg on a connected unix
# socketpair still works (the supervisor looks at the socket through the
# thread's id).
test_layer_log_ip_from_thread() {
	need_py3 || return
	listener tcp - "$T/got" || return 1
	local port=$LISTEN_PORT
	newlog thread
	POLICY=$(mkpolicy thread)
	run_boxed -- "$PY3" -c '
import socket, sys, threading
def work():
    a, b = socket.socketpair()
    a.sendmsg([b"hi"])
    print("socketpair sendmsg:", b.recv(2).decode())
    try:
        socket.socket().connect(("127.0.0.1", int(sys.argv[1])))
        print("connect: ok")
    except OSError as e:
        print("connect: errno=%d" % e.errno)
t = threading.Thread(target=work)
t.start()
t.join()
' "$port"
	assert_contains "$T/out" "socketpair sendmsg: hi" || { show "$T/err"; return 1; }
	if ip_logged tcp; then
		assert_contains "$T/out" "connect: errno=13" || return 1
		expect_event kind=network syscall=connect "addr=127.0.0.1:$port" action=denied || return 1
	else
		assert_contains "$T/out" "connect: errno=97" || return 1
	fi
	sleep 0.5
	[ -s "$T/got" ] && fail "the host listener got a connection from the thread"
	return 0
}

# Without a network namespace audit mode does not open the host's network:
# the connect is denied and logged as such, not "allowed-audit".
test_layer_log_ip_audit_degraded() {
	need_py3 || return
	degraded || { skip_ok "with a network namespace audit lets it through (tests/supervisor.sh)"; return; }
	ip_logged tcp || { skip_ok "Landlock ABI < 4: TCP sockets are refused at socket()"; return; }
	listener tcp - "$T/got" || return 1
	local port=$LISTEN_PORT
	newlog audit
	run_boxed --audit -- "$PY3" -c "$_IP_CLIENT" "connect,127.0.0.1,$port" "listen,0.0.0.0,0"
	assert_contains "$T/out" "connect: errno=13 (EACCES)" || return 1
	assert_contains "$T/out" "listen: errno=13 (EACCES)" || return 1
	expect_event kind=network syscall=connect "addr=127.0.0.1:$port" action=denied || return 1
	expect_event kind=network syscall=listen addr=0.0.0.0:0 action=denied || return 1
	sleep 0.5
	[ -s "$T/got" ] && fail "the host listener got a connection in audit mode"
	return 0
}

# "network": true: the same calls reach the host's listeners and nothing is
# logged, in every mode (unchanged by the above).
test_layer_log_ip_network_granted() {
	need_py3 || return
	local tport uport
	_ip_listeners || return 1
	newlog net
	POLICY=$(mkpolicy net network true)
	run_boxed -- "$PY3" -c "$_IP_CLIENT" "connect,127.0.0.1,$tport" "sendto,127.0.0.1,$uport" \
		"listen,0.0.0.0,0"
	assert_rc 0 || { show "$T/out"; show "$T/err"; return 1; }
	if degraded; then
		assert_contains "$T/out" "connect: ok"
		assert_contains "$T/out" "sendto: ok"
		assert_contains "$T/out" "listen: ok"
		wait_file "$T/got-tcp" 20 || fail "the granted connect did not reach the host listener"
		wait_file "$T/got-udp" 20 || fail "the granted datagram did not reach the host listener"
	fi
	if ev_find kind=network >/dev/null; then
		fail "a granted network call was logged"
		show "$BSBOX_LOG"
	fi
	return 0
}

# A unix socket server still works without a network namespace, where the
# supervisor makes its listen() (an IP socket swapped in under the same fd
# number must not get a CONTINUE): bind, listen, connect, accept, echo.
test_layer_log_unix_listen() {
	need_py3 || return
	local d
	d=$(_sock_dir)
	newlog ulisten
	POLICY=$(mkpolicy ul write "\"$d\"" unix_sockets "[\"$d\"]")
	run_boxed -- "$PY3" -c '
import os, socket, sys
p = sys.argv[1]
s = socket.socket(socket.AF_UNIX)
s.bind(p)
s.listen(4)
c = socket.socket(socket.AF_UNIX)
c.connect(p)
a, _ = s.accept()
c.sendall(b"ping")
print("server got", a.recv(4).decode())
' "$d/srv.sock"
	assert_rc 0 || { show "$T/out"; show "$T/err"; return 1; }
	assert_contains "$T/out" "server got ping"
	if ev_find kind=network >/dev/null; then
		fail "a unix listen was logged"
		show "$BSBOX_LOG"
	fi
	return 0
}

# run_probe_py OP PATH: the socket client, confined with $POLICY
run_probe_py() {
	run_boxed -- "$PY3" -c "$_SOCK_CLIENT" "$@"
}
