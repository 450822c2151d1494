/* benchfs cancel ID...: a queued job, or one being measured, fails with
 * detail "cancelled" (both sides of an A/B job). The runner measuring it
 * finds out at its next heartbeat and stops it, recording nothing more; a
 * dispatcher cancels the job's Slurm job when it sees it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/internal.h"
#include "store/fleet.h"
#include "store/paths.h"
#include "store/store.h"
#include "util/runid.h"

int cli_job_id(int64_t *id, const char *text)
{
	char *end;
	long long value;
	*id = 0;
	if (!strncmp(text, "run-", 4))
		text += 4;
	if (*text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	value = strtoll(text, &end, 10);
	if (errno || *end || value <= 0)
		return -EINVAL;
	*id = value;
	return 0;
}

static int run_cancel(const struct cli_args *args)
{
	struct setup s = {0};
	struct store *store = NULL;
	int64_t ids[CLI_ARGS_MAX];
	char path[4096];
	struct stat st;
	int rc, result = EXIT_OK;
	if (!args->nargs)
		return setup_fail(EXIT_INVALID, "cancel: give the jobs to cancel (their run ids, as"
						" in runs/)");
	for (size_t i = 0; i < args->nargs; i++)
		if (cli_job_id(&ids[i], args->args[i]))
			return setup_fail(EXIT_INVALID, "cancel: %s is not a run id", args->args[i]);
	if ((rc = setup_open(&s, &args->paths))) {
		result = rc;
		goto out;
	}
	/* Never creates a store: there would be nothing in it to cancel. */
	if (store_path_db(path, sizeof(path), s.data_dir) ||
	    (!store_path_is_database(path) && stat(path, &st))) {
		result = setup_fail(EXIT_INVALID, "cancel: no store in %s", s.data_dir);
		goto out;
	}
	if (store_open(&store, path, STORE_SYNC_FULL)) {
		result = setup_fail(EXIT_TOOL, "store %s: %s", path, store_errmsg(store));
		goto out;
	}
	for (size_t i = 0; i < args->nargs; i++) {
		int64_t *cancelled = NULL;
		size_t n = 0;
		rc = store_run_cancel(store, ids[i], &cancelled, &n);
		if (rc == STORE_NOTFOUND) {
			setup_fail(EXIT_INVALID, "cancel: %s", store_errmsg(store));
			if (result == EXIT_OK)
				result = EXIT_INVALID;
			continue;
		}
		if (rc) {
			result = setup_fail(EXIT_TOOL, "cancel: run " RUNID_DIR_FMT ": %s",
					    (long long)ids[i], store_errmsg(store));
			continue;
		}
		for (size_t k = 0; k < n; k++)
			printf(RUNID_DIR_FMT "\tcancelled\n", (long long)cancelled[k]);
		free(cancelled);
	}
	if (fflush(stdout))
		result = setup_fail(EXIT_TOOL, "standard output: %s", strerror(errno));
out:
	store_free(store);
	setup_clear(&s);
	return result;
}

const struct cli_command cli_cancel = {
	.name = "cancel",
	.summary = "cancel queued or running jobs: they fail with detail \"cancelled\"",
	.usage = "[options] ID...",
	.run = run_cancel,
};
