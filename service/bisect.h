/* The daemon's bisections (views/bisect.h): when the queue is empty and no
 * suspect waits for its A/B job (confirm comes first in the idle chain),
 * start a bisection for each confirmed step whose range holds commits never
 * benchmarked, and queue the next run one of them needs: a solo run of a
 * midpoint, or the A/B job that verifies the culprit. Their runs' revision
 * is "bisect/<id>" (store.h), so the history and the sweep never see them.
 * It works on the runner's thread with a store handle and repository of its
 * own. */
#ifndef BENCHFS_SERVICE_BISECT_H
#define BENCHFS_SERVICE_BISECT_H

#include <stddef.h>

#include "views/context.h"

struct bisector;

/* 0, or -1 with a message in err. max_runs caps the midpoints' runs of
 * each bisection. New bisections take the configuration of their bad end's
 * run (opts->config_json when it has none). */
int bisector_open(struct bisector **out, const struct view_settings *opts, int max_runs,
		  char *err, size_t errsize);
/* The runner's on_idle hook: queue at most one step of one bisection;
 * returns how many runs it queued (0, 1 or 2). A failure is logged. */
size_t bisector_next(void *bisector);
void bisector_free(struct bisector *bisector);

#endif
