/* The daemon's own A/B jobs: when the queue is empty, queue the next job that
 * settles a regression the history suspects (views/regressions.h). It works on the
 * runner's thread with a store handle and repository of its own. */
#ifndef BENCHFS_SERVICE_CONFIRM_H
#define BENCHFS_SERVICE_CONFIRM_H

#include <stddef.h>

#include "views/context.h"

struct confirm;

/* 0, or -1 with a message in err. The jobs are queued with
 * opts->config_json. */
int confirm_open(struct confirm **out, const struct view_settings *opts, char *err,
		 size_t errsize);
/* The runner's on_idle hook: queue at most one job; returns how many runs it
 * queued (0 or 2). A failure is logged to stderr and queues nothing. */
size_t confirm_next(void *confirm);
void confirm_free(struct confirm *confirm);

#endif
