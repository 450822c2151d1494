/* A benchmark's service and its output parser (runner/service.h).
 *
 * Who owns the service's processes: it runs through a benchfs-spawner of
 * its own (spawner_start), not the daemon, because the helper already does
 * what a service needs when things go wrong. The helper puts the command in
 * a process group of its own and kills that group when the daemon's end of
 * its socket closes, which is also what happens when the daemon is killed
 * with -9 (the kernel closes the socket); it is a session leader, and when
 * it dies itself the daemon kills whatever it left in its session. A
 * PR_SET_PDEATHSIG on the service would reach only its first process (a
 * shell's or a server's children would survive), and the daemon forking it
 * would count the daemon's resident pages in the service's memory. The
 * measurement loop's own spawner runs one command at a time, hence a second
 * one, driven by a thread of ours that waits in spawner_measure while the
 * service runs; stopping it is a SIGTERM to the group from here, then the
 * helper's cancel (SIGKILL to the group) after a grace.
 *
 * The thread never touches the run's log: the service's output waits in a
 * buffer that the runner's thread writes to debug.log at each event of the
 * loop, while waiting for readiness and when stopping. */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "config/config.h"
#include "runner/internal_measure.h"
#include "runner/service.h"
#include "runner/wrk_parse.h"
#include "util/clock.h"
#include "util/proc_stat.h"
#include "util/strbuf.h"

#define OUTPUT_MAX (1 << 20)   /* service output waiting for the log; more is dropped */
#define PARSE_MAX (1 << 20)    /* a measured iteration's output kept for the parser */
#define PROBE_INTERVAL_MS 50
#define PROBE_IO_MS 1000

struct svc_side {
	struct state *st;
	int index;
	struct spawner *sp;  /* the service's own benchfs-spawner; NULL: none */
	pid_t helper, pgid;  /* pgid: 0 until found */
	pthread_t thread;
	bool running;        /* the thread was started and not joined yet */
	int cancel[2], done[2];
	char **envp;
	char *shell_argv[4];
	pthread_mutex_t lock; /* out and dropped, shared with the thread */
	struct strbuf out;
	size_t dropped;
	int rc;               /* spawner_measure's, once joined */
	struct spawn_result res;
	double cpu_last, hwm_max;
	struct strbuf parse_out; /* the measured command's output of parse_iteration */
	int parse_iteration;
	bool parse_truncated;
};

struct bench_service {
	struct svc_side sides[SPAWNER_LOOP_SIDES_MAX];
	size_t nsides;
};

/* ---- the service's output ---- */

static void collect(void *ctx, const char *buf, size_t len)
{
	struct svc_side *svc = ctx;

	pthread_mutex_lock(&svc->lock);
	if (svc->out.len + len > OUTPUT_MAX || strbuf_add(&svc->out, buf, len))
		svc->dropped += len;
	pthread_mutex_unlock(&svc->lock);
}

/* What the service wrote since the last call, into debug.log under
 * "<bench> service"; the log's step is then the loop's again. */
static void drain(struct svc_side *svc)
{
	struct side_state *ss = &svc->st->sides[svc->index];
	struct strbuf out = STRBUF_INIT;
	char step[STEP_MAX];
	size_t dropped;

	pthread_mutex_lock(&svc->lock);
	out = svc->out;
	strbuf_init(&svc->out, 0);
	dropped = svc->dropped;
	svc->dropped = 0;
	pthread_mutex_unlock(&svc->lock);
	if (out.len > 0 || dropped > 0) {
		snprintf(step, sizeof(step), "%s service", svc->st->b->name);
		runlog_set_step(ss->side->log, step);
		if (out.len > 0)
			runlog_output(ss->side->log, out.buf, out.len);
		runlog_set_step(ss->side->log, ss->step[0] ? ss->step : "benchfs");
		if (dropped > 0)
			runlog_printf(ss->side->log, "benchfs", "%s: %zu bytes of the service's output"
				      " not logged (it wrote faster than the log is kept)",
				      svc->st->b->name, dropped);
	}
	strbuf_release(&out);
}

/* ---- its processes ---- */

struct pstat {
	pid_t ppid, pgrp;
	unsigned long long ticks; /* utime + stime + cutime + cstime */
};

static int proc_stat(struct pstat *out, const char *pid)
{
	struct proc_stat ps;

	if (proc_stat_read(&ps, pid))
		return -1;
	*out = (struct pstat){ ps.ppid, ps.pgrp, ps.utime + ps.stime + ps.cutime + ps.cstime };
	return 0;
}

/* VmHWM of /proc/<pid>/status in bytes, 0 when unreadable (a zombie). */
static double proc_hwm(const char *pid)
{
	char path[64], line[256];
	double kib = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	if (!(f = fopen(path, "re")))
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %lf kB", &kib) == 1)
			break;
	fclose(f);
	return kib * 1024;
}

/* With pgid 0: the group of helper's child, 0 when none yet. Else the
 * group's CPU seconds (its live processes' own and their reaped children's)
 * and the sum of their peak resident sets. */
static pid_t group_scan(pid_t helper, pid_t pgid, double *cpu, double *hwm)
{
	DIR *proc = opendir("/proc");
	long tck = sysconf(_SC_CLK_TCK);
	unsigned long long ticks = 0;
	struct dirent *de;
	pid_t found = 0;
	double rss = 0;

	if (!proc)
		return 0;
	while ((de = readdir(proc))) {
		struct pstat ps;

		if (de->d_name[0] < '1' || de->d_name[0] > '9' || proc_stat(&ps, de->d_name))
			continue;
		if (pgid == 0 && ps.ppid == helper) {
			found = ps.pgrp;
			break;
		}
		if (pgid != 0 && ps.pgrp == pgid) {
			ticks += ps.ticks;
			rss += proc_hwm(de->d_name);
		}
	}
	closedir(proc);
	if (pgid != 0) {
		*cpu = (double)ticks / (double)(tck > 0 ? tck : 100);
		*hwm = rss;
	}
	return found;
}

/* ---- the thread that waits for it ---- */

static void *service_thread(void *arg)
{
	struct svc_side *svc = arg;
	const struct service_config *c = svc->st->b->service;
	struct spawn_spec spec = {
		.argv = c->shell ? svc->shell_argv : c->argv,
		.envp = svc->envp,
		.cwd = svc->st->sides[svc->index].side->workdir,
		.timeout_s = 0, /* it runs until stopped */
		.on_output = collect,
		.output_ctx = svc,
		.cancel_fd = svc->cancel[0],
	};

	svc->rc = spawner_measure(svc->sp, &svc->res, &spec);
	if (write(svc->done[1], "x", 1) < 0) {
		/* the pipe cannot be full: one byte, once */
	}
	return NULL;
}

static bool ended(struct svc_side *svc, int timeout_ms)
{
	struct pollfd pfd = { .fd = svc->done[0], .events = POLLIN };

	return poll(&pfd, 1, timeout_ms) > 0;
}

/* How the service ended, once joined. */
static void describe_end(struct svc_side *svc, char *buf, size_t size)
{
	const struct service_config *c = svc->st->b->service;

	if (svc->rc < 0)
		snprintf(buf, size, "cannot run %s: %s", c->shell ? "/bin/sh" : c->argv[0],
			 strerror(-svc->rc));
	else
		spawn_result_describe(buf, size, &svc->res, 0);
}

static void join(struct svc_side *svc)
{
	if (!svc->running)
		return;
	pthread_join(svc->thread, NULL);
	svc->running = false;
}

/* ---- readiness ---- */

/* A connection to 127.0.0.1:port within PROBE_IO_MS: the socket, or -1
 * with the reason in why. */
static int probe_connect(int port, char *why, size_t whysize)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				    .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct pollfd pfd;
	socklen_t len = sizeof(int);
	int fd, err = 0;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(why, whysize, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		if (errno != EINPROGRESS) {
			err = errno;
		} else {
			pfd = (struct pollfd){ .fd = fd, .events = POLLOUT };
			if (poll(&pfd, 1, PROBE_IO_MS) <= 0)
				err = ETIMEDOUT;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
				err = errno;
		}
	}
	if (err) {
		snprintf(why, whysize, "connecting to 127.0.0.1:%d: %s", port, strerror(err));
		close(fd);
		return -1;
	}
	return fd;
}

/* An HTTP/1.0 GET of the path on fd: true when the status line says 200. */
static bool probe_http(int fd, const struct service_config *c, char *why, size_t whysize)
{
	char req[1200], resp[256];
	int64_t deadline = now_mono_ns() + PROBE_IO_MS * NS_PER_MS;
	size_t have = 0, sent = 0;
	int n = snprintf(req, sizeof(req), "GET %.1000s HTTP/1.0\r\nHost: 127.0.0.1:%d\r\n"
			 "User-Agent: benchfs\r\n\r\n", c->http_path, c->port);

	while (sent < (size_t)n) {
		ssize_t w = send(fd, req + sent, (size_t)n - sent, MSG_NOSIGNAL);
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		if (w > 0) {
			sent += (size_t)w;
			continue;
		}
		if (w < 0 && errno != EAGAIN && errno != EINTR) {
			snprintf(why, whysize, "GET %s: %s", c->http_url, strerror(errno));
			return false;
		}
		if (poll(&pfd, 1, timeout_ms_until(deadline, now_mono_ns())) <= 0) {
			snprintf(why, whysize, "GET %s: no answer", c->http_url);
			return false;
		}
	}
	while (have < sizeof(resp) - 1 && !memchr(resp, '\n', have)) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t r;
		if (poll(&pfd, 1, timeout_ms_until(deadline, now_mono_ns())) <= 0)
			break;
		if ((r = recv(fd, resp + have, sizeof(resp) - 1 - have, 0)) <= 0)
			break;
		have += (size_t)r;
	}
	resp[have] = '\0';
	resp[strcspn(resp, "\r\n")] = '\0';
	if (strncmp(resp, "HTTP/1.", 7) == 0 && strncmp(resp + 8, " 200", 4) == 0 &&
	    (resp[12] == ' ' || resp[12] == '\0'))
		return true;
	if (have == 0)
		snprintf(why, whysize, "GET %s: no answer", c->http_url);
	else
		snprintf(why, whysize, "GET %s answered \"%.80s\"", c->http_url, resp);
	return false;
}

static bool probe(const struct service_config *c, char *why, size_t whysize)
{
	int fd = probe_connect(c->port, why, whysize);
	bool ok;

	if (fd < 0)
		return false;
	ok = !c->http_url || probe_http(fd, c, why, whysize);
	close(fd);
	return ok;
}

/* ---- start ---- */

static int side_start(struct state *st, struct svc_side *svc)
{
	const struct service_config *c = st->b->service;
	struct side_state *ss = &st->sides[svc->index];
	struct runlog *log = ss->side->log;
	int64_t start = now_mono_ns(), deadline = start + (int64_t)(c->timeout * 1e9);
	char why[256] = "no probe answered yet", how[256];
	char *cmd;
	int rc;

	if (!(svc->envp = calloc(ss->envc + 2, sizeof(char *)))) {
		side_fail(st, svc->index, "%s service: out of memory", st->b->name);
		return -1;
	}
	memcpy(svc->envp, ss->envp, ss->envc * sizeof(char *));
	svc->envp[ss->envc] = "BENCHFS_PHASE=service";
	svc->shell_argv[0] = "/bin/sh";
	svc->shell_argv[1] = "-c";
	svc->shell_argv[2] = c->shell;
	if (pipe2(svc->cancel, O_CLOEXEC) || pipe2(svc->done, O_CLOEXEC)) {
		side_fail(st, svc->index, "%s service: pipe: %s", st->b->name, strerror(errno));
		return -1;
	}
	if ((rc = spawner_start(&svc->sp))) {
		side_interrupt(st, svc->index, "%s service: cannot start benchfs-spawner: %s",
			       st->b->name, strerror(-rc));
		return -1;
	}
	svc->helper = spawner_helper_pid(svc->sp);
	if ((rc = pthread_create(&svc->thread, NULL, service_thread, svc))) {
		side_fail(st, svc->index, "%s service: cannot start a thread: %s", st->b->name,
			  strerror(rc));
		return -1;
	}
	svc->running = true;
	if (c->shell) {
		runlog_printf(log, "benchfs", "%s: service started: /bin/sh -c %s", st->b->name, c->shell);
	} else {
		struct bench_config shown = { .argv = c->argv };
		cmd = bench_config_command_text(&shown);
		runlog_printf(log, "benchfs", "%s: service started: %s", st->b->name, cmd ? cmd : c->argv[0]);
		free(cmd);
	}
	for (;;) {
		struct pollfd pfd[2] = { { .fd = svc->done[0], .events = POLLIN },
					 { .fd = st->job->cancel_fd, .events = POLLIN } };
		int64_t now;

		drain(svc);
		if (svc->pgid == 0)
			svc->pgid = group_scan(svc->helper, 0, NULL, NULL);
		if (ended(svc, 0)) {
			join(svc);
			drain(svc);
			describe_end(svc, how, sizeof(how));
			side_fail(st, svc->index, "%s service ended before it was ready: %s", st->b->name,
				  how);
			return -1;
		}
		if (svc->pgid != 0 && probe(c, why, sizeof(why)))
			break;
		if ((now = now_mono_ns()) >= deadline) {
			side_fail(st, svc->index, "%s service not ready after %g s (%s)", st->b->name,
				  c->timeout, svc->pgid ? why : "its process did not start");
			return -1;
		}
		if (poll(pfd, st->job->cancel_fd > 0 ? 2 : 1,
			 timeout_ms_until(deadline, now) < PROBE_INTERVAL_MS
				 ? timeout_ms_until(deadline, now) : PROBE_INTERVAL_MS) > 0 &&
		    (pfd[1].revents & (POLLIN | POLLHUP))) {
			st->cancelled = true;
			return -1;
		}
	}
	(void)group_scan(svc->helper, svc->pgid, &svc->cpu_last, &svc->hwm_max);
	runlog_printf(log, "benchfs", "%s: service ready after %.2f s (%s; process group %d)",
		      st->b->name, (double)(now_mono_ns() - start) / 1e9,
		      c->http_url ? c->http_url : "TCP port open", (int)svc->pgid);
	return 0;
}

int bench_service_start(struct state *st)
{
	struct bench_service *bs;

	if (!st->b->service && st->b->parse == BENCH_PARSE_NONE)
		return 0;
	if (!(bs = calloc(1, sizeof(*bs)))) {
		side_fail(st, 0, "%s: out of memory", st->b->name);
		return -1;
	}
	st->service = bs;
	bs->nsides = st->job->nsides;
	for (size_t s = 0; s < bs->nsides; s++) {
		struct svc_side *svc = &bs->sides[s];
		*svc = (struct svc_side){ .st = st, .index = (int)s, .cancel = { -1, -1 },
					  .done = { -1, -1 } };
		pthread_mutex_init(&svc->lock, NULL);
		strbuf_init(&svc->out, 0);
		strbuf_init(&svc->parse_out, 0);
	}
	if (!st->b->service)
		return 0;
	/* Both sides' services would want the same port at once. */
	if (bs->nsides > 1) {
		side_fail(st, 0, "%s: a benchmark with a service cannot be measured in an interleaved"
			  " A/B job (both commits' services would need port %d at once); compare"
			  " runs of each commit instead", st->b->name, st->b->service->port);
		return -1;
	}
	for (size_t s = 0; s < bs->nsides; s++)
		if (side_start(st, &bs->sides[s]))
			return -1;
	return 0;
}

/* ---- during the loop ---- */

void bench_service_output(struct state *st, enum spawner_step step, int side, int iteration,
			  const char *buf, size_t len)
{
	struct svc_side *svc;

	if (!st->service || st->b->parse == BENCH_PARSE_NONE || step != SPAWNER_STEP_MEASURE)
		return;
	svc = &st->service->sides[side];
	if (svc->parse_iteration != iteration) {
		strbuf_reset(&svc->parse_out);
		svc->parse_iteration = iteration;
		svc->parse_truncated = false;
	}
	if (svc->parse_out.len + len > PARSE_MAX || strbuf_add(&svc->parse_out, buf, len))
		svc->parse_truncated = true;
}

static int metric(struct state *st, int side, int iteration, const char *name, const char *unit,
		  bool higher, double value)
{
	struct store_metric_def def = { .higher_is_better = higher };

	snprintf(def.name, sizeof(def.name), "%s", name);
	snprintf(def.unit, sizeof(def.unit), "%s", unit);
	return measure_metric_add(st, side, iteration, &def, value) < 0 ? -1 : 0;
}

/* The measured iteration's wrk report into its metrics. */
static int parse_wrk(struct state *st, struct svc_side *svc, const struct spawner_event *ev)
{
	struct side_state *ss = &st->sides[ev->side];
	struct wrk_report r;
	char why[256];
	bool have = svc->parse_iteration == ev->iteration && !svc->parse_truncated;
	int rc = have ? wrk_parse(&r, svc->parse_out.buf, svc->parse_out.len, why, sizeof(why))
		      : -EINVAL;

	if (!have)
		snprintf(why, sizeof(why), svc->parse_truncated
			 ? "wrk: the output is over %d bytes, not a report" : "wrk: no output (is"
			 " \"output\" \"discard\"?)", PARSE_MAX);
	strbuf_reset(&svc->parse_out);
	svc->parse_iteration = 0;
	if (rc || !have) {
		if (st->b->ignore_failure) {
			runlog_printf(ss->side->log, "benchfs", "%s iteration %d/%d: %s (ignored:"
				      " ignore_failure; the iteration has no wrk figures)",
				      st->b->name, ev->iteration, st->count, why);
			return 0;
		}
		side_fail(st, ev->side, "%s iteration %d/%d: %s", st->b->name, ev->iteration,
			  st->count, why);
		return 1;
	}
	if (metric(st, ev->side, ev->iteration, "requests", "req/s", true, r.requests) ||
	    metric(st, ev->side, ev->iteration, "latency_p50", "s", false, r.p50) ||
	    metric(st, ev->side, ev->iteration, "latency_p90", "s", false, r.p90) ||
	    metric(st, ev->side, ev->iteration, "latency_p99", "s", false, r.p99) ||
	    metric(st, ev->side, ev->iteration, "errors", "count", false, r.errors))
		return 1;
	return 0;
}

int bench_service_event(struct state *st, const struct spawner_event *ev)
{
	struct svc_side *svc;

	if (!st->service || ev->side < 0 || (size_t)ev->side >= st->service->nsides)
		return 0;
	svc = &st->service->sides[ev->side];
	if (svc->sp) {
		double cpu = 0, hwm = 0;
		char how[256];

		drain(svc);
		if (ended(svc, 0)) {
			join(svc);
			drain(svc);
			describe_end(svc, how, sizeof(how));
			side_fail(st, ev->side, "%s service ended while the benchmark ran (%s)",
				  st->b->name, how);
			return 1;
		}
		/* Each event ends a step of the loop: what the group used since
		 * the previous one is the step's. The loop runs on without
		 * waiting for us, so a step's share is read a little late; the
		 * sum over the iterations is exact. */
		(void)group_scan(svc->helper, svc->pgid, &cpu, &hwm);
		if (cpu > svc->cpu_last) {
			/* the service's time is the benchmark's, not interference */
			st->own_ns += (cpu - svc->cpu_last) * 1e9;
		} else {
			cpu = svc->cpu_last; /* a process that left took its time along */
		}
		if (hwm > svc->hwm_max)
			svc->hwm_max = hwm;
		if (ev->step == SPAWNER_STEP_MEASURE &&
		    (metric(st, ev->side, ev->iteration, "service_cpu", "s", false, cpu - svc->cpu_last) ||
		     metric(st, ev->side, ev->iteration, "service_memory", "bytes", false, svc->hwm_max)))
			return 1;
		svc->cpu_last = cpu;
	}
	if (ev->step == SPAWNER_STEP_MEASURE && st->b->parse == BENCH_PARSE_WRK)
		return parse_wrk(st, svc, ev);
	return 0;
}

/* ---- stop ---- */

static void side_stop(struct state *st, struct svc_side *svc)
{
	struct runlog *log = st->sides[svc->index].side->log;
	char how[256];
	bool termed = false;

	if (svc->running) {
		if (!ended(svc, 0) && svc->pgid > 0 && kill(-svc->pgid, SIGTERM) == 0)
			termed = true;
		if (!termed || !ended(svc, BENCH_SERVICE_GRACE_MS)) {
			/* the helper kills the group and reaps it */
			if (write(svc->cancel[1], "x", 1) < 0)
				close(svc->cancel[1]), svc->cancel[1] = -1;
			(void)ended(svc, -1);
		}
		join(svc);
		drain(svc);
		describe_end(svc, how, sizeof(how));
		runlog_printf(log, "benchfs", "%s: service stopped (%s%s)", st->b->name,
			      svc->res.cancelled ? "" : termed ? "SIGTERM: " : "",
			      svc->res.cancelled ? "killed" : how);
	}
	/* EOF tells the helper to go; what it left in its session is killed */
	spawner_free(svc->sp);
	svc->sp = NULL;
	drain(svc);
}

void bench_service_stop(struct state *st)
{
	struct bench_service *bs = st->service;

	if (!bs)
		return;
	for (size_t s = 0; s < bs->nsides; s++) {
		struct svc_side *svc = &bs->sides[s];

		if (svc->sp)
			side_stop(st, svc);
		for (int i = 0; i < 2; i++) {
			if (svc->cancel[i] >= 0)
				close(svc->cancel[i]);
			if (svc->done[i] >= 0)
				close(svc->done[i]);
		}
		free(svc->envp);
		strbuf_release(&svc->out);
		strbuf_release(&svc->parse_out);
		pthread_mutex_destroy(&svc->lock);
	}
	free(bs);
	st->service = NULL;
}
