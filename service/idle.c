/* The daemon's idle work, in order (service/idle.h). */
#include "service/idle.h"

#include <errno.h>

#include "store/store.h"

int idle_chain_add(struct idle_chain *chain, size_t (*fn)(void *ctx), void *ctx)
{
	if (!fn)
		return 0;
	if (chain->n == IDLE_CHAIN_MAX)
		return -ENOSPC;
	chain->fn[chain->n] = fn;
	chain->ctx[chain->n] = ctx;
	chain->n++;
	return 0;
}

size_t idle_chain_run(void *ctx)
{
	struct idle_chain *chain = ctx;
	for (size_t i = 0; i < chain->n; i++) {
		size_t queued = chain->fn[i](chain->ctx[i]);
		if (queued)
			return queued;
	}
	return 0;
}

bool idle_jobs_waiting(struct store *store)
{
	struct store_run *pending = NULL;
	size_t n = 0;
	if (store_runs_pending(store, &pending, &n))
		return false;
	store_runs_free(pending, n);
	return n > 0;
}
