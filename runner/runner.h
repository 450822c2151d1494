/* The runner: one worker thread that takes queued runs in order, one at a
 * time (parallel runs would ruin each other's timings), and measures them. */
#ifndef BENCHFS_RUNNER_RUNNER_H
#define BENCHFS_RUNNER_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct runner;

struct runner_options {
	const char *repo_path; /* the git repository */
	const char *data_dir;  /* holds benchfs.db, logs/ and work/ */
	/* Called from the worker thread after a run changes state, so the
	 * file system can drop what the kernel caches. May be NULL. */
	void (*on_change)(void *ctx, int64_t run_id);
	/* Called from the worker thread when the queue is empty, before it
	 * sleeps: it may queue follow-up runs (the confirmation of a suspected
	 * regression) and returns how many it queued. May be NULL. */
	size_t (*on_idle)(void *idle_ctx);
	void *ctx;      /* on_change's */
	void *idle_ctx; /* on_idle's */
	/* Labels of this machine a job may ask for ("a,b"; NULL: only those
	 * benchfs finds itself: the architecture and cores=N). */
	const char *labels;
	/* How long a claimed job stays this runner's without a heartbeat
	 * (0: 30 s): after it, another runner may run it again. */
	int64_t lease_ms;
	/* Only these jobs (by their first run's id), never another queued one
	 * (benchfs run on a shared store measures what it queued). NULL: any. */
	const int64_t *only;
	size_t nonly;
	/* Claim the first of only once, measure it and stop (benchfs run --job):
	 * runner_done tells when. */
	bool once;
	/* The name to run under (NULL: "host:data directory"). A dispatcher's
	 * name for the job ("slurm:<jobid>"): the job it holds is claimed, and
	 * neither the start nor the stop queues its runs again: the dispatcher
	 * records how the job ended when the process does not. */
	const char *name;
};

/* Recover runs a previous daemon left unfinished (logging it in their
 * debug.log and queueing them again), then start the worker. Returns 0, or a
 * negative errno (the store's as store_errno() maps it, the repository's,
 * benchfs-spawner's, -ENOMEM) with the message in err. */
int runner_start(struct runner **out, const struct runner_options *opts, char *err,
		 size_t errsize);
/* The name a runner of data_dir on this machine takes unless given one
 * ("host:data directory": one machine may run one per data directory). */
void runner_default_name(char *buf, size_t size, const char *data_dir);
/* The runner's name among those sharing the store ("host:data directory"). */
const char *runner_name(const struct runner *runner);
/* A once runner's worker has ended: true, with *claimed whether it claimed
 * its job and, when not, why in why. */
bool runner_done(struct runner *runner, bool *claimed, char *why, size_t whysize);
/* Tell the worker that new runs are queued. */
void runner_wake(struct runner *runner);
/* Stop the worker: a run in progress is interrupted (its processes killed)
 * and queued again. Frees the runner. */
void runner_stop(struct runner *runner);


#endif
