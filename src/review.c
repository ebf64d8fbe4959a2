/* `bsbox review CRATE` (see review.h). */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "err.h"
#include "evlog.h"
#include "fileio.h"
#include "lock.h"
#include "report.h"
#include "review.h"

#define TEXT_MAX (32u << 20)

/* What a piece of code names, by kind; the needle opens it, the item runs to
 * the end of the call's first argument (or is the needle itself). */
static const struct reach {
	const char *kind;
	const char *needle;
	bool arg; /* append the text up to the closing ')' */
} reaches[] = {
	{ "process", "Command::new(", true },
	{ "process", "cc::Build", false },
	{ "process", "cmake::", false },
	{ "process", "pkg_config::", false },
	{ "process", "bindgen::", false },
	{ "process", "autotools::", false },
	{ "process", "libc::exec", false },
	{ "network", "TcpStream", false },
	{ "network", "UdpSocket", false },
	{ "network", "TcpListener", false },
	{ "network", "UnixStream", false },
	{ "network", "reqwest", false },
	{ "network", "ureq::", false },
	{ "network", "curl::", false },
	{ "network", "\"http://", true },
	{ "network", "\"https://", true },
	{ "network", "\"ftp://", true },
	{ "network", "\"git://", true },
	{ "file", "File::open(", true },
	{ "file", "File::create(", true },
	{ "file", "fs::read(", true },
	{ "file", "fs::read_to_string(", true },
	{ "file", "fs::read_dir(", true },
	{ "file", "fs::write(", true },
	{ "file", "fs::copy(", true },
	{ "file", "fs::rename(", true },
	{ "file", "fs::remove_file(", true },
	{ "file", "fs::remove_dir_all(", true },
	{ "file", "fs::set_permissions(", true },
	{ "file", "OpenOptions", false },
	{ "file", "\"/", true },
	{ "file", "\"~/", true },
	{ "env", "env::var(", true },
	{ "env", "env::var_os(", true },
	{ "env", "env::vars", false },
	{ "env", "home_dir", false },
};

/* The item at p (needle matched): the needle plus, for arg items, the text
 * up to the matching ')' or closing quote, blanks squeezed, at most 80 chars. */
static void item_at(const struct reach *r, const char *p, char *out, size_t len)
{
	size_t nl = strlen(r->needle), o = 0;
	const char *q = p + nl;
	bool quote = r->needle[0] == '"';
	for (size_t i = quote ? 1 : 0; i < nl && o + 1 < len; i++)
		out[o++] = r->needle[i];
	if (r->arg) {
		int depth = 1;
		bool space = false;
		for (; *q && o + 5 < len && o < 80; q++) {
			if (quote ? *q == '"' : (*q == ')' && --depth == 0))
				break;
			if (!quote && *q == '(')
				depth++;
			if (isspace((unsigned char)*q)) {
				space = true;
				continue;
			}
			if (space && o)
				out[o++] = ' ';
			space = false;
			out[o++] = *q;
		}
		if (!quote && *q == ')' && o + 1 < len)
			out[o++] = ')';
		if (*q && o >= 80 && o + 4 < len)
			o += (size_t)sprintf(out + o, "...");
	}
	out[o] = '\0';
}

static bool names(const char *text, const char *item_kind, const char *item)
{
	if (!text)
		return false;
	for (size_t r = 0; r < sizeof reaches / sizeof *reaches; r++) {
		if (strcmp(reaches[r].kind, item_kind))
			continue;
		for (const char *p = strstr(text, reaches[r].needle); p; p = strstr(p + 1, reaches[r].needle)) {
			char it[128];
			item_at(&reaches[r], p, it, sizeof it);
			if (!strcmp(it, item))
				return true;
		}
	}
	return false;
}

int review_reach(FILE *out, const char *text, const char *old)
{
	cleanup_free char *clean = lock_rust_strip_comments(text, strlen(text));
	cleanup_free char *oclean = old ? lock_rust_strip_comments(old, strlen(old)) : NULL;
	if (!clean)
		return 0;
	char seen[64][128];
	size_t nseen = 0;
	int lines = 0;
	for (size_t r = 0; r < sizeof reaches / sizeof *reaches; r++) {
		for (const char *p = strstr(clean, reaches[r].needle); p && nseen < 64;
		     p = strstr(p + 1, reaches[r].needle)) {
			char it[128];
			item_at(&reaches[r], p, it, sizeof it);
			bool dup = false;
			for (size_t i = 0; i < nseen; i++)
				dup |= !strcmp(seen[i], it);
			if (dup)
				continue;
			memcpy(seen[nseen++], it, sizeof it);
			bool fresh = old && !names(oclean, reaches[r].kind, it);
			fprintf(out, "     %-8s %s%s\n", reaches[r].kind, it, fresh ? "   (new)" : "");
			lines++;
		}
	}
	return lines;
}

/* diff -u old new with a/ b/ labels; old or new may be NULL (/dev/null). */
static void show_diff(const char *rel, const char *oldp, const char *newp)
{
	fflush(stdout);
	char la[PATH_MAX + 8], lb[PATH_MAX + 8];
	snprintf(la, sizeof la, "a/%s", rel);
	snprintf(lb, sizeof lb, "b/%s", rel);
	pid_t pid = fork();
	if (pid == 0) {
		execlp("diff", "diff", "-u", "--label", oldp ? la : "/dev/null", "--label",
		       newp ? lb : "/dev/null", oldp ? oldp : "/dev/null", newp ? newp : "/dev/null", (char *)NULL);
		fprintf(stderr, "bsbox review: cannot run diff: %s\n", strerror(errno));
		_exit(2);
	}
	int st;
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

static const struct lock_digest *find_file(const struct lock_entry *e, const char *path)
{
	for (size_t i = 0; e && i < e->nfiles; i++)
		if (!strcmp(e->files[i].path, path))
			return &e->files[i];
	return NULL;
}

static void review_unit(const char *ws, const struct lock *l, const struct lock_entry *u)
{
	struct lock_verdict v;
	lock_match(l, u, &v);
	char msg[1024];
	lock_message(u, &v, msg, sizeof msg);
	printf("== %s %s (%s): %s\n", u->name, u->version, lock_kind_name(u->kind), msg);
	printf("   new sources: %s\n", u->dir ? u->dir : "?");
	const struct lock_entry *old = v.old;
	cleanup_free char *odir = NULL;
	if (old && strcmp(old->version, u->version) != 0) {
		odir = lock_find_sources(ws, old->name, old->version);
		printf("   locked sources (%s): %s\n", old->version,
		       odir ? odir : "not found (looked in the project's directory registries, "
				     "/usr/share/cargo/registry and $CARGO_HOME/registry/src)");
	} else if (old && v.kind == LOCK_CODE_CHANGED) {
		printf("   the locked sources of the same version are gone (a path or git crate edited in "
		       "place): the files that changed are listed, the new text is shown in full\n");
	}
	if (v.kind == LOCK_POLICY_CHANGED)
		printf("   policy: now %s (%s), locked %s (%s)\n", u->policy_file, u->policy,
		       old->policy_file ? old->policy_file : "?", old->policy);

	/* the diff, file by file: every file of the new code, then the locked
	 * code's files that are gone */
	if (v.kind == LOCK_CODE_CHANGED || v.kind == LOCK_NEW) {
		for (int pass = 0; pass < 2; pass++) {
			const struct lock_entry *a = pass ? old : u;
			for (size_t i = 0; a && i < a->nfiles; i++) {
				const char *rel = a->files[i].path;
				const struct lock_digest *o = find_file(old, rel), *n = find_file(u, rel);
				if (pass && n)
					continue;
				if (o && n && !strcmp(o->digest, n->digest))
					continue;
				char op[PATH_MAX], np[PATH_MAX];
				snprintf(op, sizeof op, "%s/%s", odir ? odir : "", rel);
				snprintf(np, sizeof np, "%s/%s", u->dir ? u->dir : "", rel);
				bool have_old = o && odir && access(op, R_OK) == 0;
				if (o && !have_old && !pass)
					printf("   %s changed (locked %s); the locked text is not available\n", rel,
					       o->digest);
				show_diff(rel, have_old ? op : NULL, n ? np : NULL);
			}
		}
	}

	/* what the new code names, marked (new) against the locked code */
	printf("   what the %scode reaches for (from its text):\n", old ? "new " : "");
	int lines = 0;
	for (size_t i = 0; i < u->nfiles; i++) {
		char np[PATH_MAX], op[PATH_MAX];
		snprintf(np, sizeof np, "%s/%s", u->dir ? u->dir : "", u->files[i].path);
		size_t nl = strlen(np);
		if (nl < 3 || strcmp(np + nl - 3, ".rs"))
			continue;
		cleanup_free char *text = NULL, *otext = NULL;
		struct bsbox_err err;
		if (fileio_read(np, TEXT_MAX, &text, NULL, &err) < 0)
			continue;
		if (odir) {
			snprintf(op, sizeof op, "%s/%s", odir, u->files[i].path);
			if (fileio_read(op, TEXT_MAX, &otext, NULL, &err) < 0)
				otext = strdup("");
		}
		lines += review_reach(stdout, text, odir ? (otext ? otext : "") : NULL);
	}
	if (!lines)
		printf("     (nothing: no processes, network, absolute paths or environment named)\n");
}

static const char review_usage[] =
	"usage: bsbox review [--log FILE] CRATE\n"
	"  Shows what changed in CRATE's build script or proc macro since it was\n"
	"  locked (.bsbox/lock.json): the diff from the sources cargo has already\n"
	"  downloaded, what the new code reaches for, and what it did in audit mode\n"
	"  (the event log: --log, $BSBOX_LOG or the default).  Then record it with\n"
	"  `bsbox lock --accept CRATE`.\n";

int review_main(int argc, char **argv, const struct bsbox_settings *set)
{
	const char *crate = NULL, *logp = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--log") && i + 1 < argc)
			logp = argv[++i];
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(review_usage, stdout);
			return 0;
		} else if (argv[i][0] != '-' && !crate)
			crate = argv[i];
		else {
			fprintf(stderr, "bsbox review: unexpected argument '%s'\n%s", argv[i], review_usage);
			return BSBOX_EXIT_USAGE;
		}
	}
	if (!crate) {
		fputs(review_usage, stderr);
		return BSBOX_EXIT_USAGE;
	}
	struct bsbox_err err = { 0 };
	struct lock units, l = { 0 };
	cleanup_free char *ws = NULL;
	if (lock_project_units(NULL, &units, &ws, &err) < 0) {
		fprintf(stderr, "bsbox review: %s\n", err.msg);
		return BSBOX_EXIT_SETUP;
	}
	if (lock_load(ws, &l, &err) < 0 && err.errnum != ENOENT) {
		fprintf(stderr, "bsbox review: %s\n", err.msg);
		lock_free(&units);
		return BSBOX_EXIT_SETUP;
	}
	size_t shown = 0;
	for (size_t i = 0; i < units.n; i++) {
		if (strcmp(units.v[i].name, crate))
			continue;
		review_unit(ws, &l, &units.v[i]);
		shown++;
	}
	if (!shown) {
		bool locked = false;
		for (size_t i = 0; i < l.n; i++)
			locked |= !strcmp(l.v[i].name, crate);
		fprintf(stderr, "bsbox review: %s has no build script or proc macro in this project%s\n", crate,
			locked ? " (its lock entry is stale: `bsbox lock` drops it)" : "");
	}
	lock_free(&units);
	lock_free(&l);
	if (!shown)
		return BSBOX_EXIT_USAGE;

	/* what it did: the audit-mode events of the crate, if a log has any */
	cleanup_free char *dflt = logp ? NULL : evlog_default_path(set->log);
	const char *lp = logp ? logp : dflt;
	if (lp && access(lp, R_OK) == 0) {
		printf("== what %s did in the event log %s (run `bsbox learn -- cargo build` for an audit trace):\n",
		       crate, lp);
		fflush(stdout);
		char *rargv[] = { (char *)"report", (char *)"--crate", (char *)crate, (char *)lp, NULL };
		report_main(4, rargv, set);
	}
	return 0;
}
