# End-to-end tests with real cargo: `RUSTC_WRAPPER=$BSBOX cargo build`.
# Sourced by tests/run.sh. Uses $BSBOX, $T (fresh temp dir per test), fail,
# skip, $CORPUS, and ev_find/expect_event (tests/supervisor.sh) on the event
# log. Test crates live in tests/crates/; each is copied into $T first.
#
# Every test here runs in every mode (tag_modes all, at the end): full as
# root, [user] (the unprivileged user, Debian's cargo), [no-userns],
# [no-userns,landlock=1] and [no-fuse]. A crate that should build must build
# in each, and tell cargo exactly what it tells it unconfined; a crate that
# should fail must fail with the denial event that says why.

CARGO_TESTS_CRATES="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/crates"

# The real toolchain locations, fixed before a test swaps HOME for a fake one.
_cargo_real_home=${HOME:-/root}
_cargo_rustup_home=${RUSTUP_HOME:-$_cargo_real_home/.rustup}
_cargo_cargo_home=${CARGO_HOME:-$_cargo_real_home/.cargo}

# The fake HOME ($H) lives outside /tmp: the sandbox gives scripts a private
# /tmp, where a secret under $T would simply not exist (ENOENT, nothing to
# deny or log) and a write would land in the private tmpfs.
_cargo_wrap() {
	local H rc
	H=$(mktemp -d "${BSBOX_TEST_HOME_BASE:-/var/tmp}/bsbox-cargo-home.XXXXXX" 2>/dev/null) || H="$T/home"
	"$1"
	rc=$?
	[ "$H" = "$T/home" ] || rm -rf "$H"
	return $rc
}

# _cargo_have: cargo is there for this user, or the test skips (a failure
# under BSBOX_MUST_WORK=1)
_cargo_have() {
	PATH="$_cargo_cargo_home/bin:$PATH" command -v cargo >/dev/null 2>&1 && return 0
	skip "no cargo for $(id -un) (apt-get install cargo, or rustup)"
	return 77
}

# _cargo_denied COND...: the build's event log ($T/log.jsonl) holds a denial
# matching COND (ev_find's syntax): the build failed for the right reason
_cargo_denied() {
	BSBOX_LOG=$T/log.jsonl expect_event action=denied "$@"
}

# _cargo_outputs TARGET: what every build script under TARGET told cargo
# (its `output` file), by package, with TARGET and cargo's hashes replaced
# (the hash covers `rustc -vV`, to which bsbox adds a line)
_cargo_outputs() {
	local tgt=$1 f d pkg
	find "$tgt/debug/build" -mindepth 2 -maxdepth 2 -name output -type f 2>/dev/null |
		while read -r f; do
			d=${f%/output}
			d=${d##*/}
			printf '%s\t%s\n' "${d%-*}" "$f"
		done | sort | while IFS=$'\t' read -r pkg f; do
		echo "== $pkg"
		sed -e "s|$tgt|TARGET|g" -e 's/-[0-9a-f]\{16\}\b/-HASH/g' "$f"
	done
}

# _cargo_same_as_unconfined DIR BIN: DIR builds unconfined and under bsbox
# (into $T/target), and its build scripts' outputs and BIN's output (a path
# relative to the target dir) are the same both ways
_cargo_same_as_unconfined() {
	local d=$1 bin=$2
	_cargo "$d" RUSTC_WRAPPER= CARGO_TARGET_DIR="$T/plain" -- cargo build --offline ||
		{ _cargo_show; fail "${d##*/}: the unconfined build failed (the test is broken)"; return 1; }
	_cargo "$d" -- cargo build --offline ||
		{ _cargo_show; fail "${d##*/} did not build under bsbox in mode $MODE"; return 1; }
	_cargo_all_shims || { fail "${d##*/}: build script not shimmed"; return 1; }
	_cargo_outputs "$T/plain" >"$T/outputs.plain"
	_cargo_outputs "$T/target" >"$T/outputs.bsbox"
	grep -q '^== ' "$T/outputs.plain" || { fail "no build-script output under $T/plain (the test is broken)"; return 1; }
	diff -u "$T/outputs.plain" "$T/outputs.bsbox" >"$T/outputs.diff" ||
		{ fail "${d##*/}: the build scripts told cargo something else under bsbox"; show "$T/outputs.diff"; }
	"$T/plain/$bin" >"$T/run.plain" 2>&1 || { fail "${d##*/}: the unconfined binary failed"; show "$T/run.plain"; }
	"$T/target/$bin" >"$T/run.bsbox" 2>&1 || { fail "${d##*/}: the binary built under bsbox failed"; show "$T/run.bsbox"; }
	diff -u "$T/run.plain" "$T/run.bsbox" >"$T/run.diff" ||
		{ fail "${d##*/}: the binary built under bsbox prints something else"; show "$T/run.diff"; }
	[ ! -s "$TSTATE/fails" ]
}

# _cargo_copy NAME: copy tests/crates/NAME to $T/ws/NAME, print the path.
_cargo_copy() {
	mkdir -p "$T/ws" "$H"
	cp -r "$CARGO_TESTS_CRATES/$1" "$T/ws/$1"
	rm -rf "$T/ws/$1/target" "$T/ws/$1/Cargo.lock"
	echo "$T/ws/$1"
}

# _cargo DIR [VAR=VALUE...] -- CMD...: run CMD in DIR with a fake HOME, the
# real toolchain, CARGO_TARGET_DIR=$T/target, BSBOX_LOG=$T/log.jsonl and
# RUSTC_WRAPPER=$BSBOX (override with RUSTC_WRAPPER= to build without).
# Output (stdout+stderr) goes to $T/out.txt (appended); returns CMD's status.
_cargo() {
	local dir=$1
	shift
	local vars=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		vars+=("$1")
		shift
	done
	shift
	mkdir -p "$H"
	(
		cd "$dir" || exit 1
		export HOME="$H" RUSTUP_HOME="$_cargo_rustup_home" CARGO_HOME="$_cargo_cargo_home"
		export PATH="$_cargo_cargo_home/bin:$PATH" CARGO_TARGET_DIR="$T/target"
		export BSBOX_LOG="$T/log.jsonl" RUSTC_WRAPPER="$BSBOX" CARGO_TERM_COLOR=never
		unset BSBOX_MODE BSBOX_AUDIT BSBOX_RUSTC_WRAPPER BSBOX_INSIDE RUSTC_WORKSPACE_WRAPPER
		for v in ${vars[@]+"${vars[@]}"}; do
			export "$v"
		done
		[ -n "$RUSTC_WRAPPER" ] || unset RUSTC_WRAPPER
		echo "+ (cd $dir && ${vars[*]:-} $*)"
		"$@"
	) >>"$T/out.txt" 2>&1
}

_cargo_show() {
	echo "--- cargo output ($T/out.txt) ---"
	tail -n 60 "$T/out.txt"
	echo "---"
}

# _cargo_is_shim FILE: the file cargo runs is a bsbox shim
_cargo_is_shim() {
	[ -f "$1" ] && grep -q '^# bsbox-shim 1$' "$1"
}

# Every build-script binary cargo would run under $T/target is a shim.
_cargo_all_shims() {
	local f n=0
	for f in $(find "$T/target" -path '*/build/*' -type f \( -name 'build-script-*' -o -name 'build_script_*' \) \
		! -name '*.d' ! -name '*.bsbox-real' ! -name '*.bsbox-tmp*' 2>/dev/null); do
		n=$((n + 1))
		if ! _cargo_is_shim "$f"; then
			echo "not a shim: $f"
			return 1
		fi
	done
	[ "$n" -gt 0 ] || { echo "no build-script binary found under $T/target"; return 1; }
}

_cargo_t_wrapper_passthrough() {
	_cargo_have || return
	local rustc
	rustc=$(RUSTUP_HOME="$_cargo_rustup_home" PATH="$_cargo_cargo_home/bin:$PATH" rustup which rustc 2>/dev/null) ||
		rustc=$(command -v rustc) || { skip "no rustc for $(id -un)"; return; }
	[ "$("$BSBOX" "$rustc" --version)" = "$("$rustc" --version)" ] || { fail "--version not passed through"; return 1; }
	local vv
	vv=$("$BSBOX" "$rustc" -vV) || { fail "-vV failed"; return 1; }
	echo "$vv" | grep -q '^host: ' || { fail "-vV lost rustc's output: $vv"; return 1; }
	[ "$(echo "$vv" | tail -n 1)" = "bsbox: $("$BSBOX" --version | awk '{print $2}')" ] ||
		{ fail "-vV lacks the bsbox line: $vv"; return 1; }
	# inside a sandbox: straight through, no extra line
	local pol=$T/inside.json inside
	printf '{"extends":["default"],"exec":["%s","%s"]}\n' "$(dirname "$BSBOX")" \
		"$(dirname "$(dirname "$rustc")")" >"$pol"
	inside=$("$BSBOX" run --policy "$pol" -- "$BSBOX" "$rustc" -vV 2>"$T/inside.err")
	local r=$?
	[ "$r" = 0 ] || { fail "bsbox run -- bsbox rustc -vV exited $r"; show "$T/inside.err"; return 1; }
	[ "$inside" = "$("$rustc" -vV)" ] || { fail "inside the sandbox, bsbox did not pass through: $inside"; return 1; }
	# outside, a forged BSBOX_INSIDE (a project's [env] table) is ignored
	[ "$(BSBOX_INSIDE=1 "$BSBOX" "$rustc" -vV 2>/dev/null)" = "$vv" ] ||
		{ fail "a forged BSBOX_INSIDE was honoured"; return 1; }
	# a file that is not a shim is refused, and says so
	printf '#!/bin/sh\necho hi\n' >"$T/notashim"
	"$BSBOX" --shim-exec "$T/notashim" >"$T/out" 2>"$T/err"
	rc=$?
	assert_rc 123 || return 1
	assert_not_contains "$T/out" "hi"
	grep -qi 'shim' "$T/err" || { fail "no message about the shim"; show "$T/err"; return 1; }
	return 0
}

# (1) a benign build script builds, is shimmed, and tells cargo exactly what
# it tells it unconfined; the binary prints the same
_cargo_t_benign() {
	_cargo_have || return
	local d
	d=$(_cargo_copy benign)
	_cargo_same_as_unconfined "$d" debug/bsbox-test-benign || return 1
	assert_eq "$(cat "$T/run.bsbox")" "hello from OUT_DIR set-by-build-rs" "the benign binary's output"
}

# (2) a build script reading a secret under $HOME fails the build, with the
# read denied and logged
_cargo_t_evil_read() {
	_cargo_have || return
	local d
	d=$(_cargo_copy evil-read)
	mkdir -p "$H/.secret"
	echo "hunter2" >"$H/.secret/token"
	if _cargo "$d" -- cargo build --offline; then
		_cargo_show
		fail "build passed although the build script read \$HOME/.secret/token"
		return 1
	fi
	grep -q 'failed to run custom build command' "$T/out.txt" || { _cargo_show; fail "no cargo build-script failure"; return 1; }
	grep -q 'EVIL READ' "$T/out.txt" && { _cargo_show; fail "the secret was read"; return 1; }
	grep -q 'hunter2' "$T/out.txt" "$T/log.jsonl" && { fail "the secret leaked"; return 1; }
	grep -Eq '(\.secret/token)' "$T/out.txt" || { _cargo_show; fail "summary does not name the path"; return 1; }
	_cargo_denied kind=path access=read "path=$H/.secret/token" crate=bsbox-test-evil-read || { _cargo_show; return 1; }
	return 0
}

# (2b) a project cannot switch bsbox off with BSBOX_INSIDE in its own
# .cargo/config.toml [env] table (cargo passes [env] to every rustc call)
_cargo_t_env_cannot_disable() {
	_cargo_have || return
	local d
	d=$(_cargo_copy evil-read)
	mkdir -p "$d/.cargo" "$H/.secret"
	printf '[env]\nBSBOX_INSIDE = "1"\n' >>"$d/.cargo/config.toml"
	echo "hunter2" >"$H/.secret/token"
	if _cargo "$d" -- cargo build --offline; then
		_cargo_show
		fail "build passed: [env] BSBOX_INSIDE switched the sandbox off"
		return 1
	fi
	grep -q 'EVIL READ' "$T/out.txt" && { _cargo_show; fail "the secret was read"; return 1; }
	grep -q 'BSBOX_INSIDE is set outside a bsbox sandbox' "$T/out.txt" ||
		{ _cargo_show; fail "no warning about the forged BSBOX_INSIDE"; return 1; }
	_cargo_denied kind=path access=read "path=$H/.secret/token" || { _cargo_show; return 1; }
	return 0
}

# (3) rustc-link-arg is rejected unless the crate's policy lists it
_cargo_t_link_arg() {
	_cargo_have || return
	local d
	d=$(_cargo_copy link-arg)
	if _cargo "$d" -- cargo build --offline; then
		_cargo_show
		fail "build passed with a rustc-link-arg directive"
		return 1
	fi
	grep -q 'rustc-link-arg' "$T/out.txt" || { _cargo_show; fail "the directive is not named"; return 1; }
	grep -q '"directives": \["rustc-link-arg"\]' "$T/out.txt" || { _cargo_show; fail "no hint how to allow it"; return 1; }
	_cargo_denied kind=directive 'detail~rustc-link-arg=-Wl,--no-undefined' crate=bsbox-test-link-arg \
		'suggest="directives": ["rustc-link-arg"]' || return 1
	mkdir -p "$d/.bsbox/policies"
	echo '{"extends": ["default"], "directives": ["rustc-link-arg"]}' \
		>"$d/.bsbox/policies/bsbox-test-link-arg.json"
	_cargo "$d" -- cargo build --offline || { _cargo_show; fail "allowed directive still fails"; return 1; }
	[ "$("$T/target/debug/bsbox-test-link-arg")" = "link-arg built" ] || { fail "binary did not run"; return 1; }
	return 0
}

# (4) a target dir built without bsbox: the old build script must not run
# unconfined; what runs is a shim, and its write is denied
_cargo_t_stale_target() {
	_cargo_have || return
	local d
	d=$(_cargo_copy stale)
	_cargo "$d" RUSTC_WRAPPER= -- cargo build --offline || { _cargo_show; fail "plain build failed"; return 1; }
	[ -f "$H/stale-was-here" ] || { _cargo_show; fail "unconfined script did not run (test is broken)"; return 1; }
	rm -f "$H/stale-was-here"
	echo 2 >"$d/trigger.txt"
	: >"$T/out.txt"
	if _cargo "$d" -- cargo build --offline -v; then
		_cargo_show
		fail "the build passed although its build script wrote into \$HOME"
	fi
	[ -f "$H/stale-was-here" ] && { _cargo_show; fail "the old, unshimmed build script ran"; return 1; }
	# what cargo ran must be a shim
	local ran
	ran=$(sed -n 's/.*Running `\([^` ]*build-script-build\)`.*/\1/p' "$T/out.txt" | tail -n 1)
	[ -n "$ran" ] || { _cargo_show; fail "cargo did not rerun the build script"; return 1; }
	_cargo_is_shim "$ran" || { fail "cargo ran $ran, which is not a shim"; return 1; }
	_cargo_denied kind=path access=write "path=$H/stale-was-here" crate=bsbox-test-stale || return 1
	return 0
}

# (5) build = "build/main.rs" (build_script_main) is confined too: its write
# into $HOME is denied and fails the build
_cargo_t_build_main() {
	_cargo_have || return
	local d
	d=$(_cargo_copy build-main)
	if _cargo "$d" -- cargo build --offline; then
		_cargo_show
		fail "the build passed although build/main.rs wrote into \$HOME"
	fi
	[ -f "$H/pwned-by-build-main" ] && { _cargo_show; fail "build/main.rs wrote to \$HOME"; return 1; }
	local s
	s=$(find "$T/target" -name build-script-main -type f | head -n 1)
	[ -n "$s" ] || { _cargo_show; fail "no build-script-main in the target dir"; return 1; }
	_cargo_is_shim "$s" || { fail "$s is not a shim"; return 1; }
	_cargo_denied kind=path access=write "path=$H/pwned-by-build-main" || return 1
	return 0
}

# (6) nightly's new build-dir layout runs out/build_script_build directly
_cargo_t_new_layout() {
	_cargo_have || return
	local nightly_help
	nightly_help=$(cd "$T" && RUSTUP_HOME="$_cargo_rustup_home" CARGO_HOME="$_cargo_cargo_home" \
		PATH="$_cargo_cargo_home/bin:$PATH" cargo +nightly -Z help 2>/dev/null) ||
		{ skip_ok "no nightly cargo for $(id -un) (the new build-dir layout is nightly-only)"; return; }
	echo "$nightly_help" | grep -q 'build-dir-new-layout' ||
		{ skip_ok "this nightly has no -Zbuild-dir-new-layout"; return; }
	local d
	d=$(_cargo_copy build-main)
	if _cargo "$d" -- cargo +nightly build --offline -Zbuild-dir-new-layout; then
		_cargo_show
		fail "new layout: the build passed although build/main.rs wrote into \$HOME"
	fi
	[ -f "$H/pwned-by-build-main" ] && { _cargo_show; fail "new layout: build script wrote to \$HOME"; return 1; }
	local s
	s=$(find "$T/target" -path '*/out/build_script_main' -type f | head -n 1)
	[ -n "$s" ] || { _cargo_show; find "$T/target" -name 'build*script*'; fail "no out/build_script_main"; return 1; }
	_cargo_is_shim "$s" || { fail "$s is not a shim"; return 1; }
	_cargo_denied kind=path access=write "path=$H/pwned-by-build-main" || return 1
	d=$(_cargo_copy benign)
	rm -rf "$T/target"
	_cargo "$d" -- cargo +nightly build --offline -Zbuild-dir-new-layout || { _cargo_show; fail "benign crate failed"; return 1; }
	[ "$("$T/target/debug/bsbox-test-benign")" = "hello from OUT_DIR set-by-build-rs" ] || { fail "binary output"; return 1; }
	return 0
}

# (7) BSBOX_RUSTC_WRAPPER chains another wrapper (sccache-like)
_cargo_t_chained_wrapper() {
	_cargo_have || return
	local d
	d=$(_cargo_copy benign)
	cat >"$T/fakewrap" <<EOS
#!/bin/sh
echo "\$*" >>"$T/fakewrap.log"
exec "\$@"
EOS
	chmod +x "$T/fakewrap"
	_cargo "$d" BSBOX_RUSTC_WRAPPER="$T/fakewrap" -- cargo build --offline || { _cargo_show; fail "build failed"; return 1; }
	grep -q -- '--crate-name build_script_build' "$T/fakewrap.log" || { fail "wrapper not called for the build script"; return 1; }
	grep -q -- '--crate-name bsbox_test_benign' "$T/fakewrap.log" || { fail "wrapper not called for the crate"; return 1; }
	_cargo_all_shims || { fail "build script not shimmed with a chained wrapper"; return 1; }
	[ "$("$T/target/debug/bsbox-test-benign")" = "hello from OUT_DIR set-by-build-rs" ] || { fail "binary output"; return 1; }
	return 0
}

# (8) audit mode: the build passes and cargo shows warnings naming what would
# be denied; the log says allowed-audit
_cargo_t_audit() {
	_cargo_have || return
	local d
	d=$(_cargo_copy evil-read)
	mkdir -p "$H/.secret"
	echo "hunter2" >"$H/.secret/token"
	_cargo "$d" BSBOX_MODE=audit -- cargo build --offline || { _cargo_show; fail "audit build failed"; return 1; }
	# bsbox's own warning, not the script's "EVIL READ" line
	grep '^warning:' "$T/out.txt" | grep -v 'EVIL READ' | grep -q '\.secret/token' ||
		{ _cargo_show; fail "no warning naming the path"; return 1; }
	BSBOX_LOG=$T/log.jsonl expect_event kind=path access=read "path=$H/.secret/token" action=allowed-audit || return 1
	d=$(_cargo_copy link-arg)
	_cargo "$d" BSBOX_MODE=audit -- cargo build --offline || { _cargo_show; fail "audit link-arg build failed"; return 1; }
	grep -q '^warning:.*bsbox (audit): would reject directive .*rustc-link-arg' "$T/out.txt" ||
		{ _cargo_show; fail "no audit warning for the directive"; return 1; }
	BSBOX_LOG=$T/log.jsonl expect_event kind=directive 'detail~rustc-link-arg' action=allowed-audit || return 1
	return 0
}

# (9) real crates from the corpus: pkg-config probes, cc, cmake, and a -sys
# crate doing both. Each builds under bsbox with the same build-script
# outputs as unconfined, and its binary prints the same. The project and the
# corpus's cargo config (Debian's crates, offline) are copied into $T, so the
# unprivileged user can build them and no Cargo.lock of another cargo gets in.
_cargo_corpus_project() {
	local p=$1 corpus=${CORPUS:-/tmp/bsbox-corpus}
	_cargo_have || return
	[ -d "$corpus/projects/$p" ] && [ -f "$corpus/.cargo/config.toml" ] ||
		{ skip "corpus project $p not set up in $corpus (make test-deps)"; return; }
	mkdir -p "$T/corpus/projects"
	cp -r "$corpus/.cargo" "$T/corpus/" && cp -r "$corpus/projects/$p" "$T/corpus/projects/" || return 1
	rm -rf "$T/corpus/projects/$p/target" "$T/corpus/projects/$p/Cargo.lock"
	_cargo_same_as_unconfined "$T/corpus/projects/$p" "debug/demo-$p"
}
_cargo_t_corpus_pkg_config() { _cargo_corpus_project pkg-config-build; }
_cargo_t_corpus_cc() { _cargo_corpus_project cc-build; }
_cargo_t_corpus_cmake() { _cargo_corpus_project cmake-build; }
_cargo_t_corpus_libz_sys() { _cargo_corpus_project libz-sys; }

# a bsbox path a shebang line cannot carry (a blank): the shim uses #!/bin/sh
_cargo_t_shebang_fallback() {
	_cargo_have || return
	mkdir -p "$T/with space"
	cp "$BSBOX" "$T/with space/bsbox" || return 1
	local d
	d=$(_cargo_copy benign)
	_cargo "$d" RUSTC_WRAPPER="$T/with space/bsbox" -- cargo build --offline ||
		{ _cargo_show; fail "build failed"; return 1; }
	local s
	s=$(find "$T/target" -name build-script-build -type f | head -n 1)
	head -n 1 "$s" | grep -q '^#!/bin/sh$' || { head -n 3 "$s"; fail "no /bin/sh fallback"; return 1; }
	_cargo_is_shim "$s" || { fail "$s is not a shim"; return 1; }
	[ "$("$T/target/debug/bsbox-test-benign")" = "hello from OUT_DIR set-by-build-rs" ] ||
		{ fail "binary output"; return 1; }
	return 0
}

test_cargo_wrapper_passthrough() { _cargo_wrap _cargo_t_wrapper_passthrough; }
test_cargo_benign() { _cargo_wrap _cargo_t_benign; }
test_cargo_evil_read() { _cargo_wrap _cargo_t_evil_read; }
test_cargo_env_cannot_disable() { _cargo_wrap _cargo_t_env_cannot_disable; }
test_cargo_link_arg() { _cargo_wrap _cargo_t_link_arg; }
test_cargo_stale_target() { _cargo_wrap _cargo_t_stale_target; }
test_cargo_build_main() { _cargo_wrap _cargo_t_build_main; }
test_cargo_new_layout() { _cargo_wrap _cargo_t_new_layout; }
test_cargo_chained_wrapper() { _cargo_wrap _cargo_t_chained_wrapper; }
test_cargo_audit() { _cargo_wrap _cargo_t_audit; }
test_cargo_corpus_pkg_config() { _cargo_wrap _cargo_t_corpus_pkg_config; }
test_cargo_corpus_cc() { _cargo_wrap _cargo_t_corpus_cc; }
test_cargo_corpus_cmake() { _cargo_wrap _cargo_t_corpus_cmake; }
test_cargo_corpus_libz_sys() { _cargo_wrap _cargo_t_corpus_libz_sys; }
test_cargo_shebang_fallback() { _cargo_wrap _cargo_t_shebang_fallback; }

tag_modes all test_cargo_wrapper_passthrough test_cargo_benign test_cargo_evil_read \
	test_cargo_env_cannot_disable test_cargo_link_arg test_cargo_stale_target test_cargo_build_main \
	test_cargo_new_layout test_cargo_chained_wrapper test_cargo_audit test_cargo_corpus_pkg_config \
	test_cargo_corpus_cc test_cargo_corpus_cmake test_cargo_corpus_libz_sys test_cargo_shebang_fallback
