/* The supervisor's memory of allowed read-only opens (pathcache.h): an
 * open-addressing set of strings, twice as many slots as entries. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pathcache.h"

#define SLOTS (2 * PATHCACHE_MAX) /* a power of two */

struct pathcache {
	char **slot;
	size_t n, bytes;
};

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct pathcache *pathcache_new(void)
{
	struct pathcache *c = calloc(1, sizeof *c);
	if (c && !(c->slot = calloc(SLOTS, sizeof *c->slot))) {
		free(c);
		return NULL;
	}
	return c;
}

void pathcache_free(struct pathcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < SLOTS; i++)
		free(c->slot[i]);
	free(c->slot);
	free(c);
}

/* The slot holding path, or the empty one where it would go. */
static size_t find(const struct pathcache *c, const char *path)
{
	size_t i = hash(path) & (SLOTS - 1);
	while (c->slot[i] && strcmp(c->slot[i], path) != 0)
		i = (i + 1) & (SLOTS - 1); /* never full: at most half the slots are used */
	return i;
}

bool pathcache_has(const struct pathcache *c, const char *path)
{
	return c && c->slot[find(c, path)] != NULL;
}

void pathcache_add(struct pathcache *c, const char *path)
{
	if (!c || c->n >= PATHCACHE_MAX)
		return;
	size_t len = strlen(path) + 1, i = find(c, path);
	if (c->slot[i] || c->bytes + len > PATHCACHE_BYTES)
		return;
	if ((c->slot[i] = strdup(path))) {
		c->n++;
		c->bytes += len;
	}
}

size_t pathcache_size(const struct pathcache *c)
{
	return c ? c->n : 0;
}
