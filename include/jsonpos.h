/* Where is a value in JSON text?  cJSON keeps no source positions, so the
 * policy parser asks this small tokenizer for the byte offset of an
 * offending value (or key) to report FILE:LINE:COL.  Pure code, no
 * allocation; it never reads past `len` and fails cleanly on text that is
 * not JSON (it is meant for text cJSON has already accepted). */
#ifndef BSBOX_JSONPOS_H
#define BSBOX_JSONPOS_H

#include <stdbool.h>
#include <stddef.h>

struct jsonpos_step {
	const char *key; /* object member name (compared after unescaping), or NULL for an array element */
	size_t n;        /* array index; for a key, which occurrence (0 = first; duplicates count up) */
};

/* Offset of the value reached by following path[0..npath) from the top-level
 * value (npath == 0: the top-level value itself).  With `at_key` and a last
 * step that is a key, the offset of that key's opening quote instead.
 * Returns 0 and sets *off, or -1 when the path is not in the text. */
int jsonpos_find(const char *text, size_t len, const struct jsonpos_step *path, size_t npath,
		 bool at_key, size_t *off);

/* Offset of the first "\u0000" escape inside a string, which cJSON would
 * silently turn into a truncated string.  Returns 0 and sets *off, or -1. */
int jsonpos_find_nul_escape(const char *text, size_t len, size_t *off);

/* 1-based line and column of byte offset `off` (clamped to len).  Columns
 * count UTF-8 characters, so they match what editors show. */
void jsonpos_linecol(const char *text, size_t len, size_t off, unsigned *line, unsigned *col);

#endif
