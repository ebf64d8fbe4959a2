/* Checking cargo directives printed by build scripts.  Pure: see directives.h.
 *
 * The parsing mirrors cargo's BuildOutput::parse: the line is trimmed of
 * Unicode white space (Rust's str::trim), then `cargo::` (new syntax) or
 * `cargo:` (old syntax) is stripped and the rest split at the first '='.
 * The key is not trimmed, so "cargo:rustc-link-arg =x" is old-syntax
 * metadata to cargo and to us. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "directives.h"
#include "util.h"

/* Byte length of the Unicode White_Space character at s (n bytes left), or 0. */
static size_t ws_at(const unsigned char *s, size_t n)
{
	if (n >= 1 && ((s[0] >= 0x09 && s[0] <= 0x0d) || s[0] == 0x20))
		return 1;
	if (n >= 2 && s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (n < 3)
		return 0;
	if (s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80) /* U+1680 */
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x80 &&
	    ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 || s[2] == 0xa9 || s[2] == 0xaf))
		return 3; /* U+2000..200A, U+2028, U+2029, U+202F */
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f) /* U+205F */
		return 3;
	if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80) /* U+3000 */
		return 3;
	return 0;
}

/* Byte length of a white space character ending at s[n-1], or 0. */
static size_t ws_before(const unsigned char *s, size_t n)
{
	for (size_t k = 1; k <= 3 && k <= n; k++)
		if (ws_at(s + n - k, k) == k)
			return k;
	return 0;
}

static void set_why(struct directive_verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_why(struct directive_verdict *v, const char *fmt, ...)
{
	if (!v)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->why, sizeof v->why, fmt, ap);
	va_end(ap);
}

static void set_key(struct directive_verdict *v, const char *key, size_t klen)
{
	if (!v)
		return;
	if (klen >= sizeof v->key)
		klen = sizeof v->key - 1;
	memcpy(v->key, key, klen);
	v->key[klen] = '\0';
}

/* Keys that can change the final link (or rustc's command line) beyond what
 * the script could do inside the sandbox: a link argument runs outside the
 * sandbox with the user's rights (-fuse-ld=, -Wl,-plugin=...). */
static const char *const restricted_keys[] = {
	"rustc-link-arg",	  "rustc-link-arg-bins",   "rustc-link-arg-bin",
	"rustc-link-arg-tests",	  "rustc-link-arg-examples", "rustc-link-arg-benches",
	"rustc-link-arg-cdylib",  "rustc-cdylib-link-arg", "rustc-flags",
	NULL,
};

static const char *const allowed_keys[] = {
	"rerun-if-changed", "rerun-if-env-changed", "warning",	"error",
	"rustc-cfg",	    "rustc-check-cfg",	    "metadata", NULL,
};

/* Environment variables a `rustc-env` directive must not set: cargo puts
 * them in the environment of the RUSTC_WRAPPER/rustc process compiling the
 * crate, outside the sandbox, and they make rustc, the linker or bsbox run
 * other code. */
static const char *const env_denied_prefixes[] = {
	"LD_", "DYLD_", "GCC_", "COLLECT_", "BSBOX_", "SCCACHE_", NULL,
};
static const char *const env_denied[] = {
	"PATH",		 "COMPILER_PATH",      "LIBRARY_PATH",	"CPATH",
	"C_INCLUDE_PATH", "CPLUS_INCLUDE_PATH", "GCONV_PATH",	"LOCPATH",
	"GLIBC_TUNABLES", "RUST_TARGET_PATH",   "RUSTC_BOOTSTRAP", "RUSTC_WRAPPER",
	"RUSTC_WORKSPACE_WRAPPER", "RUSTC",	"TMPDIR",	"HOME",
	"XDG_CONFIG_HOME", NULL,
};

static bool in_list(const char *const *list, const char *s, size_t n)
{
	for (size_t i = 0; list[i]; i++)
		if (strlen(list[i]) == n && memcmp(list[i], s, n) == 0)
			return true;
	return false;
}

static bool env_name_denied(const char *name, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; env_denied_prefixes[i]; i++) {
		size_t pl = strlen(env_denied_prefixes[i]);
		if (n >= pl && memcmp(name, env_denied_prefixes[i], pl) == 0)
			return true;
	}
	return in_list(env_denied, name, n);
}

static bool policy_allows(const struct policy *p, const char *key)
{
	return p && policy_directive_allowed(p, key);
}

static int check_link_search(const char *val, const struct policy *p,
			     const char *const *allowed_dirs, struct directive_verdict *v)
{
	static const char *const kinds[] = { "dependency=", "crate=", "native=", "framework=",
					     "all=", NULL };
	const char *path = val;
	for (size_t i = 0; kinds[i]; i++) {
		size_t kl = strlen(kinds[i]);
		if (strncmp(val, kinds[i], kl) == 0) {
			path = val + kl;
			break;
		}
	}
	if (policy_allows(p, "rustc-link-search"))
		return DIRECTIVE_ALLOWED;
	char norm[4096];
	if (path[0] != '/') {
		set_why(v, "link search path `%s` is not absolute", path);
		return DIRECTIVE_REJECTED;
	}
	if (util_path_normalise(path, norm, sizeof norm) < 0) {
		set_why(v, "link search path is too long");
		return DIRECTIVE_REJECTED;
	}
	for (size_t i = 0; allowed_dirs && allowed_dirs[i]; i++)
		if (util_path_within(norm, allowed_dirs[i]))
			return DIRECTIVE_ALLOWED;
	if (p && (policy_access_for(p, norm) & POL_R))
		return DIRECTIVE_ALLOWED;
	set_why(v, "link search path %s is outside OUT_DIR, the target dir and the "
		   "policy's readable paths", norm);
	return DIRECTIVE_REJECTED;
}

static int check_link_lib(const char *val, const struct policy *p, struct directive_verdict *v)
{
	/* -l KIND[:MODIFIERS]=NAME: the (unstable) kind link-arg is a link argument */
	const char *eq = strchr(val, '=');
	if (!eq)
		return DIRECTIVE_ALLOWED;
	size_t kl = strcspn(val, ":=");
	if (kl == 8 && memcmp(val, "link-arg", 8) == 0 && !policy_allows(p, "rustc-link-arg")) {
		set_key(v, "rustc-link-arg", 14);
		set_why(v, "`rustc-link-lib=link-arg=...` passes an argument to the linker, "
			   "which runs outside the sandbox");
		return DIRECTIVE_REJECTED;
	}
	return DIRECTIVE_ALLOWED;
}

static int check_env(const char *val, const struct policy *p, struct directive_verdict *v)
{
	size_t nl = strcspn(val, "=");
	if (!env_name_denied(val, nl))
		return DIRECTIVE_ALLOWED;
	/* the policy opts in with "rustc-env" (every name) */
	if (policy_allows(p, "rustc-env"))
		return DIRECTIVE_ALLOWED;
	set_why(v, "`rustc-env=%.*s` would be set for rustc, the linker and RUSTC_WRAPPER, "
		   "which run outside the sandbox", (int)(nl > 64 ? 64 : nl), val);
	return DIRECTIVE_REJECTED;
}

int directives_check(const char *line, size_t len, const struct policy *p,
		     const char *const *allowed_dirs, struct directive_verdict *v)
{
	const unsigned char *s = (const unsigned char *)line;
	size_t k;

	if (v) {
		v->key[0] = '\0';
		v->why[0] = '\0';
	}
	while (len && (k = ws_at(s, len)) != 0) {
		s += k;
		len -= k;
	}
	while (len && (k = ws_before(s, len)) != 0)
		len -= k;

	bool new_syntax;
	if (len >= 7 && memcmp(s, "cargo::", 7) == 0) {
		new_syntax = true;
		s += 7;
		len -= 7;
	} else if (len >= 6 && memcmp(s, "cargo:", 6) == 0) {
		new_syntax = false;
		s += 6;
		len -= 6;
	} else {
		return DIRECTIVE_NONE;
	}

	const unsigned char *eq = memchr(s, '=', len);
	if (!eq) {
		/* cargo ignores it (old syntax) or fails the build (new syntax) */
		set_key(v, (const char *)s, len);
		return DIRECTIVE_ALLOWED;
	}
	const char *key = (const char *)s;
	size_t klen = (size_t)(eq - s);
	set_key(v, key, klen);
	if (memchr(s, '\0', len)) {
		set_why(v, "NUL byte in a cargo directive");
		return DIRECTIVE_REJECTED;
	}
	char kb[DIRECTIVE_KEY_MAX];
	snprintf(kb, sizeof kb, "%.*s", (int)klen, key);

	if (in_list(restricted_keys, key, klen)) {
		if (policy_allows(p, kb))
			return DIRECTIVE_ALLOWED;
		set_why(v, "`%s` passes arguments to rustc or the linker, which run outside the "
			   "sandbox", kb);
		return DIRECTIVE_REJECTED;
	}
	bool search = strcmp(kb, "rustc-link-search") == 0;
	bool lib = strcmp(kb, "rustc-link-lib") == 0;
	bool env = strcmp(kb, "rustc-env") == 0;
	if (search || lib || env) {
		/* these need the value: NUL-terminated, trailing white space trimmed */
		char val[8192];
		size_t vlen = len - klen - 1;
		if (vlen >= sizeof val) {
			set_why(v, "`%s` value too long to check", kb);
			return DIRECTIVE_REJECTED;
		}
		memcpy(val, eq + 1, vlen);
		val[vlen] = '\0';
		if (search)
			return check_link_search(val, p, allowed_dirs, v);
		if (lib)
			return check_link_lib(val, p, v);
		return check_env(val, p, v);
	}
	if (in_list(allowed_keys, key, klen))
		return DIRECTIVE_ALLOWED;
	if (!new_syntax) {
		/* old syntax: an unknown key is metadata for dependents (DEP_<LINKS>_<KEY>) */
		set_key(v, "metadata", 8);
		return DIRECTIVE_ALLOWED;
	}
	if (policy_allows(p, kb))
		return DIRECTIVE_ALLOWED;
	set_why(v, "unknown directive `cargo::%s`", kb);
	return DIRECTIVE_REJECTED;
}
