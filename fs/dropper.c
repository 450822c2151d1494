/* The dropper: a thread that asks the kernel to forget the names of computed
 * files beyond DROPPABLE_MAX (any reader can invent compare names), so the
 * kept nodes stay few (internal.h). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fs/internal.h"

int dropper_push(void *ctx, uint64_t parent, const char *name)
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

int dropper_start(struct fs *fs)
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

void dropper_stop(struct fs *fs, bool after_unmount)
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
