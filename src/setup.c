/* `bsbox setup`: build.rustc-wrapper in cargo's user config, editor snippets.
 * The TOML edit (setup_edit/setup_undo/setup_diff) is pure; setup_main reads
 * and writes the file (backup, then an atomic rename). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "err.h"
#include "setup.h"
#include "util.h"

/* ---- lines ------------------------------------------------------------- */

struct line {
	const char *s; /* into the original buffer */
	size_t len;    /* including the '\n', if any */
};

struct lines {
	struct line *v;
	size_t n;
};

static int split_lines(const char *buf, size_t len, struct lines *out)
{
	size_t cap = 16, n = 0;
	struct line *v = malloc(cap * sizeof *v);
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < len;) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (buf + i)) + 1 : len - i;
		if (n == cap) {
			struct line *nv = realloc(v, (cap *= 2) * sizeof *v);
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
		}
		v[n++] = (struct line){ buf + i, l };
		i += l;
	}
	out->v = v;
	out->n = n;
	return 0;
}

/* A growing output buffer. */
struct sbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

static void sb_add(struct sbuf *b, const char *s, size_t l)
{
	if (b->oom)
		return;
	if (b->len + l + 1 > b->cap) {
		size_t nc = (b->len + l + 1) * 2;
		char *ns = realloc(b->s, nc);
		if (!ns) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = nc;
	}
	memcpy(b->s + b->len, s, l);
	b->len += l;
	b->s[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* ---- a little TOML ------------------------------------------------------ */

enum lkind { L_OTHER, L_HEADER, L_KEY };

struct lineinfo {
	enum lkind kind;
	char name[128]; /* header: table name; key: the dotted key, spaces and quotes removed */
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Copy s[0..l) without blanks and quotes (good enough for the keys we match). */
static void squeeze(const char *s, size_t l, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < l && o + 1 < outlen; i++)
		if (!is_blank(s[i]) && s[i] != '"' && s[i] != '\'')
			out[o++] = s[i];
	out[o] = '\0';
}

static size_t count_sub(const char *s, size_t l, const char *sub)
{
	size_t n = 0, sl = strlen(sub);
	for (size_t i = 0; i + sl <= l; i++)
		if (memcmp(s + i, sub, sl) == 0) {
			n++;
			i += sl - 1;
		}
	return n;
}

/* Classify one line; *in_ml tracks multi-line strings across lines. */
static void classify(const struct line *ln, bool *in_ml, struct lineinfo *li)
{
	li->kind = L_OTHER;
	li->name[0] = '\0';
	bool was_in = *in_ml;
	size_t odd = (count_sub(ln->s, ln->len, "\"\"\"") + count_sub(ln->s, ln->len, "'''")) & 1;
	if (odd)
		*in_ml = !*in_ml;
	if (was_in)
		return;
	size_t i = 0, l = ln->len;
	while (i < l && is_blank(ln->s[i]))
		i++;
	if (i >= l || ln->s[i] == '#' || ln->s[i] == '\n' || ln->s[i] == '\r')
		return;
	if (ln->s[i] == '[') {
		const char *close = memchr(ln->s + i, ']', l - i);
		if (!close)
			return;
		li->kind = L_HEADER;
		if (i + 1 < l && ln->s[i + 1] == '[') /* [[array]]: never "build" */
			snprintf(li->name, sizeof li->name, "[[]]");
		else
			squeeze(ln->s + i + 1, (size_t)(close - (ln->s + i + 1)), li->name, sizeof li->name);
		return;
	}
	const char *eq = memchr(ln->s + i, '=', l - i);
	if (!eq)
		return;
	li->kind = L_KEY;
	squeeze(ln->s + i, (size_t)(eq - (ln->s + i)), li->name, sizeof li->name);
}

static void toml_string(struct sbuf *b, const char *s)
{
	sb_str(b, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sb_str(b, "\\");
		sb_add(b, s, 1);
	}
	sb_str(b, "\"");
}

static const char *line_eol(const struct line *ln)
{
	return ln->len && ln->s[ln->len - 1] == '\n' ? "\n" : "";
}

int setup_edit(const char *old, size_t len, const char *wrapper, char **out, int *changed,
	       char **replaced, struct bsbox_err *err)
{
	return setup_edit_key(old, len, "rustc-wrapper", wrapper, out, changed, replaced, err);
}

int setup_edit_key(const char *old, size_t len, const char *key, const char *wrapper, char **out,
		   int *changed, char **replaced, struct bsbox_err *err)
{
	char dotted_key[64];
	snprintf(dotted_key, sizeof dotted_key, "build.%s", key);
	struct lines L = { 0 };
	*out = NULL;
	*changed = 0;
	*replaced = NULL;
	if (split_lines(old, len, &L) < 0)
		return bsbox_err_set(err, ENOMEM, "reading the config");
	cleanup_free struct line *lv = L.v;

	/* Find: the value line (replace), the [build] header (insert after), the
	 * last root-level build.* dotted key (insert after). */
	ssize_t value = -1, header = -1, dotted = -1;
	bool value_dotted = false;
	const char *table = "";
	char cur[128] = "";
	bool in_ml = false;
	for (size_t i = 0; i < L.n; i++) {
		struct lineinfo li;
		classify(&L.v[i], &in_ml, &li);
		if (li.kind == L_HEADER) {
			snprintf(cur, sizeof cur, "%s", li.name);
			table = cur;
			if (strcmp(cur, "build") == 0 && header < 0)
				header = (ssize_t)i;
		} else if (li.kind == L_KEY) {
			if (table[0] == '\0') {
				if (strcmp(li.name, "build") == 0)
					return bsbox_err_setx(err, 0,
							      "line %zu: an inline `build = {...}` table; add "
							      "%s to it by hand", i + 1, key);
				if (strcmp(li.name, dotted_key) == 0 && value < 0) {
					value = (ssize_t)i;
					value_dotted = true;
				} else if (strncmp(li.name, "build.", 6) == 0) {
					dotted = (ssize_t)i;
				}
			} else if (strcmp(table, "build") == 0 && strcmp(li.name, key) == 0 &&
				   value < 0) {
				value = (ssize_t)i;
			}
		}
	}

	struct sbuf nl = { 0 }; /* the new value line, without indentation and eol */
	sb_str(&nl, value_dotted || (value < 0 && header < 0 && dotted >= 0) ? dotted_key : key);
	sb_str(&nl, " = ");
	toml_string(&nl, wrapper);
	if (nl.oom)
		return bsbox_err_set(err, ENOMEM, "building the config");
	cleanup_free char *newline = nl.s;

	struct sbuf b = { 0 };
	if (value >= 0) {
		const struct line *ln = &L.v[value];
		size_t ind = 0;
		while (ind < ln->len && is_blank(ln->s[ind]))
			ind++;
		/* the same setting already: nothing to do */
		size_t body = ln->len - (ln->s[ln->len - 1] == '\n');
		const char *mark = memmem(ln->s, body, SETUP_MARK, strlen(SETUP_MARK));
		size_t cmp = mark ? (size_t)(mark - ln->s) : body;
		while (cmp > ind && is_blank(ln->s[cmp - 1]))
			cmp--;
		if (cmp - ind == strlen(newline) && memcmp(ln->s + ind, newline, cmp - ind) == 0) {
			*out = strndup(old, len);
			return *out ? 0 : bsbox_err_set(err, ENOMEM, "copying the config");
		}
		/* keep the original value line (not our own earlier one) for --undo */
		const char *was = mark ? memmem(mark, body - (size_t)(mark - ln->s), "; was: ", 7) : NULL;
		char *orig = was ? strndup(was + 7, body - (size_t)(was + 7 - ln->s))
				 : mark ? NULL : strndup(ln->s + ind, body - ind);
		*replaced = orig;
		sb_add(&b, old, (size_t)(ln->s - old));
		sb_add(&b, ln->s, ind);
		sb_str(&b, newline);
		sb_str(&b, "  " SETUP_MARK);
		if (orig) {
			sb_str(&b, "; was: ");
			sb_str(&b, orig);
		}
		sb_str(&b, line_eol(ln));
		sb_add(&b, ln->s + ln->len, len - (size_t)(ln->s + ln->len - old));
	} else if (header >= 0 || dotted >= 0) {
		const struct line *ln = &L.v[header >= 0 ? header : dotted];
		size_t upto = (size_t)(ln->s + ln->len - old);
		sb_add(&b, old, upto);
		if (!*line_eol(ln))
			sb_str(&b, "\n");
		sb_str(&b, newline);
		sb_str(&b, "  " SETUP_MARK "\n");
		sb_add(&b, old + upto, len - upto);
	} else {
		sb_add(&b, old, len);
		if (len && old[len - 1] != '\n')
			sb_str(&b, "\n");
		if (len)
			sb_str(&b, "\n");
		sb_str(&b, "[build]  " SETUP_MARK "\n");
		sb_str(&b, newline);
		sb_str(&b, "  " SETUP_MARK "\n");
	}
	if (b.oom) {
		free(b.s);
		free(*replaced);
		*replaced = NULL;
		return bsbox_err_set(err, ENOMEM, "building the config");
	}
	*out = b.s ? b.s : strdup("");
	*changed = 1;
	return 0;
}

int setup_undo(const char *old, size_t len, char **out, int *changed, struct bsbox_err *err)
{
	struct lines L = { 0 };
	*out = NULL;
	*changed = 0;
	if (split_lines(old, len, &L) < 0)
		return bsbox_err_set(err, ENOMEM, "reading the config");
	cleanup_free struct line *lv = L.v;
	struct sbuf b = { 0 };
	sb_str(&b, "");
	for (size_t i = 0; i < L.n; i++) {
		const struct line *ln = &L.v[i];
		size_t body = ln->len - (ln->len && ln->s[ln->len - 1] == '\n');
		const char *mark = memmem(ln->s, body, SETUP_MARK, strlen(SETUP_MARK));
		if (!mark) {
			sb_add(&b, ln->s, ln->len);
			continue;
		}
		*changed = 1;
		const char *was = memmem(mark, body - (size_t)(mark - ln->s), "; was: ", 7);
		if (was) {
			size_t ind = 0;
			while (ind < body && is_blank(ln->s[ind]))
				ind++;
			sb_add(&b, ln->s, ind);
			sb_add(&b, was + 7, body - (size_t)(was + 7 - ln->s));
			sb_str(&b, line_eol(ln));
			continue;
		}
		/* a [build] header we appended: drop the blank line we put before it */
		size_t k = 0;
		while (k < body && is_blank(ln->s[k]))
			k++;
		if (k < body && ln->s[k] == '[' && b.len >= 2 && b.s[b.len - 1] == '\n' &&
		    b.s[b.len - 2] == '\n')
			b.len--;
	}
	if (b.oom) {
		free(b.s);
		return bsbox_err_set(err, ENOMEM, "building the config");
	}
	b.s[b.len] = '\0';
	*out = b.s;
	return 0;
}

void setup_diff(FILE *out, const char *path, const char *a, const char *b)
{
	struct lines A = { 0 }, B = { 0 };
	if (split_lines(a, strlen(a), &A) < 0 || split_lines(b, strlen(b), &B) < 0) {
		free(A.v);
		return;
	}
	size_t pre = 0, suf = 0;
	while (pre < A.n && pre < B.n && A.v[pre].len == B.v[pre].len &&
	       memcmp(A.v[pre].s, B.v[pre].s, A.v[pre].len) == 0)
		pre++;
	while (suf < A.n - pre && suf < B.n - pre && A.v[A.n - 1 - suf].len == B.v[B.n - 1 - suf].len &&
	       memcmp(A.v[A.n - 1 - suf].s, B.v[B.n - 1 - suf].s, A.v[A.n - 1 - suf].len) == 0)
		suf++;
	if (pre == A.n && pre == B.n) {
		free(A.v);
		free(B.v);
		return;
	}
	size_t c0 = pre > 3 ? pre - 3 : 0;
	size_t ea = A.n - suf, eb = B.n - suf;
	size_t c1a = ea + (suf > 3 ? 3 : suf), c1b = eb + (suf > 3 ? 3 : suf);
	fprintf(out, "--- %s\n+++ %s\n", path, path);
	fprintf(out, "@@ -%zu,%zu +%zu,%zu @@\n", c0 + (c1a > c0), c1a - c0, c0 + (c1b > c0), c1b - c0);
	struct {
		const struct lines *L;
		size_t from, to;
		char sign;
	} parts[] = {
		{ &A, c0, pre, ' ' }, { &A, pre, ea, '-' }, { &B, pre, eb, '+' }, { &A, ea, c1a, ' ' },
	};
	for (size_t p = 0; p < 4; p++)
		for (size_t i = parts[p].from; i < parts[p].to; i++) {
			const struct line *ln = &parts[p].L->v[i];
			fputc(parts[p].sign, out);
			fwrite(ln->s, 1, ln->len, out);
			if (!ln->len || ln->s[ln->len - 1] != '\n')
				fputs("\n\\ No newline at end of file\n", out);
		}
	free(A.v);
	free(B.v);
}

/* ---- files and editors ------------------------------------------------- */

/* Cargo's config.toml: 1 and the text, 0 when there is none. */
#define SETUP_CONFIG_MAX (16 * 1024 * 1024)
static int read_all(const char *path, char **out, size_t *len, struct bsbox_err *err)
{
	*out = NULL;
	*len = 0;
	int r = util_read_file(path, SETUP_CONFIG_MAX, out, len, err);
	if (r == -ENOENT)
		return 0;
	if (r < 0)
		return r;
	if (memchr(*out, '\0', *len)) {
		free(*out);
		*out = NULL;
		return bsbox_err_setx(err, 0, "%s: not a text file", path);
	}
	return 1;
}

/* Write via PATH.bsbox-tmp + rename, keeping the old file's mode. */
static int mkdir_parents(const char *path)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof buf, "%s", path);
	char *slash = strrchr(buf, '/');
	if (!slash || slash == buf)
		return 0;
	*slash = '\0';
	return util_mkdir_p(buf, 0755);
}

static bool is_dir(const char *home, const char *rel)
{
	char p[PATH_MAX];
	struct stat st;
	snprintf(p, sizeof p, "%s/%s", home, rel);
	return stat(p, &st) == 0;
}

/* The wrapper script rust-analyzer.procMacro.server points at. */
static void find_wrapper(const char *self, char *out, size_t len)
{
	char cand[PATH_MAX];
	snprintf(cand, sizeof cand, "%s/bsbox-proc-macro-srv", BSBOX_DATADIR);
	if (access(cand, X_OK) == 0) {
		snprintf(out, len, "%s", cand);
		return;
	}
	/* a source checkout: <dir of bsbox>/contrib/editors/ */
	snprintf(cand, sizeof cand, "%s", self);
	char *slash = strrchr(cand, '/');
	if (slash) {
		snprintf(slash, sizeof cand - (size_t)(slash - cand), "/contrib/editors/bsbox-proc-macro-srv");
		if (access(cand, X_OK) == 0) {
			snprintf(out, len, "%s", cand);
			return;
		}
	}
	const char *home = getenv("HOME");
	snprintf(out, len, "%s/.local/bin/bsbox-proc-macro-srv", home ? home : "~");
}

enum { ED_VSCODE = 1, ED_NVIM = 2, ED_HELIX = 4, ED_EMACS = 8, ED_ALL = 15 };

static void print_editors(FILE *out, unsigned which, const char *self, const char *srv)
{
	if (which & ED_VSCODE)
		fprintf(out,
			"# VS Code: settings.json (user or .vscode/ of the project)\n"
			"{\n"
			"    \"rust-analyzer.cargo.extraEnv\": { \"RUSTC_WRAPPER\": \"%s\" },\n"
			"    \"rust-analyzer.cargo.buildScripts.useRustcWrapper\": false,\n"
			"    \"rust-analyzer.procMacro.server\": \"%s\",\n"
			"    \"rust-analyzer.server.extraEnv\": { \"BSBOX_WORKSPACE\": \"${workspaceFolder}\" }\n"
			"}\n\n",
			self, srv);
	if (which & ED_NVIM)
		fprintf(out,
			"-- Neovim (nvim-lspconfig): init.lua\n"
			"require('lspconfig').rust_analyzer.setup({\n"
			"  settings = { ['rust-analyzer'] = {\n"
			"    cargo = { extraEnv = { RUSTC_WRAPPER = '%s' },\n"
			"              buildScripts = { useRustcWrapper = false } },\n"
			"    procMacro = { server = '%s' },\n"
			"  } },\n"
			"})\n\n",
			self, srv);
	if (which & ED_HELIX)
		fprintf(out,
			"# Helix: ~/.config/helix/languages.toml\n"
			"[language-server.rust-analyzer.config.cargo]\n"
			"extraEnv = { RUSTC_WRAPPER = \"%s\" }\n"
			"buildScripts = { useRustcWrapper = false }\n"
			"[language-server.rust-analyzer.config.procMacro]\n"
			"server = \"%s\"\n\n",
			self, srv);
	if (which & ED_EMACS)
		fprintf(out,
			";; Emacs (eglot): init.el\n"
			"(setq-default eglot-workspace-configuration\n"
			"  '(:rust-analyzer (:cargo (:extraEnv (:RUSTC_WRAPPER \"%s\")\n"
			"                            :buildScripts (:useRustcWrapper :json-false))\n"
			"                    :procMacro (:server \"%s\"))))\n"
			";; Emacs (lsp-mode): init.el\n"
			"(setq lsp-rust-analyzer-cargo-extra-env '(:RUSTC_WRAPPER \"%s\")\n"
			"      lsp-rust-analyzer-use-rustc-wrapper-for-build-scripts nil\n"
			"      lsp-rust-analyzer-proc-macro-server \"%s\")\n\n",
			self, srv, self, srv);
	fputs("More in contrib/editors/ and docs/editors.md.\n", out);
}

static unsigned detect_editors(void)
{
	const char *home = getenv("HOME");
	unsigned e = 0;
	if (!home || !*home)
		return ED_ALL;
	if (is_dir(home, ".config/Code") || is_dir(home, ".config/Code - OSS") ||
	    is_dir(home, ".config/VSCodium") || is_dir(home, ".vscode"))
		e |= ED_VSCODE;
	if (is_dir(home, ".config/nvim"))
		e |= ED_NVIM;
	if (is_dir(home, ".config/helix"))
		e |= ED_HELIX;
	if (is_dir(home, ".emacs.d") || is_dir(home, ".config/emacs") || is_dir(home, ".emacs"))
		e |= ED_EMACS;
	return e ? e : ED_ALL;
}

/* `bsbox setup --ci`: locked mode and the wrapper for the rest of a CI job:
 * appended to $GITHUB_ENV (GitHub Actions), else printed as shell exports
 * (`eval "$(bsbox setup --ci)"`, GitLab). */
static int setup_ci(const char *self)
{
	const char *ghenv = getenv("GITHUB_ENV");
	FILE *out = stdout;
	cleanup_fclose FILE *f = NULL;
	if (ghenv && *ghenv) {
		if (!(f = fopen(ghenv, "ae"))) {
			fprintf(stderr, "bsbox setup: error: %s: %s\n", ghenv, strerror(errno));
			return BSBOX_EXIT_SETUP;
		}
		out = f;
	}
	/* locked mode: a build script or proc macro not in .bsbox/lock.json is refused */
	if (f)
		fprintf(out, "RUSTC_WRAPPER=%s\nBSBOX_LOCKED=1\n", self);
	else
		fprintf(out, "export RUSTC_WRAPPER='%s'\nexport BSBOX_LOCKED=1\n", self);
	if (f)
		fprintf(stderr, "bsbox setup: RUSTC_WRAPPER=%s and BSBOX_LOCKED=1 added to %s\n", self, ghenv);
	return 0;
}

/* The bsbox-rustdoc link cargo runs as build.rustdoc (main.c dispatches on
 * the name): next to bsbox when installed (make install makes it), else
 * $XDG_DATA_HOME/bsbox/bsbox-rustdoc (~/.local/share/...), made when create. */
static int rustdoc_link(const char *self, char *out, size_t len, bool create, struct bsbox_err *err)
{
	snprintf(out, len, "%.*s/bsbox-rustdoc", (int)(strrchr(self, '/') - self), self);
	cleanup_free char *rp = realpath(out, NULL);
	if (rp && strcmp(rp, self) == 0)
		return 0;
	const char *xdg = getenv("XDG_DATA_HOME"), *home = getenv("HOME");
	if (xdg && *xdg)
		snprintf(out, len, "%s/bsbox/bsbox-rustdoc", xdg);
	else if (home && *home)
		snprintf(out, len, "%s/.local/share/bsbox/bsbox-rustdoc", home);
	else
		return bsbox_err_setx(err, ENOENT, "no place for the bsbox-rustdoc link (HOME unset)");
	free(rp);
	rp = realpath(out, NULL);
	if (!create || (rp && strcmp(rp, self) == 0))
		return 0;
	int mr = mkdir_parents(out);
	if (mr < 0)
		return bsbox_err_set(err, -mr, "creating the directory of %s", out);
	char tmp[PATH_MAX + 16];
	snprintf(tmp, sizeof tmp, "%s.%ld", out, (long)getpid());
	if (symlink(self, tmp) < 0)
		return bsbox_err_set(err, errno, "creating %s", tmp);
	if (rename(tmp, out) < 0) {
		int e = errno;
		unlink(tmp);
		return bsbox_err_set(err, e, "creating %s", out);
	}
	return 0;
}

static const char setup_usage[] =
	"usage: bsbox setup [--dry-run] [--undo] [--editor vscode|nvim|helix|emacs|all] [--no-editor]\n"
	"       bsbox setup --ci\n"
	"\n"
	"Adds build.rustc-wrapper = \"<this bsbox>\" and build.rustdoc = \"<bsbox-rustdoc>\"\n"
	"(a link to bsbox: rustdoc runs proc macros too) to $CARGO_HOME/config.toml (default\n"
	"~/.cargo/config.toml), keeping everything else in the file as it is; the old file\n"
	"is kept as config.toml.bsbox-bak.  Then prints the rust-analyzer settings for the\n"
	"editors found in your home directory (or --editor NAME).\n"
	"    --dry-run   print the change as a diff, write nothing\n"
	"    --undo      remove what bsbox setup added (restores a replaced rustc-wrapper)\n"
	"    --ci        for the rest of a CI job: RUSTC_WRAPPER and locked mode\n"
	"                (BSBOX_LOCKED=1) into $GITHUB_ENV, else printed as shell exports\n";

int setup_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dry-run", no_argument, NULL, 'n' }, { "undo", no_argument, NULL, 'u' },
		{ "editor", required_argument, NULL, 'e' }, { "no-editor", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },    { "ci", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	bool dry = false, undo = false, ci = false;
	int editors = -1; /* -1 detect, 0 none */
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+nuh", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			dry = true;
			break;
		case 'u':
			undo = true;
			break;
		case 'E':
			editors = 0;
			break;
		case 'C':
			ci = true;
			break;
		case 'e':
			if (strcmp(optarg, "vscode") == 0 || strcmp(optarg, "code") == 0)
				editors = ED_VSCODE;
			else if (strcmp(optarg, "nvim") == 0 || strcmp(optarg, "neovim") == 0)
				editors = ED_NVIM;
			else if (strcmp(optarg, "helix") == 0 || strcmp(optarg, "hx") == 0)
				editors = ED_HELIX;
			else if (strcmp(optarg, "emacs") == 0)
				editors = ED_EMACS;
			else if (strcmp(optarg, "all") == 0)
				editors = ED_ALL;
			else {
				fprintf(stderr, "bsbox setup: --editor wants vscode, nvim, helix, emacs or all\n");
				return BSBOX_EXIT_USAGE;
			}
			break;
		case 'h':
			fputs(setup_usage, stdout);
			return 0;
		default:
			fputs(setup_usage, stderr);
			return BSBOX_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "bsbox setup: unexpected argument '%s'\n%s", argv[optind], setup_usage);
		return BSBOX_EXIT_USAGE;
	}

	char self[PATH_MAX];
	int sr = util_self_exe(self, sizeof self);
	if (sr < 0) {
		fprintf(stderr, "bsbox setup: error: cannot find my own path (/proc/self/exe): %s\n",
			strerror(-sr));
		return BSBOX_EXIT_SETUP;
	}
	if (ci)
		return setup_ci(self);

	char path[PATH_MAX], legacy[PATH_MAX];
	const char *ch = getenv("CARGO_HOME"), *home = getenv("HOME");
	if (ch && *ch)
		snprintf(path, sizeof path, "%s/config.toml", ch);
	else if (home && *home)
		snprintf(path, sizeof path, "%s/.cargo/config.toml", home);
	else {
		fputs("bsbox setup: error: neither CARGO_HOME nor HOME is set\n", stderr);
		return BSBOX_EXIT_SETUP;
	}
	/* cargo still reads the extension-less `config` when config.toml is absent */
	snprintf(legacy, sizeof legacy, "%.*s", (int)(strlen(path) - 5), path);
	if (access(path, F_OK) < 0 && access(legacy, F_OK) == 0)
		snprintf(path, sizeof path, "%s", legacy);

	struct bsbox_err err = { 0 };
	cleanup_free char *old = NULL;
	size_t len = 0;
	int exists = read_all(path, &old, &len, &err);
	if (exists < 0) {
		fprintf(stderr, "bsbox setup: error: %s\n", err.msg);
		return BSBOX_EXIT_SETUP;
	}
	if (!old && !(old = strdup(""))) {
		fputs("bsbox setup: error: out of memory\n", stderr);
		return BSBOX_EXIT_SETUP;
	}

	cleanup_free char *new = NULL;
	cleanup_free char *replaced = NULL;
	int changed = 0;
	int r = undo ? setup_undo(old, len, &new, &changed, &err)
		     : setup_edit(old, len, self, &new, &changed, &replaced, &err);
	if (r < 0) {
		fprintf(stderr, "bsbox setup: error: %s: %s\n", path, err.msg);
		return BSBOX_EXIT_SETUP;
	}
	/* rustdoc runs proc macros too, and RUSTC_WRAPPER never applies to it */
	char rustdoc[PATH_MAX];
	cleanup_free char *new2 = NULL;
	cleanup_free char *replaced_doc = NULL;
	if (!undo) {
		if (rustdoc_link(self, rustdoc, sizeof rustdoc, !dry, &err) < 0) {
			fprintf(stderr, "bsbox setup: error: %s\n", err.msg);
			return BSBOX_EXIT_SETUP;
		}
		int changed2 = 0;
		if (setup_edit_key(new, strlen(new), "rustdoc", rustdoc, &new2, &changed2, &replaced_doc,
				   &err) < 0) {
			fprintf(stderr, "bsbox setup: error: %s: %s\n", path, err.msg);
			return BSBOX_EXIT_SETUP;
		}
		free(new);
		new = steal_ptr(new2);
		changed |= changed2;
	}

	if (!changed) {
		printf("%s: %s\n", path,
		       undo ? "nothing added by bsbox setup; unchanged" : "bsbox is already the rustc-wrapper");
	} else if (dry) {
		setup_diff(stdout, path, old, new);
		printf("(dry run: %s not changed)\n", path);
	} else {
		struct stat st;
		mode_t mode = exists > 0 && stat(path, &st) == 0 ? st.st_mode & 07777 : 0644;
		char bak[PATH_MAX];
		snprintf(bak, sizeof bak, "%s.bsbox-bak", path);
		if (exists > 0 && util_write_atomic(bak, old, strlen(old), mode, &err) < 0) {
			fprintf(stderr, "bsbox setup: error: backup: %s\n", err.msg);
			return BSBOX_EXIT_SETUP;
		}
		int mr = mkdir_parents(path);
		if (mr < 0) {
			fprintf(stderr, "bsbox setup: error: creating the directory of %s: %s\n", path,
				strerror(-mr));
			return BSBOX_EXIT_SETUP;
		}
		if (util_write_atomic(path, new, strlen(new), mode, &err) < 0) {
			fprintf(stderr, "bsbox setup: error: %s\n", err.msg);
			return BSBOX_EXIT_SETUP;
		}
		setup_diff(stdout, path, old, new);
		if (exists > 0)
			printf("%s: %s (the old file is %s)\n", path,
			       undo ? "bsbox removed" : "bsbox is now the rustc-wrapper", bak);
		else
			printf("%s: created; bsbox is now the rustc-wrapper\n", path);
		if (replaced)
			fprintf(stderr,
				"bsbox setup: note: this replaced `%s`; to keep that wrapper, set "
				"BSBOX_RUSTC_WRAPPER to it in your environment (bsbox chains it)\n",
				replaced);
		if (replaced_doc)
			fprintf(stderr,
				"bsbox setup: note: this replaced `%s`; to keep that rustdoc, set "
				"BSBOX_RUSTDOC to it in your environment (bsbox-rustdoc runs it)\n",
				replaced_doc);
	}

	if (!undo && editors != 0) {
		char srv[PATH_MAX];
		find_wrapper(self, srv, sizeof srv);
		unsigned which = editors < 0 ? detect_editors() : (unsigned)editors;
		printf("\nrust-analyzer: run build scripts through bsbox and use the confined proc-macro "
		       "server:\n\n");
		print_editors(stdout, which, self, srv);
		if (access(srv, X_OK) < 0)
			printf("\n%s does not exist yet; create it (chmod +x) with:\n"
			       "#!/bin/sh\n# rust-analyzer's proc-macro server, confined by bsbox\n"
			       "exec %s proc-macro-srv \"$@\"\n",
			       srv, self);
	}
	return 0;
}
