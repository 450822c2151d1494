/* Keeping the views of the whole history current: when the runner is idle
 * and the results or the branch tip moved, describe the runs that finished
 * (store_run_describe: what the history files read instead of their
 * samples) and compute the regressions file (and with it the history plots'
 * change marks) once and keep it (views/kept.h), so that readers -- CI on
 * every push -- find it computed.
 * It works on the runner's thread with a store handle and repository of its
 * own, with the settings the mount's views use. */
#ifndef BENCHFS_SERVICE_KEEPER_H
#define BENCHFS_SERVICE_KEEPER_H

#include <stddef.h>

#include "views/context.h"

struct keeper;

/* 0, or -1 with a message in err. */
int keeper_open(struct keeper **out, const struct view_settings *settings, char *err,
		size_t errsize);
/* The runner's on_idle hook: queues nothing (returns 0). A failure is
 * logged and tried again at the next change. */
size_t keeper_next(void *keeper);
void keeper_free(struct keeper *keeper);
/* One pass on view's store for the branch at tip: describe the runs
 * finished since the last (store_run_describe), then compute and keep the
 * regressions file. 0, 1 when it stopped for a job someone queued
 * meanwhile, or a negative errno. */
int keeper_pass(const struct view_ctx *view, const char *tip);

#endif
