/* The processes below a process, from /proc (proctree.h). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "proctree.h"

struct queue {
	pid_t *v;
	size_t head, len, cap;
};

/* pid_max is at most 2^22: more entries than that means pids were reused
 * while we walked, and the walk is no longer a tree */
#define MAX_QUEUE (1U << 22)

static int push(struct queue *q, pid_t pid)
{
	if (q->len >= MAX_QUEUE)
		return -E2BIG;
	if (q->len == q->cap) {
		size_t cap = q->cap ? q->cap * 2 : 64;
		pid_t *v = realloc(q->v, cap * sizeof *v);
		if (!v)
			return -ENOMEM;
		q->v = v;
		q->cap = cap;
	}
	q->v[q->len++] = pid;
	return 0;
}

/* Queue the pids listed in the children file of one thread (a seq_file of
 * "PID PID ..."; a fork bomb's parent lists more than one page). */
static int push_children(int taskdir, const char *tid, struct queue *q)
{
	char f[64], buf[4096];
	snprintf(f, sizeof f, "%s/children", tid);
	cleanup_close int fd = openat(taskdir, f, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0; /* the thread is gone */
	long cur = 0;
	bool in = false;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] >= '0' && buf[i] <= '9') {
				cur = cur * 10 + (buf[i] - '0');
				in = true;
			} else if (in) {
				int rc = push(q, (pid_t)cur);
				if (rc < 0)
					return rc;
				cur = 0;
				in = false;
			}
		}
	}
	return in ? push(q, (pid_t)cur) : 0;
}

long proctree_walk(pid_t top, proctree_fn fn, void *arg)
{
	struct queue q = { 0 };
	long tasks = 0;
	int rc = push(&q, top);
	while (rc == 0 && q.head < q.len) {
		pid_t pid = q.v[q.head++];
		char p[64];
		snprintf(p, sizeof p, "/proc/%d/task", (int)pid);
		DIR *d = opendir(p);
		if (!d)
			continue; /* exited meanwhile */
		long threads = 0;
		struct dirent *de;
		while (rc == 0 && (de = readdir(d))) {
			if (de->d_name[0] < '0' || de->d_name[0] > '9')
				continue;
			threads++;
			rc = push_children(dirfd(d), de->d_name, &q);
		}
		closedir(d);
		if (rc < 0 || pid == top || threads == 0)
			continue;
		tasks += threads;
		if (fn && fn(arg, pid, threads))
			break;
	}
	free(q.v);
	return rc < 0 ? rc : tasks;
}
