#!/bin/sh
# Set bsbox up on a fresh Debian or Ubuntu machine: the README's two commands.
#
#   sh contrib/bootstrap.sh demo    install the build packages, build ./bsbox and
#                                   run the demo (contrib/demo: a build script caught)
#   sh contrib/bootstrap.sh check   install the test packages and the crate corpus,
#                                   build, then run the whole suite (make check)
#
# Works as root (a fresh Debian container: no sudo, no make) and as a user
# with sudo. Only what needs root runs as root: installing packages, and the
# suite, which tests as root and as an unprivileged user it creates. The build
# runs as the caller, so the tree stays the caller's. POSIX sh: bash may be
# all the machine has, or not even that.
set -eu

usage() {
	echo "usage: sh contrib/bootstrap.sh demo|check" >&2
	exit 2
}
[ $# -eq 1 ] || usage
case $1 in demo | check) ;; *) usage ;; esac

cd "$(dirname "$0")/.."

# asroot CMD...: CMD as root, through sudo only when we are not root already
if [ "$(id -u)" = 0 ]; then
	asroot() { "$@"; }
elif command -v sudo >/dev/null 2>&1; then
	asroot() { sudo "$@"; }
else
	echo "bootstrap: installing packages needs root: run this as root, or install sudo" >&2
	exit 1
fi

# make itself, before anything else can use the Makefile
if ! command -v make >/dev/null 2>&1; then
	asroot apt-get update -qq
	asroot env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends make
fi

case $1 in
demo)
	asroot make deps
	make demo
	;;
check)
	asroot make test-deps
	make -j2 bsbox units build/probe
	asroot make check
	;;
esac
