/* Unit tests for src/syslinks.c: granting the targets of system symlinks. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "syslinks.h"
#include "tap.h"

int main(void)
{
	char base[] = "/tmp/syslinks_test.XXXXXX";
	if (!mkdtemp(base))
		return 2;
	char etc[300], run[300], target[300], link[300], inside[300], gone[300], cmd[400];
	snprintf(etc, sizeof etc, "%s/etc", base);
	snprintf(run, sizeof run, "%s/run", base);
	snprintf(target, sizeof target, "%s/run/stub-resolv.conf", base);
	mkdir(etc, 0755);
	mkdir(run, 0755);
	FILE *f = fopen(target, "w");
	if (f)
		fclose(f);
	snprintf(link, sizeof link, "%s/resolv.conf", etc);
	check(symlink("../run/stub-resolv.conf", link) == 0, "setup: resolv.conf link");
	snprintf(inside, sizeof inside, "%s/localtime", etc);
	check(symlink(etc, inside) == 0, "setup: link inside the grant");
	snprintf(gone, sizeof gone, "%s/dangling", etc);
	check(symlink("/nonexistent/x", gone) == 0, "setup: dangling link");

	struct policy *p = NULL;
	struct bsbox_err err = { 0 };
	char text[400];
	snprintf(text, sizeof text, "{\"read\": [\"%s\"]}", etc);
	check(policy_parse(text, strlen(text), "t.json", NULL, &p, &err) == 0 &&
		      policy_expand(p, NULL, NULL, &err) == 0,
	      "policy parses");
	const char *dirs[] = { etc, NULL };
	check(syslinks_grant(p, dirs, &err) == 0, "syslinks_grant");
	const struct policy_rule *r = policy_rule_for(p, target, POL_R);
	check(r && strcmp(r->path, target) == 0, "the target of resolv.conf is granted read");
	check(!(policy_access_for(p, target) & POL_W), "read only");
	check(p->nrules == 2, "nothing else added (%zu rules)", p->nrules);
	check(p->nrules == 2 && strcmp(p->rules[0].path, etc) == 0, "rules stay sorted");
	/* a directory that the policy does not grant is not looked into */
	struct policy *q = NULL;
	check(policy_parse("{}", 2, "t.json", NULL, &q, &err) == 0 && syslinks_grant(q, dirs, &err) == 0 &&
		      q->nrules == 0,
	      "ungranted directory: nothing granted");
	policy_free(p);
	policy_free(q);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", base);
	if (system(cmd) != 0)
		return 2;
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
