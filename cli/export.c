/* benchfs export: a run's numbers or a comparison's verdicts in a format
 * another tool reads (views/export.h), on standard output. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/internal.h"
#include "util/runid.h"
#include "views/compare.h"
#include "views/export.h"
#include "views/sides.h"

/* Why name has no finished run to export (cli_side_unfinished), or -1. */
static int why_no_run(struct cli_views *v, const char *name)
{
	struct side_ref ref;
	int rc = side_resolve(&ref, &v->session->view, name);
	if (rc == -ENOENT && !ref.commit[0])
		return setup_fail(EXIT_INVALID, "export: %s names no finished run, baseline or"
						" revision",
				  name);
	if (rc && rc != -ENOENT)
		return setup_fail(EXIT_TOOL, "export: %s: %s", name, strerror(-rc));
	return cli_side_unfinished(v, "export", name, &ref);
}

/* The exit status of a -ENOENT from export_render, after its message. */
static int no_run(struct cli_views *v, const char *what, const char *err)
{
	enum compare_format format;
	char *name = NULL, *a = NULL, *b = NULL;
	int rc = -1;
	if (!strstr(what, "..")) {
		rc = why_no_run(v, what);
	} else if (asprintf(&name, "%s.json", what) >= 0 &&
		   compare_parse_name(&a, &b, &format, name) == 0) {
		if ((rc = why_no_run(v, a)) < 0)
			rc = why_no_run(v, b);
	}
	free(name);
	free(a);
	free(b);
	/* Both sides have finished runs, but not on this host. */
	return rc >= 0 ? rc : setup_fail(EXIT_INVALID, "export: %s", err);
}

static int run_export(const struct cli_args *args)
{
	struct cli_views v;
	enum export_format format;
	char err[1024], *text = NULL;
	size_t len = 0;
	int rc;
	if (!args->format)
		return setup_fail(EXIT_INVALID, "export: give --format bmf|gab|gab-bigger|junit|csv|md");
	if (export_format_parse(&format, args->format))
		return setup_fail(EXIT_INVALID, "export: --format is bmf, gab, junit, csv or md, not %s",
				  args->format);
	if (args->nargs != 1)
		return setup_fail(EXIT_INVALID, "export: give one %s",
				  export_format_compares(format) ? "A..B" : "revision or run");
	if ((rc = cli_views_open(&v, args)))
		goto out;
	rc = export_render(&text, &len, &v.session->view, args->args[0], format, err, sizeof(err));
	if (rc == -ENOENT)
		rc = no_run(&v, args->args[0], err);
	else if (rc == -EINVAL)
		rc = setup_fail(EXIT_INVALID, "export: %s", err);
	else if (rc)
		rc = setup_fail(EXIT_TOOL, "export: %s", err);
	else
		rc = cli_write_out(text, len);
out:
	free(text);
	cli_views_close(&v);
	return rc;
}

const struct cli_command cli_export = {
	.name = "export",
	.summary = "print REV's newest run as bmf, gab, csv or md, or A..B as junit",
	.usage = "[options] --format bmf|gab|gab-bigger|csv|md REV\n"
		 "       benchfs export [options] --format junit A..B",
	.run = run_export,
};
