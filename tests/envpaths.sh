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
# not fail the run; before, it was a silent ENOENT. With a FUSE root the
# root's lookup miss reports it; without one (no-fuse, and [user] where
# /dev/fuse is 0600) the filter sends the probes to the supervisor
# (notify_probe.h). Without a mount namespace nothing is hidden from a stat:
# test_envpaths_probe_then_open covers those modes.
test_envpaths_hidden_probe() {
	degraded && { skip_ok "no mount namespace in mode $MODE: a stat sees the host (test_envpaths_probe_then_open)"; return 0; }
	local hid
	_envpaths_hidden_dir || return 1
	hid=$HID
	echo x >"$hid/f"
	run_bsbox run --log "$T/log.jsonl" -- /bin/sh -c "test -e $hid/f && echo seen || echo notseen; test -e $hid/f; echo done"
	_envpaths_hidden_once "$hid" || return 1
	assert_contains "$T/out" notseen || return 1
}

# _envpaths_hidden_dir [TAG]: a new directory in $HID, outside the sandbox's
# private /tmp and outside every policy, removed after the test
_envpaths_hidden_dir() {
	HID=$(mktemp -d "${BSBOX_TEST_HOME_BASE:-/var/tmp}/bsbox-hidden${1:+-$1}.XXXXXX") || return 1
	defer rm -rf "$HID"
	chmod 755 "$HID"
}

# _envpaths_hidden_once DIR: the run passed, DIR was reported once as hidden
# (not as a denial), and the summary's note names it and the entry
_envpaths_hidden_once() {
	local hid=$1
	assert_rc 0 || return 1
	BSBOX_LOG=$T/log.jsonl expect_event kind=path action=hidden access=read "path=$hid" || return 1
	grep -q '"action":"denied"' "$T/log.jsonl" && { show "$T/log.jsonl"; fail "a probe was logged as a denial"; return 1; }
	[ "$(grep -cF "\"path\":\"$hid\",\"access\":\"read\",\"action\":\"hidden\"" "$T/log.jsonl")" = 1 ] ||
		{ show "$T/log.jsonl"; fail "$hid is not logged once as hidden"; return 1; }
	grep -qF "bsbox: note: $hid exists on the host but is hidden from the script (a probe got ENOENT); \"read\": [\"$hid\"] would allow it" "$T/err" ||
		{ show "$T/err"; fail "no note naming the hidden path and the entry that allows it"; return 1; }
}

# Each kind of probe is reported, once per path: stat, lstat, access,
# opendir (an O_DIRECTORY open), chdir and statx, each on its own hidden
# directory.
test_envpaths_hidden_probe_forms() {
	degraded && { skip_ok "no mount namespace in mode $MODE: a stat sees the host"; return 0; }
	need_py3 || return
	local d f forms="stat lstat access listdir chdir statx" args=()
	for f in $forms; do
		_envpaths_hidden_dir "$f" || return 1
		d=$HID
		mkdir "$d/sub"
		args+=("$d")
	done
	run_bsbox run --log "$T/log.jsonl" -- "$PY3" -c '
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
def statx(p):
    buf = ctypes.create_string_buffer(256)
    if libc.syscall(332, -100, p.encode(), 0, 0x7ff, buf) != 0:
        raise OSError(ctypes.get_errno(), "statx")
calls = [os.stat, os.lstat, lambda p: os.access(p, os.R_OK) or (_ for _ in ()).throw(OSError(2, "access")),
         os.listdir, os.chdir, statx]
for call, d in zip(calls, sys.argv[1:]):
    for i in range(2):
        try:
            call(d + "/sub")
            print("seen", d)
        except OSError as e:
            print("hidden", d, e.errno)
' "${args[@]}"
	assert_rc 0 || return 1
	assert_not_contains "$T/out" "seen " || return 1
	local i=0 sc
	for f in $forms; do
		d=${args[$i]}
		i=$((i + 1))
		case $f in stat | lstat) sc=newfstatat ;; access) sc=access ;; listdir) sc=openat ;; *) sc=$f ;; esac
		# with a FUSE root, the syscall is read back from /proc: the same
		_envpaths_hidden_once "$d" || return 1
		BSBOX_LOG=$T/log.jsonl expect_event kind=path action=hidden "path=$d" "syscall~$sc" || return 1
	done
}

# Benign probes stay silent and never fail a run: mkdir -p of a directory
# that exists, a PATH search, probes of paths that exist nowhere, a fstat.
test_envpaths_benign_probes() {
	local none=/var/tmp/bsbox-no-such-dir-$RANDOM$RANDOM
	run_bsbox run --log "$T/log.jsonl" -- /bin/sh -c "
		mkdir -p /usr/include /usr/bin || exit 11
		command -v bsbox-no-such-tool-$RANDOM >/dev/null && exit 12
		PATH=$none/bin:/usr/bin:/bin; ls >/dev/null || exit 13
		test -e $none/x && exit 14
		test -d /usr/include || exit 15
		cat </dev/null; ls -d . /usr/include >/dev/null || exit 16
		echo done"
	assert_rc 0 || { show "$T/err"; return 1; }
	assert_contains "$T/out" done || return 1
	[ -s "$T/log.jsonl" ] && { show "$T/log.jsonl"; fail "a benign probe was logged"; return 1; }
	assert_not_contains "$T/err" "hidden from the script" || return 1
}

# Without a mount namespace (the degraded modes) nothing hides a path from
# stat: the pkg-config-style sequence is a stat that succeeds, then the open,
# which the supervisor denies and logs with the path.
test_envpaths_probe_then_open() {
	local hid
	_envpaths_hidden_dir || return 1
	hid=$HID
	echo x >"$hid/f.pc"
	run_bsbox run --log "$T/log.jsonl" -- /bin/sh -c "test -e $hid/f.pc && echo seen; cat $hid/f.pc; exit 0"
	assert_contains "$T/out" seen || return 1
	assert_rc 124 || return 1
	BSBOX_LOG=$T/log.jsonl expect_event kind=path action=denied access=read "path=$hid/f.pc" syscall=openat || return 1
	grep -q '"action":"hidden"' "$T/log.jsonl" && { show "$T/log.jsonl"; fail "a stat that saw the file was logged as hidden"; return 1; }
	return 0
}

# As an unprivileged user with a usable /dev/fuse (a desktop's 0666) the
# FUSE root reports the probe too.  The 0666 node is bound over /dev/fuse in
# a private mount namespace, so nothing else on the machine sees it.
test_envpaths_hidden_probe_user_fuse() {
	is_root || { skip_ok "needs root to give $BSBOX_TEST_USER a usable /dev/fuse"; return 0; }
	[ -c /dev/fuse ] || { skip_ok "no /dev/fuse on this machine"; return 0; }
	id "$BSBOX_TEST_USER" >/dev/null 2>&1 || { skip "no user $BSBOX_TEST_USER"; return; }
	local hid
	_envpaths_hidden_dir || return 1
	hid=$HID
	chmod 755 "$T"
	echo x >"$hid/f"
	mkdir -p "$T/u/cwd" "$T/u/home"
	mknod -m 0666 "$T/u/fuse" c 10 229 || { skip "cannot make a device node in $T"; return; }
	chown -R "$BSBOX_TEST_USER:" "$T/u"
	unshare -m --propagation private sh -c 'mount --bind "$1" /dev/fuse && cd "$2" && shift 2 && exec "$@"' \
		sh "$T/u/fuse" "$T/u/cwd" setpriv --reuid="$BSBOX_TEST_USER" --regid="$BSBOX_TEST_USER" --init-groups -- \
		env HOME="$T/u/home" "$BSBOX" run --log "$T/u/log.jsonl" -- /bin/sh -c \
		"grep ' / / ' /proc/self/mountinfo; test -e $hid/f && echo seen || echo notseen; test -e $hid/f; echo done" \
		</dev/null >"$T/out" 2>"$T/err"
	rc=$?
	cp "$T/u/log.jsonl" "$T/log.jsonl" 2>/dev/null
	assert_contains "$T/out" " - fuse bsbox " || { show "$T/err"; return 1; }
	assert_contains "$T/out" notseen || return 1
	_envpaths_hidden_once "$hid" || return 1
}

test_envpaths_pkg_config() { _cargo_wrap _envpaths_t_pkg_config; }

tag_modes all test_envpaths_pkg_config test_envpaths_hidden_probe test_envpaths_hidden_probe_forms \
	test_envpaths_benign_probes
tag_modes "no-userns no-userns-ll1" test_envpaths_probe_then_open
