/* Denials: collected during a run and summarised on stderr; `bsbox report`
 * summarises a JSON-lines event log. */
#define _GNU_SOURCE
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "err.h"
#include "inputs.h"
#include "report.h"
#include "strv.h"

#define PATH_MAX_WHAT (PATH_MAX + 64)

/* The group of events from `bsbox run` without --crate: "bsbox run -- CMD" */
#define RUN_LABEL "bsbox run -- "

/* "crate NAME", or the run's label as it is */
static const char *group_word(const char *crate)
{
	return strncmp(crate, RUN_LABEL, strlen(RUN_LABEL)) ? "crate " : "";
}

/* A `suggest` that says no policy entry can allow the event (kernel
 * surface, root-only files) rather than giving one to paste */
static bool no_entry(const char *suggest)
{
	return suggest && !strncmp(suggest, "no policy entry", 15);
}

void report_what(const struct bsbox_event *ev, char *buf, size_t len)
{
	const char *sc = ev->syscall ? ev->syscall : "?";
	switch (ev->kind) {
	case EV_PATH: {
		/* no policy entry to suggest: the detail says why */
		bool why = (!ev->suggest || no_entry(ev->suggest)) && ev->detail;
		snprintf(buf, len, "%s %s%s%s%s", ev->access ? ev->access : "access",
			 ev->path ? ev->path : "?", why ? " (" : "", why ? ev->detail : "",
			 why ? ")" : "");
		return;
	}
	case EV_NETWORK:
		if (ev->addr)
			snprintf(buf, len, "%s %s%s", sc, ev->addr,
				 ev->detail && strstr(ev->detail, "(DNS lookup)") ? " (DNS lookup)" : "");
		else
			snprintf(buf, len, "%s", ev->detail ? ev->detail : sc);
		return;
	case EV_SYSCALL:
		snprintf(buf, len, "%s()", sc);
		return;
	case EV_DIRECTIVE:
	case EV_SETUP:
	case EV_RESOURCE:
		break;
	}
	snprintf(buf, len, "%s", ev->detail ? ev->detail : sc);
}

static const char *base_name(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;
	return s ? s + 1 : p;
}

void report_add(struct report *r, const struct bsbox_event *ev, const char *what)
{
	char wbuf[PATH_MAX_WHAT];
	if (!what) {
		report_what(ev, wbuf, sizeof wbuf);
		what = wbuf;
	}
	r->ndenied++;
	for (size_t i = 0; i < r->nitems; i++) {
		struct report_item *it = &r->items[i];
		if (it->kind == ev->kind && !strcmp(it->what, what)) {
			it->count++;
			return;
		}
	}
	struct report_item *items = realloc(r->items, (r->nitems + 1) * sizeof *items);
	if (!items)
		return; /* the event log still has it */
	r->items = items;
	struct report_item *it = &items[r->nitems];
	memset(it, 0, sizeof *it);
	it->kind = ev->kind;
	it->what = strdup(what);
	if (ev->pid > 0 && asprintf(&it->by, "pid %ld (%s)", (long)ev->pid,
				    ev->exe ? base_name(ev->exe) : "?") < 0)
		it->by = NULL;
	it->suggest = ev->suggest ? strdup(ev->suggest) : NULL;
	it->count = 1;
	it->audit = ev->audit;
	if (!it->what) {
		free(it->by);
		free(it->suggest);
		return;
	}
	r->nitems++;
}

/* s with every quoted "$HOME/..." path start written as "$HOME/...". */
static char *home_subst(const char *s)
{
	const char *home = getenv("HOME");
	size_t hl = home ? strlen(home) : 0;
	while (hl > 1 && home[hl - 1] == '/')
		hl--;
	if (!home || hl < 2 || home[0] != '/')
		return strdup(s);
	struct {
		char *p;
		size_t n;
	} o = { malloc(strlen(s) * 2 + 1), 0 };
	if (!o.p)
		return NULL;
	for (const char *p = s; *p;) {
		if (*p == '"' && !strncmp(p + 1, home, hl) && (p[1 + hl] == '/' || p[1 + hl] == '"')) {
			memcpy(o.p + o.n, "\"$HOME", 6);
			o.n += 6;
			p += 1 + hl;
		} else {
			o.p[o.n++] = *p++;
		}
	}
	o.p[o.n] = '\0';
	return o.p;
}

void report_print(const struct report *r, FILE *out, bool audit, const char *prefix)
{
	const char *pre = prefix ? prefix : "";
	if (!r || r->nitems == 0)
		return;
	char where[256];
	if (r->crate)
		snprintf(where, sizeof where, "in crate %s", r->crate);
	else
		snprintf(where, sizeof where, "in this run");
	if (audit)
		fprintf(out, "%sbsbox: %u access%s would have been denied %s (audit mode):\n", pre,
			r->ndenied, r->ndenied == 1 ? "" : "es", where);
	else
		fprintf(out, "%sbsbox: %u denial%s %s (enforce mode):\n", pre, r->ndenied,
			r->ndenied == 1 ? "" : "s", where);

	bool any_suggest = false;
	for (size_t i = 0; i < r->nitems; i++) {
		const struct report_item *it = &r->items[i];
		fprintf(out, "%s  %s", pre, it->what);
		if (it->by)
			fprintf(out, "  by %s", it->by);
		if (it->count > 1)
			fprintf(out, "  (%u times)", it->count);
		if (audit && !it->audit)
			fprintf(out, "  [denied: audit mode does not relax this]");
		fputc('\n', out);
		if (no_entry(it->suggest) && it->kind == EV_SYSCALL) {
			/* the call is named on the line above: only the reason */
			const char *why = strstr(it->suggest, ": ");
			fprintf(out, "%s      (no policy entry allows this system call%s)\n", pre,
				why ? why : "");
		} else if (no_entry(it->suggest)) {
			fprintf(out, "%s      (%s)\n", pre, it->suggest);
		} else if (it->suggest) {
			cleanup_free char *s = home_subst(it->suggest);
			fprintf(out, "%s      to allow: %s\n", pre, s ? s : it->suggest);
			any_suggest = true;
		} else if (it->kind == EV_SYSCALL) {
			fprintf(out, "%s      (no policy entry allows this system call)\n", pre);
		}
	}
	if (any_suggest) {
		if (r->policy_hint)
			fprintf(out, "%s  policy: add these entries to %s (see docs/policy.md)\n", pre,
				r->policy_hint);
		else
			fprintf(out, "%s  policy: add these entries to the crate's policy (see docs/policy.md)\n",
				pre);
	}
}

void report_free(struct report *r)
{
	if (!r)
		return;
	strv_free(r->hidden, r->nhidden);
	for (size_t i = 0; i < r->nitems; i++) {
		free(r->items[i].what);
		free(r->items[i].by);
		free(r->items[i].suggest);
	}
	free(r->items);
	r->items = NULL;
	r->nitems = 0;
	r->ndenied = 0;
}

/* ---- bsbox report ------------------------------------------------------ */

enum fmt { FMT_TEXT, FMT_JSON, FMT_GITHUB, FMT_SARIF };

struct agg {
	char *crate;
	enum ev_kind kind;
	char *what;
	bool audit; /* action "allowed-audit" */
	char *by;   /* first occurrence */
	char *suggest;
	unsigned count;
	size_t seq; /* first-seen order */
};

struct aggs {
	struct agg *v;
	size_t n;
};

static void aggs_free(struct aggs *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->v[i].crate);
		free(a->v[i].what);
		free(a->v[i].by);
		free(a->v[i].suggest);
	}
	free(a->v);
}

static int kind_from_name(const char *s, enum ev_kind *k)
{
	static const enum ev_kind all[] = { EV_SYSCALL, EV_NETWORK, EV_PATH, EV_DIRECTIVE, EV_SETUP,
					    EV_RESOURCE };
	for (size_t i = 0; s && i < sizeof all / sizeof *all; i++) {
		if (!strcmp(s, evlog_kind_name(all[i]))) {
			*k = all[i];
			return 0;
		}
	}
	return -1;
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int aggs_add(struct aggs *a, const char *crate, const struct bsbox_event *ev)
{
	char what[PATH_MAX_WHAT];
	report_what(ev, what, sizeof what);
	for (size_t i = 0; i < a->n; i++) {
		struct agg *g = &a->v[i];
		if (g->kind == ev->kind && g->audit == ev->audit && !strcmp(g->crate, crate) &&
		    !strcmp(g->what, what)) {
			g->count++;
			return 0;
		}
	}
	struct agg *v = realloc(a->v, (a->n + 1) * sizeof *v);
	if (!v)
		return -ENOMEM;
	a->v = v;
	struct agg *g = &v[a->n];
	memset(g, 0, sizeof *g);
	g->crate = strdup(crate);
	g->kind = ev->kind;
	g->what = strdup(what);
	g->audit = ev->audit;
	g->count = 1;
	g->seq = a->n;
	if (ev->pid > 0 && asprintf(&g->by, "pid %ld (%s)", (long)ev->pid,
				    ev->exe ? base_name(ev->exe) : "?") < 0)
		g->by = NULL;
	g->suggest = ev->suggest ? strdup(ev->suggest) : NULL;
	a->n++;
	if (!g->crate || !g->what)
		return -ENOMEM;
	return 0;
}

static int agg_cmp(const void *x, const void *y)
{
	const struct agg *a = x, *b = y;
	int c = strcmp(a->crate, b->crate);
	if (c)
		return c;
	if (a->kind != b->kind)
		return (int)a->kind - (int)b->kind;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static int read_log(const char *path, const char *only_crate, struct aggs *a)
{
	cleanup_fclose FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	cleanup_free char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long lineno = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len == 0 || (len == 1 && line[0] == '\n'))
			continue;
		cJSON *o = cJSON_ParseWithLength(line, (size_t)len);
		const char *kind = o ? jstr(o, "kind") : NULL;
		struct bsbox_event ev = { 0 };
		if (!cJSON_IsObject(o) || kind_from_name(kind, &ev.kind) < 0) {
			fprintf(stderr, "bsbox report: %s:%lu: malformed event, skipped\n", path, lineno);
			cJSON_Delete(o);
			continue;
		}
		const char *crate = jstr(o, "crate"), *command = jstr(o, "command");
		cleanup_free char *label = NULL;
		/* `bsbox run` without --crate: the command is what ran */
		if (!crate && command && asprintf(&label, "%s%s", RUN_LABEL, command) >= 0)
			crate = label;
		if (!crate)
			crate = "(unknown crate)";
		if (only_crate && strcmp(crate, only_crate)) {
			cJSON_Delete(o);
			continue;
		}
		const cJSON *pid = cJSON_GetObjectItemCaseSensitive(o, "pid");
		/* the log is only text: a pid that is no pid_t is no pid (and
		 * converting it would be undefined) */
		ev.pid = cJSON_IsNumber(pid) && pid->valuedouble >= 1 && pid->valuedouble <= INT_MAX
				 ? (pid_t)pid->valuedouble
				 : 0;
		ev.exe = jstr(o, "exe");
		ev.syscall = jstr(o, "syscall");
		ev.detail = jstr(o, "detail");
		ev.path = jstr(o, "path");
		ev.access = jstr(o, "access");
		ev.addr = jstr(o, "addr");
		ev.suggest = jstr(o, "suggest");
		const char *action = jstr(o, "action");
		ev.audit = action && !strcmp(action, "allowed-audit");
		if (action && !strcmp(action, "hidden")) {
			/* informational (a probe found a path hidden): not a denial */
			cJSON_Delete(o);
			continue;
		}
		int rc = aggs_add(a, crate, &ev);
		cJSON_Delete(o);
		if (rc < 0)
			return rc;
	}
	if (ferror(f))
		return -EIO;
	if (a->n)
		qsort(a->v, a->n, sizeof *a->v, agg_cmp);
	return 0;
}

/* How an annotation opens: a setup event (a lock refusal or change, a
 * version warning) was not a denied access */
static const char *verb(const struct agg *g)
{
	if (g->kind == EV_SETUP)
		return g->audit ? "note:" : "refused:";
	if (g->kind == EV_RESOURCE)
		return "limit hit:";
	return g->audit ? "would deny" : "denied";
}

static const char *action_name(const struct agg *g)
{
	return g->audit ? "allowed-audit" : "denied";
}

static void print_text(const struct aggs *a, FILE *out)
{
	for (size_t i = 0; i < a->n;) {
		const char *crate = a->v[i].crate;
		size_t end = i;
		unsigned total = 0;
		while (end < a->n && !strcmp(a->v[end].crate, crate))
			total += a->v[end++].count;
		fprintf(out, "%s%s: %u event%s\n", group_word(crate), crate, total,
			total == 1 ? "" : "s");
		while (i < end) {
			enum ev_kind k = a->v[i].kind;
			size_t kend = i;
			unsigned kt = 0;
			while (kend < end && a->v[kend].kind == k)
				kt += a->v[kend++].count;
			fprintf(out, "  %s: %u (%zu distinct)\n", evlog_kind_name(k), kt, kend - i);
			for (; i < kend; i++) {
				const struct agg *g = &a->v[i];
				fprintf(out, "    %-6u %s%s", g->count, g->what,
					g->audit ? "  (audit: let through)" : "");
				if (g->by)
					fprintf(out, "  first by %s", g->by);
				fputc('\n', out);
				if (no_entry(g->suggest)) {
					fprintf(out, "           (%s)\n", g->suggest);
				} else if (g->suggest) {
					cleanup_free char *s = home_subst(g->suggest);
					fprintf(out, "           to allow: %s\n", s ? s : g->suggest);
				}
			}
		}
	}
}

static int print_json(const struct aggs *a, FILE *out)
{
	cJSON *root = cJSON_CreateObject();
	for (size_t i = 0; root && i < a->n; i++) {
		const struct agg *g = &a->v[i];
		cJSON *c = cJSON_GetObjectItemCaseSensitive(root, g->crate);
		if (!c)
			c = cJSON_AddObjectToObject(root, g->crate);
		const char *kn = evlog_kind_name(g->kind);
		cJSON *k = c ? cJSON_GetObjectItemCaseSensitive(c, kn) : NULL;
		if (c && !k)
			k = cJSON_AddArrayToObject(c, kn);
		cJSON *item = cJSON_CreateObject();
		if (!k || !item || !cJSON_AddStringToObject(item, "what", g->what) ||
		    !cJSON_AddNumberToObject(item, "count", g->count) ||
		    !cJSON_AddStringToObject(item, "action", action_name(g)) ||
		    (g->suggest && !cJSON_AddStringToObject(item, "suggest", g->suggest))) {
			cJSON_Delete(item);
			cJSON_Delete(root);
			return -ENOMEM;
		}
		cJSON_AddItemToArray(k, item);
	}
	cleanup_free char *s = root ? cJSON_Print(root) : NULL;
	cJSON_Delete(root);
	if (!s)
		return -ENOMEM;
	fprintf(out, "%s\n", s);
	return 0;
}

/* GitHub workflow command escaping; props also escape ':' and ',' */
static void gh_escape(FILE *out, const char *s, bool prop)
{
	for (; *s; s++) {
		switch (*s) {
		case '%':
			fputs("%25", out);
			break;
		case '\r':
			fputs("%0D", out);
			break;
		case '\n':
			fputs("%0A", out);
			break;
		case ':':
			fputs(prop ? "%3A" : ":", out);
			break;
		case ',':
			fputs(prop ? "%2C" : ",", out);
			break;
		default:
			fputc(*s, out);
		}
	}
}

static void print_github(const struct aggs *a, FILE *out)
{
	for (size_t i = 0; i < a->n; i++) {
		const struct agg *g = &a->v[i];
		char title[300];
		snprintf(title, sizeof title, "bsbox (%s)", g->crate);
		fprintf(out, "::%s title=", g->audit ? "warning" : "error");
		gh_escape(out, title, true);
		fputs("::", out);
		char msg[PATH_MAX_WHAT + 600];
		snprintf(msg, sizeof msg, "%s %s%s%s", verb(g), g->what,
			 g->by ? " by " : "", g->by ? g->by : "");
		gh_escape(out, msg, false);
		if (g->count > 1)
			fprintf(out, " (%u times)", g->count);
		if (g->suggest) {
			cleanup_free char *sug = home_subst(g->suggest);
			fputs(no_entry(g->suggest) ? " - " : " - to allow: ", out);
			gh_escape(out, sug ? sug : g->suggest, false);
		}
		fputc('\n', out);
	}
}

static int print_sarif(const struct aggs *a, FILE *out)
{
	cJSON *root = cJSON_CreateObject();
	cJSON *runs = root ? cJSON_AddArrayToObject(root, "runs") : NULL;
	cJSON *run = cJSON_CreateObject();
	cJSON *tool = run ? cJSON_AddObjectToObject(run, "tool") : NULL;
	cJSON *driver = tool ? cJSON_AddObjectToObject(tool, "driver") : NULL;
	cJSON *rules = driver ? cJSON_AddArrayToObject(driver, "rules") : NULL;
	cJSON *results = run ? cJSON_AddArrayToObject(run, "results") : NULL;
	cleanup_free char *s = NULL;
	int rc = -ENOMEM;
	if (!runs || !run || !results || !rules) {
		cJSON_Delete(run);
		goto out;
	}
	cJSON_AddItemToArray(runs, run);
	if (!cJSON_AddStringToObject(root, "$schema",
				     "https://json.schemastore.org/sarif-2.1.0.json") ||
	    !cJSON_AddStringToObject(root, "version", "2.1.0") ||
	    !cJSON_AddStringToObject(driver, "name", "bsbox"))
		goto out;
#ifdef BSBOX_VERSION
	cJSON_AddStringToObject(driver, "version", BSBOX_VERSION);
#endif
	bool seen[EV_RESOURCE + 1] = { false };
	for (size_t i = 0; i < a->n; i++) {
		const struct agg *g = &a->v[i];
		if (!seen[g->kind]) {
			seen[g->kind] = true;
			cJSON *r = cJSON_CreateObject();
			cJSON_AddItemToArray(rules, r);
			if (!r || !cJSON_AddStringToObject(r, "id", evlog_kind_name(g->kind)))
				goto out;
		}
		cJSON *res = cJSON_CreateObject();
		cJSON_AddItemToArray(results, res);
		cJSON *msg = res ? cJSON_AddObjectToObject(res, "message") : NULL;
		cleanup_free char *text = NULL;
		if (asprintf(&text, "%s%s: %s %s%s%s (%u time%s)%s%s", group_word(g->crate), g->crate, verb(g), g->what, g->by ? " by " : "",
			     g->by ? g->by : "", g->count, g->count == 1 ? "" : "s",
			     !g->suggest ? "" : no_entry(g->suggest) ? "; " : "; to allow: ",
			     g->suggest ? g->suggest : "") < 0)
			text = NULL;
		if (!msg || !text || !cJSON_AddStringToObject(res, "ruleId", evlog_kind_name(g->kind)) ||
		    !cJSON_AddStringToObject(res, "level", g->audit ? "warning" : "error") ||
		    !cJSON_AddStringToObject(msg, "text", text))
			goto out;
	}
	if (!(s = cJSON_Print(root)))
		goto out;
	fprintf(out, "%s\n", s);
	rc = 0;
out:
	cJSON_Delete(root);
	return rc;
}

static void report_usage(FILE *out)
{
	fprintf(out,
		"usage: bsbox report [--json] [--format text|json|github|sarif] [--crate NAME] [LOG]\n"
		"Summarise the event log LOG (default: $BSBOX_LOG, else\n"
		"$XDG_STATE_HOME/bsbox/events.jsonl, else ~/.local/state/bsbox/events.jsonl)\n"
		"by crate and kind.\n"
		"\n"
		"       bsbox report --inputs [--json] [--crate NAME] [TRACE]\n"
		"Per crate, the host files its build script read or executed (outside\n"
		"its own crate and OUT_DIR), with SHA-256 and the Debian package that\n"
		"owns each, from an access trace (default: $BSBOX_TRACE).\n");
}

int report_main(int argc, char **argv, const struct bsbox_settings *set)
{
	enum fmt fmt = FMT_TEXT;
	const char *crate = NULL, *log = NULL;
	bool inputs = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		if (!strcmp(a, "--inputs")) {
			inputs = true;
		} else if (!strcmp(a, "--json")) {
			fmt = FMT_JSON;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			report_usage(stdout);
			return 0;
		} else if (!strcmp(a, "--format") || !strncmp(a, "--format=", 9)) {
			val = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
			if (val && !strcmp(val, "text"))
				fmt = FMT_TEXT;
			else if (val && !strcmp(val, "json"))
				fmt = FMT_JSON;
			else if (val && !strcmp(val, "github"))
				fmt = FMT_GITHUB;
			else if (val && !strcmp(val, "sarif"))
				fmt = FMT_SARIF;
			else {
				fprintf(stderr, "bsbox report: --format wants text, json, github or sarif\n");
				return BSBOX_EXIT_USAGE;
			}
		} else if (!strcmp(a, "--crate") || !strncmp(a, "--crate=", 8)) {
			crate = a[7] == '=' ? a + 8 : (i + 1 < argc ? argv[++i] : NULL);
			if (!crate) {
				fprintf(stderr, "bsbox report: --crate wants a crate name\n");
				return BSBOX_EXIT_USAGE;
			}
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "bsbox report: unknown option %s\n", a);
			report_usage(stderr);
			return BSBOX_EXIT_USAGE;
		} else if (!log) {
			log = a;
		} else {
			fprintf(stderr, "bsbox report: only one LOG\n");
			return BSBOX_EXIT_USAGE;
		}
	}
	if (inputs) {
		const char *trace = log ? log : set->trace;
		if (!trace || !*trace) {
			fprintf(stderr, "bsbox report --inputs: no TRACE given and BSBOX_TRACE is not set\n");
			return BSBOX_EXIT_USAGE;
		}
		if (fmt != FMT_TEXT && fmt != FMT_JSON) {
			fprintf(stderr, "bsbox report --inputs: text or json only\n");
			return BSBOX_EXIT_USAGE;
		}
		return inputs_report(trace, crate, fmt == FMT_JSON);
	}
	cleanup_free char *deflog = NULL;
	if (!log) {
		deflog = evlog_default_path(set->log);
		if (!deflog) {
			fprintf(stderr, "bsbox report: no log given and neither BSBOX_LOG nor HOME is set\n");
			return BSBOX_EXIT_USAGE;
		}
		log = deflog;
		/* which of $BSBOX_LOG, $XDG_STATE_HOME and ~/.local/state it was:
		 * on stderr, so --json and --format output stay parseable */
		fprintf(stderr, "bsbox report: reading %s\n", log);
	}

	struct aggs a = { 0 };
	int rc = read_log(log, crate, &a);
	if (rc == -ENOENT && deflog) {
		fprintf(stderr, "bsbox report: no events yet (%s does not exist)\n", log);
		rc = 0;
	} else if (rc < 0) {
		fprintf(stderr, "bsbox report: reading %s: %s\n", log, strerror(-rc));
		aggs_free(&a);
		return 1;
	}
	switch (fmt) {
	case FMT_TEXT:
		if (a.n == 0)
			printf("no events%s%s\n", crate ? " for crate " : "", crate ? crate : "");
		print_text(&a, stdout);
		break;
	case FMT_JSON:
		rc = print_json(&a, stdout);
		break;
	case FMT_GITHUB:
		print_github(&a, stdout);
		break;
	case FMT_SARIF:
		rc = print_sarif(&a, stdout);
		break;
	}
	aggs_free(&a);
	if (rc < 0) {
		fprintf(stderr, "bsbox report: %s\n", strerror(-rc));
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
