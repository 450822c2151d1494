/* The file system's state, shared by the files of fs/; private to fs/.
 * fs.c mounts, serves and unmounts; ops.c and ops_dir.c are the low-level
 * operations, which dispatch on an inode's kind through the table of
 * internal_kinds.h; dropper.c asks the kernel to drop names. */
#ifndef BENCHFS_FS_INTERNAL_H
#define BENCHFS_FS_INTERNAL_H

#define FUSE_USE_VERSION 34

#include <fuse_lowlevel.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "fs/node.h"
#include "fs/snapshot.h"
#include "views/context.h"

/* A name the dropper asks the kernel to forget. */
struct drop_name {
	uint64_t parent;
	char name[256];
};

/* Asks the kernel to drop names (fuse_lowlevel_notify_inval_entry). Not from
 * a request thread: the kernel takes the directory's lock, which a lookup
 * waiting for that thread may hold. */
struct dropper {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct drop_name *queue; /* DROP_QUEUE_MAX */
	size_t n;
	bool started, stop, busy;
};

/* The end of a queue write that stopped inside a line at a page boundary,
 * where the kernel splits a larger write() into requests: kept for the
 * request that continues it (same inode, the next offset). */
struct tail {
	uint64_t ino;
	uint64_t end; /* the file offset just after it */
	size_t len;
	struct tail *next;
	char bytes[];
};

/* What a file kind's handlers work with: one thread's view context (its own
 * store handle and repository) and the file system, whose kept nodes decide
 * whether a computed file is rendered again and which numbers are free. */
struct fs_ctx {
	struct view_ctx view;
	struct fs *fs;
};

/* What one request thread needs of its own: SQLite connections and libgit2
 * repositories are not shared between threads. */
struct worker {
	struct fs_ctx ctx;
	struct store *store;
	struct repo *repo;
	struct worker *next;
};

struct fs {
	struct fuse_session *se;
	/* The store, repository and host opened at mount: the template of the
	 * workers' (each opens a store and repository of its own). */
	struct view_session *session;
	struct runner *runner;
	pthread_mutex_t lock;     /* snaps and tails */
	struct snapshots *snaps;
	struct fs_ctx ctx;        /* the template of the workers' */
	uint64_t serial;          /* the last serial number of a writable file's inode; atomic */
	struct dropper dropper;
	struct tail *tails;
	/* The version of runs/'s listing (its kind's list_version) the last
	 * opendir saw, when listed_known: the kernel keeps the listing while it
	 * stays. Under lock. */
	uint64_t listed_version;
	bool listed_known;
	size_t page;
	pthread_key_t worker_key;
	bool key_made;
	pthread_mutex_t workers_lock;
	struct worker *workers;   /* every thread's, freed at unmount */
	char *repo_path;
	char db_path[4096];
	char *config_json;
	int mounted;
};

/* Computed files the kernel may keep before it is asked to drop the least
 * recently looked up names (any reader can invent compare names). */
#define DROPPABLE_MAX 1024
#define DROPPABLE_BYTES (32u << 20)
#define DROP_QUEUE_MAX 4096

/* fs.c */
/* The calling thread's worker, its handles opened at its first request;
 * NULL (the request fails with EIO) when they cannot be opened. */
struct worker *worker_of(struct fs *fs);
void node_stat(struct stat *st, const struct node *node);

static inline struct fs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

/* The calling thread's context for the kinds' handlers; NULL as worker_of. */
static inline const struct fs_ctx *ctx_of(fuse_req_t req)
{
	struct worker *w = worker_of(fs_of(req));
	return w ? &w->ctx : NULL;
}

/* dropper.c */
int dropper_start(struct fs *fs);
/* Stop the dropper. Before the unmount, a notification may wait for a lookup
 * that nobody answers any more: then only the unmount (which fails that
 * lookup) lets it end, and the join waits for after_unmount. */
void dropper_stop(struct fs *fs, bool after_unmount);
/* Queue a name to drop (snapshots_evict's callback): 0, or -1 when the
 * dropper is not running or its queue is full. */
int dropper_push(void *dropper, uint64_t parent, const char *name);

/* kind_queue.c: the lines of queue writes held at page boundaries. Both
 * under fs->lock. */
void tail_forgotten(struct fs *fs, uint64_t ino);
void tails_free(struct fs *fs);

/* ops.c and ops_dir.c: the low-level operations. */
void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name);
void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup);
void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets);
void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		struct fuse_file_info *fi);
void op_readlink(fuse_req_t req, fuse_ino_t ino);
void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off, struct fuse_file_info *fi);
void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
	      struct fuse_file_info *fi);
void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		struct fuse_file_info *fi);
void op_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi);
void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi);
void op_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev);
void op_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode);
void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name);
void op_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name);
void op_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
	       const char *newname, unsigned int flags);
void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
	       struct fuse_file_info *fi);

#endif
