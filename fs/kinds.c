/* The table of file kinds and the dispatch through it (internal_kinds.h),
 * with the helpers every kind's handlers share: nodes, entries, inode
 * numbers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/internal_kinds.h"
#include "util/array.h"
#include "util/runid.h"

static const struct kind_ops *const table[KIND_COUNT] = {
	[KIND_ROOT] = &kind_root,
	[KIND_README] = &kind_readme,
	[KIND_QUEUE] = &kind_queue,
	[KIND_RUNS] = &kind_runs,
	[KIND_COMMITS] = &kind_commits,
	[KIND_LATEST] = &kind_latest,
	[KIND_RUN_DIR] = &kind_run_dir,
	[KIND_CONFIG] = &kind_run_file,
	[KIND_STATUS] = &kind_run_file,
	[KIND_LOG] = &kind_run_file,
	[KIND_SYSTEM] = &kind_run_file,
	[KIND_RESULT] = &kind_run_file,
	[KIND_SUMMARY] = &kind_run_file,
	[KIND_COMMIT_LINK] = &kind_commit_link,
	[KIND_COMPARE_DIR] = &kind_compare_dir,
	[KIND_COMPARE] = &kind_compare,
	[KIND_REGRESSIONS] = &kind_regressions,
	[KIND_HISTORY_DIR] = &kind_history_dir,
	[KIND_HISTORY] = &kind_history,
	[KIND_BASELINES_DIR] = &kind_baselines_dir,
	[KIND_BASELINE] = &kind_baseline,
	[KIND_BASELINE_HISTORY_DIR] = &kind_baseline_history_dir,
	[KIND_BASELINE_HISTORY] = &kind_baseline_history,
	[KIND_ARTIFACT] = &kind_artifact,
	[KIND_SLO] = &kind_slo,
	[KIND_WATCH] = &kind_watch,
	[KIND_EXPORT_DIR] = &kind_export_dir,
	[KIND_EXPORT] = &kind_export,
	[KIND_IMPORT_DIR] = &kind_import_dir,
	[KIND_IMPORT] = &kind_import,
	[KIND_RETENTION] = &kind_retention,
	[KIND_AUDIT_DIR] = &kind_audit_dir,
	[KIND_AUDIT] = &kind_audit,
	[KIND_BISECT_DIR] = &kind_bisect_dir,
	[KIND_BISECT] = &kind_bisect,
	[KIND_ALERTS_DIR] = &kind_alerts_dir,
	[KIND_ALERT] = &kind_alert,
	[KIND_FLAME] = &kind_flame,
	[KIND_RUN_TREE] = &kind_run_tree,
	[KIND_DASHBOARD] = &kind_dashboard,
	[KIND_COMPARE_VARIANTS_DIR] = &kind_compare_variants_dir,
	[KIND_RUNNERS] = &kind_runners,
};

const struct kind_ops *kind_ops(enum node_kind kind)
{
	/* inode_kind() gives the root's kind for a number of no kind. */
	return kind < KIND_COUNT && table[kind] ? table[kind] : table[KIND_ROOT];
}

int kind_lookup(const struct fs_ctx *ctx, struct node *out, uint64_t parent, const char *name)
{
	const struct kind_ops *ops = kind_ops(inode_kind(parent));
	return ops->lookup ? ops->lookup(ctx, out, parent, name) : -ENOTDIR;
}

int kind_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino, const char *key)
{
	const struct kind_ops *ops = kind_ops(inode_kind(ino));
	return ops->node ? ops->node(ctx, out, ino, key) : -ENOENT;
}

int kind_list(const struct fs_ctx *ctx, struct dir_entry **entries, size_t *n, uint64_t ino)
{
	const struct kind_ops *ops = kind_ops(inode_kind(ino));
	struct entries list = {0};
	int rc = ops->list ? ops->list(ctx, &list, ino) : -ENOTDIR;
	if (rc) {
		free(list.list);
		return rc;
	}
	*entries = list.list;
	*n = list.n;
	return 0;
}

int fill_file(struct node *out, uint64_t ino, char *content, int64_t mtime_ns, double timeout)
{
	if (!content)
		return -ENOMEM;
	*out = (struct node){
		.ino = ino,
		.type = NODE_FILE,
		.perm = 0444,
		.nlink = 1,
		.mtime_ns = mtime_ns,
		.timeout = timeout,
		.content = content,
		.size = strlen(content),
	};
	return 0;
}

int fill_dir(struct node *out, uint64_t ino, unsigned nlink, int64_t mtime_ns, double timeout)
{
	*out = (struct node){
		.ino = ino,
		.type = NODE_DIR,
		.perm = 0555,
		.nlink = nlink,
		.mtime_ns = mtime_ns,
		.timeout = timeout,
	};
	return 0;
}

int fill_link(struct node *out, uint64_t ino, const char *prefix, int64_t run_id,
	      int64_t mtime_ns)
{
	char name[32], *target = NULL;
	runid_dir_name(name, sizeof(name), run_id);
	if (asprintf(&target, "%sruns/%s", prefix, name) < 0)
		return -ENOMEM;
	*out = (struct node){
		.ino = ino,
		.type = NODE_LINK,
		.perm = 0777,
		.nlink = 1,
		.mtime_ns = mtime_ns,
		.timeout = 0, /* it points elsewhere as soon as a newer run finishes */
		.content = target,
		.size = strlen(target),
	};
	return 0;
}

int entries_add(struct entries *out, const char *name, uint64_t ino, enum node_type type)
{
	struct dir_entry *e;
	int rc;
	if ((rc = ALLOC_GROW(out->list, out->n + 1, out->cap)))
		return rc;
	e = &out->list[out->n++];
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->ino = ino;
	e->type = type;
	e->plus = false;
	return 0;
}

int entries_add_node(struct entries *out, const char *name, const struct node *node)
{
	int rc = entries_add(out, name, node->ino, node->type);
	if (rc)
		return rc;
	out->list[out->n - 1].plus = true;
	out->list[out->n - 1].node = *node;
	return 0;
}

int entries_add_names(struct entries *out, char **names, size_t n, enum node_kind kind,
		      enum node_type type)
{
	int rc = 0;
	for (size_t i = 0; i < n && !rc; i++)
		rc = entries_add(out, names[i], inode_make(kind, 0, 0), type);
	return rc;
}

uint64_t fs_serial(const struct fs_ctx *ctx)
{
	/* Request threads share the counter. */
	return __atomic_add_fetch(&ctx->fs->serial, 1, __ATOMIC_RELAXED);
}

int fs_claim(const struct fs_ctx *ctx, uint64_t *ino, uint64_t mask, const char *key)
{
	struct fs *fs = ctx->fs;
	/* Bounded: every probe passes a number the kernel holds. */
	for (int i = 0; i < 1024; i++) {
		int held;
		pthread_mutex_lock(&fs->lock);
		held = snapshots_held(fs->snaps, *ino, key);
		pthread_mutex_unlock(&fs->lock);
		if (held >= 0)
			return held;
		*ino = inode_next(*ino, mask);
	}
	return -ENFILE;
}
