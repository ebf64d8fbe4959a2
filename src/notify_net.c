/* The supervisor's network decisions: connect/bind/sendto/sendmsg
 * destinations and the socket families (notify_call.h).
 *
 *   IP, netlink and other families   EACCES, logged (audit with a network
 *                                    namespace: CONTINUE, which has no
 *                                    route out anyway); "network": true lets
 *                                    them through
 *   pathname unix sockets            EACCES, logged, unless "unix_sockets"
 *                                    grants them; ENOENT unlogged where
 *                                    nothing is there, and for the name
 *                                    services; without a mount namespace a
 *                                    granted connect() is made here
 *   no netns: listen() on an IP      EACCES, logged, in audit mode too (a
 *     socket, bind() but AF_UNIX,    unix socket's listen() is made here:
 *     MSG_FASTOPEN                   listen_for)
 *   socket()/socketpair() families   EAFNOSUPPORT, in both modes */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "notify_call.h"
#include "procinfo.h"
#include "trace.h"

/* ---- pathname unix sockets ------------------------------------------------ */

/* An AF_UNIX (or AF_UNSPEC) destination let through: in the trace, when the
 * supervisor is its backend (notify_emit() traces the denials). */
static void trace_let_through(struct call *c, const struct sc_entry *se, const unsigned char *sa,
			      size_t len)
{
	if (!notify_tracing_all(c) || se->kind == SC_BIND)
		return;
	char ta[160];
	trace_sockaddr(sa, len, ta, sizeof ta);
	struct trace_rec tr = { .op = se->kind == SC_CONNECT ? TRACE_CONNECT : TRACE_SEND,
				.pid = (pid_t)c->req->pid, .addr = ta };
	trace_write(c->ctx->trace, &tr);
}

/* A copy of the target's fd a0 (pidfd_getfd: the same open file, with
 * the ptrace rights reading its memory takes); -1 with the errno to answer. */
static int target_sock(const struct call *c, int *errp)
{
	cleanup_close int pidfd = procinfo_pidfd((pid_t)c->req->pid);
	int sfd = pidfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pidfd, (int)c->req->data.args[0], 0) : -1;
	if (sfd < 0)
		*errp = pidfd < 0 || errno != EBADF ? EACCES : EBADF;
	return sfd;
}

/* connect() the target's socket (fd a0) to path from here: the same open
 * file, so the connection is the target's.  The peer sees this process's
 * credentials (same uid and gid without a user namespace; another pid).  A
 * blocking socket is made non-blocking for the call, so a listener with a
 * full backlog cannot stall the supervisor: the target gets EAGAIN then. */
static enum verdict connect_for(struct call *c, const char *path, int *errp)
{
	cleanup_close int sfd = target_sock(c, errp);
	if (sfd < 0)
		return V_ERROR;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	cleanup_close int pfd = -1;
	if (strlen(path) < sizeof sun.sun_path) {
		memcpy(sun.sun_path, path, strlen(path) + 1);
	} else {
		/* longer than sun_path: through an O_PATH descriptor of it */
		if ((pfd = open(path, O_PATH | O_CLOEXEC)) < 0) {
			*errp = errno;
			return V_ERROR;
		}
		snprintf(sun.sun_path, sizeof sun.sun_path, "/proc/self/fd/%d", pfd);
	}
	int fl = fcntl(sfd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		fcntl(sfd, F_SETFL, fl | O_NONBLOCK);
	int r = connect(sfd, (struct sockaddr *)&sun, sizeof sun);
	int e = errno;
	if (fl >= 0 && !(fl & O_NONBLOCK))
		fcntl(sfd, F_SETFL, fl);
	if (!notify_id_valid(c)) {
		*errp = EINTR; /* the call is gone (a signal): the answer goes nowhere */
		return V_ERROR;
	}
	if (r == 0)
		return V_SUCCESS;
	*errp = e;
	return V_ERROR;
}

/* connect/sendto/sendmsg to an AF_UNIX address (sa holds len bytes).
 *
 * Abstract names belong to the network namespace (full mode) or to
 * Landlock's scoping (ABI 6); unnamed addresses reach nothing.  A pathname
 * needs a "unix_sockets" grant, in every mode:
 *   - not granted, and the socket exists (on the host, or in the private
 *     /tmp the full mode gives): EACCES, logged with the path;
 *   - not there at all: ENOENT, unlogged, like a PATH search;
 *   - granted: CONTINUE, which rests on memory the target can rewrite
 *     before the kernel reads it (NOTES.md).  With a mount namespace a
 *     racing thread reaches at most another socket inside the sandbox's
 *     tree.  Without one, connect() is made here instead (connect_for), and
 *     only a granted datagram send is CONTINUEd (docs/policy.md).  Without
 *     a grant nothing is ever CONTINUEd here. */
static enum verdict unix_call(struct call *c, const struct sc_entry *se, const unsigned char *sa,
			      size_t len, int *errp)
{
	const size_t off = offsetof(struct sockaddr_un, sun_path);
	if (len <= off || sa[off] == '\0' || !c->ctx->policy) {
		trace_let_through(c, se, sa, len); /* unnamed or abstract */
		return V_CONTINUE;
	}
	char raw[sizeof(struct sockaddr_un) + 1];
	size_t n = len - off;
	if (n > sizeof raw - 1)
		n = sizeof raw - 1;
	memcpy(raw, sa + off, n);
	raw[n] = '\0'; /* the kernel also stops at the first NUL */

	pid_t pid = (pid_t)c->req->pid;
	char lex[PATH_MAX], real[PATH_MAX];
	if (procinfo_path_resolve(pid, AT_FDCWD, raw, false, lex, sizeof lex) < 0) {
		*errp = ENOENT; /* no cwd to resolve against: the target is exiting */
		return V_ERROR;
	}
	bool own_tree = c->ctx->have_netns; /* full mode: the sandbox has its own mount tree */
	struct pd_query q = { .path = lex, .lex = lex, .access = PD_CONNECT,
			      .connect = se->kind == SC_CONNECT };
	if (!own_tree) {
		/* our view is the target's: the socket the kernel would reach */
		if (realpath(lex, real))
			q.path = real;
		else
			q.resolve_err = errno ? errno : ENOENT;
	} else if (notify_resolvable(c, lex) &&
		   notify_host_resolve(lex, true, real, sizeof real) == 0) {
		/* full mode: where the tree binds the host at the same path, our
		 * view of a symlink is the kernel's (a link planted in a granted,
		 * writable directory must not carry the grant elsewhere) */
		q.path = real;
	}
	struct pd_result r;
	switch (notify_pathdecide(c, &q, &r)) {
	case PD_CONNECT_HERE: {
		enum verdict v = connect_for(c, r.path, errp);
		/* our connect, not the target's: a BPF trace cannot see it */
		if (v == V_SUCCESS && c->ctx->trace) {
			char ta[160];
			trace_sockaddr(sa, len, ta, sizeof ta);
			struct trace_rec tr = { .op = TRACE_CONNECT, .pid = (pid_t)c->req->pid,
						.addr = ta };
			trace_write(c->ctx->trace, &tr);
		}
		return v;
	}
	case PD_NEED:
	case PD_ALLOW:
	case PD_INFO:
	case PD_COPY:
		trace_let_through(c, se, sa, len);
		return V_CONTINUE;
	case PD_FAIL:
		*errp = r.err;
		return V_ERROR;
	case PD_DENY:
	case PD_AUDIT:
		break;
	}
	if (!notify_id_valid(c)) {
		*errp = ENOENT; /* the call is gone; the answer goes nowhere */
		return V_ERROR;
	}
	char addr[PATH_MAX + 8], detail[2 * PATH_MAX + 32];
	snprintf(addr, sizeof addr, "unix:%s", raw);
	if (strcmp(lex, q.path) != 0)
		snprintf(detail, sizeof detail, "%s %s (%s)", se->name, addr, q.path);
	else
		snprintf(detail, sizeof detail, "%s %s", se->name, addr);
	struct bsbox_event ev = {
		.kind = EV_PATH,
		.detail = detail,
		.path = r.path,
		.access = r.access,
		.addr = addr,
		.audit = r.verdict == PD_AUDIT,
		.suggest = r.suggest,
	};
	notify_emit(c, &ev);
	if (r.verdict == PD_AUDIT)
		return V_CONTINUE;
	*errp = r.err;
	return V_ERROR;
}

/* ---- network ------------------------------------------------------------ */

static const char *netlink_name(int proto)
{
	static const char *const names[] = {
		[NETLINK_ROUTE] = "ROUTE",	       [NETLINK_USERSOCK] = "USERSOCK",
		[NETLINK_FIREWALL] = "FIREWALL",       [NETLINK_SOCK_DIAG] = "SOCK_DIAG",
		[NETLINK_NFLOG] = "NFLOG",	       [NETLINK_XFRM] = "XFRM",
		[NETLINK_SELINUX] = "SELINUX",	       [NETLINK_ISCSI] = "ISCSI",
		[NETLINK_AUDIT] = "AUDIT",	       [NETLINK_FIB_LOOKUP] = "FIB_LOOKUP",
		[NETLINK_CONNECTOR] = "CONNECTOR",     [NETLINK_NETFILTER] = "NETFILTER",
		[NETLINK_IP6_FW] = "IP6_FW",	       [NETLINK_DNRTMSG] = "DNRTMSG",
		[NETLINK_KOBJECT_UEVENT] = "KOBJECT_UEVENT", [NETLINK_GENERIC] = "GENERIC",
		[NETLINK_SCSITRANSPORT] = "SCSITRANSPORT", [NETLINK_ECRYPTFS] = "ECRYPTFS",
		[NETLINK_RDMA] = "RDMA",	       [NETLINK_CRYPTO] = "CRYPTO",
		[22] = "SMC",
	};
	if (proto >= 0 && (size_t)proto < sizeof names / sizeof *names && names[proto])
		return names[proto];
	return NULL;
}

/* The netlink protocol of the target's socket fd: SO_PROTOCOL on a copy
 * of the fd (pidfd_getfd, same ptrace rights as reading its memory), else
 * its inode looked up in /proc/PID/net/netlink (lists bound sockets only).
 * -1 unknown.  Only called when logging. */
static int netlink_proto(pid_t pid, int fd)
{
	int proto = -1;
	cleanup_close int pidfd = procinfo_pidfd(pid);
	if (pidfd >= 0) {
		cleanup_close int sfd = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
		socklen_t len = sizeof proto;
		if (sfd >= 0 && getsockopt(sfd, SOL_SOCKET, SO_PROTOCOL, &proto, &len) == 0)
			return proto;
	}

	char what[32], link[64], p[64];
	snprintf(what, sizeof what, "/proc/%d/fd/%d", (int)pid, fd);
	ssize_t n = readlink(what, link, sizeof link - 1);
	if (n < 0)
		return -1;
	link[n] = '\0';
	unsigned long ino, lino;
	if (sscanf(link, "socket:[%lu]", &ino) != 1)
		return -1;
	snprintf(p, sizeof p, "/proc/%d/net/netlink", (int)pid);
	cleanup_fclose FILE *f = fopen(p, "re");
	if (!f)
		return -1;
	char line[512];
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%*s %d %*s %*s %*s %*s %*s %*s %*s %lu", &proto, &lino) == 2 &&
		    lino == ino)
			return proto;
	return -1;
}

/* Describe a sockaddr; returns false for AF_UNIX/AF_UNSPEC (unix_call
 * decides those). */
static bool describe_addr(pid_t pid, int fd, const unsigned char *sa, size_t len, char *out,
			  size_t size, bool *dns)
{
	sa_family_t fam;
	*dns = false;
	if (len < sizeof fam)
		return false;
	memcpy(&fam, sa, sizeof fam);
	char ip[INET6_ADDRSTRLEN];
	switch (fam) {
	case AF_UNIX:
	case AF_UNSPEC:
		return false;
	case AF_INET: {
		struct sockaddr_in in;
		if (len < sizeof in)
			return false; /* EINVAL from the kernel */
		memcpy(&in, sa, sizeof in);
		inet_ntop(AF_INET, &in.sin_addr, ip, sizeof ip);
		snprintf(out, size, "%s:%u", ip, ntohs(in.sin_port));
		*dns = ntohs(in.sin_port) == 53;
		return true;
	}
	case AF_INET6: {
		struct sockaddr_in6 in6;
		if (len < sizeof in6)
			return false;
		memcpy(&in6, sa, sizeof in6);
		inet_ntop(AF_INET6, &in6.sin6_addr, ip, sizeof ip);
		snprintf(out, size, "[%s]:%u", ip, ntohs(in6.sin6_port));
		*dns = ntohs(in6.sin6_port) == 53;
		return true;
	}
	case AF_NETLINK: {
		int proto = netlink_proto(pid, fd);
		const char *nm = netlink_name(proto);
		if (nm)
			snprintf(out, size, "netlink:%s", nm);
		else if (proto >= 0)
			snprintf(out, size, "netlink:%d", proto);
		else
			snprintf(out, size, "netlink:?");
		return true;
	}
	default: {
		const char *nm = sc_family_name(fam);
		if (nm)
			snprintf(out, size, "%s", nm);
		else
			snprintf(out, size, "AF_%u", (unsigned)fam);
		return true;
	}
	}
}

/* An AF_INET/AF_INET6 address with port 0 (the kernel picks one) */
static bool ephemeral_ip(const unsigned char *sa, size_t len)
{
	sa_family_t fam;
	if (len < sizeof fam)
		return false;
	memcpy(&fam, sa, sizeof fam);
	if (fam == AF_INET && len >= sizeof(struct sockaddr_in))
		return ((const struct sockaddr_in *)(const void *)sa)->sin_port == 0;
	if (fam == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		return ((const struct sockaddr_in6 *)(const void *)sa)->sin6_port == 0;
	return false;
}

/* The destination of one connect/sendto/sendmsg address, read from the
 * target.  A read that fails is answered EFAULT without a network
 * namespace (the kernel would read the same memory, unless a second thread
 * changed it meanwhile: never CONTINUE there), CONTINUEd with one (the
 * namespace and the mount tree bound what a racer can reach). */
static enum verdict addr_call(struct call *c, const struct sc_entry *se, uint64_t addr, uint64_t alen,
			      int *errp)
{
	pid_t pid = (pid_t)c->req->pid;
	const __u64 *a = c->req->data.args;
	unsigned char sa[sizeof(struct sockaddr_storage)];

	if (addr == 0 || alen == 0)
		return V_CONTINUE; /* connected socket: the connect was seen */
	if (alen > sizeof sa)
		alen = sizeof sa;
	ssize_t r = procinfo_mem_read(pid, addr, sa, (size_t)alen);
	if (r < (ssize_t)alen) {
		if (c->ctx->have_netns)
			return V_CONTINUE;
		*errp = EFAULT;
		return V_ERROR;
	}
	sa_family_t fam;
	memcpy(&fam, sa, sizeof fam < (size_t)r ? sizeof fam : (size_t)r);
	if ((size_t)r >= sizeof fam && fam == AF_UNIX)
		return unix_call(c, se, sa, (size_t)r, errp);
	/* "network": true: IP and the rest are the policy's business (the
	 * filter only notifies them for the unix sockets' sake) */
	if (c->ctx->policy && c->ctx->policy->network)
		return V_CONTINUE;
	/* bind(127.0.0.1:0) is how a UDP client picks its source port before
	 * sendto: inside the sandbox's own network namespace nothing outside
	 * can reach it, and the destination is judged and logged at the send */
	if (se->kind == SC_BIND && c->ctx->have_netns && ephemeral_ip(sa, (size_t)r))
		return V_CONTINUE;
	char desc[128], detail[160];
	bool dns;
	if (!describe_addr(pid, (int)a[0], sa, (size_t)r, desc, sizeof desc, &dns)) {
		trace_let_through(c, se, sa, (size_t)r);
		return V_CONTINUE;
	}
	if (!notify_id_valid(c))
		return V_CONTINUE;
	/* netlink inside our own network namespace only sees the sandbox's
	 * loopback (getaddrinfo's AI_ADDRCONFIG probe, getifaddrs): not news */
	if (c->ctx->have_netns && ((const struct sockaddr *)sa)->sa_family == AF_NETLINK)
		return V_CONTINUE;
	snprintf(detail, sizeof detail, "%s %s%s", se->name, desc, dns ? " (DNS lookup)" : "");
	/* without a network namespace nothing may reach the host network: a
	 * CONTINUE would be a grant, so audit mode does not relax it */
	bool let = c->ctx->audit && c->ctx->have_netns;
	struct bsbox_event ev = {
		.kind = EV_NETWORK,
		.detail = detail,
		.addr = desc,
		.audit = let,
		.suggest = "\"network\": true",
	};
	notify_emit(c, &ev);
	if (let)
		return V_CONTINUE;
	*errp = EACCES;
	return V_ERROR;
}

/* listen() on the target's socket sfd, made here on the same open file:
 * a CONTINUE would let a racing thread dup2 an IP socket onto the fd number
 * between our look and the kernel's, and listen() on an unbound IP socket
 * binds an ephemeral host port that no kernel layer refuses.  The cost:
 * clients' SO_PEERCRED names this process as the listener. */
static enum verdict listen_for(struct call *c, int sfd, int *errp)
{
	int r = listen(sfd, (int)c->req->data.args[1]);
	int e = errno;
	if (!notify_id_valid(c)) {
		*errp = EINTR; /* the call is gone: the answer goes nowhere */
		return V_ERROR;
	}
	if (r == 0)
		return V_SUCCESS;
	*errp = e;
	return V_ERROR;
}

/* The destination an IP call names, for the log: the address argument, the
 * first msg_name, or for listen() the socket's own (port 0: unbound, the
 * kernel would pick one).  "" when there is none to show. */
static void ip_call_addr(struct call *c, const struct sc_entry *se, int sfd, char *out, size_t size,
			 bool *dns)
{
	const __u64 *a = c->req->data.args;
	pid_t pid = (pid_t)c->req->pid;
	unsigned char sa[sizeof(struct sockaddr_storage)];
	uint64_t addr = 0, alen = 0;
	ssize_t r = -1;
	struct msghdr mh;
	*out = '\0';
	*dns = false;
	switch (se->kind) {
	case SC_CONNECT:
	case SC_BIND:
		addr = a[1], alen = a[2];
		break;
	case SC_SENDTO:
		addr = a[4], alen = a[5];
		break;
	case SC_SENDMSG:
	case SC_SENDMMSG: /* struct mmsghdr starts with the first message's */
		if (procinfo_mem_read(pid, a[1], &mh, sizeof mh) == (ssize_t)sizeof mh)
			addr = (uintptr_t)mh.msg_name, alen = mh.msg_namelen;
		break;
	case SC_LISTEN: {
		socklen_t sl = sizeof sa;
		if (getsockname(sfd, (struct sockaddr *)sa, &sl) == 0)
			r = sl < sizeof sa ? (ssize_t)sl : (ssize_t)sizeof sa;
		break;
	}
	default:
		break;
	}
	if (addr && alen)
		r = procinfo_mem_read(pid, addr, sa, alen < sizeof sa ? (size_t)alen : sizeof sa);
	if (r <= 0 || describe_addr(pid, (int)a[0], sa, (size_t)r, out, size, dns))
		return;
	*out = '\0';
	/* an IP socket takes AF_UNSPEC as AF_INET with INADDR_ANY (bind) */
	struct sockaddr_in in;
	if (se->kind == SC_BIND && (size_t)r >= sizeof in) {
		memcpy(&in, sa, sizeof in);
		if (in.sin_family == AF_UNSPEC)
			snprintf(out, size, "0.0.0.0:%u", ntohs(in.sin_port));
	}
}

/* Without a network namespace (and without "network": true) what the
 * filter notifies beyond the addresses notify_net_call judges
 * (seccomp_filter.c, ip_logged): a send with MSG_FASTOPEN (a TCP connect
 * around connect() and Landlock; the flags are a register, so the refusal
 * is race-free), listen() (on an unbound IP socket it takes an ephemeral
 * host port, which no kernel layer refuses: judged on the socket's open
 * file and made here for unix sockets), and bind() (a unix bind makes a
 * file, which the tree and Landlock judge; any other is refused and
 * logged).  A racing rewrite of an address after our read is refused by
 * the kernel layers that let the filter allow IP sockets at all (Landlock
 * for TCP, the BPF layer for UDP).  Returns false for calls left to
 * notify_net_call; *v is the verdict otherwise. */
static bool host_ip_call(struct call *c, const struct sc_entry *se, enum verdict *v, int *errp)
{
	const __u64 *a = c->req->data.args;
	uint64_t flags = se->kind == SC_SENDMSG ? a[2] : se->kind == SC_SENDTO || se->kind == SC_SENDMMSG ? a[3] : 0;
	bool fastopen = (flags & MSG_FASTOPEN) != 0;
	*v = V_ERROR;
	if (se->kind == SC_BIND) {
		/* AF_UNSPEC binds an IP socket too (to INADDR_ANY, for
		 * compatibility): only AF_UNIX is let through */
		sa_family_t af = AF_UNSPEC;
		if (a[2] >= sizeof af &&
		    procinfo_mem_read((pid_t)c->req->pid, a[1], &af, sizeof af) == (ssize_t)sizeof af &&
		    af == AF_UNIX) {
			*v = V_CONTINUE;
			return true;
		}
	} else if (se->kind != SC_LISTEN && !fastopen) {
		return false;
	}
	cleanup_close int sfd = -1;
	int dom = -1;
	if (se->kind == SC_LISTEN) {
		if ((sfd = target_sock(c, errp)) < 0)
			return true;
		socklen_t dl = sizeof dom;
		if (getsockopt(sfd, SOL_SOCKET, SO_DOMAIN, &dom, &dl) < 0) {
			*errp = errno; /* ENOTSOCK: what the kernel answers */
			return true;
		}
		if (dom != AF_INET && dom != AF_INET6) {
			*v = listen_for(c, sfd, errp);
			return true;
		}
	}
	char desc[128], detail[200];
	bool dns;
	ip_call_addr(c, se, sfd, desc, sizeof desc, &dns);
	if (!notify_id_valid(c)) {
		*errp = EACCES; /* the call is gone: the answer goes nowhere */
		return true;
	}
	const char *fam = dom >= 0 ? sc_family_name(dom) : NULL;
	size_t o = (size_t)snprintf(detail, sizeof detail, "%s %s", se->name,
				    *desc ? desc : fam ? fam : "(no address)");
	if (o < sizeof detail && se->kind == SC_LISTEN && *desc && !strcmp(desc + strlen(desc) - 2, ":0"))
		o += (size_t)snprintf(detail + o, sizeof detail - o, " (an ephemeral host port)");
	if (o < sizeof detail && fastopen)
		o += (size_t)snprintf(detail + o, sizeof detail - o, " (MSG_FASTOPEN: a TCP connect)");
	if (o < sizeof detail && dns)
		snprintf(detail + o, sizeof detail - o, " (DNS lookup)");
	struct bsbox_event ev = {
		.kind = EV_NETWORK,
		.detail = detail,
		.addr = *desc ? desc : NULL,
		.audit = false, /* the host's network: audit mode does not relax it */
		.suggest = "\"network\": true",
	};
	notify_emit(c, &ev);
	*errp = EACCES;
	return true;
}

enum verdict notify_net_call(struct call *c, const struct sc_entry *se, int *errp)
{
	const __u64 *a = c->req->data.args;
	pid_t pid = (pid_t)c->req->pid;
	enum verdict hv;

	if (!c->ctx->have_netns && !(c->ctx->policy && c->ctx->policy->network) &&
	    host_ip_call(c, se, &hv, errp))
		return hv;

	switch (se->kind) {
	case SC_CONNECT:
	case SC_BIND:
		return addr_call(c, se, a[1], a[2], errp);
	case SC_SENDTO:
		return addr_call(c, se, a[4], a[5], errp);
	case SC_SENDMSG:
	case SC_SENDMMSG: {
		/* every message of a sendmmsg names its own destination; the
		 * kernel sends at most UIO_MAXIOV of them */
		uint64_t n = se->kind == SC_SENDMSG ? 1 : a[2] < 1024 ? a[2] : 1024;
		size_t stride = se->kind == SC_SENDMSG ? sizeof(struct msghdr) : sizeof(struct mmsghdr);
		for (uint64_t i = 0; i < n; i++) {
			struct msghdr mh; /* struct mmsghdr starts with it */
			if (procinfo_mem_read(pid, a[1] + i * stride, &mh, sizeof mh) != (ssize_t)sizeof mh) {
				if (c->ctx->have_netns)
					return V_CONTINUE;
				*errp = EFAULT;
				return V_ERROR;
			}
			enum verdict v = addr_call(c, se, (uintptr_t)mh.msg_name, mh.msg_namelen, errp);
			if (v == V_ERROR)
				return v;
		}
		return V_CONTINUE;
	}
	default:
		break;
	}
	return V_CONTINUE;
}

enum verdict notify_socket_call(struct call *c, const struct sc_entry *se, int *errp)
{
	const __u64 *a = c->req->data.args;
	char fam[24], typ[24], detail[96];
	const char *fn = sc_family_name((int)(uint32_t)a[0]);
	const char *tn = sc_socktype_name(a[1]);
	if (fn)
		snprintf(fam, sizeof fam, "%s", fn);
	else
		snprintf(fam, sizeof fam, "%u", (unsigned)a[0]);
	if (tn)
		snprintf(typ, sizeof typ, "%s", tn);
	else
		snprintf(typ, sizeof typ, "%u", (unsigned)a[1]);
	/* an IP protocol may be what the filter refused (SCTP, MPTCP, ping
	 * sockets beside allowed TCP and UDP ones): named unless it is the
	 * type's own */
	int af = (int)(uint32_t)a[0], proto = (int)a[2], st = (int)(a[1] & 0xf);
	bool own = proto == 0 || (st == SOCK_STREAM && proto == IPPROTO_TCP) ||
		   (st == SOCK_DGRAM && proto == IPPROTO_UDP);
	if ((af == AF_INET || af == AF_INET6) && !own)
		snprintf(detail, sizeof detail, "%s(%s, %s, protocol=%d)", se->name, fam, typ, (int)a[2]);
	else
		snprintf(detail, sizeof detail, "%s(%s, %s)", se->name, fam, typ);
	struct bsbox_event ev = {
		.kind = EV_NETWORK,
		.detail = detail,
		.audit = false, /* a socket family is kernel surface: denied in audit too */
		.suggest = "\"network\": true",
	};
	notify_emit(c, &ev);
	*errp = EAFNOSUPPORT;
	return V_ERROR;
}

