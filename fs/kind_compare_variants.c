/* compare/<rev>/: a directory per name that resolves as compare's sides do
 * (a revision without '/', run-<id>, a run directory's name, a baseline,
 * latest), holding <param>=<x>..<param>=<y>.md and .json, the variants of
 * one parameter over that revision's runs (views/compare_variants.h). It
 * lists every two values of each parameter (views/listings.h); any other
 * name of that shape is looked up too. The files are compare/'s kind,
 * rendered when looked up and kept with their inode, so their sizes are
 * true. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/internal_kinds.h"
#include "fs/names.h"
#include "fs/snapshot.h"
#include "views/compare_variants.h"
#include "views/listings.h"
#include "views/sides.h"

/* Key of the directory: D <rev> <commit> <run> <shadowed or ->, as the
 * revision resolved when looked up; of a file: the same fields with 'V' and
 * the file's name after the revision. Names holding a tab or newline are
 * refused, so the fields split back unambiguously. */
#define KEY_DIR 'D'

static int dir_fill(const struct fs_ctx *ctx, struct node *out, uint64_t ino, const char *key)
{
	/* Entry timeout 0: latest, a baseline or a branch may name another
	 * commit at any time, hence another directory. */
	int rc = fill_dir(out, ino, 2, ctx->view.mount_ns, 0);
	if (rc)
		return rc;
	if (!(out->key = strdup(key))) {
		node_clear(out);
		return -ENOMEM;
	}
	return 0;
}

int compare_variants_dir_lookup(const struct fs_ctx *ctx, struct node *out, const char *name)
{
	struct side_ref ref;
	char *key = NULL;
	uint64_t ino;
	int rc;
	if (strpbrk(name, "\t\n") || (rc = side_resolve(&ref, &ctx->view, name)))
		return -ENOENT;
	if (asprintf(&key, "%c\t%s\t%s\t%lld\t%s", KEY_DIR, name, ref.commit,
		     (long long)ref.run_id, ref.shadowed[0] ? ref.shadowed : "-") < 0)
		return -ENOMEM;
	ino = inode_make_bits(KIND_COMPARE_VARIANTS_DIR, names_hash(key, 0));
	if ((rc = fs_claim(ctx, &ino, INODE_BITS_MASK, key)) >= 0)
		rc = dir_fill(ctx, out, ino, key);
	free(key);
	return rc;
}

static int variants_dir_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino,
			     const char *key)
{
	if (!key || key[0] != KEY_DIR)
		return -ENOENT;
	return dir_fill(ctx, out, ino, key);
}

/* The directory's key, from its kept node (malloc'd; NULL when gone). */
static char *dir_key_of(const struct fs_ctx *ctx, uint64_t ino)
{
	const struct node *k;
	char *key = NULL;
	pthread_mutex_lock(&ctx->fs->lock);
	k = snapshots_get(ctx->fs->snaps, ino);
	if (k && k->key && k->key[0] == KEY_DIR)
		key = strdup(k->key);
	pthread_mutex_unlock(&ctx->fs->lock);
	return key;
}

static int variants_lookup(const struct fs_ctx *ctx, struct node *out, uint64_t parent,
			   const char *name)
{
	char *dir = dir_key_of(ctx, parent), *key = NULL, *param = NULL, *x = NULL, *y = NULL;
	const char *rev, *rest;
	struct computed_version v;
	enum compare_format format;
	int rc;
	if (!dir)
		return -ENOENT;
	rev = dir + 2;
	rest = strchr(rev, '\t');
	if (!rest || strpbrk(name, "\t\n") ||
	    (rc = compare_variants_parse_name(&param, &x, &y, &format, name))) {
		rc = -ENOENT;
		goto done;
	}
	if (asprintf(&key, "%c\t%.*s\t%s%s", KEY_COMPARE_VARIANTS, (int)(rest - rev), rev, name,
		     rest) < 0) {
		key = NULL;
		rc = -ENOMEM;
		goto done;
	}
	/* Rendered now, so that a name no benchmark answers is no file. */
	if (!(rc = computed_version(ctx, &v)))
		rc = computed_file_node(ctx, out, KIND_COMPARE, key, &v, parent);
done:
	free(dir);
	free(key);
	free(param);
	free(x);
	free(y);
	return rc;
}

/* The pairs of values of each parameter of the revision's runs, as the
 * revision resolved when the directory was looked up. */
static int variants_list(const struct fs_ctx *ctx, struct entries *out, uint64_t ino)
{
	char *key = dir_key_of(ctx, ino), *f[5], **names = NULL;
	struct side_ref ref;
	size_t n = 0, nf = 0;
	int rc;
	if (!key)
		return -ENOENT;
	for (char *save = NULL, *t = strtok_r(key, "\t", &save); t && nf < 5;
	     t = strtok_r(NULL, "\t", &save))
		f[nf++] = t;
	if (nf != 5) {
		free(key);
		return -EIO;
	}
	memset(&ref, 0, sizeof(ref));
	snprintf(ref.commit, sizeof(ref.commit), "%s", f[2]);
	ref.run_id = strtoll(f[3], NULL, 10);
	if (strcmp(f[4], "-") != 0)
		snprintf(ref.shadowed, sizeof(ref.shadowed), "%s", f[4]);
	if (!(rc = listing_variants(&names, &n, &ctx->view, f[1], &ref)))
		rc = entries_add_names(out, names, n, KIND_COMPARE, NODE_FILE);
	listing_free(names, n);
	free(key);
	return rc;
}

const struct kind_ops kind_compare_variants_dir = {
	.lookup = variants_lookup,
	.node = variants_dir_node,
	.list = variants_list,
};

int compare_variants_render_key(char **text, size_t *len, const struct view_ctx *view,
				const char *key_text)
{
	char *key = strdup(key_text), *f[6], *param = NULL, *x = NULL, *y = NULL;
	size_t n = 0;
	struct side_ref ref;
	enum compare_format format;
	int rc;
	if (!key)
		return -ENOMEM;
	for (char *save = NULL, *t = strtok_r(key, "\t", &save); t && n < 6;
	     t = strtok_r(NULL, "\t", &save))
		f[n++] = t;
	if (n != 6) {
		rc = -EIO;
		goto done;
	}
	if ((rc = compare_variants_parse_name(&param, &x, &y, &format, f[2])))
		goto done;
	memset(&ref, 0, sizeof(ref));
	snprintf(ref.commit, sizeof(ref.commit), "%s", f[3]);
	ref.run_id = strtoll(f[4], NULL, 10);
	if (strcmp(f[5], "-") != 0)
		snprintf(ref.shadowed, sizeof(ref.shadowed), "%s", f[5]);
	if ((rc = compare_variants_render(text, view, f[1], &ref, param, x, y, format)) == 0)
		*len = strlen(*text);
done:
	free(key);
	free(param);
	free(x);
	free(y);
	return rc;
}
