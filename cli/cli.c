#include "cli/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/internal.h"
#include "store/paths.h"

static const struct cli_command *const commands[] = {
	&cli_run,
	&cli_cancel,
	&cli_compare,
	&cli_regressions,
	&cli_history,
	&cli_check,
	&cli_export,
	&cli_import,
	&cli_audit,
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const char common_options[] =
	"  --repo DIR      the git repository (default: the current directory)\n"
	"  --config FILE   the benchmark configuration (default: benchfs.json at the top\n"
	"                  of the repository's work tree)\n"
	"  --data DIR      the data directory the mount uses (default: benchfs/ in the\n"
	"                  .git directory)\n"
	"  --store URI     a PostgreSQL store shared by a fleet, postgresql://HOST/DB\n"
	"                  (default: $BENCHFS_STORE, else the data directory's SQLite file)\n"
	"  --host NAME     the host whose runs the views pool, one machine of a fleet\n"
	"                  sharing the store (default: this one; import: the host that\n"
	"                  measured)\n"
	"  -h, --help      this text\n";

static const struct cli_command *command_named(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

bool cli_is_command(const char *word)
{
	return command_named(word) != NULL || strcmp(word, "help") == 0;
}

static void command_help(const struct cli_command *c)
{
	printf("usage: benchfs %s %s\n\n%s\n\nOptions:\n%s", c->name, c->usage, c->summary,
	       common_options);
}

static void commands_help(void)
{
	printf("usage: benchfs [options] MOUNTPOINT\n"
	       "       benchfs COMMAND [options] ...\n\nCommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		printf("  %-12s %s\n", commands[i]->name, commands[i]->summary);
	printf("\nbenchfs COMMAND --help describes one. Exit status: 0 success, 2 invalid input,\n"
	       "3 a regression found (check), 4 a tool error (build, store, repository).\n");
}

/* Parse the options every command shares; -1 to go on, or an exit status. */
static int parse_args(struct cli_args *out, const struct cli_command *c, int argc, char **argv)
{
	bool options_end = false;
	memset(out, 0, sizeof(*out));
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *value;
		int missing = 0;
		if (options_end || arg[0] != '-' || arg[1] == '\0') {
			if (out->nargs == CLI_ARGS_MAX)
				return setup_fail(EXIT_INVALID, "%s: too many arguments", c->name);
			out->args[out->nargs++] = arg;
			continue;
		}
		if (!strcmp(arg, "--")) {
			options_end = true;
		} else if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
			command_help(c);
			return EXIT_OK;
		} else if ((value = setup_long_opt(argc, argv, &i, "--repo", &missing))) {
			out->paths.repo = value;
		} else if ((value = setup_long_opt(argc, argv, &i, "--config", &missing))) {
			out->paths.config = value;
		} else if ((value = setup_long_opt(argc, argv, &i, "--data", &missing))) {
			out->paths.data = value;
		} else if ((value = setup_long_opt(argc, argv, &i, "--store", &missing))) {
			out->paths.store = value;
		} else if ((value = setup_long_opt(argc, argv, &i, "--format", &missing))) {
			out->format = value;
		} else if ((value = setup_long_opt(argc, argv, &i, "--baseline", &missing))) {
			out->baseline = value;
		} else if (!strcmp(arg, "-o")) {
			/* -o -: standard output, never a positional "-". */
			if (i + 1 >= argc)
				return setup_fail(EXIT_INVALID, "%s: -o needs a value", c->name);
			out->out = argv[++i];
		} else if ((value = setup_long_opt(argc, argv, &i, "--out", &missing))) {
			out->out = value;
		} else if ((value = setup_long_opt(argc, argv, &i, "--commit", &missing))) {
			out->commit = value;
		} else if ((value = setup_long_opt(argc, argv, &i, "--host", &missing))) {
			out->host = value;
		} else if ((value = setup_long_opt(argc, argv, &i, "--job", &missing))) {
			out->job = value;
		} else if ((value = setup_long_opt(argc, argv, &i, "--name", &missing))) {
			if (out->nnames == CLI_ARGS_MAX)
				return setup_fail(EXIT_INVALID, "%s: more than %d --name", c->name,
						  CLI_ARGS_MAX);
			out->names[out->nnames++] = value;
		} else if (missing) {
			return setup_fail(EXIT_INVALID, "%s: %s needs a value", c->name, arg);
		} else {
			return setup_fail(EXIT_INVALID, "%s: unknown option %s (see benchfs %s --help)",
					  c->name, arg, c->name);
		}
	}
	return -1;
}

int cli_main(int argc, char **argv)
{
	const struct cli_command *c;
	struct cli_args args;
	int rc;
	if (strcmp(argv[0], "help") == 0) {
		if (argc < 2) {
			commands_help();
			return EXIT_OK;
		}
		if (!(c = command_named(argv[1])))
			return setup_fail(EXIT_INVALID, "help: no command %s", argv[1]);
		command_help(c);
		return EXIT_OK;
	}
	if (!(c = command_named(argv[0])))
		return setup_fail(EXIT_INVALID, "no command %s (see benchfs help)", argv[0]);
	if ((rc = parse_args(&args, c, argc, argv)) >= 0)
		return rc;
	return c->run(&args);
}

/* --host: the views pool the runs of another machine of the fleet, one that
 * has measured into this store. 0, or an exit status after a message. */
static int views_host(struct view_session *s, const char *host)
{
	struct store_done_run *runs = NULL;
	size_t n = 0;
	if (!host[0] || strlen(host) >= sizeof(s->host))
		return setup_fail(EXIT_INVALID, "--host: not a host name: '%s'", host);
	if (store_done_runs(s->store, &runs, &n, host))
		return setup_fail(EXIT_TOOL, "store: %s", store_errmsg(s->store));
	free(runs);
	if (n == 0)
		return setup_fail(EXIT_INVALID,
				  "--host %s: no done runs of that host in the store (cat runners"
				  " lists the fleet's hosts)",
				  host);
	snprintf(s->host, sizeof(s->host), "%s", host);
	return 0;
}

int cli_views_open(struct cli_views *v, const struct cli_args *args)
{
	char path[4096], err[1024];
	bool exists = false;
	int rc;
	memset(v, 0, sizeof(*v));
	if ((rc = setup_open(&v->setup, &args->paths)))
		return rc;
	/* A command that reads never creates a store (a file, or a database's
	 * tables), nor the directory. */
	if (!store_path_db(path, sizeof(path), v->setup.data_dir) &&
	    store_exists(&exists, err, sizeof(err), path))
		return setup_fail(EXIT_TOOL, "%s", err);
	if (!exists)
		return setup_fail(EXIT_INVALID,
				  "no measurements in %s (queue a run first: benchfs run, or a mount's"
				  " queue)",
				  store_path_is_database(path) ? path : v->setup.data_dir);
	if ((rc = setup_data_absolute(&v->setup)))
		return rc;
	if (view_session_open(&v->session, &v->setup.settings, err, sizeof(err)))
		return setup_fail(EXIT_TOOL, "%s", err);
	if (args->host)
		return views_host(v->session, args->host);
	return 0;
}

void cli_views_close(struct cli_views *v)
{
	view_session_free(v->session);
	setup_clear(&v->setup);
}

int cli_write_out(const char *text, size_t len)
{
	if (fwrite(text, 1, len, stdout) != len || fflush(stdout))
		return setup_fail(EXIT_TOOL, "standard output: %s", strerror(errno));
	return 0;
}
