# shellcheck shell=bash disable=SC2016,SC2034
# The supervisor's memory of allowed read-only opens (issue 16,
# src/pathcache.c): without the FUSE root every open is a notification, and
# a path let through before skips the host lookups.  What it remembers must
# never hide a denial: a path the sandbox can redirect (under a writable rule)
# is decided afresh each time, and a denied path is never remembered.

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
	[ "$(grep -c "\"path\":\"$T/secret/s\".*\"action\":\"denied\"" "$BSBOX_LOG")" = 2 ] ||
		{ fail "want 2 denials of $T/secret/s (each redirected read)"; show "$BSBOX_LOG"; return 1; }
}

# A read outside the policy, repeated: denied and logged every time.
test_layer_log_pathcache_denied_repeated() {
	mkdir -p "$T/secret" && echo SECRET >"$T/secret/s"
	rm -f "$BSBOX_LOG"
	run_bsbox run --policy "$(mkpolicy pathcache2)" -- sh -c 'for i in 1 2 3; do cat "$1"; done; true' x "$T/secret/s"
	assert_rc 124 || return 1
	assert_not_contains "$T/out" SECRET || return 1
	[ "$(grep -c "\"path\":\"$T/secret/s\".*\"action\":\"denied\"" "$BSBOX_LOG")" = 3 ] ||
		{ fail "want 3 denials of $T/secret/s"; show "$BSBOX_LOG"; return 1; }
}
