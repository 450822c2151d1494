/* Views: how each path of the mounted tree maps to data in the store.
 * No FUSE here: these functions produce nodes and directory listings. */
#ifndef BENCHFS_FS_VIEWS_H
#define BENCHFS_FS_VIEWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node.h"
#include "store.h"

struct git_repository;

struct view_ctx {
	struct store *store;
	const char *data_dir;
	int64_t mount_ns; /* mount time: the mtime of static things */
	struct git_repository *repo; /* FUSE thread only, like the store handle */
	const char *host;            /* this host: the computed views pool its runs */
	const char *branch;          /* full name of the tracked branch (refs/heads/main) */
	double alpha, threshold;     /* the verdict's significance and noise threshold */
	/* "threshold": "auto": a benchmark's threshold is the fence of its
	 * run-to-run changes on this host once that is known (threshold until
	 * then); A/B pairs keep threshold. */
	bool threshold_auto;
	/* "confirm": a wall time regression is listed once an A/B job confirmed
	 * it (the daemon queues them, confirm.h); else the history's own steps. */
	bool confirm;
	/* Whether the file system keeps inode ino for key (snapshots_held: 1 yes,
	 * 0 not kept, -1 kept for another key). A computed file kept already is
	 * not rendered again (its node comes back with cached set); a number kept
	 * for another key is passed over. */
	int (*held)(void *cache_ctx, uint64_t ino, const char *key);
	void *cache_ctx;
	/* The last serial number given to a writable file's inode (inode.h). */
	uint64_t *serial;
};

/* What the daemon was started with that the views use: the file system's
 * and the daemon's own A/B jobs' (confirm.h) alike. */
struct view_settings {
	const char *repo_path;
	const char *data_dir;
	const char *config_json; /* normalised configuration stored with each queued job */
	const char *branch;      /* full name of the tracked branch; NULL: none */
	double alpha, threshold; /* of the compare verdicts */
	bool threshold_auto;     /* "threshold": "auto" (see view_ctx) */
	bool confirm;            /* "confirm" (see view_ctx) */
};

struct dir_entry {
	char name[256];
	uint64_t ino;
	enum node_type type;
};

/* The node called name inside directory parent; -ENOENT when there is none,
 * -EIO when the store fails. */
int view_lookup(const struct view_ctx *ctx, struct node *out, uint64_t parent, const char *name);
/* The current node of inode ino (for getattr when nothing is cached, and for
 * files read from disk and directories, whose attributes change): -ENOENT
 * when that inode's version is no longer current. key: the kept node's key
 * (artifacts are found by it), or NULL. */
int view_node(const struct view_ctx *ctx, struct node *out, uint64_t ino, const char *key);
/* Claim *ino (a number hashed from key) for key: 1 when the file system keeps
 * it for key already, 0 when it is free; a number kept for another key moves
 * *ino to the next one within mask. -ENFILE when no number is free nearby. */
int view_claim(const struct view_ctx *ctx, uint64_t *ino, uint64_t mask, const char *key);
/* A new serial number for a writable file's inode. */
uint64_t view_serial(const struct view_ctx *ctx);
/* The entries of directory ino (without . and ..), malloc'd. */
int view_list(const struct view_ctx *ctx, struct dir_entry **entries, size_t *n, uint64_t ino);

/* The text of a run's status file: "queued\n", "running sort 3/10\n", ... */
char *view_status_text(const struct store_run *run);

#endif
