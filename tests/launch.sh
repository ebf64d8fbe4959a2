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
