# Paths named in the build script's environment (issue 12, "silently
# different builds"; include/envpaths.h). Sourced by tests/run.sh; uses the
# cargo helpers of tests/cargo.sh (_cargo_wrap, _cargo, _cargo_copy...).
#
# The case as a new user meets it: PKG_CONFIG_PATH names a directory whose
# zlib.pc shadows the system's and adds -I/usr/include/marker. Unconfined the
# build script tells cargo that include directory; under bsbox it must too
# (before envpaths, pkg-config silently fell back to the system's zlib.pc,
# the build passed and the marker was gone), and cargo's output must say
# that bsbox granted the directory.

_envpaths_t_pkg_config() {
	_cargo_have || return
	local pc d
	# outside /tmp: the sandbox's /tmp is private
	pc=$(mktemp -d "${BSBOX_TEST_HOME_BASE:-/var/tmp}/bsbox-envpaths.XXXXXX") || return 1
	defer rm -rf "$pc"
	chmod 755 "$pc"
	mkdir -p "$pc/pc"
	cat >"$pc/pc/zlib.pc" <<-PC
		Name: zlib
		Description: shadowing zlib for the envpaths test
		Version: 9.9.9
		Cflags: -I/usr/include/marker
		Libs: -lz
	PC
	d=$(_cargo_copy pkg-config-env)
	_cargo "$d" PKG_CONFIG_PATH="$pc/pc" RUSTC_WRAPPER= CARGO_TARGET_DIR="$T/plain" -- cargo build --offline ||
		{ _cargo_show; fail "the unconfined build failed (the test is broken)"; return 1; }
	grep -q '^cargo:include=/usr/include/marker$' "$T"/plain/debug/build/*/output ||
		{ _cargo_show; fail "unconfined, the script did not see the shadowing zlib.pc (the test is broken)"; return 1; }
	_cargo "$d" PKG_CONFIG_PATH="$pc/pc" -- cargo build --offline ||
		{ _cargo_show; fail "the build failed under bsbox in mode $MODE"; return 1; }
	_cargo_all_shims || { fail "build script not shimmed"; return 1; }
	grep -q '^cargo:include=/usr/include/marker$' "$T"/target/debug/build/*/output ||
		{ cat "$T"/target/debug/build/*/output; _cargo_show
		  fail "under bsbox the script did not see \$PKG_CONFIG_PATH's zlib.pc: a silently different build"; return 1; }
	grep -q "^warning:.*bsbox: granting read of \\\$PKG_CONFIG_PATH entry $pc/pc (named in the build script's environment)" "$T/out.txt" ||
		{ _cargo_show; fail "no warning in cargo's output naming the granted \$PKG_CONFIG_PATH entry"; return 1; }
	return 0
}

# A probe (test -e: a stat) of a host path that exists but the policy hides
# is an informational "hidden" event plus a note in bsbox's summary, and does
# not fail the run; before, it was a silent ENOENT. Only the FUSE root can
# see such a lookup (full and user modes).
test_envpaths_hidden_probe() {
	full_only "the FUSE root reports lookups" || return 0
	[ "${BSBOX_NO_FUSE:-}" = 1 ] && { skip_ok "no FUSE root in mode $MODE"; return 0; }
	# known gap (issue 12): as the unprivileged user the lookup never reaches
	# bsbox's miss handler, so the probe stays silent there
	is_root || { skip_ok "known gap, left open on issue 12: hidden-path probes are not reported as an unprivileged user yet (mode $MODE)"; return 0; }
	local hid
	hid=$(mktemp -d "${BSBOX_TEST_HOME_BASE:-/var/tmp}/bsbox-hidden.XXXXXX") || return 1
	defer rm -rf "$hid"
	chmod 755 "$hid"
	echo x >"$hid/f"
	run_bsbox run --log "$T/log.jsonl" -- /bin/sh -c "test -e $hid/f && echo seen || echo notseen; test -e $hid/f; echo done"
	assert_rc 0 || return 1
	assert_contains "$T/out" notseen || return 1
	BSBOX_LOG=$T/log.jsonl expect_event kind=path action=hidden access=read || return 1
	grep -q '"action":"denied"' "$T/log.jsonl" && { show "$T/log.jsonl"; fail "a probe was logged as a denial"; return 1; }
	[ "$(grep -c '"action":"hidden"' "$T/log.jsonl")" = 1 ] || { show "$T/log.jsonl"; fail "the hidden path is not logged once"; return 1; }
	grep -q '^bsbox: note: /.* exists on the host but is hidden from the script (a probe got ENOENT); "read": \[".*"\] would allow it$' "$T/err" ||
		{ show "$T/err"; fail "no note naming the hidden path and the entry that allows it"; return 1; }
	return 0
}

test_envpaths_pkg_config() { _cargo_wrap _envpaths_t_pkg_config; }

tag_modes all test_envpaths_pkg_config test_envpaths_hidden_probe
