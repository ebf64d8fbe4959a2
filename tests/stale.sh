# A target dir built without bsbox, then built with it (src/stale.c), with
# Debian's cargo 1.65 (/usr/bin/cargo), which runs `rustc -vV` without the
# wrapper: its hashes do not change when bsbox is switched on, so an old
# build script would be reused.  Uses the helpers of tests/cargo.sh.

_stale_debian_cargo() {
	[ -x /usr/bin/cargo ] && return 0
	skip "no /usr/bin/cargo (apt-get install cargo)"
	return 77
}

# _stale_expect_confined_rerun DIR CARGO_CMD...: the bsbox build after a plain
# one reruns the build script as a shim, whose write to $HOME is denied
_stale_expect_confined_rerun() {
	local d=$1
	shift
	date +%s%N >"$d/trigger.txt"
	if _cargo "$d" -- "$@" build --offline -v; then
		_cargo_show
		fail "the build passed although its build script wrote into \$HOME"
	fi
	[ -f "$H/stale-was-here" ] && { _cargo_show; fail "the old, unshimmed build script ran"; return 1; }
	local ran
	ran=$(sed -n 's/.*Running `\([^` ]*build-script-build\)`.*/\1/p' "$T/out.txt" | tail -n 1)
	[ -n "$ran" ] || { _cargo_show; fail "cargo did not rerun the build script"; return 1; }
	_cargo_is_shim "$ran" || { _cargo_show; fail "cargo ran $ran, which is not a shim"; return 1; }
	_cargo_denied kind=path access=write "path=$H/stale-was-here" crate=bsbox-test-stale
}

# Debian's cargo, whoever runs it (as root in the root modes; [user] is the
# unprivileged user, as in cargo_stale_target)
_stale_t_debian() {
	_cargo_have && _stale_debian_cargo || return
	local d
	d=$(_cargo_copy stale)
	_cargo "$d" RUSTC_WRAPPER= -- /usr/bin/cargo build --offline || { _cargo_show; fail "plain build failed"; return 1; }
	[ -f "$H/stale-was-here" ] || { _cargo_show; fail "unconfined script did not run (test is broken)"; return 1; }
	rm -f "$H/stale-was-here"
	_stale_expect_confined_rerun "$d" /usr/bin/cargo
}

# the target dir comes from build.target-dir in the project's
# .cargo/config.toml (relative to the project), not CARGO_TARGET_DIR
_stale_t_config_target_dir() {
	_cargo_have && _stale_debian_cargo || return
	local d
	d=$(_cargo_copy stale)
	mkdir -p "$d/.cargo"
	printf '[build]\ntarget-dir = "tgt"\n' >"$d/.cargo/config.toml"
	_cargo "$d" RUSTC_WRAPPER= -- env -u CARGO_TARGET_DIR /usr/bin/cargo build --offline ||
		{ _cargo_show; fail "plain build failed"; return 1; }
	[ -f "$H/stale-was-here" ] && [ -f "$d/tgt/CACHEDIR.TAG" ] ||
		{ _cargo_show; fail "the plain build did not use tgt/ or its script did not run (test is broken)"; return 1; }
	rm -f "$H/stale-was-here"
	_stale_expect_confined_rerun "$d" env -u CARGO_TARGET_DIR /usr/bin/cargo
}

# a target dir bsbox cannot know at cargo's start (named in a config file
# given as `--config FILE`): the old script may run, but the build fails
# saying so, and the next build is confined
_stale_t_unknown_target_dir() {
	_cargo_have && _stale_debian_cargo || return
	local d
	d=$(_cargo_copy stale)
	printf '[build]\ntarget-dir = "%s"\n' "$T/hidden" >"$T/cfg.toml"
	local cargo=(env -u CARGO_TARGET_DIR /usr/bin/cargo --config "$T/cfg.toml")
	_cargo "$d" RUSTC_WRAPPER= -- "${cargo[@]}" build --offline || { _cargo_show; fail "plain build failed"; return 1; }
	[ -f "$T/hidden/CACHEDIR.TAG" ] || { _cargo_show; fail "--config FILE was not used (test is broken)"; return 1; }
	rm -f "$H/stale-was-here"
	echo 2 >"$d/trigger.txt"
	: >"$T/out.txt"
	if _cargo "$d" -- "${cargo[@]}" build --offline; then
		_cargo_show
		fail "the build passed although an unshimmed build script was in its target dir"
		return 1
	fi
	grep -q "bsbox: error: $T/hidden held 2 build-script binaries built without bsbox" "$T/out.txt" ||
		{ _cargo_show; fail "no explanation of the stale build script"; return 1; }
	grep -q "cargo may already have run them, unconfined" "$T/out.txt" ||
		{ _cargo_show; fail "the message does not say the script may have run"; return 1; }
	rm -f "$H/stale-was-here"
	_stale_expect_confined_rerun "$d" "${cargo[@]}"
}

# no false alarm: plain build, bsbox build, then bsbox builds again (cargo
# answers its probe from .rustc_info.json; the first compile checks the
# target dir and finds only shims), with Debian's cargo and the default one
_stale_t_no_false_alarm() {
	_cargo_have || return
	local d cargo
	for cargo in /usr/bin/cargo cargo; do
		[ -x /usr/bin/cargo ] || [ "$cargo" = cargo ] || continue
		rm -rf "$T/target" "$T/ws"
		d=$(_cargo_copy benign)
		_cargo "$d" RUSTC_WRAPPER= -- "$cargo" build --offline || { _cargo_show; fail "$cargo: plain build failed"; return 1; }
		_cargo "$d" -- "$cargo" build --offline || { _cargo_show; fail "$cargo: first bsbox build failed"; return 1; }
		_cargo_all_shims || { fail "$cargo: a build script is not shimmed"; return 1; }
		touch "$d/build.rs" "$d/src/main.rs"
		: >"$T/out.txt"
		_cargo "$d" -- "$cargo" build --offline || { _cargo_show; fail "$cargo: second bsbox build failed"; return 1; }
		grep -q 'built without bsbox' "$T/out.txt" && { _cargo_show; fail "$cargo: a false alarm"; return 1; }
		[ "$("$T/target/debug/bsbox-test-benign")" = "hello from OUT_DIR set-by-build-rs" ] ||
			{ fail "$cargo: binary output"; return 1; }
	done
	return 0
}

test_stale_debian_cargo() { _cargo_wrap _stale_t_debian; }
test_stale_config_target_dir() { _cargo_wrap _stale_t_config_target_dir; }
test_stale_unknown_target_dir() { _cargo_wrap _stale_t_unknown_target_dir; }
test_stale_no_false_alarm() { _cargo_wrap _stale_t_no_false_alarm; }

tag_modes all test_stale_debian_cargo
tag_modes "full user" test_stale_config_target_dir test_stale_unknown_target_dir test_stale_no_false_alarm
