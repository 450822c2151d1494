/* The daemon's bisections (service/bisect.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "queue/submit.h"
#include "repo/repo.h"
#include "service/bisect.h"
#include "store/fleet.h"
#include "store/store.h"
#include "util/labels.h"
#include "util/log.h"
#include "util/runid.h"
#include "util/strbuf.h"
#include "views/bisect.h"
#include "views/history.h"
#include "views/regressions.h"
#include "views/session.h"

struct bisector {
	/* The store's change number and the branch tip when nothing was left
	 * to do (-1: never): idle wake-ups after that cost two reads. */
	int64_t settled_seq;
	char settled_tip[STORE_HASH_LEN + 1];
	char *config_json;
	int max_runs;
	struct view_session *session;
};

void bisector_free(struct bisector *b)
{
	if (!b)
		return;
	view_session_free(b->session);
	free(b->config_json);
	free(b);
}

int bisector_open(struct bisector **out, const struct view_settings *opts, int max_runs,
		  char *err, size_t errsize)
{
	struct bisector *b = calloc(1, sizeof(*b));
	*out = NULL;
	if (!b || !(b->config_json = strdup(opts->config_json))) {
		snprintf(err, errsize, "out of memory");
		goto fail;
	}
	if (view_session_open(&b->session, opts, err, errsize))
		goto fail;
	/* The steps to bisect are the confirmed ones. */
	b->session->view.confirm = true;
	b->settled_seq = -1;
	b->max_runs = max_runs;
	*out = b;
	return 0;
fail:
	bisector_free(b);
	return -1;
}

/* The configuration the bad end was measured with (its newest own run's),
 * malloc'd; the daemon's when it has none. */
static char *config_of(struct bisector *b, const char *commit)
{
	struct store *store = b->session->store;
	struct store_run run;
	int64_t *ids = NULL;
	size_t n = 0;
	char *config = NULL;
	if (store_commit_done_runs(store, &ids, &n, commit, NULL) == STORE_OK && n &&
	    store_run_get(store, &run, ids[n - 1]) == STORE_OK) {
		config = run.config ? strdup(run.config) : NULL;
		store_run_clear(&run);
	}
	free(ids);
	return config ? config : strdup(b->config_json);
}

/* A bisection for each line of the regressions file that needs one. */
static int start_new(struct bisector *b, const char *tip)
{
	const struct view_ctx *view = &b->session->view;
	char *text = NULL, *line, *next;
	int rc = regressions_render(&text, view, tip);
	if (rc)
		return rc;
	for (line = text; rc == 0 && line && *line; line = next) {
		struct bisect_line l;
		char parent[REPO_HEX_SIZE], *config;
		int64_t id;
		bool created;
		if ((next = strchr(line, '\n')))
			*next++ = '\0';
		if (bisect_line_parse(&l, line))
			continue;
		/* Neighbours on the first-parent line: nothing in between. */
		if (repo_first_parent(parent, b->session->repo, l.bad) || strcmp(parent, l.good) == 0)
			continue;
		if (!(config = config_of(b, l.bad))) {
			rc = -ENOMEM;
			break;
		}
		rc = store_errno(store_bisection_add(b->session->store, &id, &created, l.bench,
						     l.metric, l.good, l.bad, config));
		free(config);
		if (rc == 0 && created)
			log_notice("bisection %lld: %s (%s) from %.12s (good) to %.12s (bad)",
				   (long long)id, l.bench, l.metric, l.good, l.bad);
	}
	free(text);
	return rc;
}

static void ids_text(struct strbuf *out, const int64_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strbuf_addf(out, "%s%lld", i ? "," : "", (long long)ids[i]);
}

/* Record where bisection it is, when that changed. */
static int record(struct bisector *b, const struct store_bisection *it,
		  const struct bisect_walk *w)
{
	struct strbuf runs = STRBUF_INIT;
	const char *culprit = strcmp(w->state, "named") == 0 ? w->culprit : "";
	char *text;
	int rc = 0;
	ids_text(&runs, w->runs, w->nruns);
	if (!(text = strbuf_detach(&runs, NULL)))
		return -ENOMEM;
	if (strcmp(it->state, w->state) != 0 || strcmp(it->culprit, culprit) != 0 ||
	    strcmp(it->runs, text) != 0 || strcmp(it->detail, w->detail) != 0)
		rc = store_errno(store_bisection_update(b->session->store, it->id, w->state,
							culprit, text, w->detail));
	if (rc == 0 && strcmp(it->state, w->state) != 0 && strcmp(w->state, "running") != 0)
		log_notice("bisection %lld: %s%s%.12s%s%s", (long long)it->id, w->state,
			   culprit[0] ? " " : "", culprit, w->detail[0] ? ": " : "", w->detail);
	free(text);
	return rc;
}

/* Queue what w says is next for bisection it: the runs queued, or 0. */
static size_t queue_step(struct bisector *b, const struct store_bisection *it,
			 const struct bisect_walk *w)
{
	char revision[64], pin[80] = "";
	struct store_new_run runs[2];
	int64_t ids[2];
	size_t n;
	int rc;
	snprintf(revision, sizeof(revision), STORE_BISECT_REVISION "%lld", (long long)it->id);
	/* A fleet's runners share the queue: a bisection walks this host's
	 * history, so this host's runner measures its runs. */
	if (store_shared(b->session->store) && b->session->view.host)
		labels_host(pin, sizeof(pin), b->session->view.host);
	if (w->action == BISECT_QUEUE_RUN) {
		runs[0] = (struct store_new_run){.revision = revision, .commit = w->target,
						 .config = it->config, .labels = pin};
		n = 1;
	} else if (w->action == BISECT_QUEUE_PAIR) {
		/* The interleaved A/B job a user's parent..culprit would be; its
		 * revision marks it as this bisection's, in the same transaction. */
		runs[0] = (struct store_new_run){.revision = revision, .commit = w->target_parent,
						 .config = it->config, .paired_with_next = true,
						 .labels = pin};
		runs[1] = (struct store_new_run){.revision = revision, .commit = w->target,
						 .config = it->config, .labels = pin};
		n = 2;
	} else {
		return 0;
	}
	/* The queue's cap on pending jobs, as for any job. */
	rc = store_runs_queue(b->session->store, ids, runs, n, QUEUE_PENDING_MAX);
	if (rc) {
		log_error(store_errno(rc), "bisection %lld: queueing a run of %.12s: %s",
			  (long long)it->id, w->target, store_errmsg(b->session->store));
		return 0;
	}
	if (n == 1)
		log_notice("bisection %lld: queued run %lld of %.12s", (long long)it->id,
			   (long long)ids[0], w->target);
	else
		log_notice("bisection %lld: queued the A/B job %.12s..%.12s (runs %lld, %lld) to"
			   " verify the first bad commit",
			   (long long)it->id, w->target_parent, w->target, (long long)ids[0],
			   (long long)ids[1]);
	return n;
}

size_t bisector_next(void *ctx)
{
	struct bisector *b = ctx;
	struct store_bisection *list = NULL;
	char tip[STORE_HASH_LEN + 1];
	size_t n = 0, queued = 0;
	int64_t seq = -1;
	int rc;
	if (!b || history_tip(tip, &b->session->view) < 0)
		return 0;
	/* Any change of a run (one failing to build too) may move a bisection;
	 * none since nothing was left: nothing to do. */
	if (store_seq(b->session->store, &seq) == STORE_OK && seq == b->settled_seq &&
	    strcmp(tip, b->settled_tip) == 0)
		return 0;
	if ((rc = start_new(b, tip)) ||
	    (rc = store_errno(store_bisections_list(b->session->store, &list, &n)))) {
		log_error(rc, "bisecting: %s", strerror(-rc));
		return 0;
	}
	for (size_t i = 0; i < n && !queued; i++) {
		struct bisect_walk w;
		if (strcmp(list[i].state, "running") != 0)
			continue;
		if ((rc = bisect_walk(&w, &b->session->view, &list[i], b->max_runs))) {
			log_error(rc, "bisection %lld: %s", (long long)list[i].id, strerror(-rc));
			continue;
		}
		if ((rc = record(b, &list[i], &w)) == 0)
			queued = queue_step(b, &list[i], &w);
		bisect_walk_clear(&w);
	}
	store_bisections_free(list, n);
	/* Nothing queued: remember the change number as it is now (after what
	 * record wrote), so the next wake-up without news costs nothing. */
	if (!queued && store_seq(b->session->store, &seq) == STORE_OK) {
		b->settled_seq = seq;
		memcpy(b->settled_tip, tip, sizeof(tip));
	}
	return queued;
}
