/* The table of file kinds; private to fs/. Every inode number carries its
 * kind (inode.h), and each kind has one struct of handlers, defined next to
 * each other in the file of that kind (kind_root.c, kind_queue.c,
 * kind_runs.c, kind_computed.c, kind_baselines.c). The operations (ops.c,
 * ops_dir.c) dispatch through the table; a handler left NULL is what the
 * kind does not do, with the error the operation gives for it. Content
 * comes from views/; the handlers add what only a mount needs: inode
 * numbers, timeouts, kept nodes. */
#ifndef BENCHFS_FS_INTERNAL_KINDS_H
#define BENCHFS_FS_INTERNAL_KINDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "fs/inode.h"
#include "fs/internal.h"
#include "fs/node.h"

/* A finished run never changes: the kernel may keep what it learnt for good. */
#define TIMEOUT_FOREVER (365.0 * 86400)

struct dir_entry {
	char name[256];
	uint64_t ino;
	enum node_type type;
	/* The entry's node, when the listing knew its attributes at no extra
	 * cost (entries_add_node): readdirplus hands it to the kernel as looked
	 * up, so `ls -l` asks nothing more. It owns nothing. */
	bool plus;
	struct node node;
};

/* A directory's entries as they are listed (without . and ..). */
struct entries {
	struct dir_entry *list;
	size_t n, cap;
};

struct kind_ops {
	/* The node a fixed name of the root gives this kind when looked up
	 * (root entries only). */
	int (*named)(const struct fs_ctx *ctx, struct node *out);
	/* Directories: the node called name inside parent; -ENOENT when none.
	 * NULL: -ENOTDIR. */
	int (*lookup)(const struct fs_ctx *ctx, struct node *out, uint64_t parent,
		      const char *name);
	/* The current node of ino, for getattr and read when no node is kept
	 * (and always for files read from disk and directories, whose
	 * attributes change): -ENOENT when that inode's version is no longer
	 * current. key: the kept node's key, or NULL. NULL: -ENOENT (a file
	 * known only while kept). */
	int (*node)(const struct fs_ctx *ctx, struct node *out, uint64_t ino, const char *key);
	/* Directories: append the entries of ino. NULL: -ENOTDIR. */
	int (*list)(const struct fs_ctx *ctx, struct entries *out, uint64_t ino);
	/* Directories whose entries are only ever appended (runs/): a number
	 * that changes whenever the listing does, so the kernel may keep the
	 * listing between opendirs while it stays. NULL: listed at every
	 * opendir. */
	int (*list_version)(const struct fs_ctx *ctx, uint64_t ino, uint64_t *version);
	/* Computed files: the content of the file key names (size in *len). */
	int (*render)(char **text, size_t *len, const struct view_ctx *view, const char *key);
	/* Writable files: one write request; 0 or a negative errno, which the
	 * writer's write() returns. NULL: -EACCES. */
	int (*write)(const struct fs_ctx *ctx, uint64_t ino, const char *buf, size_t size,
		     off_t off);
	/* Directories: a shell's create of name inside it (the node to answer),
	 * and unlink of name. NULL: -EACCES. */
	int (*create)(const struct fs_ctx *ctx, struct node *out, const char *name);
	int (*remove)(const struct fs_ctx *ctx, const char *name);
	/* Directories: unlink and rmdir of name inside parent, for kinds whose
	 * entries need the directory's inode to be told apart (a run's files).
	 * unlink_in, when set, is asked instead of remove. NULL: -EACCES. */
	int (*unlink_in)(const struct fs_ctx *ctx, uint64_t parent, const char *name);
	int (*rmdir_in)(const struct fs_ctx *ctx, uint64_t parent, const char *name);
	/* Accepts being truncated to 0 (a shell's `>` before its write). */
	bool truncatable;
};

extern const struct kind_ops kind_root, kind_readme, kind_runs, kind_commits, kind_latest,
	kind_run_dir, kind_run_file, kind_commit_link, kind_artifact, kind_queue,
	kind_compare_dir, kind_compare, kind_regressions, kind_history_dir, kind_history,
	kind_baselines_dir, kind_baseline, kind_slo;
extern const struct kind_ops kind_baseline_history_dir, kind_baseline_history; /* kind_baselines.c */
extern const struct kind_ops kind_export_dir, kind_export; /* kind_export.c */
extern const struct kind_ops kind_watch; /* kind_watch.c */
extern const struct kind_ops kind_import_dir, kind_import; /* kind_import.c */
extern const struct kind_ops kind_retention; /* kind_retention.c */
extern const struct kind_ops kind_runners; /* kind_runners.c */
extern const struct kind_ops kind_audit_dir, kind_audit; /* kind_audit.c */
extern const struct kind_ops kind_bisect_dir, kind_bisect; /* kind_bisect.c */
extern const struct kind_ops kind_alerts_dir, kind_alert; /* kind_alerts.c */
extern const struct kind_ops kind_flame, kind_run_tree; /* kind_flame.c */
/* kind_flame.c: a run directory's flame.svg, profiles/ and artifacts/
 * (run_extra_name says which names are these), and
 * compare/<a>..<b>.flame.svg (-ENOENT for a name of another shape too). */
bool run_extra_name(const char *name);
int run_extra_lookup(const struct fs_ctx *ctx, struct node *out, int64_t run_id, const char *name);
int run_extra_list(const struct fs_ctx *ctx, struct entries *out, int64_t run_id);
int flame_compare_lookup(const struct fs_ctx *ctx, struct node *out, const char *name);
extern const struct kind_ops kind_dashboard; /* kind_dashboard.c */
/* kind_compare_variants.c: compare/<rev>/ (looked up by compare/ for a name
 * that is no compare file), and the content of its files, which are
 * compare/'s kind with keys starting with KEY_COMPARE_VARIANTS. */
#define KEY_COMPARE_VARIANTS 'V'
extern const struct kind_ops kind_compare_variants_dir;
int compare_variants_dir_lookup(const struct fs_ctx *ctx, struct node *out, const char *name);
int compare_variants_render_key(char **text, size_t *len, const struct view_ctx *view,
				const char *key);
/* The uid of the request a write handler serves (ops.c sets it): who set
 * an alert's state. -1 when unknown. */
extern _Thread_local int64_t fs_request_uid;

/* The handlers of kind (never NULL: an unknown kind is the root's). */
const struct kind_ops *kind_ops(enum node_kind kind);

/* Dispatch on the kind of parent or ino. */
int kind_lookup(const struct fs_ctx *ctx, struct node *out, uint64_t parent, const char *name);
int kind_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino, const char *key);
/* The entries of directory ino, malloc'd. */
int kind_list(const struct fs_ctx *ctx, struct dir_entry **entries, size_t *n, uint64_t ino);

/* ---- helpers of the kinds (kinds.c) ---- */

/* A read-only file node owning content (-ENOMEM when content is NULL). */
int fill_file(struct node *out, uint64_t ino, char *content, int64_t mtime_ns, double timeout);
int fill_dir(struct node *out, uint64_t ino, unsigned nlink, int64_t mtime_ns, double timeout);
/* A symlink to <prefix>runs/<run's directory name>. */
int fill_link(struct node *out, uint64_t ino, const char *prefix, int64_t run_id,
	      int64_t mtime_ns);
int entries_add(struct entries *out, const char *name, uint64_t ino, enum node_type type);
/* An entry with its node's attributes (a directory's, owning nothing). */
int entries_add_node(struct entries *out, const char *name, const struct node *node);
/* Append names (as the views list them) as entries of kind, all numbered
 * inode_make(kind, 0, 0) (a listing's numbers are not looked up). */
int entries_add_names(struct entries *out, char **names, size_t n, enum node_kind kind,
		      enum node_type type);
/* A new serial number for a writable file's inode. */
uint64_t fs_serial(const struct fs_ctx *ctx);
/* Claim *ino (a number hashed from key) for key: 1 when the file system keeps
 * it for key already, 0 when it is free; a number kept for another key moves
 * *ino to the next one within mask. -ENFILE when no number is free nearby. */
int fs_claim(const struct fs_ctx *ctx, uint64_t *ino, uint64_t mask, const char *key);

/* kind_computed.c. The views' change number (store_results_seq) and when
 * it last moved (the mount time when never). */
struct computed_version {
	uint32_t seq;
	int64_t changed_ns;
};
int computed_version(const struct fs_ctx *ctx, struct computed_version *v);
/* The node of a computed file of kind (rendered by its handlers' render),
 * or marked cached when the file system holds that inode already. Its number
 * is the hash of key and v's change number (names.h); a baseline's is new at
 * every lookup (inode.h). parent: the directory of a name any reader may
 * invent, which the file system may ask the kernel to drop; 0 for fixed
 * names. */
int computed_file_node(const struct fs_ctx *ctx, struct node *out, enum node_kind kind,
		       const char *key, const struct computed_version *v, uint64_t parent);

/* kind_baselines.c: the baseline name in a baseline inode's key, or NULL. */
const char *baseline_key_name(const char *key);

#endif
