#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "queue/submit.h"
#include "service/confirm.h"
#include "store/fleet.h"
#include "store/store.h"
#include "util/labels.h"
#include "util/log.h"
#include "views/context.h"
#include "views/history.h"
#include "views/regressions.h"
#include "views/session.h"

struct confirm {
	/* The views' change number and branch tip when no job was left (-1: never). */
	int64_t settled_seq;
	char settled_tip[STORE_HASH_LEN + 1];
	char *config_json;
	/* A store handle and repository of its own: it runs on the runner's thread. */
	struct view_session *session;
};

void confirm_free(struct confirm *c)
{
	if (!c)
		return;
	view_session_free(c->session);
	free(c->config_json);
	free(c);
}

/* The configuration of the A/B jobs: the mount's, without the benchmarks
 * that have a service, which one interleaved job cannot measure (both
 * commits' servers would want one port); a job of the others still settles
 * their suspects. *json NULL when none is left. */
static int config_for_pairs(char **json, const char *config_json, char *err, size_t errsize)
{
	struct config *config = NULL;
	*json = NULL;
	if (config_parse(&config, config_json, err, errsize))
		return -1;
	if (config_drop_services(config) == 0)
		*json = strdup(config_json);
	else if (config->nbenchmarks > 0)
		*json = config_to_json(config);
	else
		log_notice("no A/B jobs settle suspected regressions: every benchmark has a service");
	if (config->nbenchmarks > 0 && !*json) {
		config_free(config);
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	config_free(config);
	return 0;
}

int confirm_open(struct confirm **out, const struct view_settings *opts, char *err,
		 size_t errsize)
{
	struct confirm *c = calloc(1, sizeof(*c));
	*out = NULL;
	if (!c || config_for_pairs(&c->config_json, opts->config_json, err, errsize))
		goto fail;
	if (view_session_open(&c->session, opts, err, errsize))
		goto fail;
	c->session->view.confirm = true;
	c->settled_seq = -1;
	*out = c;
	return 0;
fail:
	confirm_free(c);
	return -1;
}

size_t confirm_next(void *ctx)
{
	struct confirm *c = ctx;
	char tip[STORE_HASH_LEN + 1], a[STORE_HASH_LEN + 1], b[STORE_HASH_LEN + 1];
	char line[2 * STORE_HASH_LEN + 320], err[512];
	struct queue_run *runs = NULL;
	size_t n = 0;
	int64_t seq = -1;
	int rc;
	if (!c || !c->config_json || history_tip(tip, &c->session->view) < 0)
		return 0;
	/* Nothing the suspects rest on has changed since none was left: the
	 * runner's idle wake-ups cost nothing. A moved branch tip is a change
	 * too, so it is part of what is remembered. */
	if (store_results_seq(c->session->store, &seq, NULL) == STORE_OK && seq == c->settled_seq &&
	    strcmp(tip, c->settled_tip) == 0)
		return 0;
	rc = regressions_next_job(a, b, &c->session->view, tip);
	if (rc == -ENOENT) {
		c->settled_seq = seq;
		memcpy(c->settled_tip, tip, sizeof(tip));
		return 0;
	}
	/* The store logs its own failures. */
	if (rc) {
		log_error(rc, "settling suspected regressions: %s", strerror(-rc));
		return 0;
	}
	/* The queue's policy, as a user's "a..b" would be queued: its cap on
	 * pending jobs, all or none. */
	snprintf(line, sizeof(line), "%s..%s", a, b);
	/* A fleet's runners share the queue: the job settles this host's
	 * history, so this host's runner measures it. */
	if (store_shared(c->session->store) && c->session->view.host) {
		char pin[80];
		labels_host(pin, sizeof(pin), c->session->view.host);
		snprintf(line + strlen(line), sizeof(line) - strlen(line), " @profile=%s", pin);
	}
	strcat(line, "\n");
	rc = queue_submit(&runs, &n, c->session->store, c->session->repo, c->config_json, line, strlen(line), err,
			  sizeof(err));
	if (rc || n != 2) {
		log_error(rc ? rc : -EIO, "queueing the A/B job %.12s..%.12s: %s", a, b,
			  rc ? err : "not one A/B job");
		queue_runs_free(runs, n);
		return 0;
	}
	log_notice("queued the A/B job %.12s..%.12s (runs %lld, %lld) to settle a suspected"
		   " regression",
		   a, b, (long long)runs[0].id, (long long)runs[1].id);
	queue_runs_free(runs, n);
	return 2;
}
