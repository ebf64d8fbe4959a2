# The access trace: `bsbox run --trace FILE`, BSBOX_TRACE (trace.h).
# As root the BPF backend (src/bpf/trace.bpf.c) writes it, as the
# unprivileged user the supervisor does; test_layer_trace_* run in every
# mode, so both backends and full/degraded sandboxes are covered.

# The backend this user gets here: bpf or seccomp (from `bsbox doctor`).
trace_backend() {
	if "$BSBOX" doctor 2>/dev/null | grep -q '^  trace backend (--trace) *BPF'; then
		echo bpf
	else
		echo seccomp
	fi
}

# need_bpf_trace: root, and the BPF backend loads here
need_bpf_trace() {
	if ! is_root; then
		skip_ok "the BPF backend needs root (CAP_BPF + CAP_PERFMON)"
		return 77
	fi
	if [ "$(trace_backend)" != bpf ]; then
		skip "the BPF trace backend does not load here: $("$BSBOX" doctor | grep -A1 'trace backend' | tail -1)"
		return 77
	fi
}

# The acceptance test of the issue: the open of /etc/hostname, with the path
# the kernel resolved, from the BPF backend; exec with its argv.
test_trace_bpf_cat_hostname() {
	need_bpf_trace || return
	run_bsbox run --trace "$T/t.jsonl" -- cat /etc/hostname
	assert_rc 0 || return 1
	assert_contains "$T/t.jsonl" '"backend":"bpf","op":"open","path":"/etc/hostname","access":"read","result":"allowed"' || return 1
	assert_contains "$T/t.jsonl" '"op":"exec","path":"/usr/bin/cat","argv":["cat","/etc/hostname"],"result":"allowed"' || return 1
	# every line is one JSON object with the pid
	python3 - "$T/t.jsonl" <<'EOF' || fail "a trace line is not a JSON object with a pid"
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["op"] == "start":  # the run's own line: cargo's dirs, no process
        continue
    assert o["pid"] > 0 and o["backend"] == "bpf", line
EOF
}

# Resolution by the kernel: a relative name through a symlinked directory is
# traced as the file it reached.
test_trace_bpf_resolved_path() {
	need_bpf_trace || return
	mkdir -p "$T/real" && echo data >"$T/real/f" && ln -s real "$T/link"
	local P
	P=$(mkpolicy resolved read "\"$T\"")
	cd "$T" || return 1
	POLICY=$P run_boxed --trace "$T/t.jsonl" -- cat link/f
	assert_rc 0 || return 1
	assert_contains "$T/t.jsonl" "\"op\":\"open\",\"path\":\"$T/real/f\",\"access\":\"read\",\"result\":\"allowed\""
}

# A symlink escape: the script plants a link in its writable directory to a
# file outside the policy and opens it.  The trace names the link and where it
# points (BPF: the kernel refused or did not find it; supervisor: it let the
# name through, the kernel layers refuse the target).
test_layer_trace_symlink_escape() {
	mkdir -p "$T/w" && echo "SECRET-$$" >"$T/secret"
	ln -s "$T/secret" "$T/w/esc"
	local P backend
	P=$(mkpolicy escape write "\"$T/w\"")
	backend=$(trace_backend)
	POLICY=$P run_boxed --trace "$T/t.jsonl" -- "$PROBE" read "$T/w/esc"
	assert_not_contains "$T/out" "SECRET-$$" || return 1
	# the supervisor judges where the link leads (issue 12): refused and
	# logged as the target, in every mode
	assert_contains "$T/t.jsonl" "\"backend\":\"$backend\",\"op\":\"open\",\"path\":\"$T/secret\",\"access\":\"read\",\"result\":\"denied\",\"errno\":13,\"by\":\"supervisor\"" || return 1
}

# unix_listener PATH: a unix stream socket listening at PATH (background)
unix_listener() {
	python3 - "$1" "$1.ready" <<'EOF' &
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
s.listen(4)
open(sys.argv[2], "w").write("1")
time.sleep(30)
EOF
	BG_PIDS+=($!)
	wait_file "$1.ready" || { fail "the unix listener at $1 did not start"; return 1; }
}

# A pathname unix socket on the host: the connect and its address.
test_layer_trace_unix_connect() {
	mkdir -p "$T/s" && chmod 755 "$T/s"
	unix_listener "$T/s/sock" || return 1
	local P
	# connecting needs its own grant (tests/sockets.sh); without it the
	# denial is in the trace too
	P=$(mkpolicy unix read "\"$T/s\"" unix_sockets "[\"$T/s\"]")
	POLICY=$P run_boxed --trace "$T/t.jsonl" -- python3 -c \
		"import socket; s = socket.socket(socket.AF_UNIX); s.connect('$T/s/sock'); print('connected')"
	assert_contains "$T/t.jsonl" "\"op\":\"connect\",\"addr\":\"unix:$T/s/sock\""
	P=$(mkpolicy unix-denied read "\"$T/s\"")
	POLICY=$P run_boxed --trace "$T/t2.jsonl" -- python3 -c \
		"import socket; s = socket.socket(socket.AF_UNIX); s.connect('$T/s/sock'); print('connected')"
	assert_rc 124 || return 1
	assert_contains "$T/t2.jsonl" "\"op\":\"connect\",\"addr\":\"unix:$T/s/sock\",\"result\":\"denied\",\"errno\":13"
}

# A UDP datagram to the host's loopback.  Full mode: the supervisor refuses
# the sendto (the network namespace has no route out anyway); degraded mode:
# the same where UDP sockets may exist (ip_logged), else the socket itself is
# refused.
test_layer_trace_udp() {
	if ! ip_logged udp; then
		run_boxed --trace "$T/t.jsonl" -- "$PROBE" udp 127.0.0.1 9
		assert_contains "$T/t.jsonl" '"op":"socket","detail":"socket(AF_INET, SOCK_DGRAM)","result":"denied","errno":97,"by":"supervisor"'
	else
		run_boxed --trace "$T/t.jsonl" -- "$PROBE" udp 127.0.0.1 9
		assert_contains "$T/t.jsonl" '"op":"send","addr":"127.0.0.1:9","result":"denied","errno":13,"by":"supervisor"'
	fi
}

# Unprivileged, the trace still comes, from the supervisor, and doctor says why.
test_trace_unpriv_fallback() {
	if ! is_root; then
		skip_ok "run as root: it switches to the unprivileged user itself"
		return
	fi
	chmod 777 "$T"
	as_user "$BSBOX" doctor >"$T/doctor" 2>&1
	assert_contains "$T/doctor" "seccomp supervisor" || return 1
	assert_contains "$T/doctor" "not BPF: this user lacks CAP_BPF + CAP_PERFMON" || return 1
	(cd "$T" && as_user "$BSBOX" run --trace "$T/u.jsonl" -- cat /etc/hostname) </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	assert_rc 0 || return 1
	assert_contains "$T/err" "--trace: not BPF" || return 1
	assert_contains "$T/u.jsonl" '"backend":"seccomp","op":"open","path":"/etc/hostname","access":"read","result":"allowed"' || return 1
	assert_contains "$T/u.jsonl" '"op":"exec","path":"/usr/bin/cat","argv":["cat","/etc/hostname"],"result":"allowed"'
}

# doctor: the BPF LSM line reads the kernel's LSM list (it said "not detected"
# on a kernel whose list ends in bpf).
test_trace_doctor_bpf_lsm() {
	local list
	list=$(unshare -m sh -c 'mount -t securityfs none /sys/kernel/security 2>/dev/null; cat /sys/kernel/security/lsm' 2>/dev/null)
	[ -n "$list" ] || list=$(cat /sys/kernel/security/lsm 2>/dev/null)
	if [ -z "$list" ]; then
		skip "cannot read the LSM list here (securityfs)"
		return
	fi
	run_bsbox doctor
	case ",$list," in
	*,bpf,*) assert_contains "$T/out" "BPF LSM                      active" ;;
	*) assert_contains "$T/out" "BPF LSM                      not active" ;;
	esac
}

# The build inputs report over a real build: the corpus's openssl-sys project
# (pkg-config + the C preprocessor on OpenSSL's headers), traced twice.
_trace_t_inputs() {
	_cargo_have || { skip "cargo not installed"; return; }
	local p=${CORPUS:-/tmp/bsbox-corpus}/projects/openssl-sys i
	[ -d "$p" ] || { skip "no corpus at $p (make test-deps)"; return; }
	# a copy: cargo writes Cargo.lock into the project, and a lock file of
	# rustup's cargo is one Debian's older cargo cannot read
	# (the corpus's .cargo/config.toml points crates.io at Debian's sources)
	mkdir -p "$T/ws" && cp -r "$p" "$T/ws/" && rm -f "$T/ws/openssl-sys/Cargo.lock"
	cp -r "${p%/projects/*}/.cargo" "$T/ws/" || { fail "no .cargo in the corpus"; return 1; }
	p=$T/ws/openssl-sys
	for i in 1 2; do
		rm -rf "$T/target"
		_cargo "$p" BSBOX_TRACE="$T/trace$i.jsonl" -- cargo build --offline ||
			{ _cargo_show; fail "build $i failed"; return 1; }
		"$BSBOX" report --inputs "$T/trace$i.jsonl" >"$T/inputs$i.txt" 2>"$T/err" ||
			{ show "$T/err"; fail "report --inputs failed"; return 1; }
		"$BSBOX" report --inputs --json "$T/trace$i.jsonl" >"$T/inputs$i.json" 2>"$T/err" ||
			{ show "$T/err"; fail "report --inputs --json failed"; return 1; }
	done
	cmp -s "$T/inputs1.txt" "$T/inputs2.txt" ||
		{ diff "$T/inputs1.txt" "$T/inputs2.txt" | head -20; fail "the inputs differ between two identical builds"; return 1; }
	cmp -s "$T/inputs1.json" "$T/inputs2.json" || { fail "the JSON inputs differ between two identical builds"; return 1; }
	local f="$T/inputs1.txt" ml
	ml=$(dpkg -S /usr/lib/x86_64-linux-gnu/pkgconfig/openssl.pc 2>/dev/null | cut -d: -f1-2)
	assert_contains "$f" "openssl-sys " || return 1
	assert_contains "$f" "  ${ml:-libssl-dev}  /usr/lib/x86_64-linux-gnu/pkgconfig/openssl.pc" || return 1
	assert_contains "$f" "/usr/include/openssl/opensslv.h" || return 1
	assert_contains "$f" "/usr/lib/x86_64-linux-gnu/pkgconfig/libssl.pc" || return 1
	grep -q '^  exec .*pkgconf-bin  /usr/bin/pkgconf$' "$f" || { show "$f"; fail "pkg-config (the tool) is not an exec input"; return 1; }
	grep -q '^  exec .*/usr/lib/gcc/x86_64-linux-gnu/[0-9]*/cc1$' "$f" || { show "$f"; fail "cc1 is not an exec input"; return 1; }
	# not inputs: the crate's own sources, OUT_DIR and the build dir, /proc
	assert_not_contains "$f" "expando.c" || return 1
	assert_not_contains "$f" "$T/target" || return 1
	assert_not_contains "$f" " /proc/" || return 1
	python3 - "$T/inputs1.json" <<'PY' || fail "JSON: a sha256 does not match the file"
import hashlib, json, sys
doc = json.load(open(sys.argv[1]))
n = 0
for c in doc["crates"]:
    for i in c["inputs"]:
        assert hashlib.sha256(open(i["path"], "rb").read()).hexdigest() == i["sha256"], i
        n += 1
assert n > 10
PY
}
test_trace_inputs_corpus() { _cargo_wrap _trace_t_inputs; }

# The same report unprivileged (the supervisor's trace), with Debian's cargo
# as the test user has no rustup toolchain.
test_trace_inputs_corpus_unpriv() {
	if ! is_root; then
		skip_ok "run as root: it switches to the unprivileged user itself"
		return
	fi
	local p=${CORPUS:-/tmp/bsbox-corpus}/projects/openssl-sys
	[ -d "$p" ] || { skip "no corpus at $p (make test-deps)"; return; }
	[ -x /usr/bin/cargo ] || { skip "Debian's cargo is not installed (make test-deps)"; return; }
	mkdir -p "$T/ws" && cp -r "$p" "$T/ws/" && rm -f "$T/ws/openssl-sys/Cargo.lock"
	cp -r "${p%/projects/*}/.cargo" "$T/ws/" || { fail "no .cargo in the corpus"; return 1; }
	chmod -R a+rwX "$T"
	as_user env -i PATH=/usr/bin:/bin HOME="$T" CARGO_HOME="$T/cargo-home" \
		CARGO_TARGET_DIR="$T/target" BSBOX_LOG="$T/log.jsonl" BSBOX_TRACE="$T/trace.jsonl" \
		RUSTC_WRAPPER="$BSBOX" BSBOX_QUIET=1 \
		sh -c "cd '$T/ws/openssl-sys' && cargo build --offline" >"$T/out" 2>&1 ||
		{ show "$T/out"; fail "the unprivileged build failed"; return 1; }
	assert_contains "$T/trace.jsonl" '"backend":"seccomp"' || return 1
	"$BSBOX" report --inputs "$T/trace.jsonl" >"$T/inputs.txt" 2>"$T/err" ||
		{ show "$T/err"; fail "report --inputs failed"; return 1; }
	assert_contains "$T/inputs.txt" "/usr/lib/x86_64-linux-gnu/pkgconfig/openssl.pc" || return 1
	assert_contains "$T/inputs.txt" "/usr/include/openssl/opensslv.h" || return 1
	grep -q '^  exec .*/usr/bin/pkgconf$' "$T/inputs.txt" || { show "$T/inputs.txt"; fail "pkg-config is not an exec input"; return 1; }
	assert_not_contains "$T/inputs.txt" "$T/target"
}

# The supervisor's backend in degraded mode (root forces it): opens, execs
# and a symlink escape, as the unprivileged fallback would see them there.
test_trace_seccomp_backend_degraded() {
	mkdir -p "$T/w" && echo "SECRET-$$" >"$T/secret" && ln -s "$T/secret" "$T/w/esc"
	local P
	P=$(mkpolicy escape write "\"$T/w\"")
	BSBOX_FORCE_NO_USERNS=1 BSBOX_TRACE_BACKEND=seccomp POLICY=$P \
		run_boxed --trace "$T/t.jsonl" -- "$PROBE" read "$T/w/esc"
	assert_not_contains "$T/out" "SECRET-$$" || return 1
	assert_contains "$T/t.jsonl" "\"backend\":\"seccomp\",\"op\":\"exec\",\"path\":\"$PROBE\",\"argv\":[\"$PROBE\",\"read\",\"$T/w/esc\"]" || return 1
	assert_contains "$T/t.jsonl" "\"backend\":\"seccomp\",\"op\":\"open\",\"path\":\"$T/secret\",\"access\":\"read\",\"result\":\"denied\",\"errno\":13,\"by\":\"supervisor\"" || return 1
	# no network namespace: the supervisor decides unix-socket connects
	# (tests/sockets.sh) and traces the granted ones
	mkdir -p "$T/s" && unix_listener "$T/s/sock" || return 1
	P=$(mkpolicy unix read "\"$T/s\"" unix_sockets "[\"$T/s\"]")
	BSBOX_FORCE_NO_USERNS=1 BSBOX_TRACE_BACKEND=seccomp POLICY=$P run_boxed --trace "$T/u.jsonl" -- \
		python3 -c "import socket; s = socket.socket(socket.AF_UNIX); s.connect('$T/s/sock'); print('connected')"
	assert_contains "$T/out" connected || return 1
	assert_contains "$T/u.jsonl" "\"backend\":\"seccomp\",\"op\":\"connect\",\"addr\":\"unix:$T/s/sock\",\"result\":\"allowed\""
}

# bsbox learn reads the trace: a file reached through a symlink in an allowed
# directory is what the kernel opened, and enforce mode would refuse it
# (Landlock follows the link); audit mode's supervisor only saw the link's
# name, inside the policy.  The learned policy must grant the target.
test_layer_trace_learn_symlink_target() {
	if [ "$(trace_backend)" != bpf ]; then
		skip_ok "only the BPF backend sees the kernel's resolution (backend here: $(trace_backend))"
		return
	fi
	mkdir -p "$T/w" "$T/outside" && echo "data-$$" >"$T/outside/data" && ln -s "$T/outside/data" "$T/w/link"
	local P
	P=$(mkpolicy learn write "\"$T/w\"")
	(cd / && "$BSBOX" learn --dir "$T/pol" -- "$BSBOX" run --crate demo --policy "$P" -- cat "$T/w/link") \
		</dev/null >"$T/out" 2>"$T/err"
	rc=$?
	assert_rc 0 || return 1
	assert_contains "$T/out" "data-$$" || return 1
	assert_contains "$T/pol/demo.json" "\"path\":	\"$T/outside/data\"" || { show "$T/out"; return 1; }
	# and the learned entry is what enforce mode needed
	(cd / && "$BSBOX" run --crate demo --policy "$P" -- cat "$T/w/link") </dev/null >"$T/out2" 2>&1
	assert_not_contains "$T/out2" "data-$$" || return 1
}
