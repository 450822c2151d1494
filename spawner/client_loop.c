/* The daemon's side of a measurement loop run by benchfs-spawner (see
 * spawner_loop in spawner.h): the request, then events and output as the
 * helper sends them. */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spawner/internal_client.h"
#include "spawner/internal_protocol.h"
#include "spawner/spawner.h"
#include "util/clock.h"

extern char **environ;

/* Between two messages the helper may run a prepare, a command and a
 * conclude, each up to the timeout; beyond that (and a grace) it is wedged. */
#define STEPS_BETWEEN_MESSAGES 3.0

static bool loop_valid(const struct spawner_loop *l)
{
	if (!l || !l->argv || !l->argv[0] || !l->sides || l->nsides == 0 ||
	    l->nsides > SPAWNER_LOOP_SIDES_MAX || (l->ncpus > 0 && !l->cpus) ||
	    l->ncpus > CPU_SETSIZE || l->calibrations < 0 || l->warmup < 0 || l->first < 0)
		return false;
	if (l->min_time > 0)
		return l->min_runs >= 1 && l->max_runs >= l->min_runs &&
		       l->first <= INT_MAX - l->max_runs;
	return l->runs >= 1 && l->first <= INT_MAX - l->runs;
}

/* The 'L' payload (see internal_protocol.h), malloc'd. */
static char *loop_build(const struct spawner_loop *l, size_t *len_out, int *err)
{
	char base[PATH_MAX];
	bool has_base = getcwd(base, sizeof(base)) != NULL;
	uint32_t argc = 0, envc[SPAWNER_LOOP_SIDES_MAX] = { 0 };
	size_t len = SPAWNER_LOOP_FIXED + l->ncpus * 4;
	bool adaptive = l->min_time > 0;
	int32_t ints[6] = { l->calibrations, l->warmup, adaptive ? l->min_runs : l->runs,
			    adaptive ? l->min_runs : l->runs, adaptive ? l->max_runs : l->runs,
			    l->first > 0 ? l->first : 1 };
	double min_time = adaptive ? l->min_time : 0;
	unsigned char flags = (has_base ? SPAWNER_LOOP_BASE : 0) |
			      (l->output ? SPAWNER_LOOP_OUTPUT : 0) |
			      (l->ignore_failure ? SPAWNER_LOOP_IGNORE_FAILURE : 0) |
			      (l->randomize_env ? SPAWNER_LOOP_RANDOMIZE_ENV : 0) |
			      (l->prepare ? SPAWNER_LOOP_PREPARE : 0) |
			      (l->conclude ? SPAWNER_LOOP_CONCLUDE : 0) |
			      (l->metrics_dir ? SPAWNER_LOOP_METRICS : 0);
	char *buf, *p;

	if (has_base)
		len += strlen(base) + 1;
	if (l->prepare)
		len += strlen(l->prepare) + 1;
	if (l->conclude)
		len += strlen(l->conclude) + 1;
	if (l->metrics_dir)
		len += strlen(l->metrics_dir) + 1;
	for (; l->argv[argc]; argc++)
		len += strlen(l->argv[argc]) + 1;
	for (size_t s = 0; s < l->nsides; s++) {
		char *const *envp = l->sides[s].envp ? l->sides[s].envp : environ;

		len += 5 + (l->sides[s].cwd ? strlen(l->sides[s].cwd) + 1 : 0);
		for (; envp[envc[s]]; envc[s]++)
			len += strlen(envp[envc[s]]) + 1;
	}
	if (len > SPAWNER_REQ_MAX) {
		*err = -E2BIG;
		return NULL;
	}
	if (!(p = buf = malloc(len))) {
		*err = -ENOMEM;
		return NULL;
	}
	memcpy(p, &l->timeout_s, 8), p += 8;
	memcpy(p, &min_time, 8), p += 8;
	memcpy(p, &l->seed, 8), p += 8;
	memcpy(p, ints, sizeof(ints)), p += sizeof(ints);
	*p++ = (char)flags;
	spawner_put_u32(p, argc), p += 4;
	spawner_put_u32(p, (uint32_t)l->ncpus), p += 4;
	spawner_put_u32(p, (uint32_t)l->nsides), p += 4;
	for (size_t i = 0; i < l->ncpus; i++) {
		int32_t cpu = l->cpus[i];

		memcpy(p, &cpu, 4), p += 4;
	}
	if (has_base)
		p = spawner_put_string(p, base);
	if (l->prepare)
		p = spawner_put_string(p, l->prepare);
	if (l->conclude)
		p = spawner_put_string(p, l->conclude);
	if (l->metrics_dir)
		p = spawner_put_string(p, l->metrics_dir);
	for (uint32_t i = 0; i < argc; i++)
		p = spawner_put_string(p, l->argv[i]);
	for (size_t s = 0; s < l->nsides; s++) {
		char *const *envp = l->sides[s].envp ? l->sides[s].envp : environ;

		spawner_put_u32(p, envc[s]), p += 4;
		*p++ = l->sides[s].cwd != NULL;
		if (l->sides[s].cwd)
			p = spawner_put_string(p, l->sides[s].cwd);
		for (uint32_t i = 0; i < envc[s]; i++)
			p = spawner_put_string(p, envp[i]);
	}
	*len_out = len;
	return buf;
}

static bool step_valid(int step)
{
	return step >= SPAWNER_STEP_CALIBRATE && step <= SPAWNER_STEP_CONCLUDE;
}

/* Events and output until 'D'. Returns the loop's result; *broken as in
 * client_io.c's result_wait. */
static int loop_wait(struct spawner *sp, const struct spawner_loop *l, bool *broken)
{
	double between = STEPS_BETWEEN_MESSAGES * l->timeout_s;
	struct spawner_wait w = { .cancel_fd = l->cancel_fd, .deadline = spawner_deadline(between),
				  .tick = -1 };
	bool caller_stopped = false;

	*broken = true;
	for (;;) {
		int n = spawner_wait(sp, &w);
		const char *m = sp->msg;
		int step = (unsigned char)m[1], side = (unsigned char)m[2];

		if (n < 0)
			return n;
		if (n == 0) { /* quiet for idle_ms */
			int again = l->on_idle && !caller_stopped ? l->on_idle(l->ctx) : 0;

			w.tick = again > 0 ? now_mono_ns() + again * NS_PER_MS : -1;
			continue;
		}
		if (!w.cancel_sent)
			w.deadline = spawner_deadline(between);
		if (l->on_idle && l->idle_ms > 0)
			w.tick = now_mono_ns() + l->idle_ms * NS_PER_MS;
		if (m[0] == 'o') {
			uint32_t len = spawner_get_u32(m + 4);
			int32_t it;

			if (n < SPAWNER_HDR + 4 || len != (size_t)n - SPAWNER_HDR - 4 ||
			    !step_valid(step) || (size_t)side >= l->nsides)
				return -EPROTO;
			memcpy(&it, m + SPAWNER_HDR, 4);
			if (l->on_output && len > 0 && !caller_stopped)
				l->on_output(l->ctx, (enum spawner_step)step, side, it,
					     m + SPAWNER_HDR + 4, len);
		} else if (m[0] == 'E') {
			struct spawner_event ev = { .step = (enum spawner_step)step, .side = side };
			int32_t ints[3];

			if (n != SPAWNER_EVENT_LEN || !step_valid(step) || (size_t)side >= l->nsides)
				return -EPROTO;
			ev.error = (int)spawner_get_u32(m + 4);
			memcpy(ints, m + SPAWNER_HDR, sizeof(ints));
			ev.iteration = ints[0];
			ev.count = ints[1];
			ev.env_offset = ints[2];
			if (ev.error > 0)
				return -EPROTO;
			if (!ev.error)
				spawner_get_result(&ev.res, m + SPAWNER_HDR + sizeof(ints));
			if (!caller_stopped && l->on_event && l->on_event(l->ctx, &ev)) {
				caller_stopped = true;
				spawner_cancel(sp, &w);
			}
		} else if (m[0] == 'N') {
			if (n != SPAWNER_HDR)
				return -EPROTO;
			if (l->on_count && !caller_stopped)
				l->on_count(l->ctx, (int)spawner_get_u32(m + 4));
		} else if (m[0] == 'D') {
			int rc = (int)spawner_get_u32(m + 4);

			if (n != SPAWNER_HDR || (rc != 0 && rc != SPAWNER_STOPPED && rc >= 0))
				return -EPROTO;
			*broken = rc < 0;
			return caller_stopped ? SPAWNER_STOPPED : rc;
		} else {
			return -EPROTO;
		}
	}
}

int spawner_loop(struct spawner *sp, const struct spawner_loop *loop)
{
	bool broken = false;
	size_t len = 0;
	char *payload;
	int rc;

	if (!sp || !loop_valid(loop))
		return -EINVAL;
	if ((rc = spawner_begin(sp)))
		return rc;
	if (!(payload = loop_build(loop, &len, &rc))) {
		spawner_end(sp, false, 0);
		return rc;
	}
	rc = spawner_request_send(sp, 'L', payload, len);
	free(payload);
	if (rc == 0) {
		rc = loop_wait(sp, loop, &broken);
	} else {
		rc = -EPIPE;
		broken = true;
	}
	spawner_end(sp, broken, len);
	return rc;
}
