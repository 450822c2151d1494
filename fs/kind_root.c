/* File kinds of the root: the root directory itself, README, latest, and
 * commits/ with its links (internal_kinds.h). Directories whose own
 * attributes never change are cached for good, so walking a path costs no
 * round trip per component. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/internal_kinds.h"
#include "views/mount_readme.h"

/* The root's entries in listing order, each served by its kind's named(). */
static const struct {
	const char *name;
	enum node_kind kind;
	enum node_type type;
} root_entries[] = {
	{"README", KIND_README, NODE_FILE},
	{"index.html", KIND_DASHBOARD, NODE_FILE},
	{"queue", KIND_QUEUE, NODE_FILE},
	{"runners", KIND_RUNNERS, NODE_FILE},
	{"runs", KIND_RUNS, NODE_DIR},
	{"commits", KIND_COMMITS, NODE_DIR},
	{"latest", KIND_LATEST, NODE_LINK},
	{"compare", KIND_COMPARE_DIR, NODE_DIR},
	{"regressions", KIND_REGRESSIONS, NODE_FILE},
	{"slo", KIND_SLO, NODE_FILE},
	{"watch", KIND_WATCH, NODE_FILE},
	{"history", KIND_HISTORY_DIR, NODE_DIR},
	{"baselines", KIND_BASELINES_DIR, NODE_DIR},
	{"export", KIND_EXPORT_DIR, NODE_DIR},
	{"import", KIND_IMPORT_DIR, NODE_DIR},
	{"retention", KIND_RETENTION, NODE_FILE},
	{"audit", KIND_AUDIT_DIR, NODE_DIR},
	{"bisect", KIND_BISECT_DIR, NODE_DIR},
	{"alerts", KIND_ALERTS_DIR, NODE_DIR},
};

/* ---- the root ---- */

static int root_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino,
		     const char *key)
{
	unsigned dirs = 0;
	(void)ino, (void)key;
	/* a link a subdirectory: runs, commits, compare, history, ... */
	for (size_t i = 0; i < sizeof(root_entries) / sizeof(root_entries[0]); i++)
		dirs += root_entries[i].type == NODE_DIR;
	return fill_dir(out, INODE_ROOT, 2 + dirs, ctx->view.mount_ns, TIMEOUT_FOREVER);
}

static int root_lookup(const struct fs_ctx *ctx, struct node *out, uint64_t parent,
		       const char *name)
{
	(void)parent;
	for (size_t i = 0; i < sizeof(root_entries) / sizeof(root_entries[0]); i++)
		if (strcmp(name, root_entries[i].name) == 0)
			return kind_ops(root_entries[i].kind)->named(ctx, out);
	return -ENOENT;
}

static int root_list(const struct fs_ctx *ctx, struct entries *out, uint64_t ino)
{
	int64_t id;
	int rc = 0;
	(void)ino;
	for (size_t i = 0; i < sizeof(root_entries) / sizeof(root_entries[0]) && !rc; i++) {
		enum node_kind k = root_entries[i].kind;
		if (k != KIND_LATEST) {
			rc = entries_add(out, root_entries[i].name, inode_make(k, 0, 0),
					 root_entries[i].type);
			continue;
		}
		/* latest is there once a run is done. */
		if ((rc = store_latest_done(ctx->view.store, &id)) == STORE_NOTFOUND) {
			rc = 0;
			continue;
		}
		rc = rc ? -EIO : entries_add(out, "latest", inode_make(k, id, 0), NODE_LINK);
	}
	return rc;
}

const struct kind_ops kind_root = {
	.lookup = root_lookup,
	.node = root_node,
	.list = root_list,
};

/* ---- README ---- */

static int readme_named(const struct fs_ctx *ctx, struct node *out)
{
	return fill_file(out, inode_make(KIND_README, 0, 0), strdup(mount_readme_text),
			 ctx->view.mount_ns, TIMEOUT_FOREVER);
}

static int readme_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino,
		       const char *key)
{
	(void)ino, (void)key;
	return readme_named(ctx, out);
}

const struct kind_ops kind_readme = {
	.named = readme_named,
	.node = readme_node,
};

/* ---- latest: a link to the newest done run ---- */

static int latest_named(const struct fs_ctx *ctx, struct node *out)
{
	int64_t id;
	int rc;
	if ((rc = store_latest_done(ctx->view.store, &id)))
		return store_errno(rc);
	return fill_link(out, inode_make(KIND_LATEST, id, 0), "", id, ctx->view.mount_ns);
}

static int latest_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino,
		       const char *key)
{
	int rc = latest_named(ctx, out);
	(void)key;
	/* It pointed at another run: that inode has no target to give. */
	if (rc == 0 && out->ino != ino) {
		node_clear(out);
		return -ENOENT;
	}
	return rc;
}

const struct kind_ops kind_latest = {
	.named = latest_named,
	.node = latest_node,
};

/* ---- commits/: a link per commit with a done run, named by its full hash ---- */

static bool is_full_hash(const char *name)
{
	size_t i = 0;
	for (; name[i]; i++)
		if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
			return false;
	return i == STORE_HASH_LEN;
}

static int commits_named(const struct fs_ctx *ctx, struct node *out)
{
	return fill_dir(out, inode_make(KIND_COMMITS, 0, 0), 2, ctx->view.mount_ns,
			TIMEOUT_FOREVER);
}

static int commits_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino,
			const char *key)
{
	(void)ino, (void)key;
	return commits_named(ctx, out);
}

static int commits_lookup(const struct fs_ctx *ctx, struct node *out, uint64_t parent,
			  const char *name)
{
	int64_t id;
	int rc;
	(void)parent;
	if (!is_full_hash(name))
		return -ENOENT;
	if ((rc = store_commit_latest_done(ctx->view.store, &id, name)))
		return store_errno(rc);
	return fill_link(out, inode_make(KIND_COMMIT_LINK, id, 0), "../", id, ctx->view.mount_ns);
}

static int commits_list(const struct fs_ctx *ctx, struct entries *out, uint64_t ino)
{
	char(*hashes)[STORE_HASH_LEN + 1] = NULL;
	size_t n = 0;
	int rc = 0;
	(void)ino;
	if (store_done_commits(ctx->view.store, &hashes, &n))
		return -EIO;
	for (size_t i = 0; i < n && !rc; i++)
		rc = entries_add(out, hashes[i], inode_make(KIND_COMMIT_LINK, 0, i), NODE_LINK);
	free(hashes);
	return rc;
}

const struct kind_ops kind_commits = {
	.named = commits_named,
	.lookup = commits_lookup,
	.node = commits_node,
	.list = commits_list,
};

static int commit_link_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino,
			    const char *key)
{
	(void)key;
	return fill_link(out, ino, "../", inode_id(ino), ctx->view.mount_ns);
}

const struct kind_ops kind_commit_link = {
	.node = commit_link_node,
};
