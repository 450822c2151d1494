/* Wake-ups from other processes. A benchfs run that finds a daemon holding
 * its data directory queues its jobs in the store and sends that daemon
 * SIGUSR1 (the pid is in the data directory's lock file); a thread of the
 * daemon's own waits for the signal and wakes the runner, which would
 * otherwise look at the queue only once a minute when idle. */
#ifndef BENCHFS_SERVICE_WAKE_H
#define BENCHFS_SERVICE_WAKE_H

#include "runner/runner.h"

struct wake;

/* Block SIGUSR1 in the calling thread, and so in every thread it starts
 * later: call before the runner and the file system start theirs. 0 or a
 * negative errno. */
int wake_block(void);
/* Start the thread that wakes runner on each SIGUSR1: 0 or a negative errno. */
int wake_start(struct wake **out, struct runner *runner);
/* Stop and free it (NULL is fine); before the runner is stopped. */
void wake_stop(struct wake *wake);

#endif
