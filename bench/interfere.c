/* An interference generator we control, for bench/verdicts.sh: CPU hogs that
 * start and stop at random moments while benchfs measures.
 *
 *   interfere [-s SEED] [-d SECONDS] [-l LOG] [-n HOGS] [-g MIN,MAX] [-t MIN,MAX]
 *             [-m MB] [-p SHARE]
 *
 * Each of HOGS slots (default 2: on a 2-core VM, 0, 1 or 2 hogs run at any
 * moment) alternates on its own between idle gaps and busy spells, both drawn
 * uniformly from MIN,MAX seconds (-g, -t; default 0.1,3). A busy spell is one
 * child process: a busy loop, or with probability SHARE (-p, default 0.5) a loop
 * that reads and writes random cache lines of an MB-megabyte buffer (-m,
 * default 8) to disturb the caches too. The schedule follows from the seed (-s;
 * default from the clock), so a run can be repeated; every start and stop goes
 * to LOG (-l; default stderr) with its wall-clock time.
 *
 * Bounded: it stops after SECONDS (-d, default 3600, at most 14400), on
 * SIGTERM, SIGINT or SIGHUP, and when the process that started it dies
 * (PR_SET_PDEATHSIG), killing and reaping its hogs first. Each hog also dies
 * with the generator (PR_SET_PDEATHSIG SIGKILL) and ends by itself one second
 * after its planned stop. No network, no files but the log. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SLOTS 8
#define MAX_DURATION 14400.0

struct slot {
	pid_t pid;       /* the running hog, 0 when idle */
	bool mem;        /* the hog touches memory */
	double started;  /* seconds since the generator's start */
	double next;     /* when this slot starts or stops its hog next */
	double busy;     /* hog-seconds so far */
	unsigned spells;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* xoshiro256** seeded by splitmix64: the same schedule for the same seed. */
static uint64_t rng_state[4];

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(void)
{
	uint64_t *s = rng_state, result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

static void rng_seed(uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		rng_state[i] = z ^ (z >> 31);
	}
}

/* Uniform in [lo, hi). */
static double rng_uniform(double lo, double hi)
{
	return lo + (hi - lo) * (double)(rng_next() >> 11) * 0x1.0p-53;
}

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static FILE *logf_;
static double t0;

/* One log line: UTC wall-clock time, seconds since the start, the event. */
static void logline(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logline(const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(logf_, "%s.%03ldZ %+10.3f ", when, ts.tv_nsec / 1000000, mono_now() - t0);
	va_start(ap, fmt);
	vfprintf(logf_, fmt, ap);
	va_end(ap);
	fputc('\n', logf_);
	fflush(logf_);
}

/* The hog itself, in the child: busy until the deadline (the parent kills it
 * at the planned stop; the deadline is only a backstop). */
static _Noreturn void hog(bool mem, double deadline, size_t mem_bytes, uint64_t seed)
{
	volatile uint64_t sink = seed | 1;
	unsigned char *buf = NULL;
	size_t lines = mem_bytes / 64;
	uint64_t x = seed | 1;

	if (mem && lines > 0) {
		buf = malloc(mem_bytes);
		if (buf)
			memset(buf, 1, mem_bytes);
	}
	for (;;) {
		for (int i = 0; i < 20000; i++) {
			/* xorshift: cheap, and its value is used, so nothing folds away */
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			if (buf) {
				size_t at = (size_t)(x % lines) * 64;

				buf[at] = (unsigned char)(buf[at] + (unsigned char)x);
			}
		}
		sink += x;
		if (mono_now() >= deadline)
			_exit(0);
	}
}

static int start_hog(struct slot *s, int index, double now, double dur, bool mem,
		     size_t mem_bytes)
{
	pid_t parent = getpid();
	uint64_t seed = rng_next();
	pid_t pid = fork();

	if (pid < 0) {
		logline("error fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		struct sigaction dfl = {.sa_handler = SIG_DFL};

		sigaction(SIGTERM, &dfl, NULL);
		sigaction(SIGINT, &dfl, NULL);
		sigaction(SIGHUP, &dfl, NULL);
		/* Die with the generator, even if it is killed with SIGKILL. */
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
			_exit(1);
		hog(mem, t0 + now + dur + 1.0, mem_bytes, seed);
	}
	s->pid = pid;
	s->mem = mem;
	s->started = now;
	s->next = now + dur;
	s->spells++;
	logline("start slot %d pid %d %s %.3fs", index, (int)pid, mem ? "mem" : "spin", dur);
	return 0;
}

static void stop_hog(struct slot *s, int index, double now, const char *why)
{
	int status;

	if (s->pid <= 0)
		return;
	kill(s->pid, SIGKILL);
	while (waitpid(s->pid, &status, 0) < 0 && errno == EINTR)
		;
	s->busy += now - s->started;
	logline("stop slot %d pid %d %s ran %.3fs%s%s", index, (int)s->pid, s->mem ? "mem" : "spin",
		now - s->started, why ? " " : "", why ? why : "");
	s->pid = 0;
}

static int parse_range(double out[2], const char *arg)
{
	char *end;

	out[0] = strtod(arg, &end);
	if (*end != ',')
		return -1;
	out[1] = strtod(end + 1, &end);
	if (*end || !(out[0] > 0) || !(out[1] >= out[0]) || out[1] > 3600)
		return -1;
	return 0;
}

static _Noreturn void usage(void)
{
	fprintf(stderr, "usage: interfere [-s SEED] [-d SECONDS] [-l LOG] [-n HOGS] [-g MIN,MAX]\n"
			"                 [-t MIN,MAX] [-m MB] [-p SHARE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct slot slots[MAX_SLOTS] = {0};
	double gap[2] = {0.1, 3}, dur[2] = {0.1, 3}, duration = 3600, share = 0.5, mb = 8;
	uint64_t seed = 0;
	bool have_seed = false;
	const char *logpath = NULL;
	int nslots = 2, opt;
	pid_t starter = getppid();
	struct sigaction sa = {.sa_handler = on_signal};
	char *end;

	while ((opt = getopt(argc, argv, "s:d:l:n:g:t:m:p:")) != -1) {
		switch (opt) {
		case 's':
			errno = 0;
			seed = strtoull(optarg, &end, 0);
			if (errno || *end || end == optarg)
				usage();
			have_seed = true;
			break;
		case 'd':
			duration = strtod(optarg, &end);
			if (*end || !(duration > 0) || duration > MAX_DURATION)
				usage();
			break;
		case 'l':
			logpath = optarg;
			break;
		case 'n':
			nslots = (int)strtol(optarg, &end, 10);
			if (*end || nslots < 1 || nslots > MAX_SLOTS)
				usage();
			break;
		case 'g':
			if (parse_range(gap, optarg))
				usage();
			break;
		case 't':
			if (parse_range(dur, optarg))
				usage();
			break;
		case 'm':
			mb = strtod(optarg, &end);
			if (*end || !(mb >= 0) || mb > 1024)
				usage();
			break;
		case 'p':
			share = strtod(optarg, &end);
			if (*end || !(share >= 0) || share > 1)
				usage();
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (!have_seed)
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	rng_seed(seed);

	logf_ = stderr;
	if (logpath && !(logf_ = fopen(logpath, "a"))) {
		fprintf(stderr, "interfere: %s: %s\n", logpath, strerror(errno));
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* End with whoever started us (a script killed with SIGKILL has no trap). */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != starter)
		return 1;

	t0 = mono_now();
	logline("begin pid %d seed %" PRIu64 " hogs %d gap %.3g-%.3gs spell %.3g-%.3gs mem %.3g MB "
		"share %.2f duration %.0fs",
		(int)getpid(), seed, nslots, gap[0], gap[1], dur[0], dur[1], mb, share, duration);
	for (int i = 0; i < nslots; i++)
		slots[i].next = rng_uniform(gap[0], gap[1]);

	while (!stop_signal) {
		double now = mono_now() - t0, wake = duration;
		struct timespec ts;

		if (now >= duration)
			break;
		for (int i = 0; i < nslots; i++) {
			struct slot *s = &slots[i];

			if (now < s->next)
				continue;
			if (s->pid > 0) {
				stop_hog(s, i, now, NULL);
				s->next = now + rng_uniform(gap[0], gap[1]);
			} else {
				double d = rng_uniform(dur[0], dur[1]);
				bool mem = rng_uniform(0, 1) < share;

				if (start_hog(s, i, now, d, mem, (size_t)(mb * 1048576)))
					s->next = now + rng_uniform(gap[0], gap[1]);
			}
		}
		for (int i = 0; i < nslots; i++)
			if (slots[i].next < wake)
				wake = slots[i].next;
		wake += t0;
		ts.tv_sec = (time_t)wake;
		ts.tv_nsec = (long)((wake - (double)ts.tv_sec) * 1e9);
		/* A signal interrupts the sleep (EINTR) and ends the loop. */
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}

	double now = mono_now() - t0, busy = 0;
	unsigned spells = 0;

	for (int i = 0; i < nslots; i++) {
		stop_hog(&slots[i], i, now, stop_signal ? "(ending)" : "(duration over)");
		busy += slots[i].busy;
		spells += slots[i].spells;
	}
	logline("end after %.3fs%s: %u spells, %.1f hog-seconds, %.2f hogs on average", now,
		stop_signal ? " (signal)" : "", spells, busy, now > 0 ? busy / now : 0);
	if (logf_ != stderr)
		fclose(logf_);
	return 0;
}
