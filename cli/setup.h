/* What every front end starts from: the repository (found from --repo or the
 * current directory), the configuration (--config, or benchfs.json at the top
 * of the work tree), the data directory (--data, or benchfs/ in the .git
 * directory), the tracked branch, and the views' settings made of them. The
 * mount and every command of the command line resolve these the same way, so
 * both read one store with one set of verdict settings. */
#ifndef BENCHFS_CLI_SETUP_H
#define BENCHFS_CLI_SETUP_H

#include "config/config.h"
#include "repo/repo.h"
#include "views/context.h"

/* Exit statuses of benchfs and its commands. */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,    /* the daemon or a run failed after setup */
	EXIT_INVALID = 2,   /* bad input: options, revision, configuration, unknown name */
	EXIT_REGRESSED = 3, /* check: a regression or an SLO breach was found */
	EXIT_TOOL = 4,      /* the tool failed: a build, the store, the repository */
};

/* The paths as given on the command line (NULL: the default). */
struct setup_options {
	const char *repo, *config, *data;
	/* A PostgreSQL URI: the store shared by a fleet (else BENCHFS_STORE,
	 * else the SQLite file in the data directory). */
	const char *store;
};

struct setup {
	struct repo *repo;
	struct config *config;
	char *repo_path;   /* the .git directory, absolute */
	char *config_path;
	char *config_json; /* normalised, as stored with each queued job */
	char *data_dir;    /* as given or defaulted; made absolute by setup_data_absolute */
	char *branch;      /* the tracked branch's full name; NULL: none */
	struct view_settings settings;
};

/* Find the repository, load the configuration, name the data directory and
 * tracked branch, and choose the store (--store is exported as
 * BENCHFS_STORE, so every part of the process and its children read the
 * same one). 0, or an exit status after a one-line message on
 * standard error (*out then holds what was opened; setup_clear frees it).
 * Call repo_lib_init() first. */
int setup_open(struct setup *out, const struct setup_options *opts);
/* The data directory as an absolute path (it must exist): 0, or an exit
 * status after a message. */
int setup_data_absolute(struct setup *s);
void setup_clear(struct setup *s);

/* The value of --name VALUE or --name=VALUE at argv[*i] (*i moves past a
 * separate value); NULL when argv[*i] is not that option, with *missing set
 * when its value is absent. */
const char *setup_long_opt(int argc, char **argv, int *i, const char *name, int *missing);

/* "benchfs: <message>" on standard error, escaped to one line; returns
 * status. The front ends' messages before anything runs. */
int setup_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
