#include "cli/setup.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats/hypothesis.h"
#include "store/paths.h"
#include "util/log.h"

int setup_fail(int status, const char *fmt, ...)
{
	char raw[2048], line[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	log_escape(line, sizeof(line), raw);
	fprintf(stderr, LOG_PREFIX "%s\n", line);
	return status;
}

const char *setup_long_opt(int argc, char **argv, int *i, const char *name, int *missing)
{
	size_t len = strlen(name);
	if (strncmp(argv[*i], name, len) != 0)
		return NULL;
	if (argv[*i][len] == '=')
		return argv[*i] + len + 1;
	if (argv[*i][len] != '\0')
		return NULL;
	if (*i + 1 >= argc) {
		*missing = 1;
		return NULL;
	}
	return argv[++*i];
}

/* The branch whose history the views follow: the configured one, or the
 * branch HEAD names now. *out is NULL when there is none (a detached HEAD):
 * history and regressions are then empty. */
static int tracked_branch(char **out, struct repo *repo, const char *configured)
{
	int rc;
	*out = NULL;
	if (!configured) {
		if ((rc = repo_head_branch(out, repo)) == -ENOMEM)
			return setup_fail(EXIT_TOOL, "out of memory");
		if (rc)
			log_warning("HEAD names no branch and the configuration names none: history"
				    " and regressions stay empty");
		return 0;
	}
	if ((rc = repo_branch_resolve(out, repo, configured)) == -ENOMEM)
		return setup_fail(EXIT_TOOL, "out of memory");
	if (rc == 0)
		return 0;
	if (strncmp(configured, "refs/", 5) != 0)
		log_warning("the tracked branch %s exists neither as refs/heads/%s nor as"
			    " refs/remotes/%s (yet): history and regressions stay empty until it"
			    " does",
			    configured, configured, configured);
	else
		log_warning("the tracked branch %s does not exist (yet): history and regressions"
			    " stay empty until it does",
			    *out);
	return 0;
}

/* The store named by --store or the environment must be a database server:
 * any other text would silently become a SQLite file of that name. */
static int choose_store(const char *given)
{
	const char *env = getenv("BENCHFS_STORE");
	if (given) {
		if (!store_path_is_database(given))
			return setup_fail(EXIT_INVALID,
					  "--store %s: give a PostgreSQL URI (postgresql://HOST/DB);"
					  " without --store the store is the data directory's SQLite file",
					  given);
		if (setenv("BENCHFS_STORE", given, 1))
			return setup_fail(EXIT_TOOL, "out of memory");
	} else if (env && *env && !store_path_is_database(env)) {
		return setup_fail(EXIT_INVALID,
				  "BENCHFS_STORE=%s: give a PostgreSQL URI (postgresql://HOST/DB), or"
				  " unset it for the data directory's SQLite file",
				  env);
	}
	return 0;
}

int setup_open(struct setup *s, const struct setup_options *opts)
{
	const char *given = opts->repo ? opts->repo : ".";
	char err[1024];
	int rc;
	memset(s, 0, sizeof(*s));
	if ((rc = choose_store(opts->store)))
		return rc;
	if (repo_discover(&s->repo, given, err, sizeof(err)))
		return setup_fail(EXIT_INVALID, "not a git repository: %s (%s)", given, err);
	s->repo_path = realpath(repo_gitdir(s->repo), NULL);
	if (opts->config)
		s->config_path = strdup(opts->config);
	else if (repo_workdir(s->repo))
		(void)!asprintf(&s->config_path, "%sbenchfs.json", repo_workdir(s->repo));
	else
		return setup_fail(EXIT_INVALID,
				  "%s is a bare repository: give the configuration with --config",
				  repo_gitdir(s->repo));
	if (!s->repo_path || !s->config_path)
		return setup_fail(EXIT_TOOL, "out of memory");
	if (config_load(&s->config, s->config_path, err, sizeof(err)))
		return setup_fail(EXIT_INVALID, "%s", err);
	if (!(s->config_json = config_to_json(s->config)))
		return setup_fail(EXIT_TOOL, "out of memory");
	if (opts->data)
		s->data_dir = strdup(opts->data);
	else
		(void)!asprintf(&s->data_dir, "%sbenchfs", repo_gitdir(s->repo));
	if (!s->data_dir)
		return setup_fail(EXIT_TOOL, "out of memory");
	if ((rc = tracked_branch(&s->branch, s->repo, s->config->branch)))
		return rc;
	s->settings = (struct view_settings){
		.repo_path = s->repo_path,
		.data_dir = s->data_dir,
		.config_json = s->config_json,
		.branch = s->branch,
		.alpha = s->config->compare_alpha > 0 ? s->config->compare_alpha
						      : STATS_DEFAULT_ALPHA,
		.threshold = s->config->compare_threshold >= 0 ? s->config->compare_threshold
							       : STATS_DEFAULT_THRESHOLD,
		.threshold_auto = s->config->compare_threshold_auto,
		.confirm = s->config->compare_confirm,
		.config = s->config,
	};
	return 0;
}

/* A data directory that does not exist, made absolute without resolving
 * it: NULL when out of memory or the working directory cannot be read. */
static char *absolute_unresolved(const char *dir)
{
	char cwd[PATH_MAX], *out = NULL;
	if (dir[0] == '/')
		return strdup(dir);
	if (!getcwd(cwd, sizeof(cwd)) || asprintf(&out, "%s/%s", cwd, dir) < 0)
		return NULL;
	return out;
}

int setup_data_absolute(struct setup *s)
{
	char *absolute = realpath(s->data_dir, NULL);
	const char *shared = getenv("BENCHFS_STORE");
	/* A machine reading a fleet's store need not have measured anything:
	 * without a data directory of its own it shows no local files. */
	if (!absolute && errno == ENOENT && shared && store_path_is_database(shared))
		absolute = absolute_unresolved(s->data_dir);
	if (!absolute)
		return setup_fail(errno == ENOMEM ? EXIT_TOOL : EXIT_INVALID,
				  "data directory %s: %s", s->data_dir, strerror(errno));
	free(s->data_dir);
	s->data_dir = absolute;
	s->settings.data_dir = absolute;
	return 0;
}

void setup_clear(struct setup *s)
{
	config_free(s->config);
	repo_free(s->repo);
	free(s->repo_path);
	free(s->config_path);
	free(s->config_json);
	free(s->data_dir);
	free(s->branch);
	memset(s, 0, sizeof(*s));
}
