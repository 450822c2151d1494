/* The mounted tree: FUSE low-level sessions over the table of file kinds.
 * This file mounts, serves and unmounts, and gives each request thread its
 * own store handle and repository; the operations are ops.c and ops_dir.c,
 * each kind's handlers are in a kind_*.c (internal_kinds.h).
 * The low-level API is used because answering `open` with ENOSYS (no-open)
 * lets the kernel keep file pages across opens: a cached read costs about
 * 5 us instead of 40 to 65 us (docs/design.md, "Measured FUSE facts the fs/
 * layer is built on"). That is safe here because every inode's content is
 * immutable (see inode.h), except debug.log, which only grows and is read
 * from disk.
 * Requests are served by several threads, so one slow reader (a compare being
 * rendered) does not hold up the rest: each thread has its own store handle
 * and repository (struct worker); the kept nodes and held lines are shared
 * under fs->lock, never held while a view renders. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs/fs.h"
#include "fs/inode.h"
#include "fs/internal.h"
#include "repo/repo.h"
#include "store/paths.h"
#include "store/store.h"
#include "util/log.h"
#include "views/session.h"

static void worker_free(struct worker *w)
{
	store_free(w->store);
	repo_free(w->repo);
	free(w);
}

/* A request thread ends (libfuse ends idle ones): its handles go with it. */
static void worker_exit(void *arg)
{
	struct worker *w = arg;
	struct fs *fs = w->ctx.fs;
	pthread_mutex_lock(&fs->workers_lock);
	for (struct worker **link = &fs->workers; *link; link = &(*link)->next)
		if (*link == w) {
			*link = w->next;
			break;
		}
	pthread_mutex_unlock(&fs->workers_lock);
	worker_free(w);
}

struct worker *worker_of(struct fs *fs)
{
	struct worker *w = pthread_getspecific(fs->worker_key);
	char msg[512];
	if (w)
		return w;
	if (!(w = calloc(1, sizeof(*w))))
		return NULL;
	if (store_open(&w->store, fs->db_path, STORE_SYNC_FULL)) {
		/* The store does not log its open's failures. */
		log_error(-EIO, "store %s: %s", fs->db_path, store_errmsg(w->store));
		worker_free(w);
		return NULL;
	}
	if (repo_open(&w->repo, fs->repo_path, msg, sizeof(msg))) {
		log_error(-EIO, "repository %s: %s", fs->repo_path, msg);
		worker_free(w);
		return NULL;
	}
	w->ctx = fs->ctx;
	w->ctx.view.store = w->store;
	w->ctx.view.repo = w->repo;
	pthread_setspecific(fs->worker_key, w);
	pthread_mutex_lock(&fs->workers_lock);
	w->next = fs->workers;
	fs->workers = w;
	pthread_mutex_unlock(&fs->workers_lock);
	return w;
}

void node_stat(struct stat *st, const struct node *node)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = node->ino;
	st->st_mode = node->perm | (node->type == NODE_DIR    ? S_IFDIR
				    : node->type == NODE_LINK ? S_IFLNK
							      : S_IFREG);
	st->st_nlink = node->nlink;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_size = (off_t)node->size;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((node->size + 511) / 512);
	st->st_mtim.tv_sec = node->mtime_ns / 1000000000;
	st->st_mtim.tv_nsec = node->mtime_ns % 1000000000;
	st->st_atim = st->st_mtim;
	st->st_ctim = st->st_mtim;
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	if (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT)
		conn->want |= FUSE_CAP_NO_OPEN_SUPPORT;
	/* Directory listings change as runs are added; they are listed per opendir. */
	conn->want &= ~FUSE_CAP_NO_OPENDIR_SUPPORT;
	/* Readdirplus: an entry whose listing knows its node (runs/'s, from one
	 * query) comes with it, counted as a lookup, so `ls -l runs/` asks
	 * nothing per run; every other entry comes without one (a listing's
	 * numbers are not the versioned or hashed ones a lookup gives, and a
	 * computed file is rendered only when looked up), and is looked up as
	 * before. The kernel's own choice (READDIRPLUS_AUTO) keeps plain
	 * listings for readers that stat nothing (find, ls without -l). */
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
}

static const struct fuse_lowlevel_ops ops = {
	.init = op_init,
	.lookup = op_lookup,
	.forget = op_forget,
	.forget_multi = op_forget_multi,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.readlink = op_readlink,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.opendir = op_opendir,
	.readdir = op_readdir,
	.readdirplus = op_readdirplus,
	.releasedir = op_releasedir,
	.mknod = op_mknod,
	.mkdir = op_mkdir,
	.unlink = op_unlink,
	.rmdir = op_rmdir,
	.rename = op_rename,
	.create = op_create,
};

void fs_run_changed(void *ctx, int64_t run_id)
{
	struct fs *fs = ctx;
	/* debug.log switches from "ask every time" to cached; the run directory
	 * gains result.json. Unknown inodes are fine (-ENOENT). */
	fuse_lowlevel_notify_inval_inode(fs->se, inode_make(KIND_LOG, run_id, 0), 0, 0);
	fuse_lowlevel_notify_inval_inode(fs->se, inode_make(KIND_RUN_DIR, run_id, 0), 0, 0);
}

int fs_mount(struct fs **out, const struct view_settings *opts, struct fuse_args *args,
	     const char *mountpoint, char *err, size_t errsize)
{
	struct fs *fs = calloc(1, sizeof(*fs));
	char path[4096];
	long page = sysconf(_SC_PAGESIZE);
	if (fs) {
		pthread_mutex_init(&fs->lock, NULL);
		pthread_mutex_init(&fs->workers_lock, NULL);
		fs->key_made = pthread_key_create(&fs->worker_key, worker_exit) == 0;
		pthread_mutex_init(&fs->dropper.lock, NULL);
		pthread_cond_init(&fs->dropper.cond, NULL);
		fs->page = page > 0 ? (size_t)page : 4096;
	}
	if (!fs || !fs->key_made || !(fs->snaps = snapshots_new()) ||
	    !(fs->repo_path = strdup(opts->repo_path)) ||
	    !(fs->dropper.queue = calloc(DROP_QUEUE_MAX, sizeof(*fs->dropper.queue))) ||
	    !(fs->config_json = strdup(opts->config_json))) {
		snprintf(err, errsize, "out of memory");
		goto fail;
	}
	store_path_db(path, sizeof(path), opts->data_dir);
	snprintf(fs->db_path, sizeof(fs->db_path), "%s", path);
	if (view_session_open(&fs->session, opts, err, errsize))
		goto fail;
	/* The configuration new jobs are measured with: the service levels the
	 * slo file judges. */
	fs->ctx.view = fs->session->view;
	fs->ctx.fs = fs;
	/* The kernel checks permissions (the queue is the only writable file). */
	/* First, so that a source given as fsname (mount.fuse3's form) wins and
	 * mount -a sees the line mounted already. */
	if (fuse_opt_insert_arg(args, 1, "-ofsname=benchfs") ||
	    fuse_opt_add_arg(args, "-odefault_permissions,subtype=benchfs")) {
		snprintf(err, errsize, "out of memory");
		goto fail;
	}
	if (!(fs->se = fuse_session_new(args, &ops, sizeof(ops), fs))) {
		snprintf(err, errsize, "invalid FUSE options");
		goto fail;
	}
	if (fuse_session_mount(fs->se, mountpoint)) {
		snprintf(err, errsize, "cannot mount on %s", mountpoint);
		goto fail;
	}
	fs->mounted = 1;
	*out = fs;
	return 0;
fail:
	fs_unmount(fs);
	return -1;
}

void fs_set_runner(struct fs *fs, struct runner *runner)
{
	fs->runner = runner;
}

int fs_serve(struct fs *fs)
{
	int rc;
	if (fuse_set_signal_handlers(fs->se))
		return -1;
	if (dropper_start(fs))
		log_warning("no thread to drop names: compare names stay until the kernel forgets"
			    " them");
	{
		/* libfuse starts at most 10 request threads; none ends when idle,
		 * so each keeps its handles (and their caches) warm. */
		struct fuse_loop_config config = {.clone_fd = 0, .max_idle_threads = 10};
		rc = fuse_session_loop_mt(fs->se, &config);
	}
	dropper_stop(fs, false);
	fuse_remove_signal_handlers(fs->se);
	return rc < 0 ? -1 : 0;
}

void fs_unmount(struct fs *fs)
{
	if (!fs)
		return;
	if (fs->se) {
		if (fs->mounted)
			fuse_session_unmount(fs->se);
		dropper_stop(fs, true);
		fuse_session_destroy(fs->se);
	}
	tails_free(fs);
	free(fs->dropper.queue);
	pthread_cond_destroy(&fs->dropper.cond);
	pthread_mutex_destroy(&fs->dropper.lock);
	/* The request threads have ended; a thread's handles that are left (this
	 * one's, or one whose exit did not run the key's destructor) go now. */
	if (fs->key_made) {
		pthread_setspecific(fs->worker_key, NULL);
		while (fs->workers) {
			struct worker *w = fs->workers;
			fs->workers = w->next;
			worker_free(w);
		}
		pthread_key_delete(fs->worker_key);
	}
	pthread_mutex_destroy(&fs->workers_lock);
	pthread_mutex_destroy(&fs->lock);
	snapshots_free(fs->snaps);
	free(fs->repo_path);
	view_session_free(fs->session);
	free(fs->config_json);
	free(fs);
}
