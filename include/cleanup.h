/* cleanup-attribute helpers (as in crun and bubblewrap). */
#ifndef BSBOX_CLEANUP_H
#define BSBOX_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p)
{
	void **pp = (void **)p;
	free(*pp);
}
static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}
static inline void cleanup_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
/* free a NULL-terminated array of strings and the array */
static inline void cleanup_strvp(char ***v)
{
	if (*v) {
		for (char **s = *v; *s; s++)
			free(*s);
		free(*v);
	}
}

/* `unused`: a variable that only owns what its cleanup frees is not unused,
 * but clang 14 warns about it. */
#define cleanup_free __attribute__((cleanup(cleanup_freep), unused))
#define cleanup_close __attribute__((cleanup(cleanup_closep), unused))
#define cleanup_fclose __attribute__((cleanup(cleanup_fclosep), unused))
#define cleanup_strv __attribute__((cleanup(cleanup_strvp), unused))

static inline void *steal_ptr_impl(void *pp)
{
	void **p = (void **)pp;
	void *r = *p;
	*p = NULL;
	return r;
}
#define steal_ptr(pp) steal_ptr_impl(&(pp))
static inline int steal_fd(int *fd)
{
	int r = *fd;
	*fd = -1;
	return r;
}

#endif
