# The lock on build-time code, end to end with real cargo (tests/cargo.sh's
# helpers): .bsbox/lock.json, locked mode (BSBOX_LOCKED=1), bsbox review,
# bsbox lock --accept / --check, and the proc-macro and shim paths.
# A corpus project (bzip2-sys from Debian's directory registry) gets a
# "second version" of bzip2-sys: the registry crate copied to a path with a
# bumped version and a changed build.rs, swapped in with [patch.crates-io].

_lock_src=/usr/share/cargo/registry
_lock_old=0.1.11+1.0.8
_lock_new=0.1.12+1.0.8

# $T/ws/p: the corpus project bzip2-sys, with the corpus's cargo config.
_lock_project() {
	local corpus=${CORPUS:-/tmp/bsbox-corpus}
	[ -d "$corpus/projects/bzip2-sys" ] && [ -f "$corpus/.cargo/config.toml" ] || return 77
	[ -d "$_lock_src/bzip2-sys-0.1.11" ] || return 77
	mkdir -p "$T/ws/.cargo" "$H"
	cp "$corpus/.cargo/config.toml" "$T/ws/.cargo/"
	cp -r "$corpus/projects/bzip2-sys" "$T/ws/p"
	rm -rf "$T/ws/p/target" "$T/ws/p/.bsbox"
	echo "$T/ws/p"
}

# _lock_run DIR CMD...: like _cargo, output in $T/out.txt (truncated first); sets rc
_lock_run() {
	local d=$1
	shift
	: >"$T/out.txt"
	_cargo "$d" "$@"
	rc=$?
}

# The bumped bzip2-sys: same crate, version 0.1.12, a build.rs that now
# spawns curl and reads /etc/passwd (never called: only its text changes).
_lock_bump() {
	local d=$1
	mkdir -p "$d/vendor"
	cp -r "$_lock_src/bzip2-sys-0.1.11" "$d/vendor/bzip2-sys"
	rm -f "$d/vendor/bzip2-sys/.cargo-checksum.json"
	sed -i "s/^version = \"$_lock_old\"/version = \"$_lock_new\"/" "$d/vendor/bzip2-sys/Cargo.toml"
	cat >>"$d/vendor/bzip2-sys/build.rs" <<'EOF'

#[allow(dead_code)]
fn phone_home() {
    let _ = std::process::Command::new("curl").arg("https://example.invalid/x").status();
    let _ = std::fs::read_to_string("/etc/passwd");
}
EOF
	printf '\n[patch.crates-io]\nbzip2-sys = { path = "vendor/bzip2-sys" }\n' >>"$d/Cargo.toml"
	_lock_run "$d" -- cargo update -p bzip2-sys
}

# Build-script runs of bzip2-sys: the output files cargo keeps per run.
_lock_runs() {
	find "$T/target/debug/build" -path '*bzip2-sys-*/output' 2>/dev/null | wc -l
}

# bump -> refused before the build script runs (message names both versions,
# event logged and annotated); review shows the real diff; accept -> passes
_lock_t_bump() {
	_cargo_have || return 77
	local d
	d=$(_lock_project) || return 77
	_lock_run "$d" -- "$BSBOX" lock
	[ "$rc" = 0 ] || { _cargo_show; fail "bsbox lock failed"; return 1; }
	assert_contains "$d/.bsbox/lock.json" '"name":	"bzip2-sys"' || return 1
	assert_contains "$d/.bsbox/lock.json" "\"version\":	\"$_lock_old\"" || return 1
	grep -q '"code":	"sha256:[0-9a-f]\{64\}"' "$d/.bsbox/lock.json" || { fail "no code digest"; return 1; }

	_lock_run "$d" BSBOX_LOCKED=1 -- cargo build --offline
	[ "$rc" = 0 ] || { _cargo_show; fail "the locked build of the locked state failed"; return 1; }
	local runs
	runs=$(_lock_runs)
	[ "$runs" = 1 ] || { fail "bzip2-sys's build script ran $runs times, expected 1"; return 1; }

	_lock_bump "$d" || { _cargo_show; fail "cargo update failed"; return 1; }
	assert_contains "$d/Cargo.lock" "version = \"$_lock_new\"" || return 1
	_lock_run "$d" BSBOX_LOCKED=1 -- cargo build --offline
	[ "$rc" != 0 ] || { _cargo_show; fail "the locked build of a bumped build script passed"; return 1; }
	# the whole project is checked at the build's first compile: nothing runs
	assert_contains "$T/out.txt" "bsbox: lock: 1 build-time unit of this project differs from $d/.bsbox/lock.json; not running any build script or proc macro" || return 1
	assert_contains "$T/out.txt" "  bzip2-sys $_lock_old -> $_lock_new: the build script changed (build.rs)" || return 1
	assert_not_contains "$T/out.txt" "cannot list the project" || return 1
	assert_contains "$T/out.txt" "bsbox review bzip2-sys" || return 1
	[ "$(_lock_runs)" = 1 ] || { fail "the bumped build script ran"; return 1; }
	assert_contains "$T/log.jsonl" "\"detail\":\"lock: bzip2-sys $_lock_old -> $_lock_new: the build script changed" || return 1
	"$BSBOX" report --format github "$T/log.jsonl" >"$T/gh.txt" 2>&1
	assert_contains "$T/gh.txt" "::error title=bsbox (bzip2-sys)::refused: lock: bzip2-sys $_lock_old -> $_lock_new" || return 1
	"$BSBOX" report --format sarif "$T/log.jsonl" >"$T/sarif.json" 2>&1
	assert_contains "$T/sarif.json" "crate bzip2-sys: refused: lock: bzip2-sys $_lock_old -> $_lock_new" || return 1

	_lock_run "$d" -- "$BSBOX" lock --check
	[ "$rc" = 124 ] || { _cargo_show; fail "lock --check passed a changed build script (rc $rc)"; return 1; }
	# from a clean target dir: not one build script runs (libc's is locked and
	# unchanged, but the build is refused at its first compile)
	mv "$T/target" "$T/target.kept"
	_lock_run "$d" BSBOX_LOCKED=1 -- cargo build --offline
	[ "$rc" != 0 ] || { _cargo_show; fail "the clean locked build of a bump passed"; return 1; }
	assert_contains "$T/out.txt" "  bzip2-sys $_lock_old -> $_lock_new: the build script changed (build.rs)" || return 1
	[ -z "$(find "$T/target" -name output -path '*/build/*')" ] ||
		{ find "$T/target" -name output -path '*/build/*'; fail "a build script ran"; return 1; }
	rm -rf "$T/target"
	mv "$T/target.kept" "$T/target"

	_lock_run "$d" -- "$BSBOX" review bzip2-sys
	[ "$rc" = 0 ] || { _cargo_show; fail "bsbox review failed"; return 1; }
	assert_contains "$T/out.txt" "locked sources ($_lock_old): $_lock_src/bzip2-sys-0.1.11" || return 1
	assert_contains "$T/out.txt" "--- a/build.rs" || return 1
	assert_contains "$T/out.txt" "+++ b/build.rs" || return 1
	assert_contains "$T/out.txt" '+    let _ = std::process::Command::new("curl").arg("https://example.invalid/x").status();' || return 1
	assert_contains "$T/out.txt" 'process  Command::new("curl")   (new)' || return 1
	assert_contains "$T/out.txt" 'network  https://example.invalid/x   (new)' || return 1
	assert_contains "$T/out.txt" 'file     /etc/passwd   (new)' || return 1
	# the unchanged part of build.rs is context, not a change
	assert_not_contains "$T/out.txt" '+fn main() {' || return 1

	_lock_run "$d" -- "$BSBOX" lock --accept bzip2-sys
	[ "$rc" = 0 ] || { _cargo_show; fail "lock --accept failed"; return 1; }
	assert_contains "$d/.bsbox/lock.json" "\"version\":	\"$_lock_new\"" || return 1
	"$BSBOX" report --format github "$T/log.jsonl" >"$T/gh.txt" 2>&1
	assert_contains "$T/gh.txt" "::warning title=bsbox (bzip2-sys)::note: lock: accepted: bzip2-sys $_lock_old -> $_lock_new: the build script changed (build.rs)" || return 1
	assert_not_contains "$d/.bsbox/lock.json" "\"version\":	\"$_lock_old\"" || return 1
	_lock_run "$d" BSBOX_LOCKED=1 -- cargo build --offline
	[ "$rc" = 0 ] || { _cargo_show; fail "the locked build after --accept failed"; return 1; }
	[ "$(_lock_runs)" = 2 ] || { fail "the accepted build script did not run"; return 1; }
	_lock_run "$d" -- "$BSBOX" lock --check
	[ "$rc" = 0 ] || { _cargo_show; fail "lock --check after --accept: rc $rc"; return 1; }

	# a changed policy is refused the same way (here: a rebuild of the script)
	mkdir -p "$d/.bsbox/policies"
	echo '{"extends": ["default"], "read": [{"path": "/opt", "why": "test"}]}' >"$d/.bsbox/policies/bzip2-sys.json"
	_lock_run "$d" -- cargo clean -p bzip2-sys
	_lock_run "$d" BSBOX_LOCKED=1 -- cargo build --offline
	[ "$rc" != 0 ] || { _cargo_show; fail "a changed policy passed"; return 1; }
	assert_contains "$T/out.txt" "  bzip2-sys $_lock_new: the policy of its build script changed (now .bsbox/policies/bzip2-sys.json, locked: <builtin default>)" || return 1
	return 0
}

# A workspace of path crates: app -> newdep (build script printing
# rerun-if-changed=marker.txt) and pm (a proc macro).
_lock_ws() {
	local d=$T/ws/app
	mkdir -p "$d/src" "$d/newdep/src" "$d/pm/src" "$H"
	cat >"$d/Cargo.toml" <<'EOF'
[package]
name = "lock-app"
version = "0.1.0"
edition = "2021"

[dependencies]
pm = { path = "pm" }
EOF
	echo 'pm::answer!(); fn main() { println!("{}", answer()); }' >"$d/src/main.rs"
	cat >"$d/pm/Cargo.toml" <<'EOF'
[package]
name = "pm"
version = "0.1.0"
edition = "2021"

[lib]
proc-macro = true
EOF
	cat >"$d/pm/src/lib.rs" <<'EOF'
extern crate proc_macro;
use proc_macro::TokenStream;
mod helper;
#[proc_macro]
pub fn answer(_: TokenStream) -> TokenStream { helper::body().parse().unwrap() }
EOF
	echo 'pub fn body() -> &'"'"'static str { "fn answer() -> u32 { 42 }" }' >"$d/pm/src/helper.rs"
	cat >"$d/newdep/Cargo.toml" <<'EOF'
[package]
name = "newdep"
version = "0.1.0"
edition = "2021"
build = "build/main.rs"
EOF
	mkdir -p "$d/newdep/build"
	cat >"$d/newdep/build/main.rs" <<'EOF'
include!("consts.rs");
fn main() {
    println!("cargo:rerun-if-changed=marker.txt");
    println!("cargo:rustc-env=NEWDEP={}", GREETING);
}
EOF
	echo 'const GREETING: &str = "hi";' >"$d/newdep/build/consts.rs"
	echo 'pub const V: &str = env!("NEWDEP");' >"$d/newdep/src/lib.rs"
	echo one >"$d/newdep/marker.txt"
	echo "$d"
}

_lock_add_newdep() {
	local d=$1
	printf 'newdep = { path = "newdep" }\n' >>"$d/Cargo.toml"
	echo 'pm::answer!(); fn main() { println!("{} {}", answer(), newdep::V); }' >"$d/src/main.rs"
}

# a new build script is refused; an accepted one whose policy changes is
# refused by the shim before it reruns; a proc macro whose source changes is
# refused; a removed one is a stale entry
_lock_t_new_and_stale() {
	_cargo_have || return 77
	local d
	d=$(_lock_ws)
	_lock_run "$d" -- "$BSBOX" lock
	[ "$rc" = 0 ] || { _cargo_show; fail "bsbox lock failed"; return 1; }
	assert_contains "$d/.bsbox/lock.json" '"kind":	"proc-macro"' || return 1
	assert_contains "$d/.bsbox/lock.json" '"src/helper.rs":' || return 1
	_lock_run "$d" BSBOX_LOCKED=1 -- cargo build --offline
	[ "$rc" = 0 ] || { _cargo_show; fail "locked build of the locked workspace failed"; return 1; }

	# a new build script
	_lock_add_newdep "$d"
	_lock_run "$d" BSBOX_LOCKED=1 -- cargo build --offline
	[ "$rc" != 0 ] || { _cargo_show; fail "a new build script passed"; return 1; }
	assert_contains "$T/out.txt" "not running any build script or proc macro (locked mode, BSBOX_LOCKED=1):" || return 1
	assert_contains "$T/out.txt" "  newdep 0.1.0: a new build script, not in the lock" || return 1
	[ -z "$(find "$T/target/debug/build" -path '*newdep-*/output' 2>/dev/null)" ] ||
		{ fail "the new build script ran"; return 1; }
	_lock_run "$d" -- "$BSBOX" review newdep
	assert_contains "$T/out.txt" "+++ b/build/main.rs" || return 1
	assert_contains "$T/out.txt" "+++ b/build/consts.rs" || return 1
	_lock_run "$d" -- "$BSBOX" lock --accept newdep
	assert_contains "$d/.bsbox/lock.json" '"build/consts.rs":' || return 1
	_lock_run "$d" BSBOX_LOCKED=1 -- cargo build --offline
	[ "$rc" = 0 ] || { _cargo_show; fail "locked build after accepting newdep failed"; return 1; }

	# its policy changes, then cargo reruns the (not recompiled) script: the shim refuses
	mkdir -p "$d/.bsbox/policies"
	echo '{"extends": ["default"], "network": true}' >"$d/.bsbox/policies/newdep.json"
	echo two >"$d/newdep/marker.txt"
	_lock_run "$d" BSBOX_LOCKED=1 -- cargo build --offline
	[ "$rc" != 0 ] || { _cargo_show; fail "a changed policy passed the shim"; return 1; }
	assert_contains "$T/out.txt" "bsbox: lock: newdep 0.1.0: the policy of its build script changed (now .bsbox/policies/newdep.json, locked: <builtin default>)" || return 1
	# refused by the shim, at run time: the script was not recompiled
	assert_contains "$T/out.txt" 'failed to run custom build command for `newdep' || return 1
	rm "$d/.bsbox/policies/newdep.json"

	# the proc macro's helper module changes
	cp "$d/pm/src/helper.rs" "$T/helper.rs.locked"
	echo 'pub fn body() -> &'"'"'static str { "fn answer() -> u32 { 43 }" }' >"$d/pm/src/helper.rs"
	_lock_run "$d" BSBOX_LOCKED=1 -- cargo build --offline
	[ "$rc" != 0 ] || { _cargo_show; fail "a changed proc macro passed"; return 1; }
	assert_contains "$T/out.txt" "  pm 0.1.0: the proc macro changed since it was locked (src/helper.rs)" || return 1

	# a proc macro built (unlocked) from other sources than the locked ones,
	# which cargo does not rebuild (the locked text is back, with an old
	# mtime): the check where a rustc call loads it refuses it
	_lock_run "$d" -- cargo build --offline
	[ "$rc" = 0 ] || { _cargo_show; fail "unlocked build failed"; return 1; }
	cp "$T/helper.rs.locked" "$d/pm/src/helper.rs"
	touch -d '2001-01-01' "$d/pm/src/helper.rs"
	touch "$d/src/main.rs"
	_lock_run "$d" BSBOX_LOCKED=1 -- cargo build --offline
	[ "$rc" != 0 ] || { _cargo_show; fail "loading a changed proc macro passed"; return 1; }
	assert_contains "$T/out.txt" "bsbox: lock: pm 0.1.0: the proc macro changed since it was locked (src/helper.rs); not running it" || return 1
	assert_contains "$T/out.txt" "Compiling lock-app" || return 1
	assert_not_contains "$T/out.txt" "Compiling pm" || return 1
	_lock_run "$d" -- cargo clean -p pm
	_lock_run "$d" BSBOX_LOCKED=1 -- cargo build --offline
	[ "$rc" = 0 ] || { _cargo_show; fail "locked build after rebuilding pm failed"; return 1; }
	# a proc macro without the data its compile recorded is not trusted
	rm -f "$T"/target/debug/deps/bsbox-lock-pm-*.json
	touch "$d/src/main.rs"
	_lock_run "$d" BSBOX_LOCKED=1 -- cargo build --offline
	[ "$rc" != 0 ] || { _cargo_show; fail "a proc macro without lock data passed"; return 1; }
	assert_contains "$T/out.txt" "was compiled without bsbox's lock data" || return 1
	_lock_run "$d" -- cargo clean -p pm

	# a policy whose versions contradict the lock, a lock entry whose policy
	# file is gone, and a stale entry
	echo '{"extends": ["default"], "versions": "^9"}' >"$d/.bsbox/policies/newdep.json"
	_lock_run "$d" -- "$BSBOX" lock --accept newdep
	_lock_run "$d" -- "$BSBOX" policy check
	[ "$rc" != 0 ] || { _cargo_show; fail "policy check passed a contradicting versions range"; return 1; }
	assert_contains "$T/out.txt" "newdep 0.1.0 is locked, but its policy .bsbox/policies/newdep.json says \"versions\": \"^9\"" || return 1
	echo '{"extends": ["default"]}' >"$d/.bsbox/policies/newdep.json"
	_lock_run "$d" -- "$BSBOX" lock --accept newdep
	rm "$d/.bsbox/policies/newdep.json"
	_lock_run "$d" -- "$BSBOX" policy check
	[ "$rc" != 0 ] || { _cargo_show; fail "policy check passed a missing policy"; return 1; }
	assert_contains "$T/out.txt" "newdep 0.1.0 (build-script) was locked with the policy .bsbox/policies/newdep.json, which is missing" || return 1
	sed -i '/^newdep = /d' "$d/Cargo.toml"
	echo 'pm::answer!(); fn main() { println!("{}", answer()); }' >"$d/src/main.rs"
	_lock_run "$d" -- "$BSBOX" lock --check
	[ "$rc" = 124 ] || { _cargo_show; fail "lock --check with a stale entry: rc $rc"; return 1; }
	assert_contains "$T/out.txt" "stale: newdep 0.1.0 (build-script) is locked but no longer built" || return 1
	_lock_run "$d" -- "$BSBOX" lock
	assert_not_contains "$d/.bsbox/lock.json" '"newdep"' || return 1
	_lock_run "$d" -- "$BSBOX" lock --check
	[ "$rc" = 0 ] || { _cargo_show; fail "lock --check after bsbox lock: rc $rc"; return 1; }
	return 0
}

# bsbox learn writes the lock along with the policies
_lock_t_learn() {
	_cargo_have || return 77
	local d
	d=$(_lock_ws)
	_lock_add_newdep "$d"
	_lock_run "$d" -- "$BSBOX" learn -- cargo build --offline
	[ "$rc" = 0 ] || { _cargo_show; fail "bsbox learn failed"; return 1; }
	assert_contains "$T/out.txt" "+ newdep 0.1.0: a new build script, not in the lock" || return 1
	assert_contains "$d/.bsbox/lock.json" '"name":	"newdep"' || return 1
	assert_contains "$d/.bsbox/lock.json" '"name":	"pm"' || return 1
	_lock_run "$d" BSBOX_LOCKED=1 -- cargo build --offline
	[ "$rc" = 0 ] || { _cargo_show; fail "the locked build after learn failed"; return 1; }
	return 0
}

test_lock_learn() { _cargo_wrap _lock_t_learn; }
test_lock_bump() { _cargo_wrap _lock_t_bump; }
test_lock_new_and_stale() { _cargo_wrap _lock_t_new_and_stale; }

# cargo's new build-dir layout (nightly): the shim and the sidecars still meet
_lock_t_new_layout() {
	_cargo_have || return 77
	local nightly_help
	nightly_help=$(cd "$T" && RUSTUP_HOME="$_cargo_rustup_home" CARGO_HOME="$_cargo_cargo_home" \
		PATH="$_cargo_cargo_home/bin:$PATH" cargo +nightly -Z help 2>/dev/null) || return 77
	echo "$nightly_help" | grep -q 'build-dir-new-layout' || return 77
	local d
	d=$(_lock_ws)
	_lock_add_newdep "$d"
	_lock_run "$d" -- "$BSBOX" lock
	_lock_run "$d" BSBOX_LOCKED=1 -- cargo +nightly build --offline -Zbuild-dir-new-layout
	[ "$rc" = 0 ] || { _cargo_show; fail "locked build (new layout) failed"; return 1; }
	[ -n "$(find "$T/target" -path '*/out/build_script_main' -type f)" ] || { fail "not the new layout"; return 1; }
	# the script reruns (not recompiled) under a changed policy: the shim refuses
	mkdir -p "$d/.bsbox/policies"
	echo '{"extends": ["default"], "network": true}' >"$d/.bsbox/policies/newdep.json"
	echo two >"$d/newdep/marker.txt"
	_lock_run "$d" BSBOX_LOCKED=1 -- cargo +nightly build --offline -Zbuild-dir-new-layout
	[ "$rc" != 0 ] || { _cargo_show; fail "a changed policy passed (new layout)"; return 1; }
	assert_contains "$T/out.txt" "bsbox: lock: newdep 0.1.0: the policy of its build script changed" || return 1
	assert_not_contains "$T/out.txt" "compiled without bsbox's lock data" || return 1
	return 0
}

test_lock_new_layout() { _cargo_wrap _lock_t_new_layout; }

# bsbox setup --ci: locked mode and the wrapper for the rest of a CI job
test_lock_setup_ci() {
	: >"$T/github_env"
	GITHUB_ENV=$T/github_env "$BSBOX" setup --ci >"$T/out" 2>"$T/err" || { show "$T/err"; fail "setup --ci failed"; return 1; }
	assert_contains "$T/github_env" "BSBOX_LOCKED=1" || return 1
	assert_contains "$T/github_env" "RUSTC_WRAPPER=/" || return 1
	env -u GITHUB_ENV "$BSBOX" setup --ci >"$T/out" 2>"$T/err" || { fail "setup --ci (no GITHUB_ENV) failed"; return 1; }
	assert_contains "$T/out" "export BSBOX_LOCKED=1" || return 1
	# the shell can use it as is
	(eval "$(cat "$T/out")" && [ "$BSBOX_LOCKED" = 1 ] && [ -x "$RUSTC_WRAPPER" ]) || { fail "not shell exports"; return 1; }
	return 0
}
