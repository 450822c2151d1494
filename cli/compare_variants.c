/* benchfs compare REV/<param>=<x>..<param>=<y>: the bytes of the mount's
 * compare/<REV>/<param>=<x>..<param>=<y>.md (or .json). The argument is the
 * mount's path below compare/, so no option is needed and the two name a
 * file alike; split at its last '/', REV may hold '/' here (a branch
 * feature/x), which the mount's directory names cannot. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/internal.h"
#include "views/compare_variants.h"
#include "views/sides.h"

int cli_compare_variants(const struct cli_args *args, enum compare_format format)
{
	const char *arg = args->nargs == 1 ? args->args[0] : NULL;
	const char *slash = arg ? strrchr(arg, '/') : NULL;
	char *name = NULL, *param = NULL, *x = NULL, *y = NULL, *rev = NULL, *text = NULL;
	enum compare_format ignored;
	struct cli_views v = {0};
	struct side_ref ref;
	bool opened = false;
	int rc;
	if (!slash || slash == arg)
		return 1;
	if (asprintf(&name, "%s.md", slash + 1) < 0)
		return setup_fail(EXIT_TOOL, "out of memory");
	rc = compare_variants_parse_name(&param, &x, &y, &ignored, name);
	free(name);
	if (rc == -ENOENT)
		return 1;
	if (rc || !(rev = strndup(arg, (size_t)(slash - arg)))) {
		rc = setup_fail(EXIT_TOOL, "out of memory");
		goto done;
	}
	if ((rc = cli_views_open(&v, args)))
		goto done;
	opened = true;
	rc = side_resolve(&ref, &v.session->view, rev);
	if (rc == -ENOENT) {
		rc = setup_fail(EXIT_INVALID, "compare: %s names no finished run, baseline or revision",
				rev);
		goto done;
	}
	if (rc == 0)
		rc = compare_variants_render(&text, &v.session->view, rev, &ref, param, x, y, format);
	if (rc == -ENOENT) {
		/* The revision's newest run failed or is not done, else no benchmark has both values. */
		if ((rc = cli_side_unfinished(&v, "compare", rev, &ref)) < 0)
			rc = setup_fail(EXIT_INVALID,
					"compare: %s: no benchmark of %s's runs has %s=%s, or none %s=%s",
					slash + 1, rev, param, x, param, y);
	} else if (rc) {
		rc = setup_fail(EXIT_TOOL, "compare: %s: %s", arg, strerror(-rc));
	} else {
		rc = cli_write_out(text, strlen(text));
	}
done:
	free(param);
	free(x);
	free(y);
	free(rev);
	free(text);
	if (opened)
		cli_views_close(&v);
	return rc;
}
