/* File kinds of the computed views: compare/ and its files, regressions,
 * slo, history/ and its files (internal_kinds.h); baselines/ is kind_baselines.c.
 * Their files are rendered by views/ when looked up, once per change of what
 * they show (inode.h: the number is a hash of the file's key and the store's
 * views change number), and kept with their inode while the kernel holds it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/internal_kinds.h"
#include "fs/names.h"
#include "views/commit_names.h"
#include "views/compare.h"
#include "views/compare_pull.h"
#include "views/history.h"
#include "views/listings.h"
#include "views/regressions.h"
#include "views/sides.h"
#include "views/slo.h"

/* Keys of computed files (names.h): a letter for the view, then tab
 * separated fields. Path names holding a tab or newline are refused, so the
 * fields split back unambiguously. */
/* c <name> <commit a> <run a> <shadowed a> <commit b> <run b> <shadowed b>; a
 * shadowed field is "-" unless the side is a baseline a revision shadows. */
#define KEY_COMPARE 'c'
#define KEY_REGRESSIONS 'r' /* r <tip> */
#define KEY_HISTORY 'h'     /* h <name> <tip> <tags stamp> */
#define KEY_SLO 's'         /* s: the newest finished run, hence the change number, says which commit */
#define NO_TIP "-"          /* the tracked branch does not exist */

int computed_version(const struct fs_ctx *ctx, struct computed_version *v)
{
	int64_t seq = 0, ns = 0;
	if (store_results_seq(ctx->view.store, &seq, &ns))
		return -EIO;
	v->seq = (uint32_t)seq;
	v->changed_ns = ns ? ns : ctx->view.mount_ns;
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

static int tip_of(char *tip, const struct fs_ctx *ctx)
{
	int rc = history_tip(tip, &ctx->view);
	if (rc == -ENOENT)
		snprintf(tip, STORE_HASH_LEN + 1, "%s", NO_TIP);
	return 0;
}

int computed_file_node(const struct fs_ctx *ctx, struct node *out, enum node_kind kind,
		       const char *key, const struct computed_version *v, uint64_t parent)
{
	uint64_t ino;
	char *text = NULL;
	size_t len = 0;
	int rc;
	if (kind == KIND_BASELINE) {
		ino = inode_make_bits(kind, fs_serial(ctx));
	} else {
		ino = inode_make_bits(kind, names_hash(key, v->seq));
		if ((rc = fs_claim(ctx, &ino, INODE_BITS_MASK, key)) < 0)
			return rc;
		if (rc == 1) {
			*out = (struct node){.ino = ino, .type = NODE_FILE, .cached = true};
			return 0;
		}
	}
	if ((rc = kind_ops(kind)->render(&text, &len, &ctx->view, key)))
		return rc;
	/* Entry timeout 0: the name may mean a new inode at any change. */
	if ((rc = fill_file(out, ino, text, v->changed_ns, 0)))
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

/* The node of a computed directory: it never changes; its entries are
 * looked up each time. */
static int computed_dir(const struct fs_ctx *ctx, struct node *out, enum node_kind kind)
{
	return fill_dir(out, inode_make(kind, 0, 0), 2, ctx->view.mount_ns, TIMEOUT_FOREVER);
}

/* ---- compare/ ---- */

static int compare_dir_named(const struct fs_ctx *ctx, struct node *out)
{
	return computed_dir(ctx, out, KIND_COMPARE_DIR);
}

static int compare_dir_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino,
			    const char *key)
{
	(void)ino, (void)key;
	return compare_dir_named(ctx, out);
}

static int compare_lookup(const struct fs_ctx *ctx, struct node *out, uint64_t parent,
			  const char *name)
{
	char *a = NULL, *b = NULL, *key = NULL;
	enum compare_format format;
	struct side_ref ra, rb;
	struct computed_version v;
	int rc;
	(void)parent;
	if (!plain_name(name))
		return -ENOENT;
	/* <a>..<b>.flame.svg: the differential flame graph (kind_flame.c). */
	if ((rc = flame_compare_lookup(ctx, out, name)) != -ENOENT || strstr(name, ".flame.svg"))
		return rc;
	/* pr-<n> and <remote>:<branch>: the newest A/B job the queue made of it. */
	if ((rc = compare_pull_parse_name(&a, &format, name)) != -ENOENT) {
		if (rc || (rc = compare_pull_find(&ra, &rb, &ctx->view, a)) ||
		    (rc = computed_version(ctx, &v)))
			goto done;
	} else if ((rc = compare_parse_name(&a, &b, &format, name))) {
		/* compare/<rev>/: the variants of a parameter over rev's runs. */
		return rc == -ENOENT ? compare_variants_dir_lookup(ctx, out, name) : rc;
	} else if ((rc = side_resolve(&ra, &ctx->view, a)) ||
		   (rc = side_resolve(&rb, &ctx->view, b)) || (rc = computed_version(ctx, &v))) {
		goto done;
	}
	if (asprintf(&key, "%c\t%s\t%s\t%lld\t%s\t%s\t%lld\t%s", KEY_COMPARE, name, ra.commit,
		     (long long)ra.run_id, ra.shadowed[0] ? ra.shadowed : "-", rb.commit,
		     (long long)rb.run_id, rb.shadowed[0] ? rb.shadowed : "-") < 0) {
		key = NULL;
		rc = -ENOMEM;
		goto done;
	}
	rc = computed_file_node(ctx, out, KIND_COMPARE, key, &v,
				inode_make(KIND_COMPARE_DIR, 0, 0));
done:
	free(a);
	free(b);
	free(key);
	return rc;
}

static int compare_dir_list(const struct fs_ctx *ctx, struct entries *out, uint64_t ino)
{
	char **names = NULL, **dirs = NULL;
	size_t n = 0, ndirs = 0;
	int rc;
	(void)ino;
	/* The pairs, their flame graphs, pull requests, then compare/<rev>/. */
	if ((rc = listing_compare_dir(&names, &n, &dirs, &ndirs, &ctx->view)))
		return rc;
	rc = entries_add_names(out, names, n, KIND_COMPARE, NODE_FILE);
	if (!rc)
		rc = entries_add_names(out, dirs, ndirs, KIND_COMPARE_VARIANTS_DIR, NODE_DIR);
	listing_free(names, n);
	listing_free(dirs, ndirs);
	return rc;
}

const struct kind_ops kind_compare_dir = {
	.named = compare_dir_named,
	.lookup = compare_lookup,
	.node = compare_dir_node,
	.list = compare_dir_list,
};

static int compare_render_key(char **text, size_t *len, const struct view_ctx *view,
			  const char *key_text)
{
	char *key = strdup(key_text), *f[8], *a = NULL, *b = NULL;
	struct side_ref ra, rb;
	enum compare_format format;
	int rc;
	if (!key)
		return -ENOMEM;
	if (key_text[0] == KEY_COMPARE_VARIANTS) {
		free(key);
		return compare_variants_render_key(text, len, view, key_text);
	}
	if (key_fields(f, 8, key) != 8) {
		rc = -EIO;
		goto done;
	}
	if ((rc = compare_pull_parse_name(&a, &format, f[1])) == -ENOENT &&
	    (rc = compare_parse_name(&a, &b, &format, f[1])))
		goto done;
	if (rc)
		goto done;
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
	if ((rc = b ? compare_render(text, view, a, &ra, b, &rb, format)
		    : compare_pull_render(text, view, a, &ra, &rb, format)) == 0)
		*len = strlen(*text);
done:
	free(a);
	free(b);
	free(key);
	return rc;
}

/* A compare file is known only by its kept node, which holds its content for
 * as long as the kernel holds the inode. */
const struct kind_ops kind_compare = {
	.render = compare_render_key,
};

/* ---- regressions ---- */

static int regressions_named(const struct fs_ctx *ctx, struct node *out)
{
	char tip[STORE_HASH_LEN + 1], key[64];
	struct computed_version v;
	int rc;
	if ((rc = computed_version(ctx, &v)) || (rc = tip_of(tip, ctx)))
		return rc;
	snprintf(key, sizeof(key), "%c\t%s", KEY_REGRESSIONS, tip);
	return computed_file_node(ctx, out, KIND_REGRESSIONS, key, &v, 0);
}

static int regressions_render_key(char **text, size_t *len, const struct view_ctx *view,
			      const char *key_text)
{
	char *key = strdup(key_text), *f[2];
	int rc;
	if (!key)
		return -ENOMEM;
	if (key_fields(f, 2, key) != 2)
		rc = -EIO;
	else if (strcmp(f[1], NO_TIP) == 0)
		rc = (*text = strdup("")) ? 0 : -ENOMEM;
	else
		rc = regressions_render(text, view, f[1]);
	if (rc == 0)
		*len = strlen(*text);
	free(key);
	return rc;
}

const struct kind_ops kind_regressions = {
	.named = regressions_named,
	.render = regressions_render_key,
};

/* ---- slo ---- */

static int slo_named(const struct fs_ctx *ctx, struct node *out)
{
	struct computed_version v;
	char key[2] = {KEY_SLO, '\0'};
	int rc;
	if ((rc = computed_version(ctx, &v)))
		return rc;
	return computed_file_node(ctx, out, KIND_SLO, key, &v, 0);
}

static int slo_render_key(char **text, size_t *len, const struct view_ctx *view,
			  const char *key)
{
	int rc;
	(void)key;
	if ((rc = slo_render(text, view)) == 0)
		*len = strlen(*text);
	return rc;
}

/* The service levels of the configuration the mount was started with, at
 * the commit of latest. */
const struct kind_ops kind_slo = {
	.named = slo_named,
	.render = slo_render_key,
};

/* ---- history/ ---- */

static int history_dir_named(const struct fs_ctx *ctx, struct node *out)
{
	return computed_dir(ctx, out, KIND_HISTORY_DIR);
}

static int history_dir_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino,
			    const char *key)
{
	(void)ino, (void)key;
	return history_dir_named(ctx, out);
}

static int history_lookup(const struct fs_ctx *ctx, struct node *out, uint64_t parent,
			  const char *name)
{
	size_t len = strlen(name);
	char tip[STORE_HASH_LEN + 1], *bench, *key = NULL;
	struct computed_version v;
	bool found = false;
	int rc = 0;
	(void)parent;
	if (!plain_name(name) || len < 5 ||
	    (strcmp(name + len - 4, ".csv") != 0 && strcmp(name + len - 4, ".svg") != 0))
		return -ENOENT;
	if (!(bench = strndup(name, len - 4)))
		return -ENOMEM;
	/* A benchmark's wall time, or "<bench>:<metric>" (views/history.h). */
	rc = history_name_exists(&found, &ctx->view, bench);
	free(bench);
	if (rc || !found)
		return rc ? rc : -ENOENT;
	if ((rc = computed_version(ctx, &v)) || (rc = tip_of(tip, ctx)))
		return rc;
	/* The plot's axis names commits by their tags: a new tag is a new file. */
	if (asprintf(&key, "%c\t%s\t%s\t%016llx", KEY_HISTORY, name, tip,
		     (unsigned long long)commit_names_stamp(&ctx->view)) < 0)
		return -ENOMEM;
	rc = computed_file_node(ctx, out, KIND_HISTORY, key, &v,
				inode_make(KIND_HISTORY_DIR, 0, 0));
	free(key);
	return rc;
}

static int history_dir_list(const struct fs_ctx *ctx, struct entries *out, uint64_t ino)
{
	char **names = NULL;
	size_t n = 0;
	int rc;
	(void)ino;
	if ((rc = listing_history(&names, &n, &ctx->view)))
		return rc;
	rc = entries_add_names(out, names, n, KIND_HISTORY, NODE_FILE);
	listing_free(names, n);
	return rc;
}

const struct kind_ops kind_history_dir = {
	.named = history_dir_named,
	.lookup = history_lookup,
	.node = history_dir_node,
	.list = history_dir_list,
};

static int history_render_key(char **text, size_t *len, const struct view_ctx *view,
			      const char *key_text)
{
	char *key = strdup(key_text), *f[4], *bench = NULL;
	size_t nlen;
	bool svg;
	int rc;
	if (!key)
		return -ENOMEM;
	if (key_fields(f, 4, key) != 4) {
		free(key);
		return -EIO;
	}
	nlen = strlen(f[1]);
	svg = nlen > 4 && strcmp(f[1] + nlen - 4, ".svg") == 0;
	if (!(bench = strndup(f[1], nlen - 4))) {
		free(key);
		return -ENOMEM;
	}
	/* Without the branch the history is empty, but still a CSV and an SVG. */
	rc = history_render(text, len, view, strcmp(f[2], NO_TIP) ? f[2] : NULL, bench,
			    svg ? HISTORY_SVG : HISTORY_CSV);
	free(bench);
	free(key);
	return rc;
}

const struct kind_ops kind_history = {
	.render = history_render_key,
};
