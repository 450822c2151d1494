/* The low-level operations on names and files: lookup and forget (the kept
 * nodes' counts), getattr, setattr, readlink, open (no-open), read and
 * write. Each asks the inode's kind (internal_kinds.h) and answers FUSE. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/internal.h"
#include "fs/internal_kinds.h"

void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs *fs = fs_of(req);
	const struct fs_ctx *ctx = ctx_of(req);
	struct fuse_entry_param e;
	struct node node;
	int rc = ctx ? kind_lookup(ctx, &node, parent, name) : -EIO;
	/* Kept when looked at, forgotten before counted (another thread): again. */
	for (int again = 0; rc == 0 && node.cached && again < 3; again++) {
		pthread_mutex_lock(&fs->lock);
		rc = snapshots_held(fs->snaps, node.ino, NULL) == 0;
		pthread_mutex_unlock(&fs->lock);
		if (!rc)
			break;
		node_clear(&node);
		rc = kind_lookup(ctx, &node, parent, name);
	}
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	memset(&e, 0, sizeof(e));
	e.ino = node.ino;
	e.generation = 1;
	e.attr_timeout = node.timeout;
	e.entry_timeout = node.timeout;
	/* Same inode, same content: the fresh node's attributes are the kept one's,
	 * and for debug.log (read from disk) they are the current ones. A computed
	 * file that was not rendered again takes the kept node's attributes. */
	if (!node.cached)
		node_stat(&e.attr, &node);
	/* Every inode the kernel learns is counted until it forgets it. */
	pthread_mutex_lock(&fs->lock);
	rc = snapshots_ref(fs->snaps, &node);
	pthread_mutex_unlock(&fs->lock);
	if (rc) {
		/* Still forgotten in between after three tries: let the reader retry. */
		node_clear(&node);
		fuse_reply_err(req, rc == 1 ? EAGAIN : ENOMEM);
		return;
	}
	if (e.attr.st_ino == 0)
		node_stat(&e.attr, &node);
	pthread_mutex_lock(&fs->lock);
	if (fuse_reply_entry(req, &e) == -ENOENT)
		snapshots_forget(fs->snaps, e.ino, 1); /* the lookup was interrupted */
	/* Every spelling of a compare name is a file; keep only the newest. */
	snapshots_evict(fs->snaps, DROPPABLE_MAX, DROPPABLE_BYTES, dropper_push, &fs->dropper);
	pthread_mutex_unlock(&fs->lock);
	node_clear(&node);
}

void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct fs *fs = fs_of(req);
	pthread_mutex_lock(&fs->lock);
	snapshots_forget(fs->snaps, ino, nlookup);
	tail_forgotten(fs, ino);
	pthread_mutex_unlock(&fs->lock);
	fuse_reply_none(req);
}

void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	struct fs *fs = fs_of(req);
	pthread_mutex_lock(&fs->lock);
	for (size_t i = 0; i < count; i++) {
		snapshots_forget(fs->snaps, forgets[i].ino, forgets[i].nlookup);
		tail_forgotten(fs, forgets[i].ino);
	}
	pthread_mutex_unlock(&fs->lock);
	fuse_reply_none(req);
}

/* The node to answer for ino: a copy of the kept snapshot's attributes and
 * link target (content only for links), or a fresh one from its kind
 * (debug.log's size and directories change without a new inode). */
static int node_for(fuse_req_t req, struct node *out, fuse_ino_t ino)
{
	struct fs *fs = fs_of(req);
	const struct fs_ctx *ctx;
	const struct node *k;
	char *key = NULL;
	int rc = 0;
	pthread_mutex_lock(&fs->lock);
	k = snapshots_get(fs->snaps, ino);
	if (k && !k->disk_path && k->type != NODE_DIR) {
		*out = *k;
		out->key = NULL;
		out->content = NULL;
		if (k->type == NODE_LINK && !(out->content = strdup(k->content)))
			rc = -ENOMEM;
		pthread_mutex_unlock(&fs->lock);
		return rc;
	}
	if (k && k->key && !(key = strdup(k->key)))
		rc = -ENOMEM;
	pthread_mutex_unlock(&fs->lock);
	if (!rc)
		rc = (ctx = ctx_of(req)) ? kind_node(ctx, out, ino, key) : -EIO;
	free(key);
	return rc;
}

void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct node node = {0};
	struct stat st;
	int rc = node_for(req, &node, ino);
	(void)fi;
	if (rc) {
		fuse_reply_err(req, -rc);
		return;
	}
	node_stat(&st, &node);
	fuse_reply_attr(req, &st, node.timeout);
	node_clear(&node);
}

void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		struct fuse_file_info *fi)
{
	/* `echo x > queue` truncates first: accept that, and only that, on the
	 * writable files (the queue and baselines). */
	const int times = FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
			  FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME;
	if (kind_ops(inode_kind(ino))->truncatable && (to_set & ~(FUSE_SET_ATTR_SIZE | times)) == 0 &&
	    (!(to_set & FUSE_SET_ATTR_SIZE) || attr->st_size == 0)) {
		op_getattr(req, ino, fi);
		return;
	}
	fuse_reply_err(req, EACCES);
}

void op_readlink(fuse_req_t req, fuse_ino_t ino)
{
	struct node node = {0};
	int rc = node_for(req, &node, ino);
	if (rc)
		fuse_reply_err(req, -rc);
	else if (node.type != NODE_LINK)
		fuse_reply_err(req, EINVAL);
	else
		fuse_reply_readlink(req, node.content);
	node_clear(&node);
}

void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	(void)fi;
	/* No-open: the kernel stops sending open and keeps the page cache. */
	fuse_reply_err(req, ENOSYS);
}

static void read_disk(fuse_req_t req, const char *path, size_t size, off_t off)
{
	char *buf = malloc(size ? size : 1);
	/* Never through a symlink or FIFO planted in the data directory. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	ssize_t n;
	if (!buf) {
		if (fd >= 0)
			close(fd);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (fd < 0) {
		free(buf);
		/* No log yet (the run has not started): an empty file. */
		if (errno == ENOENT)
			fuse_reply_buf(req, NULL, 0);
		else
			fuse_reply_err(req, errno);
		return;
	}
	n = pread(fd, buf, size, off);
	if (n < 0)
		fuse_reply_err(req, errno);
	else
		fuse_reply_buf(req, buf, (size_t)n);
	close(fd);
	free(buf);
}

static void reply_content(fuse_req_t req, const struct node *n, size_t size, off_t off)
{
	if ((size_t)off >= n->size) {
		fuse_reply_buf(req, NULL, 0);
	} else {
		size_t len = n->size - (size_t)off;
		fuse_reply_buf(req, n->content + off, len < size ? len : size);
	}
}

void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	const struct node *kept;
	const struct fs_ctx *ctx;
	struct node node = {0};
	char *path = NULL;
	int rc;
	(void)fi;
	pthread_mutex_lock(&fs->lock);
	if ((kept = snapshots_get(fs->snaps, ino)) && !kept->disk_path && kept->type != NODE_DIR) {
		/* Replied under the lock: a forget may free the kept content. */
		reply_content(req, kept, size, off);
		pthread_mutex_unlock(&fs->lock);
		return;
	}
	rc = kept && kept->type == NODE_DIR ? -EISDIR
	     : kept && !(path = strdup(kept->disk_path)) ? -ENOMEM : 0;
	pthread_mutex_unlock(&fs->lock);
	if (!rc && !kept) {
		if (!(rc = (ctx = ctx_of(req)) ? kind_node(ctx, &node, ino, NULL) : -EIO)) {
			if (node.type == NODE_DIR)
				rc = -EISDIR;
			else if (!node.disk_path)
				reply_content(req, &node, size, off);
			else
				path = node.disk_path, node.disk_path = NULL;
		}
	}
	if (rc)
		fuse_reply_err(req, -rc);
	else if (path)
		read_disk(req, path, size, off);
	free(path);
	node_clear(&node);
}

/* Writes are validated and committed here, not at flush: a shell's `>`
 * ignores an error from flush. Only the writable kinds have a handler. */
void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
	      struct fuse_file_info *fi)
{
	const struct kind_ops *ops = kind_ops(inode_kind(ino));
	const struct fs_ctx *ctx;
	int rc;
	(void)fi;
	if (!ops->write) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (!(ctx = ctx_of(req))) {
		fuse_reply_err(req, EIO);
		return;
	}
	fs_request_uid = fuse_req_ctx(req)->uid;
	if ((rc = ops->write(ctx, ino, buf, size, off)))
		fuse_reply_err(req, -rc);
	else
		fuse_reply_write(req, size);
}
