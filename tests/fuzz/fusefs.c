/* Fuzz target: the FUSE request dispatcher (src/fusefs.c).  Its requests
 * come through the kernel from the sandboxed processes: the names they
 * look up, the modes, sizes and offsets they pass.
 *
 * No kernel mount is needed: fusefs_serve reads one request from its fd and
 * writes the reply to the same fd, so the harness hands it one end of a
 * SOCK_SEQPACKET socketpair (one message = one request, as /dev/fuse
 * delivers them) and reads the replies from the other end.
 *
 * Input: one flag byte (bit 0: start from a skeleton like the one pid 1
 * builds; bits 4-7: seal after that many requests, 15 = never), then
 * requests, each a struct fuse_in_header whose len field frames it (a len
 * that does not fit ends the input as one last, possibly malformed,
 * request).  Properties: at most one reply per request, none for FORGET,
 * BATCH_FORGET and INTERRUPT; a reply's header carries its exact length,
 * the request's unique and 0 or a negative errno; a READDIR reply fits the
 * size asked for; a miss reaches the callback only after sealing, with an
 * absolute path. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/fuse.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fusefs.h"
#include "fuzz.h"

static bool sealed;

static int miss(void *arg, pid_t pid, const char *path)
{
	(void)arg;
	(void)pid;
	FUZZ_CHECK(sealed);
	FUZZ_CHECK(path[0] == '/');
	return strlen(path) % 2 ? ENOENT : EACCES;
}

static void skeleton(struct fusefs *fs)
{
	static const struct {
		const char *path;
		mode_t mode;
		const char *link;
	} nodes[] = {
		{ "/usr/lib/x86_64-linux-gnu", S_IFDIR | 0755, NULL },
		{ "/usr/bin", S_IFDIR | 0755, NULL },
		{ "/lib", S_IFLNK | 0777, "usr/lib" },
		{ "/lib64", S_IFLNK | 0777, "usr/lib64" },
		{ "/etc/ld.so.cache", S_IFREG | 0644, NULL },
		{ "/etc/resolv.conf", S_IFREG | 0644, NULL },
		{ "/home/u/.cargo/registry", S_IFDIR | 0755, NULL },
		{ "/home/u/src/foo/target/debug/build/foo-0123/out", S_IFDIR | 0755, NULL },
		{ "/tmp", S_IFDIR | 01777, NULL },
		{ "/dev/null", S_IFREG | 0666, NULL },
		{ "/proc", S_IFDIR | 0555, NULL },
	};
	for (size_t i = 0; i < sizeof nodes / sizeof *nodes; i++)
		FUZZ_CHECK(fusefs_add(fs, nodes[i].path, nodes[i].mode, nodes[i].link) == 0);
}

/* Read what the server answered to req (msg: the whole request, reqlen bytes). */
static void check_replies(int peer, const struct fuse_in_header *req, const uint8_t *msg, size_t reqlen)
{
	static unsigned char buf[128 * 1024];
	int n = 0;
	for (;;) {
		ssize_t r = recv(peer, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC);
		if (r < 0) {
			FUZZ_CHECK(errno == EAGAIN);
			break;
		}
		n++;
		FUZZ_CHECK((size_t)r <= sizeof buf);
		struct fuse_out_header oh;
		FUZZ_CHECK((size_t)r >= sizeof oh);
		memcpy(&oh, buf, sizeof oh);
		FUZZ_CHECK(oh.len == (size_t)r);
		FUZZ_CHECK(oh.unique == req->unique);
		FUZZ_CHECK(oh.error <= 0 && oh.error > -512); /* what the kernel accepts */
		if (oh.error)
			FUZZ_CHECK(oh.len == sizeof oh); /* the kernel refuses payload with an error */
		if (req->opcode == FUSE_READDIR && !oh.error && reqlen >= sizeof *req + sizeof(struct fuse_read_in)) {
			struct fuse_read_in in;
			memcpy(&in, msg + sizeof *req, sizeof in);
			FUZZ_CHECK(oh.len - sizeof oh <= in.size);
		}
	}
	FUZZ_CHECK(n <= 1);
	/* (a header whose extensions overrun the request is answered EINVAL
	 * whatever its opcode; the kernel never sends one) */
	bool bad_ext = (size_t)req->total_extlen * 8 > reqlen - sizeof *req;
	if ((req->opcode == FUSE_FORGET || req->opcode == FUSE_BATCH_FORGET || req->opcode == FUSE_INTERRUPT) &&
	    !bad_ext)
		FUZZ_CHECK(n == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned flags = data[0], seal_after = flags >> 4;
	data++;
	size--;

	int sv[2];
	FUZZ_CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
	int bufsz = 1 << 20;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof bufsz);
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof bufsz);
	struct fusefs *fs = NULL;
	struct bsbox_err err = { 0 };
	FUZZ_CHECK(fusefs_new(sv[0], 1000, 1000, &fs, &err) == 0);
	sealed = false;
	if (flags & 1)
		skeleton(fs);

	unsigned served = 0;
	while (size > 0) {
		if (served == seal_after && !sealed) {
			fusefs_seal(fs);
			sealed = true;
		}
		struct fuse_in_header h = { 0 };
		size_t n = size;
		if (size >= sizeof h) {
			memcpy(&h, data, sizeof h);
			if (h.len >= sizeof h && h.len <= size)
				n = h.len;
		} else {
			memcpy(&h, data, size);
		}
		FUZZ_CHECK(send(sv[1], data, n, 0) == (ssize_t)n);
		int r = fusefs_serve(fs, miss, NULL);
		FUZZ_CHECK(r == 0 || r == -EIO);
		if (r == 0)
			check_replies(sv[1], &h, data, n);
		else /* a request the kernel would not send: no reply */
			check_replies(sv[1], &(struct fuse_in_header){ .opcode = FUSE_FORGET }, data, sizeof h);
		served++;
		data += n;
		size -= n;
	}
	fusefs_free(fs);
	close(sv[1]);
	return 0;
}
