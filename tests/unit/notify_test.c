/* The supervisor end to end, without namespaces: a child loads the notify
 * filter (notify_paths, have_netns), hands the listener over a socketpair
 * like sandbox.c does, and makes calls; the parent runs notify_supervise()
 * against a hand-built policy (/usr r-x, /tmp rw) and checks the answers,
 * the JSON-lines log, the summary and `bsbox report`.
 * Output: "ok - ..." / "not ok - ..." lines, then "N passed, M failed". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "evlog.h"
#include "notify.h"
#include "policy.h"
#include "report.h"
#include "seccomp_filter.h"

#include "tap.h"

/* ---- the child ----------------------------------------------------------- */

static int result_fd;
static bool no_netns; /* the run without a network namespace (set before fork) */

/* report "NAME RET ERRNO" to the parent (write(2) is never notified) */
static void put(const char *name, long r)
{
	char buf[256];
	int n = snprintf(buf, sizeof buf, "%s %ld %d", name, r < 0 ? -1L : 0L, r < 0 ? errno : 0);
	if (write(result_fd, buf, (size_t)n) < 0)
		_exit(90);
}

static long closing(long fd)
{
	if (fd >= 0)
		close((int)fd);
	return fd;
}

/* Everything that writes stays inside tmpdir: in audit mode (and as root)
 * the calls really happen.  tmpdir/allowed is in the policy, tmpdir/outside
 * is not. */
static void child_calls(const char *tmpdir)
{
	char p[512], q[512];
	put("open_etc_hostname", closing(open("/etc/hostname", O_RDONLY)));
	put("open_usr_stdio", closing(open("/usr/include/stdio.h", O_RDONLY)));
	put("open_dotdot", closing(open("/usr/../etc/hostname", O_RDONLY)));
	put("open_devnull", closing(open("/dev/null", O_WRONLY)));
	put("open_opath", closing(open("/etc/hostname", O_PATH)));
	put("open_proc", closing(open("/proc/self/status", O_RDONLY)));
	put("open_usr_dir", closing(open("/usr/include", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NONBLOCK)));
	put("open_missing", closing(open("/nonexistent-bsbox-test/x", O_RDONLY)));
	char *const nargv[] = { "sh", NULL };
	put("execve_missing", execve("/nonexistent-bsbox-test/sh", nargv, nargv + 1));
	if (chdir("/usr/include") == 0)
		put("open_relative_usr", closing(open("stdio.h", O_RDONLY)));
	snprintf(p, sizeof p, "%s/outside", tmpdir);
	int out = open(p, O_PATH | O_DIRECTORY);
	put("openat_dirfd_outside", closing(openat(out, "secret", O_RDONLY)));
	put("openat_dirfd_outside_write", closing(openat(out, "created", O_WRONLY | O_CREAT, 0600)));
	snprintf(p, sizeof p, "%s/allowed/file", tmpdir);
	put("open_allowed_create", closing(open(p, O_WRONLY | O_CREAT, 0600)));
	put("unlink_allowed", unlink(p));
	snprintf(p, sizeof p, "%s/outside/newdir", tmpdir);
	put("mkdir_outside", mkdir(p, 0700));
	snprintf(p, sizeof p, "%s/outside/secret2", tmpdir);
	snprintf(q, sizeof q, "%s/allowed/renamed", tmpdir);
	put("rename_outside_to_allowed", rename(p, q));
	snprintf(p, sizeof p, "%s/outside/secret", tmpdir);
	char *const argv[] = { "secret", NULL };
	put("execve_outside", execve(p, argv, argv + 1));

	int s = socket(AF_INET, SOCK_STREAM, 0);
	put("socket_inet", s);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(9) };
	inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
	put("connect_inet", connect(s, (struct sockaddr *)&sin, sizeof sin));
	close(s);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in dns = { .sin_family = AF_INET, .sin_port = htons(53) };
	inet_pton(AF_INET, "192.0.2.1", &dns.sin_addr);
	put("sendto_dns", sendto(s, "x", 1, 0, (struct sockaddr *)&dns, sizeof dns));
	close(s);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	memcpy(sun.sun_path, "\0bsbox-notify-test-nobody", 26);
	put("connect_unix_abstract",
	    connect(s, (struct sockaddr *)&sun, offsetof(struct sockaddr_un, sun_path) + 26));
	close(s);
	s = socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(9),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	struct iovec iov = { "x", 1 };
	struct msghdr mh = { .msg_name = &s6, .msg_namelen = sizeof s6, .msg_iov = &iov,
			     .msg_iovlen = 1 };
	put("sendmsg_inet6", sendmsg(s, &mh, 0));
	close(s);
	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	put("sendto_netlink", sendto(s, "xxxx", 4, 0, (struct sockaddr *)&snl, sizeof snl));
	close(s);
	put("socket_packet", socket(AF_PACKET, SOCK_RAW, 0));
	/* listen(): on an unbound IP socket it takes a host port without a
	 * network namespace; a unix server keeps working (the supervisor makes
	 * its listen).  Only in the run without one: the full mode's binds are
	 * the unix-socket rules' business (tests/sockets.sh). */
	if (no_netns) {
		struct sockaddr_un srv = { .sun_family = AF_UNIX };
		s = socket(AF_INET, SOCK_STREAM, 0);
		put("listen_inet", listen(s, 1));
		close(s);
		snprintf(srv.sun_path, sizeof srv.sun_path, "%s/allowed/srv", tmpdir);
		s = socket(AF_UNIX, SOCK_STREAM, 0);
		put("bind_unix", bind(s, (struct sockaddr *)&srv, sizeof srv));
		put("listen_unix", listen(s, 1));
		close(s);
		unlink(srv.sun_path);
	}
	put("ptrace", ptrace(PTRACE_TRACEME, 0, 0, 0));
	put("io_uring_setup", syscall(SYS_io_uring_setup, 1, NULL));
	put("unshare_user", unshare(CLONE_NEWUSER));
	put("getpid", getpid());
}

static __attribute__((noreturn)) void child(scmp_filter_ctx ctx, int sock, const char *tmpdir)
{
	int rc = seccomp_load(ctx);
	if (rc < 0)
		_exit(91);
	/* like sandbox.c: say the listener's number (write(2) is never
	 * notified), let the parent take it with pidfd_getfd, wait for its ack */
	int nfd = seccomp_notify_fd(ctx);
	char ack;
	if (write(sock, &nfd, sizeof nfd) != (ssize_t)sizeof nfd || read(sock, &ack, 1) != 1)
		_exit(92);
	close(nfd);
	result_fd = sock;
	child_calls(tmpdir);
	_exit(0);
}

/* ---- the parent ----------------------------------------------------------- */

struct result {
	char name[64];
	long ret;
	int err;
};

/* the child's listener, taken with pidfd_getfd; then the ack */
static int take_listener(int sock, int pidfd)
{
	int num;
	if (read(sock, &num, sizeof num) != (ssize_t)sizeof num || num < 0)
		return -1;
	int fd = (int)syscall(SYS_pidfd_getfd, pidfd, num, 0);
	if (write(sock, "k", 1) != 1 && fd >= 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static const struct result *find(const struct result *r, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(r[i].name, name))
			return &r[i];
	return NULL;
}

static void expect(const struct result *r, size_t n, const char *name, int want_errno)
{
	const struct result *x = find(r, n, name);
	if (!x) {
		check(0, "%s: no result from the child", name);
		return;
	}
	if (want_errno == 0)
		check(x->ret == 0, "%s works (%s)", name, x->ret ? strerror(x->err) : "ok");
	else if (want_errno < 0) /* anything but EACCES: reached the kernel */
		check(!(x->ret < 0 && x->err == EACCES), "%s not denied by the supervisor (%s)", name,
		      x->ret ? strerror(x->err) : "ok");
	else
		check(x->ret < 0 && x->err == want_errno, "%s -> %s (got %s)", name,
		      strerror(want_errno), x->ret ? strerror(x->err) : "success");
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return strdup("");
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char chunk[4096];
	size_t k;
	while ((k = fread(chunk, 1, sizeof chunk, f)) > 0)
		fwrite(chunk, 1, k, m);
	fclose(f);
	fclose(m);
	return buf;
}

/* a log line containing all of the needles */
static bool log_has(const char *log, const char *a, const char *b, const char *c)
{
	for (const char *line = log; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		char *l = strndup(line, len);
		bool ok = l && strstr(l, a) && (!b || strstr(l, b)) && (!c || strstr(l, c));
		free(l);
		if (ok)
			return true;
		line = end ? end + 1 : NULL;
	}
	return false;
}

/* run `bsbox report ARGS` with stdout captured into a string */
static char *run_report(int argc, char **argv, int *rc)
{
	char path[] = "/tmp/bsbox-report-out-XXXXXX";
	int fd = mkstemp(path);
	fflush(stdout);
	int saved = dup(1);
	dup2(fd, 1);
	struct bsbox_settings set;
	char *noenv[] = { NULL };
	settings_read(&set, noenv); /* the log is always given */
	*rc = report_main(argc, argv, &set);
	fflush(stdout);
	dup2(saved, 1);
	close(saved);
	close(fd);
	char *out = slurp(path);
	unlink(path);
	return out;
}

static int run_once(bool audit, const char *tmpdir, const char *logpath, struct report *rep,
		    struct result *res, size_t *nres)
{
	char allowed[512];
	snprintf(allowed, sizeof allowed, "%s/allowed", tmpdir);
	struct policy_rule rules[] = {
		{ .path = "/usr", .access = POL_R | POL_X, .origin = "test" },
		{ .path = allowed, .access = POL_R | POL_W, .origin = "test" },
	};
	struct policy pol = { .source = "test", .rules = rules, .nrules = 2 };
	struct bsbox_err err = { 0 };
	struct evlog log;
	if (evlog_open(&log, logpath, "testcrate", "1.0.0", &err) < 0) {
		check(0, "evlog_open: %s", err.msg);
		return -1;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	/* the audit run has no network namespace (below): IP sockets as where
	 * Landlock and the BPF layer back the supervisor up */
	struct scf_opts so = { .notify = true, .notify_paths = true, .have_netns = !audit,
			       .ip_tcp = audit, .ip_udp = audit };
	scmp_filter_ctx ctx;
	if (scf_build(&so, &ctx, &err) < 0) {
		check(0, "scf_build: %s", err.msg);
		return -1;
	}
	no_netns = audit;
	pid_t pid = fork();
	if (pid == 0) {
		close(sv[0]);
		child(ctx, sv[1], tmpdir);
	}
	seccomp_release(ctx);
	close(sv[1]);
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	int nfd = pidfd >= 0 ? take_listener(sv[0], pidfd) : -1;
	check(nfd >= 0 && pidfd >= 0, "%s: listener taken with pidfd_getfd", audit ? "audit" : "enforce");
	if (nfd < 0 || pidfd < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	notify_tune(nfd, true);
	/* the audit run claims no netns: network attempts must then be denied
	 * even in audit mode (and nothing leaves this machine) */
	struct notify_ctx nc = { .policy = &pol, .audit = audit, .have_netns = !audit, .log = &log,
				 .report = rep, .pidfd = pidfd, .sigfd = -1 };
	int rc = notify_supervise(&nc, nfd, &err);
	check(rc == 0, "%s: notify_supervise returns 0 when the child exits (%d %s)",
	      audit ? "audit" : "enforce", rc, rc ? err.msg : "");
	int st;
	waitpid(pid, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "%s: child exited 0 (status 0x%x)",
	      audit ? "audit" : "enforce", st);
	close(nfd);
	close(pidfd);
	evlog_close(&log);

	char buf[256];
	ssize_t k;
	*nres = 0;
	while (*nres < 64 && (k = recv(sv[0], buf, sizeof buf - 1, MSG_DONTWAIT)) > 0) {
		buf[k] = '\0';
		struct result *r = &res[*nres];
		if (sscanf(buf, "%63s %ld %d", r->name, &r->ret, &r->err) == 3)
			(*nres)++;
	}
	close(sv[0]);
	return 0;
}

int main(void)
{
	char tmpdir[] = "/tmp/bsbox-notify-test-XXXXXX";
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	char logpath[600], p[600];
	static const char *const setup[] = { "allowed", "outside" };
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof p, "%s/%s", tmpdir, setup[i]);
		mkdir(p, 0700);
	}
	static const char *const files[] = { "outside/secret", "outside/secret2" };
	for (int i = 0; i < 2; i++) {
		snprintf(p, sizeof p, "%s/%s", tmpdir, files[i]);
		int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0)
			close(fd);
	}
	snprintf(logpath, sizeof logpath, "%s/state/bsbox/events.jsonl", tmpdir);
	struct result res[64];
	size_t n;
	struct report rep = { .crate = "testcrate", .policy_hint = ".bsbox/policies/testcrate.json" };

	/* ---- enforce ---- */
	if (run_once(false, tmpdir, logpath, &rep, res, &n) == 0) {
		expect(res, n, "open_etc_hostname", EACCES);
		expect(res, n, "open_usr_stdio", 0);
		expect(res, n, "open_dotdot", EACCES);
		expect(res, n, "open_devnull", 0);
		expect(res, n, "open_opath", 0);
		expect(res, n, "open_proc", 0);
		expect(res, n, "open_usr_dir", 0);
		expect(res, n, "open_missing", ENOENT);
		expect(res, n, "execve_missing", ENOENT);
		expect(res, n, "open_relative_usr", 0);
		expect(res, n, "openat_dirfd_outside", EACCES);
		expect(res, n, "openat_dirfd_outside_write", EACCES);
		expect(res, n, "open_allowed_create", 0);
		expect(res, n, "unlink_allowed", 0);
		expect(res, n, "mkdir_outside", EACCES);
		expect(res, n, "rename_outside_to_allowed", EACCES);
		expect(res, n, "execve_outside", EACCES);
		expect(res, n, "socket_inet", 0);
		expect(res, n, "connect_inet", EACCES);
		expect(res, n, "sendto_dns", EACCES);
		expect(res, n, "connect_unix_abstract", -1);
		expect(res, n, "sendmsg_inet6", EACCES);
		/* netlink inside our own network namespace only sees the sandbox */
		expect(res, n, "sendto_netlink", 0);
		expect(res, n, "socket_packet", EAFNOSUPPORT);
		expect(res, n, "ptrace", EPERM);
		expect(res, n, "io_uring_setup", ENOSYS);
		expect(res, n, "unshare_user", EPERM);
		expect(res, n, "getpid", 0);
	}
	char *log = slurp(logpath);
	check(log_has(log, "\"path\":\"/etc/hostname\"", "\"access\":\"read\"", "\"action\":\"denied\""),
	      "log: read /etc/hostname denied");
	snprintf(p, sizeof p, "\"path\":\"%s/outside/created\"", tmpdir);
	check(log_has(log, p, "\"access\":\"write\"", "\"syscall\":\"openat\""),
	      "log: openat(dirfd outside, created) resolved to outside/created, write");
	snprintf(p, sizeof p, "\"path\":\"%s/outside/secret\"", tmpdir);
	check(log_has(log, p, "\"access\":\"read\"", "\"syscall\":\"openat\""),
	      "log: openat(dirfd outside, secret) read");
	check(log_has(log, p, "\"access\":\"exec\"", "\"syscall\":\"execve\""),
	      "log: execve outside/secret");
	snprintf(p, sizeof p, "\"path\":\"%s/outside/newdir\"", tmpdir);
	check(log_has(log, p, "\"syscall\":\"mkdir\"", NULL), "log: mkdir outside/newdir");
	snprintf(p, sizeof p, "\"path\":\"%s/outside/secret2\"", tmpdir);
	check(log_has(log, p, "\"access\":\"write\"", "rename"),
	      "log: rename source outside/secret2 needs write");
	check(log_has(log, "\"addr\":\"127.0.0.1:9\"", "\"kind\":\"network\"", "\"syscall\":\"connect\""),
	      "log: connect 127.0.0.1:9");
	check(log_has(log, "\"addr\":\"192.0.2.1:53\"", "(DNS lookup)", NULL), "log: sendto DNS");
	check(log_has(log, "\"addr\":\"[::1]:9\"", "\"syscall\":\"sendmsg\"", NULL), "log: sendmsg [::1]:9");
	check(!log_has(log, "\"addr\":\"netlink:ROUTE\"", "\"syscall\":\"sendto\"", "\"action\":\"denied\""),
	      "log: no denial for netlink with a network namespace");
	check(log_has(log, "socket(AF_PACKET, SOCK_RAW)", "\"kind\":\"network\"", NULL),
	      "log: socket(AF_PACKET, SOCK_RAW)");
	check(log_has(log, "\"syscall\":\"ptrace\"", "\"kind\":\"syscall\"", NULL), "log: ptrace");
	check(log_has(log, "\"syscall\":\"unshare\"", "CLONE_NEWUSER", NULL), "log: unshare(CLONE_NEWUSER)");
	check(log_has(log, "\"crate\":\"testcrate\"", "\"version\":\"1.0.0\"", "\"exe\":\""),
	      "log: crate, version, exe");
	check(log_has(log, "\"suggest\":\"\\\"read\\\": [\\\"/etc/hostname\\\"]\"", NULL, NULL),
	      "log: suggestion for /etc/hostname");
	check(!strstr(log, "stdio.h\",\"access\":\"read"), "log: nothing for allowed /usr reads");
	check(!strstr(log, "/dev/null") && !strstr(log, "/proc/"), "log: nothing for /dev/null, /proc");
	check(!strstr(log, "unix:"), "log: nothing for AF_UNIX connects");
	check(!strstr(log, "nonexistent-bsbox-test"), "log: nothing for paths that exist nowhere");
	check(log_has(log, "\"time\":\"20", "Z\"", NULL), "log: ISO-8601 UTC time");
	int lines = 0, bad = 0;
	for (char *l = log; l && *l;) {
		char *end = strchr(l, '\n');
		if (end)
			*end = '\0';
		cJSON *j = cJSON_Parse(l);
		lines++;
		bad += !cJSON_IsObject(j);
		cJSON_Delete(j);
		l = end ? end + 1 : NULL;
	}
	check(lines > 0 && bad == 0, "log: %d lines, all valid JSON objects", lines);
	struct stat sb;
	check(stat(logpath, &sb) == 0 && (sb.st_mode & 0777) == 0600, "log file mode 0600");
	free(log);

	/* the summary */
	char *sum = NULL;
	size_t sumlen = 0;
	FILE *m = open_memstream(&sum, &sumlen);
	report_print(&rep, m, false, "cargo:warning=");
	fclose(m);
	check(strstr(sum, "cargo:warning=bsbox: ") && strstr(sum, "denials in crate testcrate (enforce mode)"),
	      "summary header");
	check(strstr(sum, "cargo:warning=  read /etc/hostname  by pid ") != NULL, "summary: read /etc/hostname by pid");
	check(strstr(sum, "to allow: \"read\": [\"/etc/hostname\"]") != NULL, "summary: suggestion");
	check(strstr(sum, "connect 127.0.0.1:9") != NULL, "summary: connect");
	check(strstr(sum, "ptrace()") != NULL, "summary: ptrace()");
	check(strstr(sum, ".bsbox/policies/testcrate.json") != NULL, "summary: policy hint");
	bool every = true;
	for (char *l = sum; *l;) {
		every &= !strncmp(l, "cargo:warning=", 14);
		char *e = strchr(l, '\n');
		l = e ? e + 1 : l + strlen(l);
	}
	check(every, "summary: every line prefixed");
	fputs(sum, stdout);
	free(sum);
	report_free(&rep);

	/* ---- audit: paths let through and logged, kernel surface still denied ---- */
	struct report rep2 = { .crate = "testcrate" };
	if (run_once(true, tmpdir, logpath, &rep2, res, &n) == 0) {
		expect(res, n, "open_etc_hostname", 0);
		expect(res, n, "mkdir_outside", -1);
		expect(res, n, "ptrace", EPERM);
		expect(res, n, "socket_packet", EAFNOSUPPORT);
		expect(res, n, "connect_inet", EACCES);
		expect(res, n, "sendto_dns", EACCES);
		expect(res, n, "sendmsg_inet6", EACCES);
		expect(res, n, "listen_inet", EACCES);
		expect(res, n, "bind_unix", 0);
		expect(res, n, "listen_unix", 0);
	}
	log = slurp(logpath);
	check(log_has(log, "\"syscall\":\"listen\"", "\"addr\":\"0.0.0.0:0\"", "\"action\":\"denied\""),
	      "audit log without netns: listen on an unbound IP socket, denied");
	check(log_has(log, "\"addr\":\"[::1]:9\"", "\"syscall\":\"sendmsg\"", "\"action\":\"denied\""),
	      "audit log without netns: sendmsg [::1]:9 denied");
	check(!log_has(log, "\"syscall\":\"bind\"", NULL, NULL), "audit log: nothing for a unix bind");
	check(log_has(log, "\"path\":\"/etc/hostname\"", "\"action\":\"allowed-audit\"", NULL),
	      "audit log: /etc/hostname allowed-audit");
	check(!log_has(log, "\"addr\":\"127.0.0.1:9\"", "allowed-audit", NULL),
	      "audit log without netns: connect denied, not allowed-audit");
	check(log_has(log, "\"syscall\":\"ptrace\"", "\"action\":\"denied\"", NULL) &&
		      !log_has(log, "\"syscall\":\"ptrace\"", "allowed-audit", NULL),
	      "audit log: ptrace still denied");
	free(log);
	sum = NULL;
	m = open_memstream(&sum, &sumlen);
	report_print(&rep2, m, true, NULL);
	fclose(m);
	check(strstr(sum, "would have been denied in crate testcrate (audit mode)") != NULL,
	      "audit summary header");
	check(strstr(sum, "audit mode does not relax this") != NULL, "audit summary marks real denials");
	fputs(sum, stdout);
	free(sum);
	report_free(&rep2);

	/* ---- bsbox report ---- */
	FILE *f = fopen(logpath, "ae");
	fputs("this is not json\n{\"kind\":\"nope\"}\n", f);
	fclose(f);
	int rc;
	char *args1[] = { "report", logpath, NULL };
	char *out = run_report(2, args1, &rc);
	check(rc == 0 && strstr(out, "crate testcrate:") && strstr(out, "read /etc/hostname"),
	      "report text (rc %d)", rc);
	free(out);
	char *args2[] = { "report", "--json", logpath, NULL };
	out = run_report(3, args2, &rc);
	cJSON *j = cJSON_Parse(out);
	cJSON *paths = cJSON_GetObjectItem(cJSON_GetObjectItem(j, "testcrate"), "path");
	check(rc == 0 && cJSON_IsArray(paths) && cJSON_GetArraySize(paths) > 0, "report --json");
	cJSON_Delete(j);
	free(out);
	char *args3[] = { "report", "--format", "sarif", logpath, NULL };
	out = run_report(4, args3, &rc);
	j = cJSON_Parse(out);
	cJSON *run0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "runs"), 0);
	cJSON *drv = cJSON_GetObjectItem(cJSON_GetObjectItem(run0, "tool"), "driver");
	check(rc == 0 && cJSON_IsString(cJSON_GetObjectItem(j, "version")) &&
		      !strcmp(cJSON_GetObjectItem(j, "version")->valuestring, "2.1.0") &&
		      !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(drv, "name")), "bsbox") &&
		      cJSON_GetArraySize(cJSON_GetObjectItem(run0, "results")) > 0,
	      "report --format sarif");
	cJSON_Delete(j);
	free(out);
	char *args4[] = { "report", "--format=github", "--crate", "testcrate", logpath, NULL };
	out = run_report(5, args4, &rc);
	check(rc == 0 && strstr(out, "::error title=bsbox (testcrate)::denied read /etc/hostname by pid"),
	      "report --format github");
	check(strstr(out, "::warning title=bsbox (testcrate)::would deny read /etc/hostname") != NULL,
	      "report --format github: audit events are warnings");
	free(out);
	char *args5[] = { "report", "--crate", "other", logpath, NULL };
	out = run_report(4, args5, &rc);
	check(rc == 0 && strstr(out, "no events for crate other"), "report --crate filters");
	free(out);
	char *args6[] = { "report", "--bogus", NULL };
	out = run_report(2, args6, &rc);
	check(rc == BSBOX_EXIT_USAGE, "report: unknown option is a usage error");
	free(out);

	/* evlog escaping */
	struct evlog el = { .fd = -1, .crate = "c\"q", .version = NULL };
	struct bsbox_event ev = { .kind = EV_PATH, .pid = 1, .path = "/a\n\"b\\\x01\xff" };
	char *line = evlog_format(&el, &ev);
	j = line ? cJSON_Parse(line) : NULL;
	check(j && !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(j, "crate")), "c\"q") &&
		      strstr(line, "\\ufffd") && line[strlen(line) - 1] == '\n',
	      "evlog_format escapes quotes, control bytes and invalid UTF-8: %s", line ? line : "");
	cJSON_Delete(j);
	free(line);

	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", tmpdir);
	return tap_done();
}
