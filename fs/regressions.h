/* The regressions file, and the A/B jobs that settle what the history
 * suspects.
 *
 * The history's own test (history.h) lists a step when it is significant in
 * the runs' means; on a machine whose load comes and goes that takes large
 * steps, so the history also suspects steps in the runs' minimums at a looser
 * level. A suspect is settled by interleaved A/B jobs, which pairing makes
 * robust to that load: one job of the commits around it (slower confirms
 * it, anything else dismisses it), then jobs that halve the range until one
 * commit is left. A job's verdict outranks the history's line for that step.
 * The daemon queues the next job when it is idle (confirm.h). */
#ifndef BENCHFS_FS_REGRESSIONS_H
#define BENCHFS_FS_REGRESSIONS_H

#include "store.h"
#include "views.h"

/* The regressions file for the branch at tip ("" when there is none). */
int regressions_render(char **text, const struct view_ctx *ctx, const char *tip);

/* The next A/B job that would settle a suspected regression of the branch at
 * tip and that was never queued (commit a against commit b, newest suspect
 * first); -ENOENT when there is none. */
int regressions_next_job(char a[STORE_HASH_LEN + 1], char b[STORE_HASH_LEN + 1],
			 const struct view_ctx *ctx, const char *tip);

#endif
