/* benchfs: mount a benchmark service for a git repository, or run one of
 * its commands (cli/). main wires the layers: the set-up both front ends
 * share (cli/setup.h, cli/datadir.h), the file system, the runner and the
 * daemon's own services. */
#define FUSE_USE_VERSION 34

#include <errno.h>
#include <fuse_lowlevel.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/un.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/datadir.h"
#include "cli/setup.h"
#include "config/bisect.h"
#include "config/config.h"
#include "fs/fs.h"
#include "repo/repo.h"
#include "runner/runner.h"
#include "service/bisect.h"
#include "service/confirm.h"
#include "service/dispatch_slurm.h"
#include "service/idle.h"
#include "service/keeper.h"
#include "service/retention.h"
#include "service/notify.h"
#include "service/wake.h"
#include "service/watch.h"
#include "spawner/spawner.h"
#include "store/store.h"
#include "util/array.h"
#include "util/labels.h"
#include "util/log.h"

static const char usage_text[] =
	"usage: benchfs [mount] [options] MOUNTPOINT\n"
	"       benchfs REPOSITORY MOUNTPOINT [-o OPT[,OPT]]   (as mount.fuse3 runs it)\n"
	"       benchfs COMMAND [options] ...   (benchfs help lists the commands)\n"
	"\n"
	"Mount a benchmark service for a git repository at MOUNTPOINT.\n"
	"\n"
	"  --repo DIR      the git repository (default: the current directory)\n"
	"  --config FILE   the benchmark configuration (default: benchfs.json at the top\n"
	"                  of the repository's work tree)\n"
	"  --data DIR      store, logs and checkouts (default: benchfs/ in the .git directory)\n"
	"  --store URI     a PostgreSQL store shared by a fleet, postgresql://HOST/DB\n"
	"                  (default: $BENCHFS_STORE, else the SQLite file in --data)\n"
	"  --labels LIST   labels of this machine a job may ask for (queue: REV @profile=LABEL),\n"
	"                  besides the architecture and cores=N benchfs finds itself\n"
	"  --lease SECONDS how long a job stays this runner's without a heartbeat before\n"
	"                  another runner of the store takes it again (default 30)\n"
	"  --dispatch slurm  measure nothing here: submit each queued job to Slurm (sbatch),\n"
	"                  where `benchfs run --job ID` measures it; needs --store\n"
	"  --data-mode MODE\n"
	"                  the data directory's mode, such as 0750, set at start; its files\n"
	"                  follow it (default: a new or empty one gets 0700, and one that\n"
	"                  others can read is refused)\n"
	"  -f              stay in the foreground\n"
	"  -d              foreground with FUSE debug output\n"
	"  -o OPT[,OPT]    mount options: repo=, config=, data=, data-mode=, store=, labels=\n"
	"                  and lease= stand for the options above; mount(8)'s own (noauto,\n"
	"                  user, _netdev, nofail, x-*, ...) are ignored; the others go to FUSE\n"
	"  -h, --help      this text\n"
	"  -V, --version   the version\n"
	"\n"
	"A REPOSITORY before MOUNTPOINT stands for --repo: an fstab line of type\n"
	"fuse.benchfs mounts through mount.fuse3.\n"
	"\n"
	"Then: echo <revision> > MOUNTPOINT/queue, and read MOUNTPOINT/runs/<id>/.\n";

struct cli {
	struct setup_options paths;
	const char *mountpoint;
	const char *source; /* mount.fuse3's form: benchfs SOURCE MOUNTPOINT -o ... */
	int foreground;
	mode_t data_mode;
	int data_mode_given;
	/* The runner among a fleet's: its labels (normalised) and lease. */
	char labels[LABELS_MAX];
	int64_t lease_ms;
	/* --dispatch slurm: jobs go to Slurm, this daemon measures none. */
	bool dispatch_slurm;
	struct fuse_args fuse_args;
	/* Copies of the -o lists: the values of benchfs's own options in them
	 * are cli->paths' strings. */
	char **held;
	size_t held_nr, held_alloc;
};

/* benchfs's options with a value: --NAME VALUE on the command line, NAME=VALUE
 * in a -o list (an fstab line has no other way to give them). */
static const char *const own_options[] = {"repo",  "config", "data", "data-mode",
					  "store", "labels", "lease", "dispatch", NULL};

/* Sets own option name (one of own_options, written as shown) to value: -1,
 * or an exit status after a message. */
static int own_option_set(struct cli *cli, const char *shown, const char *name, const char *value)
{
	if (!*value)
		return setup_fail(EXIT_INVALID, "%s needs a value", shown);
	if (!strcmp(name, "data-mode")) {
		char *end;
		long mode = strtol(value, &end, 8);
		if (*end || mode < 0 || mode > 0777 || (mode & 0700) != 0700)
			return setup_fail(EXIT_INVALID, "%s %s: give an octal mode from 0700 to 0777, such as"
				   " 0750", shown, value);
		cli->data_mode = (mode_t)mode;
		cli->data_mode_given = 1;
	} else if (!strcmp(name, "labels")) {
		char why[256];
		if (labels_normalize(cli->labels, sizeof(cli->labels), value, why, sizeof(why)))
			return setup_fail(EXIT_INVALID, "%s %s: %s", shown, value, why);
	} else if (!strcmp(name, "lease")) {
		char *end;
		long seconds = strtol(value, &end, 10);
		if (*end || seconds < 1 || seconds > 86400)
			return setup_fail(EXIT_INVALID, "%s %s: give whole seconds from 1 to 86400",
					  shown, value);
		cli->lease_ms = seconds * 1000;
	} else if (!strcmp(name, "dispatch")) {
		if (strcmp(value, "slurm"))
			return setup_fail(EXIT_INVALID, "%s %s: the one dispatcher is slurm", shown,
					  value);
		cli->dispatch_slurm = true;
	} else if (!strcmp(name, "repo"))
		cli->paths.repo = value;
	else if (!strcmp(name, "config"))
		cli->paths.config = value;
	else if (!strcmp(name, "store"))
		cli->paths.store = value;
	else
		cli->paths.data = value;
	return -1;
}

/* Options of mount(8) and fstab that say how and when to mount, not what:
 * mount.fuse3 drops some when mount(8) runs it, but passes x-* and comment=
 * on, and all of them when run by hand or by systemd's mount units. */
static bool mount_table_option(const char *opt)
{
	static const char *const names[] = {"defaults", "auto", "noauto", "user", "nouser", "users",
					    "owner", "group", "_netdev", "nofail", NULL};
	if (!strncmp(opt, "x-", 2) || !strncmp(opt, "comment=", 8))
		return true;
	for (size_t i = 0; names[i]; i++)
		if (!strcmp(opt, names[i]))
			return true;
	return false;
}

/* One -o list: benchfs's own options are taken out, mount(8)'s dropped and
 * the rest left to FUSE (fuse_options_check judges them). -1, or an exit
 * status after a message. */
static int parse_mount_options(struct cli *cli, const char *list)
{
	char *copy, *rest, *opt, *save = NULL;
	size_t len = 0;
	if (ALLOC_GROW(cli->held, cli->held_nr + 1, cli->held_alloc) || !(copy = strdup(list)))
		return setup_fail(EXIT_INVALID, "out of memory");
	cli->held[cli->held_nr++] = copy;
	/* "-o" and what FUSE keeps of the list: never longer than the list. */
	if (!(rest = malloc(strlen(list) + 3)))
		return setup_fail(EXIT_INVALID, "out of memory");
	for (opt = strtok_r(copy, ",", &save); opt; opt = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(opt, '=');
		size_t k = 0;
		if (eq) {
			for (; own_options[k]; k++)
				if (strlen(own_options[k]) == (size_t)(eq - opt) &&
				    !strncmp(opt, own_options[k], (size_t)(eq - opt)))
					break;
		}
		if (eq && own_options[k]) {
			int rc;
			*eq = '\0';
			rc = own_option_set(cli, opt, own_options[k], eq + 1);
			if (rc >= 0) {
				free(rest);
				return rc;
			}
		} else if (!mount_table_option(opt)) {
			len += (size_t)sprintf(rest + len, "%s%s", len ? "," : "-o", opt);
		}
	}
	if (len && fuse_opt_add_arg(&cli->fuse_args, rest)) {
		free(rest);
		return setup_fail(EXIT_INVALID, "out of memory");
	}
	free(rest);
	return -1;
}

/* The source as the mount's fsname, as the fstab line has it: mount -a then
 * finds the line mounted, where a source of "benchfs" had it mount again.
 * First among the options, so that an fsname= given in -o wins. */
static int fsname_add(struct fuse_args *args, const char *source)
{
	char *opt = malloc(2 * strlen(source) + sizeof("-ofsname="));
	char *p;
	int rc;
	if (!opt)
		return -1;
	p = stpcpy(opt, "-ofsname=");
	/* fuse_opt splits at commas; a backslash keeps one in the value. */
	for (; *source; source++) {
		if (*source == ',' || *source == '\\')
			*p++ = '\\';
		*p++ = *source;
	}
	*p = '\0';
	rc = fuse_opt_insert_arg(args, 1, opt);
	free(opt);
	return rc;
}

/* Returns -1 to go on, or an exit status. */
static int parse_cli(struct cli *cli, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *value = NULL;
		int missing = 0, rc;
		char flag[32] = "";
		size_t k;
		if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			fputs(usage_text, stdout);
			return 0;
		}
		if (!strcmp(arg, "-V") || !strcmp(arg, "--version")) {
			printf("benchfs %s (libfuse %s, libgit2 %s, SQLite %s)\n", BENCHFS_VERSION,
			       fuse_pkgversion(), repo_lib_version(), store_sqlite_version());
			return 0;
		}
		for (k = 0; own_options[k] && !value && !missing; k++) {
			snprintf(flag, sizeof(flag), "--%s", own_options[k]);
			value = setup_long_opt(argc, argv, &i, flag, &missing);
		}
		if (value) {
			if ((rc = own_option_set(cli, flag, own_options[k - 1], value)) >= 0)
				return rc;
		} else if (missing)
			return setup_fail(EXIT_INVALID, "%s needs a value", arg);
		else if (!strcmp(arg, "-f"))
			cli->foreground = 1;
		else if (!strcmp(arg, "-d")) {
			cli->foreground = 1;
			fuse_opt_add_arg(&cli->fuse_args, "-odebug");
		} else if (!strcmp(arg, "-o") || !strncmp(arg, "-o", 2)) {
			const char *opts = arg[2] ? arg + 2 : (i + 1 < argc ? argv[++i] : NULL);
			if (!opts)
				return setup_fail(EXIT_INVALID, "-o needs mount options");
			if ((rc = parse_mount_options(cli, opts)) >= 0)
				return rc;
		} else if (arg[0] == '-' && arg[1] != '\0')
			return setup_fail(EXIT_INVALID, "unknown option %s (see benchfs --help)", arg);
		else if (cli->source)
			return setup_fail(EXIT_INVALID, "one argument too many: %s (benchfs [options] [REPOSITORY]"
				   " MOUNTPOINT)", arg);
		else if (cli->mountpoint) {
			/* Two: mount.fuse3's SOURCE MOUNTPOINT, the source the repository. */
			cli->source = cli->mountpoint;
			cli->mountpoint = arg;
		} else
			cli->mountpoint = arg;
	}
	if (!cli->mountpoint)
		return setup_fail(EXIT_INVALID, "no mount point given (see benchfs --help)");
	if (cli->source && cli->paths.repo)
		return setup_fail(EXIT_INVALID, "the repository is given twice: %s and --repo %s", cli->source,
			   cli->paths.repo);
	if (cli->source) {
		cli->paths.repo = cli->source;
		if (fsname_add(&cli->fuse_args, cli->source))
			return setup_fail(EXIT_INVALID, "out of memory");
	}
	return -1;
}

/* libfuse's complaint about an option, kept by fuse_options_check. */
static char fuse_complaint[512];

static void fuse_log_keep(enum fuse_log_level level, const char *fmt, va_list ap)
{
	size_t len = strlen(fuse_complaint);
	if (level <= FUSE_LOG_ERR && len < sizeof(fuse_complaint))
		vsnprintf(fuse_complaint + len, sizeof(fuse_complaint) - len, fmt, ap);
}

/* libfuse judges its options only when the session is made, after the data
 * directory has been created, and says so in its own words; a session made
 * and dropped now refuses a mistyped option first, in benchfs's. -1, or an
 * exit status after a message. */
static int fuse_options_check(const struct fuse_args *given)
{
	static const struct fuse_lowlevel_ops none;
	struct fuse_args args = FUSE_ARGS_INIT(0, NULL);
	struct fuse_session *se = NULL;
	size_t len;
	int failed = 0;
	/* fuse_session_new consumes what it parses: it gets a copy. */
	for (int i = 0; i < given->argc && !failed; i++)
		failed = fuse_opt_add_arg(&args, given->argv[i]);
	if (failed) {
		fuse_opt_free_args(&args);
		return setup_fail(EXIT_INVALID, "out of memory");
	}
	fuse_complaint[0] = '\0';
	fuse_set_log_func(fuse_log_keep);
	se = fuse_session_new(&args, &none, sizeof(none), NULL);
	fuse_set_log_func(NULL);
	fuse_opt_free_args(&args);
	if (se) {
		fuse_session_destroy(se);
		return -1;
	}
	len = strlen(fuse_complaint);
	while (len && fuse_complaint[len - 1] == '\n')
		fuse_complaint[--len] = '\0';
	return setup_fail(EXIT_INVALID, "%s (benchfs's own options are repo=, config=, data=, data-mode=, store=, labels=, lease= and dispatch=;"
		   " see benchfs --help)",
		   !strncmp(fuse_complaint, "fuse: ", 6) ? fuse_complaint + 6 :
		   len ? fuse_complaint : "invalid mount options");
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
			return setup_fail(EXIT_INVALID, "mount point %s: %s (a benchfs ended without unmounting it:"
				   " fusermount3 -u %s)", given, strerror(errno), given);
		return setup_fail(EXIT_INVALID, "mount point %s: %s", given, strerror(errno));
	}
	if (!S_ISDIR(st.st_mode))
		return setup_fail(EXIT_INVALID, "mount point %s: %s", given, strerror(ENOTDIR));
	if (benchfs_mounted_at(*out))
		return setup_fail(EXIT_INVALID, "mount point %s is in use by another benchfs (fusermount3 -u %s ends it)",
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

static void signal_ignored(int sig)
{
	(void)sig;
}

/* For the exit once the mount has ended: SIGINT, SIGTERM and SIGHUP are
 * caught and dropped (the daemon is stopping already), so the runner still
 * unregisters and the dispatcher's thread ends cleanly. A handler, not
 * SIG_IGN: a process started meanwhile gets the default back at exec. */
static void signals_quiet(void)
{
	struct sigaction quiet = {.sa_handler = signal_ignored, .sa_flags = SA_RESTART};
	sigemptyset(&quiet.sa_mask);
	sigaction(SIGINT, &quiet, NULL);
	sigaction(SIGTERM, &quiet, NULL);
	sigaction(SIGHUP, &quiet, NULL);
}

/* systemd's notification socket (Type=notify), taken from the environment
 * at start: the benchmarks must not inherit it. */
static struct sockaddr_un notify_addr;
static socklen_t notify_len;

static void notify_take(void)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len = path ? strlen(path) : 0;
	/* An absolute path, or an abstract socket written with a leading '@'. */
	if (len >= 2 && len < sizeof(notify_addr.sun_path) && (path[0] == '/' || path[0] == '@')) {
		notify_addr.sun_family = AF_UNIX;
		memcpy(notify_addr.sun_path, path, len);
		if (path[0] == '@')
			notify_addr.sun_path[0] = '\0';
		notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	}
	unsetenv("NOTIFY_SOCKET");
}

/* Tells systemd state ("READY=1": mounted; "STOPPING=1"); nothing when it did
 * not start benchfs. A datagram: no libsystemd needed. */
static void notify_systemd(const char *state)
{
	int fd;
	if (!notify_len)
		return;
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0 ||
	    sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&notify_addr, notify_len) < 0)
		log_warning("cannot tell systemd %s: %s", state, strerror(errno));
	if (fd >= 0)
		close(fd);
}

int main(int argc, char **argv)
{
	struct cli cli = {.fuse_args = FUSE_ARGS_INIT(0, NULL)};
	struct setup setup = {0};
	struct datadir_lock lock = {.fd = -1};
	struct runner *runner = NULL;
	struct dispatch_slurm *dispatcher = NULL;
	struct confirm *confirm = NULL;
	struct bisector *bisector = NULL;
	struct idle_chain idle = {0};
	struct retention *retention = NULL;
	struct keeper *keeper = NULL;
	struct notify *notify = NULL;
	struct wake *wake = NULL;
	struct watch *watch = NULL;
	struct fs *fs = NULL;
	char *mountpoint = NULL;
	char err[1024];
	bool lib_ready = false;
	int result, rc;

	/* benchfs COMMAND ...: the command line; benchfs [mount] ... MOUNTPOINT: the mount. */
	if (argc > 1 && cli_is_command(argv[1])) {
		if (repo_lib_init())
			return setup_fail(EXIT_TOOL, "cannot initialise libgit2");
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
	/* Before any thread: unsetenv is not thread-safe. */
	notify_take();
	if ((result = parse_cli(&cli, argc, argv)) >= 0 ||
	    (result = fuse_options_check(&cli.fuse_args)) >= 0)
		goto out;
	result = EXIT_INVALID;
	/* Everything benchfs and its runs create (the store, logs, work/) is no
	 * more open than the data directory. */
	umask(0777 & ~cli.data_mode);
	if (repo_lib_init()) {
		setup_fail(EXIT_TOOL, "cannot initialise libgit2");
		goto out;
	}
	lib_ready = true;
	if ((rc = setup_open(&setup, &cli.paths))) {
		result = rc;
		goto out;
	}
	/* An unusable data directory, its store included, is a set-up error
	 * of the mount's (status 2), whatever a command would call it. */
	if (datadir_prepare(&lock, setup.data_dir, cli.data_mode, cli.data_mode_given))
		goto out;
	if (lock.fd < 0) {
		setup_fail(EXIT_INVALID, "data directory %s is in use by another benchfs",
			   setup.data_dir);
		goto out;
	}
	/* Absolute: daemonizing changes the working directory to /. */
	if ((rc = setup_data_absolute(&setup))) {
		result = rc;
		goto out;
	}
	{
		char spawner[PATH_MAX];
		if ((rc = spawner_locate(spawner, sizeof(spawner)))) {
			setup_fail(EXIT_INVALID, "cannot use the helper %s: %s (it is built beside benchfs)",
				   spawner, strerror(-rc));
			goto out;
		}
	}
	if (check_mountpoint(&mountpoint, cli.mountpoint) >= 0)
		goto out;
	if (fs_mount(&fs, &setup.settings, &cli.fuse_args, mountpoint, err, sizeof(err))) {
		setup_fail(EXIT_INVALID, "%s", err);
		goto out;
	}
	/* Fork before any thread exists: the runner thread starts after this. */
	if (fuse_daemonize(cli.foreground)) {
		result = 1;
		goto out;
	}
	/* Every thread started from here on leaves SIGUSR1 to the wake thread;
	 * blocked before the pid is published, since its default is to end us. */
	if ((rc = wake_block())) {
		fprintf(stderr, "benchfs: cannot block SIGUSR1: %s\n", strerror(-rc));
		result = 1;
		goto out;
	}
	datadir_lock_publish(&lock);
	if (setup.settings.confirm &&
	    confirm_open(&confirm, &setup.settings, err, sizeof(err))) {
		fprintf(stderr, "benchfs: %s\n", err);
		result = 1;
		goto out;
	}
	/* The idle work, in order: settling suspects first. */
	if (confirm)
		idle_chain_add(&idle, confirm_next, confirm);
	/* Then bisecting the confirmed steps whose range was never benchmarked. */
	if (setup.settings.config && bisect_enabled(setup.settings.config) &&
	    bisector_open(&bisector, &setup.settings, bisect_max_runs(setup.settings.config), err,
			  sizeof(err))) {
		fprintf(stderr, "benchfs: %s\n", err);
		result = 1;
		goto out;
	}
	if (bisector)
		idle_chain_add(&idle, bisector_next, bisector);
	/* Then the on_alert command, for alerts new since it last looked. */
	if (setup.settings.config && setup.settings.config->on_alert &&
	    notify_open(&notify, &setup.settings, setup.settings.config->on_alert, err,
			sizeof(err))) {
		fprintf(stderr, "benchfs: %s\n", err);
		result = 1;
		goto out;
	}
	if (notify)
		idle_chain_add(&idle, notify_next, notify);
	/* Then keeping the regressions file computed for its readers. */
	if (keeper_open(&keeper, &setup.settings, err, sizeof(err))) {
		fprintf(stderr, "benchfs: %s\n", err);
		result = 1;
		goto out;
	}
	idle_chain_add(&idle, keeper_next, keeper);
	/* Last, pruning old runs: only when no other service has work queued. */
	if (retention_open(&retention, &setup.settings, err, sizeof(err))) {
		fprintf(stderr, "benchfs: %s\n", err);
		result = 1;
		goto out;
	}
	if (retention)
		idle_chain_add(&idle, retention_next, retention);
	if (cli.dispatch_slurm) {
		struct dispatch_slurm_options dso = {
			.repo_path = setup.repo_path, .config_path = cli.paths.config ? setup.config_path : NULL,
			.data_dir = setup.data_dir, .on_change = fs_run_changed, .ctx = fs,
			.on_idle = idle_chain_run, .idle_ctx = &idle};
		if (dispatch_slurm_start(&dispatcher, &dso, err, sizeof(err))) {
			fprintf(stderr, "benchfs: %s\n", err);
			result = 1;
			goto out;
		}
	} else {
		struct runner_options ro = {
			.repo_path = setup.repo_path, .data_dir = setup.data_dir,
			.on_change = fs_run_changed, .ctx = fs,
			.on_idle = idle_chain_run, .idle_ctx = &idle,
			.labels = cli.labels, .lease_ms = cli.lease_ms};
		if (runner_start(&runner, &ro, err, sizeof(err))) {
			fprintf(stderr, "benchfs: %s\n", err);
			result = 1;
			goto out;
		}
	}
	/* A dispatcher has no runner to wake: it listens to the store. */
	if (runner && (rc = wake_start(&wake, runner))) {
		fprintf(stderr, "benchfs: cannot start the wake thread: %s\n", strerror(-rc));
		result = 1;
		goto out;
	}
	/* The watched branches: fetched and queued by a thread of their own. */
	if (watch_start(&watch, &setup.settings, runner, err, sizeof(err))) {
		fprintf(stderr, "benchfs: %s\n", err);
		result = 1;
		goto out;
	}
	fs_set_runner(fs, runner);
	fprintf(stderr, "benchfs: serving %s at %s (data in %s)\n", setup.repo_path, mountpoint,
		setup.data_dir);
	signals_reset();
	notify_systemd("READY=1");
	result = fs_serve(fs) ? 1 : 0;
	notify_systemd("STOPPING=1");
out:
	/* fs_serve gave SIGINT and SIGTERM back to their default: one now would
	 * end the process before the runner leaves the store's list. */
	signals_quiet();
	wake_stop(wake);
	watch_stop(watch);
	/* The runner first: it may still tell the file system about a run. */
	runner_stop(runner);
	dispatch_slurm_stop(dispatcher);
	confirm_free(confirm);
	retention_free(retention);
	keeper_free(keeper);
	bisector_free(bisector);
	notify_free(notify);
	fs_unmount(fs);
	setup_clear(&setup);
	if (lib_ready)
		repo_lib_shutdown();
	fuse_opt_free_args(&cli.fuse_args);
	for (size_t i = 0; i < cli.held_nr; i++)
		free(cli.held[i]);
	free(cli.held);
	free(mountpoint);
	return result;
}
