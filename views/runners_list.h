/* The content of `runners`: the runners registered in the store, the one
 * daemon of a SQLite store, or a fleet's sharing a PostgreSQL one. */
#ifndef BENCHFS_VIEWS_RUNNERS_LIST_H
#define BENCHFS_VIEWS_RUNNERS_LIST_H

#include "store/store.h"

/* Tab-separated lines, one per runner, ordered by name (byte order,
 * whichever the engine): name, labels ("a,b"; "-" when none), the job it
 * holds (the run as runs/ names it, the first side of an A/B job; "-" when
 * none), its last heartbeat (UTC, ISO 8601 to the second), host ("-" when
 * unknown) and pid. No header, as in `queue`.
 * Everything comes from the store (no age computed from the clock), so the
 * text changes only when the store does. Names and hosts are escaped as log
 * lines are (util/log.h): a line stays one line of six fields. malloc'd in
 * *out: 0, -ENOMEM, or -EIO when the store cannot be read. */
int runners_list_text(char **out, struct store *store);

#endif
