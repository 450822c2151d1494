/* benchfs: mount a benchmark service for a git repository.
 * main wires the layers: configuration and repository checks, the data
 * directory, the file system and the runner. */
#define FUSE_USE_VERSION 34

#include <errno.h>
#include <fuse_lowlevel.h>
#include <git2.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "confirm.h"
#include "tests.h"
#include "fs.h"
#include "revparse.h"
#include "runner.h"
#include "spawner.h"
#include "store.h"

#define EXIT_SETUP 2

static int lock_fd = -1;

static const char usage_text[] =
	"usage: benchfs [options] MOUNTPOINT\n"
	"\n"
	"Mount a benchmark service for a git repository at MOUNTPOINT.\n"
	"\n"
	"  --repo DIR      the git repository (default: the current directory)\n"
	"  --config FILE   the benchmark configuration (default: benchfs.json at the top\n"
	"                  of the repository's work tree)\n"
	"  --data DIR      store, logs and checkouts (default: benchfs/ in the .git directory)\n"
	"  -f              stay in the foreground\n"
	"  -d              foreground with FUSE debug output\n"
	"  -o OPT[,OPT]    FUSE mount options\n"
	"  -h, --help      this text\n"
	"  -V, --version   the version\n"
	"\n"
	"Then: echo <revision> > MOUNTPOINT/queue, and read MOUNTPOINT/runs/<id>/.\n";

struct cli {
	const char *repo, *config, *data, *mountpoint;
	int foreground;
	struct fuse_args fuse_args;
};

static int die(const char *fmt, ...)
{
	va_list ap;
	fputs("benchfs: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_SETUP;
}

/* The value of --name VALUE or --name=VALUE at argv[*i]; NULL when argv[*i] is not it. */
static const char *long_opt(int argc, char **argv, int *i, const char *name, int *missing)
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

/* Returns -1 to go on, or an exit status. */
static int parse_cli(struct cli *cli, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *value;
		int missing = 0;
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (!strcmp(arg, "-V") || !strcmp(arg, "--version")) {
			printf("benchfs %s (libfuse %s, libgit2 %d.%d.%d, SQLite %s)\n", BENCHFS_VERSION,
			       fuse_pkgversion(), LIBGIT2_VER_MAJOR, LIBGIT2_VER_MINOR,
			       LIBGIT2_VER_REVISION, store_sqlite_version());
			return 0;
		}
		if ((value = long_opt(argc, argv, &i, "--repo", &missing)))
			cli->repo = value;
		else if ((value = long_opt(argc, argv, &i, "--config", &missing)))
			cli->config = value;
		else if ((value = long_opt(argc, argv, &i, "--data", &missing)))
			cli->data = value;
		else if (missing)
			return die("%s needs a value", arg);
		else if (!strcmp(arg, "-f"))
			cli->foreground = 1;
		else if (!strcmp(arg, "-d")) {
			cli->foreground = 1;
			fuse_opt_add_arg(&cli->fuse_args, "-odebug");
		} else if (!strcmp(arg, "-o") || !strncmp(arg, "-o", 2)) {
			const char *opts = arg[2] ? arg + 2 : (i + 1 < argc ? argv[++i] : NULL);
			char *joined;
			if (!opts)
				return die("-o needs mount options");
			if (asprintf(&joined, "-o%s", opts) < 0 ||
			    fuse_opt_add_arg(&cli->fuse_args, joined))
				return die("out of memory");
			free(joined);
		} else if (arg[0] == '-' && arg[1] != '\0')
			return die("unknown option %s (see benchfs --help)", arg);
		else if (cli->mountpoint)
			return die("more than one mount point: %s and %s", cli->mountpoint, arg);
		else
			cli->mountpoint = arg;
	}
	if (!cli->mountpoint)
		return die("no mount point given (see benchfs --help)");
	return -1;
}

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0755) && errno != EEXIST)
		return -errno;
	return 0;
}

/* Make the data directory usable, or say why not: stores and logs must never
 * fail half way into a run for a reason visible at start. */
static int prepare_data_dir(const char *dir)
{
	char path[PATH_MAX];
	struct store *store = NULL;
	struct stat st;
	int rc;
	if ((rc = mkdir_p(dir)))
		return die("data directory %s: %s", dir, strerror(-rc));
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return die("data directory %s: not a directory", dir);
	snprintf(path, sizeof(path), "%s/logs", dir);
	if ((rc = mkdir_p(path)))
		return die("data directory %s: %s", path, strerror(-rc));
	if (access(dir, W_OK) || access(path, W_OK))
		return die("data directory %s: %s", dir, strerror(errno));
	/* One daemon per data directory: two would run jobs at once and share work/.
	 * The descriptor stays open (and locked) for the life of the process,
	 * across fuse_daemonize's fork. */
	snprintf(path, sizeof(path), "%s/lock", dir);
	if ((lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		return die("data directory %s: %s", dir, strerror(errno));
	if (flock(lock_fd, LOCK_EX | LOCK_NB))
		return die("data directory %s is in use by another benchfs", dir);
	runner_db_path(path, sizeof(path), dir);
	if (store_open(&store, path, STORE_SYNC_FULL)) {
		rc = die("store %s: %s", path, store_errmsg(store));
		store_free(store);
		return rc;
	}
	store_free(store);
	return -1;
}

/* The branch whose history the views follow: the configured one, or the
 * branch HEAD names now. *out is NULL when there is none (a detached HEAD):
 * history and regressions are then empty. Returns -1 after an error message. */
static int tracked_branch(char **out, git_repository *repo, const char *configured)
{
	git_reference *head = NULL;
	*out = NULL;
	if (configured) {
		if (strncmp(configured, "refs/", 5) == 0)
			*out = strdup(configured);
		else if (asprintf(out, "refs/heads/%s", configured) < 0)
			*out = NULL;
		if (!*out) {
			die("out of memory");
			return -1;
		}
		if (git_reference_lookup(&head, repo, *out) < 0)
			fprintf(stderr, "benchfs: warning: the tracked branch %s does not exist (yet)\n",
				*out);
		git_reference_free(head);
		return 0;
	}
	if (git_repository_head(&head, repo) == 0 && git_reference_is_branch(head))
		*out = strdup(git_reference_name(head));
	else
		fprintf(stderr, "benchfs: warning: HEAD names no branch and the configuration names"
				" none: history and regressions stay empty\n");
	git_reference_free(head);
	return 0;
}

int main(int argc, char **argv)
{
	struct cli cli = {.fuse_args = FUSE_ARGS_INIT(0, NULL)};
	git_repository *repo = NULL;
	struct config *config = NULL;
	struct runner *runner = NULL;
	struct confirm *confirm = NULL;
	struct fs *fs = NULL;
	char *config_json = NULL, *repo_path = NULL, *data_dir = NULL, *config_path = NULL;
	char *branch = NULL;
	char err[1024];
	struct stat st;
	int result;

	fuse_opt_add_arg(&cli.fuse_args, argv[0]);
	if ((result = parse_cli(&cli, argc, argv)) >= 0)
		goto out;
	result = EXIT_SETUP;
	git_libgit2_init();

	if (git_repository_open_ext(&repo, cli.repo ? cli.repo : ".", 0, NULL) < 0) {
		die("not a git repository: %s (%s)", cli.repo ? cli.repo : ".", revparse_git_error());
		goto out;
	}
	repo_path = realpath(git_repository_path(repo), NULL);
	if (cli.config)
		config_path = strdup(cli.config);
	else if (git_repository_workdir(repo))
		(void)!asprintf(&config_path, "%sbenchfs.json", git_repository_workdir(repo));
	else {
		die("%s is a bare repository: give the configuration with --config", repo_path);
		goto out;
	}
	if (!repo_path || !config_path) {
		die("out of memory");
		goto out;
	}
	if (config_load(&config, config_path, err, sizeof(err))) {
		die("%s", err);
		goto out;
	}
	if (!(config_json = config_to_json(config))) {
		die("out of memory");
		goto out;
	}
	if (cli.data)
		data_dir = strdup(cli.data);
	else
		(void)!asprintf(&data_dir, "%sbenchfs", git_repository_path(repo));
	if (!data_dir || prepare_data_dir(data_dir) >= 0)
		goto out;
	{
		/* Absolute: daemonizing changes the working directory to /. */
		char *absolute = realpath(data_dir, NULL);
		if (!absolute) {
			die("data directory %s: %s", data_dir, strerror(errno));
			goto out;
		}
		free(data_dir);
		data_dir = absolute;
	}
	{
		char spawner[PATH_MAX];
		int rc = spawner_locate(spawner, sizeof(spawner));
		if (rc) {
			die("cannot use the helper %s: %s (it is built beside benchfs)", spawner,
			    strerror(-rc));
			goto out;
		}
	}
	if (stat(cli.mountpoint, &st) || !S_ISDIR(st.st_mode)) {
		die("mount point %s: %s", cli.mountpoint,
		    errno && !S_ISDIR(st.st_mode) ? strerror(errno) : "not a directory");
		goto out;
	}

	if (tracked_branch(&branch, repo, config->branch) < 0)
		goto out;
	{
		struct fs_options fo = {
			.repo_path = repo_path,
			.data_dir = data_dir,
			.config_json = config_json,
			.branch = branch,
			.alpha = config->compare_alpha > 0 ? config->compare_alpha : STATS_DEFAULT_ALPHA,
			.threshold = config->compare_threshold >= 0 ? config->compare_threshold
								   : STATS_DEFAULT_THRESHOLD,
			.threshold_auto = config->compare_threshold_auto,
		};
		if (fs_mount(&fs, &fo, &cli.fuse_args, cli.mountpoint, err, sizeof(err))) {
			die("%s", err);
			goto out;
		}
	}
	/* Fork before any thread exists: the runner thread starts after this. */
	if (fuse_daemonize(cli.foreground)) {
		result = 1;
		goto out;
	}
	{
		struct confirm_options co = {
			.repo_path = repo_path,
			.data_dir = data_dir,
			.config_json = config_json,
			.branch = branch,
			.alpha = config->compare_alpha > 0 ? config->compare_alpha : STATS_DEFAULT_ALPHA,
			.threshold = config->compare_threshold >= 0 ? config->compare_threshold
								   : STATS_DEFAULT_THRESHOLD,
			.threshold_auto = config->compare_threshold_auto,
		};
		if (confirm_open(&confirm, &co, err, sizeof(err))) {
			fprintf(stderr, "benchfs: %s\n", err);
			result = 1;
			goto out;
		}
	}
	{
		struct runner_options ro = {
			.repo_path = repo_path, .data_dir = data_dir, .on_change = fs_run_changed,
			.ctx = fs, .on_idle = confirm_next, .idle_ctx = confirm};
		if (runner_start(&runner, &ro, err, sizeof(err))) {
			fprintf(stderr, "benchfs: %s\n", err);
			result = 1;
			goto out;
		}
	}
	fs_set_runner(fs, runner);
	fprintf(stderr, "benchfs: serving %s at %s (data in %s)\n", repo_path, cli.mountpoint,
		data_dir);
	result = fs_serve(fs) ? 1 : 0;
out:
	/* The runner first: it may still tell the file system about a run. */
	runner_stop(runner);
	confirm_free(confirm);
	fs_unmount(fs);
	config_free(config);
	git_repository_free(repo);
	if (repo)
		git_libgit2_shutdown();
	fuse_opt_free_args(&cli.fuse_args);
	free(config_json);
	free(repo_path);
	free(data_dir);
	free(config_path);
	free(branch);
	return result;
}
