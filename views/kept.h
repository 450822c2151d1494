/* Kept views: a view whose answer needs the whole history (regressions, the
 * change marks of the history plots) is computed once per change of the
 * results and stored with the results change number it was computed at
 * (store_view_get/put), so that reading it costs a lookup, also after a
 * restart. Its key names the view, the branch tip and every setting of the
 * view context the answer depends on. */
#ifndef BENCHFS_VIEWS_KEPT_H
#define BENCHFS_VIEWS_KEPT_H

#include <stddef.h>
#include <stdint.h>

#include "views/context.h"

/* The key of view for the branch at tip (NULL: none), malloc'd; NULL when
 * memory runs out. */
char *kept_view_key(const struct view_ctx *ctx, const char *view, const char *tip);

/* The kept text of view at the current results change number: 0 with *text
 * (malloc'd, terminated) and *len; -ENOENT when none is kept (then *seq is
 * the number to keep a freshly computed text at, -1 when it could not be
 * read: keep nothing); other negative errnos on failure. */
int kept_view_get(char **text, size_t *len, int64_t *seq, const struct view_ctx *ctx,
		  const char *view, const char *tip);
/* Keep text as view's at seq (from kept_view_get). A failure is logged by
 * the store and otherwise ignored: the view is computed again next time. */
void kept_view_put(const struct view_ctx *ctx, const char *view, const char *tip, int64_t seq,
		   const char *text, size_t len);

#endif
