/* benchfs: mount a benchmark service for a git repository.
 * main wires the layers: configuration and repository checks, the data
 * directory, the file system and the runner. */
#define FUSE_USE_VERSION 34

#include <errno.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "cli/cli.h"
#include "config/config.h"
#include "fs/fs.h"
#include "repo/repo.h"
#include "runner/runner.h"
#include "service/confirm.h"
#include "spawner/spawner.h"
#include "stats/hypothesis.h"
#include "store/paths.h"
#include "store/store.h"
#include "util/log.h"

#define EXIT_SETUP 2
/* The data directory holds the logs and the store, which the mount's own
 * permission checks protect: by default only the owner may enter it. */
#define DATA_MODE_DEFAULT 0700

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
	"  --data-mode MODE\n"
	"                  the data directory's mode, such as 0750, set at start; its files\n"
	"                  follow it (default: a new or empty one gets 0700, and one that\n"
	"                  others can read is refused)\n"
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
	mode_t data_mode;
	int data_mode_given;
	struct fuse_args fuse_args;
};

/* One line, whatever the paths and messages in it hold (control characters
 * escaped). */
static int die(const char *fmt, ...)
{
	char raw[2048], line[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	log_escape(line, sizeof(line), raw);
	fprintf(stderr, "benchfs: %s\n", line);
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
			printf("benchfs %s (libfuse %s, libgit2 %s, SQLite %s)\n", BENCHFS_VERSION,
			       fuse_pkgversion(), repo_lib_version(), store_sqlite_version());
			return 0;
		}
		if ((value = long_opt(argc, argv, &i, "--data-mode", &missing))) {
			char *end;
			long mode = strtol(value, &end, 8);
			if (!*value || *end || mode < 0 || mode > 0777 || (mode & 0700) != 0700)
				return die("--data-mode %s: give an octal mode from 0700 to 0777, such as"
					   " 0750", value);
			cli->data_mode = (mode_t)mode;
			cli->data_mode_given = 1;
		} else if ((value = long_opt(argc, argv, &i, "--repo", &missing)))
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
		if (mkdir(buf, 0777) && errno != EEXIST) /* the umask sets the mode */
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0777) && errno != EEXIST)
		return -errno;
	return 0;
}

/* 1 when dir holds nothing, 0 when it holds something, -1 when unreadable. */
static int dir_is_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;
	if (!d)
		return -1;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

/* Make the data directory usable, or say why not: stores and logs must never
 * fail half way into a run for a reason visible at start. Its mode: a new or
 * empty directory gets the mode (0700 unless --data-mode says otherwise), as
 * does any directory when --data-mode is given; a directory that already
 * holds something and lets others in without being asked to is refused
 * (after the store's own checks), as PostgreSQL refuses such a data
 * directory: the logs and the store would bypass the mount's permissions,
 * and a warning on the stderr of a daemon is easily lost. */
static int prepare_data_dir(const char *dir, mode_t mode, int mode_given)
{
	char path[PATH_MAX];
	struct store *store = NULL;
	struct stat st;
	int rc;
	if ((rc = mkdir_p(dir)))
		return die("data directory %s: %s", dir, strerror(-rc));
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return die("data directory %s: not a directory", dir);
	if ((st.st_mode & 0777) != mode && (mode_given || dir_is_empty(dir) == 1)) {
		if (chmod(dir, mode))
			return die("data directory %s: cannot set its mode to %04o: %s", dir,
				   (unsigned)mode, strerror(errno));
		st.st_mode = (st.st_mode & ~0777u) | mode;
	}
	store_path_logs(path, sizeof(path), dir);
	if ((rc = mkdir_p(path)))
		return die("data directory %s: %s", path, strerror(-rc));
	if (access(dir, W_OK) || access(path, W_OK))
		return die("data directory %s: %s", dir, strerror(errno));
	/* One daemon per data directory: two would run jobs at once and share work/.
	 * The descriptor stays open (and locked) for the life of the process,
	 * across fuse_daemonize's fork. */
	store_path_lock(path, sizeof(path), dir);
	if ((lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		return die("data directory %s: %s", dir, strerror(errno));
	if (flock(lock_fd, LOCK_EX | LOCK_NB))
		return die("data directory %s is in use by another benchfs", dir);
	store_path_db(path, sizeof(path), dir);
	if (store_open(&store, path, STORE_SYNC_FULL)) {
		rc = die("store %s: %s", path, store_errmsg(store));
		store_free(store);
		return rc;
	}
	store_free(store);
	if (st.st_mode & 0077 & ~mode)
		return die("data directory %s is open to other users (mode %04o): chmod %o %s, or"
			   " keep it with --data-mode %o", dir, (unsigned)(st.st_mode & 0777),
			   (unsigned)mode, dir, (unsigned)(st.st_mode & 0777));
	return -1;
}

/* Unescapes a field of /proc/self/mountinfo (a space is \040) in place. */
static void mountinfo_unescape(char *s)
{
	char *out = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = '\0';
}

/* Whether a benchfs is mounted at path (absolute, resolved). A second one
 * would mount over the first and hide it without a word. */
static int benchfs_mounted_at(const char *path)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t size = 0;
	int found = 0;
	if (!f)
		return 0;
	while (!found && getline(&line, &size, f) > 0) {
		/* id parent dev root MOUNTPOINT options [optional...] - FSTYPE source ... */
		char *save = NULL, *field, *mnt = NULL;
		int i = 0, after_dash = 0;
		for (field = strtok_r(line, " \n", &save); field; field = strtok_r(NULL, " \n", &save)) {
			if (++i == 5)
				mnt = field;
			else if (i > 6 && !after_dash && !strcmp(field, "-"))
				after_dash = 1;
			else if (after_dash) {
				if (mnt && !strcmp(field, "fuse.benchfs")) {
					mountinfo_unescape(mnt);
					found = !strcmp(mnt, path);
				}
				break;
			}
		}
	}
	free(line);
	fclose(f);
	return found;
}

/* The mount point as an absolute path: the daemon's working directory becomes
 * /, and unmounting at exit must find it again. *out is malloc'd; returns -1
 * or an exit status after a message. */
static int check_mountpoint(char **out, const char *given)
{
	struct statvfs vfs;
	struct stat st;
	if (!(*out = realpath(given, NULL)) || stat(*out, &st) ||
	    (benchfs_mounted_at(*out) && statvfs(*out, &vfs))) {
		/* The kernel may still answer lookups from its cache for a dead
		 * daemon's mount; statvfs always asks the daemon. */
		if (errno == ENOTCONN)
			return die("mount point %s: %s (a benchfs ended without unmounting it:"
				   " fusermount3 -u %s)", given, strerror(errno), given);
		return die("mount point %s: %s", given, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return die("mount point %s: %s", given, strerror(ENOTDIR));
	if (benchfs_mounted_at(*out))
		return die("mount point %s is in use by another benchfs (fusermount3 -u %s ends it)",
			   *out, *out);
	return -1;
}

/* libfuse installs its SIGINT and SIGTERM handlers only where the disposition
 * is the default, and a shell starts a script's background jobs with SIGINT
 * ignored: benchfs then ignored the SIGINT it documents. Both go back to the
 * default, for libfuse to replace; SIGHUP keeps what it inherited (nohup). */
static void signals_reset(void)
{
	struct sigaction dfl = {.sa_handler = SIG_DFL};
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
}

/* The branch whose history the views follow: the configured one, or the
 * branch HEAD names now. *out is NULL when there is none (a detached HEAD):
 * history and regressions are then empty. Returns -1 after an error message. */
static int tracked_branch(char **out, struct repo *repo, const char *configured)
{
	int rc;
	*out = NULL;
	if (!configured) {
		if ((rc = repo_head_branch(out, repo)) == -ENOMEM) {
			die("out of memory");
			return -1;
		}
		if (rc)
			fprintf(stderr, "benchfs: warning: HEAD names no branch and the configuration"
					" names none: history and regressions stay empty\n");
		return 0;
	}
	if ((rc = repo_branch_resolve(out, repo, configured)) == -ENOMEM) {
		die("out of memory");
		return -1;
	}
	if (rc == 0)
		return 0;
	if (strncmp(configured, "refs/", 5) != 0)
		fprintf(stderr,
			"benchfs: warning: the tracked branch %s exists neither as refs/heads/%s nor"
			" as refs/remotes/%s (yet): history and regressions stay empty until it"
			" does\n",
			configured, configured, configured);
	else
		fprintf(stderr,
			"benchfs: warning: the tracked branch %s does not exist (yet): history and"
			" regressions stay empty until it does\n",
			*out);
	return 0;
}

int main(int argc, char **argv)
{
	struct cli cli = {.fuse_args = FUSE_ARGS_INIT(0, NULL)};
	struct repo *repo = NULL;
	struct config *config = NULL;
	struct runner *runner = NULL;
	struct confirm *confirm = NULL;
	struct fs *fs = NULL;
	char *config_json = NULL, *repo_path = NULL, *data_dir = NULL, *config_path = NULL;
	char *branch = NULL, *mountpoint = NULL;
	struct view_settings settings; /* the views' and the daemon's own A/B jobs' */
	char err[1024];
	bool lib_ready = false;
	int result;

	/* benchfs COMMAND ...: the command line; benchfs [mount] ... MOUNTPOINT: the mount. */
	if (argc > 1 && cli_is_command(argv[1])) {
		if (repo_lib_init())
			return die("cannot initialise libgit2");
		result = cli_main(argc - 1, argv + 1);
		repo_lib_shutdown();
		return result;
	}
	if (argc > 1 && strcmp(argv[1], "mount") == 0) {
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	fuse_opt_add_arg(&cli.fuse_args, argv[0]);
	cli.data_mode = DATA_MODE_DEFAULT;
	if ((result = parse_cli(&cli, argc, argv)) >= 0)
		goto out;
	result = EXIT_SETUP;
	/* Everything benchfs and its runs create (the store, logs, work/) is no
	 * more open than the data directory. */
	umask(0777 & ~cli.data_mode);
	if (repo_lib_init()) {
		die("cannot initialise libgit2");
		goto out;
	}
	lib_ready = true;
	if (repo_discover(&repo, cli.repo ? cli.repo : ".", err, sizeof(err))) {
		die("not a git repository: %s (%s)", cli.repo ? cli.repo : ".", err);
		goto out;
	}
	repo_path = realpath(repo_gitdir(repo), NULL);
	if (cli.config)
		config_path = strdup(cli.config);
	else if (repo_workdir(repo))
		(void)!asprintf(&config_path, "%sbenchfs.json", repo_workdir(repo));
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
		(void)!asprintf(&data_dir, "%sbenchfs", repo_gitdir(repo));
	if (!data_dir || prepare_data_dir(data_dir, cli.data_mode, cli.data_mode_given) >= 0)
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
	if (check_mountpoint(&mountpoint, cli.mountpoint) >= 0)
		goto out;

	if (tracked_branch(&branch, repo, config->branch) < 0)
		goto out;
	settings = (struct view_settings){
		.repo_path = repo_path,
		.data_dir = data_dir,
		.config_json = config_json,
		.branch = branch,
		.alpha = config->compare_alpha > 0 ? config->compare_alpha : STATS_DEFAULT_ALPHA,
		.threshold = config->compare_threshold >= 0 ? config->compare_threshold
							   : STATS_DEFAULT_THRESHOLD,
		.threshold_auto = config->compare_threshold_auto,
		.confirm = config->compare_confirm,
	};
	if (fs_mount(&fs, &settings, &cli.fuse_args, mountpoint, err, sizeof(err))) {
		die("%s", err);
		goto out;
	}
	/* Fork before any thread exists: the runner thread starts after this. */
	if (fuse_daemonize(cli.foreground)) {
		result = 1;
		goto out;
	}
	if (settings.confirm && confirm_open(&confirm, &settings, err, sizeof(err))) {
		fprintf(stderr, "benchfs: %s\n", err);
		result = 1;
		goto out;
	}
	{
		struct runner_options ro = {
			.repo_path = repo_path, .data_dir = data_dir, .on_change = fs_run_changed,
			.ctx = fs, .on_idle = confirm ? confirm_next : NULL, .idle_ctx = confirm};
		if (runner_start(&runner, &ro, err, sizeof(err))) {
			fprintf(stderr, "benchfs: %s\n", err);
			result = 1;
			goto out;
		}
	}
	fs_set_runner(fs, runner);
	fprintf(stderr, "benchfs: serving %s at %s (data in %s)\n", repo_path, mountpoint,
		data_dir);
	signals_reset();
	result = fs_serve(fs) ? 1 : 0;
out:
	/* The runner first: it may still tell the file system about a run. */
	runner_stop(runner);
	confirm_free(confirm);
	fs_unmount(fs);
	config_free(config);
	repo_free(repo);
	if (lib_ready)
		repo_lib_shutdown();
	fuse_opt_free_args(&cli.fuse_args);
	free(config_json);
	free(repo_path);
	free(data_dir);
	free(config_path);
	free(branch);
	free(mountpoint);
	return result;
}
