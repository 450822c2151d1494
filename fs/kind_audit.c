/* File kinds of audit/ and its files (internal_kinds.h): audit/<a>..<b>.tar,
 * the bundle views/audit.h writes of compare/<a>..<b>, the same bytes
 * `benchfs audit` writes. Like compare/'s files, a bundle is rendered when
 * looked up, once per change of the store, and kept with its inode while
 * the kernel holds it: its size is true, so cp and tar read it whole. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs/internal_kinds.h"
#include "views/audit.h"
#include "views/listings.h"
#include "views/sides.h"

/* Key of a bundle (names.h), compare's fields under another letter:
 * t <name> <commit a> <run a> <shadowed a> <commit b> <run b> <shadowed b>,
 * the sides as the name resolved when looked up, so a re-pinned baseline or
 * a new run gives another file. */
#define KEY_AUDIT 't'

static int audit_dir_named(const struct fs_ctx *ctx, struct node *out)
{
	return fill_dir(out, inode_make(KIND_AUDIT_DIR, 0, 0), 2, ctx->view.mount_ns,
			TIMEOUT_FOREVER);
}

static int audit_dir_node(const struct fs_ctx *ctx, struct node *out, uint64_t ino,
			  const char *key)
{
	(void)ino, (void)key;
	return audit_dir_named(ctx, out);
}

static int audit_lookup(const struct fs_ctx *ctx, struct node *out, uint64_t parent,
			const char *name)
{
	struct side_ref ra, rb;
	struct computed_version v;
	char *a = NULL, *b = NULL, *key = NULL;
	int rc;
	(void)parent;
	if (strpbrk(name, "\t\n"))
		return -ENOENT;
	if ((rc = audit_parse_name(&a, &b, name)))
		return rc;
	if ((rc = side_resolve(&ra, &ctx->view, a)) || (rc = side_resolve(&rb, &ctx->view, b)) ||
	    (rc = computed_version(ctx, &v)))
		goto done;
	if (asprintf(&key, "%c\t%s\t%s\t%lld\t%s\t%s\t%lld\t%s", KEY_AUDIT, name, ra.commit,
		     (long long)ra.run_id, ra.shadowed[0] ? ra.shadowed : "-", rb.commit,
		     (long long)rb.run_id, rb.shadowed[0] ? rb.shadowed : "-") < 0) {
		key = NULL;
		rc = -ENOMEM;
		goto done;
	}
	rc = computed_file_node(ctx, out, KIND_AUDIT, key, &v, inode_make(KIND_AUDIT_DIR, 0, 0));
done:
	free(a);
	free(b);
	free(key);
	return rc;
}

static int audit_dir_list(const struct fs_ctx *ctx, struct entries *out, uint64_t ino)
{
	char **names = NULL;
	size_t n = 0;
	int rc;
	(void)ino;
	if ((rc = audit_listing(&names, &n, &ctx->view)))
		return rc;
	rc = entries_add_names(out, names, n, KIND_AUDIT, NODE_FILE);
	listing_free(names, n);
	return rc;
}

const struct kind_ops kind_audit_dir = {
	.named = audit_dir_named,
	.lookup = audit_lookup,
	.node = audit_dir_node,
	.list = audit_dir_list,
};

/* Read a side back from three fields of the key. */
static void side_of(struct side_ref *ref, char *const f[3])
{
	memset(ref, 0, sizeof(*ref));
	snprintf(ref->commit, sizeof(ref->commit), "%s", f[0]);
	ref->run_id = strtoll(f[1], NULL, 10);
	if (strcmp(f[2], "-") != 0)
		snprintf(ref->shadowed, sizeof(ref->shadowed), "%s", f[2]);
}

static int audit_render_key(char **text, size_t *len, const struct view_ctx *view,
			    const char *key_text)
{
	char *key = strdup(key_text), *f[8], *a = NULL, *b = NULL, err[1024];
	struct side_ref ra, rb;
	size_t n = 0;
	int rc;
	if (!key)
		return -ENOMEM;
	for (char *save = NULL, *p = strtok_r(key, "\t", &save); p && n < 8;
	     p = strtok_r(NULL, "\t", &save))
		f[n++] = p;
	if (n != 8 || key_text[0] != KEY_AUDIT) {
		rc = -EIO;
		goto done;
	}
	if ((rc = audit_parse_name(&a, &b, f[1])))
		goto done;
	side_of(&ra, f + 2);
	side_of(&rb, f + 5);
	rc = audit_render(text, len, view, a, &ra, b, &rb, err, sizeof(err));
done:
	free(a);
	free(b);
	free(key);
	return rc;
}

/* A bundle is known only by its kept node, which holds its content for as
 * long as the kernel holds the inode. */
const struct kind_ops kind_audit = {
	.render = audit_render_key,
};
