/* perf and callgrind iterations of a benchmark (see profile.h): running a
 * tool like the benchmark, perf record, valgrind --tool=callgrind. Reading
 * callgrind's output is profile_callgrind.c. */
#include "runner/profile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner/internal_profile.h"
#include "util/rmtree.h"
#include "util/strbuf.h"

/* The end of a tool's output is kept to explain a failure when the caller
 * discards output. */
#define TAIL_MAX 2048
/* The probe runs perf on perf --version: well under a second. */
#define PROBE_TIMEOUT_S 30.0
/* perf.data starts with this header (tools/perf/util/header.h): magic, size,
 * attr_size, then {offset, size} of attrs, data and event_types. perf writes
 * data.size only when it finishes; 0 means it was killed or failed. */
#define PERF_MAGIC "PERFILE2"
#define PERF_DATA_SIZE_OFFSET 48
/* A runlog step name (runlog keeps 160 bytes). */
#define STEP_MAX 160

struct output_tee {
	spawn_output_fn forward; /* NULL: only the tail is kept */
	void *ctx;
	char tail[TAIL_MAX];
	size_t len;
};

static void tee_output(void *ctx, const char *buf, size_t len)
{
	struct output_tee *tee = ctx;

	if (tee->forward)
		tee->forward(tee->ctx, buf, len);
	if (len >= TAIL_MAX) {
		memcpy(tee->tail, buf + len - TAIL_MAX, TAIL_MAX);
		tee->len = TAIL_MAX;
		return;
	}
	if (tee->len + len > TAIL_MAX) {
		size_t drop = tee->len + len - TAIL_MAX;

		memmove(tee->tail, tee->tail + drop, tee->len - drop);
		tee->len -= drop;
	}
	memcpy(tee->tail + tee->len, buf, len);
	tee->len += len;
}

static void job_log(const struct profile_job *job, const char *step, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void job_log(const struct profile_job *job, const char *step, const char *fmt, ...)
{
	struct strbuf text = STRBUF_INIT;
	va_list ap;

	if (!job->log)
		return;
	va_start(ap, fmt);
	strbuf_vaddf(&text, fmt, ap);
	va_end(ap);
	if (!strbuf_error(&text))
		runlog_printf(job->log, step, "%s", text.buf);
	strbuf_release(&text);
}

/* The output the log has not seen (the caller discards output), to explain
 * a failure. */
static void log_tail(const struct profile_job *job, const char *step, const struct output_tee *tee)
{
	if (tee->forward || tee->len == 0)
		return;
	job_log(job, step, "its output ended with:\n%.*s", (int)tee->len, tee->tail);
}

/* An executable regular file called name in the daemon's PATH. */
static int tool_find(char *out, size_t size, const char *name)
{
	const char *path = getenv("PATH");

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t len = strcspn(path, ":");
		struct stat st;

		/* An empty entry would mean the daemon's working directory: never. */
		if (len > 0 && (size_t)snprintf(out, size, "%.*s/%s", (int)len, path, name) < size &&
		    stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return 0;
		path += len;
		if (*path == ':')
			path++;
	}
	return -ENOENT;
}

/* prefix (nprefix entries) followed by argv, NULL-terminated; the strings
 * are not copied. */
static char **argv_join(char *const *prefix, size_t nprefix, char *const *argv)
{
	size_t n = 0;
	char **out;

	while (argv[n])
		n++;
	out = calloc(nprefix + n + 1, sizeof(*out));
	if (!out)
		return NULL;
	memcpy(out, prefix, nprefix * sizeof(*out));
	memcpy(out + nprefix, argv, n * sizeof(*out));
	return out;
}

/* argv run like the benchmark (environment, directory, cancel) with
 * timeout_s (<= 0: none); output forwarded to the benchmark's sink when
 * forward is set, and its tail kept in tee. */
static int run_like_bench(const struct profile_job *job, char **argv, double timeout_s,
			  bool forward, struct spawn_result *res, struct output_tee *tee)
{
	struct spawn_spec spec = *job->spec;

	spec.argv = argv;
	spec.timeout_s = timeout_s;
	memset(tee, 0, sizeof(*tee));
	tee->forward = forward ? job->spec->on_output : NULL;
	tee->ctx = job->spec->output_ctx;
	spec.on_output = tee_output;
	spec.output_ctx = tee;
	return spawner_measure(job->spawner, res, &spec);
}

/* The benchmark's time limit scaled for a slower, instrumented iteration. */
static double scaled_timeout(const struct profile_job *job, double factor)
{
	return job->spec->timeout_s > 0 ? job->spec->timeout_s * factor + PROFILE_TIMEOUT_GRACE_S : 0;
}

static bool job_valid(const struct profile_job *job)
{
	return job && job->spawner && job->spec && job->spec->argv && job->spec->argv[0] &&
	       job->bench_name;
}

/* True when path is a perf.data whose writer finished (see PERF_MAGIC). */
static bool perf_data_complete(const char *path, off_t *size_out)
{
	unsigned char hdr[PERF_DATA_SIZE_OFFSET + 8];
	uint64_t data_size;
	struct stat st;
	bool result;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	result = fstat(fd, &st) == 0 && pread(fd, hdr, sizeof(hdr), 0) == (ssize_t)sizeof(hdr);
	close(fd);
	if (!result || memcmp(hdr, PERF_MAGIC, 8) != 0)
		return false;
	memcpy(&data_size, hdr + PERF_DATA_SIZE_OFFSET, 8);
	*size_out = st.st_size;
	return data_size > 0;
}

/* Written through before it is renamed into place. */
static int file_sync(const char *path)
{
	int result = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fsync(fd))
		result = -errno;
	close(fd);
	return result;
}

/* perf's own arguments: record -g -F freq [-e event] -o path
 * --no-bpf-event [-q -N] --; returns how many (at most PERF_ARGS_MAX).
 * --no-bpf-event: perf's BPF side-band thread costs a second at every exit
 * (measured: 1.15 s against 0.25 s for /bin/true), and benchmarks do not
 * load BPF programs. The probe is quiet and keeps perf itself out of the
 * build-id cache (-N); the real run fills it, so that perf report resolves
 * symbols after the checkout is gone. */
#define PERF_ARGS_MAX 14
static size_t perf_args(char **argv, char *perf, char *freq, char *event, char *path, bool probe)
{
	size_t n = 0;

	argv[n++] = perf;
	argv[n++] = "record";
	argv[n++] = "-g";
	argv[n++] = "-F";
	argv[n++] = freq;
	if (event) {
		argv[n++] = "-e";
		argv[n++] = event;
	}
	argv[n++] = "-o";
	argv[n++] = path;
	argv[n++] = "--no-bpf-event";
	if (probe) {
		argv[n++] = "-q";
		argv[n++] = "-N";
	}
	argv[n++] = "--";
	return n;
}

/* Can perf record with these options here? perf records itself printing its
 * version: it fails the same way a benchmark would (no perf for this kernel,
 * perf_event_paranoid, an event the machine lacks). 0, -ENOTSUP (tee holds
 * perf's complaint, res how it ended) or -ECANCELED. */
static int perf_probe(const struct profile_job *job, char *perf, char *freq, char *event,
		      char *tmp, struct spawn_result *res, struct output_tee *tee)
{
	char *argv[PERF_ARGS_MAX + 3];
	size_t n = perf_args(argv, perf, freq, event, tmp, true);
	off_t size;
	int result;

	argv[n++] = perf;
	argv[n++] = "--version";
	argv[n] = NULL;
	unlink(tmp);
	result = run_like_bench(job, argv, PROBE_TIMEOUT_S, false, res, tee);
	if (result == 0 && res->cancelled)
		result = -ECANCELED;
	else if (result == 0)
		result = res->exit_code == 0 && perf_data_complete(tmp, &size) ? 0 : -ENOTSUP;
	else
		result = -ENOTSUP;
	unlink(tmp);
	return result;
}

/* tmp: the hidden temporary name beside out_path ("dir/.perf.data.tmp"). */
static int perf_tmp_path(char *tmp, size_t size, const char *out_path)
{
	const char *slash = strrchr(out_path, '/');
	int dirlen = slash ? (int)(slash - out_path + 1) : 0;

	if ((size_t)snprintf(tmp, size, "%.*s.%s.tmp", dirlen, out_path, out_path + dirlen) >= size)
		return -ENAMETOOLONG;
	return 0;
}

int profile_perf(const struct profile_job *job, int frequency, const char *out_path)
{
	char perf[PATH_MAX], tmp[PATH_MAX], freq[16], step[STEP_MAX], how[128];
	char *prefix[PERF_ARGS_MAX], *event = NULL, **argv;
	struct spawn_result res;
	struct output_tee tee;
	double timeout;
	off_t size = 0;
	int rc;

	if (!job_valid(job) || !out_path || frequency < 1 || frequency > 100000)
		return -EINVAL;
	snprintf(step, sizeof(step), "%s profile", job->bench_name);
	snprintf(freq, sizeof(freq), "%d", frequency);
	if (job->log)
		runlog_set_step(job->log, step);
	/* Absolute: perf runs in the benchmark's directory, we in ours. */
	if (out_path[0] != '/') {
		job_log(job, step, "no profile: %s is not an absolute path", out_path);
		return -EINVAL;
	}
	if ((rc = perf_tmp_path(tmp, sizeof(tmp), out_path))) {
		job_log(job, step, "no profile: the path %s is too long", out_path);
		return rc;
	}
	if ((rc = tool_find(perf, sizeof(perf), "perf"))) {
		job_log(job, step, "no profile: perf is not installed (not found in PATH %s)",
			getenv("PATH") ? getenv("PATH") : "(unset)");
		return rc;
	}

	/* Without hardware counters (VMs) some perf versions cannot open the
	 * default event; the cpu-clock software event works wherever perf may
	 * record at all. */
	rc = perf_probe(job, perf, freq, NULL, tmp, &res, &tee);
	if (rc == -ENOTSUP) {
		event = "cpu-clock";
		rc = perf_probe(job, perf, freq, event, tmp, &res, &tee);
	}
	if (rc == -ECANCELED)
		return rc;
	if (rc) {
		spawn_result_describe(how, sizeof(how), &res, PROBE_TIMEOUT_S);
		job_log(job, step, "no profile: perf cannot record on this machine (%s record with the "
			"default event and with -e cpu-clock: %s)", perf, how);
		log_tail(job, step, &tee);
		return rc;
	}

	argv = argv_join(prefix, perf_args(prefix, perf, freq, event, tmp, false), job->spec->argv);
	if (!argv) {
		job_log(job, step, "no profile: out of memory");
		return -ENOMEM;
	}
	unlink(tmp); /* perf would keep an old one as .old */
	job_log(job, step, "profiling one extra iteration: perf record -g -F %d%s%s", frequency,
		event ? " -e " : "", event ? event : "");
	timeout = scaled_timeout(job, PROFILE_PERF_TIMEOUT_FACTOR);
	rc = run_like_bench(job, argv, timeout, true, &res, &tee);
	free(argv);
	if (rc) {
		job_log(job, step, "no profile: could not start perf: %s", strerror(-rc));
		unlink(tmp);
		return rc;
	}
	if (res.cancelled) {
		unlink(tmp);
		return -ECANCELED;
	}
	spawn_result_describe(how, sizeof(how), &res, timeout);
	if (res.timed_out || !perf_data_complete(tmp, &size)) {
		job_log(job, step, "no profile: perf %s and left no complete perf.data", how);
		log_tail(job, step, &tee);
		unlink(tmp);
		return res.timed_out ? -ETIMEDOUT : -EIO;
	}
	if (res.exit_code != 0)
		job_log(job, step, "the profiled iteration %s; its profile is kept", how);
	rc = file_sync(tmp);
	if (rc == 0 && rename(tmp, out_path))
		rc = -errno;
	if (rc) {
		job_log(job, step, "no profile: cannot store %s: %s", out_path, strerror(-rc));
		unlink(tmp);
		return rc;
	}
	job_log(job, step, "perf.data: %jd bytes (perf report -i perf.data)", (intmax_t)size);
	return 0;
}

/* valgrind reads % in a file name as a format; %% is a literal %. */
static int format_escape(char *out, size_t size, const char *s)
{
	size_t n = 0;

	for (; *s; s++) {
		if (n + 3 > size)
			return -ENAMETOOLONG;
		if (*s == '%')
			out[n++] = '%';
		out[n++] = *s;
	}
	out[n] = '\0';
	return 0;
}

static int instructions_run(const struct profile_job *job, const char *step, const char *dir,
			    double *instructions)
{
	char valgrind[PATH_MAX], escaped[PATH_MAX], outarg[PATH_MAX + 64], how[128], bad[256];
	char *prefix[] = { valgrind, "-q", "--tool=callgrind", "--trace-children=yes", outarg,
			   "--" };
	unsigned long long total;
	struct spawn_result res;
	struct output_tee tee;
	double timeout;
	char **argv;
	int rc, nfiles;

	if ((rc = tool_find(valgrind, sizeof(valgrind), "valgrind"))) {
		job_log(job, step, "no instruction count: valgrind is not installed (not found in PATH %s)",
			getenv("PATH") ? getenv("PATH") : "(unset)");
		return rc;
	}
	if ((rc = format_escape(escaped, sizeof(escaped), dir))) {
		job_log(job, step, "no instruction count: the path %s is too long", dir);
		return rc;
	}
	snprintf(outarg, sizeof(outarg), "--callgrind-out-file=%s/" CALLGRIND_PREFIX "%%p", escaped);
	argv = argv_join(prefix, sizeof(prefix) / sizeof(*prefix), job->spec->argv);
	if (!argv) {
		job_log(job, step, "no instruction count: out of memory");
		return -ENOMEM;
	}
	job_log(job, step, "counting instructions in one extra iteration: valgrind --tool=callgrind");
	timeout = scaled_timeout(job, PROFILE_CALLGRIND_TIMEOUT_FACTOR);
	rc = run_like_bench(job, argv, timeout, true, &res, &tee);
	free(argv);
	if (rc) {
		job_log(job, step, "no instruction count: could not start valgrind: %s", strerror(-rc));
		return rc;
	}
	if (res.cancelled)
		return -ECANCELED;
	spawn_result_describe(how, sizeof(how), &res, timeout);
	if (res.timed_out || res.term_signal) {
		job_log(job, step, "no instruction count: the iteration under valgrind %s", how);
		log_tail(job, step, &tee);
		return res.timed_out ? -ETIMEDOUT : -EIO;
	}
	rc = cg_sum_dir(&total, &nfiles, dir, bad, sizeof(bad));
	if (rc == -ENOENT) {
		job_log(job, step, "no instruction count: valgrind %s and wrote no callgrind output", how);
		log_tail(job, step, &tee);
		return -EIO;
	}
	if (rc) {
		job_log(job, step, "no instruction count: unreadable callgrind output %s: %s", bad,
			rc == -EINVAL ? "no totals/summary line for Ir" : strerror(-rc));
		return -EIO;
	}
	if (res.exit_code != 0)
		job_log(job, step, "the counted iteration %s; its count is kept", how);
	*instructions = (double)total;
	job_log(job, step, "instructions: %llu (%d process%s)", total, nfiles, nfiles == 1 ? "" : "es");
	return 0;
}

int profile_instructions(const struct profile_job *job, const char *tmp_dir, double *instructions)
{
	char dir[PATH_MAX], step[STEP_MAX];
	int result;

	if (!job_valid(job) || !tmp_dir || !instructions)
		return -EINVAL;
	snprintf(step, sizeof(step), "%s instructions", job->bench_name);
	if (job->log)
		runlog_set_step(job->log, step);
	/* Absolute: valgrind writes its files from the benchmark's directory. */
	if (tmp_dir[0] != '/') {
		job_log(job, step, "no instruction count: %s is not an absolute path", tmp_dir);
		return -EINVAL;
	}
	/* A private directory: only this iteration's files are added up. */
	if ((size_t)snprintf(dir, sizeof(dir), "%s/callgrind-XXXXXX", tmp_dir) >= sizeof(dir))
		result = -ENAMETOOLONG;
	else
		result = mkdtemp(dir) ? 0 : -errno;
	if (result) {
		job_log(job, step, "no instruction count: cannot make a directory in %s: %s", tmp_dir,
			strerror(-result));
		return result;
	}
	result = instructions_run(job, step, dir, instructions);
	rmtree(dir);
	return result;
}
