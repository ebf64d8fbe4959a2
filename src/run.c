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
#include "env.h"
#include "evlog.h"
#include "policyvars.h"
#include "report.h"
#include "run.h"
#include "sandbox.h"

extern char **environ;

static int push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof **v);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return -ENOMEM;
	nv[++*n] = NULL;
	return 0;
}

char **run_policy_dirs(const char *workspace)
{
	char **v = calloc(1, sizeof *v);
	size_t n = 0;
	char buf[PATH_MAX];
	const char *e;

	if (!v)
		return NULL;
	if ((e = getenv("BSBOX_POLICY_DIR")) && *e)
		push(&v, &n, e);
	if (workspace) {
		snprintf(buf, sizeof buf, "%s/.bsbox/policies", workspace);
		push(&v, &n, buf);
	}
	if ((e = getenv("XDG_CONFIG_HOME")) && *e) {
		snprintf(buf, sizeof buf, "%s/bsbox/policies", e);
		push(&v, &n, buf);
	} else if ((e = getenv("HOME")) && *e) {
		snprintf(buf, sizeof buf, "%s/.config/bsbox/policies", e);
		push(&v, &n, buf);
	}
	/* running from a source checkout: <dir of the binary>/policies */
	ssize_t l = readlink("/proc/self/exe", buf, sizeof buf - 16);
	if (l > 0) {
		buf[l] = '\0';
		char *slash = strrchr(buf, '/');
		if (slash) {
			strcpy(slash, "/policies");
			if (access(buf, R_OK) == 0)
				push(&v, &n, buf);
		}
	}
	push(&v, &n, BSBOX_DATADIR "/policies");
	return v;
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

static int env_int(const char *name, int dflt)
{
	const char *e = getenv(name);
	if (!e || !*e)
		return dflt;
	char *end;
	long v = strtol(e, &end, 10);
	return *end ? dflt : (int)v;
}

static bool env_flag(const char *name)
{
	const char *e = getenv(name);
	return e && *e && strcmp(e, "0") != 0;
}

int run_confined(struct run_req *req)
{
	struct bsbox_err err = { 0 };
	struct policyvars vars = { .sysroot = req->sysroot };

	if (policy_expand(req->policy, policyvars_lookup, &vars, &err) < 0) {
		fprintf(stderr, "bsbox: error: %s\n", err.msg);
		return BSBOX_EXIT_POLICY;
	}

	/* PATH keeps only directories the policy lets CMD execute from: the
	 * others are hidden or refused anyway, and a PATH search probing them
	 * (~/.pyenv/shims before /usr/bin) would read as a violation. */
	cleanup_free char *path = policy_path_filter(req->policy, getenv("PATH"));
	char *add[] = { "BSBOX_INSIDE=1", "TMPDIR=/tmp", path, NULL };
	cleanup_free char **envp = env_scrub(environ, req->policy, add, NULL);
	if (!envp) {
		fprintf(stderr, "bsbox: error: out of memory\n");
		return BSBOX_EXIT_SETUP;
	}

	struct evlog log = { .fd = -1 };
	cleanup_free char *logpath = req->log_path ? strdup(req->log_path) : evlog_default_path();
	if (logpath && evlog_open(&log, logpath, req->crate, req->crate_version, &err) < 0) {
		fprintf(stderr, "bsbox: warning: event log: %s (continuing without it)\n", err.msg);
		log.fd = -1;
		log.crate = req->crate;
		log.version = req->crate_version;
	}

	struct report rep = { .crate = req->crate, .policy_hint = req->policy_hint };
	struct sandbox_opts so = {
		.policy = req->policy,
		.argv = req->argv,
		.envp = envp,
		.keep_fds = req->keep_fds,
		.nkeep_fds = req->nkeep_fds,
		.cwd = req->cwd,
		.stdout_fd = req->stdout_fd,
		.audit = req->audit,
		.allow_weak = req->allow_weak || env_flag("BSBOX_ALLOW_WEAK"),
		.force_no_userns = env_flag("BSBOX_FORCE_NO_USERNS"),
		.landlock_abi_max = env_int("BSBOX_LANDLOCK_ABI", -1),
		.no_fuse = env_flag("BSBOX_NO_FUSE"),
		.unsupervised = env_flag("BSBOX_BENCH_UNSUPERVISED"),
		.quiet = env_flag("BSBOX_QUIET"),
		.log = &log,
		.report = &rep,
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
	report_free(&rep);
	evlog_close(&log);
	return code;
}

int run_load_policy(const char *file, const char *workspace, struct policy **out)
{
	struct bsbox_err err = { 0 };
	*out = NULL;
	if (file) {
		cleanup_strv char **dirs = run_policy_dirs(workspace);
		if (policy_load_file(file, (const char *const *)dirs, out, &err) < 0) {
			fprintf(stderr, "bsbox: error: %s\n", err.msg);
			return BSBOX_EXIT_POLICY;
		}
	} else if (!(*out = policy_new_default())) {
		fprintf(stderr, "bsbox: error: out of memory\n");
		return BSBOX_EXIT_SETUP;
	}
	return 0;
}

static const char run_usage[] =
	"usage: bsbox run [--policy FILE] [--log FILE] [--audit] [--keep-fd N]... [--allow-weak]\n"
	"                 [--crate NAME] [--] CMD [ARGS...]\n"
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

int run_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "policy", required_argument, NULL, 'p' }, { "log", required_argument, NULL, 'l' },
		{ "audit", no_argument, NULL, 'a' },        { "keep-fd", required_argument, NULL, 'k' },
		{ "allow-weak", no_argument, NULL, 'w' },   { "crate", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },         { NULL, 0, NULL, 0 },
	};
	const char *policy_file = NULL, *log_path = NULL, *crate = NULL;
	bool audit = false, weak = false;
	int keep[64];
	size_t nkeep = 0;
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:l:ak:wc:h", opts, NULL)) != -1) {
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
	if (getenv("BSBOX_MODE") && strcmp(getenv("BSBOX_MODE"), "audit") == 0)
		audit = true;

	cleanup_policy struct policy *p = NULL;
	int lc = run_load_policy(policy_file, NULL, &p);
	if (lc)
		return lc;

	struct run_req req = {
		.argv = argv + optind,
		.policy = p,
		.log_path = log_path,
		.audit = audit,
		.allow_weak = weak,
		.keep_fds = keep,
		.nkeep_fds = nkeep,
		.stdout_fd = -1,
		.crate = crate,
	};
	return run_confined(&req);
}
