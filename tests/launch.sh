# The launch sequence in every setup: degraded mode's reaper, root's
# unprivileged sandbox user, pid 1's hardening.  Sourced by tests/run.sh.

LAUNCH_CRATES="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/crates"

# _launch_cargo CRATE: build tests/crates/CRATE (copied to $T/ws) with
# RUSTC_WRAPPER=$BSBOX, target dir $T/target, log $T/log.jsonl, a fresh HOME
# and the caller's toolchain.  Output in $T/out; sets $rc.
_launch_cargo() {
	mkdir -p "$T/ws" "$T/home"
	cp -r "$LAUNCH_CRATES/$1" "$T/ws/$1" && rm -rf "$T/ws/$1/target" "$T/ws/$1/Cargo.lock"
	# keep the toolchain where it is when HOME moves
	[ -n "${RUSTUP_HOME:-}" ] || [ ! -d "$HOME/.rustup" ] || export RUSTUP_HOME=$HOME/.rustup
	[ -n "${CARGO_HOME:-}" ] || [ ! -d "$HOME/.cargo" ] || export CARGO_HOME=$HOME/.cargo
	(cd "$T/ws/$1" && HOME=$T/home CARGO_TARGET_DIR=$T/target BSBOX_LOG=$T/log.jsonl \
		RUSTC_WRAPPER=$BSBOX CARGO_TERM_COLOR=never cargo build --offline) >"$T/out" 2>&1
	rc=$?
}

_launch_have_cargo() {
	[ -z "${CARGO_HOME:-}" ] || PATH=$CARGO_HOME/bin:$PATH
	[ ! -d "$HOME/.cargo/bin" ] || PATH=$HOME/.cargo/bin:$PATH
	export PATH
	command -v cargo >/dev/null 2>&1 || { skip "no cargo on PATH for mode $MODE"; return 77; }
}

# Issue 10 (1): a crate with a build script builds in every mode.  In the
# degraded modes the supervisor used to be the subreaper and killed the shim's
# directive filter ("the cargo directive filter failed").
test_layer_launch_cargo_benign() {
	_launch_have_cargo || return
	_launch_cargo benign
	assert_rc 0 || { tail -n 30 "$T/out"; return 1; }
	assert_not_contains "$T/out" 'directive filter failed' || return 1
	local f n=0
	for f in "$T"/target/debug/build/bsbox-test-benign-*/build-script-build; do
		[ -f "$f" ] || continue
		grep -q '^# bsbox-shim 1$' "$f" || { fail "$f is not a bsbox shim"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || { fail "no build-script-build under $T/target"; return 1; }
	# the directives reached cargo (rustc-env) and OUT_DIR was written
	assert_eq "$("$T/target/debug/bsbox-test-benign")" "hello from OUT_DIR set-by-build-rs" \
		"the benign binary's output"
}

# The host uid the sandbox of this mode should run as: root's runs as the
# unprivileged BSBOX_SANDBOX_ID (sandbox.h), anyone else as themselves.
_launch_want_uid() {
	if is_root; then
		echo "${BSBOX_SANDBOX_ID:-1999999999}"
	else
		id -u
	fi
}

# Issue 10 (2): as root, a build script never acts as the host's root, and
# what it writes in OUT_DIR is still root's.  As the unprivileged user
# nothing changes: the script runs as the user, its files are the user's.
test_layer_launch_outdir_owner() {
	_launch_have_cargo || return
	_launch_cargo whoami
	assert_rc 0 || { tail -n 30 "$T/out"; return 1; }
	local ids out
	ids=$(ls "$T"/target/debug/build/bsbox-test-whoami-*/out/ids.txt 2>/dev/null | head -n 1)
	[ -f "$ids" ] || { fail "the build script wrote no ids.txt in OUT_DIR"; return 1; }
	out=${ids%/ids.txt}
	# host uid = the map's host start + (effective uid inside - its start)
	local host
	host=$(awk 'NR == 1 { eu = $3 } NR > 1 && eu >= $1 && eu < $1 + $3 { print $2 + eu - $1; exit }' "$ids")
	assert_eq "$host" "$(_launch_want_uid)" "the build script's host uid ($(tr '\n' ' ' <"$ids"))" || return 1
	local bad
	bad=$(find "$out" \( ! -uid "$(id -u)" -o ! -gid "$(id -g)" \) -printf '%u:%g %p\n')
	[ -z "$bad" ] || { fail "OUT_DIR has files the invoking user does not own: $bad"; return 1; }
	[ -f "$out/sub/file" ] || { fail "the build script's file is missing"; return 1; }
	# nothing anywhere is left to the sandbox's id (degraded mode hands it back)
	bad=$(find "$T/target" -uid "${BSBOX_SANDBOX_ID:-1999999999}" -print -quit)
	[ -z "$bad" ] || fail "left owned by the sandbox's uid: $bad"
}

# Issue 10 (2): as root, root-only files under granted paths are unreadable
# and each attempt is a logged denial (the default policy grants /etc).
test_layer_log_launch_root_only() {
	is_root || { skip_ok "about bsbox started by root; mode $MODE"; return; }
	local key
	run_bsbox run -- cat /etc/shadow
	assert_rc 124 || return 1
	grep -q '^root:' "$T/out" && { fail "/etc/shadow was printed"; return 1; }
	assert_contains "$T/err" 'read /etc/shadow (root-only' || return 1
	grep '"path":"/etc/shadow"' "$BSBOX_LOG" | grep -q '"action":"denied"' ||
		{ fail "no denial event for /etc/shadow"; show "$BSBOX_LOG"; return 1; }
	# a root-only file under /root (a path a policy grants)
	key=$T/root-only/id_key
	mkdir -p "${key%/*}" && echo "PRIVATE KEY" >"$key" && chmod 600 "$key"
	run_bsbox run --policy "$(mkpolicy rootonly read "\"${key%/*}\"")" -- cat "$key"
	assert_rc 124 || return 1
	assert_not_contains "$T/out" 'PRIVATE KEY' || return 1
	grep "\"path\":\"$key\"" "$BSBOX_LOG" | grep -q 'root-only' ||
		{ fail "no root-only denial event for $key"; show "$BSBOX_LOG"; return 1; }
}

# Issue 11 (hardening): once the root is built, pid 1 only waits and reports:
# no capability, no_new_privs, its own seccomp filter (as bubblewrap's init).
test_layer_launch_pid1_hardened() {
	full_only "pid 1 is the host's init without a pid namespace" || return
	run_bsbox run -- /bin/sh -c 'grep -E "^(CapEff|CapPrm|NoNewPrivs|Seccomp):" /proc/1/status'
	assert_rc 0 || return 1
	assert_contains "$T/out" "$(printf 'CapEff:\t0000000000000000')" || return 1
	assert_contains "$T/out" "$(printf 'CapPrm:\t0000000000000000')" || return 1
	assert_contains "$T/out" "$(printf 'NoNewPrivs:\t1')" || return 1
	assert_contains "$T/out" "$(printf 'Seccomp:\t2')" || return 1
	# and it still reports CMD's status
	run_bsbox run -- /bin/sh -c 'exit 7'
	assert_rc 7
}

# Issue 11: a policy rule the mount tree cannot apply (here: its source
# cannot be opened) is a warning and a setup event naming the path, not a
# silent hole in the tree.
test_layer_launch_rule_skipped() {
	full_only "the mount tree is built only with namespaces" || return
	local p
	if is_root; then
		# pid 1 acts as the host's root only as the owner of root's files
		mkdir -p "$T/private/sub" && chown 4242 "$T/private" && chmod 700 "$T/private"
		p=$T/private/sub
	else
		[ -d /root ] && ! [ -x /root ] || { skip_ok "/root is searchable by $(id -un)"; return; }
		p=/root/.bsbox-launch-unreachable
	fi
	run_bsbox run --policy "$(mkpolicy skipped read "\"$p\"")" -- true
	assert_rc 0 || return 1
	assert_contains "$T/err" "policy rule $p not applied: cannot open the source" || return 1
	grep '"kind":"setup"' "$BSBOX_LOG" | grep -qF "\"path\":\"$p\"" ||
		{ fail "no setup event for $p"; show "$BSBOX_LOG"; return 1; }
}

# The same for a rule whose mount point cannot be named in the staged root
# (its path leaves no room for the prefix): the mount plan's skip op.
test_layer_launch_rule_too_long() {
	full_only "the mount tree is built only with namespaces" || return
	local p=$T/l comp
	comp=$(printf 'd%.0s' $(seq 200))
	while [ $((${#p} + 201)) -lt 4093 ]; do p=$p/$comp; done
	p=$p/$(printf 'e%.0s' $(seq $((4093 - ${#p} - 1))))
	mkdir -p "$p" || { fail "mkdir -p of a ${#p}-byte path"; return 1; }
	run_bsbox run --policy "$(mkpolicy toolong read "\"$p\"")" -- true
	assert_rc 0 || return 1
	assert_contains "$T/err" "not applied: the mount point's path is too long" || return 1
	# (the message from pid 1 is bounded: the event names the path's start)
	grep '"kind":"setup"' "$BSBOX_LOG" | grep -qF "\"path\":\"${p:0:512}" ||
		{ fail "no setup event for the ${#p}-byte path"; return 1; }
}
