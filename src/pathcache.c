/* The supervisor's memory of allowed read-only opens (pathcache.h): an
 * open-addressing set of strings, twice as many slots as entries. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pathcache.h"

/* Slots start few and double when half are used: a launch that never
 * caches (full mode, most sandboxes) must not pay for touching, zeroing and
 * freeing the full table (512 KiB: ~0.3 ms of page faults a launch on a
 * paravirtualised VM, measured with perf). */
#define SLOTS_MIN 256u		       /* a power of two */
#define SLOTS_MAX (2u * PATHCACHE_MAX) /* idem */

struct pathcache {
	char **slot;
	size_t nslots, n, bytes;
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
	if (c && !(c->slot = calloc(SLOTS_MIN, sizeof *c->slot))) {
		free(c);
		return NULL;
	}
	if (c)
		c->nslots = SLOTS_MIN;
	return c;
}

void pathcache_free(struct pathcache *c)
{
	if (!c)
		return;
	for (size_t i = 0, seen = 0; i < c->nslots && seen < c->n; i++)
		if (c->slot[i]) {
			free(c->slot[i]);
			seen++;
		}
	free(c->slot);
	free(c);
}

/* The slot holding path in slot[nslots], or the empty one where it would go. */
static size_t find(char *const *slot, size_t nslots, const char *path)
{
	size_t i = hash(path) & (nslots - 1);
	while (slot[i] && strcmp(slot[i], path) != 0)
		i = (i + 1) & (nslots - 1); /* never full: at most half the slots are used */
	return i;
}

bool pathcache_has(const struct pathcache *c, const char *path)
{
	return c && c->slot[find(c->slot, c->nslots, path)] != NULL;
}

/* Twice the slots, the strings moved over; false (and c unchanged) when out
 * of memory. */
static bool grow(struct pathcache *c)
{
	size_t ns = 2 * c->nslots;
	char **slot = calloc(ns, sizeof *slot);
	if (!slot)
		return false;
	for (size_t i = 0; i < c->nslots; i++)
		if (c->slot[i])
			slot[find(slot, ns, c->slot[i])] = c->slot[i];
	free(c->slot);
	c->slot = slot;
	c->nslots = ns;
	return true;
}

void pathcache_add(struct pathcache *c, const char *path)
{
	if (!c || c->n >= PATHCACHE_MAX)
		return;
	size_t len = strlen(path) + 1;
	if (c->bytes + len > PATHCACHE_BYTES || pathcache_has(c, path))
		return;
	if (2 * (c->n + 1) > c->nslots && (c->nslots >= SLOTS_MAX || !grow(c)))
		return;
	size_t i = find(c->slot, c->nslots, path);
	if ((c->slot[i] = strdup(path))) {
		c->n++;
		c->bytes += len;
	}
}

size_t pathcache_size(const struct pathcache *c)
{
	return c ? c->n : 0;
}
