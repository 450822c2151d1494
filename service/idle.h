/* The daemon's idle work: the runner has one on_idle hook (the Slurm
 * dispatcher calls the same chain when none of its jobs is queued or under
 * way), and several services (settling suspected regressions, bisecting,
 * pruning) want the moment when nothing is being measured. The chain calls
 * them in the order they were added until one queues runs: a service that
 * queued something lets the runner measure it before the next one looks
 * (its work may depend on the result), and pruning never runs while runs
 * are waiting. */
#ifndef BENCHFS_SERVICE_IDLE_H
#define BENCHFS_SERVICE_IDLE_H

#include <stdbool.h>
#include <stddef.h>

struct store;

#define IDLE_CHAIN_MAX 8

struct idle_chain {
	size_t (*fn[IDLE_CHAIN_MAX])(void *ctx);
	void *ctx[IDLE_CHAIN_MAX];
	size_t n;
};

/* Add fn (skipped when NULL, so an optional service passes its hook as it
 * is): 0, or -ENOSPC when the chain is full. */
int idle_chain_add(struct idle_chain *chain, size_t (*fn)(void *ctx), void *ctx);
/* The runner's (and the dispatcher's) on_idle: call each hook in order until one returns non-zero
 * (the runs it queued), and return that. */
size_t idle_chain_run(void *chain);
/* Whether a job is queued or under way: a long piece of idle work (a
 * backfill, pruning) stops between batches when someone queued one. A
 * store failure reads as none waiting. */
bool idle_jobs_waiting(struct store *store);

#endif
