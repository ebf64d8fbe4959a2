/* BSBOX_* settings (see settings.h). */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "settings.h"

static const char *lookup(char *const *envp, const char *name)
{
	size_t n = strlen(name);
	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

static const char *nonempty(char *const *envp, const char *name)
{
	const char *v = lookup(envp, name);
	return v && *v ? v : NULL;
}

static bool flag(char *const *envp, const char *name)
{
	const char *v = nonempty(envp, name);
	return v && strcmp(v, "0") != 0;
}

/* exactly this value: the switches whose documentation names one */
static bool equals(char *const *envp, const char *name, const char *value)
{
	const char *v = lookup(envp, name);
	return v && strcmp(v, value) == 0;
}

static int number(char *const *envp, const char *name, int dflt)
{
	const char *v = nonempty(envp, name);
	if (!v)
		return dflt;
	char *end;
	errno = 0;
	long l = strtol(v, &end, 10);
	if (errno || *end || l < INT_MIN || l > INT_MAX)
		return dflt;
	return (int)l;
}

void settings_read(struct bsbox_settings *s, char *const *envp)
{
	const char *mode = nonempty(envp, "BSBOX_MODE");
	*s = (struct bsbox_settings){
		.audit = mode && strcmp(mode, "audit") == 0,
		.policy_dir = nonempty(envp, "BSBOX_POLICY_DIR"),
		.rustc_wrapper = nonempty(envp, "BSBOX_RUSTC_WRAPPER"),
		.workspace = nonempty(envp, "BSBOX_WORKSPACE"),
		.force_no_userns = flag(envp, "BSBOX_FORCE_NO_USERNS"),
		.landlock_abi_max = number(envp, "BSBOX_LANDLOCK_ABI", -1),
		.no_fuse = flag(envp, "BSBOX_NO_FUSE"),
		.no_bpf_reads = flag(envp, "BSBOX_NO_BPF_READS"),
		.no_cgroup = flag(envp, "BSBOX_NO_CGROUP"),
		.unsupervised = flag(envp, "BSBOX_BENCH_UNSUPERVISED"),
		.quiet = flag(envp, "BSBOX_QUIET"),
		.allow_weak = flag(envp, "BSBOX_ALLOW_WEAK"),
		.sandbox_id = number(envp, "BSBOX_SANDBOX_ID", -1),
		.log = nonempty(envp, "BSBOX_LOG"),
		.trace = nonempty(envp, "BSBOX_TRACE"),
		.trace_seccomp = equals(envp, "BSBOX_TRACE_BACKEND", "seccomp"),
		.bpf_debug = equals(envp, "BSBOX_BPF_DEBUG", "1"),
		.test_bpf_read_loss = equals(envp, "BSBOX_TEST_BPF_READ_LOSS", "1"),
		.locked = equals(envp, "BSBOX_LOCKED", "1"),
		.rustdoc = nonempty(envp, "BSBOX_RUSTDOC"),
		.inside = lookup(envp, "BSBOX_INSIDE") != NULL,
	};
}
