/* The JSON-lines event log.  One event = one line = one write() on an
 * O_APPEND fd, so lines from parallel bsbox processes never interleave. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "evlog.h"
#include "util.h"

struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void sb_grow(struct sbuf *b, size_t more)
{
	if (b->oom || b->len + more + 1 <= b->cap)
		return;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	char *np = realloc(b->p, cap);
	if (!np) {
		b->oom = 1;
		return;
	}
	b->p = np;
	b->cap = cap;
}

static void sb_putn(struct sbuf *b, const char *s, size_t n)
{
	sb_grow(b, n);
	if (b->oom)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_puts(struct sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	size_t n;
	uint32_t cp;
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	static const uint32_t min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* JSON string with quotes.  Bytes that are not valid UTF-8 (paths may hold
 * any bytes) become U+FFFD so every line stays valid JSON. */
static void sb_json_str(struct sbuf *b, const char *s)
{
	sb_putn(b, "\"", 1);
	const unsigned char *u = (const unsigned char *)s;
	while (*u) {
		unsigned char c = *u;
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			sb_putn(b, e, 2);
			u++;
		} else if (c < 0x20 || c == 0x7f) {
			char e[8];
			switch (c) {
			case '\n':
				sb_puts(b, "\\n");
				break;
			case '\t':
				sb_puts(b, "\\t");
				break;
			case '\r':
				sb_puts(b, "\\r");
				break;
			default:
				snprintf(e, sizeof e, "\\u%04x", c);
				sb_puts(b, e);
			}
			u++;
		} else {
			size_t n = utf8_len(u);
			if (n == 0) {
				sb_puts(b, "\\ufffd");
				u++;
			} else {
				sb_putn(b, (const char *)u, n);
				u += n;
			}
		}
	}
	sb_putn(b, "\"", 1);
}

static void sb_field(struct sbuf *b, const char *key, const char *val)
{
	if (!val)
		return;
	if (b->len > 1)
		sb_putn(b, ",", 1);
	sb_json_str(b, key);
	sb_putn(b, ":", 1);
	sb_json_str(b, val);
}

const char *evlog_kind_name(enum ev_kind k)
{
	switch (k) {
	case EV_SYSCALL:
		return "syscall";
	case EV_NETWORK:
		return "network";
	case EV_PATH:
		return "path";
	case EV_DIRECTIVE:
		return "directive";
	case EV_SETUP:
		return "setup";
	case EV_RESOURCE:
		return "resource";
	}
	return "unknown";
}

char *evlog_default_path(const char *bsbox_log)
{
	char *out = NULL;
	if (bsbox_log && *bsbox_log)
		return strdup(bsbox_log);
	const char *p = getenv("XDG_STATE_HOME");
	if (p && *p == '/') {
		if (asprintf(&out, "%s/bsbox/events.jsonl", p) < 0)
			return NULL;
		return out;
	}
	p = getenv("HOME");
	if (!p || *p != '/') {
		struct passwd *pw = getpwuid(getuid());
		p = pw ? pw->pw_dir : NULL;
	}
	if (!p || *p != '/')
		return NULL;
	if (asprintf(&out, "%s/.local/state/bsbox/events.jsonl", p) < 0)
		return NULL;
	return out;
}

/* mkdir -p the parent directory of path, new directories 0700 */
static int mkdir_parents(const char *path, struct bsbox_err *err)
{
	cleanup_free char *dir = strdup(path);
	if (!dir)
		return bsbox_err_set(err, ENOMEM, "evlog");
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	int r = util_mkdir_p(dir, 0700);
	return r < 0 ? bsbox_err_set(err, -r, "creating %s", dir) : 0;
}

int evlog_open(struct evlog *log, const char *path, const char *crate, const char *version,
	       struct bsbox_err *err)
{
	log->fd = -1;
	log->crate = crate;
	log->version = version;
	log->proc_macros = NULL;
	log->lost = 0;
	log->lost_errno = 0;
	if (!path)
		return 0;
	int rc = mkdir_parents(path, err);
	if (rc < 0)
		return bsbox_err_prefix(err, "event log %s", path);
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return bsbox_err_set(err, errno, "opening the event log %s (set BSBOX_LOG to move it)",
				     path);
	log->fd = fd;
	return 0;
}

char *evlog_format(const struct evlog *log, const struct bsbox_event *ev)
{
	struct sbuf b = { 0 };
	struct timespec ts;
	struct tm tm;
	char tbuf[64], pid[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(tbuf, sizeof tbuf, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(tbuf + n, sizeof tbuf - n, ".%03ldZ", ts.tv_nsec / 1000000);
	snprintf(pid, sizeof pid, "%ld", (long)ev->pid);

	sb_puts(&b, "{");
	sb_field(&b, "time", tbuf);
	sb_field(&b, "crate", log ? log->crate : NULL);
	sb_field(&b, "version", log ? log->version : NULL);
	sb_field(&b, "proc_macros", log ? log->proc_macros : NULL);
	sb_field(&b, "command", log && !log->crate ? log->command : NULL);
	if (ev->pid > 0) {
		sb_puts(&b, ",\"pid\":");
		sb_puts(&b, pid);
	}
	sb_field(&b, "exe", ev->exe);
	sb_field(&b, "cmdline", ev->cmdline);
	sb_field(&b, "kind", evlog_kind_name(ev->kind));
	sb_field(&b, "syscall", ev->syscall);
	sb_field(&b, "detail", ev->detail);
	sb_field(&b, "path", ev->path);
	sb_field(&b, "access", ev->access);
	sb_field(&b, "addr", ev->addr);
	if (ev->limit) {
		char v[24];
		snprintf(v, sizeof v, "%ld", ev->value);
		sb_field(&b, "limit", ev->limit);
		sb_puts(&b, ",\"value\":");
		sb_puts(&b, v);
	}
	sb_field(&b, "action", ev->info ? "hidden" : ev->audit ? "allowed-audit" : "denied");
	sb_field(&b, "suggest", ev->suggest);
	sb_puts(&b, "}\n");
	if (b.oom) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

int evlog_write(struct evlog *log, const struct bsbox_event *ev)
{
	if (!log || log->fd < 0)
		return 0;
	cleanup_free char *line = evlog_format(log, ev);
	if (!line)
		return -ENOMEM;
	size_t len = strlen(line);
	ssize_t w;
	do
		w = write(log->fd, line, len);
	while (w < 0 && errno == EINTR);
	if (w == (ssize_t)len)
		return 0;
	int e = w < 0 ? errno : EIO;
	/* the BPF drain thread and the supervisor both write here */
	__atomic_fetch_add(&log->lost, 1, __ATOMIC_RELAXED);
	__atomic_store_n(&log->lost_errno, e, __ATOMIC_RELAXED);
	return -e;
}

void evlog_close(struct evlog *log)
{
	if (log && log->fd >= 0) {
		close(log->fd);
		log->fd = -1;
	}
}
