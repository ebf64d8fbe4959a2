/* handover.c: root's degraded sandbox hands places to an unprivileged id
 * and back, and lets it search the directories above the policy's paths.
 * Needs root (chown, ACLs); exit 78 (not applicable) otherwise, 77 where
 * the filesystem under /var/tmp has no POSIX ACLs. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "handover.h"
#include "tap.h"

#define ID 1999999990

static uid_t owner(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0 ? st.st_uid : (uid_t)-2;
}

/* Can uid/gid ID open path for reading?  (In a child that becomes it.) */
static bool id_can_read(const char *path)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setresgid(ID, ID, ID) < 0 || setresuid(ID, ID, ID) < 0)
			_exit(2);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		_exit(fd >= 0 ? 0 : 1);
	}
	int s = 0;
	waitpid(pid, &s, 0);
	return WIFEXITED(s) && WEXITSTATUS(s) == 0;
}

static void touch(const char *path, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode);
	if (fd >= 0)
		close(fd);
	chmod(path, mode);
}

int main(void)
{
	if (geteuid() != 0) {
		printf("skipped: needs root (chown, ACLs)\n");
		return 78;
	}
	char base[] = "/var/tmp/bsbox-handover-XXXXXX";
	if (!mkdtemp(base)) {
		printf("mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	char p[8][512];
	snprintf(p[0], sizeof p[0], "%s/locked", base);         /* 0700 root */
	snprintf(p[1], sizeof p[1], "%s/locked/deeper", base);  /* 0700 root */
	snprintf(p[2], sizeof p[2], "%s/locked/deeper/f", base); /* 0644 */
	snprintf(p[3], sizeof p[3], "%s/out", base);            /* a writable rule */
	snprintf(p[4], sizeof p[4], "%s/out/old", base);
	snprintf(p[5], sizeof p[5], "%s/out/setuid", base);
	snprintf(p[6], sizeof p[6], "%s/out/link", base);        /* -> outside */
	snprintf(p[7], sizeof p[7], "%s/outside", base);
	mkdir(p[0], 0700);
	mkdir(p[1], 0700);
	touch(p[2], 0644);
	mkdir(p[3], 0755);
	touch(p[4], 0644);
	touch(p[5], 04755);
	touch(p[7], 0644);
	if (symlink(p[7], p[6]) < 0)
		check(0, "symlink: %s", strerror(errno));

	/* search */
	check(!id_can_read(p[2]), "before: uid %d cannot reach a file below 0700 dirs", ID);
	struct bsbox_err err = { 0 };
	int r = handover_search(p[2], ID, &err);
	if (r < 0 && (err.errnum == EOPNOTSUPP || err.errnum == ENOTSUP)) {
		printf("skipped: %s\n", err.msg);
		return 77;
	}
	check(r == 0, "handover_search: %s", r ? err.msg : "ok");
	check(id_can_read(p[2]), "after: it can (search-only ACL entries on the ancestors)");
	struct stat st = { 0 };
	stat(p[0], &st);
	check((st.st_mode & 07777) == 0710, "the mode shows the mask (--x), the group gets nothing: %o",
	      st.st_mode & 07777);
	check(handover_search(p[2], ID, &err) == 0, "handover_search again: nothing to do");
	char list[600];
	snprintf(list, sizeof list, "%s/.", p[0]);
	check(!id_can_read(list), "listing the directory is still refused");

	/* give and take back */
	check(handover_give(p[3], ID, &err) == 0, "handover_give: %s", err.msg);
	check(owner(p[3]) == ID && owner(p[4]) == ID, "the writable dir and its file are the id's");
	check(owner(p[5]) == 0, "a set-id file stays root's (chown would clear the bit)");
	check(owner(p[6]) == ID && owner(p[7]) == 0, "a symlink is changed, never followed");
	check(handover_give(p[0], ID, &err) == 0 && owner(p[0]) == ID && owner(p[2]) == ID,
	      "a whole tree is handed over");
	check(handover_take_back(p[0], ID, &err) == 0 && owner(p[0]) == 0 && owner(p[2]) == 0,
	      "taken back: root's again");
	char made[600];
	snprintf(made, sizeof made, "%s/new", p[3]);
	touch(made, 0644);
	check(chown(made, ID, ID) == 0, "a file the id made");
	check(handover_take_back(p[3], ID, &err) == 0, "handover_take_back: %s", err.msg);
	check(owner(p[3]) == 0 && owner(p[4]) == 0 && owner(made) == 0 && owner(p[6]) == 0,
	      "everything is root's again");
	check(stat(made, &st) == 0 && st.st_gid == 0, "the group too");
	check(stat(p[5], &st) == 0 && (st.st_mode & S_ISUID), "the set-id bit survived");

	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	if (system(cmd) != 0)
		check(0, "removing %s", base);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
