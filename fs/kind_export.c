/* File kinds of export/ and its files (internal_kinds.h): the formats of
 * `benchfs export` as computed files, export/<rev>.bmf.json, .gab.json, .csv
 * and .md of one run, export/<a>..<b>.junit.xml of a comparison
 * (views/export.h names them). The same views render them as the command
 * line prints them, so a file and `benchfs export` give the same bytes. Like
 * compare/'s files, they are rendered when looked up, once per change of the
 * store, and kept with their inode while the kernel holds it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/internal_kinds.h"
#include "util/strbuf.h"
#include "views/compare.h"
#include "views/export.h"
#include "views/listings.h"
#include "views/sides.h"

/* Key of an export file (names.h): e <name> <side>[ <side>], each side
 * "<commit>:<run>:<shadowed or ->" as the name resolved when looked up, so
 * a re-pinned baseline or a new run gives another file. Names holding a tab
 * or newline are refused, so the fields split back unambiguously. */
#define KEY_EXPORT 'e'

static int export_dir_named(const struct fs_ctx *ctx, struct node *out)
{
	return fill_dir(out, inode_make(KIND_EXPORT_DIR, 0, 0), 2, ctx->view.mount_ns,
			TIMEOUT_FOREVER);
}

static int export_dir_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino,
			   const char *key)
{
	(void)ino, (void)key;
	return export_dir_named(ctx, out);
}

static int add_side(struct strbuf *key, const struct fs_ctx *ctx, const char *name)
{
	struct side_ref ref;
	int rc = side_resolve(&ref, &ctx->view, name);
	if (rc)
		return rc;
	strbuf_addf(key, "\t%s:%lld:%s", ref.commit, (long long)ref.run_id,
		    ref.shadowed[0] ? ref.shadowed : "-");
	return 0;
}

/* The sides of what, resolved into key: one name, or A..B split as
 * compare/<A>..<B> names are. -ENOENT when a side names nothing or what is
 * not the kind of name format takes. */
static int export_key(struct strbuf *key, const struct fs_ctx *ctx, const char *what,
		      enum export_format format)
{
	enum compare_format cf;
	char *name = NULL, *a = NULL, *b = NULL;
	bool pair = strstr(what, "..") != NULL;
	int rc;
	if (pair != export_format_compares(format))
		return -ENOENT;
	if (!pair)
		return add_side(key, ctx, what);
	if (asprintf(&name, "%s.json", what) < 0)
		return -ENOMEM;
	rc = compare_parse_name(&a, &b, &cf, name);
	if (rc == 0 && (rc = add_side(key, ctx, a)) == 0)
		rc = add_side(key, ctx, b);
	free(name);
	free(a);
	free(b);
	return rc == -EINVAL ? -ENOENT : rc;
}

static int export_lookup(const struct fs_ctx *ctx, struct node *out, uint64_t parent,
			 const char *name)
{
	struct strbuf key = STRBUF_INIT;
	struct computed_version v;
	enum export_format format;
	char *what = NULL, *text = NULL;
	size_t len;
	int rc;
	(void)parent;
	if (strpbrk(name, "\t\n"))
		return -ENOENT;
	if ((rc = export_parse_name(&what, &format, name)))
		return rc;
	strbuf_addf(&key, "%c\t%s", KEY_EXPORT, name);
	if ((rc = export_key(&key, ctx, what, format)) || (rc = computed_version(ctx, &v)))
		goto done;
	if (!(text = strbuf_detach(&key, &len))) {
		rc = -ENOMEM;
		goto done;
	}
	rc = computed_file_node(ctx, out, KIND_EXPORT, text, &v, inode_make(KIND_EXPORT_DIR, 0, 0));
done:
	free(what);
	free(text);
	strbuf_release(&key);
	return rc;
}

static int export_dir_list(const struct fs_ctx *ctx, struct entries *out, uint64_t ino)
{
	char **names = NULL;
	size_t n = 0;
	int rc;
	(void)ino;
	if ((rc = export_listing(&names, &n, &ctx->view)))
		return rc;
	rc = entries_add_names(out, names, n, KIND_EXPORT, NODE_FILE);
	listing_free(names, n);
	return rc;
}

const struct kind_ops kind_export_dir = {
	.named = export_dir_named,
	.lookup = export_lookup,
	.node = export_dir_node,
	.list = export_dir_list,
};

static int export_render_key(char **text, size_t *len, const struct view_ctx *view,
			     const char *key)
{
	const char *name = key + 2, *end = strchr(name, '\t');
	enum export_format format;
	char *file = NULL, *what = NULL, err[1024];
	int rc;
	if (key[0] != KEY_EXPORT || key[1] != '\t' || !end)
		return -EIO;
	if (!(file = strndup(name, (size_t)(end - name))))
		return -ENOMEM;
	if ((rc = export_parse_name(&what, &format, file)) == 0)
		rc = export_render(text, len, view, what, format, err, sizeof(err));
	free(file);
	free(what);
	/* A name export_render refuses is no file, as a lookup of it says. */
	return rc == -EINVAL ? -ENOENT : rc;
}

/* An export file is known only by its kept node, which holds its content for
 * as long as the kernel holds the inode. */
const struct kind_ops kind_export = {
	.render = export_render_key,
};
