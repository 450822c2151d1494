#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/computed.h"
#include "fs/inode.h"
#include "fs/internal_views.h"
#include "fs/names.h"
#include "queue/baselines.h"
#include "repo/repo.h"
#include "runner/result.h"
#include "util/clock.h"
#include "util/runid.h"
#include "views/commit_names.h"
#include "views/compare.h"
#include "views/history.h"
#include "views/regressions.h"
#include "views/sides.h"

/* Keys of computed files (names.h): a letter for the view, then tab
 * separated fields. Path names holding a tab or newline are refused, so the
 * fields split back unambiguously. */
/* c <name> <commit a> <run a> <shadowed a> <commit b> <run b> <shadowed b>; a
 * shadowed field is "-" unless the side is a baseline a revision shadows. */
#define KEY_COMPARE 'c' 
#define KEY_REGRESSIONS 'r' /* r <tip> */
#define KEY_HISTORY 'h'    /* h <name> <tip> <tags stamp> */
#define KEY_BASELINE 'b'   /* b <name> */
#define NO_TIP "-"         /* the tracked branch does not exist */

struct version {
	uint32_t seq;
	int64_t changed_ns;
};

static int current_version(const struct view_ctx *ctx, struct version *v)
{
	int64_t seq = 0, ns = 0;
	if (store_results_seq(ctx->store, &seq, &ns))
		return -EIO;
	v->seq = (uint32_t)seq;
	v->changed_ns = ns ? ns : ctx->mount_ns;
	return 0;
}

static bool plain_name(const char *name)
{
	return !strpbrk(name, "\t\n");
}

/* Split a key into at most max tab-separated fields (key is a copy, modified). */
static size_t key_fields(char **fields, size_t max, char *key)
{
	size_t n = 0;
	for (char *save = NULL, *f = strtok_r(key, "\t", &save); f && n < max;
	     f = strtok_r(NULL, "\t", &save))
		fields[n++] = f;
	return n;
}

static int tip_of(char *tip, const struct view_ctx *ctx)
{
	int rc = history_tip(tip, ctx);
	if (rc == -ENOENT)
		snprintf(tip, STORE_HASH_LEN + 1, "%s", NO_TIP);
	return 0;
}

/* ---- rendering one file from its key ---- */

static int render_compare(char **text, const struct view_ctx *ctx, char *key)
{
	char *f[8], *a = NULL, *b = NULL;
	struct side_ref ra, rb;
	enum compare_format format;
	int rc;
	if (key_fields(f, 8, key) != 8)
		return -EIO;
	if ((rc = compare_parse_name(&a, &b, &format, f[1])))
		return rc;
	memset(&ra, 0, sizeof(ra));
	memset(&rb, 0, sizeof(rb));
	snprintf(ra.commit, sizeof(ra.commit), "%s", f[2]);
	ra.run_id = strtoll(f[3], NULL, 10);
	if (strcmp(f[4], "-") != 0)
		snprintf(ra.shadowed, sizeof(ra.shadowed), "%s", f[4]);
	snprintf(rb.commit, sizeof(rb.commit), "%s", f[5]);
	rb.run_id = strtoll(f[6], NULL, 10);
	if (strcmp(f[7], "-") != 0)
		snprintf(rb.shadowed, sizeof(rb.shadowed), "%s", f[7]);
	rc = compare_render(text, ctx, a, &ra, b, &rb, format);
	free(a);
	free(b);
	return rc;
}

static int render_baseline(char **text, const struct view_ctx *ctx, const char *name)
{
	struct store_baseline b;
	char run[32] = "-";
	int64_t id;
	int rc = store_baseline_get(ctx->store, &b, name);
	if (rc)
		return store_errno(rc);
	if ((rc = store_commit_latest_done(ctx->store, &id, b.commit)) == STORE_OK)
		runid_dir_name(run, sizeof(run), id);
	else if (rc != STORE_NOTFOUND)
		return -EIO;
	return asprintf(text, "%s %s\n", b.commit, run) < 0 ? -ENOMEM : 0;
}

/* Render the file of kind from its key; size in *len. */
static int render_key(char **text, size_t *len, const struct view_ctx *ctx,
		      enum node_kind kind, const char *key_text)
{
	char *key = strdup(key_text), *f[4];
	int rc;
	*text = NULL;
	if (!key)
		return -ENOMEM;
	switch (kind) {
	case KIND_COMPARE:
		rc = render_compare(text, ctx, key);
		break;
	case KIND_REGRESSIONS:
		if (key_fields(f, 2, key) != 2)
			rc = -EIO;
		else if (strcmp(f[1], NO_TIP) == 0)
			rc = (*text = strdup("")) ? 0 : -ENOMEM;
		else
			rc = regressions_render(text, ctx, f[1]);
		break;
	case KIND_HISTORY:
		if (key_fields(f, 4, key) != 4) {
			rc = -EIO;
		} else {
			size_t nlen = strlen(f[1]);
			bool svg = nlen > 4 && strcmp(f[1] + nlen - 4, ".svg") == 0;
			char *bench = strndup(f[1], nlen - 4);
			if (!bench) {
				rc = -ENOMEM;
				break;
			}
			/* Without the branch the history is empty, but still a CSV and an SVG. */
			rc = history_render(text, len, ctx, strcmp(f[2], NO_TIP) ? f[2] : NULL,
					    bench, svg ? HISTORY_SVG : HISTORY_CSV);
			free(bench);
			free(key);
			return rc;
		}
		break;
	case KIND_BASELINE:
		rc = key_fields(f, 2, key) == 2 ? render_baseline(text, ctx, f[1]) : -EIO;
		break;
	default:
		rc = -ENOENT;
	}
	free(key);
	if (rc == 0)
		*len = strlen(*text);
	return rc;
}

/* The node of a computed file: rendered, or marked cached when the file
 * system holds that inode already. Its number is the hash of its key and
 * version (names.h); a baseline's is new at every lookup (inode.h). parent:
 * the directory of a name any reader may invent, which the file system may
 * ask the kernel to drop; 0 for the fixed names. */
static int file_node(const struct view_ctx *ctx, struct node *out, enum node_kind kind,
		     const char *key, const struct version *v, uint64_t parent)
{
	uint64_t ino;
	char *text = NULL;
	size_t len = 0;
	int rc;
	if (kind == KIND_BASELINE) {
		ino = inode_make_bits(kind, view_serial(ctx));
	} else {
		ino = inode_make_bits(kind, names_hash(key, v->seq));
		if ((rc = view_claim(ctx, &ino, INODE_BITS_MASK, key)) < 0)
			return rc;
		if (rc == 1) {
			*out = (struct node){.ino = ino, .type = NODE_FILE, .cached = true};
			return 0;
		}
	}
	if ((rc = render_key(&text, &len, ctx, kind, key)))
		return rc;
	/* Entry timeout 0: the name may mean a new inode at any change. */
	if ((rc = view_fill_file(out, ino, text, v->changed_ns, 0)))
		return rc;
	out->size = len; /* an SVG or CSV is text, but trust the renderer's length */
	out->parent = parent;
	if (kind == KIND_BASELINE)
		out->perm = 0644;
	if (!(out->key = strdup(key))) {
		node_clear(out);
		return -ENOMEM;
	}
	return 0;
}

/* ---- lookups ---- */

static const struct {
	const char *name;
	enum node_kind kind;
} root_entries[] = {
	{"compare", KIND_COMPARE_DIR},
	{"regressions", KIND_REGRESSIONS},
	{"history", KIND_HISTORY_DIR},
	{"baselines", KIND_BASELINES_DIR},
};

static int regressions_node(const struct view_ctx *ctx, struct node *out)
{
	char tip[STORE_HASH_LEN + 1], key[64];
	struct version v;
	int rc;
	if ((rc = current_version(ctx, &v)) || (rc = tip_of(tip, ctx)))
		return rc;
	snprintf(key, sizeof(key), "%c\t%s", KEY_REGRESSIONS, tip);
	return file_node(ctx, out, KIND_REGRESSIONS, key, &v, 0);
}

int computed_root_lookup(const struct view_ctx *ctx, struct node *out, const char *name)
{
	for (size_t i = 0; i < sizeof(root_entries) / sizeof(root_entries[0]); i++) {
		enum node_kind k = root_entries[i].kind;
		if (strcmp(name, root_entries[i].name) != 0)
			continue;
		if (k == KIND_REGRESSIONS)
			return regressions_node(ctx, out);
		/* The directory itself never changes; its entries are looked up each time. */
		view_fill_dir(out, inode_make(k, 0, 0), 2, ctx->mount_ns, TIMEOUT_FOREVER);
		if (k == KIND_BASELINES_DIR)
			out->perm = 0755; /* pin with a write, unpin with rm */
		return 0;
	}
	return -ENOENT;
}

int computed_root_list(const struct view_ctx *ctx, struct dir_entry **list, size_t *n,
		       size_t *cap)
{
	int rc = 0;
	(void)ctx;
	for (size_t i = 0; i < sizeof(root_entries) / sizeof(root_entries[0]) && !rc; i++) {
		enum node_kind k = root_entries[i].kind;
		rc = view_add_entry(list, n, cap, root_entries[i].name, inode_make(k, 0, 0),
				    k == KIND_REGRESSIONS ? NODE_FILE : NODE_DIR);
	}
	return rc;
}

static int compare_lookup(const struct view_ctx *ctx, struct node *out, const char *name)
{
	char *a = NULL, *b = NULL, *key = NULL;
	enum compare_format format;
	struct side_ref ra, rb;
	struct version v;
	int rc;
	if (!plain_name(name))
		return -ENOENT;
	if ((rc = compare_parse_name(&a, &b, &format, name)))
		return rc;
	if ((rc = side_resolve(&ra, ctx, a)) || (rc = side_resolve(&rb, ctx, b)) ||
	    (rc = current_version(ctx, &v)))
		goto done;
	if (asprintf(&key, "%c\t%s\t%s\t%lld\t%s\t%s\t%lld\t%s", KEY_COMPARE, name, ra.commit,
		     (long long)ra.run_id, ra.shadowed[0] ? ra.shadowed : "-", rb.commit,
		     (long long)rb.run_id, rb.shadowed[0] ? rb.shadowed : "-") < 0) {
		key = NULL;
		rc = -ENOMEM;
		goto done;
	}
	rc = file_node(ctx, out, KIND_COMPARE, key, &v, inode_make(KIND_COMPARE_DIR, 0, 0));
done:
	free(a);
	free(b);
	free(key);
	return rc;
}

static bool benchmark_exists(const struct view_ctx *ctx, const char *bench, int *err)
{
	char **names = NULL;
	size_t n = 0;
	bool found = false;
	if (store_benchmark_names(ctx->store, &names, &n)) {
		*err = -EIO;
		return false;
	}
	for (size_t i = 0; i < n && !found; i++)
		found = strcmp(names[i], bench) == 0;
	store_names_free(names, n);
	return found;
}

static int history_lookup(const struct view_ctx *ctx, struct node *out, const char *name)
{
	size_t len = strlen(name);
	char tip[STORE_HASH_LEN + 1], *bench, *key = NULL;
	struct version v;
	int rc = 0;
	if (!plain_name(name) || len < 5 ||
	    (strcmp(name + len - 4, ".csv") != 0 && strcmp(name + len - 4, ".svg") != 0))
		return -ENOENT;
	if (!(bench = strndup(name, len - 4)))
		return -ENOMEM;
	if (!benchmark_exists(ctx, bench, &rc)) {
		free(bench);
		return rc ? rc : -ENOENT;
	}
	free(bench);
	if ((rc = current_version(ctx, &v)) || (rc = tip_of(tip, ctx)))
		return rc;
	/* The plot's axis names commits by their tags: a new tag is a new file. */
	if (asprintf(&key, "%c\t%s\t%s\t%016llx", KEY_HISTORY, name, tip,
		     (unsigned long long)commit_names_stamp(ctx)) < 0)
		return -ENOMEM;
	rc = file_node(ctx, out, KIND_HISTORY, key, &v, inode_make(KIND_HISTORY_DIR, 0, 0));
	free(key);
	return rc;
}

static int baseline_lookup(const struct view_ctx *ctx, struct node *out, const char *name)
{
	struct store_baseline b;
	struct version v;
	char key[STORE_BASELINE_NAME_MAX + 8];
	int rc;
	if (!baseline_name_valid(name))
		return -ENOENT;
	if ((rc = store_baseline_get(ctx->store, &b, name)))
		return store_errno(rc);
	if ((rc = current_version(ctx, &v)))
		return rc;
	snprintf(key, sizeof(key), "%c\t%s", KEY_BASELINE, name);
	return file_node(ctx, out, KIND_BASELINE, key, &v, 0);
}

int computed_baseline_pending(const struct view_ctx *ctx, struct node *out, const char *name)
{
	char key[STORE_BASELINE_NAME_MAX + 8];
	if (!baseline_name_valid(name))
		return -EINVAL;
	snprintf(key, sizeof(key), "%c\t%s", KEY_BASELINE, name);
	*out = (struct node){.ino = inode_make_bits(KIND_BASELINE, view_serial(ctx)),
			     .type = NODE_FILE,
			     .perm = 0644,
			     .nlink = 1,
			     .mtime_ns = now_real_ns(),
			     .content = strdup(""),
			     .key = strdup(key)};
	if (!out->content || !out->key) {
		node_clear(out);
		return -ENOMEM;
	}
	return 0;
}

const char *computed_baseline_name(const char *key)
{
	if (!key || key[0] != KEY_BASELINE || key[1] != '\t')
		return NULL;
	return key + 2;
}

int computed_lookup(const struct view_ctx *ctx, struct node *out, uint64_t parent,
		    const char *name)
{
	switch (inode_kind(parent)) {
	case KIND_COMPARE_DIR:
		return compare_lookup(ctx, out, name);
	case KIND_HISTORY_DIR:
		return history_lookup(ctx, out, name);
	case KIND_BASELINES_DIR:
		return baseline_lookup(ctx, out, name);
	default:
		return -ENOTDIR;
	}
}

int computed_node(const struct view_ctx *ctx, struct node *out, uint64_t ino)
{
	enum node_kind kind = inode_kind(ino);
	switch (kind) {
	case KIND_COMPARE_DIR:
	case KIND_HISTORY_DIR:
	case KIND_BASELINES_DIR:
		return computed_root_lookup(ctx, out,
					    kind == KIND_COMPARE_DIR   ? "compare"
					    : kind == KIND_HISTORY_DIR ? "history"
								       : "baselines");
	default:
		/* A computed file is known only by its kept node, which holds its
		 * content for as long as the kernel holds the inode (fs.c). */
		return -ENOENT;
	}
}

/* ---- listings ---- */

static int add_compare_pair(struct dir_entry **list, size_t *n, size_t *cap, const char *a,
			    const char *b)
{
	char name[sizeof(((struct dir_entry *)0)->name)];
	int rc;
	/* Names are at most COMMIT_NAME_MAX (or a baseline's 63) bytes: this fits. */
	snprintf(name, sizeof(name), "%s..%s.md", a, b);
	if ((rc = view_add_entry(list, n, cap, name, inode_make(KIND_COMPARE, 0, 0), NODE_FILE)))
		return rc;
	snprintf(name, sizeof(name), "%s..%s.json", a, b);
	return view_add_entry(list, n, cap, name, inode_make(KIND_COMPARE, 0, 0), NODE_FILE);
}

static int cmp_commit(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Each finished commit against its first parent where both have finished runs
 * (each commit named as views/commit_names.h says), each A/B pair, and each
 * baseline against latest. */
static int compare_list(const struct view_ctx *ctx, struct dir_entry **list, size_t *n,
			size_t *cap)
{
	struct run_catalog cat;
	struct commit_names *names = NULL;
	struct store_baseline *baselines = NULL;
	size_t nbaselines = 0, ncommits = 0;
	char(*commits)[STORE_HASH_LEN + 1] = NULL;
	int64_t latest;
	int rc;
	if ((rc = run_catalog_load(&cat, ctx)))
		return rc;
	if (!(commits = malloc((cat.n + 1) * sizeof(*commits)))) {
		rc = -ENOMEM;
		goto done;
	}
	for (size_t i = 0; i < cat.n; i++)
		memcpy(commits[i], cat.runs[i].commit, sizeof(commits[i]));
	qsort(commits, cat.n, sizeof(*commits), cmp_commit);
	for (size_t i = 0; i < cat.n; i++)
		if (ncommits == 0 || strcmp(commits[ncommits - 1], commits[i]) != 0)
			memmove(commits[ncommits++], commits[i], sizeof(commits[i]));
	if (ncommits && (rc = commit_names_load(&names, ctx)))
		goto done;
	for (size_t i = 0; i < ncommits && !rc; i++) {
		char parent[STORE_HASH_LEN + 1], sa[COMMIT_NAME_SIZE], sb[COMMIT_NAME_SIZE];
		/* Skipped: a commit this repository no longer has, a root commit. */
		if (repo_first_parent(parent, ctx->repo, commits[i]) || !parent[0])
			continue;
		if (bsearch(parent, commits, ncommits, sizeof(*commits), cmp_commit) &&
		    commit_names_get(sa, sizeof(sa), names, parent) == 0 &&
		    commit_names_get(sb, sizeof(sb), names, commits[i]) == 0)
			rc = add_compare_pair(list, n, cap, sa, sb);
	}
	for (size_t i = 0; i < cat.n && !rc; i++) {
		ssize_t j;
		char sa[64], sb[64];
		/* Each pair once, from its A side (the lower id). */
		if (!cat.runs[i].pair_id || cat.runs[i].pair_id < cat.runs[i].id ||
		    (j = run_catalog_find(&cat, cat.runs[i].pair_id)) < 0)
			continue;
		snprintf(sa, sizeof(sa), "run-%lld", (long long)cat.runs[i].id);
		snprintf(sb, sizeof(sb), "run-%lld", (long long)cat.runs[j].id);
		rc = add_compare_pair(list, n, cap, sa, sb);
	}
	if (rc || store_latest_done(ctx->store, &latest) != STORE_OK)
		goto done;
	if (store_baselines_list(ctx->store, &baselines, &nbaselines)) {
		rc = -EIO;
		goto done;
	}
	for (size_t i = 0; i < nbaselines && !rc; i++)
		rc = add_compare_pair(list, n, cap, baselines[i].name, "latest");
done:
	commit_names_free(names);
	free(baselines);
	free(commits);
	run_catalog_clear(&cat);
	return rc;
}

static int history_list(const struct view_ctx *ctx, struct dir_entry **list, size_t *n,
			size_t *cap)
{
	char **names = NULL;
	size_t count = 0;
	int rc = 0;
	if (store_benchmark_names(ctx->store, &names, &count))
		return -EIO;
	for (size_t i = 0; i < count && !rc; i++) {
		char name[256];
		snprintf(name, sizeof(name), "%s.csv", names[i]);
		if ((rc = view_add_entry(list, n, cap, name, inode_make(KIND_HISTORY, 0, 0),
					 NODE_FILE)))
			break;
		snprintf(name, sizeof(name), "%s.svg", names[i]);
		rc = view_add_entry(list, n, cap, name, inode_make(KIND_HISTORY, 0, 0), NODE_FILE);
	}
	store_names_free(names, count);
	return rc;
}

static int baselines_list(const struct view_ctx *ctx, struct dir_entry **list, size_t *n,
			  size_t *cap)
{
	struct store_baseline *b = NULL;
	size_t count = 0;
	int rc = 0;
	if (store_baselines_list(ctx->store, &b, &count))
		return -EIO;
	for (size_t i = 0; i < count && !rc; i++)
		rc = view_add_entry(list, n, cap, b[i].name, inode_make(KIND_BASELINE, 0, 0),
				    NODE_FILE);
	free(b);
	return rc;
}

int computed_list(const struct view_ctx *ctx, struct dir_entry **list, size_t *n, size_t *cap,
		  uint64_t ino)
{
	switch (inode_kind(ino)) {
	case KIND_COMPARE_DIR:
		return compare_list(ctx, list, n, cap);
	case KIND_HISTORY_DIR:
		return history_list(ctx, list, n, cap);
	case KIND_BASELINES_DIR:
		return baselines_list(ctx, list, n, cap);
	default:
		return -ENOTDIR;
	}
}
