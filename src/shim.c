/* The build-script shim (see shim.h): `bsbox --shim-exec SHIMFILE [ARGS]`.
 *
 *   shim ──fork──> filter: reads the script's stdout, checks each `cargo:`
 *     │                    line, forwards what is allowed to the real stdout
 *     └─ run_confined() ──> sandbox ──> real build script (stdout = pipe)
 *
 * The filter is forked before run_confined() so it never shares an address
 * space with the supervisor; the shim closes its copy of the pipe's write end
 * when run_confined() returns, and the filter sees EOF once every process in
 * the sandbox is gone.  Its exit status is the number of rejected directives
 * (capped at FILTER_MAX_COUNT), FILTER_FAILED if it could not work. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cleanup.h"
#include "directives.h"
#include "err.h"
#include "evlog.h"
#include "lock.h"
#include "policy.h"
#include "policystore.h"
#include "policyvars.h"
#include "run.h"
#include "semver.h"
#include "shim.h"
#include "toolchain.h"
#include "util.h"

extern char **environ;

#define SHIM_FILE_MAX (64 * 1024)
#define FILTER_MAX_COUNT 100
#define FILTER_FAILED 101
#define MAX_KEEP_FDS SHIM_JOBSERVER_FDS
#define MAX_KEYS 16

struct shim_file {
	char *buf; /* owns the strings of m */
	struct shim_meta m;
};

static int shim_parse(const char *path, struct shim_file *sf, struct bsbox_err *err)
{
	memset(sf, 0, sizeof *sf);
	if (util_read_file(path, SHIM_FILE_MAX, &sf->buf, NULL, err) < 0)
		return bsbox_err_ret(err);
	bool marker = false;
	char *save = NULL;
	for (char *line = strtok_r(sf->buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!marker) {
			marker = strcmp(line, SHIM_MARKER) == 0;
			continue;
		}
		char *eq = strchr(line, '=');
		if (!eq)
			continue;
		*eq = '\0';
		const char *v = eq + 1;
		if (strcmp(line, "real") == 0)
			sf->m.real = v;
		else if (strcmp(line, "crate") == 0)
			sf->m.crate = v;
		else if (strcmp(line, "version") == 0)
			sf->m.version = v;
		else if (strcmp(line, "manifest_dir") == 0)
			sf->m.manifest_dir = v;
		else if (strcmp(line, "workspace") == 0)
			sf->m.workspace = v;
		else if (strcmp(line, "target_dir") == 0)
			sf->m.target_dir = v;
		else if (strcmp(line, "rustc") == 0)
			sf->m.rustc = v;
		else if (strcmp(line, "sysroot") == 0)
			sf->m.sysroot = v;
	}
	if (!marker)
		return bsbox_err_setx(err, EINVAL, "%s is not a bsbox shim (no \"" SHIM_MARKER "\" line)",
				      path);
	if (!sf->m.real || sf->m.real[0] != '/')
		return bsbox_err_setx(err, EINVAL, "%s: no absolute real= line", path);
	return 0;
}

static const char *nonempty(const char *a, const char *b)
{
	if (a && *a)
		return a;
	if (b && *b)
		return b;
	return NULL;
}

int shim_policy_for(const char *workspace, const char *crate, const char *version,
		    struct policy **out, struct bsbox_err *err)
{
	/* lock.c has no settings struct of its own: the same parser, here */
	struct bsbox_settings set;
	settings_read(&set, environ);
	cleanup_strv char **dirs = NULL;
	if (policystore_dirs(set.policy_dir, workspace, &dirs, err) < 0)
		return bsbox_err_ret(err);
	return policystore_load(crate, version, (const char *const *)dirs, out, err);
}

void shim_jobserver(const char *mf, int *fds, size_t *nfds, char **fifo)
{
	*nfds = 0;
	*fifo = NULL;
	if (!mf)
		return;
	cleanup_free char *copy = strdup(mf);
	char *save = NULL;
	if (!copy)
		return;
	for (char *t = strtok_r(copy, " \t", &save); t; t = strtok_r(NULL, " \t", &save)) {
		const char *v;
		if (strncmp(t, "--jobserver-fds=", 16) == 0)
			v = t + 16;
		else if (strncmp(t, "--jobserver-auth=", 17) == 0)
			v = t + 17;
		else
			continue;
		if (strncmp(v, "fifo:", 5) == 0) {
			free(*fifo);
			*fifo = strdup(v + 5);
			continue;
		}
		int r, w;
		if (sscanf(v, "%d,%d", &r, &w) != 2)
			continue;
		int pair[2] = { r, w };
		for (int k = 0; k < 2; k++) {
			bool dup = false;
			for (size_t j = 0; j < *nfds; j++)
				dup |= fds[j] == pair[k];
			if (!dup && pair[k] > 2 && *nfds < MAX_KEEP_FDS && fcntl(pair[k], F_GETFD) >= 0)
				fds[(*nfds)++] = pair[k];
		}
	}
}

static int rule_push(struct policy_rule_list *r, const char *path, unsigned access, const char *why)
{
	return policy_rule_list_push(r, path, access, "<bsbox shim>", why);
}

/* Paths the script needs beyond the policy: its own binary's dir, the bsbox
 * binary (a script running $RUSTC_WRAPPER $RUSTC), the jobserver fifo, the
 * DEP_* outputs of its dependencies and cargo's LD_LIBRARY_PATH entries --
 * both only where they lie inside the target dir (a dependency's metadata
 * must not widen the sandbox beyond the build). */
static int collect_shim_rules(struct policy_rule_list *r, const char *script_dir, const char *fifo,
			      const char *target_dir)
{
	char self[PATH_MAX];

	if (rule_push(r, script_dir, POL_R | POL_X, "the build script binary") < 0)
		return -ENOMEM;
	if (util_self_exe(self, sizeof self) == 0 &&
	    rule_push(r, self, POL_R | POL_X, "bsbox, the RUSTC_WRAPPER") < 0)
		return -ENOMEM;
	if (fifo && fifo[0] == '/' && rule_push(r, fifo, POL_R | POL_W, "cargo's jobserver") < 0)
		return -ENOMEM;
	cleanup_free char *troot = target_dir && *target_dir ? realpath(target_dir, NULL) : NULL;
	for (char **e = environ; troot && *e; e++) {
		if (strncmp(*e, "DEP_", 4) != 0)
			continue;
		const char *v = strchr(*e, '=');
		if (!v || v[1] != '/')
			continue;
		cleanup_free char *rp = realpath(v + 1, NULL);
		if (rp && util_path_within(rp, troot) &&
		    rule_push(r, rp, POL_R, "a dependency's build output (DEP_*)") < 0)
			return -ENOMEM;
	}
	/* cargo puts target/<profile>/deps and target/<profile> on
	 * LD_LIBRARY_PATH for dylib dependencies; the loader searches them */
	const char *llp = getenv("LD_LIBRARY_PATH");
	cleanup_free char *copy = troot && llp ? strdup(llp) : NULL;
	char *save = NULL;
	for (char *d = copy ? strtok_r(copy, ":", &save) : NULL; d; d = strtok_r(NULL, ":", &save)) {
		if (d[0] != '/')
			continue;
		cleanup_free char *rp = realpath(d, NULL);
		if (rp && util_path_within(rp, troot) &&
		    rule_push(r, rp, POL_R, "cargo's LD_LIBRARY_PATH into the target dir") < 0)
			return -ENOMEM;
	}
	return 0;
}

static int grant_tool(void *ud, const char *path)
{
	return rule_push(ud, path, POL_R | POL_X, "the toolchain cargo runs");
}

/* The toolchain cargo runs, pinned: $RUSTC becomes the rustc the wrapper saw
 * cargo run, $RUSTDOC and $CARGO are resolved on cargo's PATH as cargo
 * would, all absolute, and granted with the sysroot.  Inside, PATH keeps
 * only what the policy lets the script execute, so a bare `rustc` there
 * could answer for another compiler (Debian's, rustup's default). */
static int pin_toolchain(struct policy_rule_list *r, const struct shim_meta *m, char **sysroot)
{
	static const char *const vars[] = { "RUSTC", "RUSTDOC", "CARGO" };
	const char *path_env = getenv("PATH");
	cleanup_free char *rustc = NULL;
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
		const char *v = getenv(vars[i]);
		cleanup_free char *abs = NULL;
		if (i == 0 && m->rustc && m->rustc[0] == '/')
			abs = strdup(m->rustc);
		else if (v && *v)
			abs = util_which(v, path_env);
		if (!abs) {
			if (errno == ENOMEM)
				return -ENOMEM;
			continue; /* unset, or nothing on PATH: leave it as cargo gave it */
		}
		if (setenv(vars[i], abs, 1) < 0)
			return -errno;
		int e = toolchain_grants(abs, grant_tool, r);
		if (e < 0)
			return e;
		if (i == 0)
			rustc = steal_ptr(abs);
	}
	*sysroot = NULL;
	errno = 0;
	if (m->sysroot && m->sysroot[0] == '/') {
		*sysroot = realpath(m->sysroot, NULL);
	} else if (rustc) {
		/* a shim written before the wrapper recorded the sysroot */
		struct bsbox_err err = { 0 };
		if (toolchain_sysroot(rustc, sysroot, &err) < 0)
			fprintf(stderr, "bsbox: warning: %s ($SYSROOT stays unset)\n", err.msg);
	}
	if (!*sysroot && errno == ENOMEM)
		return -ENOMEM;
	if (*sysroot && !util_holds_home(*sysroot))
		return rule_push(r, *sysroot, POL_R | POL_X, "the toolchain cargo runs (its sysroot)");
	return 0;
}

static int add_shim_rules(struct policy *p, const char *script_dir, const char *fifo,
			  const char *target_dir, const struct shim_meta *m, char **sysroot,
			  struct bsbox_err *err)
{
	struct policy_rule_list r = { 0 };
	int ret;
	if ((ret = collect_shim_rules(&r, script_dir, fifo, target_dir)) < 0 ||
	    (ret = pin_toolchain(&r, m, sysroot)) < 0) {
		ret = bsbox_err_set(err, -ret, "the build script's own policy rules");
	} else {
		struct policy extra = {
			.rules = r.v,
			.nrules = r.n,
			.limits = { .nproc = -1, .fsize_mb = -1, .cpu_s = -1, .as_mb = -1, .nofile = -1,
				    .mem_mb = -1, .tmp_mb = -1, .wall_s = -1 },
		};
		ret = policy_merge(p, &extra, err);
	}
	policy_rule_list_free(&r);
	return ret;
}

/* ---- the directive filter ---------------------------------------------- */

struct filter_ctx {
	int rfd;
	struct policy *policy; /* the filter's copy (after fork) */
	const char *const *dirs;
	const char *crate;
	const char *version;
	const char *policy_file; /* where to allow a directive */
	const char *sysroot;
	const char *log; /* BSBOX_LOG (settings.h), or NULL */
	bool audit;
};

/* cargo went away: keep draining the pipe all the same */
static void write_out(int fd, const char *buf, size_t len)
{
	(void)util_write_all(fd, buf, len);
}

/* For messages: at most 300 bytes, control characters shown as '?'. */
static void display(const char *line, size_t len, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < len && o + 4 < outlen; i++) {
		unsigned char c = (unsigned char)line[i];
		out[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
		if (o >= 300) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
	}
	out[o] = '\0';
}

static int filter_run(const struct filter_ctx *fc)
{
	struct bsbox_err err = { 0 };
	signal(SIGPIPE, SIG_IGN);
	struct policyvars vars = { .sysroot = fc->sysroot };
	if (fc->policy && policy_expand(fc->policy, policyvars_lookup, &vars, &err) < 0) {
		fprintf(stderr, "bsbox: directive filter: %s\n", err.msg);
		return FILTER_FAILED;
	}
	struct evlog log = { .fd = -1, .crate = fc->crate, .version = fc->version };
	cleanup_free char *logpath = evlog_default_path(fc->log);
	if (logpath && evlog_open(&log, logpath, fc->crate, fc->version, &err) < 0)
		log = (struct evlog){ .fd = -1, .crate = fc->crate, .version = fc->version };

	cleanup_fclose FILE *in = fdopen(fc->rfd, "r");
	if (!in)
		return FILTER_FAILED;
	char keys[MAX_KEYS][DIRECTIVE_KEY_MAX];
	size_t nkeys = 0;
	unsigned count = 0;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	while ((n = getline(&line, &cap, in)) > 0) {
		size_t len = (size_t)n;
		if (line[len - 1] == '\n')
			len--;
		struct directive_verdict v;
		int r = directives_check(line, len, fc->policy, fc->dirs, &v);
		if (r != DIRECTIVE_REJECTED) {
			write_out(STDOUT_FILENO, line, (size_t)n);
			continue;
		}
		count++;
		char shown[320], suggest[128], msg[1024];
		display(line, len, shown, sizeof shown);
		snprintf(suggest, sizeof suggest, "\"directives\": [\"%s\"]", v.key);
		struct bsbox_event ev = {
			.kind = EV_DIRECTIVE,
			.pid = 0,
			.exe = NULL,
			.detail = shown,
			.audit = fc->audit,
			.suggest = suggest,
		};
		evlog_write(&log, &ev);
		bool seen = false;
		for (size_t i = 0; i < nkeys; i++)
			seen |= strcmp(keys[i], v.key) == 0;
		if (!seen && nkeys < MAX_KEYS)
			memcpy(keys[nkeys++], v.key, sizeof keys[0]);
		if (fc->audit) {
			write_out(STDOUT_FILENO, line, (size_t)n);
			if (line[n - 1] != '\n')
				write_out(STDOUT_FILENO, "\n", 1);
			int m = snprintf(msg, sizeof msg,
					 "cargo:warning=bsbox (audit): would reject directive `%s`: %s\n",
					 shown, v.why);
			write_out(STDOUT_FILENO, msg, (size_t)m < sizeof msg ? (size_t)m : sizeof msg - 1);
		} else {
			fprintf(stderr, "bsbox: rejected directive `%s` from %s: %s\n", shown,
				fc->crate ? fc->crate : "build script", v.why);
		}
	}
	free(line);
	if (count && !fc->audit) {
		fprintf(stderr, "bsbox: %u cargo directive%s from %s rejected (not passed to cargo)\n",
			count, count == 1 ? "" : "s", fc->crate ? fc->crate : "the build script");
		fprintf(stderr, "bsbox: to allow: \"directives\": [");
		for (size_t i = 0; i < nkeys; i++)
			fprintf(stderr, "%s\"%s\"", i ? ", " : "", keys[i]);
		fprintf(stderr, "] in %s\n", fc->policy_file);
	}
	evlog_close(&log);
	return count > FILTER_MAX_COUNT ? FILTER_MAX_COUNT : (int)count;
}

static int wait_filter(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return FILTER_FAILED;
	if (!WIFEXITED(st))
		return FILTER_FAILED;
	return WEXITSTATUS(st);
}

/* A policy written for other versions of the crate still applies, but the
 * user hears of it: an update that suddenly needs more is what a policy
 * pinned to versions is there to catch.  Warned on stderr, to cargo (so the
 * warning shows even when the build passes) and in the event log. */
static void check_versions(const struct policy *p, const char *crate, const char *version,
			   const struct bsbox_settings *set)
{
	if (!p->versions || !version || !crate)
		return;
	struct bsbox_err err = { 0 };
	bool match = false;
	char msg[512];
	if (semver_req_matches(p->versions, version, &match, &err) < 0)
		snprintf(msg, sizeof msg, "policy %s: versions \"%s\": %s", p->source, p->versions,
			 err.msg);
	else if (!match)
		snprintf(msg, sizeof msg, "policy %s was written for %s %s, not %s", p->source, crate,
			 p->versions, version);
	else
		return;
	fprintf(stderr, "bsbox: warning: %s\n", msg);
	printf("cargo:warning=bsbox: %s\n", msg);
	fflush(stdout);
	struct evlog log = { .fd = -1 };
	cleanup_free char *logpath = evlog_default_path(set->log);
	if (logpath && evlog_open(&log, logpath, crate, version, &err) == 0) {
		struct bsbox_event ev = { .kind = EV_SETUP, .detail = msg, .audit = true,
					  .suggest = "review the policy, then update its \"versions\"" };
		evlog_write(&log, &ev);
		evlog_close(&log);
	}
}

/* ---- main ---------------------------------------------------------------- */

int shim_main(int argc, char **argv, const struct bsbox_settings *set)
{
	struct bsbox_err err = { 0 };
	if (argc < 3) {
		fprintf(stderr, "usage: bsbox --shim-exec SHIMFILE [ARGS...]\n");
		return BSBOX_EXIT_USAGE;
	}
	struct shim_file sf;
	if (shim_parse(argv[2], &sf, &err) < 0) {
		free(sf.buf);
		fprintf(stderr, "bsbox: %s\n", err.msg);
		return BSBOX_EXIT_SETUP;
	}
	cleanup_free char *sfbuf = sf.buf;
	struct stat st;
	if (stat(sf.m.real, &st) < 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "bsbox: the build script %s (shim %s) is missing; run `cargo clean -p %s`\n",
			sf.m.real, argv[2], sf.m.crate ? sf.m.crate : "<crate>");
		return BSBOX_EXIT_SETUP;
	}

	const char *crate = nonempty(getenv("CARGO_PKG_NAME"), sf.m.crate);
	const char *version = nonempty(getenv("CARGO_PKG_VERSION"), sf.m.version);
	const char *workspace = nonempty(sf.m.workspace, getenv("CARGO_MANIFEST_DIR"));
	bool audit = set->audit;

	cleanup_strv char **dirs = NULL;
	cleanup_policy struct policy *policy = NULL;
	if (policystore_dirs(set->policy_dir, workspace, &dirs, &err) < 0 ||
	    policystore_load(crate, version, (const char *const *)dirs, &policy, &err) < 0) {
		fprintf(stderr, "bsbox: policy for %s: %s\n", crate ? crate : "build script", err.msg);
		return err.exit_code ? err.exit_code : BSBOX_EXIT_POLICY;
	}
	check_versions(policy, crate, version, set);
	if (set->locked) {
		int lrc = lock_shim_check(sf.m.real, workspace, crate, version, policy, stderr);
		if (lrc)
			return lrc;
	}

	/* where the user allows more: the policy file in use, else a new file in
	 * the workspace (report.c prints "add these entries to <hint>") */
	cleanup_free char *hint = NULL;
	if (policy->source && policy->source[0] == '/')
		hint = strdup(policy->source);
	else if (asprintf(&hint, "%s/.bsbox/policies/%s.json (a new file: start it with "
				 "\"extends\": [\"default\"])",
			  workspace ? workspace : ".", crate ? crate : "CRATE") < 0)
		hint = NULL;

	/* the real binary's directory, for the policy ($BSBOX_SCRIPT_DIR) */
	cleanup_free char *script_dir = strdup(sf.m.real);
	if (!script_dir) {
		fprintf(stderr, "bsbox: out of memory\n");
		return BSBOX_EXIT_SETUP;
	}
	*strrchr(script_dir, '/') = '\0';
	if (!script_dir[0])
		strcpy(script_dir, "/");
	setenv("BSBOX_SCRIPT_DIR", script_dir, 1);
	/* $TARGET_DIR and $CARGO_WORKSPACE_DIR in policies (docs/policy.md):
	 * cargo does not export them to build scripts, the shim file knows them */
	if (sf.m.target_dir && sf.m.target_dir[0] == '/')
		setenv("TARGET_DIR", sf.m.target_dir, 0);
	if (sf.m.workspace && sf.m.workspace[0] == '/')
		setenv("CARGO_WORKSPACE_DIR", sf.m.workspace, 0);

	int keep[MAX_KEEP_FDS];
	size_t nkeep;
	cleanup_free char *fifo = NULL;
	shim_jobserver(getenv("CARGO_MAKEFLAGS"), keep, &nkeep, &fifo);

	const char *target_dir = nonempty(sf.m.target_dir, NULL);
	cleanup_free char *sysroot = NULL;
	if (add_shim_rules(policy, script_dir, fifo, target_dir, &sf.m, &sysroot, &err) < 0) {
		fprintf(stderr, "bsbox: %s\n", err.msg);
		return BSBOX_EXIT_SETUP;
	}
	setenv("BSBOX_INSIDE", "1", 1);

	/* rustc-link-search may point into OUT_DIR and the target dir */
	const char *out_dir = getenv("OUT_DIR");
	const char *link_dirs[3] = { NULL, NULL, NULL };
	size_t nld = 0;
	if (out_dir && out_dir[0] == '/')
		link_dirs[nld++] = out_dir;
	if (target_dir && target_dir[0] == '/')
		link_dirs[nld++] = target_dir;

	/* argv of the real script */
	cleanup_free char **cmd = calloc((size_t)argc, sizeof *cmd);
	if (!cmd) {
		fprintf(stderr, "bsbox: out of memory\n");
		return BSBOX_EXIT_SETUP;
	}
	cmd[0] = (char *)sf.m.real;
	for (int i = 3; i < argc; i++)
		cmd[i - 2] = argv[i];

	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		fprintf(stderr, "bsbox: pipe: %s\n", strerror(errno));
		return BSBOX_EXIT_SETUP;
	}
	fflush(stdout);
	fflush(stderr);
	pid_t fpid = fork();
	if (fpid < 0) {
		fprintf(stderr, "bsbox: fork: %s\n", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return BSBOX_EXIT_SETUP;
	}
	if (fpid == 0) {
		close(pfd[1]);
		struct filter_ctx fc = {
			.rfd = pfd[0],
			.policy = policy,
			.dirs = link_dirs,
			.crate = crate,
			.version = version,
			.policy_file = hint ? hint : ".bsbox/policies/CRATE.json",
			.sysroot = sysroot,
			.log = set->log,
			.audit = audit,
		};
		int code = filter_run(&fc);
		fflush(stdout);
		fflush(stderr);
		_exit(code);
	}
	close(pfd[0]);

	struct run_req req = {
		.argv = cmd,
		.policy = policy,
		.log_path = NULL,
		.audit = audit,
		.keep_fds = keep,
		.nkeep_fds = nkeep,
		.stdout_fd = pfd[1],
		.cwd = NULL,
		.crate = crate,
		.crate_version = version,
		.policy_hint = hint,
		.summary_prefix = audit ? "cargo:warning=" : NULL,
		.sysroot = sysroot,
		.settings = set,
	};
	int code = run_confined(&req);
	close(pfd[1]);
	int rejected = wait_filter(fpid);

	if (rejected == FILTER_FAILED) {
		fprintf(stderr, "bsbox: the cargo directive filter failed\n");
		if (!audit && code == 0)
			code = BSBOX_EXIT_SETUP;
	} else if (rejected > 0 && !audit && code == 0) {
		code = BSBOX_EXIT_VIOLATION;
	}
	return code;
}
