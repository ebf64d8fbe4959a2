/* Unit tests for src/util.c: path normalisation and containment as tables,
 * then the helpers with side effects on a scratch directory. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tap.h"
#include "util.h"

static const struct {
	const char *in, *out; /* out NULL: -EINVAL */
} norm[] = {
	{ "/", "/" },			{ "//", "/" },		  { "/a/b/", "/a/b" },
	{ "/a//b", "/a/b" },		{ "/a/./b/.", "/a/b" },	  { "/a/b/..", "/a" },
	{ "/a/b/../..", "/" },		{ "/..", "/" },		  { "/../a", "/a" },
	{ "/a/../../b", "/b" },		{ "/a/..b/c", "/a/..b/c" }, { "/a/.b", "/a/.b" },
	{ "/a/b/../../../c/./d/", "/c/d" }, { "a/b", NULL },	  { "", NULL },
};

static const struct {
	const char *path, *dir;
	bool within;
} within[] = {
	{ "/a/b", "/a", true },	  { "/a", "/a", true },	    { "/a", "/a/", true },
	{ "/ab", "/a", false },	  { "/a", "/a/b", false },  { "/x", "/", true },
	{ "/", "/", true },	  { "/a/b/c", "/a/b", true }, { "/a/bc", "/a/b", false },
	{ "$HOME/x", "$HOME", true }, { "relative", "/", false }, { "/a", "", false },
};

static void test_pure(void)
{
	char out[PATH_MAX];
	for (size_t i = 0; i < sizeof norm / sizeof norm[0]; i++) {
		int r = util_path_normalise(norm[i].in, out, sizeof out);
		if (!norm[i].out)
			check(r == -EINVAL, "normalise \"%s\": -EINVAL (got %d)", norm[i].in, r);
		else
			check(r == 0 && strcmp(out, norm[i].out) == 0, "normalise \"%s\" -> \"%s\" (got \"%s\")",
			      norm[i].in, norm[i].out, r == 0 ? out : "error");
	}
	/* in place, and too small a buffer */
	char buf[64] = "/a/./b/../c//";
	check(util_path_normalise(buf, buf, sizeof buf) == 0 && strcmp(buf, "/a/c") == 0,
	      "normalise in place -> /a/c (got %s)", buf);
	char small[4];
	check(util_path_normalise("/abcdef", small, sizeof small) == -ENAMETOOLONG,
	      "normalise into a short buffer: -ENAMETOOLONG");
	for (size_t i = 0; i < sizeof within / sizeof within[0]; i++)
		check(util_path_within(within[i].path, within[i].dir) == within[i].within, "%s %s %s",
		      within[i].path, within[i].within ? "within" : "not within", within[i].dir);
}

static void test_fs(const char *tmp)
{
	char p[PATH_MAX], q[PATH_MAX];
	struct bsbox_err err = { 0 };

	/* mkdir -p, twice, and over a file */
	snprintf(p, sizeof p, "%s/d1/d2/d3", tmp);
	check(util_mkdir_p(p, 0755) == 0, "mkdir -p %s", p);
	struct stat st;
	check(stat(p, &st) == 0 && S_ISDIR(st.st_mode), "mkdir -p made the directory");
	check(util_mkdir_p(p, 0755) == 0, "mkdir -p on an existing directory: 0");
	snprintf(q, sizeof q, "%s/file", tmp);
	FILE *f = fopen(q, "w");
	fputs("hello\nworld\n", f);
	fclose(f);
	check(util_mkdir_p(q, 0755) == 0, "mkdir -p over a file: 0 (the caller's next step fails)");
	snprintf(p, sizeof p, "%s/file/sub", tmp);
	check(util_mkdir_p(p, 0755) == -ENOTDIR, "mkdir -p beneath a file: -ENOTDIR");

	/* reading a file: whole, too big, not there, not regular */
	char *text = NULL;
	size_t len = 0;
	check(util_read_file(q, 100, &text, &len, &err) == 0 && len == 12 &&
		      strcmp(text, "hello\nworld\n") == 0,
	      "read a file whole");
	free(text);
	text = NULL;
	check(util_read_file(q, 12, &text, &len, &err) == 0 && len == 12, "read a file of exactly max");
	free(text);
	text = NULL;
	check(util_read_file(q, 11, &text, NULL, &err) == -EFBIG && !text &&
		      strstr(err.msg, "larger than 11 bytes"),
	      "a file longer than max: -EFBIG (%s)", err.msg);
	snprintf(p, sizeof p, "%s/missing", tmp);
	check(util_read_file(p, 100, &text, NULL, &err) == -ENOENT && strstr(err.msg, p),
	      "a missing file: -ENOENT naming it (%s)", err.msg);
	check(util_read_file(tmp, 100, &text, NULL, &err) == -EINVAL, "a directory: -EINVAL");
	/* /proc files report size 0 */
	check(util_read_file("/proc/self/status", 1 << 20, &text, &len, &err) == 0 && len > 0 &&
		      strstr(text, "Pid:"),
	      "a /proc file (st_size 0) is read to its end");
	free(text);

	/* replacing a file atomically, with the mode asked for */
	snprintf(p, sizeof p, "%s/atomic", tmp);
	check(util_write_atomic(p, "one\n", 4, 0600, &err) == 0, "write_atomic a new file");
	check(util_write_atomic(p, "second\n", 7, 0640, &err) == 0, "write_atomic over it");
	text = NULL;
	check(util_read_file(p, 100, &text, &len, &err) == 0 && strcmp(text, "second\n") == 0,
	      "the file holds the second text");
	free(text);
	check(stat(p, &st) == 0 && (st.st_mode & 07777) == 0640, "the file has mode 0640");
	snprintf(q, sizeof q, "%s/d1/nowhere/x", tmp);
	check(util_write_atomic(q, "x", 1, 0644, &err) == -ENOENT, "write_atomic into a missing dir: -ENOENT");
	char cmd[PATH_MAX + 64];
	snprintf(cmd, sizeof cmd, "ls -a '%s' | grep -q bsbox-tmp", tmp);
	check(system(cmd) != 0, "no temporary file stays behind");

	/* our own executable */
	char self[PATH_MAX];
	check(util_self_exe(self, sizeof self) == 0 && self[0] == '/' && strstr(self, "util_test"),
	      "self exe: %s", self);
	check(util_self_exe(self, 4) == -ENAMETOOLONG, "self exe into a short buffer: -ENAMETOOLONG");

	/* resolving: symlinks and "..", existing or not */
	snprintf(p, sizeof p, "%s/link", tmp);
	snprintf(q, sizeof q, "%s/d1/d2", tmp);
	check(symlink(q, p) == 0, "symlink link -> d1/d2");
	snprintf(p, sizeof p, "%s/link/..", tmp);
	char *r = util_path_resolve(p);
	snprintf(q, sizeof q, "%s/d1", tmp);
	check(r && strcmp(r, q) == 0, "resolve link/.. -> d1 (symlink first, then ..): %s", r ? r : "NULL");
	free(r);
	snprintf(p, sizeof p, "%s/link/new/../x", tmp);
	r = util_path_resolve(p);
	snprintf(q, sizeof q, "%s/d1/d2/x", tmp);
	check(r && strcmp(r, q) == 0, "resolve a path that does not exist: %s", r ? r : "NULL");
	free(r);

	/* the home and what holds it, however spelt */
	snprintf(p, sizeof p, "%s/d1/d2/home", tmp);
	util_mkdir_p(p, 0755);
	snprintf(q, sizeof q, "%s/link/home", tmp); /* HOME through a symlink */
	setenv("HOME", q, 1);
	check(util_holds_home(p), "the home itself holds the home");
	snprintf(p, sizeof p, "%s/d1/d2/home/proj/../..", tmp);
	check(util_holds_home(p), "home/proj/../.. holds the home");
	check(util_holds_home("/"), "/ holds the home");
	snprintf(p, sizeof p, "%s/d1/d2/home/proj", tmp);
	check(!util_holds_home(p), "a project in the home does not hold it");
	snprintf(p, sizeof p, "%s/d1/d3", tmp);
	check(!util_holds_home(p), "a sibling does not hold it");

	/* PATH search */
	snprintf(p, sizeof p, "%s/bin", tmp);
	util_mkdir_p(p, 0755);
	snprintf(q, sizeof q, "%s/bin/tool", tmp);
	f = fopen(q, "w");
	fclose(f);
	snprintf(p, sizeof p, "%s/nowhere:%s/bin:/bin", tmp, tmp);
	r = util_which("tool", p);
	check(!r && errno == ENOENT, "which: a file without exec permission is skipped");
	free(r);
	chmod(q, 0755);
	r = util_which("tool", p);
	check(r && strcmp(r, q) == 0, "which tool -> %s", r ? r : "NULL");
	free(r);
	r = util_which("/x/y", p);
	check(r && strcmp(r, "/x/y") == 0, "which of an absolute path: itself");
	free(r);
}

int main(void)
{
	test_pure();
	char tmp[] = "/tmp/bsbox-util-test.XXXXXX";
	tap_in_tmpdir(tmp, test_fs);
	return tap_done();
}
