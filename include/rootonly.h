/* Root-only files.  Started by root, the sandbox runs as an unprivileged
 * host id (sandbox.h: root_id), so a file the policy grants for reading but
 * that id may not read (/etc/shadow in a bound /etc, ssh host keys, /root/...)
 * the kernel refuses by plain DAC, without a word.  Whether the policy's
 * grant makes that a logged denial is pathdecide()'s decision (pathdecide.h:
 * PD_F_ROOT_ONLY); this is the fact it asks for, gathered alike by the
 * supervisor (notify.c) and the BPF watcher (bpfread.c). */
#ifndef BSBOX_ROOTONLY_H
#define BSBOX_ROOTONLY_H

#include <stdbool.h>
#include <sys/types.h>

/* May root_id not read the file at path (absolute, as the sandbox and the
 * host both name it)?  A directory: never (a listing reveals names at most).
 * One stat (following symlinks, as the open did). */
bool rootonly_denied(uid_t root_id, const char *path);

#endif
