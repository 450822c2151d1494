/* The view context: what every rendered view reads (the store, the
 * repository, the verdict's settings), and what the daemon was started with
 * that the views use. Shared by views/, service/ and fs/; nothing of FUSE
 * (fs/ keeps its own context, which embeds this one). */
#ifndef BENCHFS_VIEWS_CONTEXT_H
#define BENCHFS_VIEWS_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>

#include "config/config.h"
#include "repo/repo.h"
#include "store/store.h"

/* A commit's hash is the same string in the store and the repository. */
_Static_assert(STORE_HASH_LEN + 1 == REPO_HEX_SIZE, "hash sizes of store/ and repo/ differ");

struct view_ctx {
	struct store *store;
	const char *data_dir;
	int64_t mount_ns; /* mount time: the mtime of static things */
	struct repo *repo;           /* one thread's, like the store handle */
	const char *host;            /* this host: the computed views pool its runs */
	const char *branch;          /* full name of the tracked branch (refs/heads/main) */
	double alpha, threshold;     /* the verdict's significance and noise threshold */
	/* "threshold": "auto": a benchmark's threshold is the fence of its
	 * run-to-run changes on this host once that is known (threshold until
	 * then); A/B pairs keep threshold. */
	bool threshold_auto;
	/* "confirm": a wall time regression is listed once an A/B job confirmed
	 * it (the daemon queues them, service/confirm.h); else the history's own steps. */
	bool confirm;
	/* The configuration the views judge against (the service levels of
	 * views/slo.h); NULL: none known, no service level is checked. */
	const struct config *config;
};

/* What the daemon was started with that the views use: the file system's
 * and the daemon's own A/B jobs' (service/confirm.h) alike. */
struct view_settings {
	const char *repo_path;
	const char *data_dir;
	const char *config_json; /* normalised configuration stored with each queued job */
	const char *branch;      /* full name of the tracked branch; NULL: none */
	double alpha, threshold; /* of the compare verdicts */
	bool threshold_auto;     /* "threshold": "auto" (see view_ctx) */
	bool confirm;            /* "confirm" (see view_ctx) */
	/* The configuration config_json normalises (see view_ctx); NULL: none.
	 * It outlives every view context made from these settings. */
	const struct config *config;
};

/* The run id of a canonical run directory name ("000042"), -1 when it is not
 * one (util/runid.h's runid_parse_dir). Any positive int64_t: a caller that
 * packs ids into something narrower (fs/'s inode numbers) checks its width. */
int64_t view_parse_run_name(const char *name);

#endif
