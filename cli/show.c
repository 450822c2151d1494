/* The commands that print a computed file of the mount: compare,
 * regressions, history. Same store, same views, same bytes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/internal.h"
#include "util/runid.h"
#include "views/compare.h"
#include "views/compare_pull.h"
#include "views/history.h"
#include "views/regressions.h"
#include "views/sides.h"

/* The sides of a comparison from "A B" or "A..B", as compare/<A>..<B> names
 * them; a and b point into args or into *owned (freed by the caller). */
int cli_compare_sides(const char **a, const char **b, char **owned, const char *cmd,
			 const struct cli_args *args)
{
	char *name = NULL, *sa = NULL, *sb = NULL;
	enum compare_format format;
	*owned = NULL;
	if (args->nargs == 2) {
		*a = args->args[0];
		*b = args->args[1];
		return 0;
	}
	if (args->nargs != 1)
		return setup_fail(EXIT_INVALID, "%s: give two revisions, A B or A..B", cmd);
	/* The mount's own parsing of compare/<A>..<B>.md, so both split alike. */
	if (asprintf(&name, "%s.md", args->args[0]) < 0)
		return setup_fail(EXIT_TOOL, "out of memory");
	if (compare_parse_name(&sa, &sb, &format, name)) {
		free(name);
		return setup_fail(EXIT_INVALID, "%s: %s is not A..B", cmd, args->args[0]);
	}
	free(name);
	if (asprintf(owned, "%s%c%s", sa, '\0', sb) < 0) {
		*owned = NULL;
		free(sa);
		free(sb);
		return setup_fail(EXIT_TOOL, "out of memory");
	}
	*a = *owned;
	*b = *owned + strlen(sa) + 1;
	free(sa);
	free(sb);
	return 0;
}

int cli_side_unfinished(struct cli_views *v, const char *cmd, const char *name,
			const struct side_ref *ref)
{
	struct store_run run;
	int64_t id = ref->run_id;
	int rc = id > 0 ? STORE_OK : store_commit_latest(v->session->store, &id, ref->commit);
	/* A side named a...b stands for the merge base: the hint names its commit. */
	if (rc == STORE_NOTFOUND)
		return setup_fail(EXIT_INVALID, "%s: %s (%.12s) has not been measured (benchfs run %s)",
				  cmd, name, ref->commit, strstr(name, "...") ? ref->commit : name);
	if (rc || store_run_get_light(v->session->store, &run, id))
		return setup_fail(EXIT_TOOL, "%s: cannot read the store", cmd);
	rc = run.state == RUN_FAILED
		     ? setup_fail(EXIT_TOOL, "%s: run " RUNID_DIR_FMT " of %s failed: %s", cmd,
				  (long long)run.id, name, run.detail ? run.detail : "")
	     : run.state != RUN_DONE
		     ? setup_fail(EXIT_INVALID, "%s: run " RUNID_DIR_FMT " of %s is not done yet (%s)",
				  cmd, (long long)run.id, name, run_state_name(run.state))
		     : -1;
	store_run_clear(&run);
	return rc;
}

/* Why a comparison has nothing to compare: a side's newest run failed, or
 * was never measured or is not done yet; else the runs are another host's. */
static int no_finished_run(struct cli_views *v, const char *cmd, const char *const names[2],
			   struct side_ref *const refs[2])
{
	for (int i = 0; i < 2; i++) {
		int rc = cli_side_unfinished(v, cmd, names[i], refs[i]);
		if (rc >= 0)
			return rc;
	}
	return setup_fail(EXIT_INVALID, "%s: %s..%s: a side has no finished run on this host", cmd,
			  names[0], names[1]);
}

/* The text of compare/<a>..<b> in format; 0, or an exit status after a
 * message. */
int cli_compare_text(char **text, struct cli_views *v, const char *cmd, const char *a,
		     const char *b, enum compare_format format)
{
	const struct view_ctx *ctx = &v->session->view;
	struct side_ref ra, rb;
	const char *names[2] = {a, b};
	struct side_ref *refs[2] = {&ra, &rb};
	int rc;
	*text = NULL;
	for (int i = 0; i < 2; i++) {
		rc = side_resolve(refs[i], ctx, names[i]);
		if (rc == -ENOENT)
			return setup_fail(EXIT_INVALID,
					  "%s: %s names no finished run, baseline or revision", cmd,
					  names[i]);
		if (rc)
			return setup_fail(EXIT_TOOL, "%s: %s: %s", cmd, names[i], strerror(-rc));
	}
	rc = compare_render(text, ctx, a, &ra, b, &rb, format);
	if (rc == -ENOENT)
		return no_finished_run(v, cmd, names, refs);
	if (rc)
		return setup_fail(EXIT_TOOL, "%s: %s..%s: %s", cmd, a, b, strerror(-rc));
	return 0;
}

/* benchfs compare pr-7 (or pr/7, or origin:feature): compare/pr-7.md's
 * bytes. 1 when the argument names no pull request or remote branch, else
 * 0 or an exit status after a message. */
static int compare_pull_text(char **text, struct cli_views *v, const char *arg,
			     enum compare_format format)
{
	struct side_ref a, b;
	char *name = NULL, *line = NULL;
	enum compare_format ignored;
	int rc;
	*text = NULL;
	if (asprintf(&name, "%s%s.md", strncmp(arg, "pr/", 3) == 0 ? "pr-" : "",
		     strncmp(arg, "pr/", 3) == 0 ? arg + 3 : arg) < 0)
		return setup_fail(EXIT_TOOL, "out of memory");
	rc = compare_pull_parse_name(&line, &ignored, name);
	free(name);
	if (rc == -ENOENT)
		return 1;
	if (rc)
		return setup_fail(EXIT_TOOL, "out of memory");
	rc = compare_pull_find(&a, &b, &v->session->view, line);
	if (rc == 0)
		rc = compare_pull_render(text, &v->session->view, line, &a, &b, format);
	if (rc == -ENOENT)
		rc = setup_fail(EXIT_INVALID,
				"compare: %s has no finished A/B job (benchfs run %s queues one)",
				line, line);
	else if (rc)
		rc = setup_fail(EXIT_TOOL, "compare: %s: %s", line, strerror(-rc));
	free(line);
	return rc;
}

static int run_compare(const struct cli_args *args)
{
	struct cli_views v;
	enum compare_format format = COMPARE_MD;
	const char *a, *b;
	char *owned = NULL, *text = NULL;
	int rc;
	if (args->format && strcmp(args->format, "json") == 0)
		format = COMPARE_JSON;
	else if (args->format && strcmp(args->format, "md") != 0)
		return setup_fail(EXIT_INVALID, "compare: --format is md or json, not %s",
				  args->format);
	/* REV/<param>=<x>..<param>=<y>: compare/<REV>/'s variants. */
	if ((rc = cli_compare_variants(args, format)) != 1)
		return rc;
	if (args->nargs == 1 && !strstr(args->args[0], "..")) {
		if ((rc = cli_views_open(&v, args)) == 0 &&
		    (rc = compare_pull_text(&text, &v, args->args[0], format)) == 0)
			rc = cli_write_out(text, strlen(text));
		free(text);
		cli_views_close(&v);
		if (rc != 1)
			return rc;
	}
	if ((rc = cli_compare_sides(&a, &b, &owned, "compare", args)))
		return rc;
	if (!(rc = cli_views_open(&v, args)) &&
	    !(rc = cli_compare_text(&text, &v, "compare", a, b, format)))
		rc = cli_write_out(text, strlen(text));
	free(text);
	free(owned);
	cli_views_close(&v);
	return rc;
}

static int run_regressions(const struct cli_args *args)
{
	struct cli_views v;
	char tip[STORE_HASH_LEN + 1], *text = NULL;
	int rc;
	if (args->nargs)
		return setup_fail(EXIT_INVALID, "regressions: takes no argument");
	if ((rc = cli_views_open(&v, args)))
		goto out;
	rc = history_tip(tip, &v.session->view);
	if (rc == -ENOENT)
		rc = (text = strdup("")) ? 0 : -ENOMEM;
	else if (rc == 0)
		rc = regressions_render(&text, &v.session->view, tip);
	rc = rc ? setup_fail(EXIT_TOOL, "regressions: %s", strerror(-rc))
		: cli_write_out(text, strlen(text));
out:
	free(text);
	cli_views_close(&v);
	return rc;
}

static int run_history(const struct cli_args *args)
{
	struct cli_views v;
	enum history_format format = HISTORY_CSV;
	char tip[STORE_HASH_LEN + 1], *text = NULL;
	size_t len = 0;
	bool known;
	int rc;
	if (args->format && strcmp(args->format, "svg") == 0)
		format = HISTORY_SVG;
	else if (args->format && strcmp(args->format, "csv") != 0)
		return setup_fail(EXIT_INVALID, "history: --format is csv or svg, not %s",
				  args->format);
	if (args->nargs != 1)
		return setup_fail(EXIT_INVALID, "history: give one benchmark");
	if ((rc = cli_views_open(&v, args)))
		goto out;
	/* A benchmark, or "<bench>:<metric>" (views/history.h). */
	if (history_name_exists(&known, &v.session->view, args->args[0])) {
		rc = setup_fail(EXIT_TOOL, "history: cannot read the store");
		goto out;
	}
	if (!known) {
		rc = setup_fail(EXIT_INVALID, "history: no benchmark %s has been measured",
				args->args[0]);
		goto out;
	}
	rc = history_tip(tip, &v.session->view);
	/* Without the branch the history is empty, but still a CSV or an SVG. */
	if (rc == 0 || rc == -ENOENT)
		rc = history_render(&text, &len, &v.session->view, rc ? NULL : tip, args->args[0],
				    format);
	rc = rc ? setup_fail(EXIT_TOOL, "history: %s", strerror(-rc)) : cli_write_out(text, len);
out:
	free(text);
	cli_views_close(&v);
	return rc;
}

const struct cli_command cli_compare = {
	.name = "compare",
	.summary = "print compare/<A>..<B>.md (or .json) as the mount shows it",
	.usage = "[options] [--format md|json] A B | A..B | REV/PARAM=X..PARAM=Y",
	.run = run_compare,
};

const struct cli_command cli_regressions = {
	.name = "regressions",
	.summary = "print the regressions file of the tracked branch",
	.usage = "[options]",
	.run = run_regressions,
};

const struct cli_command cli_history = {
	.name = "history",
	.summary = "print history/<BENCH>.csv (or .svg) of the tracked branch",
	.usage = "[options] [--format csv|svg] BENCH",
	.run = run_history,
};
