# The set-up commands and the CI recipes, run as a new user would run them.
#
# - contrib/bootstrap.sh (the README's two commands) with stub apt-get, make
#   and sudo that record what they were asked: as root without sudo, through
#   sudo, and refused without either.
# - the README, .ci/run and the Makefile agree on the commands and the
#   package list (`make print-deps` is the one list).
# - the GitHub and GitLab recipes' shell steps, extracted from the YAML and run
#   in a private mount namespace (a fresh /usr/local, /tmp and
#   /etc/apparmor.d), on a scratch copy of this tree and a small crate.

CI_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# ---- contrib/bootstrap.sh ----------------------------------------------------

# _ci_farm DIR: a PATH directory holding every command of /usr/bin and /bin
# except make and sudo (a fresh Debian container has neither), and stubs:
#   apt-get   records "apt-get ARGS"; `install ... make` puts the make stub in DIR
#   make      (once installed) records "make ARGS"
#   sudo      only when SUDO_STUB=1: records "sudo", runs the rest
# Every record goes to DIR/calls, prefixed with the uid it ran as.
_ci_farm() {
	local dir=$1 f
	mkdir -p "$dir"
	for f in /bin/* /usr/bin/*; do
		case ${f##*/} in make | sudo | apt-get) continue ;; esac
		[ -e "$dir/${f##*/}" ] || ln -s "$f" "$dir/${f##*/}"
	done
	cat >"$dir/.make" <<EOF
#!/bin/sh
echo "\$(id -u) make \$*" >>"$dir/calls"
EOF
	cat >"$dir/apt-get" <<EOF
#!/bin/sh
echo "\$(id -u) apt-get \$*" >>"$dir/calls"
case " \$* " in *" install "*" make "* | *" install "*" make") cp "$dir/.make" "$dir/make" ;; esac
EOF
	cat >"$dir/.sudo" <<EOF
#!/bin/sh
echo "\$(id -u) sudo \$*" >>"$dir/calls"
# the stub cannot become root: it records and runs the command as is, and
# the stubs it runs record the uid they saw
exec "\$@"
EOF
	chmod 755 "$dir/.make" "$dir/apt-get" "$dir/.sudo"
	: >"$dir/calls"
	chmod 666 "$dir/calls"
	chmod 777 "$dir" # the apt-get stub "installs" make as the test user too
}

# _ci_bootstrap DIR ARG [as_user]: run a copy of bootstrap.sh with PATH=DIR
_ci_bootstrap() {
	local dir=$1 arg=$2 who=${3:-}
	mkdir -p "$T/tree/contrib" && cp "$CI_ROOT/contrib/bootstrap.sh" "$T/tree/contrib/"
	chmod -R a+rX "$T/tree"
	if [ "$who" = user ]; then
		as_user env -i PATH="$dir" HOME=/nonexistent sh "$T/tree/contrib/bootstrap.sh" "$arg" >"$T/out" 2>"$T/err"
	else
		env -i PATH="$dir" HOME=/root sh "$T/tree/contrib/bootstrap.sh" "$arg" >"$T/out" 2>"$T/err"
	fi
	rc=$?
}

test_ci_bootstrap_as_root_without_sudo() {
	is_root || { skip_ok "the root case needs the suite to run as root"; return; }
	_ci_farm "$T/bin"
	_ci_bootstrap "$T/bin" demo
	assert_rc 0 || return 1
	# make was missing: installed first, then the Makefile's deps as root,
	# the demo built; sudo never came into it (there is none)
	printf '%s\n' "0 apt-get update -qq" \
		"0 apt-get install -y -qq --no-install-recommends make" \
		"0 make deps" "0 make demo" >"$T/want"
	diff -u "$T/want" "$T/bin/calls" >"$T/diff" || { fail "bootstrap demo as root: unexpected calls"; show "$T/diff"; }
	# make present now: not installed again; the suite's own sequence
	: >"$T/bin/calls"
	_ci_bootstrap "$T/bin" check
	assert_rc 0 || return 1
	printf '%s\n' "0 make test-deps" "0 make -j2 bsbox units build/probe" "0 make check" >"$T/want"
	diff -u "$T/want" "$T/bin/calls" >"$T/diff" || { fail "bootstrap check as root: unexpected calls"; show "$T/diff"; }
	return 0
}

_ci_need_user() {
	is_root || { skip_ok "needs root to run as the unprivileged test user"; return 77; }
	id "$BSBOX_TEST_USER" >/dev/null 2>&1 || { skip "no user $BSBOX_TEST_USER (the runner creates it when mode user is on)"; return 77; }
}

test_ci_bootstrap_through_sudo() {
	_ci_need_user || return
	_ci_farm "$T/bin"
	cp "$T/bin/.sudo" "$T/bin/sudo"
	cp "$T/bin/.make" "$T/bin/make"
	_ci_bootstrap "$T/bin" check user
	assert_rc 0 || return 1
	# installing and the suite through sudo; the build as the user
	local u
	u=$(id -u "$BSBOX_TEST_USER")
	printf '%s\n' "$u sudo make test-deps" "$u make test-deps" "$u make -j2 bsbox units build/probe" \
		"$u sudo make check" "$u make check" >"$T/want"
	diff -u "$T/want" "$T/bin/calls" >"$T/diff" || { fail "bootstrap check via sudo: unexpected calls"; show "$T/diff"; }
	# and make itself through sudo when it is missing
	rm -f "$T/bin/make"
	: >"$T/bin/calls"
	_ci_bootstrap "$T/bin" demo user
	grep -q "^$u sudo env .*apt-get install .*make$" "$T/bin/calls" || { fail "make not installed through sudo"; show "$T/bin/calls"; }
	return 0
}

test_ci_bootstrap_refuses_without_root_or_sudo() {
	_ci_need_user || return
	_ci_farm "$T/bin"
	_ci_bootstrap "$T/bin" demo user
	assert_rc 1 || return 1
	assert_contains "$T/err" "run this as root, or install sudo"
	[ ! -s "$T/bin/calls" ] || { fail "it ran something before refusing"; show "$T/bin/calls"; }
	_ci_bootstrap "$T/bin" nope
	assert_rc 2
	assert_contains "$T/err" "usage:"
}

# ---- the README, .ci/run and the package list -----------------------------------

test_ci_readme_commands() {
	# the README's first code block: exactly the two bootstrap commands
	awk '/^```sh$/ { on = 1; next } on && /^```$/ { exit } on' "$CI_ROOT/README.md" |
		sed 's/ *#.*//' >"$T/block"
	printf '%s\n' "sh contrib/bootstrap.sh demo" "sh contrib/bootstrap.sh check" >"$T/want"
	diff -u "$T/want" "$T/block" >"$T/diff" || { fail "README's set-up commands"; show "$T/diff"; }
	# CI runs the same test command, last
	[ "$(grep -v '^\s*\(#.*\)\?$' "$CI_ROOT/.ci/run" | tail -n 1)" = "sh contrib/bootstrap.sh check" ] ||
		fail ".ci/run does not end with the README's test command"
	return 0
}

# The recipes install `make print-deps`, never a list of their own, and that
# is the list `make deps` installs.
test_ci_recipes_package_list() {
	local f deps p
	deps=$(make -s --no-print-directory -C "$CI_ROOT" print-deps) || { fail "make print-deps"; return 1; }
	[ -n "$deps" ] || { fail "make print-deps printed nothing"; return 1; }
	for p in libseccomp-dev libcap-dev libcjson-dev libbpf-dev pkg-config; do
		[[ " $deps " == *" $p "* ]] || fail "make print-deps lacks $p (src/ links it)"
	done
	make -n -C "$CI_ROOT" deps >"$T/deps.n" 2>&1 || { fail "make -n deps"; return 1; }
	for p in $deps; do
		grep -q -- "[[:space:]]$p\b" "$T/deps.n" || fail "make deps does not install $p"
	done
	for f in contrib/github-actions/bsbox.yml contrib/gitlab-ci/bsbox.gitlab-ci.yml; do
		grep -q 'print-deps' "$CI_ROOT/$f" || fail "$f does not install \`make print-deps\`"
		# a -dev package named in a recipe is a second list that can fall behind
		if grep -v '^\s*#' "$CI_ROOT/$f" | grep -Eo '\blib[a-z0-9.+-]+-dev\b' >"$T/own"; then
			fail "$f names packages of its own: $(tr '\n' ' ' <"$T/own")"
		fi
	done
	return 0
}

# ---- the recipes, run --------------------------------------------------------------

# _ci_steps KIND FILE OUTDIR: write each shell step of the recipe as
# OUTDIR/NN.sh (GitHub: every `run:`; GitLab: before_script + script as one
# step, after_script as another) and OUTDIR/NN.name; the variables the recipe
# sets go to OUTDIR/env (KEY=VALUE lines, in order).
_ci_steps() {
	python3 - "$@" <<'EOF'
import os, sys, yaml
kind, path, out = sys.argv[1:4]
doc = yaml.safe_load(open(path))
steps, env = [], {}
def flat(x):
    for i in x:
        if isinstance(i, list):
            yield from flat(i)
        else:
            yield i
if kind == "github":
    env.update(doc.get("env") or {})
    (job,) = doc["jobs"].values()
    env.update(job.get("env") or {})
    for s in job["steps"]:
        if "run" in s:
            steps.append((s.get("name", "?"), s["run"], "if" in s))
        else:
            steps.append((s.get("name", "?") + " [uses: " + s["uses"].split("@")[0] + "]", None, False))
else:
    env.update(doc.get("variables") or {})
    job = doc["build"]
    env.update(job.get("variables") or {})
    steps.append(("before_script + script",
                  "\n".join(flat(job["before_script"])) + "\n" + "\n".join(flat(job["script"])), False))
    steps.append(("after_script", "\n".join(flat(job["after_script"])), True))
os.makedirs(out, exist_ok=True)
for i, (name, run, always) in enumerate(steps):
    open(f"{out}/{i:02d}.name", "w").write(name + ("\n" if not always else " [always]\n"))
    if run is not None:
        open(f"{out}/{i:02d}.sh", "w").write(run)
with open(f"{out}/env", "w") as f:
    for k, v in env.items():
        f.write(f"{k}={v}\n")
EOF
}

# _ci_tree DIR: this tree as a new user gets it (tracked and new files, no
# build output), committed in a git repository; prints the commit
_ci_tree() {
	local dir=$1
	mkdir -p "$dir"
	(cd "$CI_ROOT" && git ls-files -co --exclude-standard -z | xargs -0 tar -cf - --no-recursion) |
		tar -xf - -C "$dir" || return 1
	git -C "$dir" init -q && git -C "$dir" add -A &&
		git -C "$dir" -c user.name=ci -c user.email=ci@localhost commit -qm tree &&
		git -C "$dir" rev-parse HEAD
}

# _ci_project DIR: the project the recipe builds (a crate with a build
# script) with its Cargo.lock, for --locked, and its .bsbox/lock.json, for
# the recipes' locked mode (a project commits both)
_ci_project() {
	mkdir -p "$1" && cp -r "$CI_ROOT/tests/crates/benign/." "$1/" && rm -rf "$1/target"
	(cd "$1" && cargo generate-lockfile --offline) >/dev/null 2>&1 || return 1
	(cd "$1" && "$BSBOX" lock) >"$T/lock.out" 2>&1 || { cat "$T/lock.out"; return 1; }
}

# _ci_mount_ns SCRIPT: run SCRIPT (bash) in a private mount namespace where
# /usr/local (an overlay), /tmp and /etc/apparmor.d are scratch, so what the
# recipe installs never reaches this machine
_ci_mount_ns() {
	mkdir -p "$T/ul"
	unshare -m --propagation private bash -c '
		set -e
		mount -t tmpfs tmpfs "$1"
		mkdir "$1/up" "$1/work"
		mount -t overlay overlay -o "lowerdir=/usr/local,upperdir=$1/up,workdir=$1/work" /usr/local
		mount -t tmpfs tmpfs /tmp
		mount -t tmpfs tmpfs /etc/apparmor.d
		exec bash "$2"' ci-ns "$T/ul" "$1"
}

_ci_recipe_prereqs() {
	is_root || { skip_ok "needs root for a private mount namespace over /usr/local"; return 77; }
	[ -d "$HOME/.cargo/bin" ] && PATH=$HOME/.cargo/bin:$PATH
	command -v cargo >/dev/null 2>&1 || { skip "no cargo on PATH"; return 77; }
	python3 -c 'import yaml' 2>/dev/null || { skip_ok "python3-yaml not installed (apt-get install yamllint)"; return 77; }
	unshare -m true 2>/dev/null || { skip "no mount namespaces here"; return 77; }
}

# stubs the runner provides: sudo (we are root; the recipe's runner has
# password-less sudo), apt-get that checks each package is installed here
# instead of installing it, apparmor_parser (no AppArmor here)
_ci_runner_bin() {
	local dir=$1
	mkdir -p "$dir"
	cat >"$dir/sudo" <<'EOF'
#!/bin/sh
exec "$@"
EOF
	cat >"$dir/apt-get" <<EOF
#!/bin/sh
echo "apt-get \$*" >>"$T/apt.log"
[ "\$1" = install ] || exit 0
for p; do
	case \$p in -*) continue ;; install) continue ;; esac
	echo "\$p" >>"$T/apt.pkgs"
	dpkg-query -W -f='\${Status}' "\$p" 2>/dev/null | grep -q 'install ok installed' ||
		{ echo "E: Unable to locate package \$p (not installed here)" >&2; exit 100; }
done
EOF
	cat >"$dir/apparmor_parser" <<EOF
#!/bin/sh
echo "apparmor_parser \$*" >>"$T/apt.log"
EOF
	chmod 755 "$dir"/*
}

# compare what the recipe asked apt-get for with `make print-deps`
_ci_check_packages() {
	local p
	[ -s "$T/apt.pkgs" ] || { fail "the recipe installed no packages"; return 1; }
	for p in $(make -s --no-print-directory -C "$CI_ROOT" print-deps); do
		grep -qx -- "$p" "$T/apt.pkgs" || fail "the recipe did not install $p"
	done
}

test_ci_github_recipe_runs() {
	_ci_recipe_prereqs || return
	local ws=$T/ws steps=$T/steps
	_ci_steps github "$CI_ROOT/contrib/github-actions/bsbox.yml" "$steps" || { fail "parse the workflow"; return 1; }
	# the two checkouts (uses: actions/checkout): the project, bsbox in .bsbox-src
	_ci_project "$ws" || { fail "could not make the project's Cargo.lock"; return 1; }
	_ci_tree "$ws/.bsbox-src" >/dev/null || { fail "copy of the tree"; return 1; }
	_ci_runner_bin "$T/runner-bin"
	mkdir -p "$T/runner-temp"
	: >"$T/github-env"
	cat >"$T/job.sh" <<EOF
set -u
cd "$ws"
export PATH="$T/runner-bin:\$PATH" RUNNER_TEMP="$T/runner-temp" GITHUB_ENV="$T/github-env"
export GITHUB_WORKSPACE="$ws" CI=true
set -a; . "$steps/env"; set +a
failed=0
for s in "$steps"/*.name; do
	n=\${s%.name}
	echo "::: \$(cat "\$s")"
	[ -f "\$n.sh" ] || { echo "(not a shell step: emulated or skipped)"; continue; }
	case \$(cat "\$s") in *"[always]"*) ;; *) [ \$failed = 0 ] || continue ;; esac
	# what earlier steps put in \$GITHUB_ENV
	set -a; . "$T/github-env"; set +a
	bash --noprofile --norc -eo pipefail "\$n.sh" || { echo "::: step failed"; failed=1; }
done
# what the job left, checked here (the mount namespace ends with this script)
test -x /usr/local/bin/bsbox && echo "installed: /usr/local/bin/bsbox"
test -d /usr/local/share/bsbox/policies && echo "installed: policies"
test -f /etc/apparmor.d/bsbox && echo "installed: the AppArmor profile"
exit \$failed
EOF
	_ci_mount_ns "$T/job.sh" >"$T/job.out" 2>&1
	rc=$?
	[ "$rc" = 0 ] || { fail "a step of the workflow failed (exit $rc)"; tail -n 40 "$T/job.out"; return 1; }
	assert_contains "$T/job.out" "installed: /usr/local/bin/bsbox"
	assert_contains "$T/job.out" "installed: policies"
	assert_contains "$T/job.out" "installed: the AppArmor profile"
	assert_contains "$T/apt.log" "apparmor_parser -r /etc/apparmor.d/bsbox"
	assert_contains "$T/job.out" "sandbox mode:" # bsbox doctor ran
	_ci_check_packages
	# the build ran through bsbox: its build script is a shim, the binary works
	grep -q "^RUSTC_WRAPPER=/usr/local/bin/bsbox$" "$T/github-env" || fail "RUSTC_WRAPPER not in \$GITHUB_ENV"
	grep -rqs '^# bsbox-shim 1$' "$ws/target/debug/build" || fail "the build script was not confined (no shim)"
	assert_eq "$("$ws/target/debug/bsbox-test-benign")" "hello from OUT_DIR set-by-build-rs" "the built binary"
	[ -f "$ws/bsbox.sarif" ] && python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$ws/bsbox.sarif" ||
		fail "no valid bsbox.sarif"
	return 0
}
timeout_test_ci_github_recipe_runs=900

test_ci_gitlab_recipe_runs() {
	_ci_recipe_prereqs || return
	local ws=$T/ws steps=$T/steps ref
	_ci_steps gitlab "$CI_ROOT/contrib/gitlab-ci/bsbox.gitlab-ci.yml" "$steps" || { fail "parse the job"; return 1; }
	_ci_project "$ws" || { fail "could not make the project's Cargo.lock"; return 1; }
	ref=$(_ci_tree "$T/bsbox.git") || { fail "copy of the tree"; return 1; }
	_ci_runner_bin "$T/runner-bin"
	# the job's variables, as the runner sets them: the recipe's, with the
	# pinned commit pointing at the scratch repository
	cat >"$T/job.sh" <<EOF
set -u
cd "$ws"
export PATH="$T/runner-bin:\$PATH" CI_PROJECT_DIR="$ws" CI=true
while IFS= read -r kv; do export "\${kv%%=*}=\$(eval "echo \"\${kv#*=}\"")"; done <"$steps/env"
export BSBOX_GIT="file://$T/bsbox.git" BSBOX_REF="$ref"
echo "::: \$(cat "$steps/00.name")"
bash --noprofile --norc -eo pipefail "$steps/00.sh"; r=\$?
echo "::: \$(cat "$steps/01.name")"
bash --noprofile --norc -eo pipefail "$steps/01.sh" || echo "::: after_script failed"
test -x /usr/local/bin/bsbox && echo "installed: /usr/local/bin/bsbox"
exit \$r
EOF
	_ci_mount_ns "$T/job.sh" >"$T/job.out" 2>&1
	rc=$?
	[ "$rc" = 0 ] || { fail "the job failed (exit $rc)"; tail -n 40 "$T/job.out"; return 1; }
	assert_contains "$T/job.out" "installed: /usr/local/bin/bsbox"
	assert_not_contains "$T/job.out" "after_script failed"
	assert_contains "$T/job.out" "sandbox mode:"
	_ci_check_packages
	grep -rqs '^# bsbox-shim 1$' "$ws/target/debug/build" || fail "the build script was not confined (no shim)"
	assert_eq "$("$ws/target/debug/bsbox-test-benign")" "hello from OUT_DIR set-by-build-rs" "the built binary"
	[ -f "$ws/bsbox-events.jsonl" ] || fail "no event log artifact"
	[ -f "$ws/bsbox.sarif" ] || fail "no SARIF artifact"
	return 0
}
timeout_test_ci_gitlab_recipe_runs=900

# ---- the build ------------------------------------------------------------------

# _ci_make ARGS...: make in this tree with objects under $T/o (file targets
# only: `make bsbox` would copy over ./bsbox); output in $T/make.out
_ci_make() {
	nice make -C "$CI_ROOT" -j2 O="$T/o" "$@" >"$T/make.out" 2>&1
}

# clang builds it too, warning-free (-Werror is in the Makefile's own flags)
test_ci_build_clang() {
	command -v clang >/dev/null 2>&1 || { skip "clang not installed (make test-deps)"; return; }
	_ci_make CC=clang "$T/o/bsbox" units || { fail "make CC=clang"; tail -n 30 "$T/make.out"; return 1; }
	assert_not_contains "$T/make.out" "warning:"
	"$T/o/bsbox" --version >/dev/null || fail "the clang-built bsbox does not run"
}
timeout_test_ci_build_clang=900

# the user's CFLAGS replace the optimisation, not bsbox's own flags
test_ci_build_user_cflags() {
	_ci_make CFLAGS=-O1 "$T/o/bsbox" || { fail "make CFLAGS=-O1"; tail -n 30 "$T/make.out"; return 1; }
	make -C "$CI_ROOT" -n -B O="$T/o" CFLAGS=-O1 V=1 "$T/o/err.o" >"$T/cmd" 2>&1
	assert_contains "$T/cmd" "-Iinclude"
	assert_contains "$T/cmd" "-Werror"
	grep -q -- '-O1 -c -o' "$T/cmd" || { fail "the user's CFLAGS do not come last"; show "$T/cmd"; }
	# and -O0 leaves out _FORTIFY_SOURCE, which needs an optimising build
	make -C "$CI_ROOT" -n -B O="$T/o" CFLAGS="-O0 -g" V=1 "$T/o/err.o" >"$T/cmd0" 2>&1
	assert_not_contains "$T/cmd0" "_FORTIFY_SOURCE"
}
timeout_test_ci_build_user_cflags=900

# The pure modules' unit tests link with cJSON alone (the Makefile's check
# that they stay pure): no libseccomp, libcap or libbpf in them.
test_ci_pure_units() {
	local u
	_ci_make units || { fail "make units"; tail -n 30 "$T/make.out"; return 1; }
	for u in directives_test policy_test semver_test; do
		grep -q "UNIT .*/unit/$u (pure: cJSON only)" "$T/make.out" || fail "$u is not linked as a pure unit test"
		if readelf -d "$T/o/unit/$u" | grep -E 'NEEDED.*(seccomp|bpf|libcap)' >"$T/needed"; then
			fail "$u needs $(cat "$T/needed")"
		fi
	done
	return 0
}
timeout_test_ci_pure_units=900

# The .deb depends on a package for every library its binary links (it named
# libseccomp2, libcap2 and libcjson1 but not libbpf1).
test_ci_deb_depends() {
	command -v dpkg-deb >/dev/null 2>&1 || { skip_ok "not a Debian system (no dpkg-deb)"; return; }
	local deb so pkg ok
	_ci_tree "$T/tree" >/dev/null || { fail "copy of the tree"; return 1; }
	deb=$(cd "$T/tree" && MAKEFLAGS=-j2 nice sh contrib/debian/build-deb.sh "$T" 2>"$T/build.err") ||
		{ fail "build-deb.sh failed"; tail -n 20 "$T/build.err"; return 1; }
	dpkg-deb -f "$deb" Depends >"$T/depends" || { fail "no Depends in $deb"; return 1; }
	dpkg-deb -x "$deb" "$T/x" || { fail "dpkg-deb -x"; return 1; }
	for so in $(objdump -p "$T/x/usr/bin/bsbox" | awk '$1 == "NEEDED" { print $2 }'); do
		ok=
		for pkg in $(tr -d ' ' <"$T/depends" | tr ',' ' '); do
			dpkg -L "${pkg%%(*}" 2>/dev/null | grep -q "/$so\$" && ok=1
		done
		[ -n "$ok" ] || fail "bsbox links $so, which no package of Depends ($(cat "$T/depends")) ships"
	done
	assert_contains "$T/depends" "libbpf1"
}
timeout_test_ci_deb_depends=900
