/* Unit tests for the pure parts of the trace (src/trace.c) and the LSM-list
 * parser of src/ebpf.c: sockaddr decoding, f_mode names, the JSON line. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ebpf.h"
#include "tap.h"
#include "trace.h"

static void addr_is(const void *sa, size_t len, const char *want)
{
	char out[256];
	trace_sockaddr(sa, len, out, sizeof out);
	check(strcmp(out, want) == 0, "sockaddr -> %s (got %s)", want, out);
}

int main(void)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(53) };
	inet_pton(AF_INET, "10.1.2.3", &in.sin_addr);
	addr_is(&in, sizeof in, "10.1.2.3:53");
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
	inet_pton(AF_INET6, "::1", &in6.sin6_addr);
	addr_is(&in6, sizeof in6, "[::1]:443");
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	strcpy(un.sun_path, "/run/x.sock");
	addr_is(&un, offsetof(struct sockaddr_un, sun_path) + strlen(un.sun_path) + 1,
		"unix:/run/x.sock");
	memset(un.sun_path, 0, sizeof un.sun_path);
	memcpy(un.sun_path, "\0abs", 4);
	addr_is(&un, offsetof(struct sockaddr_un, sun_path) + 4, "unix:@abs");
	addr_is(&un, offsetof(struct sockaddr_un, sun_path), "unix:");
	addr_is(&in, 1, "?");
	addr_is(&in, 8, "family 2"); /* too short for an sockaddr_in */

	check(strcmp(trace_fmode_access(0x1), "read") == 0, "f_mode READ is read");
	check(strcmp(trace_fmode_access(0x2), "write") == 0, "f_mode WRITE is write");
	check(strcmp(trace_fmode_access(0x3), "read-write") == 0, "f_mode READ|WRITE");
	check(strcmp(trace_fmode_access(0x21), "exec") == 0, "f_mode EXEC|READ is exec");

	check(ebpf_lsm_list_has_bpf("lockdown,capability,landlock,bpf\n"), "bpf last in the list");
	check(ebpf_lsm_list_has_bpf("bpf,landlock"), "bpf first in the list");
	check(!ebpf_lsm_list_has_bpf("lockdown,capability,bpfx,landlock"), "bpfx is not bpf");
	check(!ebpf_lsm_list_has_bpf(""), "empty list");

	struct trace t = { .file = { .fd = -1, .crate = "openssl-sys", .version = "0.9.1" },
			   .backend = "bpf" };
	const char *argv[] = { "cat", "/etc/hostname" };
	struct trace_rec r = { .op = TRACE_EXEC, .pid = 42, .path = "/usr/bin/cat", .argv = argv,
			       .argc = 2 };
	char *line = trace_format(&t, &r);
	check(line && strstr(line, "\"crate\":\"openssl-sys\"") && strstr(line, "\"pid\":42") &&
		      strstr(line, "\"op\":\"exec\"") &&
		      strstr(line, "\"argv\":[\"cat\",\"/etc/hostname\"]") &&
		      strstr(line, "\"result\":\"allowed\"") && !strstr(line, "errno") &&
		      line[strlen(line) - 1] == '\n',
	      "exec line: %s", line ? line : "(null)");
	free(line);
	r = (struct trace_rec){ .op = TRACE_OPEN, .pid = 7, .path = "/etc/sha\"dow",
				.access = "read", .err = 13, .by = "kernel" };
	line = trace_format(&t, &r);
	check(line && strstr(line, "\"path\":\"/etc/sha\\\"dow\"") &&
		      strstr(line, "\"result\":\"denied\",\"errno\":13,\"by\":\"kernel\""),
	      "denied open line: %s", line ? line : "(null)");
	free(line);

	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
