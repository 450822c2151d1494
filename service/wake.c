#include "service/wake.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

struct wake {
	pthread_t thread;
	struct runner *runner;
	atomic_bool stop;
};

int wake_block(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	return -pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void *wake_loop(void *arg)
{
	struct wake *w = arg;
	sigset_t set;
	int sig;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	while (!atomic_load(&w->stop)) {
		if (sigwait(&set, &sig) == 0 && !atomic_load(&w->stop))
			runner_wake(w->runner);
	}
	return NULL;
}

int wake_start(struct wake **out, struct runner *runner)
{
	struct wake *w = calloc(1, sizeof(*w));
	int rc;
	*out = NULL;
	if (!w)
		return -ENOMEM;
	w->runner = runner;
	atomic_init(&w->stop, false);
	if ((rc = pthread_create(&w->thread, NULL, wake_loop, w))) {
		free(w);
		return -rc;
	}
	*out = w;
	return 0;
}

void wake_stop(struct wake *w)
{
	if (!w)
		return;
	atomic_store(&w->stop, true);
	/* The thread waits in sigwait: a signal directed at it ends the wait. */
	pthread_kill(w->thread, SIGUSR1);
	pthread_join(w->thread, NULL);
	free(w);
}
