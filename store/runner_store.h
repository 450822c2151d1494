/* Store functions for the runner's measurement loop (issue 5), beside
 * store.h: the lead may fold them into it. */
#ifndef BENCHFS_STORE_RUNNER_STORE_H
#define BENCHFS_STORE_RUNNER_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* n measured iterations of a run in one transaction, all or none: a burst
 * of fast iterations costs one commit, not one each. n == 0 is STORE_OK. */
int store_iterations_add(struct store *store, int64_t run_id, const struct store_iteration *its,
			 size_t n);

#endif
