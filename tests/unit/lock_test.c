/* The pure half of the lock: lock.json round trip, verdicts and their
 * messages, the policy digest, the scan of Rust sources, Cargo.lock lookup,
 * and review's "what the code reaches for". */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lock.h"
#include "policy.h"
#include "review.h"
#include "tap.h"

static struct lock_entry entry(const char *name, const char *version, const char *code_seed,
			       const char *policy_seed)
{
	struct lock_entry e = { .kind = LOCK_BUILD_SCRIPT };
	e.name = strdup(name);
	e.version = strdup(version);
	e.policy_file = strdup("<builtin default>");
	e.files = calloc(1, sizeof *e.files);
	e.files[0].path = strdup("build.rs");
	sha256_tag(code_seed, strlen(code_seed), e.files[0].digest);
	e.nfiles = 1;
	sha256_tag(code_seed, strlen(code_seed), e.code);
	sha256_tag(policy_seed, strlen(policy_seed), e.policy);
	return e;
}

static void test_roundtrip(void)
{
	struct lock l = { 0 };
	struct lock_entry a = entry("zeta-sys", "1.0.0", "A", "P"), b = entry("alpha", "0.2.0", "B", "P");
	b.kind = LOCK_PROC_MACRO;
	b.source = strdup("registry+https://github.com/rust-lang/crates.io-index");
	b.checksum = strdup("abc");
	b.dir = strdup("/somewhere/alpha-0.2.0");
	lock_add(&l, &a);
	lock_add(&l, &b);
	check(l.n == 2 && !strcmp(l.v[0].name, "alpha"), "entries are kept sorted by name");
	char *text = lock_format(&l);
	check(text && !strstr(text, "/somewhere"), "the lock file carries no machine paths");
	struct lock back;
	struct bsbox_err err = { 0 };
	int r = lock_parse(text, "lock.json", &back, &err);
	check(r == 0 && back.n == 2, "lock.json parses back (%s)", err.msg);
	if (r == 0) {
		check(back.v[0].kind == LOCK_PROC_MACRO && !strcmp(back.v[0].checksum, "abc") &&
			      !strcmp(back.v[0].code, l.v[0].code) && !strcmp(back.v[1].policy, l.v[1].policy) &&
			      back.v[1].nfiles == 1 && !strcmp(back.v[1].files[0].path, "build.rs"),
		      "every field survives the round trip");
		lock_free(&back);
	}
	free(text);

	r = lock_parse("{\"version\": 2, \"crates\": []}", "x.json", &back, &err);
	check(r < 0 && strstr(err.msg, "x.json: \"version\" is not 1"), "another format version: %s", err.msg);
	r = lock_parse("{\"version\": 1, \"crates\": [{\"name\": \"a\", \"version\": \"1.0.0\", "
		       "\"kind\": \"build-script\", \"code\": \"sha256:12\"}]}",
		       "x.json", &back, &err);
	check(r < 0 && strstr(err.msg, "crates[0] (a): \"code\" is not sha256"), "a malformed digest: %s", err.msg);
	r = lock_parse("[", "x.json", &back, &err);
	check(r < 0 && strstr(err.msg, "x.json: not a JSON object"), "not JSON: %s", err.msg);

	/* the sidecar keeps dir */
	char *side = lock_entry_format(&l.v[0]);
	struct lock_entry se;
	check(side && lock_entry_parse(side, "side", &se, &err) == 0 && se.dir &&
		      !strcmp(se.dir, "/somewhere/alpha-0.2.0"),
	      "a sidecar keeps the source dir");
	lock_entry_free(&se);
	free(side);
	lock_free(&l);
}

static void verdict(const struct lock *l, struct lock_entry u, enum lock_verdict_kind want,
		    const char *want_msg, const char *what)
{
	struct lock_verdict v;
	char msg[1024];
	lock_match(l, &u, &v);
	lock_message(&u, &v, msg, sizeof msg);
	check(v.kind == want && (!want_msg || !strcmp(msg, want_msg)), "%s: %d \"%s\"", what, v.kind, msg);
	lock_entry_free(&u);
}

static void test_match(void)
{
	struct lock l = { 0 };
	struct lock_entry a = entry("bzip2-sys", "0.1.11", "old build.rs", "default");
	lock_add(&l, &a);
	verdict(&l, entry("bzip2-sys", "0.1.11", "old build.rs", "default"), LOCK_MATCH,
		"bzip2-sys 0.1.11: build script as locked", "as locked");
	verdict(&l, entry("bzip2-sys", "0.1.12", "new build.rs", "default"), LOCK_CODE_CHANGED,
		"bzip2-sys 0.1.11 -> 0.1.12: the build script changed (build.rs)", "a bump with a new build.rs");
	verdict(&l, entry("bzip2-sys", "0.1.11", "edited", "default"), LOCK_CODE_CHANGED,
		"bzip2-sys 0.1.11: the build script changed since it was locked (build.rs)",
		"the same version edited in place");
	verdict(&l, entry("bzip2-sys", "0.1.12", "old build.rs", "default"), LOCK_MATCH_MOVED,
		"bzip2-sys 0.1.11 -> 0.1.12: the build script is unchanged since the locked version",
		"a bump that leaves build.rs alone");
	struct lock_entry p = entry("bzip2-sys", "0.1.11", "old build.rs", "other policy");
	free(p.policy_file);
	p.policy_file = strdup(".bsbox/policies/bzip2-sys.json");
	verdict(&l, p, LOCK_POLICY_CHANGED,
		"bzip2-sys 0.1.11: the policy of its build script changed (now .bsbox/policies/bzip2-sys.json, "
		"locked: <builtin default>)",
		"another policy");
	verdict(&l, entry("openssl-sys", "0.9.0", "x", "default"), LOCK_NEW,
		"openssl-sys 0.9.0: a new build script, not in the lock", "a crate not in the lock");
	struct lock_entry pm = entry("bzip2-sys", "0.1.11", "old build.rs", "default");
	pm.kind = LOCK_PROC_MACRO;
	verdict(&l, pm, LOCK_NEW, NULL, "the same crate's proc macro is a separate unit");

	/* two versions locked: the bump compares with the highest */
	struct lock_entry b = entry("bzip2-sys", "0.1.9", "older", "default");
	lock_add(&l, &b);
	struct lock_entry u = entry("bzip2-sys", "0.1.13", "newest", "default");
	struct lock_verdict v;
	lock_match(&l, &u, &v);
	check(v.kind == LOCK_CODE_CHANGED && v.old && !strcmp(v.old->version, "0.1.11"),
	      "a bump compares with the highest locked version (semver order, not text)");
	lock_entry_free(&u);

	/* added and removed files are named */
	u = entry("bzip2-sys", "0.1.11", "old build.rs", "default");
	u.files = realloc(u.files, 2 * sizeof *u.files);
	u.files[1].path = strdup("build/extra.rs");
	strcpy(u.files[1].digest, u.files[0].digest);
	u.nfiles = 2;
	strcpy(u.code, "sha256:0000000000000000000000000000000000000000000000000000000000000000");
	lock_match(&l, &u, &v);
	check(v.kind == LOCK_CODE_CHANGED && !strcmp(v.changed, "+build/extra.rs"), "an added file: \"%s\"",
	      v.changed);
	lock_entry_free(&u);
	lock_free(&l);
}

static void test_policy_digest(void)
{
	const char *a = "{\"comment\": \"x\", \"read\": [\"/a\", \"/b\"], \"network\": false}";
	const char *b = "{\"comment\": \"y\",\n \"read\": [\"/b\", {\"path\": \"/a\", \"why\": \"w\"}]}";
	const char *c = "{\"read\": [\"/a\", \"/b\"], \"network\": true}";
	struct policy *pa = NULL, *pb = NULL, *pc = NULL;
	struct bsbox_err err = { 0 };
	char da[SHA256_TAG_LEN], db[SHA256_TAG_LEN], dc[SHA256_TAG_LEN];
	if (policy_parse(a, strlen(a), "a", NULL, &pa, &err) < 0 || policy_parse(b, strlen(b), "b", NULL, &pb, &err) < 0 ||
	    policy_parse(c, strlen(c), "c", NULL, &pc, &err) < 0) {
		check(0, "policies parse: %s", err.msg);
		return;
	}
	lock_policy_digest(pa, da);
	lock_policy_digest(pb, db);
	lock_policy_digest(pc, dc);
	check(!strcmp(da, db), "order, comments and whys do not change the policy digest");
	check(strcmp(da, dc) != 0, "network does");
	struct policy *d1 = policy_new_default(), *d2 = policy_new_default();
	lock_policy_digest(d1, da);
	lock_policy_digest(d2, db);
	check(!strcmp(da, db), "the built-in default has one digest");
	policy_free(pa);
	policy_free(pb);
	policy_free(pc);
	policy_free(d1);
	policy_free(d2);
}

struct refs {
	char buf[1024];
};

static void on_ref(void *ud, char kind, const char *name, const char *path)
{
	struct refs *r = ud;
	size_t l = strlen(r->buf);
	snprintf(r->buf + l, sizeof r->buf - l, "%c:%s:%s;", kind, name ? name : "", path ? path : "");
}

static void refs(const char *src, const char *want)
{
	struct refs r = { "" };
	lock_rust_refs(src, strlen(src), on_ref, &r);
	check(!strcmp(r.buf, want), "refs: \"%s\" (want \"%s\")", r.buf, want);
}

static void test_refs(void)
{
	refs("mod a; mod b { fn x() {} } pub(crate) mod c;", "m:a:;m:c:;");
	refs("#[path = \"gen/x.rs\"] mod x; mod y;", "m:x:gen/x.rs;m:y:;");
	refs("#[cfg(unix)]\n#[path = \"u.rs\"]\nmod plat;", "m:plat:u.rs;");
	refs("include!(\"consts.rs\"); const S: &str = include_str!(\"data.txt\");"
	     "static B: &[u8] = include_bytes!(r#\"b.bin\"#);",
	     "i::consts.rs;s::data.txt;b::b.bin;");
	refs("include!(concat!(env!(\"OUT_DIR\"), \"/x.rs\"));", "");
	refs("// mod hidden;\n/* mod also; /* nested */ include!(\"no.rs\"); */ fn f() {}", "");
	refs("let s = \"mod fake; include!(\\\"x\\\")\"; let c = '\"'; mod real;", "m:real:;");
	refs("fn f<'a>(x: &'a str) {} mod after_lifetime;", "m:after_lifetime:;");

	const char *src = "let u = \"https://x//y\"; // gone\n/* gone\ntoo */ let v = 1;";
	char *s = lock_rust_strip_comments(src, strlen(src));
	check(s && strstr(s, "\"https://x//y\"") && !strstr(s, "gone") && !strstr(s, "too") &&
		      strlen(s) == strlen(src) && strchr(s, '\n'),
	      "comments blanked, strings and newlines kept");
	free(s);
}

static void test_cargo_lock(void)
{
	const char *text = "version = 3\n\n[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n"
			   "source = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
			   "checksum = \"c1\"\n\n[[package]]\nname = \"b\"\nversion = \"0.1.0\"\n"
			   "dependencies = [\n \"a\",\n]\n\n[[package]]\nname = \"a\"\nversion = \"2.0.0\"\n"
			   "source = \"git+https://x/a#abc\"\nchecksum = \"c2\"";
	char *s, *c;
	check(lock_cargo_lock_find(text, "a", "1.0.0", &s, &c) == 0 && s && !strcmp(c, "c1") &&
		      !strncmp(s, "registry+", 9),
	      "Cargo.lock: a 1.0.0");
	free(s);
	free(c);
	check(lock_cargo_lock_find(text, "a", "2.0.0", &s, &c) == 0 && !strcmp(c, "c2") && !strcmp(s, "git+https://x/a#abc"),
	      "Cargo.lock: the last package, no trailing newline");
	free(s);
	free(c);
	check(lock_cargo_lock_find(text, "b", "0.1.0", &s, &c) == 0 && !s && !c, "Cargo.lock: a path package");
	check(lock_cargo_lock_find(text, "c", "1.0.0", &s, &c) == -ENOENT, "Cargo.lock: absent");
}

static void test_reach(void)
{
	const char *old = "fn main() { let _ = std::env::var(\"TARGET\"); cc::Build::new(); }";
	const char *new = "fn main() { let _ = std::env::var(\"TARGET\"); cc::Build::new();\n"
			  "  // Command::new(\"in-a-comment\")\n"
			  "  std::process::Command::new(\"curl\").arg(\"https://e.invalid/x\");\n"
			  "  std::fs::read_to_string(\"/etc/passwd\"); }";
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int n = review_reach(f, new, old);
	fclose(f);
	check(n == 6, "6 items (%d)", n);
	check(strstr(buf, "process  Command::new(\"curl\")   (new)\n") && !strstr(buf, "in-a-comment"),
	      "a spawned process, new; comments ignored");
	check(strstr(buf, "process  cc::Build\n") && strstr(buf, "env      env::var(\"TARGET\")\n"),
	      "what the old code named too is not marked new");
	check(strstr(buf, "network  https://e.invalid/x   (new)\n") && strstr(buf, "file     /etc/passwd   (new)\n") &&
		      strstr(buf, "file     fs::read_to_string(\"/etc/passwd\")   (new)\n"),
	      "a URL and a file");
	free(buf);
}

static void put(const char *dir, const char *rel, const char *text)
{
	char p[4096];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	for (char *s = p + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		mkdir(p, 0755);
		*s = '/';
	}
	FILE *f = fopen(p, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static char *files_of(const struct lock_entry *e)
{
	static char buf[1024];
	buf[0] = '\0';
	for (size_t i = 0; i < e->nfiles; i++)
		snprintf(buf + strlen(buf), sizeof buf - strlen(buf), "%s%s", i ? " " : "", e->files[i].path);
	return buf;
}

/* What is digested, on a crate laid out on disk */
static void test_digest(void)
{
	char dir[] = "/tmp/bsbox-lock-test.XXXXXX";
	if (!mkdtemp(dir)) {
		check(0, "mkdtemp");
		return;
	}
	put(dir, "Cargo.toml", "[package]\nname = \"x\"\nversion = \"1.0.0\"\nbuild = \"build/main.rs\"\n");
	put(dir, "build/main.rs", "mod cfgs;\n#[path = \"../shared/gen.rs\"] mod gen;\n"
				  "include!(\"consts.rs\");\nconst T: &str = include_str!(\"../data/t.txt\");\n"
				  "#[cfg(windows)] mod absent;\nfn main() {}\n");
	put(dir, "build/cfgs.rs", "mod inner;\n");
	put(dir, "build/cfgs/inner.rs", "// inner\n");
	put(dir, "build/consts.rs", "const C: u8 = 1;\n");
	put(dir, "shared/gen.rs", "// gen\n");
	put(dir, "data/t.txt", "t\n");
	put(dir, "src/lib.rs", "// the library is not build-time code\n");
	struct lock_entry e = { 0 };
	struct bsbox_err err = { 0 };
	int r = lock_code_digest(dir, LOCK_BUILD_SCRIPT, "build/main.rs", &e, &err);
	check(r == 0 && !strcmp(files_of(&e), "build/cfgs.rs build/cfgs/inner.rs build/consts.rs build/main.rs "
						  "data/t.txt shared/gen.rs"),
	      "a build script and what it pulls in: %s %s", files_of(&e), err.msg);
	char code1[SHA256_TAG_LEN];
	strcpy(code1, e.code);
	lock_entry_free(&e);
	put(dir, "data/t.txt", "changed\n");
	lock_code_digest(dir, LOCK_BUILD_SCRIPT, "build/main.rs", &e, &err);
	check(strcmp(code1, e.code) != 0, "an included data file changes the digest");
	lock_entry_free(&e);
	put(dir, "src/lib.rs", "// edited\n");
	lock_code_digest(dir, LOCK_BUILD_SCRIPT, "build/main.rs", &e, &err);
	strcpy(code1, e.code);
	lock_entry_free(&e);

	/* a proc macro: its src/ tree and Cargo.toml, whose version line does not count */
	put(dir, "src/util/mod.rs", "// util\n");
	r = lock_code_digest(dir, LOCK_PROC_MACRO, "src/lib.rs", &e, &err);
	check(r == 0 && !strcmp(files_of(&e), "Cargo.toml src/lib.rs src/util/mod.rs"), "a proc macro: %s",
	      files_of(&e));
	strcpy(code1, e.code);
	lock_entry_free(&e);
	put(dir, "Cargo.toml", "[package]\nname = \"x\"\nversion = \"1.0.1\"\nbuild = \"build/main.rs\"\n");
	lock_code_digest(dir, LOCK_PROC_MACRO, "src/lib.rs", &e, &err);
	check(!strcmp(code1, e.code), "a version bump alone keeps a proc macro's digest");
	lock_entry_free(&e);
	put(dir, "Cargo.toml", "[package]\nname = \"x\"\nversion = \"1.0.1\"\n[dependencies]\nsyn = \"2\"\n");
	lock_code_digest(dir, LOCK_PROC_MACRO, "src/lib.rs", &e, &err);
	check(strcmp(code1, e.code) != 0, "a changed manifest does not");
	lock_entry_free(&e);
	r = lock_code_digest(dir, LOCK_BUILD_SCRIPT, "/etc/hostname", &e, &err);
	check(r < 0 && strstr(err.msg, "outside the crate's directory"), "a root outside the crate: %s", err.msg);
	lock_entry_free(&e);
	char cmd[256];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		check(0, "cleanup");
}

int main(void)
{
	test_roundtrip();
	test_match();
	test_policy_digest();
	test_refs();
	test_cargo_lock();
	test_reach();
	test_digest();
	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
