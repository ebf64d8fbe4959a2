/* Counted string vectors (char **v, size_t n) as policies and learn keep
 * them: paths, variable names, directive names. */
#ifndef BSBOX_STRV_H
#define BSBOX_STRV_H

#include <stdbool.h>
#include <stddef.h>

/* True if s is one of v[0..n). */
bool strv_has(char *const *v, size_t n, const char *s);

/* Append a copy of s unless already present (*v grows; the caller owns it).
 * 0 or -ENOMEM. */
int strv_add_unique(char ***v, size_t *n, const char *s);

/* Free the n strings and the vector. */
void strv_free(char **v, size_t n);

#endif
