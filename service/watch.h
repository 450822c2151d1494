/* Watching branches: a thread of the daemon's own fetches each branch of
 * the "watch" section (config/watch.h) when it is due and queues its new
 * first-parent commits since the tip it queued last, oldest first: at most
 * max_per_fetch of them, spread over the new ones with the newest always
 * among them, and of a longer run only every every_nth and the newest. The
 * first fetch of a branch queues its tip only; a rewritten history (the tip
 * queued last no longer an ancestor) is reported and queues the new tip
 * only. A failed fetch is retried with a backoff doubling up to the
 * interval, logged when its reason changes, and touches neither the queue
 * nor the runs. What each branch's last fetch did is kept in the store
 * (store_watch_*) and shown by the watch file (views/watch_file.h).
 *
 * A kill during a fetch loses nothing: the tip is recorded after its
 * commits are queued, and a commit that has a run already is not queued
 * again, so the fetch after a restart queues what was missing. */
#ifndef BENCHFS_SERVICE_WATCH_H
#define BENCHFS_SERVICE_WATCH_H

#include <stddef.h>

#include "runner/runner.h"
#include "views/context.h"

struct watch;

/* Start the thread for settings->config->watch with a store handle and a
 * repository of its own; runner (may be NULL) is woken after each queueing.
 * *out is NULL when nothing is watched. 0, or -1 with a message in err. */
int watch_start(struct watch **out, const struct view_settings *settings, struct runner *runner,
		char *err, size_t errsize);
/* Stop it (a fetch under way ends first, bounded by repo/fetch.h's limits)
 * and free it; NULL is fine. Before the runner is stopped. */
void watch_stop(struct watch *watch);

#endif
