/* A job being executed: the runner's state, the run(s) of a job and the
 * steps the job loop (runner.c), the job's steps (job_steps.c), its end
 * (job_record.c) and the A/B stopping rule (pairs.c) share. Internal to
 * runner/. */
#ifndef BENCHFS_RUNNER_INTERNAL_H
#define BENCHFS_RUNNER_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "repo/repo.h"
#include "runner/measure.h"
#include "runner/result.h"
#include "runner/runlog.h"
#include "runner/runner.h"
#include "spawner/spawner.h"
#include "store/store.h"

struct runner {
	struct runner_options opts;
	char *repo_path, *data_dir;
	struct store *store;
	struct repo *repo;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool wake, stop;
	int cancel_pipe[2]; /* written at stop or when the lease is lost: interrupts the job */
	struct spawner *spawner; /* spawns children outside our address space (peak RSS) */
	/* Among the runners sharing the store (runner/lease.c). */
	char name[4352];    /* host:data directory */
	char labels[1024];  /* normalised */
	int64_t lease_ns;
	int64_t current;    /* under lock: the job's first run id, 0 when idle */
	bool lease_lost;    /* under lock: current is another runner's now */
	struct store *keeper_store;
	pthread_t keeper;
	pthread_cond_t keeper_cond;
	bool keeper_started;
	/* under lock: a once runner's worker ended, whether it claimed its job
	 * and, when not, why. */
	bool done, claimed;
	char claim_error[512];
};

/* r->stop, read under the lock: the worker and the keeper end their loops. */
bool runner_stopping(struct runner *r);
/* runner/lease.c: the runner's name and labels (configured: the admin's,
 * "a,b"), then the keeper thread. 0, or a negative errno with err. */
int runner_identity(struct runner *r, const char *configured, char *err, size_t errsize);
int runner_keeper_start(struct runner *r, char *err, size_t errsize);
/* Joins the keeper (r->stop must be set) and takes the runner off the list. */
void runner_keeper_stop(struct runner *r);

/* One run of a job: a job is one run, or the two runs (A, B) of an
 * interleaved A/B line. */
struct side {
	const struct store_run *run;
	struct runlog *log;
	char workdir[4096];
	char artifacts[4096];
	char **envp;
	struct result_bench *benches; /* one per benchmark, filled as they end */
	struct measure_calibration *cals; /* one per benchmark: its first round's */
	char failure[1024];           /* why it failed, for status */
	bool ended;                   /* its end is recorded in the store */
};

struct job {
	struct runner *runner;
	struct config *config;
	const char *host_json; /* system.json of this attempt, as stored */
	struct side sides[2];
	size_t nsides;
	bool cancelled;
	/* It failed for a reason of benchfs's own (the store could not be
	 * written, benchfs-spawner died): the run is queued again rather than
	 * failed, up to RUNNER_ATTEMPTS_MAX attempts. */
	bool interrupted;
};

/* How many attempts a run gets when benchfs itself keeps failing it (a
 * benchmark that kills benchfs-spawner, a store that fails each time): the
 * last one fails for good. */
#define RUNNER_ATTEMPTS_MAX 3

/* Every side fails: the one at fault with its reason, the other naming it. */
void job_fail(struct job *job, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The same, for a failure of benchfs's own: the job is interrupted. */
void job_interrupt(struct job *job, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One round of benchmark i on every side: its first (round 0), or an extra
 * round of an A/B job adding `pairs` pairs. 0, or -1 with the job failed or
 * cancelled. */
int bench_round(struct job *job, size_t i, int round, int pairs, const char *tmp, int nperf);

/* After every benchmark of an A/B job had its first round: add pairs until
 * each is decided or capped (pairs.c). 0, or -1 with the job failed
 * or cancelled. */
int job_add_pairs(struct job *job, const char *tmp, int nperf);

/* Tells the file system a run changed state (runner.c). */
void runner_notify(struct runner *r, int64_t run_id);

/* job_steps.c: the daemon's environment plus BENCHFS_COMMIT, which
 * benchmarks see too (NULL: out of memory), and its release. */
char **make_env(const char *commit);
void free_env(char **envp);
/* The build of one side, output to its log; then the identity of what it
 * built (its configured artifacts hashed, logged and stored); then every
 * benchmark, in order, for every side, and an A/B job's extra pairs. Each
 * 0, or -1 with the job failed (or cancelled). */
int do_build(struct job *job, size_t s);
int build_identity(struct job *job, size_t s);
int do_benchmarks(struct job *job);

/* job_record.c: a side's end in the store and its log (0, or -1 when the
 * store could not record it: the run must be queued again); and the end of
 * a job that measured everything (0 every end recorded; -1 the job failed,
 * nothing recorded; 1 the store could not record an end). */
int job_finish(struct job *job, size_t s, enum run_state state, const char *detail,
	       const char *result_json);
int job_finish_done(struct job *job);
/* The side's debug.log closed (it may be NULL). On a shared store, a side
 * whose end was recorded then has its files copied into the store,
 * replacing any it had in one transaction, at most 256 MiB in all: which
 * fit is decided, and said in the log, before the log is closed; the copy
 * of the log is made after, so that it holds what the close writes (a
 * capped log's kept tail). */
void job_close_log(struct job *job, size_t s);

#endif
