/* `bsbox report --inputs [TRACE]`: per crate, the host files its build
 * script (or confined proc macro) read or executed outside its own crate,
 * its OUT_DIR and the build's other outputs, with SHA-256 and the Debian
 * package that owns each (dpkg -S).  Read from an access trace (trace.h). */
#ifndef BSBOX_INPUTS_H
#define BSBOX_INPUTS_H

#include <stdbool.h>

/* trace: the trace file; crate: only this crate (NULL: all); json: JSON
 * instead of text.  Prints on stdout; returns an exit code. */
int inputs_report(const char *trace, const char *crate, bool json);

#endif
