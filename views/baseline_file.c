/* The text of baselines/<name> (baseline_file.h). */
#include <errno.h>
#include <stdio.h>

#include "util/runid.h"
#include "views/baseline_file.h"

int baseline_file_render(char **text, const struct view_ctx *ctx, const char *name)
{
	struct store_baseline b;
	char run[32] = "-";
	int64_t id;
	int rc = store_baseline_get(ctx->store, &b, name);
	if (rc)
		return store_errno(rc);
	if ((rc = store_commit_latest_done(ctx->store, &id, b.commit)) == STORE_OK)
		runid_dir_name(run, sizeof(run), id);
	else if (rc != STORE_NOTFOUND)
		return -EIO;
	return asprintf(text, "%s %s\n", b.commit, run) < 0 ? -ENOMEM : 0;
}
