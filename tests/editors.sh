# Editors, rust-analyzer and CI (issue 6).  Sourced by tests/run.sh; each
# test_* returns 0 pass, 1 fail, 77 skip.  Uses $BSBOX, $T, $CORPUS and the
# helpers of tests/lib.sh.
#
# The proc-macro tests speak rust-analyzer's protocol to `bsbox proc-macro-srv`
# (the real rust-analyzer-proc-macro-srv of the toolchain behind it) with the
# client below; the build-script test runs the exact `cargo check` rust-analyzer
# runs, with RUSTC_WRAPPER set through the environment as
# rust-analyzer.cargo.extraEnv does.

EDITORS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_ed_real_home=${HOME:-/root}
_ed_rustup_home=${RUSTUP_HOME:-$_ed_real_home/.rustup}
_ed_cargo_home=${CARGO_HOME:-$_ed_real_home/.cargo}

_ed_path() {
	printf '%s' "$_ed_cargo_home/bin:$PATH"
}

# _ed_need_toolchain: cargo, rustc and the proc-macro server are here
_ed_need_toolchain() {
	local sysroot
	if ! PATH=$(_ed_path) command -v cargo >/dev/null 2>&1; then
		skip_ok "no cargo"
		return 77
	fi
	sysroot=$(PATH=$(_ed_path) RUSTUP_HOME=$_ed_rustup_home rustc --print sysroot 2>/dev/null)
	if [ ! -x "$sysroot/libexec/rust-analyzer-proc-macro-srv" ]; then
		skip_ok "the toolchain has no libexec/rust-analyzer-proc-macro-srv"
		return 77
	fi
}

# _ed_offline_config DIR: the corpus's offline registry (Debian's crate
# sources) for the workspace DIR; fails when there is none.
_ed_offline_config() {
	local c
	for c in ${CORPUS:+"$CORPUS/.cargo/config.toml"} /tmp/bsbox-corpus/.cargo/config.toml; do
		if [ -f "$c" ]; then
			mkdir -p "$1/.cargo"
			cp "$c" "$1/.cargo/config.toml"
			return 0
		fi
	done
	return 1
}

# _ed_cargo DIR CMD...: CMD in DIR with the real toolchain; output appended
# to $T/cargo.txt.  Extra environment comes from the caller's exports.
_ed_cargo() {
	local dir=$1
	shift
	(
		cd "$dir" || exit 1
		export RUSTUP_HOME="$_ed_rustup_home" CARGO_HOME="$_ed_cargo_home" PATH=$(_ed_path)
		export CARGO_TERM_COLOR=never
		echo "+ (cd $dir && $*)"
		"$@"
	) >>"$T/cargo.txt" 2>&1
}

# _ed_fake_home: $H, a home outside /tmp (the sandbox's /tmp is private) with
# a fake SSH key; removed when the test ends.
_ed_fake_home() {
	H=$(mktemp -d /var/tmp/bsbox-ed-home.XXXXXX) || return 1
	chmod 755 "$H"
	defer "rm -rf '$H'"
	mkdir -p "$H/.ssh"
	echo "-----BEGIN FAKE PRIVATE KEY----- bsbox-test" >"$H/.ssh/id_rsa"
}

# The client: what rust-analyzer sends (legacy JSON protocol).
#   pmclient.py DYLIB MACRO BODY -- SERVER-ARGV...
# MACRO "-" skips the expansion.  PM_FORWARD names environment variables to
# pass in the ExpandMacro env (rust-analyzer passes the crate's cargo env);
# PM_CWD is its current_dir.  Prints each response line and, for an
# expansion, "EXPANDED-TEXT: <the strings of the result>".
_ed_client() {
	cat >"$T/pmclient.py" <<'EOF'
import json, os, re, subprocess, sys

def build_tree(src):
    toks = re.findall(r'"(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_]*|\d+|\S', src)
    pos = 0
    closers = {'(': ')', '{': '}', '[': ']'}
    kinds = {'(': 1, '{': 2, '[': 3}
    def parse(end):
        nonlocal pos
        out = []
        while pos < len(toks):
            t = toks[pos]; pos += 1
            if t == end:
                return out
            if t in closers:
                out.append(('group', kinds[t], parse(closers[t])))
            elif t[0] == '"':
                out.append(('lit', t[1:-1], 5))
            elif t[0].isdigit():
                out.append(('lit', t, 3))
            elif t[0].isalpha() or t[0] == '_':
                out.append(('ident', t))
            else:
                out.append(('punct', t))
        return out
    return ('group', 0, parse(None))

# FlatTree, API version >= 5: subtree [open, close, kind, first, end],
# literal [id, text, kind, suffix], punct [id, char, spacing], ident [id, text, raw]
def flatten(root):
    subtree, literal, punct, ident, tt, text, strs, work = [], [], [], [], [], [], {}, []
    def intern(s):
        if s not in strs:
            strs[s] = len(text); text.append(s)
        return strs[s]
    def enqueue(g):
        idx = len(subtree) // 5
        subtree.extend([0, 0, g[1], 0, 0])
        work.append((idx, g[2]))
        return idx
    enqueue(root)
    while work:
        idx, children = work.pop(0)
        first = len(tt)
        tt.extend([0] * len(children))
        subtree[idx * 5 + 3] = first
        subtree[idx * 5 + 4] = first + len(children)
        for i, c in enumerate(children):
            if c[0] == 'group':
                v = enqueue(c) << 2
            elif c[0] == 'lit':
                v = (len(literal) // 4) << 2 | 1
                literal.extend([0, intern(c[1]), c[2], 0xffffffff])
            elif c[0] == 'punct':
                v = (len(punct) // 3) << 2 | 2
                punct.extend([0, ord(c[1]), 0])
            else:
                v = (len(ident) // 3) << 2 | 3
                ident.extend([0, intern(c[1]), 0])
            tt[first + i] = v
    return {"subtree": subtree, "literal": literal, "punct": punct, "ident": ident,
            "token_tree": tt, "text": text}

dylib, name, body = sys.argv[1:4]
p = subprocess.Popen(sys.argv[5:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
def req(obj):
    p.stdin.write(json.dumps(obj) + "\n"); p.stdin.flush()
    line = p.stdout.readline()
    print(line.strip()[:4000], flush=True)
    return json.loads(line) if line else None
r = req({"ApiVersionCheck": {}})
if r:
    print("API-VERSION: %s" % r.get("ApiVersionCheck"))
req({"ListMacros": {"dylib_path": dylib}})
if name != "-":
    env = [[k, os.environ[k]] for k in os.environ.get("PM_FORWARD", "").split() if k in os.environ]
    r = req({"ExpandMacro": {"lib": dylib, "env": env, "current_dir": os.environ.get("PM_CWD"),
             "macro_body": flatten(build_tree(body)), "macro_name": name, "attributes": None}})
    if r and "Ok" in r.get("ExpandMacro", {}):
        print("EXPANDED-TEXT: " + " ".join(r["ExpandMacro"]["Ok"]["text"]))
p.stdin.close()
print("SERVER-EXIT: %d" % p.wait(), flush=True)
EOF
}

# _ed_srv OUT DYLIB MACRO BODY: the client against `bsbox proc-macro-srv`
# (through the contrib wrapper script) with the fake $H as HOME; stderr to
# OUT.err.  Extra environment: exported by the caller.
_ed_srv() {
	local out=$1
	shift
	env HOME="$H" RUSTUP_HOME="$_ed_rustup_home" CARGO_HOME="$_ed_cargo_home" PATH="$(_ed_path)" \
		BSBOX="$BSBOX" BSBOX_LOG="$T/log.jsonl" \
		timeout 120 python3 "$T/pmclient.py" "$@" -- \
		"$EDITORS_ROOT/contrib/editors/bsbox-proc-macro-srv" >"$out" 2>"$out.err"
}

# A real proc-macro crate from the corpus registry (serde's derive, paste):
# version check, list, expand - through the confined server.
test_editor_procmacro_protocol() {
	_ed_need_toolchain || return
	local ws=$T/ws so
	mkdir -p "$ws/src"
	_ed_offline_config "$ws" || {
		skip_ok "no offline crate registry (corpus .cargo/config.toml)"
		return
	}
	cat >"$ws/Cargo.toml" <<'EOF'
[package]
name = "bsbox-test-pm-user"
version = "0.1.0"
edition = "2021"
publish = false

[dependencies]
serde = { version = "1", features = ["derive"] }
paste = "1"

[workspace]
EOF
	echo 'fn main() {}' >"$ws/src/main.rs"
	if ! _ed_cargo "$ws" env -u RUSTC_WRAPPER cargo build --offline; then
		fail "building serde_derive/paste from the offline registry failed"
		tail -n 30 "$T/cargo.txt"
		return 1
	fi
	_ed_fake_home || return 1
	_ed_client

	so=$(ls "$ws"/target/debug/deps/libserde_derive-*.so 2>/dev/null | head -n 1)
	[ -n "$so" ] || {
		fail "no libserde_derive-*.so under $ws/target"
		return 1
	}
	(cd "$ws" && _ed_srv "$T/serde.txt" "$so" Serialize 'struct Point { x: u32, y: u32 }')
	assert_contains "$T/serde.txt" '{"ApiVersionCheck":'
	assert_contains "$T/serde.txt" '["Serialize","CustomDerive"]'
	assert_contains "$T/serde.txt" '["Deserialize","CustomDerive"]'
	assert_contains "$T/serde.txt" 'EXPANDED-TEXT: '
	grep '^EXPANDED-TEXT:' "$T/serde.txt" | grep -q 'impl Serialize for Point' ||
		fail "the Serialize expansion does not implement Serialize for Point"
	assert_contains "$T/serde.txt" 'SERVER-EXIT: 0'

	so=$(ls "$ws"/target/debug/deps/libpaste-*.so 2>/dev/null | head -n 1)
	(cd "$ws" && _ed_srv "$T/paste.txt" "$so" paste 'fn [<get _ value>]() {}')
	assert_contains "$T/paste.txt" '["paste","FuncLike"]'
	assert_contains "$T/paste.txt" 'get_value'
	assert_contains "$T/paste.txt" 'SERVER-EXIT: 0'
	# a well-behaved macro is not a violation
	if [ -s "$T/log.jsonl" ]; then
		fail "benign expansions produced denials"
		show "$T/log.jsonl"
	fi
	[ ! -s "$TSTATE/fails" ]
}

# tests/crates/evil-macro: loading it (ListMacros) and expanding evil!() try
# to read ~/.ssh/id_rsa, connect to 127.0.0.1 and write into the workspace.
# Unconfined that works (the control); through bsbox it is denied and logged,
# with and without user namespaces.
test_editor_procmacro_evil() {
	_ed_need_toolchain || return
	local ws=$T/evil-macro so mode out
	cp -r "$EDITORS_ROOT/tests/crates/evil-macro" "$ws"
	rm -rf "$ws/target" "$ws/Cargo.lock"
	if ! _ed_cargo "$ws" env -u RUSTC_WRAPPER cargo build --offline; then
		fail "building tests/crates/evil-macro failed"
		tail -n 30 "$T/cargo.txt"
		return 1
	fi
	so=$ws/target/debug/libbsbox_test_evil_macro.so
	[ -f "$so" ] || {
		fail "no $so"
		return 1
	}
	_ed_fake_home || return 1
	_ed_client
	listener tcp - "$T/got" || return 1
	export EVIL_PORT=$LISTEN_PORT PM_FORWARD=EVIL_PORT PM_CWD=$ws

	# control: the real server, unconfined, lets the macro steal
	(cd "$ws" && env HOME="$H" RUST_ANALYZER_INTERNALS_DO_NOT_USE=1 timeout 60 \
		python3 "$T/pmclient.py" "$so" evil '' -- \
		"$(PATH=$(_ed_path) RUSTUP_HOME=$_ed_rustup_home rustc --print sysroot)/libexec/rust-analyzer-proc-macro-srv" \
		>"$T/control.txt" 2>&1)
	if ! grep -q 'read=STOLEN' "$T/control.txt" || ! grep -q 'connect=CONNECTED' "$T/control.txt"; then
		fail "control: the evil macro did not work unconfined (the test proves nothing)"
		show "$T/control.txt"
		return 1
	fi
	# the listener records the control's connection asynchronously
	wait_file "$T/got" || fail "control: the listener saw no connection"
	rm -f "$ws/pwned-by-evil-macro.txt" "$T/got"

	for mode in full no-userns; do
		out=$T/evil-$mode.txt
		rm -f "$T/log.jsonl"
		(
			cd "$ws" || exit 1
			[ $mode = no-userns ] && export BSBOX_FORCE_NO_USERNS=1 BSBOX_QUIET=1
			_ed_srv "$out" "$so" evil ''
		)
		assert_contains "$out" '["evil","FuncLike"]'
		assert_contains "$out" 'EXPANDED-TEXT: '
		assert_contains "$out" "read=failed ($H/.ssh/id_rsa"
		assert_contains "$out" 'connect=failed'
		assert_contains "$out" 'write=failed'
		assert_not_contains "$out" 'STOLEN'
		assert_not_contains "$out" 'CONNECTED'
		assert_no_file "$ws/pwned-by-evil-macro.txt"
		[ -s "$T/got" ] && fail "$mode: the macro reached the listener on 127.0.0.1:$EVIL_PORT"
		# the log names the crate, the key and the connection attempt
		assert_contains "$T/log.jsonl" '"crate":"proc-macro-srv"'
		assert_contains "$T/log.jsonl" "\"path\":\"$H/.ssh/id_rsa\""
		grep '"kind":"network"' "$T/log.jsonl" | grep -q '"action":"denied"' ||
			fail "$mode: no denied network event in the log"
		# the summary on stderr (what rust-analyzer's log shows)
		assert_contains "$out.err" "read $H/.ssh/id_rsa"
		# ListMacros alone (the library's load-time code) is denied too
		rm -f "$T/log.jsonl"
		(
			cd "$ws" || exit 1
			[ $mode = no-userns ] && export BSBOX_FORCE_NO_USERNS=1 BSBOX_QUIET=1
			_ed_srv "$out.list" "$so" - ''
		)
		assert_contains "$out.list" '["evil","FuncLike"]'
		assert_contains "$T/log.jsonl" "\"path\":\"$H/.ssh/id_rsa\""
	done
	[ ! -s "$TSTATE/fails" ]
}

# The wrapper script editors point at, and what rust-analyzer asks first.
test_editor_procmacro_wrapper() {
	_ed_need_toolchain || return
	local w=$EDITORS_ROOT/contrib/editors/bsbox-proc-macro-srv
	[ -x "$w" ] || fail "$w is missing or not executable"
	[ "$(wc -l <"$w")" -le 3 ] || fail "$w should be a 3-line script"
	(cd "$T" && env BSBOX="$BSBOX" RUSTUP_HOME="$_ed_rustup_home" PATH="$(_ed_path)" \
		"$w" --version >"$T/out" 2>"$T/err")
	assert_contains "$T/out" "rust-analyzer-proc-macro-srv"
	run_bsbox --help
	assert_contains "$T/out" "proc-macro-srv"
	assert_contains "$T/out" "bsbox setup"
	# a server that does not exist: 127, with a hint
	(cd "$T" && "$BSBOX" proc-macro-srv -- /nonexistent/server </dev/null >"$T/out" 2>"$T/err")
	rc=$?
	assert_rc 127
	[ ! -s "$TSTATE/fails" ]
}

# What rust-analyzer runs to get build-script outputs (toolchains >= 1.89:
# --compile-time-deps, unstable, enabled by rust-analyzer through
# __CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS=nightly), with
# RUSTC_WRAPPER=bsbox from rust-analyzer.cargo.extraEnv.  The malicious build
# script (tests/crates/evil-read) must run confined.
test_editor_ra_build_scripts() {
	_ed_need_toolchain || return
	local ws=$T/ws/evil-read ctd=() out
	mkdir -p "$T/ws"
	cp -r "$EDITORS_ROOT/tests/crates/evil-read" "$ws"
	rm -rf "$ws/target" "$ws/Cargo.lock"
	_ed_fake_home || return 1
	mkdir -p "$H/.secret"
	echo "ghp_bsbox_test_token" >"$H/.secret/token"
	# rust-analyzer passes it from toolchain 1.89 on (cargo lists it only
	# under -Z on stable)
	if PATH=$(_ed_path) RUSTUP_HOME=$_ed_rustup_home cargo check --help 2>/dev/null | grep -q -- '--compile-time-deps' ||
		[ "$(PATH=$(_ed_path) RUSTUP_HOME=$_ed_rustup_home cargo -V | awk '{split($2, v, "."); print (v[1] > 1 || v[2] >= 89)}')" = 1 ]; then
		ctd=(-Zunstable-options --compile-time-deps)
	fi
	for wrapper in none bsbox; do
		out=$T/ra-$wrapper.json
		rm -rf "$ws/target" "$T/log.jsonl"
		(
			cd "$ws" || exit 1
			export HOME="$H" RUSTUP_HOME="$_ed_rustup_home" CARGO_HOME="$_ed_cargo_home"
			export PATH="$(_ed_path)" BSBOX_LOG="$T/log.jsonl"
			export __CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS=nightly
			unset RUSTC_WRAPPER RUSTC_WORKSPACE_WRAPPER BSBOX_MODE
			[ $wrapper = bsbox ] && export RUSTC_WRAPPER="$BSBOX"
			cargo check --quiet --workspace --message-format=json --keep-going \
				"${ctd[@]}" --all-targets --manifest-path "$ws/Cargo.toml"
		) >"$out" 2>"$out.err"
		if [ $wrapper = none ]; then
			# control: unconfined, the script reads the token (it exits 1
			# when it cannot)
			grep -q '"reason":"build-script-executed"' "$out" ||
				{
					fail "control: the build script did not run (or not read the secret) unconfined"
					show "$out"
					show "$out.err"
					return 1
				}
			continue
		fi
		assert_not_contains "$out" '"reason":"build-script-executed"'
		assert_not_contains "$out" 'EVIL READ'
		assert_contains "$out" '"reason":"build-finished","success":false'
		assert_contains "$out.err" "cannot read $H/.secret/token"
		assert_contains "$T/log.jsonl" "\"path\":\"$H/.secret/token\""
		assert_contains "$T/log.jsonl" '"crate":"bsbox-test-evil-read"'
	done
	echo "cargo check flags: ${ctd[*]:-(no --compile-time-deps)}"
	[ ! -s "$TSTATE/fails" ]
}

# contrib/editors/: each file parses and uses the documented setting names.
test_editor_configs() {
	local d=$EDITORS_ROOT/contrib/editors f
	python3 - "$d/settings.json" "$d/languages.toml" >"$T/out" 2>&1 <<'EOF' || fail "editor configs do not parse"
import json, sys, tomllib
s = json.load(open(sys.argv[1]))
assert s["rust-analyzer.cargo.extraEnv"]["RUSTC_WRAPPER"] == "bsbox", s
assert s["rust-analyzer.procMacro.server"].endswith("bsbox-proc-macro-srv"), s
assert s["rust-analyzer.cargo.buildScripts.useRustcWrapper"] is False, s
t = tomllib.load(open(sys.argv[2], "rb"))
c = t["language-server"]["rust-analyzer"]["config"]
assert c["cargo"]["extraEnv"]["RUSTC_WRAPPER"] == "bsbox", c
assert c["procMacro"]["server"].endswith("bsbox-proc-macro-srv"), c
print("ok")
EOF
	for f in rust-analyzer.lua bsbox-eglot.el bsbox-lsp-mode.el; do
		[ -f "$d/$f" ] || fail "missing contrib/editors/$f"
	done
	assert_contains "$d/rust-analyzer.lua" "extraEnv = { RUSTC_WRAPPER = 'bsbox' }"
	assert_contains "$d/rust-analyzer.lua" "procMacro"
	assert_contains "$d/bsbox-eglot.el" ':RUSTC_WRAPPER "bsbox"'
	assert_contains "$d/bsbox-lsp-mode.el" 'lsp-rust-analyzer-proc-macro-server'
	if command -v luac >/dev/null 2>&1; then
		luac -p "$d/rust-analyzer.lua" || fail "rust-analyzer.lua does not compile"
	fi
	if command -v emacs >/dev/null 2>&1; then
		for f in bsbox-eglot.el bsbox-lsp-mode.el; do
			emacs -Q --batch --eval "(with-temp-buffer (insert-file-contents \"$d/$f\") (goto-char (point-min)) (condition-case e (while t (read (current-buffer))) (end-of-file nil)))" ||
				fail "$f does not read"
		done
	fi
	[ ! -s "$TSTATE/fails" ]
}

# ---- CI -------------------------------------------------------------------

test_ci_yaml_valid() {
	if ! command -v yamllint >/dev/null 2>&1; then
		skip_ok "yamllint not installed (apt-get install yamllint)"
		return
	fi
	local files=("$EDITORS_ROOT/contrib/github-actions/bsbox.yml"
		"$EDITORS_ROOT/contrib/gitlab-ci/bsbox.gitlab-ci.yml") f n=0
	cat >"$T/yamllint.yml" <<'EOF'
extends: default
rules:
  line-length: {max: 120}
  truthy: {check-keys: false}
EOF
	yamllint -f parsable -c "$T/yamllint.yml" "${files[@]}" >"$T/out" 2>&1 || {
		fail "yamllint"
		show "$T/out"
	}
	# every third-party action pinned by a full commit hash, with its version
	while read -r line; do
		n=$((n + 1))
		[[ $line =~ uses:\ *[^@\ ]+@[0-9a-f]{40}\ +#\ *v[0-9] ]] ||
			fail "not pinned by hash with a version comment: $line"
	done < <(grep -E '^[^#]*uses:' "${files[0]}")
	[ "$n" -ge 2 ] || fail "expected the workflow to use checkout and upload-sarif ($n uses:)"
	grep -qE '^permissions:' "${files[0]}" && grep -A1 -E '^permissions:' "${files[0]}" | grep -q 'contents: read' ||
		fail "no top-level permissions: contents: read"
	assert_contains "${files[0]}" 'GITHUB_ENV'
	assert_contains "${files[0]}" 'RUSTC_WRAPPER'
	assert_contains "${files[0]}" 'sha256sum'
	assert_contains "${files[0]}" 'report --format sarif'
	[ ! -s "$TSTATE/fails" ]
}

# `bsbox report --format sarif|github` over a log of a real denial.
test_ci_report_formats() {
	_ed_fake_home || return 1
	local log=$T/ci.jsonl
	"$BSBOX" run --log "$log" --crate ci-evil -- cat "$H/.ssh/id_rsa" </dev/null >"$T/out" 2>"$T/err"
	rc=$?
	assert_rc 124 1
	assert_contains "$log" "$H/.ssh/id_rsa"
	"$BSBOX" report --format sarif "$log" >"$T/sarif.json" 2>"$T/err" || fail "report --format sarif failed"
	python3 -m json.tool "$T/sarif.json" >/dev/null 2>"$T/err" || {
		fail "SARIF output is not valid JSON"
		show "$T/err"
	}
	python3 - "$T/sarif.json" "$H/.ssh/id_rsa" <<'EOF' || fail "SARIF content"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["version"] == "2.1.0", s.get("version")
results = [r for run in s["runs"] for r in run.get("results", [])]
assert results, "no results"
assert any(sys.argv[2] in json.dumps(r) for r in results), "the denied path is not in the results"
EOF
	"$BSBOX" report --format github "$log" >"$T/gh.txt" 2>"$T/err" || fail "report --format github failed"
	grep -q '^::error' "$T/gh.txt" || {
		fail "no ::error line"
		show "$T/gh.txt"
	}
	assert_contains "$T/gh.txt" "$H/.ssh/id_rsa"
	[ ! -s "$TSTATE/fails" ]
}

# ---- bsbox setup ----------------------------------------------------------

_ed_setup_home() {
	_ed_fake_home || return 1
	mkdir -p "$H/.cargo"
	cat >"$H/.cargo/config.toml" <<'EOF'
# the user's own settings, comments and layout kept as they are
[net]
git-fetch-with-cli = true

[build]
jobs = 4            # keep this
target-dir = "/var/tmp/shared-target"

[target.x86_64-unknown-linux-gnu]
linker = "clang"
rustflags = ["-C", "link-arg=-fuse-ld=lld"]

[alias]
b = "build"
EOF
	cp "$H/.cargo/config.toml" "$T/orig.toml"
}

test_setup_preserves_config() {
	_ed_setup_home || return 1
	local cfg=$H/.cargo/config.toml
	(env -u CARGO_HOME HOME="$H" "$BSBOX" setup --editor vscode >"$T/out" 2>"$T/err")
	rc=$?
	assert_rc 0
	# the key lands inside the existing [build] table, nowhere else
	python3 - "$cfg" "$BSBOX" <<'EOF' >"$T/toml.txt" 2>&1 || { fail "config after setup"; show "$T/toml.txt"; }
import sys, tomllib
c = tomllib.load(open(sys.argv[1], "rb"))
assert c["build"]["rustc-wrapper"] == sys.argv[2], c["build"]
assert c["build"]["jobs"] == 4 and c["build"]["target-dir"] == "/var/tmp/shared-target", c
assert c["net"]["git-fetch-with-cli"] is True, c
assert c["target"]["x86_64-unknown-linux-gnu"]["linker"] == "clang", c
assert c["alias"]["b"] == "build", c
EOF
	# byte for byte: the only difference is the two added lines (rustdoc
	# runs proc macros too: build.rustdoc is the bsbox-rustdoc link)
	diff "$T/orig.toml" "$cfg" >"$T/diff.txt"
	[ "$(grep -c '^[<>]' "$T/diff.txt")" = 2 ] && grep -q "^> rustc-wrapper = \"$BSBOX\"" "$T/diff.txt" &&
		grep -q "^> rustdoc = \"$H/.local/share/bsbox/bsbox-rustdoc\"" "$T/diff.txt" &&
		[ "$(readlink "$H/.local/share/bsbox/bsbox-rustdoc")" = "$(readlink -f "$BSBOX")" ] ||
		{
			fail "setup changed more than the two lines"
			show "$T/diff.txt"
		}
	cmp -s "$T/orig.toml" "$cfg.bsbox-bak" || fail "no exact backup in config.toml.bsbox-bak"
	assert_contains "$T/out" '"rust-analyzer.cargo.extraEnv"'
	assert_contains "$T/out" '"rust-analyzer.procMacro.server"'
	# cargo reads it: the wrapper is really used
	if PATH=$(_ed_path) command -v cargo >/dev/null 2>&1; then
		mkdir -p "$T/p/src"
		printf '[package]\nname = "p"\nversion = "0.1.0"\nedition = "2021"\n[workspace]\n' >"$T/p/Cargo.toml"
		echo 'fn main() {}' >"$T/p/src/main.rs"
		(cd "$T/p" && env HOME="$H" CARGO_HOME="$H/.cargo" RUSTUP_HOME="$_ed_rustup_home" \
			PATH="$(_ed_path)" CARGO_TARGET_DIR="$T/p/target" cargo build -v --offline >"$T/build.txt" 2>&1) ||
			{
				fail "cargo build with the set-up config failed"
				show "$T/build.txt"
			}
		grep -q "Running \`$BSBOX " "$T/build.txt" || {
			fail "cargo did not run rustc through $BSBOX"
			show "$T/build.txt"
		}
	fi
	# again: nothing to do, nothing written
	(env -u CARGO_HOME HOME="$H" "$BSBOX" setup --no-editor >"$T/out" 2>&1)
	assert_contains "$T/out" "already"
	[ ! -s "$TSTATE/fails" ]
}

test_setup_dry_run_and_undo() {
	_ed_setup_home || return 1
	local cfg=$H/.cargo/config.toml
	(env -u CARGO_HOME HOME="$H" "$BSBOX" setup --dry-run --no-editor >"$T/out" 2>&1)
	rc=$?
	assert_rc 0
	cmp -s "$T/orig.toml" "$cfg" || fail "--dry-run changed the file"
	assert_no_file "$cfg.bsbox-bak"
	assert_contains "$T/out" "+++ $cfg"
	assert_contains "$T/out" "+rustc-wrapper = \"$BSBOX\""
	assert_contains "$T/out" " [build]"
	(env -u CARGO_HOME HOME="$H" "$BSBOX" setup --no-editor >/dev/null 2>&1) || fail "setup failed"
	(env -u CARGO_HOME HOME="$H" "$BSBOX" setup --undo >"$T/out" 2>&1) || fail "setup --undo failed"
	cmp -s "$T/orig.toml" "$cfg" || {
		fail "--undo did not restore the file byte for byte"
		diff "$T/orig.toml" "$cfg"
	}
	# a replaced wrapper comes back; CARGO_HOME is honoured; no file: created
	mkdir -p "$H/ch"
	printf '[build]\nrustc-wrapper = "sccache"\n' >"$H/ch/config.toml"
	cp "$H/ch/config.toml" "$T/sccache.toml"
	(env HOME="$H" CARGO_HOME="$H/ch" "$BSBOX" setup --no-editor >"$T/out" 2>&1) || fail "setup (replace) failed"
	assert_contains "$H/ch/config.toml" "rustc-wrapper = \"$BSBOX\""
	grep -q '^rustc-wrapper = "sccache"' "$H/ch/config.toml" && fail "the old wrapper line is still active"
	assert_contains "$T/out" "BSBOX_RUSTC_WRAPPER"
	(env HOME="$H" CARGO_HOME="$H/ch" "$BSBOX" setup --undo >/dev/null 2>&1)
	cmp -s "$T/sccache.toml" "$H/ch/config.toml" || fail "--undo did not bring sccache back"
	(env HOME="$H" CARGO_HOME="$H/new" "$BSBOX" setup --no-editor >/dev/null 2>&1) || fail "setup (new file) failed"
	assert_contains "$H/new/config.toml" "[build]"
	assert_contains "$H/new/config.toml" "rustc-wrapper = \"$BSBOX\""
	# an inline build table is refused (123), untouched
	printf 'build = { jobs = 2 }\n' >"$H/ch/config.toml"
	(env HOME="$H" CARGO_HOME="$H/ch" "$BSBOX" setup --no-editor >"$T/out" 2>&1)
	rc=$?
	assert_rc 123
	[ ! -s "$TSTATE/fails" ]
}

# ---- man page and package -------------------------------------------------

test_man_page_renders() {
	local man=$EDITORS_ROOT/docs/bsbox.1 s
	[ -f "$man" ] || {
		fail "no docs/bsbox.1"
		return 1
	}
	if ! command -v man >/dev/null 2>&1; then
		skip_ok "man not installed"
		return
	fi
	MANWIDTH=80 man -l "$man" >"$T/out" 2>"$T/err" || fail "man -l failed"
	for s in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS ENVIRONMENT FILES "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		grep -q "^$s" "$T/out" || fail "no $s section"
	done
	for s in 121 122 123 124 126 127 128+N proc-macro-srv "bsbox setup"; do
		assert_contains "$T/out" "$s"
	done
	if command -v groff >/dev/null 2>&1; then
		groff -man -Tutf8 -ww -z "$man" >"$T/warn" 2>&1
		[ -s "$T/warn" ] && {
			fail "groff warnings"
			show "$T/warn"
		}
	fi
	[ ! -s "$TSTATE/fails" ]
}

test_deb_package() {
	if ! command -v dpkg-deb >/dev/null 2>&1; then
		skip_ok "dpkg-deb not installed"
		return
	fi
	# a copy of the tree: make install rebuilds ./bsbox, which others may be using
	local src=$T/src deb
	mkdir -p "$src"
	(cd "$EDITORS_ROOT" && tar --exclude=./build --exclude=./bsbox --exclude='./contrib/demo/target' \
		--exclude='*/target' -cf - .) | (cd "$src" && tar -xf -) || fail "copying the tree"
	deb=$(cd "$src" && bash contrib/debian/build-deb.sh "$T" 2>"$T/build.txt")
	[ -n "$deb" ] && [ -f "$deb" ] || {
		fail "build-deb.sh produced no package"
		tail -n 30 "$T/build.txt"
		return 1
	}
	dpkg-deb -c "$deb" >"$T/contents.txt" || fail "dpkg-deb -c"
	assert_contains "$T/contents.txt" "./usr/bin/bsbox"
	assert_contains "$T/contents.txt" "./usr/share/man/man1/bsbox.1.gz"
	assert_contains "$T/contents.txt" "./usr/share/bsbox/policies/"
	assert_contains "$T/contents.txt" "./usr/share/bsbox/bsbox-proc-macro-srv"
	assert_contains "$T/contents.txt" "./etc/apparmor.d/bsbox"
	grep -q 'root/root' "$T/contents.txt" || fail "files not owned by root"
	dpkg-deb -f "$deb" Depends >"$T/dep.txt"
	assert_contains "$T/dep.txt" "libseccomp2"
	assert_contains "$T/dep.txt" "libcap2"
	assert_contains "$T/dep.txt" "libcjson1"
	# the packaged binary runs
	mkdir -p "$T/x"
	dpkg-deb -x "$deb" "$T/x"
	"$T/x/usr/bin/bsbox" --version >"$T/out" 2>&1 || fail "packaged bsbox --version"
	[ ! -s "$TSTATE/fails" ]
}
