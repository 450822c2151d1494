/* What client.c, client_io.c and client_loop.c (the daemon's side of
 * benchfs-spawner) share: the helper's state and the transport. Private to
 * spawner/. */
#ifndef BENCHFS_SPAWNER_INTERNAL_CLIENT_H
#define BENCHFS_SPAWNER_INTERNAL_CLIENT_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "spawner/internal_protocol.h"
#include "spawner/spawner.h"

struct spawner {
	pthread_mutex_t lock;
	pid_t pid;  /* the helper, or -1 when none runs */
	int sock;   /* our end of the socketpair, or -1 */
	int last_status;  /* wait status of the last helper reaped */
	int last_orphans; /* processes it left running, killed when it was reaped */
	char msg[SPAWNER_MSG_MAX];
};

/* Waiting for the helper's next message while watching cancel_fd. */
struct spawner_wait {
	int cancel_fd;
	bool cancel_sent;
	int64_t deadline; /* now_mono_ns() time (util/clock.h); -1: none */
	int64_t tick;     /* when no message came by then, return 0; -1: none */
};

/* A deadline (now_mono_ns() time) for a helper whose commands may each take
 * timeout_s: it enforces that itself, so this only catches a wedged helper. */
int64_t spawner_deadline(double timeout_s);

/* Takes the lock and makes sure a helper runs (0 or -errno, unlocked then). */
int spawner_begin(struct spawner *sp);
/* Replaces a broken helper (or one that grew from a large request) and
 * releases the lock. */
void spawner_end(struct spawner *sp, bool broken, size_t request_len);

int spawner_send_iov(int fd, struct iovec *iov, int iovcnt);
/* Sends a payload as message type ('R', 'L') and 'M' continuations. */
int spawner_request_send(struct spawner *sp, char type, const char *payload, size_t len);
char *spawner_put_string(char *p, const char *s);
/* One message into sp->msg: its length, 0 at EOF, or -errno. */
ssize_t spawner_recv(struct spawner *sp);
/* The next message into sp->msg, sending 'C' once cancel_fd fires: its
 * length (at least a header), 0 when w->tick passed first, or -EPIPE
 * (helper gone), -ETIMEDOUT (wedged), -EPROTO or another -errno. */
int spawner_wait(struct spawner *sp, struct spawner_wait *w);
/* Tells the helper to kill the child it runs (once). */
void spawner_cancel(struct spawner *sp, struct spawner_wait *w);

void spawner_helper_reap(struct spawner *sp, bool kill_it);
void spawner_helper_stop(struct spawner *sp);

#endif
