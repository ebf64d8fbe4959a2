# Shipped policies, `bsbox policy check|explain`, learn mode and versions.
# Sourced by tests/run.sh; each test_policy_* returns 0 pass, 1 fail, 77 skip.
# Uses $BSBOX, $T, $CORPUS (default /tmp/bsbox-corpus), fail, skip, assert_*.

POLICY_TESTS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_pol_real_home=${HOME:-/root}
_pol_rustup_home=${RUSTUP_HOME:-$_pol_real_home/.rustup}
_pol_cargo_home=${CARGO_HOME:-$_pol_real_home/.cargo}

_pol_have_cargo() {
	PATH="$_pol_cargo_home/bin:$PATH" command -v cargo >/dev/null 2>&1 && return 0
	skip_ok "cargo not installed"
	return 77
}

_pol_corpus() {
	local c=${CORPUS:-/tmp/bsbox-corpus}
	[ -d "$c/projects" ] && [ -f "$c/.cargo/config.toml" ] || return 1
	echo "$c"
}

# _pol_cargo DIR LOG [VAR=VALUE...] -- CMD...: run CMD in DIR with the real
# toolchain, CARGO_TARGET_DIR=$T/target, BSBOX_LOG=LOG, RUSTC_WRAPPER=$BSBOX,
# enforce mode.  Output appended to $T/out.txt; returns CMD's status.
_pol_cargo() {
	local dir=$1 log=$2
	shift 2
	local vars=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		vars+=("$1")
		shift
	done
	shift
	(
		cd "$dir" || exit 1
		export RUSTUP_HOME="$_pol_rustup_home" CARGO_HOME="$_pol_cargo_home"
		export PATH="$_pol_cargo_home/bin:$PATH" CARGO_TARGET_DIR="$T/target"
		export BSBOX_LOG="$log" RUSTC_WRAPPER="$BSBOX" CARGO_TERM_COLOR=never
		unset BSBOX_MODE BSBOX_AUDIT BSBOX_RUSTC_WRAPPER BSBOX_INSIDE BSBOX_POLICY_DIR
		for v in ${vars[@]+"${vars[@]}"}; do
			export "$v"
		done
		[ -n "$RUSTC_WRAPPER" ] || unset RUSTC_WRAPPER
		"$@"
	) >>"$T/out.txt" 2>&1
}

# _pol_no_denials LOG: the log holds no "denied" event
_pol_no_denials() {
	local n
	n=$(grep -c '"action":"denied"' "$1" 2>/dev/null)
	[ "${n:-0}" = 0 ] && return 0
	fail "$n denials in $1"
	"$BSBOX" report "$1" 2>&1 | head -n 30 | sed 's/^/  | /'
	return 1
}

_pol_show_out() {
	echo "  --- cargo output (last 40 lines):"
	tail -n 40 "$T/out.txt" | sed 's/^/  | /'
}

# The shipped policies, plus policies for the corpus' own crates (test-only:
# the demo crate around bindgen and big-workspace's codegen member run bindgen
# in their own build scripts, so they extend the bindgen preset), in one
# directory.
_pol_policy_dir() {
	mkdir -p "$T/pol"
	cp -r "$POLICY_TESTS_ROOT/policies/." "$T/pol/"
	cat >"$T/pol/demo-bindgen-build.json" <<-'EOF'
		{
		  "comment": "test: the corpus' bindgen demo runs bindgen in its own build script",
		  "crate": "demo-bindgen-build",
		  "extends": ["default", "bindgen"]
		}
	EOF
	cat >"$T/pol/codegen.json" <<-'EOF'
		{
		  "comment": "test: big-workspace's codegen member runs bindgen in its own build script",
		  "crate": "codegen",
		  "extends": ["default", "bindgen"]
		}
	EOF
	echo "$T/pol"
}

# ---- policy check ------------------------------------------------------------

test_policy_shipped_check() {
	local f n=0
	while IFS= read -r f; do
		n=$((n + 1))
		run_bsbox policy check "$f"
		[ "$rc" = 0 ] || { fail "$f does not pass policy check"; show "$T/err"; }
		assert_contains "$T/out" ": ok"
		# no shipped policy grants the network or writes outside OUT_DIR
		if grep -q '"network": *true' "$f"; then
			fail "$f grants the network"
		fi
		python3 - "$f" <<-'EOF' || fail "$f: a grant without a why, or a write outside \$OUT_DIR"
			import json, sys
			p = json.load(open(sys.argv[1]))
			for key in ("read", "write", "exec"):
			    for e in p.get(key, []):
			        if not isinstance(e, dict) or not e.get("why"):
			            sys.exit("%s: %r has no why" % (key, e))
			        if key == "write" and not e["path"].startswith("$OUT_DIR"):
			            sys.exit("write %s" % e["path"])
		EOF
	done < <(find "$POLICY_TESTS_ROOT/policies" -name '*.json' | sort)
	[ "$n" -gt 0 ] || fail "no policies in $POLICY_TESTS_ROOT/policies"
}

# _pol_check_err NAME TEXT WANT: policy check on TEXT fails with exit 122 and
# a message containing WANT (which names FILE:LINE:COL)
_pol_check_err() {
	local name=$1 text=$2 want=$3
	printf '%s\n' "$text" >"$T/$name.json"
	run_bsbox policy check "$T/$name.json"
	[ "$rc" = 122 ] || { fail "$name: exit $rc, expected 122"; show "$T/err"; return 1; }
	assert_contains "$T/err" "$want"
}

test_policy_check_errors() {
	_pol_check_err unknown_key '{
  "extends": ["default"],
  "reed": ["/x"]
}' "$T/unknown_key.json:3:3: key \"reed\": unknown key"
	_pol_check_err wrong_type '{
  "network": "yes"
}' "$T/wrong_type.json:2:14: key \"network\": expected true or false, got a string"
	_pol_check_err wrong_type2 '{"read": "/usr"}' "$T/wrong_type2.json:1:10: key \"read\": expected an array"
	_pol_check_err glob_open '{
  "env": ["MY_*", "FOO_[AB"]
}' "$T/glob_open.json:2:19: key \"env[1]\": \"FOO_[AB\": expected an unclosed '['"
	_pol_check_err glob_close '{"env": ["FOO_AB]"]}' "glob_close.json:1:10: key \"env[0]\": \"FOO_AB]\": expected a ']' without its '['"
	_pol_check_err glob_empty '{"env": ["FOO_[]"]}' "glob_empty.json:1:10: key \"env[0]\": \"FOO_[]\": expected an empty bracket expression"
	_pol_check_err unknown_var '{
  "extends": ["default"],
  "read": [{"path": "$OUTDIR/x", "why": "typo"}]
}' "$T/unknown_var.json:3:22: unknown variable \$OUTDIR in \"\$OUTDIR/x\"; did you mean \$OUT_DIR?"
	_pol_check_err lower_var '{"read": ["${home}/x"]}' "lower_var.json:1:12: unknown variable \$home"
	_pol_check_err syntax '{
  "read": ["/a" "/b"]
}' "$T/syntax.json:2:17: JSON syntax error"
	_pol_check_err versions '{
  "versions": ">=0.9 <0.11"
}' "$T/versions.json:2:15: key \"versions\": \">=0.9 <0.11\" is not a version requirement"
	# other environment variables are allowed, with a note
	printf '{"read": [{"path": "$OPENSSL_DIR", "why": "user-selected"}], "env": ["MY_[AB]_*"], "versions": "^1.2"}\n' >"$T/envvar.json"
	run_bsbox policy check "$T/envvar.json"
	assert_rc 0
	assert_contains "$T/out" "note: \$OPENSSL_DIR"
}

# ---- shipped crate policies on their corpus projects ---------------------------

# Builds each corpus project whose crate has a shipped policy (and the bindgen
# demo, which uses the bindgen preset) in enforce mode: zero denials, and the
# binary runs.
test_policy_corpus_shipped() {
	_pol_have_cargo || return 77
	local corpus pol p bin
	corpus=$(_pol_corpus) || { skip_ok "no corpus (CORPUS=; see ../shared/corpus/setup.sh)"; return 77; }
	pol=$(_pol_policy_dir)
	for p in zstd-sys pyo3-build-config bindgen-build; do
		[ -d "$corpus/projects/$p" ] || { fail "corpus project $p missing"; continue; }
		rm -rf "$T/target"
		: >"$T/$p.jsonl"
		if ! _pol_cargo "$corpus/projects/$p" "$T/$p.jsonl" BSBOX_POLICY_DIR="$pol" -- cargo build --offline; then
			_pol_show_out
			fail "$p did not build in enforce mode with the shipped policies"
			continue
		fi
		_pol_no_denials "$T/$p.jsonl"
		bin=$(find "$T/target/debug" -maxdepth 1 -type f -perm -u+x -name 'demo-*' | head -n 1)
		[ -n "$bin" ] && "$bin" >>"$T/out.txt" 2>&1 || fail "$p: the binary did not run"
	done
}

# The 7-member workspace (~45 build-script runs, jemalloc's configure + make)
# with every shipped policy: zero denials, and the app runs.  Slow (minutes);
# BSBOX_TEST_TIMEOUT must allow it.
# jemalloc-sys alone runs configure + make: minutes on 2 cores
timeout_test_policy_big_workspace=1500
test_policy_big_workspace() {
	_pol_have_cargo || return 77
	local corpus pol
	corpus=$(_pol_corpus) || { skip_ok "no corpus"; return 77; }
	[ -d "$corpus/projects/big-workspace" ] || { skip_ok "no big-workspace in the corpus"; return 77; }
	pol=$(_pol_policy_dir)
	if ! _pol_cargo "$corpus/projects/big-workspace" "$T/big.jsonl" BSBOX_POLICY_DIR="$pol" -- cargo build --offline; then
		_pol_show_out
		fail "big-workspace did not build in enforce mode"
		return 1
	fi
	_pol_no_denials "$T/big.jsonl"
	local app
	app=$(find "$T/target/debug" -maxdepth 1 -type f -perm -u+x -name 'app*' | head -n 1)
	[ -n "$app" ] || { fail "no app binary in $T/target/debug"; return 1; }
	"$app" >"$T/app.txt" 2>&1 || { fail "$app failed"; show "$T/app.txt"; }
}

# ---- learn mode, explain, versions ---------------------------------------------

# A crate whose build script reads three files under a fake $HOME/.config/thing,
# prints rustc-link-arg and writes OUT_DIR.
_pol_learn_crate() {
	local d=$T/ws/learn-demo
	mkdir -p "$d/src" "$T/home/.config/thing"
	for f in a b c; do echo "$f" >"$T/home/.config/thing/$f.conf"; done
	cat >"$d/Cargo.toml" <<-'EOF'
		[package]
		name = "learn-demo"
		version = "0.3.2"
		edition = "2021"
		publish = false

		[workspace]
	EOF
	cat >"$d/build.rs" <<-'EOF'
		fn main() {
		    println!("cargo:rerun-if-changed=build.rs");
		    let home = std::env::var("HOME").unwrap();
		    for f in ["a", "b", "c"] {
		        let p = format!("{}/.config/thing/{}.conf", home, f);
		        std::fs::read_to_string(&p).expect(&p);
		    }
		    println!("cargo:rustc-link-arg=-Wl,--as-needed");
		    let out = std::env::var("OUT_DIR").unwrap();
		    std::fs::write(format!("{}/gen.rs", out), "pub const X: u32 = 1;").unwrap();
		    // NEW
		}
	EOF
	cat >"$d/src/main.rs" <<-'EOF'
		include!(concat!(env!("OUT_DIR"), "/gen.rs"));
		fn main() { println!("learn-demo {}", X); }
	EOF
	echo "$d"
}

test_policy_learn() {
	_pol_have_cargo || return 77
	local d pol
	d=$(_pol_learn_crate)
	pol=$d/.bsbox/policies
	[ ! -e "$pol" ] || { fail "policy dir exists before learning"; return 1; }

	# learn: audit mode, then the policy is written
	_pol_cargo "$d" "$T/unused.jsonl" HOME="$T/home" RUSTC_WRAPPER= -- \
		"$BSBOX" learn -- cargo build --offline ||
		{ _pol_show_out; fail "bsbox learn failed"; return 1; }
	local f=$pol/learn-demo.json
	[ -f "$f" ] || { _pol_show_out; fail "learn wrote no $f"; return 1; }
	assert_contains "$T/out.txt" "wrote $f"
	assert_contains "$f" '"$HOME/.config/thing"'
	assert_contains "$f" '"rustc-link-arg"'
	assert_contains "$f" '"versions":	"^0.3"'
	assert_contains "$f" '"extends":	["default"]'
	assert_not_contains "$f" "$T/home"
	grep -Eq -- '-[0-9a-f]{16}' "$f" && fail "$f holds a build hash"
	run_bsbox policy check "$f"
	assert_rc 0

	# enforce with the learned policy: passes, zero denials
	touch "$d/build.rs"
	_pol_cargo "$d" "$T/enforce.jsonl" HOME="$T/home" -- cargo build --offline ||
		{ _pol_show_out; fail "enforce build with the learned policy failed"; return 1; }
	_pol_no_denials "$T/enforce.jsonl"
	"$T/target/debug/learn-demo" | grep -q "learn-demo 1" || fail "learn-demo binary"

	# the crate changes to do something new: enforce fails
	sed -i 's|// NEW|let _ = std::net::TcpStream::connect("127.0.0.1:9");|' "$d/build.rs"
	if _pol_cargo "$d" "$T/evil.jsonl" HOME="$T/home" -- cargo build --offline; then
		_pol_show_out
		fail "a build script that now connects to 127.0.0.1 passed enforce mode"
	fi
	assert_contains "$T/evil.jsonl" '"kind":"network"'
	assert_contains "$T/out.txt" "127.0.0.1:9"

	# explain turns that log into the entry
	run_bsbox policy explain "$T/evil.jsonl"
	assert_rc 0
	assert_contains "$T/out" "learn-demo 0.3.2"
	assert_contains "$T/out" '"network":	true'

	# learning again merges: the old entries stay, network is added
	_pol_cargo "$d" "$T/unused.jsonl" HOME="$T/home" RUSTC_WRAPPER= -- \
		"$BSBOX" learn -- cargo build --offline || { _pol_show_out; fail "second learn failed"; }
	assert_contains "$f" '"network":	true'
	assert_contains "$f" '127.0.0.1:9'
	assert_contains "$f" '"$HOME/.config/thing"'
	touch "$d/build.rs"
	_pol_cargo "$d" "$T/enforce2.jsonl" HOME="$T/home" -- cargo build --offline ||
		{ _pol_show_out; fail "enforce after the second learn failed"; }
	_pol_no_denials "$T/enforce2.jsonl"
}

# A policy written for ^0.3 applied to 0.4.0 still applies, with a warning on
# stderr, to cargo (cargo:warning) and in the log.
test_policy_versions_warning() {
	_pol_have_cargo || return 77
	local d
	d=$(_pol_learn_crate)
	mkdir -p "$d/.bsbox/policies"
	cat >"$d/.bsbox/policies/learn-demo.json" <<-'EOF'
		{
		  "crate": "learn-demo",
		  "versions": "^0.3",
		  "extends": ["default"],
		  "read": [{"path": "$HOME/.config/thing", "why": "test"}],
		  "directives": ["rustc-link-arg"]
		}
	EOF
	_pol_cargo "$d" "$T/v1.jsonl" HOME="$T/home" -- cargo build --offline ||
		{ _pol_show_out; fail "build at 0.3.2 failed"; return 1; }
	assert_not_contains "$T/out.txt" "was written for"
	sed -i 's/^version = "0.3.2"/version = "0.4.0"/' "$d/Cargo.toml"
	_pol_cargo "$d" "$T/v2.jsonl" HOME="$T/home" -- cargo build --offline ||
		{ _pol_show_out; fail "build at 0.4.0 failed"; return 1; }
	# on the script's stderr (cargo keeps it in the build dir when the build passes)
	cat "$T"/target/debug/build/learn-demo-*/stderr >"$T/script-stderr.txt" 2>/dev/null
	assert_contains "$T/script-stderr.txt" "bsbox: warning: policy $d/.bsbox/policies/learn-demo.json was written for learn-demo ^0.3, not 0.4.0"
	# cargo shows the build script's cargo:warning lines as "warning: learn-demo@0.4.0: ..."
	grep -q '^warning: learn-demo@0.4.0: bsbox: policy .* was written for learn-demo ^0.3, not 0.4.0' "$T/out.txt" ||
		{ _pol_show_out; fail "no cargo warning for the version mismatch"; }
	assert_contains "$T/v2.jsonl" '"kind":"setup"'
	_pol_no_denials "$T/v2.jsonl"
}
