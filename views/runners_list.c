#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/fleet.h"
#include "util/runid.h"
#include "util/strbuf.h"
#include "views/format.h"
#include "views/runners_list.h"

/* The job runner holds: the oldest pending run it holds (pending runs come in
 * creation order, and an A/B job's first side is the older), 0 when none.
 * Read from the runs rather than the runner's own heartbeat row, which lags
 * by up to a third of the lease: `queue` names the holder at once, and the
 * two files must agree. */
static int64_t held_job(const struct store_run *runs, size_t n, const char *runner)
{
	for (size_t i = 0; i < n; i++)
		if (runs[i].runner && strcmp(runs[i].runner, runner) == 0)
			return runs[i].id;
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct store_runner *)a)->name, ((const struct store_runner *)b)->name);
}

static void runner_line(struct strbuf *out, const struct store_runner *r, int64_t job)
{
	char name[32] = "-", when[64] = "-";
	if (job > 0)
		runid_dir_name(name, sizeof(name), job);
	if (r->heartbeat_ns > 0)
		format_iso_time(when, sizeof(when), r->heartbeat_ns);
	strbuf_addstr_escaped(out, r->name);
	strbuf_addf(out, "\t%s\t%s\t%s\t", *r->labels ? r->labels : "-", name, when);
	strbuf_addstr_escaped(out, *r->host ? r->host : "-");
	strbuf_addf(out, "\t%lld\n", (long long)r->pid);
}

int runners_list_text(char **out, struct store *store)
{
	struct strbuf text = STRBUF_INIT;
	struct store_runner *runners = NULL;
	struct store_run *runs = NULL;
	size_t nrunners = 0, nruns = 0;
	int rc;
	*out = NULL;
	if ((rc = store_runners_list(store, &runners, &nrunners)))
		return store_errno(rc);
	if ((rc = store_runs_pending(store, &runs, &nruns))) {
		store_runners_free(runners, nrunners);
		return store_errno(rc);
	}
	/* Byte order: the store sorts by its collation, which a PostgreSQL
	 * database may set to a language's. */
	if (nrunners > 1)
		qsort(runners, nrunners, sizeof(*runners), by_name);
	for (size_t i = 0; i < nrunners; i++)
		runner_line(&text, &runners[i], held_job(runs, nruns, runners[i].name));
	store_runs_free(runs, nruns);
	store_runners_free(runners, nrunners);
	/* NULL when any append failed (the strbuf keeps its first error). */
	return (*out = strbuf_detach(&text, NULL)) ? 0 : -ENOMEM;
}
