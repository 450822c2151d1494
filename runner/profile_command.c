/* One extra, unmeasured iteration under a profiler the configuration names
 * ("profile": {"command": [...]}, config/profiling.h): py-spy, heaptrack,
 * valgrind --tool=massif, a wrapper script. No shell goes around the
 * user's text: the profiler's argv is followed by the benchmark's own
 * argv, or by /bin/sh -c and a shell benchmark's text. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/profiling.h"
#include "runner/internal_extras.h"
#include "runner/profile.h"
#include "util/strbuf.h"

/* arg with every {out} replaced by out_path (malloc'd). */
static char *substitute(const char *arg, const char *out_path)
{
	struct strbuf sb = STRBUF_INIT;
	const char *p = arg, *hit;

	while ((hit = strstr(p, PROFILING_OUT))) {
		strbuf_add(&sb, p, (size_t)(hit - p));
		strbuf_addstr(&sb, out_path);
		p = hit + strlen(PROFILING_OUT);
	}
	strbuf_addstr(&sb, p);
	return strbuf_detach(&sb, NULL);
}

static void argv_free(char **argv, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(argv[i]);
	free(argv);
}

/* command (substituted) + the benchmark's command, NULL-terminated; the
 * first ncommand strings are owned. */
static char **profile_argv(size_t *nowned, char *const *command, const struct bench_config *b,
			   const char *out_path)
{
	char *shell[] = {"/bin/sh", "-c", b->shell, NULL};
	char *const *tail = b->shell ? shell : b->argv;
	size_t n = 0, m = 0;
	char **argv;

	while (command[n])
		n++;
	while (tail[m])
		m++;
	if (!(argv = calloc(n + m + 1, sizeof(*argv))))
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (!(argv[i] = substitute(command[i], out_path))) {
			argv_free(argv, i);
			return NULL;
		}
	}
	for (size_t i = 0; i < m; i++)
		argv[n + i] = tail[i];
	*nowned = n;
	return argv;
}

/* prepare or conclude around the profiled iteration, as around every other. */
static int run_hook(struct job *job, size_t s, const struct bench_config *b, const char *text,
		    const char *what)
{
	struct side *sd = &job->sides[s];
	char *argv[] = {"/bin/sh", "-c", (char *)text, NULL};
	struct spawn_spec spec = {
		.argv = argv,
		.envp = sd->envp,
		.cwd = sd->workdir,
		.timeout_s = b->timeout,
		.on_output = runlog_output,
		.output_ctx = sd->log,
		.cancel_fd = job->runner->cancel_pipe[0],
	};
	struct spawn_result res;
	char how[128];
	int rc = spawner_measure(job->runner->spawner, &res, &spec);

	if (rc == 0 && res.cancelled)
		return -ECANCELED;
	if (rc == 0 && res.exit_code == 0 && !res.timed_out)
		return 0;
	if (rc)
		snprintf(how, sizeof(how), "could not start: %s", strerror(-rc));
	else
		spawn_result_describe(how, sizeof(how), &res, b->timeout);
	runlog_printf(sd->log, "benchfs", "%s: profile command: %s %s", b->name, what, how);
	return -EIO;
}

int profile_command_run(struct job *job, size_t s, const struct bench_config *b,
			char *const *command, const char *out_path)
{
	struct side *sd = &job->sides[s];
	double timeout = b->timeout > 0 ? b->timeout * PROFILE_CALLGRIND_TIMEOUT_FACTOR +
						  PROFILE_TIMEOUT_GRACE_S
					: 0;
	struct spawn_spec spec = {
		.envp = sd->envp,
		.cwd = sd->workdir,
		.timeout_s = timeout,
		.on_output = b->output_discard ? NULL : runlog_output,
		.output_ctx = sd->log,
		.cancel_fd = job->runner->cancel_pipe[0],
		.cpus = b->cpus,
		.ncpus = b->ncpus,
	};
	struct spawn_result res;
	char step[160], how[128];
	size_t nowned = 0;
	struct stat st;
	char **argv;
	int rc;

	snprintf(step, sizeof(step), "%s profile command", b->name);
	if (b->prepare && (rc = run_hook(job, s, b, b->prepare, "prepare")))
		return rc;
	if (!(argv = profile_argv(&nowned, command, b, out_path)))
		return -ENOMEM;
	spec.argv = argv;
	runlog_printf(sd->log, step, "profiling one extra iteration: %s ... (output: %s)", argv[0],
		      out_path);
	runlog_set_step(sd->log, step);
	rc = spawner_measure(job->runner->spawner, &res, &spec);
	runlog_set_step(sd->log, "benchfs");
	if (rc) {
		runlog_printf(sd->log, step, "the profiler %s cannot be started: %s%s", argv[0],
			      strerror(-rc), rc == -ENOENT ? " (not found in the benchmark's PATH)" : "");
		argv_free(argv, nowned);
		return rc;
	}
	argv_free(argv, nowned);
	if (res.cancelled)
		return -ECANCELED;
	spawn_result_describe(how, sizeof(how), &res, timeout);
	if (res.exit_code != 0 || res.timed_out)
		runlog_printf(sd->log, step, "the profiled iteration %s", how);
	if (lstat(out_path, &st) == 0)
		runlog_printf(sd->log, step, "kept its output (%s%jd bytes)",
			      S_ISDIR(st.st_mode) ? "a directory, " : "", (intmax_t)st.st_size);
	else
		runlog_printf(sd->log, step, "the profiler left nothing at {out} (%s)", out_path);
	if (b->conclude && (rc = run_hook(job, s, b, b->conclude, "conclude")) == -ECANCELED)
		return rc;
	return 0;
}
