/* Unit tests for src/creds.c: the git-config sanitiser. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "creds.h"
#include "tap.h"

static void expect(const char *name, const char *in, int want_rc, const char *want)
{
	char *out = NULL;
	size_t len = 0;
	int rc = creds_sanitize_gitconfig(in, strlen(in), &out, &len);
	check(rc == want_rc, "%s: returns %d (got %d)", name, want_rc, rc);
	if (want) {
		check(out && strcmp(out, want) == 0 && len == strlen(want), "%s: text", name);
		if (out && strcmp(out, want) != 0)
			printf("# got:\n%s# want:\n%s", out, want);
	} else {
		check(out == NULL, "%s: no copy", name);
	}
	free(out);
}

int main(void)
{
	expect("clean config",
	       "[core]\n\trepositoryformatversion = 0\n[remote \"origin\"]\n"
	       "\turl = https://github.com/o/r\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n",
	       0, NULL);
	/* what actions/checkout persists */
	expect("extraheader",
	       "[core]\n\tbare = false\n[http \"https://github.com/\"]\n"
	       "\textraheader = AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX1NFQ1JFVA==\n"
	       "[remote \"origin\"]\n\turl = https://github.com/o/r\n",
	       1,
	       "[core]\n\tbare = false\n[http \"https://github.com/\"]\n"
	       "[remote \"origin\"]\n\turl = https://github.com/o/r\n");
	expect("extraHeader any case, continuation",
	       "[http]\n\textraHeader = a \\\n\t  b\n\tsslVerify = true\n", 1,
	       "[http]\n\tsslVerify = true\n");
	expect("userinfo in a remote",
	       "[remote \"origin\"]\n\turl = https://x-access-token:ghs_T0K@github.com/o/r.git\n"
	       "\tpushurl = ssh://git@host/r\n",
	       1,
	       "[remote \"origin\"]\n\turl = https://github.com/o/r.git\n\tpushurl = ssh://host/r\n");
	expect("userinfo in a section name",
	       "[url \"https://tok@github.com/\"]\n\tinsteadOf = https://github.com/\n", 1,
	       "[url \"https://github.com/\"]\n\tinsteadOf = https://github.com/\n");
	expect("credential sections",
	       "[credential]\n\thelper = \"!f() { echo password=s3cr3t; }; f\"\n"
	       "[credential \"https://h\"]\n\tusername = me\n[core]\n\tx = 1\n",
	       1, "[credential]\n[credential \"https://h\"]\n[core]\n\tx = 1\n");
	expect("password with an @", "[remote \"o\"]\n\turl = https://u:p@ss@h/r\n", 1,
	       "[remote \"o\"]\n\turl = https://h/r\n");
	expect("CRLF and no final newline", "[http]\r\n\textraheader = x\r\n\tpostBuffer = 1", 1,
	       "[http]\r\n\tpostBuffer = 1");
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
