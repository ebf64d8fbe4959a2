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

/* connect() the target's socket (fd a0) to path from here: the same open
 * file, so the connection is the target's.  The peer sees this process's
 * credentials (same uid and gid without a user namespace; another pid).  A
 * blocking socket is made non-blocking for the call, so a listener with a
 * full backlog cannot stall the supervisor: the target gets EAGAIN then. */
static enum verdict connect_for(struct call *c, const char *path, int *errp)
{
	pid_t pid = (pid_t)c->req->pid;
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	cleanup_close int sfd = pidfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pidfd,
							  (int)c->req->data.args[0], 0)
					   : -1;
	if (sfd < 0) {
		*errp = errno == EBADF ? EBADF : EACCES;
		return V_ERROR;
	}
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
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
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

enum verdict notify_net_call(struct call *c, const struct sc_entry *se, int *errp)
{
	const __u64 *a = c->req->data.args;
	pid_t pid = (pid_t)c->req->pid;

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

