/* The SQLite store: runs (which are also the queue) and their measured iterations.
 *
 * This is the only code that speaks SQL. Each thread opens its own handle;
 * SQLite's WAL mode lets one writer and many readers share the file. Every
 * write is one transaction.
 *
 * Errors: functions return STORE_OK or a negative store_error, whose values
 * lie below any errno so that neither is ever mistaken for the other.
 * store_errno() is the one mapping of them to negative errno values: every
 * caller that passes a store failure on (to FUSE, to write(2), up its own
 * stack) goes through it and keeps no table of its own. store_errmsg()
 * tells what went wrong with the last call. A failure of SQLite (and a call
 * the store refuses as malformed, or memory running out) is logged by the
 * store, once, with SQLite's message, where it happens: callers do not print
 * it again. Not logged: STORE_NOTFOUND and STORE_FULL (answers the caller
 * acts on), and store_open()'s failures (the caller reports those, with the
 * path, as it cannot go on). */
#ifndef BENCHFS_STORE_STORE_H
#define BENCHFS_STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

/* Far below -4095, the most negative errno a Linux system call returns. */
#define STORE_ERROR_BASE (-10000)

enum store_error {
	STORE_OK = 0,
	STORE_ERROR = STORE_ERROR_BASE - 1,    /* SQLite failed; see store_errmsg() (-EIO) */
	STORE_NOTFOUND = STORE_ERROR_BASE - 2, /* no such row (-ENOENT) */
	STORE_FULL = STORE_ERROR_BASE - 3,     /* the pending-job limit is reached (-EAGAIN) */
	STORE_VERSION = STORE_ERROR_BASE - 4,  /* the file's schema is newer than this
						  program (-EPROTONOSUPPORT) */
	STORE_NOSPACE = STORE_ERROR_BASE - 5,  /* the disk (or quota) holding the store is
						  full (-ENOSPC) */
	STORE_NOMEM = STORE_ERROR_BASE - 6,    /* out of memory (-ENOMEM) */
	STORE_BUSY = STORE_ERROR_BASE - 7,     /* the run is queued or running (-EBUSY) */
};

/* The negative errno for a store result: 0 for STORE_OK, each store code as
 * its comment above says, and a negative errno as it is (a walk's callback
 * below returns one through the store unchanged). Anything else is -EIO. */
int store_errno(int store_code);

enum store_sync {
	STORE_SYNC_FULL,   /* fsync every commit: survives power loss (queue writes) */
	STORE_SYNC_NORMAL, /* survives a crash of the process (progress updates) */
};

enum run_state { RUN_QUEUED, RUN_BUILDING, RUN_RUNNING, RUN_DONE, RUN_FAILED };

#define STORE_SCHEMA_VERSION 18
#define STORE_HASH_LEN 40

struct store_run {
	int64_t id;
	char *revision;                    /* as the user wrote it */
	char commit[STORE_HASH_LEN + 1];   /* full hex hash */
	enum run_state state;
	char *detail;    /* "<bench> <i>/<n>" while running; the reason when failed */
	int64_t seq;     /* store change number of the row's last change */
	int64_t created_ns, updated_ns, started_ns, finished_ns; /* Unix ns; 0 = not yet */
	int attempts;    /* how many times a daemon started this run */
	char *config;    /* configuration JSON this run uses (fixed when queued) */
	char *system;    /* system.json, NULL until the run starts */
	char *result;    /* result.json, NULL until done */
	char *host;      /* system.json's hostname; "" until the run starts */
	int64_t pair_id; /* the other side of an interleaved A/B job; 0 when none */
	/* Excluded from the computed views (store_run_exclude); the reason
	 * given, NULL when not excluded. */
	char *excluded_reason;
	int64_t excluded_ns; /* when it was excluded (Unix ns); 0 = not excluded */
	char *labels;        /* the labels a runner needs, "a,b"; "" for any */
	char *runner;        /* the runner holding it or that ran it; "" for none */
	int64_t lease_ns;    /* when the holder's lease runs out (Unix ns); 0 = none */
};

struct store_new_run {
	const char *revision;
	const char *commit;
	const char *config;
	/* This run and the next one of the same call are the two sides (A then
	 * B) of one interleaved job: each gets the other's id as pair_id. */
	bool paired_with_next;
	/* The labels a runner must have to claim it, "a,b" (NULL: any runner). */
	const char *labels;
};

struct store_iteration {
	const char *benchmark;
	int iteration; /* 1-based, measured iterations only */
	int64_t wall_ns, user_ns, sys_ns, maxrss_bytes;
	int exit_code, term_signal;
};

int store_open(struct store **out, const char *path, enum store_sync sync);
/* Whether PATH holds a store already (a SQLite file, a PostgreSQL database
 * with benchfs's schema), creating nothing; on an error ERR says why. */
int store_exists(bool *out, char *err, size_t errlen, const char *path);
void store_free(struct store *store);
const char *store_errmsg(const struct store *store);
const char *run_state_name(enum run_state state);

/* The SQLite library version in use. */
const char *store_sqlite_version(void);

/* The store's change number: it grows with every change to any run. */
int store_seq(const struct store *store, int64_t *out);

/* The change number of the last change to the results every computed
 * view (compare, history, regressions, baselines) is made of: a run finishing done, a
 * baseline pinned or removed. Progress of a running job does not move it.
 * changed_ns (may be NULL) receives when it last moved (0: never). */
int store_results_seq(struct store *store, int64_t *seq, int64_t *changed_ns);

/* Queue n runs in one transaction, all or none; ids_out receives their ids.
 * STORE_FULL when pending + n would exceed max_pending. */
int store_runs_queue(struct store *store, int64_t *ids_out, const struct store_new_run *runs,
		     size_t n, size_t max_pending);

int store_run_get(struct store *store, struct store_run *out, int64_t id);
/* The same without config, system, result, host and pair_id (empty, NULL,
 * NULL, "" and 0): cheap enough for every entry of a listing. */
int store_run_get_light(struct store *store, struct store_run *out, int64_t id);
void store_run_clear(struct store_run *run);
void store_runs_free(struct store_run *runs, size_t n);

/* How many runs there are. */
int store_run_count(struct store *store, size_t *n);
/* Whether an interleaved A/B job of commit_a (its first side) against
 * commit_b was ever queued, whatever became of it. */
int store_pair_queued(struct store *store, bool *out, const char *commit_a, const char *commit_b);
/* All run ids in creation order (malloc'd array, caller frees). */
int store_run_ids(struct store *store, int64_t **ids, size_t *n);
/* Queued, building and running runs in creation order. */
int store_runs_pending(struct store *store, struct store_run **runs, size_t *n);
/* The oldest queued run; STORE_NOTFOUND when none. */
int store_run_next(struct store *store, struct store_run *out);

/* Move a run to building/running (with progress detail), recording the start
 * time and the host description when system_json is not NULL. */
int store_run_progress(struct store *store, int64_t id, enum run_state state,
		       const char *detail, const char *system_json);
/* Finish a run as done (with result_json) or failed (with the reason). */
int store_run_finish(struct store *store, int64_t id, enum run_state state, const char *detail,
		     const char *result_json);

/* Runs no living runner holds go back to queued, their partial iterations
 * deleted: those runner holds (it restarted, or its job was interrupted),
 * those building or running under no runner (a store from before runners
 * held jobs), and every run whose lease ran out (its runner died). ids
 * receives them (caller frees). */
int store_runs_recover(struct store *store, const char *runner, int64_t **ids, size_t *n);

/* The newest done run overall, or of one commit; STORE_NOTFOUND when none. */
int store_latest_done(struct store *store, int64_t *id);
int store_commit_latest_done(struct store *store, int64_t *id, const char *commit);
/* The newest run of a commit in any state; STORE_NOTFOUND when none. */
int store_commit_latest(struct store *store, int64_t *id, const char *commit);
/* Commits that have a done run, sorted by hash; hashes is malloc'd (caller frees). */
int store_done_commits(struct store *store, char (**hashes)[STORE_HASH_LEN + 1], size_t *n);

int store_iteration_add(struct store *store, int64_t run_id, const struct store_iteration *it);
/* n measured iterations of a run in one transaction, all or none: a burst
 * of fast iterations costs one commit, not one each. n == 0 is STORE_OK. */
int store_iterations_add(struct store *store, int64_t run_id, const struct store_iteration *its,
			 size_t n);
/* Call fn for every measured iteration of a run, ordered by benchmark and
 * iteration (it and its benchmark are valid during the call only). A
 * non-zero return of fn stops the walk and is returned. */
typedef int (*store_iteration_fn)(void *ctx, const struct store_iteration *it);
int store_iterations_of_run(struct store *store, int64_t run_id, store_iteration_fn fn,
			    void *ctx);

/* Record the hash of a run's built artifacts (40 lowercase hex digits, or ""
 * for none), in one transaction with a new change number (the views' too
 * when the run is already done). STORE_NOTFOUND for a missing run;
 * STORE_ERROR for anything else than 40 lowercase hex digits or "". */
int store_run_set_build_id(struct store *store, int64_t id, const char *build_id);

/* Metrics the runner records for every run and benchmark, which the views'
 * verdicts read back. */
#define STORE_METRIC_SEQUENTIAL_LEVEL "sequential_level" /* A/B: the nominal level of
							    the look it stopped at */
#define STORE_METRIC_UNSTABLE "unstable"     /* 1: its iterations had a step or trend; else 0 */
#define STORE_METRIC_OTHER_CPUS "other_cpus" /* CPUs' worth of time other processes used
						while it was measured */
#define STORE_METRIC_STEAL "steal"           /* share of CPU time the hypervisor stole */

/* A per-benchmark figure of a run other than wall time, for example
 * "instructions" (callgrind). Adding the same name twice replaces it. */
int store_metric_add(struct store *store, int64_t run_id, const char *benchmark,
		     const char *name, double value);

/* Per-iteration metrics (store/metric_samples.c): figures other than wall
 * time that every view treats like it, each in its own direction. Built in
 * for every benchmark, read from its samples: cpu (user + system time of an
 * iteration, seconds) and memory (its peak RSS, bytes). Declared ones (the
 * configuration's "metrics" and "bytes", a service's, a load generator's)
 * are stored per iteration with their definition. A name matches
 * [a-z][a-z0-9_]* and is at most STORE_METRIC_NAME_MAX bytes; wall, cpu,
 * memory and instructions are reserved. */
#define STORE_METRIC_NAME_MAX 63
#define STORE_METRIC_UNIT_MAX 31
#define STORE_METRIC_CPU "cpu"
#define STORE_METRIC_MEMORY "memory"
/* Whether a metric's "worse" verdict fails a gate (benchfs check, the
 * JUnit export, an A/B job's stopping rule) as wall time's "slower" does:
 * every metric the configuration declares (its "metrics", "bytes", a
 * service's or load generator's figures) does; the built-in cpu and memory
 * are shown but do not, since they move with the machine and the libraries
 * as much as with the code and the benchmark never promised them. */
bool store_metric_gates(const char *metric);
struct store_metric_def {
	char name[STORE_METRIC_NAME_MAX + 1];
	char unit[STORE_METRIC_UNIT_MAX + 1]; /* "s", "bytes", "MiB/s", "req/s", "count" */
	bool higher_is_better;
};
struct store_metric_sample {
	const char *benchmark;
	const char *metric;
	int iteration; /* 1-based: the wall time's iteration it belongs to */
	double value;  /* in its definition's unit */
};
bool store_metric_name_valid(const char *name);
bool store_metric_name_reserved(const char *name);
/* Record the definitions (replacing an earlier one of the same name) and n
 * per-iteration values of a run, in one transaction. A value whose metric
 * has no definition, here or stored, or a definition with an invalid or
 * reserved name or an empty unit, is STORE_ERROR and nothing is written. */
int store_metric_samples_add(struct store *store, int64_t run_id,
			     const struct store_metric_def *defs, size_t ndefs,
			     const struct store_metric_sample *samples, size_t n);
/* The metrics of benchmark (of all benchmarks when NULL) among the runs:
 * cpu and memory first when the runs have samples, then the declared ones
 * that have values, sorted by name (malloc'd array; free()). */
int store_metrics_of_runs(struct store *store, struct store_metric_def **defs, size_t *n,
			  const int64_t *run_ids, size_t nruns, const char *benchmark);
/* The definition of one metric, built in or declared; STORE_NOTFOUND when unknown. */
int store_metric_def_get(struct store *store, struct store_metric_def *out, const char *name);

/* Finished runs, for the computed views. */
struct store_done_run {
	int64_t id;
	char commit[STORE_HASH_LEN + 1];
	int64_t finished_ns;
	int64_t pair_id;
	/* The hash of the build's artifacts (the configuration's "artifacts"),
	 * "" when none were configured or found: equal ids mean byte-identical
	 * builds. */
	char build_id[STORE_HASH_LEN + 1];
};
/* Done runs of one host (all hosts when host is NULL), oldest first. */
int store_done_runs(struct store *store, struct store_done_run **runs, size_t *n,
		    const char *host);
/* Lookups of one host's done runs (store/run_lookup.c): the runs
 * store_done_runs(host) lists (done, of host, not excluded), one question
 * at a time through an index, for a view that needs a few of them and
 * should not read the whole history. host is not NULL here. */
/* The done runs of commit on host, bisections' included, oldest first (malloc'd). */
int store_host_commit_runs(struct store *store, int64_t **ids, size_t *n, const char *commit,
			   const char *host);
/* The newest A/B job of host: ids[0] its run of commit_a, ids[1] its pair,
 * of commit_b; STORE_NOTFOUND when there is none. */
int store_host_newest_pair(struct store *store, int64_t ids[2], const char *commit_a,
			   const char *commit_b, const char *host);
/* For each of the n ids: found[i], whether it is one of those runs, and
 * then out[i], its entry as store_done_runs gives it. */
int store_host_done_runs_get(struct store *store, struct store_done_run *out, bool *found,
			     const int64_t *ids, size_t n, const char *host);
/* The newest max of them that are neither a side of an A/B job (pair_id 0)
 * nor a bisection's, oldest first (malloc'd). */
int store_host_solo_runs(struct store *store, int64_t **ids, size_t *n, size_t max,
			 const char *host);

/* One measured value: a wall time in ns, or a metric's value. */
typedef int (*store_sample_fn)(void *ctx, const char *benchmark, int64_t run_id, double value);
/* Call fn for every sample of the given runs, ordered by benchmark, run id
 * and iteration. metric NULL selects wall times (ns); "cpu" and "memory"
 * each iteration's (seconds, bytes); a declared metric its per-iteration
 * values; any other name the per-run metric of that name. benchmark NULL selects all benchmarks. A non-zero return of fn stops
 * the walk and is returned. */
int store_samples_of_runs(struct store *store, const int64_t *run_ids, size_t nruns,
			  const char *metric, const char *benchmark, store_sample_fn fn,
			  void *ctx);
/* Per run and benchmark: the number of iterations, the sum of their wall
 * times and the smallest (ns), for runs finished done; ordered by benchmark,
 * then run id. */
typedef int (*store_sum_fn)(void *ctx, const char *benchmark, int64_t run_id, int64_t n,
			    int64_t sum_wall_ns, int64_t min_wall_ns);
int store_sums_of_runs(struct store *store, const int64_t *run_ids, size_t nruns,
		       store_sum_fn fn, void *ctx);
/* Every benchmark name that has a measured iteration or a run summary
 * (retention), sorted (malloc'd array
 * of malloc'd strings; free with store_names_free). */
int store_benchmark_names(struct store *store, char ***names, size_t *n);
void store_names_free(char **names, size_t n);

/* Baselines: named pins of a commit. Changing them bumps the change number. */
#define STORE_BASELINE_NAME_MAX 63
struct store_baseline {
	char name[STORE_BASELINE_NAME_MAX + 1];
	char commit[STORE_HASH_LEN + 1];
	int64_t created_ns;
};
/* Pin (or re-pin) name to commit; revision is what the user wrote. Its
 * provenance is unknown (store_baseline_pin records it). */
int store_baseline_set(struct store *store, const char *name, const char *revision,
		       const char *commit);
int store_baseline_get(struct store *store, struct store_baseline *out, const char *name);
/* STORE_NOTFOUND when there is no such baseline. Who unpinned is unknown
 * (store_baseline_unpin records it). */
int store_baseline_delete(struct store *store, const char *name);
/* All baselines sorted by name (malloc'd). */
int store_baselines_list(struct store *store, struct store_baseline **out, size_t *n);

/* A name's history: every pin and unpin, with its provenance. A pin made
 * before provenance was recorded has uid -1, run_id -1 and NULL host, cc
 * and libc: unknown. */
struct store_baseline_event {
	int64_t id; /* grows with every event of any name */
	char name[STORE_BASELINE_NAME_MAX + 1];
	bool unpin;
	char *revision;                  /* as written; NULL for an unpin */
	char commit[STORE_HASH_LEN + 1]; /* pinned, or what the unpin removed */
	int64_t run_id;                  /* the run it referred to; 0: none (yet) */
	int64_t uid;
	char *host;     /* where it was pinned */
	char *cc, *libc; /* the run's toolchain (its system.json's); NULL: unknown or no run */
	int64_t at_ns;
};
struct store_pin {
	const char *name, *revision;
	/* NULL: the commit of the newest done run (what "latest" names). */
	const char *commit;
	int64_t uid;      /* -1: unknown */
	/* This host: the run is the newest done, not excluded run of the
	 * commit measured here. NULL: unknown (of any host). */
	const char *host;
};
/* Pin (or re-pin) a name with its provenance, in one transaction: the run
 * it refers to and its toolchain are read in it. The previous pin stays in
 * the name's history. out (may be NULL) receives the event
 * (store_baseline_event_clear). STORE_NOTFOUND: commit is NULL and no run
 * is done. */
int store_baseline_pin(struct store *store, struct store_baseline_event *out,
		       const struct store_pin *pin);
/* Unpin, recording who (uid -1: unknown) and where: STORE_NOTFOUND when
 * name is not pinned. */
int store_baseline_unpin(struct store *store, const char *name, int64_t uid, const char *host);
/* The event of name's current pin; STORE_NOTFOUND when it is not pinned. */
int store_baseline_current(struct store *store, struct store_baseline_event *out,
			   const char *name);
/* Every event of name, newest first (malloc'd; store_baseline_events_free);
 * *n is 0 for a name never pinned. */
int store_baseline_history(struct store *store, struct store_baseline_event **out, size_t *n,
			   const char *name);
/* The names that have a history, sorted (store_names_free). */
int store_baseline_history_names(struct store *store, char ***names, size_t *n);
void store_baseline_event_clear(struct store_baseline_event *event);
void store_baseline_events_free(struct store_baseline_event *events, size_t n);

/* Excluding a run taken under bad conditions: it stays in the store (its
 * files, its samples by id) but the computed views' queries skip it:
 * store_done_runs, store_latest_done, store_commit_latest_done,
 * store_done_commits. An A/B job's two runs are excluded and included
 * together: either side alone would leave a compare of one. Both move the
 * views' change number. STORE_BUSY for a run queued or running,
 * STORE_NOTFOUND for no such run. Excluding an excluded run replaces its
 * reason; including a run that is not excluded is STORE_OK. */
int store_run_exclude(struct store *store, int64_t id, const char *reason);
int store_run_include(struct store *store, int64_t id);
/* Excluded runs, newest exclusion first (malloc'd; store_runs_free). */
int store_runs_excluded(struct store *store, struct store_run **runs, size_t *n);

/* Imports: runs measured elsewhere (hyperfine's JSON, a run directory of
 * another machine's benchfs run --out), recorded as done runs. */
struct store_import_metric {
	const char *benchmark, *name;
	double value;
};
struct store_import {
	const char *revision, *commit, *config;
	/* system.json of the host that measured: its "hostname" is the run's
	 * host; its "imported"."key" names the import (a second import of the
	 * same key is refused). */
	const char *system;
	const char *key;
	const char *detail; /* the status flags; "" when none */
	int64_t measured_ns; /* when it was measured (Unix ns); 0: now */
	const struct store_iteration *iterations;
	size_t niterations;
	const struct store_import_metric *metrics;
	size_t nmetrics;
	/* The other side of an interleaved A/B job among the same call's runs
	 * (its index), or -1. */
	long pair_index;
};
/* result.json of an imported run, rendered once its id is known (inside the
 * transaction); malloc'd into *out. 0, or a negative errno that aborts the
 * import (returned as it is). */
typedef int (*store_import_result_fn)(void *ctx, char **out, size_t index, int64_t id,
				      int64_t pair_id);
/* Add n runs as done, with their iterations, metrics, sums and result.json,
 * in one transaction, all or none. When a run with the key of one of them
 * exists already, nothing is written: STORE_OK with *dup_id its id (else
 * *dup_id is 0) and *dup_index the index of the one it repeats. */
int store_runs_import(struct store *store, int64_t *ids_out, int64_t *dup_id, size_t *dup_index,
		      const struct store_import *runs, size_t n, store_import_result_fn result_fn,
		      void *ctx);

/* The triage of the regressions file's alerts (views/alerts.h): a row for
 * each alert id whose state someone set or that the daemon notified. */
#define STORE_ALERT_ID_LEN 12
struct store_alert {
	char id[STORE_ALERT_ID_LEN + 1];
	char commit[STORE_HASH_LEN + 1];
	char benchmark[256];
	char state[16];                 /* "new", "ack", "ignored" or "fixed" */
	char fixed[STORE_HASH_LEN + 1]; /* state fixed: the commit that fixed it; else "" */
	int64_t uid;                    /* who set the state last; -1: nobody yet */
	int64_t changed_ns;             /* when (Unix ns); 0: never set */
	int64_t notified_ns;            /* when the on_alert command took it; 0: not yet */
	char *line;                     /* the regressions line then, without its newline */
};
struct store_alert_event {
	char state[16];
	char fixed[STORE_HASH_LEN + 1];
	int64_t uid, at_ns;
};
/* Set the state of alert a->id to a->state (a->fixed, a->uid, a->changed_ns
 * with it; a->commit, a->benchmark and a->line describe the entry) and
 * record the change; the results change number moves, since regressions
 * shows the state. */
int store_alert_set_state(struct store *store, const struct store_alert *a);
/* Record that the on_alert command took alert a (a row in state new when
 * there is none). The results change number does not move. */
int store_alert_set_notified(struct store *store, const struct store_alert *a,
			     int64_t notified_ns);
/* STORE_NOTFOUND when the id has no row. */
int store_alert_get(struct store *store, struct store_alert *out, const char *id);
/* Every row, by id (malloc'd; store_alerts_free). */
int store_alerts_list(struct store *store, struct store_alert **out, size_t *n);
/* The state changes of id, oldest first (malloc'd). */
int store_alert_events(struct store *store, struct store_alert_event **out, size_t *n,
		       const char *id);
void store_alert_clear(struct store_alert *a);
void store_alerts_free(struct store_alert *a, size_t n);

/* ---- watched branches (store/watch_state.c) ----
 * What the watcher knows of each remote and branch it fetches. Times are
 * Unix ns, 0 for never. */
struct store_watch {
	char *remote, *branch;
	int64_t fetched_ns;              /* the last fetch */
	char *result;                    /* "ok", its error, or "" before the first */
	char tip[STORE_HASH_LEN + 1];    /* the tip last queued; "" none yet */
	int64_t queued;                  /* commits the fetch that moved tip queued */
	int64_t next_ns;                 /* the next fetch due */
	char *error;                     /* the last failed fetch's error; "" none */
	int64_t error_ns;
	int64_t failures;                /* failed fetches in a row (the backoff) */
};
/* STORE_NOTFOUND for a branch never fetched. */
int store_watch_get(struct store *store, struct store_watch *out, const char *remote,
		    const char *branch);
/* Insert or replace the row of w's remote and branch. */
int store_watch_put(struct store *store, const struct store_watch *w);
/* Every row, sorted by remote and branch (malloc'd; store_watch_free). */
int store_watch_list(struct store *store, struct store_watch **out, size_t *n);
void store_watch_clear(struct store_watch *w);
void store_watch_free(struct store_watch *ws, size_t n);

/* Bisections (service/bisect.h): one per confirmed step whose range holds
 * commits never benchmarked. Their runs' revision is "bisect/<id>"
 * (STORE_BISECT_REVISION then the id): the history and `latest` skip such
 * runs (a midpoint is no point of the branch's history), runs/ and compare
 * show them. Changing a bisection's state moves the views' change number:
 * the regressions file names its culprit. */
#define STORE_BISECT_REVISION "bisect/"
struct store_bisection {
	int64_t id;
	char *benchmark, *metric; /* metric: "wall" or "instructions" */
	char good[STORE_HASH_LEN + 1], bad[STORE_HASH_LEN + 1];
	char *config; /* the configuration of its runs */
	char *state;  /* running, named, not-verified, gave-up, capped */
	char culprit[STORE_HASH_LEN + 1]; /* "" when none */
	char *runs, *detail; /* run ids "12,13"; why it stopped */
	int64_t created_ns, updated_ns;
};
/* The bisection of benchmark and metric from good to bad, created (state
 * running) when there is none: *id, and *created whether it is new. */
int store_bisection_add(struct store *store, int64_t *id, bool *created, const char *benchmark,
			const char *metric, const char *good, const char *bad,
			const char *config);
/* STORE_NOTFOUND when there is no such bisection. */
int store_bisection_get(struct store *store, struct store_bisection *out, int64_t id);
int store_bisection_find(struct store *store, struct store_bisection *out, const char *benchmark,
			 const char *metric, const char *good, const char *bad);
/* Every bisection, oldest first (malloc'd; store_bisections_free). */
int store_bisections_list(struct store *store, struct store_bisection **out, size_t *n);
/* Record where it is: state, culprit ("" for none), runs and detail. */
int store_bisection_update(struct store *store, int64_t id, const char *state,
			   const char *culprit, const char *runs, const char *detail);
void store_bisection_clear(struct store_bisection *b);
void store_bisections_free(struct store_bisection *list, size_t n);
/* The runs of bisection id, oldest first (with config, system and result
 * left out: store_run_get_light's fields, and pair_id). */
int store_bisection_runs(struct store *store, struct store_run **runs, size_t *n, int64_t id);
/* The done runs of commit on host (all hosts when NULL) that are no
 * bisection's, oldest first (malloc'd). */
int store_commit_done_runs(struct store *store, int64_t **ids, size_t *n, const char *commit,
			   const char *host);
/* Drop the bisections' runs from runs[0, *n) in place (the history's
 * catalog: store_done_runs lists them, as compare reads them). */
int store_done_runs_drop_bisect(struct store *store, struct store_done_run *runs, size_t *n);

/* Retention (service/retention.h): an old run's per-iteration samples
 * collapsed into per-run statistics. Its sums (store_sums_of_runs) and
 * metrics stay; its iterations go, so store_samples_of_runs no longer
 * returns its wall times: a view that needs them asks which runs are
 * summarized and says their samples were pruned. */
struct store_run_summary {
	const char *benchmark;
	int64_t n;
	/* Of its wall times in seconds, as stats_describe gives them. */
	double mean, stddev, median, min, max;
};
/* A finished (done or failed) run, as retention sees it. */
struct store_retain_run {
	int64_t id;
	char commit[STORE_HASH_LEN + 1];
	enum run_state state;
	int64_t finished_ns;
	int64_t pair_id;
	bool summarized, excluded;
};
/* Every done or failed run, oldest first (malloc'd). */
int store_retain_runs(struct store *store, struct store_retain_run **runs, size_t *n);
struct store_summarize {
	int64_t run_id;
	const struct store_run_summary *sums; /* one per benchmark it measured */
	size_t nsums;
};
/* One transaction for n runs, all or none: each run's summaries written,
 * its iterations deleted and the run marked summarized. The iterations
 * deleted must be the summaries' n, else nothing is written (STORE_ERROR:
 * they were read from other iterations than the store holds). A run that is
 * summarized already is left as it is. *samples receives the iterations
 * deleted. Moves the views' change number. */
int store_runs_summarize(struct store *store, int64_t *samples, const struct store_summarize *runs,
			 size_t n);
/* Of each run id, whether it is summarized (out[i] for run_ids[i]). */
int store_runs_summarized(struct store *store, bool *out, const int64_t *run_ids, size_t n);
/* Call fn for the summary of every summarized run of run_ids (of benchmark
 * only, when not NULL), ordered by benchmark, then run id. */
typedef int (*store_summary_fn)(void *ctx, int64_t run_id, const struct store_run_summary *s);
int store_summaries_of_runs(struct store *store, const int64_t *run_ids, size_t nruns,
			    const char *benchmark, store_summary_fn fn, void *ctx);
/* What the last pruning pass did, kept between daemons (Unix ns; counts). */
struct store_retain_report {
	int64_t started_ns, finished_ns; /* finished 0: it was cut short (a crash) */
	int64_t kept_recent, kept_per_commit, kept_baseline, kept_regressions, kept_paired,
		kept_excluded;
	int64_t summarized_before; /* runs found summarized already */
	int64_t summarized, samples, bytes; /* what this pass collapsed and freed */
	int64_t left;              /* runs it left for the next pass (the queue filled) */
};
int store_retain_report_get(struct store *store, struct store_retain_report *out);
int store_retain_report_set(struct store *store, const struct store_retain_report *r);
/* In the whole store: runs summarized and iterations deleted by retention. */
int store_retain_totals(struct store *store, int64_t *runs, int64_t *samples);

/* Kept views (store/view_cache.c): a computed view's text stored with the
 * results change number it was computed at, so that a view whose answer
 * needs the whole history is computed once per change of the results (by
 * the daemon when it is idle, or by the first reader), not on every read
 * and not again after a restart. The caller's key names the view and
 * everything else it depends on. STORE_NOTFOUND: none kept at that number. */
int store_view_get(struct store *store, char **text, size_t *len, const char *key, int64_t seq);
/* Keep text under key at change number seq, dropping every view kept at
 * another number; nothing is kept (STORE_OK) when the results have moved
 * past seq meanwhile. */
int store_view_put(struct store *store, const char *key, int64_t seq, const char *text,
		   size_t len);

/* Described runs (store/run_stats.c): for every done run, per benchmark, the
 * statistics of its wall times (struct store_run_summary: n, mean, stddev,
 * median, min, max in seconds, as stats_describe gives them), derived from
 * its samples when the daemon is idle, so that a history reads one row per
 * run. Writing them does not move the views' change number: they say what
 * the samples say. */
/* Up to max done runs not described yet (and not summarized: retention
 * keeps theirs), oldest first (malloc'd). */
int store_runs_undescribed(struct store *store, int64_t **ids, size_t *n, size_t max);
/* Record the statistics of a run (one per benchmark it measured, maybe
 * none) and that it is described, in one transaction. */
int store_run_describe(struct store *store, int64_t run_id, const struct store_run_summary *sums,
		       size_t n);
/* Call fn for the statistics of benchmark of every described run among
 * run_ids (sorted ascending), in run order. */
int store_run_stats_of(struct store *store, const int64_t *run_ids, size_t nruns,
		       const char *benchmark, store_summary_fn fn, void *ctx);
/* Call fn with the mean of metric (STORE_METRIC_CPU or STORE_METRIC_MEMORY,
 * which the keeper describes under "<bench>:<metric>"; any other metric has
 * none) for each benchmark of the described runs among run_ids, ordered by
 * benchmark, then run id, in one statement (store/samples.c). A run it
 * gives no value is not described yet, or summarized, or had no iteration:
 * store_samples_of_runs holds whatever samples it has left. */
int store_metric_means_described(struct store *store, const int64_t *run_ids, size_t nruns,
				 const char *metric, store_sample_fn fn, void *ctx);

/* One entry of runs/ (store/run_listing.c): what its directory's attributes
 * are made of. */
struct store_run_entry {
	int64_t id;
	enum run_state state;
	int64_t created_ns;
};
/* Every run in id order with the columns above, in one query (malloc'd
 * array, caller frees): a listing of runs/ with attributes needs no query a
 * run. */
int store_run_listing(struct store *store, struct store_run_entry **out, size_t *n);
/* What changes whenever that listing does: how many runs there are and the
 * largest id (a run is never removed; a new one has a larger id). */
int store_run_listing_span(struct store *store, int64_t *count, int64_t *max_id);

#endif
