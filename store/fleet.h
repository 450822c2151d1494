/* The fleet (store/claims.c, store/dispatch.c): runners sharing a store,
 * the jobs they claim, and the jobs a dispatcher hands to Slurm. */
#ifndef BENCHFS_STORE_FLEET_H
#define BENCHFS_STORE_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* The fleet (store/claims.c): runners advertise labels and claim queued
 * jobs whose labels they have all of, one at a time, under a lease they
 * renew while they run; a job whose lease runs out is queued again by the
 * next store_runs_recover of any runner. */
struct store_runner {
	char *name;   /* unique: host and data directory */
	char *labels; /* "a,b,c" */
	char *host;
	int64_t pid;
	int64_t run_id; /* the job it runs; 0: idle */
	int64_t started_ns, heartbeat_ns;
};
/* The store is shared by machines (PostgreSQL): jobs may be queued and
 * runs finished elsewhere. */
bool store_shared(const struct store *store);
/* The runner this connection writes for: a run's progress and end are
 * refused (STORE_NOTFOUND) once another runner holds it. */
void store_set_owner(struct store *store, const char *runner);
/* Claim the oldest queued job (with its A/B partner) that no runner holds
 * and whose labels are all in labels ("a,b"), held until now + lease_ns:
 * *out is its first run. STORE_NOTFOUND when there is none. */
int store_run_claim(struct store *store, struct store_run *out, const char *runner,
		    const char *labels, int64_t lease_ns);
/* After a job: the queued runs runner claimed and did not start (an A/B
 * job's second side measured alone) go back to any runner. */
int store_runs_release(struct store *store, const char *runner);
/* The runner lives: its heartbeat, the job it runs (0: none), and the
 * lease of every job it holds moved to now + lease_ns. STORE_NOTFOUND when
 * run_id is no longer its own (its lease ran out and it was queued again). */
int store_runner_heartbeat(struct store *store, const char *runner, int64_t run_id,
			   int64_t lease_ns);
int store_runner_register(struct store *store, const struct store_runner *r);
int store_runner_unregister(struct store *store, const char *name);
int store_runners_list(struct store *store, struct store_runner **out, size_t *n);
void store_runners_free(struct store_runner *runners, size_t n);
/* The runner holding or having run job id ("" when none): malloc'd. */
int store_run_holder(struct store *store, char **runner, int64_t id);
/* Wake on queued jobs: after store_queue_listen, store_queue_wait returns
 * STORE_OK when a job was queued (or queued again) since the last wait,
 * STORE_NOTFOUND after timeout_ms without one, or at once when the engine
 * has no notifications (SQLite: the one runner is woken in-process). */
int store_queue_listen(struct store *store);
int store_queue_wait(struct store *store, int timeout_ms);
/* Dispatched jobs and cancelling (store/dispatch.c). Claim job id (with its
 * A/B partner) when it is queued and held by none or by runner itself (a
 * dispatcher held it under the name its process runs as): STORE_NOTFOUND
 * otherwise. */
int store_run_claim_held(struct store *store, struct store_run *out, int64_t id,
			 const char *runner, int64_t lease_ns);
/* A dispatcher holds queued job id (and its partner) as holder until now +
 * lease_ns (store_runner_heartbeat(holder, 0, ...) renews it):
 * STORE_NOTFOUND when it is not queued or someone holds it. */
int store_run_hold(struct store *store, int64_t id, const char *holder, int64_t lease_ns);
/* Every run held by from is held by to: STORE_NOTFOUND when none is. */
int store_holder_rename(struct store *store, const char *from, const char *to);
/* The distinct holders LIKE pattern of runs still pending (pending) or
 * finished (!pending): *out malloc'd, freed by store_holders_free. */
int store_holders_list(struct store *store, char ***out, size_t *n, const char *pattern,
		       bool pending);
void store_holders_free(char **holders, size_t n);
/* Every pending run held by holder fails with detail (its holder kept):
 * *ids (malloc'd) lists them, none when there were none. */
int store_holder_fail(struct store *store, const char *holder, const char *detail,
		      int64_t **ids, size_t *n);
/* Job id (both sides of an A/B job), queued or being measured, fails with
 * detail "cancelled" and is held by "cancelled:<its holder>": its runner's
 * next heartbeat finds it no longer its own. *ids lists the runs.
 * STORE_NOTFOUND (with the message) for no such run or one already ended. */
int store_run_cancel(struct store *store, int64_t id, int64_t **ids, size_t *n);

#endif
