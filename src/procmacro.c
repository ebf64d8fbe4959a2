/* `bsbox proc-macro-srv`: find rust-analyzer's proc-macro server and run it
 * confined, its stdin/stdout (the JSON-lines protocol) passed through.
 *
 * rust-analyzer starts the server as `SERVER [--format F]` (and `SERVER
 * --version` for its messages), sets RUST_ANALYZER_INTERNALS_DO_NOT_USE, and
 * sends ListMacros / ExpandMacro requests naming dylibs in the target dir;
 * each expansion runs third-party code (the proc macro) inside the server. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cleanup.h"
#include "reslimit.h"
#include "err.h"
#include "policy.h"
#include "procmacro.h"
#include "policystore.h"
#include "run.h"
#include "toolchain.h"
#include "util.h"

extern char **environ;

#define PM_CRATE "proc-macro-srv"
#define PM_SOURCE "<proc-macro-srv>"
#define PM_SERVER_REL "libexec/rust-analyzer-proc-macro-srv"

/* ---- pure helpers ------------------------------------------------------ */

static int add_path(cJSON *arr, const char *path, const char *why)
{
	cJSON *o = cJSON_CreateObject();
	if (!o || !cJSON_AddStringToObject(o, "path", path) || !cJSON_AddStringToObject(o, "why", why)) {
		cJSON_Delete(o);
		return -ENOMEM;
	}
	cJSON_AddItemToArray(arr, o);
	return 0;
}

int procmacro_policy(struct policy *base, const struct procmacro_paths *paths, bool strip_writes,
		     struct bsbox_err *err)
{
	if (strip_writes) {
		for (size_t i = 0; i < base->nrules; i++) {
			const char *p = base->rules[i].path;
			if (strcmp(p, "/tmp") != 0 && strcmp(p, "$TMPDIR") != 0)
				base->rules[i].access &= ~(unsigned)POL_W;
		}
	}

	/* The additions go through the policy parser, so they get the same
	 * checks (absolute after expansion, normalised) as a policy file. */
	cJSON *root = cJSON_CreateObject();
	cJSON *rd = cJSON_AddArrayToObject(root, "read");
	cJSON *ex = cJSON_AddArrayToObject(root, "exec");
	int r = (root && rd && ex) ? 0 : -ENOMEM;
	struct {
		const char *path;
		cJSON *arr;
		const char *why;
	} adds[] = {
		{ paths->sysroot, ex, "the toolchain: the server, librustc_driver, the std dylibs" },
		{ paths->server, ex, "the proc-macro server binary" },
		{ paths->workspace, rd, "the workspace: sources that macros read (include_str!, .env ...)" },
		{ paths->target, ex, "the target dir: proc-macro dylibs are mmapped PROT_EXEC" },
		{ "$CARGO_HOME/registry", rd, "dependency sources (expansions run in the crate's dir)" },
		{ "$CARGO_HOME/git", rd, "git dependency sources" },
	};
	for (size_t i = 0; r == 0 && i < sizeof adds / sizeof adds[0]; i++) {
		if (!adds[i].path || !*adds[i].path)
			continue;
		/* a literal '$' would be read as a variable: withhold, don't misgrant */
		if (adds[i].path[0] == '/' && strchr(adds[i].path, '$'))
			continue;
		r = add_path(adds[i].arr, adds[i].path, adds[i].why);
	}
	cleanup_free char *text = r == 0 ? cJSON_PrintUnformatted(root) : NULL;
	cJSON_Delete(root);
	if (!text)
		return bsbox_err_set(err, ENOMEM, "building the proc-macro-srv policy");

	cleanup_policy struct policy *add = NULL;
	if (policy_parse(text, strlen(text), PM_SOURCE, NULL, &add, err) < 0)
		return bsbox_err_ret(err);
	return policy_merge(base, add, err);
}

void procmacro_find_workspace(const char *start, procmacro_probe_fn has_manifest,
			      procmacro_probe_fn is_workspace, void *ud, char *out, size_t outlen)
{
	char dir[PATH_MAX];
	const char *found = NULL;
	char nearest[PATH_MAX] = "", ws[PATH_MAX] = "";

	snprintf(out, outlen, "%s", start);
	if (snprintf(dir, sizeof dir, "%s", start) >= (int)sizeof dir)
		return;
	for (;;) {
		if (!*nearest && has_manifest(dir, ud))
			snprintf(nearest, sizeof nearest, "%s", dir);
		if (*nearest && !*ws && has_manifest(dir, ud) && is_workspace(dir, ud))
			snprintf(ws, sizeof ws, "%s", dir);
		char *slash = strrchr(dir, '/');
		if (!slash || slash == dir)
			break;
		*slash = '\0';
	}
	found = *ws ? ws : *nearest ? nearest : NULL;
	if (found)
		snprintf(out, outlen, "%s", found);
}

/* ---- the side with syscalls -------------------------------------------- */

static bool probe_manifest(const char *dir, void *ud)
{
	(void)ud;
	char p[PATH_MAX];
	struct stat st;
	if (snprintf(p, sizeof p, "%s/Cargo.toml", dir) >= (int)sizeof p)
		return false;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool probe_workspace(const char *dir, void *ud)
{
	(void)ud;
	char p[PATH_MAX], line[4096];
	if (snprintf(p, sizeof p, "%s/Cargo.toml", dir) >= (int)sizeof p)
		return false;
	cleanup_fclose FILE *f = fopen(p, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof line, f)) {
		const char *s = line + strspn(line, " \t");
		if (strncmp(s, "[workspace]", 11) == 0)
			return true;
	}
	return false;
}

/* Absolute and lexically normal (cwd-relative paths are joined). */
static void absolutise(const char *in, const char *base, char *out, size_t len)
{
	if (in[0] == '/')
		snprintf(out, len, "%s", in);
	else
		snprintf(out, len, "%s/%s", base, in);
	size_t l = strlen(out);
	while (l > 1 && out[l - 1] == '/')
		out[--l] = '\0';
}

static const char pm_usage[] =
	"usage: bsbox proc-macro-srv [--policy FILE] [--log FILE] [SERVER-ARGS...] [-- SERVER [ARGS...]]\n"
	"\n"
	"Runs rust-analyzer's proc-macro server confined; point rust-analyzer.procMacro.server\n"
	"at contrib/editors/bsbox-proc-macro-srv.  SERVER defaults to\n"
	"$(rustc --print sysroot)/" PM_SERVER_REL " (rustc: $RUSTC, else PATH).\n"
	"Arguments before `--` that are not bsbox's (rust-analyzer's --version, --format F)\n"
	"go to the server.  The policy: the built-in default without its write access\n"
	"(the private /tmp stays writable), plus read of the workspace (BSBOX_WORKSPACE, else\n"
	"the Cargo workspace around the current directory), $CARGO_HOME/registry and\n"
	"$CARGO_HOME/git, read+exec of the sysroot and the target dir (CARGO_TARGET_DIR,\n"
	"else WORKSPACE/target); no network.  --policy FILE replaces the built-in part.\n";

int procmacro_main(int argc, char **argv, const struct bsbox_settings *set)
{
	const char *policy_file = NULL, *log_path = NULL;
	cleanup_free char **sargv = calloc((size_t)argc + 2, sizeof *sargv);
	size_t ns = 1; /* sargv[0] = the server, filled below */
	const char *server = NULL;

	if (!sargv) {
		fprintf(stderr, "bsbox: error: out of memory\n");
		return BSBOX_EXIT_SETUP;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "bsbox proc-macro-srv: `--` but no SERVER\n%s", pm_usage);
				return BSBOX_EXIT_USAGE;
			}
			server = argv[i + 1];
			for (int j = i + 2; j < argc; j++)
				sargv[ns++] = argv[j];
			break;
		}
		if ((strcmp(a, "--policy") == 0 || strcmp(a, "--log") == 0) && i + 1 >= argc) {
			fprintf(stderr, "bsbox proc-macro-srv: %s needs an argument\n%s", a, pm_usage);
			return BSBOX_EXIT_USAGE;
		}
		if (strcmp(a, "--policy") == 0)
			policy_file = argv[++i];
		else if (strncmp(a, "--policy=", 9) == 0)
			policy_file = a + 9;
		else if (strcmp(a, "--log") == 0)
			log_path = argv[++i];
		else if (strncmp(a, "--log=", 6) == 0)
			log_path = a + 6;
		else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(pm_usage, stdout);
			return 0;
		} else
			sargv[ns++] = argv[i];
	}

	struct bsbox_err err = { 0 };
	char sysroot[PATH_MAX] = "", server_buf[PATH_MAX], cwd[PATH_MAX];
	if (!getcwd(cwd, sizeof cwd))
		snprintf(cwd, sizeof cwd, "/");

	const char *rustc = getenv("RUSTC");
	cleanup_free char *sr = NULL;
	if (toolchain_sysroot(rustc && *rustc ? rustc : "rustc", &sr, &err) < 0) {
		if (!server) {
			fprintf(stderr, "bsbox proc-macro-srv: error: %s (set RUSTC, or name the server: "
					"bsbox proc-macro-srv -- /path/to/rust-analyzer-proc-macro-srv)\n",
				err.msg);
			return BSBOX_EXIT_NOTFOUND;
		}
		/* an explicit server still works; it just gets no sysroot rule */
	} else {
		snprintf(sysroot, sizeof sysroot, "%s", sr);
	}
	if (!server) {
		snprintf(server_buf, sizeof server_buf, "%s/" PM_SERVER_REL, sysroot);
		if (access(server_buf, X_OK) < 0) {
			fprintf(stderr,
				"bsbox proc-macro-srv: error: %s: %s (toolchains since 1.64 ship it; or name "
				"it: bsbox proc-macro-srv -- /path/to/rust-analyzer-proc-macro-srv)\n",
				server_buf, strerror(errno));
			return BSBOX_EXIT_NOTFOUND;
		}
	} else {
		absolutise(server, cwd, server_buf, sizeof server_buf);
	}
	sargv[0] = server_buf;

	/* The workspace: where the sources and (usually) the target dir are. */
	char start[PATH_MAX], ws[PATH_MAX], target[PATH_MAX] = "";
	const char *wsenv = set->workspace;
	if (wsenv) {
		absolutise(wsenv, cwd, ws, sizeof ws);
	} else {
		snprintf(start, sizeof start, "%s", cwd);
		procmacro_find_workspace(start, probe_manifest, probe_workspace, NULL, ws, sizeof ws);
	}
	/* resolved (symlinks, ".."), so $WS/.. cannot name the home's parent
	 * unnoticed; the grant is the resolved path */
	cleanup_free char *wsr = util_path_resolve(ws);
	if (!wsr || util_holds_home(wsr)) {
		fprintf(stderr,
			"bsbox proc-macro-srv: warning: not granting %s (it holds your home directory); "
			"proc macros of this workspace will not load.  Start the editor in the project, "
			"or set BSBOX_WORKSPACE=/path/to/project\n", wsr ? wsr : ws);
		ws[0] = '\0';
	} else {
		snprintf(ws, sizeof ws, "%s", wsr);
	}
	const char *td = getenv("CARGO_TARGET_DIR");
	if (!td || !*td)
		td = getenv("CARGO_BUILD_TARGET_DIR");
	if (td && *td)
		absolutise(td, cwd, target, sizeof target);
	else if (*ws)
		snprintf(target, sizeof target, "%s/target", ws);
	cleanup_free char *tr = *target ? util_path_resolve(target) : NULL;
	if (*target && (!tr || util_holds_home(tr)))
		target[0] = '\0';
	else if (tr)
		snprintf(target, sizeof target, "%s", tr);

	cleanup_strv char **dirs = NULL;
	cleanup_policy struct policy *p = NULL;
	if (policystore_dirs(set->policy_dir, *ws ? ws : NULL, &dirs, &err) < 0 ||
	    policystore_open(policy_file, (const char *const *)dirs, &p, &err) < 0) {
		fprintf(stderr, "bsbox: error: %s\n", err.msg);
		return err.exit_code ? err.exit_code : BSBOX_EXIT_SETUP;
	}
	size_t sl = strlen(sysroot);
	bool in_sysroot = sl && strncmp(server_buf, sysroot, sl) == 0 && server_buf[sl] == '/';
	struct procmacro_paths paths = {
		.sysroot = sysroot,
		.server = in_sysroot ? "" : server_buf, /* inside the sysroot: covered already */
		.workspace = ws,
		.target = target,
	};
	if (procmacro_policy(p, &paths, !policy_file, &err) < 0) {
		fprintf(stderr, "bsbox: error: %s\n", err.msg);
		return BSBOX_EXIT_POLICY;
	}

	/* the server refuses to start without it; rust-analyzer sets it too */
	setenv("RUST_ANALYZER_INTERNALS_DO_NOT_USE", "this is unstable", 0);

	/* a server that lives as long as the editor session */
	reslimit_for_compiler(&p->limits);
	struct run_req req = {
		.argv = sargv,
		.policy = p,
		.log_path = log_path,
		.audit = set->audit,
		.stdout_fd = -1, /* the protocol: stdin and stdout pass straight through */
		.cwd = *ws ? ws : "/",
		.crate = PM_CRATE,
		.policy_hint = "pass `--policy FILE` (a policy with \"extends\": [\"default\"]) to "
			       "bsbox proc-macro-srv",
		.settings = set,
	};
	return run_confined(&req);
}
