/* A view session: the store handle, repository and host name a front end
 * renders views with, opened from what the daemon or a command was started
 * with. The file system, the daemon's own A/B jobs and the command line each
 * open their own (a store handle and a repository serve one thread). */
#ifndef BENCHFS_VIEWS_SESSION_H
#define BENCHFS_VIEWS_SESSION_H

#include <stddef.h>

#include "views/context.h"

struct view_session {
	struct view_ctx view; /* points into this session; valid until view_session_free */
	struct store *store;
	struct repo *repo;
	char *data_dir, *branch;
	char host[256];
};

/* Open the store of settings->data_dir and the repository: 0, or -1 with a
 * one-line message in err (*out is NULL). The views pool this host's runs. */
int view_session_open(struct view_session **out, const struct view_settings *settings,
		      char *err, size_t errsize);
void view_session_free(struct view_session *session);

#endif
