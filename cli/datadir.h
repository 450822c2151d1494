/* The data directory of a front end that measures (the mount, benchfs run):
 * made usable or refused at start, and locked, so that one process at a
 * time runs jobs from it (two would measure at once and share work/). */
#ifndef BENCHFS_CLI_DATADIR_H
#define BENCHFS_CLI_DATADIR_H

#include <stdbool.h>
#include <sys/types.h>

/* The store and logs are protected by the mount's permissions: by default
 * only the owner may enter the directory. */
#define DATA_MODE_DEFAULT 0700

struct datadir_lock {
	int fd;       /* the locked file, open for the life of the process; -1: not ours */
	pid_t holder; /* when another process holds it: its pid as it published it (0: unknown) */
};

/* Make dir usable: created with its logs/ folder, writable, its store opened
 * (and migrated), its mode checked. A new or empty directory gets mode, as
 * does any directory when mode_given; one that already holds something and
 * lets others in without being asked to is refused (the logs and the store
 * would bypass the mount's permissions). Then the lock: taken into
 * lock->fd, or lock->fd is -1 and lock->holder names the process holding it.
 * Returns 0, or an exit status after a one-line message. */
int datadir_prepare(struct datadir_lock *lock, const char *dir, mode_t mode, bool mode_given);
/* Write this process's pid into the lock file, for a benchfs run that
 * hands its jobs over (after the daemon forked into the background). */
void datadir_lock_publish(const struct datadir_lock *lock);

#endif
