/* The low-level operations on directories: listing (opendir, readdir,
 * readdirplus, releasedir) and changing one (create and unlink, which
 * baselines/ and a run's directory have; rmdir, which runs/ has; mknod,
 * mkdir and rename, which nothing has). Each asks the directory's kind
 * (internal_kinds.h) and answers FUSE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/internal.h"
#include "fs/internal_kinds.h"

struct open_dir {
	struct dir_entry *entries;
	size_t n;
	/* A directory whose kind has list_version: listed when read, not at
	 * opendir (listed: it has been). */
	bool kept, listed;
};

/* The kernel keeps the listing of a directory with list_version
 * (cache_readdir) and drops it when an opendir finds the version moved;
 * while it keeps one, an opendir asks nothing else. */
static int open_kept(const struct fs_ctx *ctx, struct open_dir *dir, fuse_ino_t ino,
		     struct fuse_file_info *fi)
{
	struct fs *fs = ctx->fs;
	uint64_t version;
	int rc;
	if ((rc = kind_ops(inode_kind(ino))->list_version(ctx, ino, &version)))
		return rc;
	pthread_mutex_lock(&fs->lock);
	fi->keep_cache = fs->listed_known && fs->listed_version == version;
	fs->listed_version = version;
	fs->listed_known = true;
	pthread_mutex_unlock(&fs->lock);
	fi->cache_readdir = 1;
	dir->kept = true;
	return 0;
}

void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct fs_ctx *ctx = ctx_of(req);
	struct open_dir *dir = calloc(1, sizeof(*dir));
	int rc;
	if (!dir) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (!ctx)
		rc = -EIO;
	else if (kind_ops(inode_kind(ino))->list_version)
		rc = open_kept(ctx, dir, ino, fi);
	else
		/* One listing per opendir: readdir calls at any offset see the same entries. */
		rc = kind_list(ctx, &dir->entries, &dir->n, ino);
	if (rc) {
		free(dir);
		fuse_reply_err(req, -rc);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)dir;
	if (fuse_reply_open(req, fi) == -ENOENT) {
		free(dir->entries);
		free(dir);
	}
}

/* Fill buf with the entries from offset off on: plain ones (readdir), or
 * with a node each (readdirplus). Offsets 0 and 1 are . and ..; entry i has
 * offset i + 3 as its "next". A readdirplus entry whose node the listing
 * knows is a lookup the kernel counts (it forgets it later), so the node is
 * counted here as op_lookup counts it, and its number kept in counted[] to
 * be taken back if the reply does not arrive; every other entry goes
 * without a node (number 0), and the kernel looks it up when asked. Under
 * fs->lock when plus. */
static size_t fill_entries(fuse_req_t req, char *buf, size_t size, const struct open_dir *dir,
			   fuse_ino_t ino, off_t off, bool plus, uint64_t *counted,
			   size_t *ncounted)
{
	struct fs *fs = fs_of(req);
	size_t used = 0;
	for (size_t i = (size_t)off; i < dir->n + 2; i++) {
		struct fuse_entry_param e;
		struct node node;
		const char *name;
		size_t len;
		memset(&e, 0, sizeof(e));
		if (i == 0) {
			name = ".";
			e.attr.st_ino = ino;
			e.attr.st_mode = S_IFDIR;
		} else if (i == 1) {
			name = "..";
			e.attr.st_ino = INODE_ROOT;
			e.attr.st_mode = S_IFDIR;
		} else {
			const struct dir_entry *d = &dir->entries[i - 2];
			name = d->name;
			e.attr.st_ino = d->ino;
			e.attr.st_mode = d->type == NODE_DIR    ? S_IFDIR
					 : d->type == NODE_LINK ? S_IFLNK
								: S_IFREG;
			if (plus && d->plus) {
				/* Counted only once it is known to fit. */
				len = fuse_add_direntry_plus(req, NULL, 0, name, NULL, 0);
				if (len > size - used)
					break;
				node = d->node;
				if (snapshots_ref(fs->snaps, &node) == 0) {
					counted[(*ncounted)++] = d->node.ino;
					e.ino = d->node.ino;
					e.generation = 1;
					e.attr_timeout = d->node.timeout;
					e.entry_timeout = d->node.timeout;
					node_stat(&e.attr, &d->node);
				}
			}
		}
		len = plus ? fuse_add_direntry_plus(req, buf + used, size - used, name, &e,
						    (off_t)i + 1)
			   : fuse_add_direntry(req, buf + used, size - used, name, &e.attr,
					       (off_t)i + 1);
		if (len > size - used)
			break;
		used += len;
	}
	return used;
}

static void reply_entries(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
			  struct fuse_file_info *fi, bool plus)
{
	struct fs *fs = fs_of(req);
	struct open_dir *dir = (struct open_dir *)(uintptr_t)fi->fh;
	char *buf = malloc(size);
	/* At most one node an entry, and no entry is smaller than a nameless one. */
	size_t most = size / fuse_add_direntry_plus(req, NULL, 0, "", NULL, 0) + 1;
	uint64_t *counted = plus ? calloc(most, sizeof(*counted)) : NULL;
	size_t used, ncounted = 0;
	const struct fs_ctx *ctx;
	int rc = !buf || (plus && !counted) ? -ENOMEM : 0;
	/* A kept directory is listed afresh at every read from its start (the
	 * kernel may be filling what it keeps: never older than the version the
	 * last opendir saw). Its entries are only appended, so the offsets of an
	 * earlier listing stay right. */
	if (!rc && dir->kept && (off == 0 || !dir->listed)) {
		free(dir->entries);
		dir->entries = NULL;
		dir->n = 0;
		dir->listed = false;
		if (!(rc = (ctx = ctx_of(req)) ? kind_list(ctx, &dir->entries, &dir->n, ino) : -EIO))
			dir->listed = true;
	}
	if (rc) {
		free(buf);
		free(counted);
		fuse_reply_err(req, -rc);
		return;
	}
	if (!plus) {
		used = fill_entries(req, buf, size, dir, ino, off, false, NULL, &ncounted);
		fuse_reply_buf(req, buf, used);
		free(buf);
		return;
	}
	/* Counted, replied and (when the reply did not arrive) taken back under
	 * one lock, as op_lookup does, so no forget comes in between. */
	pthread_mutex_lock(&fs->lock);
	used = fill_entries(req, buf, size, dir, ino, off, true, counted, &ncounted);
	if (fuse_reply_buf(req, buf, used) != 0)
		for (size_t i = 0; i < ncounted; i++)
			snapshots_forget(fs->snaps, counted[i], 1);
	pthread_mutex_unlock(&fs->lock);
	free(buf);
	free(counted);
}

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi)
{
	reply_entries(req, ino, size, off, fi, false);
}

void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	reply_entries(req, ino, size, off, fi, true);
}

void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct open_dir *dir = (struct open_dir *)(uintptr_t)fi->fh;
	(void)ino;
	if (dir) {
		free(dir->entries);
		free(dir);
	}
	fuse_reply_err(req, 0);
}

/* The tree's shape is fixed; nothing may be created, removed or renamed but
 * what a directory's kind allows. */
void op_mknod(fuse_req_t req, fuse_ino_t p, const char *n, mode_t m, dev_t d)
{
	(void)p, (void)n, (void)m, (void)d;
	fuse_reply_err(req, EACCES);
}

void op_mkdir(fuse_req_t req, fuse_ino_t p, const char *n, mode_t m)
{
	(void)p, (void)n, (void)m;
	fuse_reply_err(req, EACCES);
}

/* Only runs/ has it: rmdir runs/<id> excludes the run (kind_runs.c). */
void op_rmdir(fuse_req_t req, fuse_ino_t p, const char *n)
{
	const struct kind_ops *ops = kind_ops(inode_kind(p));
	const struct fs_ctx *ctx;
	if (!ops->rmdir_in) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (!(ctx = ctx_of(req))) {
		fuse_reply_err(req, EIO);
		return;
	}
	fuse_reply_err(req, -ops->rmdir_in(ctx, p, n));
}

void op_rename(fuse_req_t req, fuse_ino_t p, const char *n, fuse_ino_t np, const char *nn,
	       unsigned int flags)
{
	(void)p, (void)n, (void)np, (void)nn, (void)flags;
	fuse_reply_err(req, EACCES);
}

void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	const struct kind_ops *ops = kind_ops(inode_kind(parent));
	const struct fs_ctx *ctx;
	if (!ops->remove && !ops->unlink_in) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (!(ctx = ctx_of(req))) {
		fuse_reply_err(req, EIO);
		return;
	}
	/* Who unpins a baseline is recorded in its history. */
	fs_request_uid = fuse_req_ctx(req)->uid;
	fuse_reply_err(req, ops->unlink_in ? -ops->unlink_in(ctx, parent, name)
					   : -ops->remove(ctx, name));
}

/* The created file's node is kept like a looked up one: the write that
 * follows finds what it was created as by its inode. */
void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	       struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	const struct kind_ops *ops = kind_ops(inode_kind(parent));
	struct fuse_entry_param e;
	struct node node;
	int rc;
	(void)mode;
	if (!ops->create) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if ((rc = ops->create(&fs->ctx, &node, name))) {
		fuse_reply_err(req, -rc);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = node.ino;
	e.generation = 1;
	node_stat(&e.attr, &node);
	pthread_mutex_lock(&fs->lock);
	rc = snapshots_ref(fs->snaps, &node);
	pthread_mutex_unlock(&fs->lock);
	if (rc) {
		node_clear(&node);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	fi->direct_io = 1; /* nothing of this inode is worth caching */
	pthread_mutex_lock(&fs->lock);
	if (fuse_reply_create(req, &e, fi) == -ENOENT)
		snapshots_forget(fs->snaps, e.ino, 1);
	pthread_mutex_unlock(&fs->lock);
	node_clear(&node);
}
