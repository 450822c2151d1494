/* A description of the host a run is measured on. See hostinfo.h. */
#include "runner/hostinfo.h"
#include "util/json_num.h"
#include "util/strbuf.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

extern char **environ;

#ifndef BENCHFS_VERSION
#define BENCHFS_VERSION "unknown"
#endif

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

/* Adds key: value, where a NULL value can only mean json-c ran out of memory.
 * Returns -ENOMEM then (and on failure to add), so callers need one check. */
static int add(struct json_object *obj, const char *key, struct json_object *value)
{
	if (!value)
		return -ENOMEM;
	if (json_object_object_add(obj, key, value) != 0) {
		json_object_put(value);
		return -ENOMEM;
	}
	return 0;
}

/* Adds key: string, or key: null when the string is unknown. */
static int add_string_or_null(struct json_object *obj, const char *key, const char *str)
{
	if (!str)
		return json_object_object_add(obj, key, NULL) == 0 ? 0 : -ENOMEM;
	return add(obj, key, json_object_new_string(str));
}

/* The first "model name" line of /proc/cpuinfo (x86; absent on many ARM
 * kernels). Returns a malloc'd string or NULL. */
static char *cpu_model_read(void)
{
	FILE *f = fopen("/proc/cpuinfo", "re");
	char line[512];
	char *result = NULL;

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		char *colon;

		if (strncmp(line, "model name", 10) != 0)
			continue;
		colon = strchr(line, ':');
		if (colon)
			result = strdup(trim(colon + 1));
		break;
	}
	fclose(f);
	return result;
}

/* A one-line sysfs value, trimmed; malloc'd, or NULL when unreadable/empty. */
static char *sysfs_read_line(const char *path)
{
	FILE *f = fopen(path, "re");
	char line[256];
	char *result = NULL;

	if (!f)
		return NULL;
	if (fgets(line, sizeof(line), f)) {
		char *value = trim(line);

		if (*value)
			result = strdup(value);
	}
	fclose(f);
	return result;
}

/* Adds "load_average": [1, 5, 15], or null if the kernel will not say. */
static int load_average_add(struct json_object *obj)
{
	struct json_object *arr;
	double load[3];
	int i;

	if (getloadavg(load, 3) != 3)
		return add_string_or_null(obj, "load_average", NULL);
	arr = json_object_new_array_ext(3);
	if (!arr)
		return -ENOMEM;
	for (i = 0; i < 3; i++) {
		char text[JSON_NUM_MAX];
		struct json_object *v = NULL;

		/* The kernel's two decimals, not json-c's 17 digits of them. */
		if (json_num_format(text, sizeof(text), load[i]) == 0)
			v = json_object_new_double_s(load[i], text);

		if (!v || json_object_array_add(arr, v) != 0) {
			json_object_put(v);
			json_object_put(arr);
			return -ENOMEM;
		}
	}
	return add(obj, "load_average", arr);
}

/* The first line of `argv --version`'s output, run without a shell; a
 * compiler that says nothing within the deadline, or fails, is NULL. */
static char *version_line(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	char out[512];
	size_t len = 0;
	int fds[2], status, rc;
	pid_t pid;
	if (pipe2(fds, O_CLOEXEC))
		return NULL;
	if (posix_spawn_file_actions_init(&fa)) {
		close(fds[0]);
		close(fds[1]);
		return NULL;
	}
	rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0) ||
	     posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO) ||
	     posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, "/dev/null", O_WRONLY, 0) ||
	     posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc) {
		close(fds[0]);
		return NULL;
	}
	/* A wedged compiler must not hold a run's start for long. */
	while (len + 1 < sizeof(out)) {
		struct pollfd p = {.fd = fds[0], .events = POLLIN};
		ssize_t got;
		if (poll(&p, 1, 5000) <= 0) {
			kill(pid, SIGKILL);
			len = 0;
			break;
		}
		if ((got = read(fds[0], out + len, sizeof(out) - 1 - len)) <= 0)
			break;
		len += (size_t)got;
	}
	close(fds[0]);
	while ((rc = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
		;
	/* Reaped by someone else (ECHILD): its output is all there is to go by. */
	if (rc < 0)
		status = 0;
	if (len == 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return NULL;
	out[len] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return *trim(out) ? strdup(trim(out)) : NULL;
}

/* The C compiler a build uses: $CC as make splits it (words, no shell; a
 * launcher such as ccache first is skipped, it has a version of its own),
 * else cc. NULL when none answers --version. */
static char *cc_version(void)
{
	const char *env = getenv("CC");
	char *words = strdup(env && *env ? env : "cc"), *argv[3] = {0}, *save = NULL;
	char *result = NULL;
	if (!words)
		return NULL;
	for (char *w = strtok_r(words, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		argv[0] = w;
		if (strcmp(w, "ccache") != 0 && strcmp(w, "distcc") != 0)
			break;
	}
	if (argv[0]) {
		argv[1] = "--version";
		result = version_line(argv);
	}
	free(words);
	return result;
}

/* Adds "toolchain": {"cc", "libc"}: what a build of the run was compiled
 * and linked with, each null when unknown. */
static int toolchain_add(struct json_object *obj)
{
	struct json_object *tc = json_object_new_object();
	char *cc = cc_version(), libc[64] = "";
	int rc;
#ifdef __GLIBC__
	snprintf(libc, sizeof(libc), "glibc %s", gnu_get_libc_version());
#endif
	rc = !tc ? -ENOMEM
		 : add_string_or_null(tc, "cc", cc) || add_string_or_null(tc, "libc", *libc ? libc : NULL);
	free(cc);
	if (rc) {
		json_object_put(tc);
		return -ENOMEM;
	}
	return add(obj, "toolchain", tc);
}

char *hostinfo_json(void)
{
	struct json_object *obj;
	char hostname[HOST_NAME_MAX + 1] = "";
	char kernel[4 * sizeof(((struct utsname *)0)->release) + 4] = "";
	struct utsname uts;
	struct sysinfo si;
	char *cpu_model = cpu_model_read();
	char *governor = sysfs_read_line("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor");
	int64_t memory = 0;
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	struct strbuf text = STRBUF_INIT;
	const char *json;
	char *result = NULL;

	/* gethostname need not terminate a truncated name. */
	if (gethostname(hostname, sizeof(hostname) - 1) != 0)
		hostname[0] = '\0';
	if (uname(&uts) == 0)
		snprintf(kernel, sizeof(kernel), "%s %s %s %s", uts.sysname, uts.release,
			 uts.version, uts.machine);
	if (sysinfo(&si) == 0)
		memory = (int64_t)si.totalram * si.mem_unit;

	obj = json_object_new_object();
	if (!obj)
		goto cleanup;
	if (add(obj, "hostname", json_object_new_string(hostname)) ||
	    add(obj, "kernel", json_object_new_string(kernel)) ||
	    add_string_or_null(obj, "cpu_model", cpu_model) ||
	    add(obj, "cores", json_object_new_int64(cores > 0 ? cores : 0)) ||
	    add(obj, "memory_bytes", json_object_new_int64(memory)) ||
	    add_string_or_null(obj, "governor", governor) ||
	    load_average_add(obj) ||
	    add(obj, "benchfs_version", json_object_new_string(BENCHFS_VERSION)) ||
	    toolchain_add(obj))
		goto cleanup;

	json = json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY |
						    JSON_C_TO_STRING_SPACED |
						    JSON_C_TO_STRING_NOSLASHESCAPE);
	if (!json)
		goto cleanup;
	/* json belongs to obj: copied, with the newline a text file ends with
	 * (it is served as system.json). */
	strbuf_addstr(&text, json);
	strbuf_addch(&text, '\n');
	result = strbuf_detach(&text, NULL);

cleanup:
	json_object_put(obj);
	free(cpu_model);
	free(governor);
	return result;
}
