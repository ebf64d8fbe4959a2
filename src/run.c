/* From a command line (or the shim's request) to sandbox_run() and back to an
 * exit code. */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "creds.h"
#include "env.h"
#include "evlog.h"
#include "policystore.h"
#include "policyvars.h"
#include "report.h"
#include "run.h"
#include "sandbox.h"
#include "syslinks.h"
#include "envpaths.h"

extern char **environ;

/* sandbox.c's notes and warnings go to the user's terminal (cargo shows a
 * build script's stderr on failure, and its own warnings otherwise). */
static void print_notice(void *arg, const char *kind, const char *msg)
{
	(void)arg;
	fprintf(stderr, "bsbox: %s: %s\n", kind, msg);
}

static char *policy_path_filter(const struct policy *p, const char *path)
{
	if (!path)
		return NULL;
	size_t n = strlen(path);
	char *out = malloc(n + 6);
	if (!out)
		return NULL;
	strcpy(out, "PATH=");
	char *o = out + 5;
	const char *s = path;
	while (*s) {
		const char *e = strchr(s, ':');
		size_t l = e ? (size_t)(e - s) : strlen(s);
		char dir[PATH_MAX];
		if (l > 0 && l < sizeof dir) {
			memcpy(dir, s, l);
			dir[l] = '\0';
			if (dir[0] == '/' && (policy_access_for(p, dir) & POL_X)) {
				if (o != out + 5)
					*o++ = ':';
				memcpy(o, dir, l);
				o += l;
			}
		}
		s += l;
		if (*s == ':')
			s++;
	}
	*o = '\0';
	return out;
}

/* Started by root: the host id build scripts run as (sandbox.h root_id).
 * BSBOX_SANDBOX_ID picks another; it can never be 0, so a project's
 * [env] table cannot hand a build script the host's root.  Audit mode lets
 * path accesses through by design (it is for learning a policy from code
 * you trust that far): it runs as the caller, root included. */
static uid_t root_id(bool audit, const struct bsbox_settings *set)
{
	if (geteuid() != 0 || audit)
		return 0;
	int id = set->sandbox_id;
	return id > 0 ? (uid_t)id : BSBOX_SANDBOX_ID;
}

/* git inside the sandbox works as outside (git describe, vergen, built
 * dates): (1) started by root, CMD runs as another uid (root_id), and git
 * then calls the root-owned workspace "dubious" and refuses it, so
 * safe.directory is set for it (the sandbox already bounds what a
 * repository's config could make git run); (2) the user's ~/.gitconfig is
 * outside the default policy: hidden in full mode, but without a mount
 * namespace git's open of it is a denial that fails the build, so git is
 * told there is no global config unless the policy grants one.  Variables
 * the caller set win.  Fills at most 4 entries of add (NULL-terminated). */
static void git_env(const struct policy *p, uid_t rid, char **add)
{
	size_t k = 0;
	if (rid && !getenv("GIT_CONFIG_COUNT")) {
		add[k++] = "GIT_CONFIG_COUNT=1";
		add[k++] = "GIT_CONFIG_KEY_0=safe.directory";
		add[k++] = "GIT_CONFIG_VALUE_0=*";
	}
	const char *home = getenv("HOME");
	char gc[PATH_MAX];
	if (!getenv("GIT_CONFIG_GLOBAL") && home && *home &&
	    snprintf(gc, sizeof gc, "%s/.gitconfig", home) < (int)sizeof gc &&
	    !(policy_access_for(p, gc) & POL_R))
		add[k++] = "GIT_CONFIG_GLOBAL=/dev/null";
	add[k] = NULL;
}

/* One grant of envpaths_grant, said once on stderr and, for a build script
 * run by the shim (whose stdout is cargo's), as a cargo warning: cargo shows
 * a build script's stderr only when it fails. */
static void envpaths_note(const char *var, const char *entry, void *ud)
{
	const struct run_req *req = ud;
	fprintf(stderr, "bsbox: note: granting read of $%s entry %s (named in the build script's "
			"environment)\n", var, entry);
	if (req->stdout_fd >= 0) {
		printf("cargo:warning=bsbox: granting read of $%s entry %s (named in the build "
		       "script's environment)\n", var, entry);
		fflush(stdout);
	}
}

int run_confined(struct run_req *req)
{
	struct bsbox_err err = { 0 };
	const struct bsbox_settings *set = req->settings;
	struct policyvars vars = { .sysroot = req->sysroot };

	if (policy_expand(req->policy, policyvars_lookup, &vars, &err) < 0) {
		fprintf(stderr, "bsbox: error: %s\n", err.msg);
		return BSBOX_EXIT_POLICY;
	}
	/* /etc/resolv.conf -> /run/... on Ubuntu (syslinks.h) */
	if (syslinks_grant(req->policy, syslinks_default_dirs, &err) < 0) {
		fprintf(stderr, "bsbox: error: %s\n", err.msg);
		return BSBOX_EXIT_SETUP;
	}
	/* tokens in .git/config, .netrc in the workspace (creds.h) */
	if (creds_scan(req->policy, &err) < 0) {
		fprintf(stderr, "bsbox: error: %s\n", err.msg);
		return BSBOX_EXIT_SETUP;
	}

	/* PATH keeps only directories the policy lets CMD execute from: the
	 * others are hidden or refused anyway, and a PATH search probing them
	 * (~/.pyenv/shims before /usr/bin) would read as a violation. */
	const char *host_path = getenv("PATH");
	cleanup_free char *path = policy_path_filter(req->policy, host_path);
	char *add[8] = { "BSBOX_INSIDE=1", "TMPDIR=/tmp", path };
	git_env(req->policy, root_id(req->audit, set), add + (path ? 3 : 2));
	cleanup_free char **envp = (path || !host_path) ? env_scrub(environ, req->policy, add, NULL) : NULL;
	if (!envp) {
		fprintf(stderr, "bsbox: error: out of memory\n");
		return BSBOX_EXIT_SETUP;
	}
	/* PKG_CONFIG_PATH, OPENSSL_DIR...: the build the user asked for (envpaths.h) */
	if (envpaths_grant(req->policy, envp, envpaths_note, req, &err) < 0) {
		fprintf(stderr, "bsbox: error: %s\n", err.msg);
		return BSBOX_EXIT_SETUP;
	}

	struct evlog log = { .fd = -1 };
	cleanup_free char *default_log = req->log_path ? NULL : evlog_default_path(set->log);
	const char *logpath = req->log_path ? req->log_path : default_log;
	if (logpath && evlog_open(&log, logpath, req->crate, req->crate_version, &err) < 0) {
		fprintf(stderr, "bsbox: warning: event log: %s (continuing without it)\n", err.msg);
		log.fd = -1;
		log.crate = req->crate;
		log.version = req->crate_version;
	}

	struct trace trace;
	const char *tpath = req->trace_path ? req->trace_path : set->trace;
	if (trace_open(&trace, tpath && *tpath ? tpath : NULL, req->crate, req->crate_version,
		       &err) < 0) {
		fprintf(stderr, "bsbox: error: %s\n", err.msg);
		evlog_close(&log);
		return BSBOX_EXIT_SETUP;
	}
	trace.file.proc_macros = req->proc_macros;
	trace_start(&trace, getenv("CARGO_MANIFEST_DIR"), getenv("OUT_DIR"));

	log.proc_macros = req->proc_macros;
	/* without a crate, events name the command (bounded: it is a label) */
	char command[256] = "";
	for (size_t i = 0, o = 0; req->argv[i] && o + 1 < sizeof command; i++) {
		int k = snprintf(command + o, sizeof command - o, "%s%s", i ? " " : "", req->argv[i]);
		if (k < 0)
			break;
		o += (size_t)k;
	}
	log.command = command;
	char label[1024];
	if (req->proc_macros)
		snprintf(label, sizeof label, "%s (compiling it loads the proc macros %s)",
			 req->crate ? req->crate : "?", req->proc_macros);
	struct report rep = { .crate = req->proc_macros ? label : req->crate,
			      .policy_hint = req->policy_hint };
	struct sandbox_opts so = {
		.policy = req->policy,
		.argv = req->argv,
		.envp = envp,
		.keep_fds = req->keep_fds,
		.nkeep_fds = req->nkeep_fds,
		.cwd = req->cwd,
		.stdout_fd = req->stdout_fd,
		.audit = req->audit,
		.allow_weak = req->allow_weak || set->allow_weak,
		.force_no_userns = set->force_no_userns,
		.landlock_abi_max = set->landlock_abi_max,
		.settings = set,
		.no_fuse = set->no_fuse,
		.no_bpf_reads = set->no_bpf_reads,
		.no_cgroup = set->no_cgroup,
		.unsupervised = set->unsupervised,
		.quiet = set->quiet,
		.root_id = root_id(req->audit, set),
		.log = &log,
		.report = &rep,
		.trace = trace_on(&trace) ? &trace : NULL,
		.notice = print_notice,
	};
	if (so.unsupervised && !so.quiet)
		fprintf(stderr, "bsbox: warning: BSBOX_BENCH_UNSUPERVISED=1: denials are enforced but "
				"neither logged nor reported (a benchmark switch)\n");
	char cwdbuf[PATH_MAX];
	if (!so.cwd && getcwd(cwdbuf, sizeof cwdbuf))
		so.cwd = cwdbuf;

	struct sandbox_result res;
	int code;
	if (sandbox_run(&so, &res, &err) < 0) {
		fprintf(stderr, "bsbox: error: %s\n", err.msg);
		code = err.exit_code ? err.exit_code : BSBOX_EXIT_SETUP;
	} else {
		code = sandbox_exit_code(&res, &rep, req->audit);
		if (res.exec_errno)
			fprintf(stderr, "bsbox: %s: %s\n", req->argv[0], strerror(res.exec_errno));
		if (!req->audit && req->extra_denials > 0)
			code = BSBOX_EXIT_VIOLATION;
	}
	if (rep.ndenied > 0) {
		FILE *out = req->summary_prefix ? stdout : stderr;
		report_print(&rep, out, req->audit, req->summary_prefix);
		fflush(out);
	}
	/* probes that found an existing path hidden (supervise.c): said, never fatal;
	 * as cargo warnings too, since cargo shows a passing script's stderr never */
	for (size_t i = 0; i < rep.nhidden && i < 10; i++) {
		fprintf(stderr, "bsbox: note: %s exists on the host but is hidden from the script "
				"(a probe got ENOENT); \"read\": [\"%s\"] would allow it\n",
			rep.hidden[i], rep.hidden[i]);
		if (req->stdout_fd >= 0)
			printf("cargo:warning=bsbox: %s exists on the host but is hidden from the "
			       "build script; \"read\": [\"%s\"] would allow it\n",
			       rep.hidden[i], rep.hidden[i]);
	}
	if (rep.nhidden > 10)
		fprintf(stderr, "bsbox: note: and %zu more hidden paths (action \"hidden\" in the "
				"event log)\n", rep.nhidden - 10);
	if (log.lost)
		fprintf(stderr, "bsbox: warning: %u event%s could not be written to the event log %s: %s "
				"(the summary above is complete)\n",
			log.lost, log.lost == 1 ? "" : "s", logpath ? logpath : "", strerror(log.lost_errno));
	fflush(stdout);
	report_free(&rep);
	trace_close(&trace);
	evlog_close(&log);
	return code;
}

static const char run_usage[] =
	"usage: bsbox run [--policy FILE] [--log FILE] [--audit] [--keep-fd N]... [--allow-weak]\n"
	"                 [--crate NAME] [--trace FILE] [--] CMD [ARGS...]\n"
	"See `bsbox --help`.\n";

static int parse_fd(const char *s, int *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v < 3 || v > 65535)
		return -1;
	*out = (int)v;
	return 0;
}

int run_main(int argc, char **argv, const struct bsbox_settings *set)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' }, { "log", required_argument, NULL, 'l' },
		{ "audit", no_argument, NULL, 'a' },        { "keep-fd", required_argument, NULL, 'k' },
		{ "allow-weak", no_argument, NULL, 'w' },   { "crate", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },         { "trace", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	const char *policy_file = NULL, *log_path = NULL, *crate = NULL, *trace_path = NULL;
	bool audit = false, weak = false;
	int keep[64];
	size_t nkeep = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:l:ak:wc:ht:", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			policy_file = optarg;
			break;
		case 'l':
			log_path = optarg;
			break;
		case 'a':
			audit = true;
			break;
		case 'k':
			if (nkeep >= 64 || parse_fd(optarg, &keep[nkeep]) < 0) {
				fprintf(stderr, "bsbox run: --keep-fd: bad fd '%s' (3..65535)\n", optarg);
				return BSBOX_EXIT_USAGE;
			}
			nkeep++;
			break;
		case 'w':
			weak = true;
			break;
		case 'c':
			crate = optarg;
			break;
		case 't':
			trace_path = optarg;
			break;
		case 'h':
			fputs(run_usage, stdout);
			return 0;
		default:
			fputs(run_usage, stderr);
			return BSBOX_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "bsbox run: no command given\n%s", run_usage);
		return BSBOX_EXIT_USAGE;
	}
	audit = audit || set->audit;

	struct bsbox_err err = { 0 };
	cleanup_strv char **dirs = NULL;
	cleanup_policy struct policy *p = NULL;
	if (policystore_dirs(set->policy_dir, NULL, &dirs, &err) < 0 ||
	    policystore_open(policy_file, (const char *const *)dirs, &p, &err) < 0) {
		fprintf(stderr, "bsbox: error: %s\n", err.msg);
		return err.exit_code ? err.exit_code : BSBOX_EXIT_SETUP;
	}

	struct run_req req = {
		.argv = argv + optind,
		.policy = p,
		.log_path = log_path,
		.trace_path = trace_path,
		.audit = audit,
		.allow_weak = weak,
		.keep_fds = keep,
		.nkeep_fds = nkeep,
		.stdout_fd = -1,
		.crate = crate,
		.settings = set,
	};
	return run_confined(&req);
}
