/* The content of `queue`: one line per pending or running job. */
#ifndef BENCHFS_VIEWS_QUEUE_LIST_H
#define BENCHFS_VIEWS_QUEUE_LIST_H

#include "store/store.h"

/* Tab-separated lines, oldest first: run, revision as written, commit,
 * status, the A/B job the run is a side of ("a/b 000001..000002" on both
 * its lines, A's run first; "-" when none), the labels a runner needs to
 * take it ("a,b"; "-" for any runner), and the runner holding it (its name
 * as `runners` lists it; "-" when none). New fields go last, so cut -f1-4
 * and cut -f1-5 read what they read before. malloc'd in *out: 0, -ENOMEM,
 * or -EIO when the store cannot be read. */
int queue_list_text(char **out, struct store *store);

#endif
