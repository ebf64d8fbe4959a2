# shellcheck shell=bash disable=SC2016,SC2034
# The supervisor's memory of allowed read-only opens and execs (issue 16,
# src/pathcache.c): without the FUSE root every open is a notification, and
# a path let through before skips the host lookups.  What it remembers must
# never hide a denial: a path the sandbox can redirect (under a writable rule)
# is decided afresh each time, and a denied path is never remembered.

# denials_of PATH N WHY: the log holds exactly N denials of PATH
denials_of() {
	[ "$(grep -c "\"path\":\"$1\".*\"action\":\"denied\"" "$BSBOX_LOG")" = "$2" ] && return 0
	fail "want $2 denials of $1 ($3)"
	show "$BSBOX_LOG"
	return 1
}

# A symlink in a writable directory, read once while it leads inside the
# policy, then pointed outside: the second read is denied and logged.
test_layer_log_pathcache_redirected() {
	mkdir -p "$T/w" "$T/secret" && echo SECRET >"$T/secret/s" && echo fine >"$T/w/f"
	local pol
	pol=$(mkpolicy pathcache write "\"$T/w\"")
	rm -f "$BSBOX_LOG"
	run_bsbox run --policy "$pol" -- sh -c 'ln -s f "$1/l" && cat "$1/l" "$1/l" && rm "$1/l" &&
		ln -s "$2" "$1/l" && cat "$1/l"; cat "$1/l"; true' x "$T/w" "$T/secret/s"
	assert_rc 124 || return 1
	assert_contains "$T/out" fine || return 1
	assert_not_contains "$T/out" SECRET || return 1
	denials_of "$T/secret/s" 2 "each redirected read" || return 1
}

# A read outside the policy, repeated: denied and logged every time.
test_layer_log_pathcache_denied_repeated() {
	mkdir -p "$T/secret" && echo SECRET >"$T/secret/s"
	rm -f "$BSBOX_LOG"
	run_bsbox run --policy "$(mkpolicy pathcache2)" -- sh -c 'for i in 1 2 3; do cat "$1"; done; true' x "$T/secret/s"
	assert_rc 124 || return 1
	assert_not_contains "$T/out" SECRET || return 1
	denials_of "$T/secret/s" 3 "each one logged" || return 1
}

# Execs are remembered too (a configure script's PATH searches), in a cache
# of their own.  A symlink in a writable directory, run while it leads to
# /bin/true, then pointed at a program outside the policy: that exec is
# denied and logged, each time.
test_layer_log_pathcache_exec_redirected() {
	mkdir -p "$T/w" "$T/tools" && printf '#!/bin/sh\necho RAN\n' >"$T/tools/prog" &&
		chmod 755 "$T/tools/prog"
	local pol
	pol=$(mkpolicy pathcache3 write "\"$T/w\"")
	rm -f "$BSBOX_LOG"
	run_bsbox run --policy "$pol" -- sh -c 'ln -s /bin/true "$1/x" && "$1/x" && "$1/x" && echo ok1 &&
		rm "$1/x" && ln -s "$2" "$1/x"; "$1/x"; "$1/x"; true' x "$T/w" "$T/tools/prog"
	assert_rc 124 || return 1
	assert_contains "$T/out" ok1 || return 1
	assert_not_contains "$T/out" RAN || return 1
	denials_of "$T/tools/prog" 2 "each redirected exec" || return 1
}

# An exec outside the policy, repeated after allowed ones of the same
# program by another name: denied and logged every time; the allowed one
# keeps working from the cache.
test_layer_log_pathcache_exec_denied_repeated() {
	mkdir -p "$T/tools" && cp /bin/true "$T/tools/true" && chmod 755 "$T/tools/true"
	rm -f "$BSBOX_LOG"
	run_bsbox run --policy "$(mkpolicy pathcache4)" -- sh -c 'for i in 1 2 3; do /bin/true && echo ok$i; "$1"; done; true' x "$T/tools/true"
	assert_rc 124 || return 1
	assert_contains "$T/out" ok3 || return 1
	denials_of "$T/tools/true" 3 "each one logged" || return 1
}
