/* `bsbox setup`: enable bsbox for a user by adding build.rustc-wrapper to
 * cargo's user configuration, and print the editor settings that route
 * rust-analyzer through bsbox too.
 *
 * The TOML edit is line-based and keeps every byte it does not change:
 *   - a `rustc-wrapper` key in the [build] table (or a top-level
 *     `build.rustc-wrapper`) is replaced in place;
 *   - else the key is inserted right after an existing [build] header;
 *   - else "[build]" and the key are appended at the end.
 * Lines bsbox writes end in SETUP_MARK (plus "; was: OLD LINE" when a value
 * was replaced), which is what --undo looks for.  Multi-line strings are
 * skipped; an inline `build = { ... }` table is refused (edit by hand). */
#ifndef BSBOX_SETUP_H
#define BSBOX_SETUP_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

#define SETUP_MARK "# added by bsbox setup"

/* Pure.  old/len: the current file (may be empty).  wrapper: the absolute
 * path of bsbox.  *out: malloc'ed new contents (NUL-terminated); *changed
 * false when the file already says exactly this.  *replaced: malloc'ed copy
 * of the value line that was replaced, or NULL. */
int setup_edit(const char *old, size_t len, const char *wrapper, char **out, int *changed,
	       char **replaced, struct bsbox_err *err);

/* Pure.  The same for build.KEY = "VALUE" (setup_edit is KEY rustc-wrapper;
 * `bsbox setup` also sets rustdoc, to the bsbox-rustdoc link). */
int setup_edit_key(const char *old, size_t len, const char *key, const char *value, char **out,
		   int *changed, char **replaced, struct bsbox_err *err);

/* Pure.  Removes what setup_edit added (restoring a replaced line from its
 * "was:" note).  *changed false when there was nothing of ours. */
int setup_undo(const char *old, size_t len, char **out, int *changed, struct bsbox_err *err);

/* Pure.  A unified diff (one hunk, 3 lines of context) from a to b. */
void setup_diff(FILE *out, const char *path, const char *a, const char *b);

/* `bsbox setup [--dry-run] [--undo] [--editor NAME|all] [--print-editor-config]`,
 * argv[0] is "setup".  Returns an exit code (0, 121 usage, 123 failure). */
int setup_main(int argc, char **argv);

#endif
