/* The queue file (internal_kinds.h): read, the pending jobs
 * (views/queue_list.h); written, revisions to queue (queue/submit.h). What
 * is FUSE's here: a new inode at every lookup (a writer's O_TRUNC empties
 * what the kernel holds of the inode it opened, which no reader may share),
 * and lines that the kernel cut at a page boundary, held until the request
 * that continues them. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/internal_kinds.h"
#include "queue/queueline.h"
#include "queue/submit.h"
#include "runner/runner.h"
#include "util/clock.h"
#include "util/log.h"
#include "views/queue_list.h"

static int queue_named(const struct fs_ctx *ctx, struct node *out)
{
	char *text;
	int rc;
	if ((rc = queue_list_text(&text, ctx->view.store)))
		return rc;
	rc = fill_file(out, inode_make_bits(KIND_QUEUE, fs_serial(ctx)), text, now_real_ns(), 0);
	out->perm = 0644;
	return rc;
}

/* ---- partial lines of queue writes (under fs->lock) ---- */

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
void tail_forgotten(struct fs *fs, uint64_t ino)
{
	struct tail *t;
	if (!fs->tails || snapshots_get(fs->snaps, ino) || !(t = tail_take(fs, ino)))
		return;
	log_error(-EINVAL, "queue: refused: \"%.*s\": the write ended at a page boundary"
			   " (offset %llu) without a newline and nothing continued it",
		  (int)(t->len > 64 ? 64 : t->len), t->bytes, (unsigned long long)t->end);
	free(t);
}

void tails_free(struct fs *fs)
{
	while (fs->tails) {
		struct tail *t = fs->tails;
		fs->tails = t->next;
		free(t);
	}
}

/* Queue every revision of one write request, all or none; errors reach the
 * writer's shell. A write() larger than one request (128 KiB) arrives as
 * several, split at page boundaries: a line cut there is held and queued
 * with the request that brings its end (or refused with it), never cut. */
static int queue_write(const struct fs_ctx *ctx, uint64_t ino, const char *buf, size_t size,
		       off_t off)
{
	struct fs *fs = ctx->fs;
	struct queue_run *runs = NULL;
	char err[512];
	size_t nruns = 0, len = size, hold;
	struct tail *held = NULL, *next_tail = NULL;
	char *joined = NULL;
	const char *data = buf;
	int rc;
	/* The kernel sends the requests of one inode's write() one at a time. */
	pthread_mutex_lock(&fs->lock);
	held = tail_take(fs, ino);
	pthread_mutex_unlock(&fs->lock);
	if (held && held->end != (uint64_t)off) {
		rc = log_error(-EINVAL, "queue: refused: \"%.*s\" (held at offset %llu) is not"
					" continued by a write at offset %lld",
			       (int)(held->len > 64 ? 64 : held->len), held->bytes,
			       (unsigned long long)held->end, (long long)off);
		free(held);
		return rc;
	}
	if (held) {
		if (!(joined = malloc(held->len + size))) {
			pthread_mutex_lock(&fs->lock);
			tail_put(fs, held);
			pthread_mutex_unlock(&fs->lock);
			return -ENOMEM;
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
	if ((rc = queue_submit(&runs, &nruns, ctx->view.store, ctx->view.repo, fs->config_json,
			       data, len - hold, err, sizeof(err)))) {
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
	free(joined);
	queue_runs_free(runs, nruns);
	return rc;
}

/* Numbered per lookup, so known only while kept: no node handler. */
const struct kind_ops kind_queue = {
	.named = queue_named,
	.write = queue_write,
	.truncatable = true,
};
