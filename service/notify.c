#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "service/notify.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/log.h"
#include "views/alerts.h"
#include "views/history.h"
#include "views/session.h"

extern char **environ;

struct notify {
	/* The views' change number and branch tip when it last looked (-1: never). */
	int64_t seen_seq;
	char seen_tip[STORE_HASH_LEN + 1];
	char *const *argv;
	/* A store handle and repository of its own: it runs on the runner's thread. */
	struct view_session *session;
};

void notify_free(struct notify *n)
{
	if (!n)
		return;
	view_session_free(n->session);
	free(n);
}

int notify_open(struct notify **out, const struct view_settings *opts, char *const *argv,
		char *err, size_t errsize)
{
	struct notify *n = calloc(1, sizeof(*n));
	*out = NULL;
	if (!n) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	if (view_session_open(&n->session, opts, err, errsize)) {
		notify_free(n);
		return -1;
	}
	n->argv = argv;
	n->seen_seq = -1;
	*out = n;
	return 0;
}

/* Write all of input to fd before the deadline; a command that does not
 * read it (or exits first) is not an error of ours. */
static void feed(int fd, const char *input, int64_t deadline)
{
	size_t len = strlen(input), off = 0;
	while (off < len) {
		struct pollfd p = {.fd = fd, .events = POLLOUT};
		int wait = timeout_ms_until(deadline, now_mono_ns());
		ssize_t put;
		if (wait <= 0 || poll(&p, 1, wait) <= 0)
			return;
		if ((put = write(fd, input + off, len - off)) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return; /* EPIPE: it closed its input */
		}
		off += (size_t)put;
	}
}

int notify_run(char *const *argv, const char *input, int timeout_ms, char *what,
	       size_t whatsize)
{
	posix_spawn_file_actions_t fa;
	int in[2] = {-1, -1}, errp[2] = {-1, -1}, status = 0, rc;
	int64_t deadline = now_mono_ns() + (int64_t)timeout_ms * 1000000;
	char first[512];
	size_t len = 0;
	bool timed_out = false, reaped = false;
	pid_t pid;
	sigset_t pipe_set, old;
	if (pipe2(in, O_CLOEXEC) || pipe2(errp, O_CLOEXEC)) {
		snprintf(what, whatsize, "pipe: %s", strerror(errno));
		goto fail_pipes;
	}
	if (posix_spawn_file_actions_init(&fa)) {
		snprintf(what, whatsize, "out of memory");
		goto fail_pipes;
	}
	/* Only its three standard streams: none of the daemon's files. */
	rc = posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO) ||
	     posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0) ||
	     posix_spawn_file_actions_adddup2(&fa, errp[1], STDERR_FILENO) ||
	     posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
	if (!rc)
		rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(errp[1]);
	in[0] = errp[1] = -1;
	if (rc) {
		snprintf(what, whatsize, "cannot run %s: %s", argv[0], strerror(rc));
		goto fail_pipes;
	}
	/* A command that exits without reading must not end the daemon. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
	fcntl(in[1], F_SETFL, O_NONBLOCK);
	feed(in[1], input, deadline);
	close(in[1]);
	in[1] = -1;
	{
		struct timespec zero = {0};
		while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	/* Its standard error until it closes it or the time is up: the first
	 * line is what the log keeps. */
	for (;;) {
		struct pollfd p = {.fd = errp[0], .events = POLLIN};
		int wait = timeout_ms_until(deadline, now_mono_ns());
		char buf[4096];
		ssize_t got;
		if (wait <= 0 || poll(&p, 1, wait) <= 0) {
			timed_out = wait <= 0 || errno != EINTR;
			break;
		}
		if ((got = read(errp[0], buf, sizeof(buf))) <= 0)
			break;
		for (ssize_t i = 0; i < got && len + 1 < sizeof(first); i++)
			first[len++] = buf[i];
	}
	/* Its standard error closed: give it until the deadline to exit. */
	while (!timed_out) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid) {
			reaped = true;
			break;
		}
		if (w < 0 && errno != EINTR)
			break;
		if (timeout_ms_until(deadline, now_mono_ns()) <= 0) {
			timed_out = true;
			break;
		}
		usleep(10000);
	}
	if (!reaped) {
		kill(pid, SIGKILL);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	close(errp[0]);
	first[len] = '\0';
	first[strcspn(first, "\n")] = '\0';
	if (timed_out)
		snprintf(what, whatsize, "killed after %d s%s%s", timeout_ms / 1000,
			 *first ? ": " : "", first);
	else if (WIFEXITED(status))
		snprintf(what, whatsize, "exit status %d%s%s", WEXITSTATUS(status), *first ? ": " : "",
			 first);
	else
		snprintf(what, whatsize, "killed by signal %d%s%s",
			 WIFSIGNALED(status) ? WTERMSIG(status) : 0, *first ? ": " : "", first);
	return !timed_out && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
fail_pipes:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (errp[i] >= 0)
			close(errp[i]);
	}
	return -1;
}

/* Notify one alert: 0 when the command took it (and the store says so). */
static int notify_one(struct notify *n, const struct alert_entry *e)
{
	json_object *o = alert_json(e, &n->session->view);
	const char *text = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : NULL;
	struct store_alert a = {0};
	char what[768], *input = NULL;
	int rc = -1;
	if (!text || asprintf(&input, "%s\n", text) < 0) {
		json_object_put(o);
		return log_error(-ENOMEM, "on_alert: alert %s: out of memory", e->f[ALERT_F_ID]);
	}
	json_object_put(o);
	if (notify_run(n->argv, input, NOTIFY_TIMEOUT_MS, what, sizeof(what))) {
		free(input);
		return log_error(-EIO, "on_alert: %s for alert %s (%s at %.12s) failed: %s; tried"
				       " again at the next change of the results",
				 n->argv[0], e->f[ALERT_F_ID], e->f[ALERT_F_BENCH],
				 e->f[ALERT_F_COMMIT], what);
	}
	free(input);
	snprintf(a.id, sizeof(a.id), "%s", e->f[ALERT_F_ID]);
	snprintf(a.commit, sizeof(a.commit), "%s", e->f[ALERT_F_COMMIT]);
	snprintf(a.benchmark, sizeof(a.benchmark), "%s", e->f[ALERT_F_BENCH]);
	a.line = e->line;
	if ((rc = store_errno(store_alert_set_notified(n->session->store, &a, now_real_ns()))))
		return rc; /* the store logs its own failures */
	log_notice("on_alert: %s took alert %s (%s at %.12s, %s)", n->argv[0], e->f[ALERT_F_ID],
		   e->f[ALERT_F_BENCH], e->f[ALERT_F_COMMIT], e->f[ALERT_F_CHANGE]);
	return 0;
}

size_t notify_next(void *ctx)
{
	struct notify *n = ctx;
	struct alert_entry *e = NULL;
	char tip[STORE_HASH_LEN + 1];
	size_t count = 0;
	int64_t seq = -1;
	int rc;
	if (!n || history_tip(tip, &n->session->view) < 0)
		return 0;
	/* Nothing the regressions rest on moved since it last looked: idle
	 * wake-ups cost one query. */
	if (store_results_seq(n->session->store, &seq, NULL) != STORE_OK ||
	    (seq == n->seen_seq && strcmp(tip, n->seen_tip) == 0))
		return 0;
	/* Looked at this change whatever happens below: a failing command is
	 * tried again at the next change, never in a loop. */
	n->seen_seq = seq;
	memcpy(n->seen_tip, tip, sizeof(tip));
	if ((rc = alert_entries(&e, &count, &n->session->view))) {
		log_error(rc, "on_alert: reading the regressions: %s", strerror(-rc));
		return 0;
	}
	for (size_t i = 0; i < count; i++) {
		struct store_alert a;
		int got = store_alert_get(n->session->store, &a, e[i].f[ALERT_F_ID]);
		bool done = got == 0 && a.notified_ns;
		if (got == 0)
			store_alert_clear(&a);
		else if (got != STORE_NOTFOUND)
			break; /* the store logs its own failures */
		/* Triaged before it was notified: nobody needs telling. */
		if (done || strcmp(e[i].f[ALERT_F_STATE], "new") != 0)
			continue;
		notify_one(n, &e[i]);
	}
	alert_entries_free(e, count);
	return 0;
}
