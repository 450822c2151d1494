/* Watching branches (watch.h). */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/config.h"
#include "config/watch.h"
#include "queue/submit.h"
#include "repo/fetch.h"
#include "repo/repo.h"
#include "service/watch.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/strbuf.h"
#include "views/session.h"

/* The first retry after a failed fetch; it doubles up to the interval. */
#define WATCH_BACKOFF_FIRST_S 15
/* How far back a walk looks for the tip queued last: a longer run of new
 * commits is treated as a rewritten history (its tip only). */
#define WATCH_WALK_MAX 100000
/* The result while the tip queued last is that of a rewritten history. */
#define WATCH_REWRITTEN "ok (history rewritten: only the new tip queued)"

struct watch {
	pthread_t thread;
	bool started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stopping;
	const struct watch_config *config;
	char *config_json;
	struct view_session *session; /* the thread's own store and repository */
	struct runner *runner;
};

/* ---- when ---- */

/* The next daily time of minute (after local midnight) strictly after now. */
static int64_t next_daily(int minute, int64_t now_ns)
{
	time_t now = (time_t)(now_ns / NS_PER_S), at;
	struct tm tm;
	localtime_r(&now, &tm);
	tm.tm_hour = minute / 60;
	tm.tm_min = minute % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	at = mktime(&tm);
	while (at <= now) {
		tm.tm_mday++;
		tm.tm_isdst = -1;
		at = mktime(&tm);
	}
	return (int64_t)at * NS_PER_S;
}

/* When the fetch after a good one at now is due. */
static int64_t next_regular(const struct watch_config *c, int64_t now_ns)
{
	if (c->at_minute >= 0)
		return next_daily(c->at_minute, now_ns);
	return now_ns + c->every_s * NS_PER_S;
}

/* When the retry after failures failed fetches in a row is due: doubling
 * from WATCH_BACKOFF_FIRST_S, never later than the regular fetch. */
static int64_t next_retry(const struct watch_config *c, int64_t failures, int64_t now_ns)
{
	int64_t delay = WATCH_BACKOFF_FIRST_S * NS_PER_S, regular = next_regular(c, now_ns);
	for (int64_t i = 1; i < failures && now_ns + delay < regular; i++)
		delay *= 2;
	return now_ns + delay < regular ? now_ns + delay : regular;
}

/* ---- what to queue ---- */

/* Pick from the n new commits (oldest first) those to queue, into keep[]:
 * every every_nth (counting from the oldest) and the newest, then at most
 * max of them, spread evenly with the newest kept. Returns how many. */
static size_t pick(bool *keep, size_t n, int every_nth, int max)
{
	size_t chosen = 0, *idx;
	for (size_t i = 0; i < n; i++) {
		keep[i] = (i + 1) % (size_t)every_nth == 0 || i == n - 1;
		chosen += keep[i];
	}
	if (chosen <= (size_t)max)
		return chosen;
	if (!(idx = malloc(chosen * sizeof(*idx)))) {
		/* Out of memory: the newest alone is still right. */
		for (size_t i = 0; i + 1 < n; i++)
			keep[i] = false;
		return 1;
	}
	for (size_t i = 0, k = 0; i < n; i++)
		if (keep[i])
			idx[k++] = i;
	for (size_t i = 0; i < n; i++)
		keep[i] = false;
	/* max of the chosen, evenly: the k-th from the newest end. */
	for (size_t k = 0; k < (size_t)max; k++)
		keep[idx[chosen - 1 - k * chosen / (size_t)max]] = true;
	free(idx);
	return (size_t)max;
}

/* The first-parent commits from tip back to old (excluded), oldest first,
 * into *out (malloc'd). A walk that never meets old (it was merged in as a
 * second parent) stops at the first commit old contains. */
static int new_commits(char (**out)[REPO_HEX_SIZE], size_t *n, struct repo *repo,
		       const char *tip, const char *old)
{
	struct repo_walk *walk = NULL;
	char (*list)[REPO_HEX_SIZE] = NULL;
	char id[REPO_HEX_SIZE];
	size_t nr = 0, alloc = 0;
	int rc;
	*out = NULL;
	*n = 0;
	if ((rc = repo_walk_new(&walk, repo, tip, WATCH_WALK_MAX)))
		return rc;
	while (repo_walk_next(walk, id, NULL) == 1) {
		if (strcmp(id, old) == 0 || repo_is_ancestor(repo, id, old) == 1)
			break;
		if (nr == alloc) {
			size_t grow = alloc ? 2 * alloc : 64;
			void *more = realloc(list, grow * sizeof(*list));
			if (!more) {
				free(list);
				repo_walk_free(walk);
				return -ENOMEM;
			}
			list = more;
			alloc = grow;
		}
		memcpy(list[nr++], id, REPO_HEX_SIZE);
	}
	repo_walk_free(walk);
	/* Newest first from the walk: turn it round. */
	for (size_t i = 0; i < nr / 2; i++) {
		char t[REPO_HEX_SIZE];
		memcpy(t, list[i], REPO_HEX_SIZE);
		memcpy(list[i], list[nr - 1 - i], REPO_HEX_SIZE);
		memcpy(list[nr - 1 - i], t, REPO_HEX_SIZE);
	}
	*out = list;
	*n = nr;
	return 0;
}

/* Queue the kept commits that have no run yet (a commit queued before a
 * kill has one), in one submission: all or none. *queued counts them. */
static int queue_commits(size_t *queued, struct watch *w, char (*list)[REPO_HEX_SIZE],
			 const bool *keep, size_t n, char *err, size_t errsize)
{
	struct strbuf text = STRBUF_INIT;
	struct queue_run *runs = NULL;
	size_t nruns = 0;
	char *lines;
	int rc;
	*queued = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t id;
		if (!keep[i])
			continue;
		rc = store_commit_latest(w->session->store, &id, list[i]);
		if (rc == STORE_OK)
			continue;
		if (rc != STORE_NOTFOUND) {
			strbuf_release(&text);
			snprintf(err, errsize, "reading the store: %s", store_errmsg(w->session->store));
			return store_errno(rc);
		}
		strbuf_addf(&text, "%s\n", list[i]);
	}
	if (!(lines = strbuf_detach(&text, NULL))) {
		snprintf(err, errsize, "out of memory");
		return -ENOMEM;
	}
	if (!*lines) {
		free(lines);
		return 0;
	}
	rc = queue_submit(&runs, &nruns, w->session->store, w->session->repo, w->config_json, lines,
			  strlen(lines), err, errsize);
	free(lines);
	if (rc)
		return rc;
	*queued = nruns;
	queue_runs_free(runs, nruns);
	if (w->runner)
		runner_wake(w->runner);
	return 0;
}

/* ---- one branch ---- */

static int set_text(char **field, const char *text)
{
	char *copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	free(*field);
	*field = copy;
	return 0;
}

/* A failed fetch (or queueing): recorded, logged when its reason changed,
 * retried after the backoff. Nothing else is touched. */
static void record_failure(struct watch *w, struct store_watch *s, const char *what,
			   const char *why, int64_t now)
{
	char msg[1024];
	snprintf(msg, sizeof(msg), "%s: %s", what, why);
	if (!s->error || strcmp(s->error, msg) != 0 || !s->result || strcmp(s->result, "ok") == 0)
		log_error(-EIO, "watch: %s %s: %s; retrying with a backoff", s->remote, s->branch,
			  msg);
	s->failures++;
	s->fetched_ns = now;
	s->error_ns = now;
	if (set_text(&s->error, msg) || set_text(&s->result, msg))
		log_error(-ENOMEM, "watch: out of memory");
	s->next_ns = next_retry(w->config, s->failures, now);
}

static void watch_branch(struct watch *w, struct store_watch *s)
{
	const struct watch_config *c = w->config;
	struct repo *repo = w->session->repo;
	char refspec[2200], ref[1024], tip[REPO_HEX_SIZE], err[1024] = "";
	const char *specs[1] = {refspec};
	char (*list)[REPO_HEX_SIZE] = NULL;
	bool *keep = NULL, rewritten = false;
	size_t n = 0, queued = 0;
	int64_t now = now_real_ns();
	int rc;

	/* A configured remote's tracking branch, as git fetch keeps it; a URL
	 * gets refs of benchfs's own. */
	if (strchr(c->remote, '/') || strchr(c->remote, ':'))
		snprintf(ref, sizeof(ref), "refs/benchfs/watch/%s", s->branch);
	else
		snprintf(ref, sizeof(ref), "refs/remotes/%s/%s", c->remote, s->branch);
	snprintf(refspec, sizeof(refspec), "+refs/heads/%s:%s", s->branch, ref);
	if ((rc = repo_fetch(repo, c->remote, specs, 1, err, sizeof(err)))) {
		record_failure(w, s, "fetch failed", err, now);
		return;
	}
	if ((rc = repo_ref_commit(tip, repo, ref))) {
		record_failure(w, s, "fetch failed", "the fetched branch has no commit", now);
		return;
	}
	if (s->failures)
		log_notice("watch: %s %s: fetching works again", s->remote, s->branch);

	if (!*s->tip) {
		/* The first fetch: its tip, not the whole history. */
		n = 1;
		if (!(list = malloc(sizeof(*list)))) {
			record_failure(w, s, "queueing failed", "out of memory", now);
			return;
		}
		memcpy(list[0], tip, REPO_HEX_SIZE);
	} else if (strcmp(s->tip, tip) != 0) {
		rc = repo_is_ancestor(repo, s->tip, tip);
		if (rc == 1)
			rc = new_commits(&list, &n, repo, tip, s->tip);
		if (rc != 0 || n == 0) {
			/* Rewritten (or the old tip is gone): the new tip only. */
			rewritten = true;
			free(list);
			n = 1;
			if (!(list = malloc(sizeof(*list)))) {
				record_failure(w, s, "queueing failed", "out of memory", now);
				return;
			}
			memcpy(list[0], tip, REPO_HEX_SIZE);
			log_warning("watch: %s %s was rewritten: %.12s is no longer in its history;"
				    " queueing its new tip %.12s only", s->remote, s->branch, s->tip,
				    tip);
		}
	}
	if (n) {
		if (!(keep = calloc(n, sizeof(*keep)))) {
			free(list);
			record_failure(w, s, "queueing failed", "out of memory", now);
			return;
		}
		pick(keep, n, c->every_nth, c->max_per_fetch);
		if ((rc = queue_commits(&queued, w, list, keep, n, err, sizeof(err)))) {
			free(list);
			free(keep);
			/* The tip stays where it was: the next fetch queues them. */
			record_failure(w, s, "queueing failed", err, now);
			return;
		}
		if (queued)
			log_notice("watch: %s %s: queued %zu of %zu new commits, up to %.12s",
				   s->remote, s->branch, queued, n, tip);
	}
	free(list);
	free(keep);
	/* The count and a rewrite's note go with the tip: those of the fetch
	 * that moved it. */
	if (strcmp(s->tip, tip) != 0)
		s->queued = (int64_t)queued;
	else
		rewritten = s->result && strncmp(s->result, WATCH_REWRITTEN, strlen(WATCH_REWRITTEN)) == 0;
	memcpy(s->tip, tip, REPO_HEX_SIZE);
	s->fetched_ns = now;
	s->failures = 0;
	s->next_ns = next_regular(c, now);
	if (set_text(&s->result, rewritten ? WATCH_REWRITTEN : "ok"))
		log_error(-ENOMEM, "watch: out of memory");
}

/* ---- the thread ---- */

/* The state of every branch, as stored or new; a stored next fetch later
 * than the configuration allows now (it was changed) is brought forward. */
static int load_states(struct watch *w, struct store_watch *states)
{
	const struct watch_config *c = w->config;
	int64_t now = now_real_ns(), latest = next_regular(c, now);
	for (size_t i = 0; i < c->nbranches; i++) {
		int rc = store_watch_get(w->session->store, &states[i], c->remote, c->branches[i]);
		if (rc == STORE_NOTFOUND) {
			memset(&states[i], 0, sizeof(states[i]));
			rc = (states[i].remote = strdup(c->remote)) &&
					     (states[i].branch = strdup(c->branches[i]))
				     ? STORE_OK
				     : STORE_NOMEM;
		}
		if (rc)
			return store_errno(rc);
		if (states[i].next_ns > latest)
			states[i].next_ns = latest;
	}
	return 0;
}

static void *watch_loop(void *arg)
{
	struct watch *w = arg;
	const struct watch_config *c = w->config;
	struct store_watch *states = calloc(c->nbranches, sizeof(*states));
	int rc;
	if (!states || (rc = load_states(w, states))) {
		log_error(states ? rc : -ENOMEM,
			  "watch: cannot read the watched branches' state; not watching");
		goto out;
	}
	pthread_mutex_lock(&w->lock);
	while (!w->stopping) {
		int64_t now = now_real_ns(), next = INT64_MAX;
		struct timespec ts;
		for (size_t i = 0; i < c->nbranches && !w->stopping; i++) {
			if (states[i].next_ns > now)
				continue;
			pthread_mutex_unlock(&w->lock);
			watch_branch(w, &states[i]);
			if ((rc = store_watch_put(w->session->store, &states[i])))
				log_error(store_errno(rc), "watch: cannot record the fetch of %s %s",
					  states[i].remote, states[i].branch);
			pthread_mutex_lock(&w->lock);
			now = now_real_ns();
		}
		for (size_t i = 0; i < c->nbranches; i++)
			if (states[i].next_ns < next)
				next = states[i].next_ns;
		if (w->stopping || next <= now)
			continue;
		timespec_real_after(&ts, (next - now + 999999) / 1000000);
		pthread_cond_timedwait(&w->cond, &w->lock, &ts);
	}
	pthread_mutex_unlock(&w->lock);
out:
	store_watch_free(states, c->nbranches);
	return NULL;
}

static void watch_free(struct watch *w)
{
	if (!w)
		return;
	view_session_free(w->session);
	free(w->config_json);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	free(w);
}

int watch_start(struct watch **out, const struct view_settings *settings, struct runner *runner,
		char *err, size_t errsize)
{
	struct watch *w;
	int rc;
	*out = NULL;
	if (!settings->config || !settings->config->watch)
		return 0;
	if (!(w = calloc(1, sizeof(*w)))) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->config = settings->config->watch;
	w->runner = runner;
	if (!(w->config_json = strdup(settings->config_json))) {
		snprintf(err, errsize, "out of memory");
		goto fail;
	}
	if (view_session_open(&w->session, settings, err, errsize))
		goto fail;
	if ((rc = pthread_create(&w->thread, NULL, watch_loop, w))) {
		snprintf(err, errsize, "cannot start the watch thread: %s", strerror(rc));
		goto fail;
	}
	w->started = true;
	*out = w;
	return 0;
fail:
	watch_free(w);
	return -1;
}

void watch_stop(struct watch *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stopping = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
	if (w->started)
		pthread_join(w->thread, NULL);
	watch_free(w);
}
