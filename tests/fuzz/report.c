/* Fuzz target: the event log behind `bsbox report` (src/report.c reading,
 * src/evlog.c writing).  Its lines carry paths, command lines and
 * addresses chosen by the sandboxed code, and the log file itself is
 * writable by anything running as the user.
 *
 * First byte: bits 0-1 the output format (text, json, github, sarif), bit 2
 * a --crate filter, bit 3 "event mode".  Otherwise the rest is the log
 * file.  In event mode the rest is an event (kind, pid, then NUL-separated
 * crate, version, exe, cmdline, syscall, detail, path, access, addr,
 * suggest): evlog_format must turn it into one line of valid JSON that
 * gives every valid UTF-8 field back unchanged, and that line is then the
 * log `bsbox report` reads. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <sys/mman.h>
#include <unistd.h>

#include "evlog.h"
#include "fuzz.h"
#include "report.h"

static int logfd = -1;
static char logpath[64];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	logfd = memfd_create("fuzz-events.jsonl", MFD_CLOEXEC);
	FUZZ_CHECK(logfd >= 0);
	snprintf(logpath, sizeof logpath, "/proc/self/fd/%d", logfd);
	/* report prints the summary; "$HOME/..." substitution is exercised */
	FUZZ_CHECK(freopen("/dev/null", "w", stdout) != NULL);
	setenv("HOME", "/home/u", 1);
	return 0;
}

/* Valid UTF-8 as evlog.c understands it (no overlongs, surrogates or
 * code points past U+10FFFF). */
static int utf8_valid(const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	while (*s) {
		size_t n = *s < 0x80 ? 1 : (*s & 0xe0) == 0xc0 ? 2 : (*s & 0xf0) == 0xe0 ? 3 : (*s & 0xf8) == 0xf0 ? 4 : 0;
		if (!n)
			return 0;
		unsigned cp = n == 1 ? *s : n == 2 ? *s & 0x1fu : n == 3 ? *s & 0x0fu : *s & 0x07u;
		for (size_t i = 1; i < n; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i] & 0x3fu);
		}
		static const unsigned min[] = { 0, 0, 0x80, 0x800, 0x10000 };
		if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		s += n;
	}
	return 1;
}

static void check_field(const cJSON *o, const char *key, const char *want)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!want) {
		FUZZ_CHECK(v == NULL);
		return;
	}
	FUZZ_CHECK(cJSON_IsString(v));
	if (utf8_valid(want))
		FUZZ_CHECK(strcmp(v->valuestring, want) == 0);
}

/* Event mode: returns the formatted line (malloc'ed) to use as the log. */
static char *format_event(const uint8_t *data, size_t size)
{
	if (size < 5)
		return NULL;
	/* the fields as NUL-terminated strings; a missing one is NULL */
	char *copy = malloc(size - 5 + 1);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, data + 5, size - 5);
	copy[size - 5] = '\0';
	const char *f[10] = { NULL };
	char *s = copy, *end = copy + (size - 5);
	for (size_t i = 0; i < 10 && s <= end; i++) {
		f[i] = s;
		s += strlen(s) + 1;
	}
	int32_t pid;
	memcpy(&pid, data + 1, sizeof pid);
	struct evlog log = { .fd = -1, .crate = f[0], .version = f[1] };
	struct bsbox_event ev = {
		.kind = (enum ev_kind)(data[0] % (EV_SETUP + 1)),
		.pid = (pid_t)pid,
		.exe = f[2], .cmdline = f[3], .syscall = f[4], .detail = f[5],
		.path = f[6], .access = f[7], .addr = f[8], .suggest = f[9],
		.audit = data[0] & 0x80,
	};
	char *line = evlog_format(&log, &ev);
	FUZZ_CHECK(line != NULL);
	size_t len = strlen(line);
	FUZZ_CHECK(len > 0 && line[len - 1] == '\n' && memchr(line, '\n', len) == line + len - 1);
	cJSON *o = cJSON_ParseWithLength(line, len);
	FUZZ_CHECK(cJSON_IsObject(o));
	check_field(o, "crate", f[0]);
	check_field(o, "version", f[1]);
	check_field(o, "exe", f[2]);
	check_field(o, "cmdline", f[3]);
	check_field(o, "kind", evlog_kind_name(ev.kind));
	check_field(o, "detail", f[5]);
	check_field(o, "path", f[6]);
	check_field(o, "addr", f[8]);
	check_field(o, "suggest", f[9]);
	cJSON_Delete(o);
	free(copy);
	return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const fmts[] = { "text", "json", "github", "sarif" };
	if (size < 1)
		return 0;
	unsigned flags = data[0];
	char *line = flags & 8 ? format_event(data + 1, size - 1) : NULL;
	const char *text = line ? line : (const char *)data + 1;
	size_t len = line ? strlen(line) : size - 1;

	FUZZ_CHECK(ftruncate(logfd, 0) == 0);
	FUZZ_CHECK(pwrite(logfd, text, len, 0) == (ssize_t)len);
	free(line);

	char *argv[8];
	int argc = 0;
	argv[argc++] = (char *)"report";
	argv[argc++] = (char *)"--format";
	argv[argc++] = (char *)fmts[flags & 3];
	if (flags & 4) {
		argv[argc++] = (char *)"--crate";
		argv[argc++] = (char *)"cc";
	}
	argv[argc++] = logpath;
	argv[argc] = NULL;
	struct bsbox_settings set;
	char *noenv[] = { NULL };
	settings_read(&set, noenv); /* the log is given: BSBOX_LOG plays no part */
	int rc = report_main(argc, argv, &set);
	FUZZ_CHECK(rc == 0);
	return 0;
}
