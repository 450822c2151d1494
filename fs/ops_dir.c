/* The low-level operations on directories: listing (opendir, readdir,
 * releasedir) and changing one (create and unlink, which baselines/ and a
 * run's directory have; rmdir, which runs/ has; mknod, mkdir and rename,
 * which nothing has). Each asks the
 * directory's kind (internal_kinds.h) and answers FUSE. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/internal.h"
#include "fs/internal_kinds.h"

struct open_dir {
	struct dir_entry *entries;
	size_t n;
};

void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	const struct fs_ctx *ctx = ctx_of(req);
	struct open_dir *dir = calloc(1, sizeof(*dir));
	int rc;
	if (!dir) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* One listing per opendir: readdir calls at any offset see the same entries. */
	if ((rc = ctx ? kind_list(ctx, &dir->entries, &dir->n, ino) : -EIO)) {
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

void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi)
{
	struct open_dir *dir = (struct open_dir *)(uintptr_t)fi->fh;
	char *buf = malloc(size);
	size_t used = 0;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* Offsets 0 and 1 are . and ..; entry i has offset i + 3 as its "next". */
	for (size_t i = (size_t)off; i < dir->n + 2; i++) {
		struct stat st = {0};
		const char *name;
		size_t len;
		if (i == 0) {
			name = ".";
			st.st_ino = ino;
			st.st_mode = S_IFDIR;
		} else if (i == 1) {
			name = "..";
			st.st_ino = INODE_ROOT;
			st.st_mode = S_IFDIR;
		} else {
			const struct dir_entry *d = &dir->entries[i - 2];
			name = d->name;
			st.st_ino = d->ino;
			st.st_mode = d->type == NODE_DIR ? S_IFDIR : d->type == NODE_LINK ? S_IFLNK : S_IFREG;
		}
		len = fuse_add_direntry(req, buf + used, size - used, name, &st, (off_t)i + 1);
		if (len > size - used)
			break;
		used += len;
	}
	fuse_reply_buf(req, buf, used);
	free(buf);
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
