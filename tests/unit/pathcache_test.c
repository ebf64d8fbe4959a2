/* Unit tests for src/pathcache.c: membership, duplicates, the limits. */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "pathcache.h"
#include "tap.h"

int main(void)
{
	check(!pathcache_has(NULL, "/x"), "NULL holds nothing");
	pathcache_add(NULL, "/x"); /* no crash */
	struct pathcache *c = pathcache_new();
	check(c != NULL, "new");
	check(!pathcache_has(c, "/usr/include/stdio.h"), "empty");
	pathcache_add(c, "/usr/include/stdio.h");
	pathcache_add(c, "/usr/include/stdio.h");
	check(pathcache_has(c, "/usr/include/stdio.h"), "added");
	check(pathcache_size(c) == 1, "a duplicate is not added twice");
	check(!pathcache_has(c, "/usr/include/stdio"), "a prefix is another path");
	check(!pathcache_has(c, "/usr/include/stdio.h/"), "so is a longer one");
	/* fill it: the limit holds, what is in stays in */
	char p[64];
	for (int i = 0; i < PATHCACHE_MAX + 100; i++) {
		snprintf(p, sizeof p, "/p/%d", i);
		pathcache_add(c, p);
	}
	check(pathcache_size(c) == PATHCACHE_MAX, "at most PATHCACHE_MAX paths (%zu)", pathcache_size(c));
	check(pathcache_has(c, "/p/0") && pathcache_has(c, "/usr/include/stdio.h"), "early paths kept");
	/* the table doubled many times on the way: every path moved with it */
	int lost = 0;
	for (int i = 0; i < PATHCACHE_MAX - 1; i++) {
		snprintf(p, sizeof p, "/p/%d", i);
		lost += !pathcache_has(c, p);
	}
	check(lost == 0, "every path kept through the growth (%d lost)", lost);
	snprintf(p, sizeof p, "/p/%d", PATHCACHE_MAX + 50);
	check(!pathcache_has(c, p), "a path past the limit is not there");
	pathcache_free(c);
	/* the byte limit */
	c = pathcache_new();
	static char big[4097];
	memset(big, 'a', sizeof big - 1);
	big[0] = '/';
	size_t added = 0;
	for (int i = 0; i < 2000; i++) {
		snprintf(big + 1, 16, "%05d", i);
		big[6] = 'a';
		pathcache_add(c, big);
	}
	added = pathcache_size(c);
	check(added > 0 && added * sizeof big <= PATHCACHE_BYTES + sizeof big,
	      "at most PATHCACHE_BYTES of paths (%zu of 4 KB)", added);
	pathcache_free(c);
	return tap_done();
}
