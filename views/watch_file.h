/* The watch file: per watched branch, what the watcher (service/watch.h)
 * last did, from the store's watch state. One block per branch, in the
 * configuration's order, blocks separated by a blank line:
 *
 *	origin main
 *		last fetch: 2026-11-30T15:40:02Z
 *		result: ok
 *		last queued: <full hash of the tip last queued>
 *		queued by that fetch: 3
 *		next fetch: 2026-11-30T16:10:02Z
 *		last error: 2026-11-30T14:10:00Z <the error>
 *
 * Times are UTC; "never", "none" where nothing happened yet; errors are one
 * line, escaped as log lines are. Without a "watch" section the file is one
 * line saying so. */
#ifndef BENCHFS_VIEWS_WATCH_FILE_H
#define BENCHFS_VIEWS_WATCH_FILE_H

#include "config/watch.h"
#include "store/store.h"

/* Render it into *text (malloc'd) for w (NULL: nothing watched). 0, or a
 * negative errno (the store logged its failure). */
int watch_file_render(char **text, struct store *store, const struct watch_config *w);

#endif
