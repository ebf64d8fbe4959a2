/* Root-only files.  Started by root, the sandbox runs as an unprivileged
 * host id (sandbox.h: root_id), so a file the policy grants for reading but
 * that id may not read (/etc/shadow in a bound /etc, ssh host keys, /root/...)
 * the kernel refuses by plain DAC, without a word.  Each attempt is a logged
 * denial: the supervisor judges the opens it is notified of (notify.c), the
 * BPF watcher the ones the kernel refused behind its back (bpfread.h); both
 * decide here and describe the event alike. */
#ifndef BSBOX_ROOTONLY_H
#define BSBOX_ROOTONLY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "policy.h"

/* The event's "suggest": granting the file changes nothing. */
#define ROOTONLY_SUGGEST "no policy entry allows it: only the host's root may read it"

/* Is path (absolute, as the sandbox and the host both name it) a file the
 * policy grants for reading only and root_id may not read?  root_id 0 (not
 * started by root): never.  Under a writable rule the files are the
 * sandbox's own (idmapped or handed over); a directory reveals names at most.
 * One stat (following symlinks, as the open did). */
bool rootonly_file(const struct policy *p, uid_t root_id, const char *path);

/* The event's "detail" into buf: "root-only: the sandbox's uid N may not read
 * it", and "; seen by BY" when by is not NULL (the layer that saw it). */
void rootonly_why(uid_t root_id, const char *by, char *buf, size_t len);

#endif
