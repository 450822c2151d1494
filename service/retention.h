/* Retention: pruning old runs by the configuration's "retain" policy
 * (config/retain.h). The runner's idle hook, last of the chain: it runs
 * only when nothing is queued or measured, at most once per "every", and
 * stops between two batches as soon as a run is queued (the rest waits for
 * the next idle moment). A batch is one transaction (its runs' summaries
 * written, their iterations deleted); the runs' debug.log and perf data
 * are deleted after it commits, and any a crash left behind of a summarized
 * run are deleted by the next pass. It queues nothing. */
#ifndef BENCHFS_SERVICE_RETENTION_H
#define BENCHFS_SERVICE_RETENTION_H

#include <stddef.h>

#include "views/context.h"

struct retention;

/* *out NULL (and 0) when settings->config has no "retain" section: nothing
 * is pruned. Else 0, or -1 with a message in err. */
int retention_open(struct retention **out, const struct view_settings *settings, char *err,
		   size_t errsize);
/* The runner's on_idle hook: a pass when one is due; returns 0 (it never
 * queues runs). Failures are logged. */
size_t retention_next(void *retention);
void retention_free(struct retention *retention);

/* For tests only: BENCHFS_TEST_RETAIN_PAUSE_MS, a pause in milliseconds
 * after each batch (so that a test can kill the daemon in the middle of a
 * pass). Read once, by retention_open; never set it in production. */
#define RETENTION_TEST_PAUSE_ENV "BENCHFS_TEST_RETAIN_PAUSE_MS"

#endif
