#include "views/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/paths.h"
#include "util/clock.h"

int view_session_open(struct view_session **out, const struct view_settings *settings,
		      char *err, size_t errsize)
{
	struct view_session *s = calloc(1, sizeof(*s));
	char path[4096], msg[512];
	*out = NULL;
	if (!s || !(s->data_dir = strdup(settings->data_dir)) ||
	    (settings->branch && !(s->branch = strdup(settings->branch)))) {
		snprintf(err, errsize, "out of memory");
		goto fail;
	}
	if (store_path_db(path, sizeof(path), settings->data_dir)) {
		snprintf(err, errsize, "data directory %s: %s", settings->data_dir,
			 "path too long");
		goto fail;
	}
	if (store_open(&s->store, path, STORE_SYNC_FULL)) {
		snprintf(err, errsize, "store %s: %s", path, store_errmsg(s->store));
		goto fail;
	}
	if (repo_open(&s->repo, settings->repo_path, msg, sizeof(msg))) {
		snprintf(err, errsize, "repository %s: %s", settings->repo_path, msg);
		goto fail;
	}
	/* gethostname need not terminate a truncated name. */
	if (gethostname(s->host, sizeof(s->host) - 1) != 0)
		s->host[0] = '\0';
	s->view = (struct view_ctx){
		.store = s->store,
		.data_dir = s->data_dir,
		.mount_ns = now_real_ns(),
		.repo = s->repo,
		.host = s->host,
		.branch = s->branch,
		.alpha = settings->alpha,
		.threshold = settings->threshold,
		.threshold_auto = settings->threshold_auto,
		.confirm = settings->confirm,
		.config = settings->config,
	};
	*out = s;
	return 0;
fail:
	view_session_free(s);
	return -1;
}

void view_session_free(struct view_session *s)
{
	if (!s)
		return;
	store_free(s->store);
	repo_free(s->repo);
	free(s->data_dir);
	free(s->branch);
	free(s);
}
