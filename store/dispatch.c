/* Jobs run elsewhere than by an idle runner: a dispatcher (Slurm) holds a
 * queued job under a name of its own ("slurm:<jobid>") until the process it
 * started claims it; and cancelling a job, whoever holds it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "store/fleet.h"
#include "util/array.h"
#include "util/clock.h"
#include "util/runid.h"

#define PENDING " state IN ('queued','building','running')"

/* Hold queued job id (and its A/B partner) for holder until now + lease_ns:
 * a job no one holds, or also one holder holds already (a dispatcher's, as
 * the job it started claims it) when held_too. STORE_NOTFOUND otherwise,
 * saying so as what. */
static int hold_job(struct store *store, int64_t id, const char *holder, int64_t lease_ns,
		    bool held_too, const char *what)
{
	struct db_stmt *stmt = store_prepare(store, held_too
		? "UPDATE runs SET runner = ?1, lease_ns = ?2 WHERE state = 'queued'"
		  " AND runner IN ('', ?1) AND (id = ?3 OR (pair_id = ?3 AND id > pair_id)) RETURNING id"
		: "UPDATE runs SET runner = ?1, lease_ns = ?2 WHERE state = 'queued'"
		  " AND runner = '' AND (id = ?3 OR (pair_id = ?3 AND id > pair_id)) RETURNING id");
	int rc, result = STORE_OK;
	bool found = false;
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, holder, -1);
	db_bind_int64(stmt, 2, now_real_ns() + lease_ns);
	db_bind_int64(stmt, 3, id);
	while ((rc = db_step(stmt)) == DB_ROW)
		found = found || db_column_int64(stmt, 0) == id;
	if (rc != DB_DONE)
		result = store_fail(store, what);
	db_finalize(stmt);
	if (result)
		return result;
	return found ? STORE_OK
		     : store_refuse(store, STORE_NOTFOUND, "run " RUNID_DIR_FMT " is not queued for %s",
				    (long long)id, held_too ? holder : "a runner");
}

int store_run_claim_held(struct store *store, struct store_run *out, int64_t id,
			 const char *runner, int64_t lease_ns)
{
	int result = hold_job(store, id, runner, lease_ns, true, "claim a job");
	return result ? result : store_run_get(store, out, id);
}

int store_run_hold(struct store *store, int64_t id, const char *holder, int64_t lease_ns)
{
	return hold_job(store, id, holder, lease_ns, false, "hold a job");
}

int store_holder_rename(struct store *store, const char *from, const char *to)
{
	struct db_stmt *stmt = store_prepare(store, "UPDATE runs SET runner = ?2 WHERE runner = ?1");
	int result = STORE_OK;
	if (!stmt)
		return STORE_ERROR;
	db_bind_text(stmt, 1, from, -1);
	db_bind_text(stmt, 2, to, -1);
	if (db_step(stmt) != DB_DONE)
		result = store_fail(store, "rename a job's holder");
	else if (store_changes(store) == 0)
		result = store_refuse(store, STORE_NOTFOUND, "no job held by %s", from);
	db_finalize(stmt);
	return result;
}

static int text_row(struct store *store, void *row, struct db_stmt *stmt)
{
	char **out = row;
	if (!(*out = store_column_dup(stmt, 0)))
		return store_nomem(store);
	return STORE_OK;
}

static void text_clear(void *row)
{
	free(*(char **)row);
}

int store_holders_list(struct store *store, char ***out, size_t *n, const char *pattern,
		       bool pending)
{
	struct db_stmt *stmt = store_prepare(store,
		pending ? "SELECT DISTINCT runner FROM runs WHERE runner LIKE ?1 AND" PENDING
			  " ORDER BY runner"
			: "SELECT DISTINCT runner FROM runs WHERE runner LIKE ?1 AND NOT" PENDING
			  " ORDER BY runner");
	if (stmt)
		db_bind_text(stmt, 1, pattern, -1);
	return store_rows_collect(store, out, n, sizeof(**out), stmt, text_row, text_clear,
				  "list jobs' holders");
}

void store_holders_free(char **holders, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(holders[i]);
	free(holders);
}

/* Inside a transaction: every run the statement (bound from ?3 on) returned
 * becomes failed with detail ?1 and holder ?2 (bound by the caller), its
 * result none; *ids lists them. */
static int fail_runs(struct store *store, struct db_stmt *stmt, int64_t seq, int64_t **ids,
		     size_t *n)
{
	size_t cap = 0;
	int rc, result = STORE_OK;
	db_bind_int64(stmt, 3, seq);
	db_bind_int64(stmt, 4, now_real_ns());
	while ((rc = db_step(stmt)) == DB_ROW) {
		if (ALLOC_GROW(*ids, *n + 1, cap))
			return store_nomem(store);
		(*ids)[(*n)++] = db_column_int64(stmt, 0);
	}
	if (rc != DB_DONE)
		return store_fail(store, "fail a job");
	/* As store_run_finish records a failed run: no result.json. */
	for (size_t i = 0; i < *n && result == STORE_OK; i++)
		result = store_result_write(store, (*ids)[i], NULL, true);
	return result;
}

#define FAIL_SET                                                                          \
	"UPDATE runs SET state = 'failed', detail = ?1, runner = ?2, seq = ?3, updated_ns = ?4," \
	" finished_ns = ?4, result = NULL, result_z = NULL, lease_ns = 0 WHERE" PENDING

int store_holder_fail(struct store *store, const char *holder, const char *detail,
		      int64_t **ids, size_t *n)
{
	struct db_stmt *stmt = NULL;
	int64_t seq = 0;
	int result;
	*ids = NULL;
	*n = 0;
	if ((result = store_begin(store)))
		return result;
	if ((result = store_bump_seq(store, &seq)))
		goto fail;
	if (!(stmt = store_prepare(store, FAIL_SET " AND runner = ?2 RETURNING id"))) {
		result = STORE_ERROR;
		goto fail;
	}
	db_bind_text(stmt, 1, detail, -1);
	db_bind_text(stmt, 2, holder, -1);
	if ((result = fail_runs(store, stmt, seq, ids, n)))
		goto fail;
	db_finalize(stmt);
	return store_commit(store);
fail:
	db_finalize(stmt);
	store_rollback(store);
	free(*ids);
	*ids = NULL;
	*n = 0;
	return result;
}

int store_run_cancel(struct store *store, int64_t id, int64_t **ids, size_t *n)
{
	struct db_stmt *stmt = NULL;
	struct store_run run = {0};
	int64_t seq = 0;
	int result;
	*ids = NULL;
	*n = 0;
	if ((result = store_run_get_light(store, &run, id)) == STORE_NOTFOUND)
		return store_refuse(store, STORE_NOTFOUND, "no run " RUNID_DIR_FMT, (long long)id);
	if (result)
		return result;
	if (run.state != RUN_QUEUED && run.state != RUN_BUILDING && run.state != RUN_RUNNING) {
		result = store_refuse(store, STORE_NOTFOUND, "run " RUNID_DIR_FMT " is %s already: nothing to cancel",
				      (long long)id, run_state_name(run.state));
		store_run_clear(&run);
		return result;
	}
	store_run_clear(&run);
	if ((result = store_begin(store)))
		return result;
	if ((result = store_bump_seq(store, &seq)))
		goto fail;
	/* The holder becomes "cancelled:<holder>": a runner still measuring it
	 * may write nothing more of it (its next heartbeat finds it is no longer
	 * its own), and a dispatcher still finds which Slurm job to cancel. The
	 * pair_id of both sides names the other. */
	if (!(stmt = store_prepare(store,
		"UPDATE runs SET state = 'failed', detail = ?1, runner = ?2 || runner, seq = ?3,"
		" updated_ns = ?4, finished_ns = ?4, result = NULL, result_z = NULL, lease_ns = 0"
		" WHERE" PENDING " AND (id = ?5 OR (pair_id = ?5 AND ?5 <> 0)) RETURNING id"))) {
		result = STORE_ERROR;
		goto fail;
	}
	db_bind_text(stmt, 1, "cancelled", -1);
	db_bind_text(stmt, 2, "cancelled:", -1);
	db_bind_int64(stmt, 5, id);
	if ((result = fail_runs(store, stmt, seq, ids, n)))
		goto fail;
	db_finalize(stmt);
	stmt = NULL;
	if (!*n) {
		result = store_refuse(store, STORE_NOTFOUND, "run " RUNID_DIR_FMT " ended meanwhile: nothing to cancel",
				      (long long)id);
		goto fail;
	}
	return store_commit(store);
fail:
	db_finalize(stmt);
	store_rollback(store);
	free(*ids);
	*ids = NULL;
	*n = 0;
	return result;
}
