/* Picks the mode (rustc wrapper, build-script shim, subcommand) and maps the
 * result to an exit code. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

extern char **environ;

#include "doctor.h"
#include "err.h"
#include "learn.h"
#include "lock.h"
#include "policycmd.h"
#include "procmacro.h"
#include "report.h"
#include "review.h"
#include "run.h"
#include "settings.h"
#include "setup.h"
#include "shim.h"
#include "wrapper.h"

static const char help[] =
	"bsbox - confine cargo build scripts (and any command) in a sandbox\n"
	"\n"
	"USAGE\n"
	"    RUSTC_WRAPPER=bsbox cargo build ...   confine every build script of the build\n"
	"    bsbox run [OPTIONS] [--] CMD [ARGS...] run one command confined\n"
	"    bsbox report [--json|--format F] [LOG]  summarise the event log\n"
	"    bsbox report --inputs [--json] [TRACE]  host files each build script read or ran\n"
	"    bsbox policy check FILE...            validate policy files\n"
	"    bsbox policy show CRATE[@VERSION]     the effective policy for a crate\n"
	"    bsbox policy explain [LOG]            the policy entries the log's denials need\n"
	"    bsbox learn [--dir DIR] -- CMD...     run CMD in audit mode, write the policies it needs\n"
	"    bsbox doctor                          which layers this machine provides\n"
	"    bsbox lock [--accept CRATE] [--check] record the build scripts and proc macros in .bsbox/lock.json\n"
	"    bsbox review CRATE                    what changed in CRATE's build-time code since it was locked\n"
	"    bsbox proc-macro-srv [--policy FILE] [-- SERVER]  rust-analyzer's proc-macro server, confined\n"
	"    bsbox setup [--dry-run] [--undo]      enable bsbox in ~/.cargo/config.toml, print editor settings\n"
	"    bsbox --help | --version\n"
	"\n"
	"DESCRIPTION\n"
	"    As RUSTC_WRAPPER, bsbox passes every rustc call straight through, except\n"
	"    the compilation of a build script: then it lets rustc finish and puts a\n"
	"    shim in place of the binary. When cargo runs the script, the shim starts\n"
	"    the real binary confined by the crate's policy: new user, mount, network,\n"
	"    pid, ipc, uts and cgroup namespaces; a mount tree holding only what the\n"
	"    policy allows, a private /tmp and a minimal /dev; Landlock; no\n"
	"    capabilities; no_new_privs; resource limits; a seccomp filter whose\n"
	"    denials go to a supervisor that logs them; secrets removed from the\n"
	"    environment; only stdin/out/err and cargo's jobserver fds inherited.\n"
	"    Anything denied fails the build with a summary naming what was denied\n"
	"    and the policy entry that would allow it.\n"
	"    A rustc call that loads a proc macro runs rustc itself confined, by the\n"
	"    union of the policies of the macros it loads. Run as bsbox-rustdoc (cargo's\n"
	"    build.rustdoc, set by bsbox setup), bsbox does the same for rustdoc.\n"
	"\n"
	"RUN OPTIONS\n"
	"    --policy FILE   JSON policy (docs/policy.md); default: the built-in one\n"
	"    --log FILE      JSONL event log (default $BSBOX_LOG, else\n"
	"                    $XDG_STATE_HOME/bsbox/events.jsonl)\n"
	"    --audit         log what would be denied, but let path accesses and\n"
	"                    directives through (the network stays isolated)\n"
	"    --keep-fd N     pass file descriptor N to CMD (repeatable)\n"
	"    --allow-weak    run with seccomp alone where neither user namespaces\n"
	"                    nor Landlock exist (otherwise bsbox refuses)\n"
	"    --crate NAME    name used in the log and the summary\n"
	"    --trace FILE    append every access (allowed too) as JSON lines;\n"
	"                    BPF as root, else the supervisor (docs/trace.md)\n"
	"\n"
	"ENVIRONMENT\n"
	"    BSBOX_MODE=audit        audit mode (also for build scripts under cargo)\n"
	"    BSBOX_LOG=FILE          event log location\n"
	"    BSBOX_POLICY_DIR=DIR    searched first for <crate>.json and presets\n"
	"    BSBOX_RUSTC_WRAPPER=W   chain another wrapper (e.g. sccache); not for calls\n"
	"                            that load proc macros (those run confined)\n"
	"    BSBOX_RUSTDOC=PATH      the rustdoc bsbox-rustdoc runs (default: PATH's)\n"
	"    BSBOX_TRACE=FILE        the access trace of every build script\n"
	"    BSBOX_TRACE_BACKEND=seccomp  trace through the supervisor even as root\n"
	"    BSBOX_BPF_DEBUG=1       libbpf's messages (verifier logs) and why the BPF\n"
	"                            deny layer did not load\n"
	"    BSBOX_FORCE_NO_USERNS=1 behave as if user namespaces were unavailable\n"
	"    BSBOX_LANDLOCK_ABI=N    use at most Landlock ABI N (0: none)\n"
	"    BSBOX_NO_FUSE=1         no FUSE root: the supervisor checks every open\n"
	"                            itself (slower; the same events are logged)\n"
	"    BSBOX_NO_BPF_READS=1    as root: the supervisor, not the BPF read watcher,\n"
	"                            checks every open for root-only files (slower)\n"
	"    BSBOX_NO_CGROUP=1       no cgroup: the supervisor enforces nproc and mem_mb\n"
	"                            itself, as when bsbox cannot make one\n"
	"    BSBOX_BENCH_UNSUPERVISED=1  the same sandbox without the supervisor:\n"
	"                            denials enforced but not logged (make bench)\n"
	"    BSBOX_QUIET=1           no degraded-mode notice\n"
	"    BSBOX_SANDBOX_ID=N      started by root: the unprivileged host uid/gid\n"
	"                            CMD runs as (default 1999999999; never 0)\n"
	"    BSBOX_LOCKED=1          locked mode: refuse a build script or proc macro that is\n"
	"                            not in .bsbox/lock.json, or whose code or policy changed\n"
	"\n"
	"EXIT STATUS\n"
	"    CMD's own status passes through, otherwise:\n"
	"    121  usage error            122  policy missing or malformed\n"
	"    123  sandbox setup failed (nothing ran)\n"
	"    124  policy violation: something was denied (enforce mode)\n"
	"         or the lock refused a new or changed build script/proc macro\n"
	"    126  CMD could not be executed   127  CMD not found\n"
	"    128+N  CMD was killed by signal N\n"
	"\n"
	"FILES\n"
	"    .bsbox/policies/, ~/.config/bsbox/policies/, " BSBOX_DATADIR "/policies/\n"
	"    policy lookup order; <crate>@<version>.json before <crate>.json\n"
	"\n"
	"See README.md and docs/policy.md.\n";

static bool is_wrapper_call(const char *a)
{
	/* cargo runs `$RUSTC_WRAPPER $RUSTC ...`: a path or a rustc-like name */
	const char *base = strrchr(a, '/');
	base = base ? base + 1 : a;
	return strchr(a, '/') || strstr(base, "rustc") || strstr(base, "clippy") ||
	       strstr(base, "driver") || strcmp(base, "sccache") == 0;
}

int main(int argc, char **argv)
{
	/* the BSBOX_* switches, read once for every mode */
	struct bsbox_settings set;
	settings_read(&set, environ);
	const char *self = strrchr(argv[0], '/');
	if (strcmp(self ? self + 1 : argv[0], "bsbox-rustdoc") == 0)
		return wrapper_rustdoc_main(argc, argv, &set);
	if (argc < 2) {
		fputs("usage: bsbox run [OPTIONS] -- CMD [ARGS...]   (bsbox --help for more)\n", stderr);
		return BSBOX_EXIT_USAGE;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "--shim-exec") == 0)
		return shim_main(argc, argv, &set);
	if (strcmp(cmd, "run") == 0)
		return run_main(argc - 1, argv + 1, &set);
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		fputs(help, stdout);
		return 0;
	}
	if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "-V") == 0) {
		printf("bsbox %s\n", BSBOX_VERSION);
		return 0;
	}
	if (strcmp(cmd, "doctor") == 0)
		return doctor_main(argc - 1, argv + 1, &set);
	if (strcmp(cmd, "report") == 0)
		return report_main(argc - 1, argv + 1, &set);
	if (strcmp(cmd, "policy") == 0)
		return policycmd_main(argc - 1, argv + 1, &set);
	if (strcmp(cmd, "learn") == 0)
		return learn_main(argc - 1, argv + 1, &set);
	if (strcmp(cmd, "lock") == 0)
		return lock_main(argc - 1, argv + 1);
	if (strcmp(cmd, "review") == 0)
		return review_main(argc - 1, argv + 1, &set);
	if (strcmp(cmd, "setup") == 0)
		return setup_main(argc - 1, argv + 1);
	if (strcmp(cmd, "proc-macro-srv") == 0)
		return procmacro_main(argc - 1, argv + 1, &set);
	if (cmd[0] != '-' && is_wrapper_call(cmd))
		return wrapper_main(argc, argv, &set);
	fprintf(stderr, "bsbox: unknown command '%s' (see bsbox --help)\n", cmd);
	return BSBOX_EXIT_USAGE;
}
