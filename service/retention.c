/* Retention (retention.h): which runs the policy keeps whole, and the
 * batches that collapse the others into per-run statistics. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config/retain.h"
#include "service/idle.h"
#include "service/retention.h"
#include "stats/describe.h"
#include "store/paths.h"
#include "store/store.h"
#include "util/array.h"
#include "util/clock.h"
#include "util/log.h"
#include "views/history.h"
#include "views/regressions.h"
#include "views/session.h"

#define NS_PER_DAY (86400 * NS_PER_S)

struct retention {
	const struct retain_config *policy;
	struct view_session *session; /* the runner's thread's own store and repository */
	int64_t next_ns;              /* the next pass is due then; -1: not read yet */
	int64_t pause_ms;             /* tests only (RETENTION_TEST_PAUSE_ENV) */
};

/* Why a run is kept whole, the first rule that holds (the report counts it
 * there), or KEEP_NONE. */
enum keep {
	KEEP_NONE,
	KEEP_EXCLUDED,
	KEEP_PAIRED,
	KEEP_BASELINE,
	KEEP_REGRESSIONS,
	KEEP_RECENT,
	KEEP_PER_COMMIT,
};

void retention_free(struct retention *r)
{
	if (!r)
		return;
	view_session_free(r->session);
	free(r);
}

int retention_open(struct retention **out, const struct view_settings *settings, char *err,
		   size_t errsize)
{
	struct retention *r;
	const char *pause = getenv(RETENTION_TEST_PAUSE_ENV);
	*out = NULL;
	if (!settings->config || !settings->config->retain)
		return 0;
	if (!(r = calloc(1, sizeof(*r)))) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	r->policy = settings->config->retain;
	r->next_ns = -1;
	r->pause_ms = pause ? strtoll(pause, NULL, 10) : 0;
	if (view_session_open(&r->session, settings, err, errsize)) {
		retention_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

static int cmp_id(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The runs the regressions file names (its seventh field, "000012,000013"
 * on every line), sorted. */
static int regressions_runs(int64_t **out, size_t *n, struct view_ctx *view)
{
	char tip[STORE_HASH_LEN + 1], *text = NULL, *save = NULL;
	size_t alloc = 0;
	int rc;
	*out = NULL;
	*n = 0;
	/* No tracked branch: no regressions file, nothing it names. */
	if (history_tip(tip, view) < 0)
		return 0;
	if ((rc = regressions_render(&text, view, tip)))
		return rc;
	for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *field = line, *end;
		for (int i = 0; i < 6 && field; i++)
			field = (field = strchr(field, '\t')) ? field + 1 : NULL;
		if (!field)
			continue;
		if ((end = strchr(field, '\t')))
			*end = '\0';
		for (char *tok = field, *comma; tok; tok = comma ? comma + 1 : NULL) {
			int64_t id;
			if ((comma = strchr(tok, ',')))
				*comma = '\0';
			if ((id = view_parse_run_name(tok)) <= 0)
				continue;
			if ((rc = ALLOC_GROW(*out, *n + 1, alloc))) {
				free(text);
				return rc;
			}
			(*out)[(*n)++] = id;
		}
	}
	free(text);
	if (*n)
		qsort(*out, *n, sizeof(**out), cmp_id);
	return 0;
}

static const struct store_retain_run *sort_runs;

/* By commit, newest run first. */
static int cmp_commit_newest(const void *a, const void *b)
{
	const struct store_retain_run *x = &sort_runs[*(const size_t *)a];
	const struct store_retain_run *y = &sort_runs[*(const size_t *)b];
	int c = strcmp(x->commit, y->commit);
	return c ? c : (x->id < y->id) - (x->id > y->id);
}

/* The rule that keeps each run whole (keep[i] for runs[i]). */
static int classify(enum keep *keep, const struct retention *r, const struct store_retain_run *runs,
		    size_t n, int64_t now)
{
	struct store_baseline *baselines = NULL;
	size_t nbaselines = 0, nnamed = 0, *order = NULL;
	int64_t *named = NULL;
	int64_t cutoff = now - (int64_t)r->policy->days * NS_PER_DAY;
	struct view_ctx *view = &r->session->view;
	int rc;
	if ((rc = store_errno(store_baselines_list(view->store, &baselines, &nbaselines))) ||
	    (rc = regressions_runs(&named, &nnamed, view)))
		goto done;
	if (!(order = malloc((n + 1) * sizeof(*order)))) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	/* The runner's thread alone sorts: a static for qsort's comparison is safe. */
	sort_runs = runs;
	qsort(order, n, sizeof(*order), cmp_commit_newest);
	sort_runs = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct store_retain_run *run = &runs[i];
		bool baseline = false;
		for (size_t b = 0; b < nbaselines && !baseline; b++)
			baseline = strcmp(baselines[b].commit, run->commit) == 0;
		keep[i] = run->excluded ? KEEP_EXCLUDED
			: run->pair_id ? KEEP_PAIRED
			: baseline ? KEEP_BASELINE
			: nnamed && bsearch(&run->id, named, nnamed, sizeof(*named), cmp_id)
				? KEEP_REGRESSIONS
			: run->finished_ns >= cutoff ? KEEP_RECENT
						     : KEEP_NONE;
	}
	for (size_t i = 0, rank = 0; i < n; i++) {
		rank = i && strcmp(runs[order[i]].commit, runs[order[i - 1]].commit) == 0 ? rank + 1 : 0;
		if (rank < (size_t)r->policy->per_commit && keep[order[i]] == KEEP_NONE)
			keep[order[i]] = KEEP_PER_COMMIT;
	}
	rc = 0;
done:
	free(baselines);
	free(named);
	free(order);
	return rc;
}

/* ---- one batch ---- */

/* One run's wall times of one benchmark, as the store returns them. */
struct group {
	char *bench;
	int64_t run;
	double *values;
	size_t n, alloc;
};

struct groups {
	struct group *list;
	size_t n, alloc;
};

static void groups_clear(struct groups *g)
{
	for (size_t i = 0; i < g->n; i++) {
		free(g->list[i].bench);
		free(g->list[i].values);
	}
	free(g->list);
	memset(g, 0, sizeof(*g));
}

static int add_sample(void *ctx, const char *benchmark, int64_t run_id, double value)
{
	struct groups *g = ctx;
	struct group *last = g->n ? &g->list[g->n - 1] : NULL;
	int rc;
	if (!last || last->run != run_id || strcmp(last->bench, benchmark) != 0) {
		if ((rc = ALLOC_GROW_BY(g->list, g->n, 1, g->alloc)))
			return rc;
		last = &g->list[g->n - 1];
		if (!(last->bench = strdup(benchmark)))
			return -ENOMEM;
		last->run = run_id;
	}
	if ((rc = ALLOC_GROW(last->values, last->n + 1, last->alloc)))
		return rc;
	/* In seconds exactly as the history's series scales them, so that a
	 * commit's row of history/<bench>.csv reads the same from the summary. */
	last->values[last->n++] = value * 1e-9;
	return 0;
}

/* Size of the file or tree at path, then gone. */
static int64_t removed_bytes;

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_F || flag == FTW_SL || flag == FTW_NS) {
		if (unlink(path) == 0 && flag == FTW_F)
			removed_bytes += st->st_size;
	} else {
		rmdir(path);
	}
	return 0;
}

/* Delete a run's debug.log and extra files (perf data), and this machine's
 * copy of them when another measured it: the bytes freed. */
static int64_t remove_run_files(const char *data_dir, int64_t id)
{
	char path[4096];
	struct stat st;
	int64_t bytes = 0;
	if (store_path_log(path, sizeof(path), data_dir, id) == 0 && lstat(path, &st) == 0 &&
	    unlink(path) == 0)
		bytes += S_ISREG(st.st_mode) ? st.st_size : 0;
	if (store_path_artifacts(path, sizeof(path), data_dir, id) == 0 && lstat(path, &st) == 0) {
		removed_bytes = 0;
		nftw(path, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
		bytes += removed_bytes;
	}
	/* This machine's copy of another's run files (the store's went with its samples). */
	if (store_path_copies(path, sizeof(path), data_dir, id) == 0 && lstat(path, &st) == 0) {
		removed_bytes = 0;
		nftw(path, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
		bytes += removed_bytes;
	}
	return bytes;
}

/* Summarize runs ids[0..n) in one transaction; their files after it commits. */
static int summarize_batch(struct store_retain_report *rep, struct retention *r,
			   const int64_t *ids, size_t n)
{
	struct store *store = r->session->store;
	struct groups g = {0};
	struct store_summarize *runs = calloc(n + 1, sizeof(*runs));
	struct store_run_summary *sums = NULL;
	double *scratch = NULL;
	size_t most = 0, k = 0;
	int64_t samples = 0;
	int rc;
	if (!runs || !(sums = calloc(1, sizeof(*sums)))) {
		rc = -ENOMEM;
		goto done;
	}
	if ((rc = store_errno(store_samples_of_runs(store, ids, n, NULL, NULL, add_sample, &g))))
		goto done;
	free(sums);
	if (!(sums = calloc(g.n + 1, sizeof(*sums)))) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < g.n; i++)
		most = g.list[i].n > most ? g.list[i].n : most;
	if (!(scratch = malloc((most + 1) * sizeof(*scratch)))) {
		rc = -ENOMEM;
		goto done;
	}
	/* Each run's summaries side by side (the store gave them benchmark first). */
	for (size_t i = 0; i < n; i++) {
		runs[i] = (struct store_summarize){.run_id = ids[i], .sums = &sums[k]};
		for (size_t j = 0; j < g.n; j++) {
			struct stats_summary d;
			if (g.list[j].run != ids[i])
				continue;
			if (stats_describe(&d, g.list[j].values, g.list[j].n, scratch)) {
				rc = -EIO;
				goto done;
			}
			sums[k++] = (struct store_run_summary){
				.benchmark = g.list[j].bench, .n = (int64_t)d.n, .mean = d.mean,
				.stddev = d.stddev, .median = d.median, .min = d.min, .max = d.max};
			runs[i].nsums++;
		}
	}
	if ((rc = store_errno(store_runs_summarize(store, &samples, runs, n))))
		goto done;
	rep->summarized += (int64_t)n;
	rep->samples += samples;
	for (size_t i = 0; i < n; i++)
		rep->bytes += remove_run_files(r->session->data_dir, ids[i]);
done:
	groups_clear(&g);
	free(runs);
	free(sums);
	free(scratch);
	return rc;
}

static int pass(struct store_retain_report *rep, struct retention *r, int64_t now)
{
	struct store *store = r->session->store;
	struct store_retain_run *runs = NULL;
	enum keep *keep = NULL;
	int64_t *todo = NULL;
	size_t n = 0, ntodo = 0;
	int rc;
	if ((rc = store_errno(store_retain_runs(store, &runs, &n))))
		return rc;
	if (!(keep = calloc(n + 1, sizeof(*keep))) || !(todo = calloc(n + 1, sizeof(*todo)))) {
		rc = -ENOMEM;
		goto done;
	}
	if ((rc = classify(keep, r, runs, n, now)))
		goto done;
	for (size_t i = 0; i < n; i++) {
		if (runs[i].summarized) {
			rep->summarized_before++;
			/* A crash between a batch's commit and its files' removal left them. */
			rep->bytes += remove_run_files(r->session->data_dir, runs[i].id);
			continue;
		}
		switch (keep[i]) {
		case KEEP_EXCLUDED: rep->kept_excluded++; break;
		case KEEP_PAIRED: rep->kept_paired++; break;
		case KEEP_BASELINE: rep->kept_baseline++; break;
		case KEEP_REGRESSIONS: rep->kept_regressions++; break;
		case KEEP_RECENT: rep->kept_recent++; break;
		case KEEP_PER_COMMIT: rep->kept_per_commit++; break;
		case KEEP_NONE: todo[ntodo++] = runs[i].id; break;
		}
	}
	for (size_t done = 0; done < ntodo;) {
		size_t batch = ntodo - done < (size_t)r->policy->batch ? ntodo - done
								      : (size_t)r->policy->batch;
		if ((rc = summarize_batch(rep, r, todo + done, batch)))
			goto done;
		done += batch;
		if (r->pause_ms > 0 && done < ntodo) {
			struct timespec t = {r->pause_ms / 1000, r->pause_ms % 1000 * 1000000};
			while (nanosleep(&t, &t) < 0 && errno == EINTR)
				;
		}
		/* A queued run is measured first; the rest waits for the next idle moment. */
		if (done < ntodo && idle_jobs_waiting(store)) {
			rep->left = (int64_t)(ntodo - done);
			break;
		}
	}
done:
	free(runs);
	free(keep);
	free(todo);
	return rc;
}

size_t retention_next(void *ctx)
{
	struct retention *r = ctx;
	struct store_retain_report rep = {0};
	int64_t now = now_real_ns();
	int rc;
	if (!r)
		return 0;
	if (r->next_ns < 0) {
		/* The last pass of any daemon: a complete one sets the next. */
		struct store_retain_report last;
		r->next_ns = 0;
		if (store_retain_report_get(r->session->store, &last) == STORE_OK && last.finished_ns &&
		    !last.left)
			r->next_ns = last.finished_ns + r->policy->every_s * NS_PER_S;
	}
	if (now < r->next_ns)
		return 0;
	/* Recorded as under way first: a pass a crash cuts short says so. */
	rep.started_ns = now;
	if ((rc = store_retain_report_set(r->session->store, &rep))) {
		r->next_ns = now + r->policy->every_s * NS_PER_S;
		return 0;
	}
	rc = pass(&rep, r, now);
	if (rc) {
		log_error(rc, "pruning old runs: %s", strerror(-rc));
		r->next_ns = now_real_ns() + r->policy->every_s * NS_PER_S;
		return 0;
	}
	rep.finished_ns = now_real_ns();
	store_retain_report_set(r->session->store, &rep);
	r->next_ns = rep.left ? 0 : rep.finished_ns + r->policy->every_s * NS_PER_S;
	if (rep.summarized || rep.bytes)
		log_notice("pruned old runs: %lld summarized (%lld samples), %lld bytes of logs and"
			   " perf data freed%s",
			   (long long)rep.summarized, (long long)rep.samples, (long long)rep.bytes,
			   rep.left ? "; the rest waits for the next idle moment" : "");
	return 0;
}
