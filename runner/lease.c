/* The runner's place among the runners sharing a store: its name and
 * labels, the keeper thread that renews its lease and heartbeat, puts back
 * in the queue the jobs of runners whose lease ran out, and wakes the
 * worker when a job is queued anywhere (PostgreSQL's LISTEN). The keeper
 * has a store connection of its own: a connection serves one thread. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "runner/internal.h"
#include "store/fleet.h"
#include "store/paths.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/labels.h"
#include "util/log.h"
#include "util/runid.h"

#define LEASE_DEFAULT_MS 30000

void runner_default_name(char *buf, size_t size, const char *data_dir)
{
	char host[256] = "";
	if (gethostname(host, sizeof(host) - 1))
		snprintf(host, sizeof(host), "unknown");
	snprintf(buf, size, "%s:%s", host, data_dir);
}

int runner_identity(struct runner *r, const char *configured, char *err, size_t errsize)
{
	char host[256] = "", list[LABELS_MAX], why[256], pin[80];
	struct utsname u;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	if (gethostname(host, sizeof(host) - 1))
		snprintf(host, sizeof(host), "unknown");
	if (r->opts.name)
		snprintf(r->name, sizeof(r->name), "%s", r->opts.name);
	else
		runner_default_name(r->name, sizeof(r->name), r->data_dir);
	/* What the machine says of itself (its architecture, its cores, its
	 * host name: the daemon's own follow-up jobs ask for it) and what its
	 * admin configured (bare, avx512, a profile's name). */
	labels_host(pin, sizeof(pin), host);
	snprintf(list, sizeof(list), "%s,%s,cores=%ld,%s", configured ? configured : "",
		 uname(&u) ? "" : u.machine, cores > 0 ? cores : 1, pin);
	if (labels_normalize(r->labels, sizeof(r->labels), list, why, sizeof(why))) {
		snprintf(err, errsize, "runner labels: %s", why);
		return -EINVAL;
	}
	r->lease_ns = (r->opts.lease_ms > 0 ? r->opts.lease_ms : LEASE_DEFAULT_MS) * 1000000LL;
	return 0;
}

/* The job the worker runs now is no longer this runner's: interrupt it
 * (the worker says why in its log and does not record it). */
static void lease_lost(struct runner *r, int64_t run_id)
{
	log_warning("runner: run " RUNID_DIR_FMT " is no longer ours: %s", (long long)run_id,
		    store_errmsg(r->keeper_store));
	pthread_mutex_lock(&r->lock);
	if (r->current == run_id)
		r->lease_lost = true;
	pthread_mutex_unlock(&r->lock);
	if (write(r->cancel_pipe[1], "x", 1) < 0)
		log_error_errno(-errno, "cannot interrupt the runner");
}

/* Jobs whose runner's lease ran out go back to the queue (the store
 * notifies the other runners). */
static void requeue_expired(struct runner *r)
{
	int64_t *ids = NULL;
	size_t n = 0;
	if (store_runs_recover(r->keeper_store, NULL, &ids, &n))
		return; /* logged by the store; tried again at the next beat */
	for (size_t i = 0; i < n; i++) {
		log_notice("run " RUNID_DIR_FMT " queued again: its runner's lease ran out",
			   (long long)ids[i]);
		runner_notify(r, ids[i]);
	}
	free(ids);
	if (n)
		runner_wake(r);
}

static void beat(struct runner *r)
{
	int64_t current;
	int rc;
	pthread_mutex_lock(&r->lock);
	current = r->current;
	pthread_mutex_unlock(&r->lock);
	rc = store_runner_heartbeat(r->keeper_store, r->name, current, r->lease_ns);
	if (rc == STORE_NOTFOUND && current)
		lease_lost(r, current);
	requeue_expired(r);
}

static void *keeper(void *arg)
{
	struct runner *r = arg;
	/* Three beats per lease: one late beat does not lose it. */
	int64_t period = r->lease_ns / 3, next = 0;
	bool listening = store_shared(r->keeper_store) && !store_queue_listen(r->keeper_store);
	while (!runner_stopping(r)) {
		int64_t now = now_mono_ns(), wait_ms;
		if (now >= next) {
			beat(r);
			next = now + period;
		}
		wait_ms = (next - now_mono_ns()) / 1000000;
		wait_ms = wait_ms < 1 ? 1 : wait_ms > 1000 ? 1000 : wait_ms;
		if (listening && store_queue_wait(r->keeper_store, (int)wait_ms) == STORE_OK) {
			runner_wake(r);
			continue;
		}
		if (!listening) {
			struct timespec ts;
			pthread_mutex_lock(&r->lock);
			if (!r->stop) {
				timespec_real_after(&ts, wait_ms);
				pthread_cond_timedwait(&r->keeper_cond, &r->lock, &ts);
			}
			pthread_mutex_unlock(&r->lock);
		}
	}
	return NULL;
}

int runner_keeper_start(struct runner *r, char *err, size_t errsize)
{
	char path[4096];
	sigset_t all, old;
	struct store_runner self = {.name = r->name, .labels = r->labels, .pid = getpid()};
	char host[256] = "";
	int rc;
	if (!gethostname(host, sizeof(host) - 1))
		self.host = host;
	store_path_db(path, sizeof(path), r->data_dir);
	if ((rc = store_open(&r->keeper_store, path, STORE_SYNC_NORMAL))) {
		snprintf(err, errsize, "store %s: %s", path, store_errmsg(r->keeper_store));
		return store_errno(rc);
	}
	store_set_owner(r->keeper_store, r->name);
	if ((rc = store_runner_register(r->keeper_store, &self))) {
		snprintf(err, errsize, "registering runner %s: %s", r->name,
			 store_errmsg(r->keeper_store));
		return store_errno(rc);
	}
	pthread_cond_init(&r->keeper_cond, NULL);
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&r->keeper, NULL, keeper, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		pthread_cond_destroy(&r->keeper_cond);
		snprintf(err, errsize, "cannot start the runner's keeper thread: %s", strerror(rc));
		return -rc;
	}
	r->keeper_started = true;
	return 0;
}

void runner_keeper_stop(struct runner *r)
{
	if (r->keeper_started) {
		pthread_mutex_lock(&r->lock);
		pthread_cond_signal(&r->keeper_cond);
		pthread_mutex_unlock(&r->lock);
		pthread_join(r->keeper, NULL);
		pthread_cond_destroy(&r->keeper_cond);
		r->keeper_started = false;
	}
	if (r->keeper_store)
		(void)store_runner_unregister(r->keeper_store, r->name);
	store_free(r->keeper_store);
	r->keeper_store = NULL;
}
