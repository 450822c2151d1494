/* The tracked branch's history: history/<bench>.csv and .svg, and the
 * regressions file (change points along first-parent history). */
#ifndef BENCHFS_FS_HISTORY_H
#define BENCHFS_FS_HISTORY_H

#include "store.h"
#include "views.h"

/* The commit the tracked branch points at now, into tip[41]; -ENOENT when the
 * branch does not exist. Part of a history view's identity: when the branch
 * moves, the views are new files. */
int history_tip(char *tip, const struct view_ctx *ctx);

enum history_format { HISTORY_CSV, HISTORY_SVG };

/* history/<bench>.csv or .svg for the branch at tip (NULL: no branch, an
 * empty history). *text malloc'd. */
int history_render(char **text, size_t *len, const struct view_ctx *ctx, const char *tip,
		   const char *bench, enum history_format format);
/* The regressions file for the branch at tip ("" when there is none). */
int regressions_render(char **text, const struct view_ctx *ctx, const char *tip);

#endif
