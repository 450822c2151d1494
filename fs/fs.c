/* FUSE low-level operations. The low-level API is used because answering
 * `open` with ENOSYS (no-open) lets the kernel keep file pages across opens:
 * a cached read costs about 5 us instead of 40 to 65 us (docs/design.md,
 * "Measured FUSE facts the fs/ layer is built on").
 * That is safe here because every inode's content is immutable (see inode.h),
 * except debug.log, which only grows and is read from disk.
 * Requests are served by several threads, so one slow reader (a compare being
 * rendered) does not hold up the rest: each thread has its own store handle
 * and repository (struct worker); the kept nodes and held lines are shared
 * under fs->lock, never held while a view renders. */
#define FUSE_USE_VERSION 34

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs/computed.h"
#include "fs/fs.h"
#include "fs/inode.h"
#include "fs/snapshot.h"
#include "fs/views.h"
#include "queue/baselines.h"
#include "queue/queueline.h"
#include "queue/submit.h"
#include "repo/repo.h"
#include "runner/runner.h"
#include "store/paths.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"

/* Computed files the kernel may keep before it is asked to drop the least
 * recently looked up names (any reader can invent compare names). */
#define DROPPABLE_MAX 1024
#define DROPPABLE_BYTES (32u << 20)
#define DROP_QUEUE_MAX 4096

struct drop_name {
	uint64_t parent;
	char name[256];
};

/* Asks the kernel to drop names (fuse_lowlevel_notify_inval_entry). Not from
 * the FUSE thread: the kernel takes the directory's lock, which a lookup
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

/* What one request thread needs of its own: SQLite connections and libgit2
 * repositories are not shared between threads. */
struct worker {
	struct fs *fs;
	struct store *store;
	struct repo *repo;
	struct view_ctx view;
	struct worker *next;
};

struct fs {
	struct fuse_session *se;
	struct store *store;      /* checked at mount; the template of the workers' */
	struct repo *repo;
	struct runner *runner;
	pthread_mutex_t lock;     /* snaps and tails */
	struct snapshots *snaps;
	struct view_ctx view;     /* the template of the workers' views */
	uint64_t serial;          /* view.serial, atomic */
	struct dropper dropper;
	struct tail *tails;
	size_t page;
	pthread_key_t worker_key;
	bool key_made;
	pthread_mutex_t workers_lock;
	struct worker *workers;   /* every thread's, freed at unmount */
	char *repo_path;
	char db_path[4096];
	char *data_dir;
	char *config_json;
	char *branch;
	char host[256];
	int mounted;
};

struct open_dir {
	struct dir_entry *entries;
	size_t n;
};

static struct fs *fs_of(fuse_req_t req)
{
	return fuse_req_userdata(req);
}

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
	struct fs *fs = w->fs;
	pthread_mutex_lock(&fs->workers_lock);
	for (struct worker **link = &fs->workers; *link; link = &(*link)->next)
		if (*link == w) {
			*link = w->next;
			break;
		}
	pthread_mutex_unlock(&fs->workers_lock);
	worker_free(w);
}

/* The calling thread's store handle and repository, opened at its first
 * request; NULL (the request fails with EIO) when they cannot be opened. */
static struct worker *worker_of(struct fs *fs)
{
	struct worker *w = pthread_getspecific(fs->worker_key);
	char msg[512];
	if (w)
		return w;
	if (!(w = calloc(1, sizeof(*w))))
		return NULL;
	w->fs = fs;
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
	w->view = fs->view;
	w->view.store = w->store;
	w->view.repo = w->repo;
	pthread_setspecific(fs->worker_key, w);
	pthread_mutex_lock(&fs->workers_lock);
	w->next = fs->workers;
	fs->workers = w;
	pthread_mutex_unlock(&fs->workers_lock);
	return w;
}

static struct view_ctx *view_of(fuse_req_t req)
{
	struct worker *w = worker_of(fs_of(req));
	return w ? &w->view : NULL;
}

static void node_stat(struct stat *st, const struct node *node)
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

/* ---- dropping names the kernel keeps (computed files) ---- */

static int drop_push(void *ctx, uint64_t parent, const char *name)
{
	struct dropper *d = ctx;
	int rc = -1;
	pthread_mutex_lock(&d->lock);
	if (d->started && !d->stop && d->n < DROP_QUEUE_MAX) {
		d->queue[d->n].parent = parent;
		snprintf(d->queue[d->n].name, sizeof(d->queue[d->n].name), "%s", name);
		d->n++;
		pthread_cond_signal(&d->cond);
		rc = 0;
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static void *drop_loop(void *arg)
{
	struct fs *fs = arg;
	struct dropper *d = &fs->dropper;
	pthread_mutex_lock(&d->lock);
	while (!d->stop) {
		struct drop_name item;
		if (d->n == 0) {
			pthread_cond_wait(&d->cond, &d->lock);
			continue;
		}
		item = d->queue[--d->n];
		d->busy = true;
		pthread_mutex_unlock(&d->lock);
		/* The kernel drops the name; it forgets the inode (and the kept node
		 * goes) once no open file holds it. -ENOENT: dropped already. */
		fuse_lowlevel_notify_inval_entry(fs->se, item.parent, item.name, strlen(item.name));
		pthread_mutex_lock(&d->lock);
		d->busy = false;
		pthread_cond_broadcast(&d->cond);
	}
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

static int dropper_start(struct fs *fs)
{
	struct dropper *d = &fs->dropper;
	sigset_t all, old;
	int rc;
	/* Signals are for the FUSE thread, whose loop they end. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&d->thread, NULL, drop_loop, fs);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc)
		return -1;
	pthread_mutex_lock(&d->lock);
	d->started = true;
	pthread_mutex_unlock(&d->lock);
	return 0;
}

/* Stop the dropper. Before the unmount, a notification may wait for a lookup
 * that nobody answers any more: then only the unmount (which fails that
 * lookup) lets it end, and the join waits for after_unmount. */
static void dropper_stop(struct fs *fs, bool after_unmount)
{
	struct dropper *d = &fs->dropper;
	bool stuck;
	pthread_mutex_lock(&d->lock);
	if (!d->started) {
		pthread_mutex_unlock(&d->lock);
		return;
	}
	d->stop = true;
	pthread_cond_broadcast(&d->cond);
	if (!after_unmount) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 2;
		while (d->busy && pthread_cond_timedwait(&d->cond, &d->lock, &until) == 0)
			;
	}
	stuck = d->busy && !after_unmount;
	if (!stuck)
		d->started = false;
	pthread_mutex_unlock(&d->lock);
	if (!stuck)
		pthread_join(d->thread, NULL);
}

/* ---- partial lines of queue writes ---- */

static struct tail *tail_take(struct fs *fs, uint64_t ino)
{
	for (struct tail **link = &fs->tails; *link; link = &(*link)->next)
		if ((*link)->ino == ino) {
			struct tail *t = *link;
			*link = t->next;
			t->next = NULL;
			return t;
		}
	return NULL;
}

static void tail_put(struct fs *fs, struct tail *t)
{
	t->next = fs->tails;
	fs->tails = t;
}

/* The inode is gone: a line still held never got its end. */
static void tail_forgotten(struct fs *fs, uint64_t ino)
{
	struct tail *t;
	if (!fs->tails || snapshots_get(fs->snaps, ino) || !(t = tail_take(fs, ino)))
		return;
	log_error(-EINVAL, "queue: refused: \"%.*s\": the write ended at a page boundary"
			   " (offset %llu) without a newline and nothing continued it",
		  (int)(t->len > 64 ? 64 : t->len), t->bytes, (unsigned long long)t->end);
	free(t);
}

static void op_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	if (conn->capable & FUSE_CAP_NO_OPEN_SUPPORT)
		conn->want |= FUSE_CAP_NO_OPEN_SUPPORT;
	/* Directory listings change as runs are added; they are listed per opendir. */
	conn->want &= ~FUSE_CAP_NO_OPENDIR_SUPPORT;
	conn->want &= ~FUSE_CAP_READDIRPLUS;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fs *fs = fs_of(req);
	struct view_ctx *view = view_of(req);
	struct fuse_entry_param e;
	struct node node;
	int rc = view ? view_lookup(view, &node, parent, name) : -EIO;
	/* Kept when looked at, forgotten before counted (another thread): again. */
	for (int again = 0; rc == 0 && node.cached && again < 3; again++) {
		pthread_mutex_lock(&fs->lock);
		rc = snapshots_held(fs->snaps, node.ino, NULL) == 0;
		pthread_mutex_unlock(&fs->lock);
		if (!rc)
			break;
		node_clear(&node);
		rc = view_lookup(view, &node, parent, name);
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
	snapshots_evict(fs->snaps, DROPPABLE_MAX, DROPPABLE_BYTES, drop_push, &fs->dropper);
	pthread_mutex_unlock(&fs->lock);
	node_clear(&node);
}

static void op_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	struct fs *fs = fs_of(req);
	pthread_mutex_lock(&fs->lock);
	snapshots_forget(fs->snaps, ino, nlookup);
	tail_forgotten(fs, ino);
	pthread_mutex_unlock(&fs->lock);
	fuse_reply_none(req);
}

static void op_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
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
 * link target (content only for links), or a fresh view (debug.log's size and
 * directories change without a new inode). */
static int node_for(fuse_req_t req, struct node *out, fuse_ino_t ino)
{
	struct fs *fs = fs_of(req);
	struct view_ctx *view;
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
		rc = (view = view_of(req)) ? view_node(view, out, ino, key) : -EIO;
	free(key);
	return rc;
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
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

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	/* `echo x > queue` truncates first: accept that, and only that, on the
	 * writable files (the queue and baselines). */
	enum node_kind kind = inode_kind(ino);
	if ((kind == KIND_QUEUE || kind == KIND_BASELINE) && (to_set & ~(FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_ATIME |
							 FUSE_SET_ATTR_MTIME | FUSE_SET_ATTR_ATIME_NOW |
							 FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME)) == 0 &&
	    (!(to_set & FUSE_SET_ATTR_SIZE) || attr->st_size == 0)) {
		op_getattr(req, ino, fi);
		return;
	}
	fuse_reply_err(req, EACCES);
}

static void op_readlink(fuse_req_t req, fuse_ino_t ino)
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

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
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

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	const struct node *kept;
	struct view_ctx *view;
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
		if (!(rc = (view = view_of(req)) ? view_node(view, &node, ino, NULL) : -EIO)) {
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

/* `echo <rev> > baselines/<name>`: one line, resolved to a commit inside the
 * write (a bad revision is EINVAL at the writer's shell), then pinned
 * (queue/baselines.h). */
static void baseline_write(fuse_req_t req, struct fs *fs, struct worker *w, fuse_ino_t ino,
			   const char *buf, size_t size)
{
	const struct node *kept;
	const char *name;
	char hash[STORE_HASH_LEN + 1], err[512], *key = NULL, *revision = NULL;
	int rc;
	pthread_mutex_lock(&fs->lock);
	if ((kept = snapshots_get(fs->snaps, ino)) && kept->key)
		key = strdup(kept->key);
	pthread_mutex_unlock(&fs->lock);
	if (!(name = computed_baseline_name(key))) {
		free(key);
		fuse_reply_err(req, EIO);
		return;
	}
	rc = baseline_pin(hash, &revision, w->store, w->repo, name, buf, size, err, sizeof(err));
	if (rc)
		log_error(rc, "baseline %s: refused: %s", name, err);
	else
		log_notice("baseline %s pinned to %s (%s)", name, hash, revision);
	free(revision);
	free(key);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_write(req, size);
}

/* Queue every revision of one write request, all or none (queue/submit.h);
 * errors reach the writer's shell. A write() larger than one request
 * (128 KiB) arrives as several, split at page boundaries: a line cut there is
 * held and queued with the request that brings its end (or refused with it),
 * never cut. */
static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct worker *w;
	struct queue_run *runs = NULL;
	char err[512];
	size_t nruns = 0, len = size, hold;
	struct tail *held = NULL, *next_tail = NULL;
	char *joined = NULL;
	const char *data = buf;
	int rc;
	(void)fi;
	if (inode_kind(ino) != KIND_QUEUE && inode_kind(ino) != KIND_BASELINE) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (!(w = worker_of(fs))) {
		fuse_reply_err(req, EIO);
		return;
	}
	if (inode_kind(ino) == KIND_BASELINE) {
		baseline_write(req, fs, w, ino, buf, size);
		return;
	}
	/* The kernel sends the requests of one inode's write() one at a time. */
	pthread_mutex_lock(&fs->lock);
	held = tail_take(fs, ino);
	pthread_mutex_unlock(&fs->lock);
	if (held && held->end != (uint64_t)off) {
		log_error(-EINVAL, "queue: refused: \"%.*s\" (held at offset %llu) is not"
				   " continued by a write at offset %lld",
			  (int)(held->len > 64 ? 64 : held->len), held->bytes,
			  (unsigned long long)held->end, (long long)off);
		free(held);
		fuse_reply_err(req, EINVAL);
		return;
	}
	if (held) {
		if (!(joined = malloc(held->len + size))) {
			pthread_mutex_lock(&fs->lock);
			tail_put(fs, held);
			pthread_mutex_unlock(&fs->lock);
			fuse_reply_err(req, ENOMEM);
			return;
		}
		memcpy(joined, held->bytes, held->len);
		memcpy(joined + held->len, buf, size);
		data = joined;
		len = held->len + size;
	}
	hold = queueline_hold(data, len, (uint64_t)off + size, fs->page);
	if (hold > QUEUELINE_MAX) {
		rc = log_error(-EMSGSIZE, "queue: refused: a line longer than %d bytes",
			       QUEUELINE_MAX);
		goto done;
	}
	if (hold) {
		if (!(next_tail = malloc(sizeof(*next_tail) + hold))) {
			rc = -ENOMEM;
			goto done;
		}
		*next_tail = (struct tail){.ino = ino, .end = (uint64_t)off + size, .len = hold};
		memcpy(next_tail->bytes, data + len - hold, hold);
	}
	if ((rc = queue_submit(&runs, &nruns, w->store, w->repo, fs->config_json, data, len - hold,
			       err, sizeof(err)))) {
		log_error(rc, "queue: refused: %s", err);
		goto done;
	}
	for (size_t i = 0; i < nruns; i++)
		log_notice("queued run %06lld: %s (%s)%s", (long long)runs[i].id, runs[i].revision,
			   runs[i].commit, queue_side_note(runs[i].side));
	if (nruns > 0) {
		/* runs/ has new entries: its link count (kept by the kernel) is stale. */
		fuse_lowlevel_notify_inval_inode(fs->se, inode_make(KIND_RUNS, 0, 0), -1, 0);
		if (fs->runner)
			runner_wake(fs->runner);
	}
done:
	pthread_mutex_lock(&fs->lock);
	if (rc) {
		/* A retry of this request (the writer's next write() at the same
		 * offset) needs the held start of its first line again. */
		if (held)
			tail_put(fs, held);
		free(next_tail);
	} else {
		free(held);
		if (next_tail)
			tail_put(fs, next_tail);
	}
	pthread_mutex_unlock(&fs->lock);
	if (rc)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_write(req, size);
	free(joined);
	queue_runs_free(runs, nruns);
}

static void op_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct view_ctx *view = view_of(req);
	struct open_dir *dir = calloc(1, sizeof(*dir));
	int rc;
	if (!dir) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	/* One listing per opendir: readdir calls at any offset see the same entries. */
	if ((rc = view ? view_list(view, &dir->entries, &dir->n, ino) : -EIO)) {
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

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
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

static void op_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct open_dir *dir = (struct open_dir *)(uintptr_t)fi->fh;
	(void)ino;
	if (dir) {
		free(dir->entries);
		free(dir);
	}
	fuse_reply_err(req, 0);
}

/* The tree's shape is fixed; nothing may be created, removed or renamed. */
static void op_mknod(fuse_req_t req, fuse_ino_t p, const char *n, mode_t m, dev_t d)
{
	(void)p, (void)n, (void)m, (void)d;
	fuse_reply_err(req, EACCES);
}

static void op_mkdir(fuse_req_t req, fuse_ino_t p, const char *n, mode_t m)
{
	(void)p, (void)n, (void)m;
	fuse_reply_err(req, EACCES);
}

static void op_rmdir(fuse_req_t req, fuse_ino_t p, const char *n)
{
	(void)p, (void)n;
	fuse_reply_err(req, EACCES);
}

/* rm baselines/<name> unpins (queue/baselines.h); nothing else may be removed. */
static void op_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct worker *w;
	char err[256];
	int rc;
	if (inode_kind(parent) != KIND_BASELINES_DIR) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if (!(w = worker_of(fs_of(req)))) {
		fuse_reply_err(req, EIO);
		return;
	}
	rc = baseline_unpin(w->store, name, err, sizeof(err));
	if (rc == 0)
		log_notice("baseline %s unpinned", name);
	else if (rc != -ENOENT)
		log_error(rc, "baseline %s: %s", name, err);
	fuse_reply_err(req, -rc);
}

static void op_rename(fuse_req_t req, fuse_ino_t p, const char *n, fuse_ino_t np, const char *nn,
		      unsigned int flags)
{
	(void)p, (void)n, (void)np, (void)nn, (void)flags;
	fuse_reply_err(req, EACCES);
}

/* A shell's `> baselines/<name>` of a new name creates it first; the file
 * holds nothing until the write that follows pins a revision (a failed write
 * leaves no baseline behind). Nothing else may be created. */
static void op_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	struct fs *fs = fs_of(req);
	struct fuse_entry_param e;
	struct node node;
	char err[256];
	int rc;
	(void)mode;
	if (inode_kind(parent) != KIND_BASELINES_DIR) {
		fuse_reply_err(req, EACCES);
		return;
	}
	if ((rc = baseline_name_check(name, err, sizeof(err)))) {
		log_error(rc, "baseline %s: refused: %s", name, err);
		fuse_reply_err(req, -rc);
		return;
	}
	if ((rc = computed_baseline_pending(&fs->view, &node, name))) {
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

static int held_for(void *ctx, uint64_t ino, const char *key)
{
	struct fs *fs = ctx;
	int held;
	pthread_mutex_lock(&fs->lock);
	held = snapshots_held(fs->snaps, ino, key);
	pthread_mutex_unlock(&fs->lock);
	return held;
}

int fs_mount(struct fs **out, const struct view_settings *opts, struct fuse_args *args,
	     const char *mountpoint, char *err, size_t errsize)
{
	struct fs *fs = calloc(1, sizeof(*fs));
	char path[4096], msg[512];
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
	    !(fs->data_dir = strdup(opts->data_dir)) ||
	    !(fs->config_json = strdup(opts->config_json)) ||
	    (opts->branch && !(fs->branch = strdup(opts->branch)))) {
		snprintf(err, errsize, "out of memory");
		goto fail;
	}
	store_path_db(path, sizeof(path), opts->data_dir);
	snprintf(fs->db_path, sizeof(fs->db_path), "%s", path);
	if (store_open(&fs->store, path, STORE_SYNC_FULL)) {
		snprintf(err, errsize, "store %s: %s", path, store_errmsg(fs->store));
		goto fail;
	}
	if (repo_open(&fs->repo, opts->repo_path, msg, sizeof(msg))) {
		snprintf(err, errsize, "repository %s: %s", opts->repo_path, msg);
		goto fail;
	}
	/* gethostname need not terminate a truncated name. */
	if (gethostname(fs->host, sizeof(fs->host) - 1) != 0)
		fs->host[0] = '\0';
	fs->view = (struct view_ctx){
		.store = fs->store,
		.data_dir = fs->data_dir,
		.mount_ns = now_real_ns(),
		.repo = fs->repo,
		.host = fs->host,
		.branch = fs->branch,
		.alpha = opts->alpha,
		.threshold = opts->threshold,
		.threshold_auto = opts->threshold_auto,
		.confirm = opts->confirm,
		.held = held_for,
		.cache_ctx = fs,
		.serial = &fs->serial,
	};
	/* The kernel checks permissions (the queue is the only writable file). */
	if (fuse_opt_add_arg(args, "-odefault_permissions,fsname=benchfs,subtype=benchfs")) {
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
	while (fs->tails) {
		struct tail *t = fs->tails;
		fs->tails = t->next;
		free(t);
	}
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
	free(fs->branch);
	repo_free(fs->repo);
	store_free(fs->store);
	free(fs->data_dir);
	free(fs->config_json);
	free(fs);
}
