/* The helper side of benchfs-spawner's measurement loop ('L', see
 * spawner_loop in spawner.h): a benchmark's calibrations, warmups and measured
 * iterations run here, each iteration's result streamed back to the daemon.
 * What happens between two timed children is what benchfs spends beyond a
 * minimal spawn loop (bench/overhead.sh): keep it to a few system calls. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "spawner/internal_helper.h"
#include "spawner/internal_protocol.h"
#include "spawner/spawn_measure.h"
#include "spawner/spawner.h"
#include "util/clock.h"


/* Events of iterations shorter than LOOP_SLOW_NS are sent in batches at
 * most LOOP_BATCH_MS apart and LOOP_BATCH_MAX long. */
#define LOOP_BATCH_MAX 64
#define LOOP_BATCH_MS 50
#define LOOP_SLOW_NS 5000000LL

struct loop_side {
	char *cwd;
	char **envp; /* the side's environment and four slots: iteration, phase, pad, metrics */
	uint32_t envc;
};

struct loop {
	int fd;
	double timeout_s, min_time;
	uint64_t rng;
	int32_t calibrations, warmup, runs, min_runs, max_runs, first;
	unsigned flags;
	char *base, *prepare, *conclude, *metrics_dir;
	char **argv;
	int *cpus;
	uint32_t ncpus, nsides;
	struct loop_side sides[SPAWNER_LOOP_SIDES_MAX];
	int count;     /* measured iterations planned */
	int entered;   /* the side whose directory we are in; -1: none */
	size_t width;  /* what BENCHFS_ITERATION and BENCHFS_PHASE take at most */
	char iteration_var[40], phase_var[40];
	char *pad_var; /* "BENCHFS_PAD=xxx..." */
	char *metrics_var; /* "BENCHFS_METRICS=<dir>/<name>"; NULL: none */
	size_t metrics_name_at; /* where <name> starts in it */
	/* The timed commands' output file (a memfd; -1 without output),
	 * forwarded and emptied after each command that wrote into it. */
	int out_fd;
	struct spawn_actions actions; /* the timed commands' file actions */
	/* A timed command's output and event are sent right after it ends,
	 * before the next child starts. Sending them while the next child ran
	 * (to save the untimed gap) preempted that child on its CPU: the
	 * /bin/true mean measured +10.8% over a minimal spawn loop that way,
	 * +5.8% this way (bench/overhead.sh, 2026-11-23). */
	char batch[LOOP_BATCH_MAX][SPAWNER_EVENT_LEN];
	int nbatch;
	int64_t batch_ns; /* when the last batch left */
	struct loop_pending {
		bool event;
		struct spawner_event ev;
		int out_fd;
		struct loop_output {
			int fd;
			enum spawner_step step;
			int side, iteration;
		} out;
	} pending;
};

static void loop_free(struct loop *l)
{
	if (l->out_fd >= 0)
		close(l->out_fd);
	spawn_actions_clear(&l->actions);
	for (uint32_t s = 0; s < SPAWNER_LOOP_SIDES_MAX; s++)
		free(l->sides[s].envp);
	free(l->argv);
	free(l->cpus);
	free(l->pad_var);
	free(l->metrics_var);
}

/* splitmix64: small, fast, and good enough to spread offsets. */
static uint64_t loop_random(struct loop *l)
{
	uint64_t z = (l->rng += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t decimal_len(int v)
{
	size_t n = v <= 0 ? 1 : 0;

	for (; v != 0; v /= 10)
		n++;
	return n;
}

/* Parses an 'L' payload in place. 0 or -EPROTO / -ENOMEM. */
static int loop_parse(struct loop *l, char *payload, size_t len)
{
	const char *p = payload;
	size_t pos = SPAWNER_LOOP_FIXED, longest;
	uint32_t argc, ncpus, nsides;
	int32_t ints[6];
	int rc = -EPROTO;

	if (len < SPAWNER_LOOP_FIXED)
		return -EPROTO;
	memcpy(&l->timeout_s, p, 8);
	memcpy(&l->min_time, p + 8, 8);
	memcpy(&l->rng, p + 16, 8);
	memcpy(ints, p + 24, sizeof(ints));
	l->calibrations = ints[0];
	l->warmup = ints[1];
	l->runs = ints[2];
	l->min_runs = ints[3];
	l->max_runs = ints[4];
	l->first = ints[5];
	l->flags = (unsigned char)p[48];
	argc = spawner_get_u32(p + 49);
	ncpus = spawner_get_u32(p + 53);
	nsides = spawner_get_u32(p + 57);
	if (argc == 0 || nsides == 0 || nsides > SPAWNER_LOOP_SIDES_MAX || l->calibrations < 0 ||
	    l->warmup < 0 || l->runs < 1 || l->min_runs < 1 || l->max_runs < l->min_runs ||
	    l->first < 1 || l->first > INT32_MAX - l->max_runs || l->first > INT32_MAX - l->runs)
		return -EPROTO;
	l->nsides = nsides;
	if ((rc = helper_next_cpus(&l->cpus, payload, len, &pos, ncpus)))
		return rc;
	l->ncpus = ncpus;
	rc = -EPROTO;
	if ((l->flags & SPAWNER_LOOP_BASE) && !(l->base = helper_next_string(payload, len, &pos)))
		return rc;
	if ((l->flags & SPAWNER_LOOP_PREPARE) && !(l->prepare = helper_next_string(payload, len, &pos)))
		return rc;
	if ((l->flags & SPAWNER_LOOP_CONCLUDE) && !(l->conclude = helper_next_string(payload, len, &pos)))
		return rc;
	if ((l->flags & SPAWNER_LOOP_METRICS) &&
	    !(l->metrics_dir = helper_next_string(payload, len, &pos)))
		return rc;
	if (!(l->argv = helper_next_strings(payload, len, &pos, argc, &rc)))
		return rc;
	for (uint32_t s = 0; s < nsides; s++) {
		struct loop_side *side = &l->sides[s];
		const char *fixed = helper_next_bytes(payload, len, &pos, 5);
		char **env;

		rc = -EPROTO;
		if (!fixed)
			return rc;
		side->envc = spawner_get_u32(fixed);
		if (fixed[4] && !(side->cwd = helper_next_string(payload, len, &pos)))
			return rc;
		if (!(env = helper_next_strings(payload, len, &pos, side->envc, &rc)))
			return rc;
		/* Room for the four variables the loop adds, and the NULL. */
		side->envp = calloc((size_t)side->envc + 5, sizeof(char *));
		if (side->envp)
			memcpy(side->envp, env, side->envc * sizeof(char *));
		free(env);
		if (!side->envp)
			return -ENOMEM;
	}
	if (pos != len)
		return -EPROTO;
	/* Iteration numbers run from -warmup to first - 1 + max_runs; phases
	 * are at most "calibrate" long. */
	longest = decimal_len(-l->warmup);
	if (decimal_len(l->first - 1 + l->max_runs) > longest)
		longest = decimal_len(l->first - 1 + l->max_runs);
	if (decimal_len(l->first - 1 + l->runs) > longest)
		longest = decimal_len(l->first - 1 + l->runs);
	l->width = longest + sizeof("calibrate") - 1;
	l->pad_var = malloc(sizeof("BENCHFS_PAD=") + l->width + SPAWNER_PAD_RANDOM);
	if (!l->pad_var)
		return -ENOMEM;
	if (l->metrics_dir) {
		size_t dir = strlen(l->metrics_dir);

		l->metrics_name_at = sizeof("BENCHFS_METRICS=") - 1 + dir + 1;
		if (!(l->metrics_var = malloc(l->metrics_name_at + SPAWNER_METRICS_NAME_LEN + 1)))
			return -ENOMEM;
		memcpy(l->metrics_var, "BENCHFS_METRICS=", sizeof("BENCHFS_METRICS=") - 1);
		memcpy(l->metrics_var + sizeof("BENCHFS_METRICS=") - 1, l->metrics_dir, dir);
		l->metrics_var[l->metrics_name_at - 1] = '/';
	}
	l->count = l->min_time > 0 ? l->min_runs : l->runs;
	if ((l->flags & SPAWNER_LOOP_OUTPUT) &&
	    (l->out_fd = memfd_create("benchfs-output", MFD_CLOEXEC)) < 0)
		return -errno;
	return 0;
}

static void loop_forward(void *ctx, const char *buf, size_t len)
{
	const struct loop_output *o = ctx;

	while (len > 0) {
		size_t n = len < SPAWNER_LOOP_OUT_MAX ? len : SPAWNER_LOOP_OUT_MAX;
		char hdr[SPAWNER_HDR + 4];
		int32_t it = o->iteration;
		struct iovec iov[2] = { { hdr, sizeof(hdr) }, { (char *)buf, n } };

		spawner_header(hdr, 'o', (uint32_t)n);
		hdr[1] = (char)o->step;
		hdr[2] = (char)o->side;
		memcpy(hdr + SPAWNER_HDR, &it, 4);
		if (helper_send_all(o->fd, iov, 2))
			return;
		buf += n;
		len -= n;
	}
}

static void encode_event(char *buf, const struct spawner_event *ev)
{
	int32_t ints[3] = { ev->iteration, ev->count, ev->env_offset };

	memset(buf, 0, SPAWNER_EVENT_LEN);
	spawner_header(buf, 'E', (uint32_t)ev->error);
	buf[1] = (char)ev->step;
	buf[2] = (char)ev->side;
	memcpy(buf + SPAWNER_HDR, ints, sizeof(ints));
	if (!ev->error)
		spawner_put_result(buf + SPAWNER_HDR + sizeof(ints), &ev->res);
}

/* The batched events, in one system call where the kernel takes them all. */
static int batch_send(struct loop *l)
{
	struct mmsghdr mm[LOOP_BATCH_MAX];
	struct iovec iov[LOOP_BATCH_MAX];
	int done = 0;

	for (int i = 0; i < l->nbatch; i++) {
		iov[i] = (struct iovec){ l->batch[i], SPAWNER_EVENT_LEN };
		mm[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	while (done < l->nbatch) {
		int n = sendmmsg(l->fd, mm + done, (unsigned)(l->nbatch - done), MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		done += n;
	}
	l->nbatch = 0;
	l->batch_ns = now_mono_ns();
	return 0;
}

/* Everything the command wrote into the output file, forwarded. */
static void loop_forward_file(const struct loop_output *out, int fd)
{
	char buf[SPAWNER_LOOP_OUT_MAX];
	off_t off = 0;
	ssize_t n;

	while ((n = pread(fd, buf, sizeof(buf), off)) > 0) {
		loop_forward((void *)out, buf, (size_t)n);
		off += n;
	}
}

/* Sends the last timed command's output, then its event. Events of fast iterations are batched:
 * they leave at most LOOP_BATCH_MS apart (the daemon wakes up once for
 * them), those of slow ones (or with force) at once. -EPIPE when the daemon
 * is gone. */
static int loop_flush(struct loop *l, bool force)
{
	struct loop_pending *d = &l->pending;
	bool now = force;
	struct stat st;

	/* Most timed commands write nothing: one fstat says so. */
	if (d->out_fd >= 0 && fstat(d->out_fd, &st) == 0 && st.st_size > 0) {
		loop_forward_file(&d->out, d->out_fd);
		/* Empty again for the next command. */
		if (ftruncate(d->out_fd, 0) < 0 || lseek(d->out_fd, 0, SEEK_SET) < 0) {
			/* a memfd does not refuse; nothing better to do */
		}
	}
	d->out_fd = -1;
	if (d->event) {
		d->event = false;
		encode_event(l->batch[l->nbatch++], &d->ev);
		now = now || d->ev.error || d->ev.res.wall_ns >= LOOP_SLOW_NS;
	}
	if (l->nbatch > 0 &&
	    (now || l->nbatch == LOOP_BATCH_MAX ||
	     now_mono_ns() - l->batch_ns >= LOOP_BATCH_MS * NS_PER_MS) &&
	    batch_send(l))
		return -EPIPE;
	return 0;
}

/* Commands inherit the spawner's directory: changing it here, once per
 * side, spares each child a chdir inside the timed region. 0 or -errno. */
static int loop_enter(struct loop *l, int side)
{
	const char *cwd = l->sides[side].cwd;

	if (l->entered == side)
		return 0;
	helper_enter_base(l->base); /* a relative cwd is relative to the caller's */
	if (cwd && chdir(cwd) < 0)
		return -errno;
	l->entered = side;
	return 0;
}

static const char *const phase_names[] = {
	[SPAWNER_STEP_CALIBRATE] = "calibrate", [SPAWNER_STEP_WARMUP] = "warmup",
	[SPAWNER_STEP_MEASURE] = "measure",
};

/* Runs one step. *wall_ns gets its wall time. Returns 1 when the loop must
 * stop, 0 to go on, -EPIPE when the daemon is gone. */
static int loop_step(struct loop *l, enum spawner_step step, int side, int iteration,
		     int64_t *wall_ns)
{
	struct loop_side *sd = &l->sides[side];
	char *sh_argv[] = { "/bin/sh", "-c", "", NULL };
	struct loop_output out = { l->fd, step, side, iteration };
	bool command = step == SPAWNER_STEP_WARMUP || step == SPAWNER_STEP_MEASURE;
	bool timed = command || step == SPAWNER_STEP_CALIBRATE;
	/* Timed commands write into a file read afterwards, the others into a
	 * pipe read as they go (long prepare steps show up live). */
	struct spawn_spec spec = {
		.argv = command ? l->argv : sh_argv,
		.envp = sd->envp,
		.timeout_s = l->timeout_s,
		.on_output = timed ? NULL : loop_forward,
		.output_ctx = &out,
		.output_fd = timed ? l->out_fd : -1,
		.cancel_fd = l->fd,
	};
	struct spawner_event ev = { .step = step, .side = side, .iteration = iteration,
				    .count = l->count };
	const char *phase = timed ? phase_names[step] : iteration < 0 ? "warmup" : "measure";
	int shown = step == SPAWNER_STEP_CALIBRATE ? 0 : iteration;
	bool stops;

	if (step == SPAWNER_STEP_PREPARE)
		sh_argv[2] = l->prepare;
	else if (step == SPAWNER_STEP_CONCLUDE)
		sh_argv[2] = l->conclude;
	sd->envp[sd->envc] = l->iteration_var;
	sd->envp[sd->envc + 1] = l->phase_var;
	sd->envp[sd->envc + 2] = NULL;
	sd->envp[sd->envc + 3] = NULL;
	sd->envp[sd->envc + 4] = NULL;
	{
		/* No stdio here: format the two variables by hand. */
		char digits[16];
		int v = shown < 0 ? -shown : shown, k = 0;
		size_t n;

		do
			digits[k++] = (char)('0' + v % 10);
		while ((v /= 10) > 0);
		n = sizeof("BENCHFS_ITERATION=") - 1;
		memcpy(l->iteration_var, "BENCHFS_ITERATION=", n);
		if (shown < 0)
			l->iteration_var[n++] = '-';
		while (k > 0)
			l->iteration_var[n++] = digits[--k];
		l->iteration_var[n] = '\0';
		n = sizeof("BENCHFS_PHASE=") - 1;
		memcpy(l->phase_var, "BENCHFS_PHASE=", n);
		memcpy(l->phase_var + n, phase, strlen(phase) + 1);
	}
	if (timed) {
		size_t used = decimal_len(shown) + strlen(phase), pad = l->width - used, n;

		if (l->flags & SPAWNER_LOOP_RANDOMIZE_ENV) {
			ev.env_offset = (int)(loop_random(l) % SPAWNER_PAD_RANDOM);
			pad += (size_t)ev.env_offset;
		}
		n = sizeof("BENCHFS_PAD=") - 1;
		memcpy(l->pad_var, "BENCHFS_PAD=", n);
		memset(l->pad_var + n, 'x', pad);
		l->pad_var[n + pad] = '\0';
		sd->envp[sd->envc + 2] = l->pad_var;
		if (l->metrics_var) {
			spawner_metrics_name(l->metrics_var + l->metrics_name_at, side, step, shown);
			sd->envp[sd->envc + 3] = l->metrics_var;
		}
		spec.actions = &l->actions;
		spec.cpus = l->cpus;
		spec.ncpus = l->ncpus;
	}
	if (!(ev.error = loop_enter(l, side)))
		ev.error = spawn_measure(&ev.res, &spec);
	stops = spawner_event_stops(&ev, (l->flags & SPAWNER_LOOP_IGNORE_FAILURE) != 0);
	*wall_ns = ev.error ? 0 : ev.res.wall_ns;
	if (spec.output_fd >= 0) {
		l->pending.out_fd = spec.output_fd;
		l->pending.out = out;
	}
	if (timed || stops) {
		l->pending.event = true;
		l->pending.ev = ev;
	}
	/* Before the next child starts: sending while it runs would preempt it
	 * inside its timed region. A batch whose time has come leaves too. */
	if (loop_flush(l, stops))
		return -EPIPE;
	return stops ? 1 : 0;
}

/* prepare, the command, conclude. *wall_ns gets the three's wall time. */
static int loop_iteration(struct loop *l, enum spawner_step step, int side, int iteration,
			  int64_t *wall_ns)
{
	int64_t prepare = 0, command = 0, conclude = 0;
	int rc;

	*wall_ns = 0;
	if (l->prepare && (rc = loop_step(l, SPAWNER_STEP_PREPARE, side, iteration, &prepare)))
		return rc;
	if ((rc = loop_step(l, step, side, iteration, &command)))
		return rc;
	if (l->conclude && (rc = loop_step(l, SPAWNER_STEP_CONCLUDE, side, iteration, &conclude)))
		return rc;
	*wall_ns = prepare + command + conclude;
	return 0;
}

/* hyperfine's rule: as many as fit in min_time judging by the first
 * iteration (the slowest side), within [min_runs, max_runs]. */
static int loop_count(const struct loop *l, const int64_t *first_ns)
{
	int64_t slowest = 0;
	double fit;

	for (uint32_t s = 0; s < l->nsides; s++)
		if (first_ns[s] > slowest)
			slowest = first_ns[s];
	fit = slowest > 0 ? l->min_time * 1e9 / (double)slowest : (double)l->max_runs;
	if (fit < l->min_runs)
		return l->min_runs;
	if (fit > l->max_runs)
		return l->max_runs;
	return (int)fit;
}

/* Keeps this process off the benchmark's CPUs between its spawns. */
static bool loop_step_aside(const struct loop *l, cpu_set_t *home)
{
	cpu_set_t others;

	if (l->ncpus == 0 || sched_getaffinity(0, sizeof(*home), home) < 0)
		return false;
	others = *home;
	for (uint32_t i = 0; i < l->ncpus; i++)
		if (l->cpus[i] >= 0 && l->cpus[i] < CPU_SETSIZE)
			CPU_CLR(l->cpus[i], &others);
	return CPU_COUNT(&others) > 0 && sched_setaffinity(0, sizeof(others), &others) == 0;
}

/* Returns 0 when every iteration ran, SPAWNER_STOPPED, or -EPIPE when the
 * daemon is gone. */
static int loop_run(struct loop *l)
{
	int64_t wall, first_ns[SPAWNER_LOOP_SIDES_MAX] = { 0 };
	cpu_set_t home;
	bool aside = loop_step_aside(l, &home);
	int rc = 0;

	for (int k = 1; k <= l->calibrations && !rc; k++)
		for (uint32_t s = 0; s < l->nsides && !rc; s++)
			rc = loop_step(l, SPAWNER_STEP_CALIBRATE, (int)s, k, &wall);
	for (int k = 1; k <= l->warmup && !rc; k++)
		for (uint32_t s = 0; s < l->nsides && !rc; s++)
			rc = loop_iteration(l, SPAWNER_STEP_WARMUP, (int)s, k - l->warmup - 1, &wall);
	for (int k = 0; k < l->count && !rc; k++) {
		int i = l->first + k;

		/* Counterbalanced: A B for odd i, B A for even i (see spawner.h). */
		for (uint32_t j = 0; j < l->nsides && !rc; j++) {
			uint32_t s = l->nsides == 2 && i % 2 == 0 ? 1 - j : j;

			rc = loop_iteration(l, SPAWNER_STEP_MEASURE, (int)s, i, &first_ns[s]);
		}
		if (k == 0 && !rc && l->min_time > 0) {
			char hdr[SPAWNER_HDR];
			struct iovec iov = { hdr, sizeof(hdr) };

			l->count = loop_count(l, first_ns);
			spawner_header(hdr, 'N', (uint32_t)l->count);
			if (loop_flush(l, true) || helper_send_all(l->fd, &iov, 1))
				rc = -EPIPE;
		}
	}
	if (rc == 0 && loop_flush(l, true))
		rc = -EPIPE;
	if (aside)
		(void)sched_setaffinity(0, sizeof(home), &home);
	return rc < 0 ? -EPIPE : rc > 0 ? SPAWNER_STOPPED : 0;
}

/* Runs an 'L' payload; returns the loop's result for 'D', or -EPIPE when
 * the daemon is gone (see internal_helper.h). */
int helper_loop_run(int fd, char *payload, size_t len)
{
	struct loop l = { .fd = fd, .entered = -1, .out_fd = -1, .pending = { .out_fd = -1 } };
	int rc = loop_parse(&l, payload, len);

	if (rc == 0)
		rc = loop_run(&l);
	loop_free(&l);
	return rc;
}
