/* The daemon's own A/B jobs: when the queue is empty, queue the next job that
 * settles a regression the history suspects (regressions.h). It works on the
 * runner's thread with a store handle and repository of its own. */
#ifndef BENCHFS_FS_CONFIRM_H
#define BENCHFS_FS_CONFIRM_H

#include <stdbool.h>
#include <stddef.h>

struct confirm;

struct confirm_options {
	const char *repo_path;
	const char *data_dir;
	const char *config_json; /* what the queued jobs measure with */
	const char *branch;      /* full name of the tracked branch; NULL: none */
	double alpha, threshold;
	bool threshold_auto;
};

/* 0, or -1 with a message in err. */
int confirm_open(struct confirm **out, const struct confirm_options *opts, char *err,
		 size_t errsize);
/* The runner's on_idle hook: queue at most one job; returns how many runs it
 * queued (0 or 2). A failure is logged to stderr and queues nothing. */
size_t confirm_next(void *confirm);
void confirm_free(struct confirm *confirm);

#endif
