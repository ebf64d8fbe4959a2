/* The record deny.bpf.c sends for each refusal, shared with src/bpfdeny.c. */
#ifndef BSBOX_DENY_EVENT_H
#define BSBOX_DENY_EVENT_H

#define DENY_PATHLEN 108 /* sizeof(sun_path) */
#define DENY_UDP  1u     /* deny UDP sends/connects (policy has no network) */
#define DENY_UNIX 2u     /* deny ungranted pathname unix connects (degraded mode) */

enum { DENY_EV_UDP4 = 1, DENY_EV_UDP6 = 2, DENY_EV_UNIX = 3 };

struct deny_event {
	__u32 kind;
	__u32 pid;
	__u32 family;
	__u32 port;
	unsigned char addr[16];
	char comm[16];
	char path[DENY_PATHLEN];
};
#endif
