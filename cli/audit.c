/* benchfs audit: the bundle of a comparison (views/audit.h), the bytes of
 * the mount's audit/<A>..<B>.tar, into a file or onto standard output. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/internal.h"
#include "views/audit.h"
#include "views/sides.h"

/* Why a resolved pair has no bundle: a side unfinished, failed, never
 * measured, or measured on another host only. */
static int no_bundle(struct cli_views *v, const char *const names[2],
		     const struct side_ref refs[2], const char *err)
{
	for (int i = 0; i < 2; i++) {
		int rc = cli_side_unfinished(v, "audit", names[i], &refs[i]);
		if (rc >= 0)
			return rc;
	}
	return setup_fail(EXIT_INVALID, "audit: %s", err);
}

/* Write the bundle to path ("-": standard output); on failure no partial
 * file is left behind. */
static int write_bundle(const char *path, const char *data, size_t len)
{
	FILE *f;
	if (strcmp(path, "-") == 0)
		return cli_write_out(data, len);
	if (!(f = fopen(path, "wb")))
		return setup_fail(EXIT_TOOL, "audit: %s: %s", path, strerror(errno));
	if (fwrite(data, 1, len, f) != len || fclose(f)) {
		int err = errno;
		unlink(path);
		return setup_fail(EXIT_TOOL, "audit: %s: %s", path, strerror(err));
	}
	return 0;
}

static int run_audit(const struct cli_args *args)
{
	struct cli_views v;
	struct side_ref refs[2];
	const char *names[2], *out = args->out ? args->out : "-";
	char *owned = NULL, *data = NULL, err[1024];
	size_t len = 0;
	int rc;
	if ((rc = cli_compare_sides(&names[0], &names[1], &owned, "audit", args)))
		return rc;
	/* A tar on a terminal is noise: a file, or a pipe, must take it. */
	if (strcmp(out, "-") == 0 && isatty(STDOUT_FILENO)) {
		free(owned);
		return setup_fail(EXIT_INVALID, "audit: give -o FILE (or redirect standard output)");
	}
	if ((rc = cli_views_open(&v, args)))
		goto out;
	for (int i = 0; i < 2; i++) {
		rc = side_resolve(&refs[i], &v.session->view, names[i]);
		if (rc == -ENOENT) {
			rc = setup_fail(EXIT_INVALID,
					"audit: %s names no finished run, baseline or revision",
					names[i]);
			goto out;
		}
		if (rc) {
			rc = setup_fail(EXIT_TOOL, "audit: %s: %s", names[i], strerror(-rc));
			goto out;
		}
	}
	rc = audit_render(&data, &len, &v.session->view, names[0], &refs[0], names[1], &refs[1],
			  err, sizeof(err));
	if (rc == -ENOENT)
		rc = no_bundle(&v, names, refs, err);
	else if (rc)
		rc = setup_fail(EXIT_TOOL, "audit: %s", err);
	else
		rc = write_bundle(out, data, len);
out:
	free(data);
	free(owned);
	cli_views_close(&v);
	return rc;
}

const struct cli_command cli_audit = {
	.name = "audit",
	.summary = "write A..B's audit bundle (a tar: samples, runs, compare, SLOs, manifest)",
	.usage = "[options] [-o FILE|-] A..B\n"
		 "       benchfs audit [options] [-o FILE|-] A B",
	.run = run_audit,
};
