/* Environment scrubbing (pure). */
#ifndef BSBOX_ENV_H
#define BSBOX_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include "policy.h"

/* True if NAME looks like it carries a secret (tokens, keys, passwords,
 * cloud credentials, agent sockets). */
bool env_is_secret(const char *name);

/* A new malloc'ed NULL-terminated copy of envp without the secret-looking
 * variables, except those the policy passes explicitly. Entries of `add`
 * ("NAME=value", NULL-terminated, may be NULL) are set/overridden. The
 * strings are shared with envp/add (free only the array). *removed counts
 * what was dropped. */
char **env_scrub(char *const *envp, const struct policy *p, char *const *add, size_t *removed);

#endif
