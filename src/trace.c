/* The access trace: records -> JSON lines (see trace.h).  Formatting and
 * address decoding are pure and unit-tested (tests/unit/trace_test.c). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "trace.h"

int trace_open(struct trace *t, const char *path, const char *crate, const char *version,
	       struct bsbox_err *err)
{
	t->backend = NULL;
	t->bpf = NULL;
	t->policy = NULL;
	int rc = evlog_open(&t->file, path, crate, version, err);
	if (rc < 0)
		return bsbox_err_prefix(err, "trace");
	return 0;
}

const char *trace_op_name(enum trace_op op)
{
	switch (op) {
	case TRACE_OPEN:
		return "open";
	case TRACE_EXEC:
		return "exec";
	case TRACE_CONNECT:
		return "connect";
	case TRACE_SEND:
		return "send";
	case TRACE_UNLINK:
		return "unlink";
	case TRACE_RMDIR:
		return "rmdir";
	case TRACE_MKDIR:
		return "mkdir";
	case TRACE_RENAME:
		return "rename";
	case TRACE_SOCKET:
		return "socket";
	}
	return "?";
}

const char *trace_fmode_access(unsigned fmode)
{
	/* include/linux/fs.h: FMODE_READ 0x1, FMODE_WRITE 0x2, FMODE_EXEC 0x20 */
	if (fmode & 0x20)
		return "exec";
	if ((fmode & 3) == 3)
		return "read-write";
	return fmode & 2 ? "write" : "read";
}

void trace_sockaddr(const void *sa, size_t len, char *out, size_t outlen)
{
	sa_family_t fam = 0;
	if (len < sizeof fam) {
		snprintf(out, outlen, "?");
		return;
	}
	memcpy(&fam, sa, sizeof fam);
	char ip[INET6_ADDRSTRLEN];
	if (fam == AF_INET && len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in in;
		memcpy(&in, sa, sizeof in);
		inet_ntop(AF_INET, &in.sin_addr, ip, sizeof ip);
		snprintf(out, outlen, "%s:%u", ip, ntohs(in.sin_port));
	} else if (fam == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 in6;
		memcpy(&in6, sa, sizeof in6);
		inet_ntop(AF_INET6, &in6.sin6_addr, ip, sizeof ip);
		snprintf(out, outlen, "[%s]:%u", ip, ntohs(in6.sin6_port));
	} else if (fam == AF_UNIX) {
		const char *p = (const char *)sa + offsetof(struct sockaddr_un, sun_path);
		size_t n = len > offsetof(struct sockaddr_un, sun_path)
				   ? len - offsetof(struct sockaddr_un, sun_path)
				   : 0;
		if (n > sizeof((struct sockaddr_un *)0)->sun_path)
			n = sizeof((struct sockaddr_un *)0)->sun_path;
		if (n == 0) {
			snprintf(out, outlen, "unix:");
		} else if (p[0] == '\0') {
			/* abstract: the name is exactly n-1 bytes, NULs included */
			size_t k = snprintf(out, outlen, "unix:@");
			for (size_t i = 1; i < n && k + 1 < outlen; i++)
				out[k++] = p[i] >= 0x20 && p[i] < 0x7f ? p[i] : '?';
			out[k < outlen ? k : outlen - 1] = '\0';
		} else {
			snprintf(out, outlen, "unix:%.*s", (int)strnlen(p, n), p);
		}
	} else {
		snprintf(out, outlen, "family %u", (unsigned)fam);
	}
}

/* An allowed file access the run's policy does not grant (audit mode let it
 * through): the policy entry `bsbox learn` should add.  Only regular files
 * and executables on the host; /proc, /sys and /dev are the supervisor's
 * business (pathdecide.c's path_free). */
static bool outside_policy(const struct trace *t, const struct trace_rec *r)
{
	/* only what the kernel confirms (BPF): the supervisor's "allowed" is a
	 * name it let through, and its audit-mode findings are in the event log */
	if (!t->policy || !t->bpf || r->err || !r->path || r->path[0] != '/')
		return false;
	unsigned want;
	switch (r->op) {
	case TRACE_OPEN:
		want = !r->access || !strcmp(r->access, "read") ? POL_R
		       : !strcmp(r->access, "exec")		? POL_X
								: POL_W;
		break;
	case TRACE_EXEC:
		want = POL_X;
		break;
	case TRACE_UNLINK:
	case TRACE_RMDIR:
	case TRACE_MKDIR:
	case TRACE_RENAME:
		want = POL_W;
		break;
	case TRACE_CONNECT:
	case TRACE_SEND:
	case TRACE_SOCKET:
	default:
		return false;
	}
	static const char *const exempt[] = { "/proc/", "/sys/", "/dev/" };
	for (size_t i = 0; i < sizeof exempt / sizeof *exempt; i++)
		if (!strncmp(r->path, exempt[i], strlen(exempt[i])))
			return false;
	if ((policy_access_for(t->policy, r->path) & want) == want)
		return false;
	struct stat st;
	return want == POL_W || (stat(r->path, &st) == 0 && S_ISREG(st.st_mode));
}

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
}

char *trace_format(const struct trace *t, const struct trace_rec *r)
{
	struct timespec ts;
	struct tm tm;
	char tbuf[64];
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(tbuf, sizeof tbuf, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(tbuf + n, sizeof tbuf - n, ".%03ldZ", ts.tv_nsec / 1000000);

	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	add_str(o, "time", tbuf);
	add_str(o, "crate", t ? t->file.crate : NULL);
	add_str(o, "version", t ? t->file.version : NULL);
	/* a confined rustc call: what it touched is its proc macros' (learn.c) */
	add_str(o, "proc_macros", t ? t->file.proc_macros : NULL);
	if (r->pid > 0)
		cJSON_AddNumberToObject(o, "pid", r->pid);
	add_str(o, "backend", t ? t->backend : NULL);
	add_str(o, "op", trace_op_name(r->op));
	add_str(o, "path", r->path);
	add_str(o, "target", r->target);
	add_str(o, "to", r->to);
	add_str(o, "access", r->access);
	if (r->argv) {
		cJSON *a = cJSON_AddArrayToObject(o, "argv");
		for (size_t i = 0; a && i < r->argc; i++)
			cJSON_AddItemToArray(a, cJSON_CreateString(r->argv[i]));
	}
	add_str(o, "addr", r->addr);
	add_str(o, "detail", r->detail);
	/* only EACCES/EPERM are refusals; ENOENT & co. are plain failures
	 * (a PATH search, a probe for an optional file) */
	bool denied = r->err == EACCES || r->err == EPERM ||
		      (r->err && r->by && strcmp(r->by, "supervisor") == 0);
	add_str(o, "result", !r->err ? "allowed" : denied ? "denied" : "failed");
	if (r->err) {
		cJSON_AddNumberToObject(o, "errno", r->err);
		if (denied)
			add_str(o, "by", r->by);
	}
	if (t && outside_policy(t, r))
		cJSON_AddBoolToObject(o, "outside_policy", true);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s)
		return NULL;
	size_t l = strlen(s);
	char *line = realloc(s, l + 2);
	if (!line) {
		free(s);
		return NULL;
	}
	line[l] = '\n';
	line[l + 1] = '\0';
	return line;
}

static void write_line(struct trace *t, const char *line)
{
	size_t len = strlen(line);
	ssize_t w;
	do
		w = write(t->file.fd, line, len);
	while (w < 0 && errno == EINTR);
	/* a full disk loses trace lines, not the build: the event log warns */
}

void trace_write(struct trace *t, const struct trace_rec *r)
{
	if (!trace_on(t))
		return;
	cleanup_free char *line = trace_format(t, r);
	if (line)
		write_line(t, line);
}

void trace_start(struct trace *t, const char *manifest_dir, const char *out_dir)
{
	if (!trace_on(t))
		return;
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return;
	add_str(o, "crate", t->file.crate);
	add_str(o, "version", t->file.version);
	add_str(o, "op", "start");
	add_str(o, "manifest_dir", manifest_dir);
	add_str(o, "out_dir", out_dir);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!s)
		return;
	size_t l = strlen(s);
	char *line = realloc(s, l + 2);
	if (!line) {
		free(s);
		return;
	}
	memcpy(line + l, "\n", 2);
	write_line(t, line);
	free(line);
}

void trace_lost(struct trace *t, unsigned long long n)
{
	if (!trace_on(t) || n == 0)
		return;
	char line[256];
	snprintf(line, sizeof line,
		 "{\"backend\":\"%s\",\"op\":\"lost\",\"count\":%llu,\"detail\":\"ring buffer full: "
		 "this trace is incomplete\"}\n",
		 t->backend ? t->backend : "", n);
	write_line(t, line);
}

void trace_event(struct trace *t, const struct bsbox_event *ev)
{
	if (!trace_on(t) || (ev->kind != EV_PATH && ev->kind != EV_NETWORK))
		return;
	/* let through in audit mode: the BPF programs see it happen */
	if (t->bpf && ev->audit)
		return;
	struct trace_rec r = {
		.pid = ev->pid,
		.err = ev->audit ? 0 : EACCES,
		.by = "supervisor",
	};
	const char *sc = ev->syscall ? ev->syscall : "";
	if (ev->kind == EV_NETWORK) {
		if (strcmp(sc, "bind") == 0)
			return;
		if (!ev->addr) { /* socket() of a denied family */
			if (strncmp(sc, "socket", 6) != 0)
				return;
			r.op = TRACE_SOCKET;
			r.detail = ev->detail;
			r.err = EAFNOSUPPORT; /* what the supervisor answers (notify_net.c) */
		} else {
			r.op = strstr(sc, "send") ? TRACE_SEND : TRACE_CONNECT;
			r.addr = ev->addr;
		}
	} else if (ev->addr && ev->access && strcmp(ev->access, "connect") == 0) {
		/* a pathname unix socket without a "unix_sockets" grant (notify_net.c, pathdecide.c) */
		r.op = strstr(sc, "send") ? TRACE_SEND : TRACE_CONNECT;
		r.addr = ev->addr;
	} else {
		const char *acc = ev->access ? ev->access : "";
		r.path = ev->path;
		if (strstr(sc, "exec"))
			r.op = TRACE_EXEC;
		else if (strstr(sc, "unlink"))
			r.op = TRACE_UNLINK;
		else if (strcmp(sc, "rmdir") == 0)
			r.op = TRACE_RMDIR;
		else if (strstr(sc, "mkdir"))
			r.op = TRACE_MKDIR;
		else if (strstr(sc, "rename"))
			r.op = TRACE_RENAME;
		else
			r.op = TRACE_OPEN;
		if (r.op == TRACE_OPEN)
			r.access = strcmp(acc, "exec") == 0 ? "exec" : strcmp(acc, "write") == 0 ? "write" : "read";
	}
	trace_write(t, &r);
}

bool trace_symlink_target(int rfd, const char *path, char *out, size_t outlen)
{
	char cur[PATH_MAX], buf[PATH_MAX];
	if (rfd < 0)
		return false;
	snprintf(cur, sizeof cur, "%s", path);
	bool any = false;
	for (int i = 0; i < 8; i++) {
		struct open_how how = { .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
					.resolve = RESOLVE_IN_ROOT };
		cleanup_close int fd = (int)syscall(SYS_openat2, rfd, cur, &how, sizeof how);
		if (fd < 0)
			break;
		ssize_t n = readlinkat(fd, "", buf, sizeof buf - 1);
		if (n < 0)
			break; /* not a symlink */
		buf[n] = '\0';
		if (buf[0] == '/') {
			snprintf(cur, sizeof cur, "%s", buf);
		} else {
			char *slash = strrchr(cur, '/');
			size_t k = slash ? (size_t)(slash - cur) : 0;
			char joined[PATH_MAX];
			snprintf(joined, sizeof joined, "%.*s/%s", (int)k, cur, buf);
			snprintf(cur, sizeof cur, "%s", joined);
		}
		any = true;
	}
	if (any)
		snprintf(out, outlen, "%s", cur);
	return any;
}

void trace_close(struct trace *t)
{
	if (t)
		evlog_close(&t->file);
}
