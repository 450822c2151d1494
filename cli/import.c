/* benchfs import: measurements made elsewhere (hyperfine's JSON, a run
 * directory or tree of benchfs run --out) into the store (queue/import.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/datadir.h"
#include "cli/internal.h"
#include "queue/import.h"
#include "repo/revparse.h"
#include "store/paths.h"
#include "util/runid.h"

/* --name CMD=NAME, split at the last '=' (a command may hold one, a name
 * never does). */
static int parse_names(struct import_name *names, char owned[][4096],
		       const struct cli_args *args)
{
	for (size_t i = 0; i < args->nnames; i++) {
		char *eq;
		snprintf(owned[i], 4096, "%s", args->names[i]);
		if (!(eq = strrchr(owned[i], '=')) || eq == owned[i] || !eq[1])
			return setup_fail(EXIT_INVALID, "import: --name %s: give CMD=NAME",
					  args->names[i]);
		*eq = '\0';
		names[i] = (struct import_name){.command = owned[i], .name = eq + 1};
	}
	return 0;
}

static int import_run(const struct cli_args *args)
{
	static char owned[CLI_ARGS_MAX][4096];
	struct import_name names[CLI_ARGS_MAX];
	struct import_result result = {0};
	struct setup s;
	struct datadir_lock lock = {.fd = -1};
	struct store *store = NULL;
	char path[4096], err[1024];
	int rc;
	if (args->nargs != 1)
		return setup_fail(EXIT_INVALID, "import: give one FILE or DIR (see benchfs import --help)");
	if ((rc = parse_names(names, owned, args)))
		return rc;
	/* Everything benchfs creates is no more open than the data directory. */
	umask(0777 & ~DATA_MODE_DEFAULT);
	if ((rc = setup_open(&s, &args->paths)))
		goto out;
	/* The revision first: a bad one is refused before anything is created. */
	if (args->commit) {
		char commit[REPO_HEX_SIZE];
		if (revparse_commit(commit, s.repo, args->commit, err, sizeof(err))) {
			rc = setup_fail(EXIT_INVALID, "import: --commit: %s", err);
			goto out;
		}
	}
	/* A daemon holding the directory is no obstacle: the store takes
	 * writers one at a time and the mount shows the runs at its next look. */
	if ((rc = datadir_prepare(&lock, s.data_dir, DATA_MODE_DEFAULT, false)) ||
	    (rc = setup_data_absolute(&s)))
		goto out;
	store_path_db(path, sizeof(path), s.data_dir);
	if (store_open(&store, path, STORE_SYNC_FULL)) {
		rc = setup_fail(EXIT_TOOL, "store %s: %s", path, store_errmsg(store));
		goto out;
	}
	{
		struct import_options o = {.rev = args->commit,
					   .names = names,
					   .nnames = args->nnames,
					   .config = s.config,
					   .host = args->host};
		if ((rc = import_path(&result, store, s.repo, &o, args->args[0], err, sizeof(err)))) {
			rc = setup_fail(rc == -EIO || rc == -ENOSPC || rc == -ENOMEM ? EXIT_TOOL
										     : EXIT_INVALID,
					"import: %s", rc == -ENOMEM && !*err ? "out of memory" : err);
			goto out;
		}
	}
	for (size_t i = 0; i < result.n; i++) {
		const struct import_run *r = &result.runs[i];
		fprintf(stderr,
			"benchfs: imported %s as run " RUNID_DIR_FMT ": commit %.12s, %zu benchmark%s,"
			" measured on %s\n",
			r->from, (long long)r->id, r->commit, r->nbenchmarks,
			r->nbenchmarks == 1 ? "" : "s", r->host);
		printf(RUNID_DIR_FMT "\t%s\timported\n", (long long)r->id, r->commit);
	}
	if (result.skipped)
		fprintf(stderr, "benchfs: skipped %zu run%s that did not finish done\n",
			result.skipped, result.skipped == 1 ? "" : "s");
	rc = fflush(stdout) ? setup_fail(EXIT_TOOL, "standard output: %s", strerror(errno)) : 0;
out:
	import_result_clear(&result);
	store_free(store);
	if (lock.fd >= 0)
		close(lock.fd);
	setup_clear(&s);
	return rc;
}

const struct cli_command cli_import = {
	.name = "import",
	.summary = "add measurements made elsewhere (hyperfine --export-json, benchfs run --out)",
	.usage = "[options] [--commit REV] [--name CMD=NAME]... [--host NAME] FILE|DIR\n\n"
		 "  FILE    hyperfine's --export-json output (--commit REV required), or a\n"
		 "          benchfs result.json\n"
		 "  DIR     a run directory (runs/<id>/) or a whole tree of benchfs run --out:\n"
		 "          every done run, with its host, commit, iterations and flags\n"
		 "  --commit REV      the commit measured; with benchfs files it must match\n"
		 "  --name CMD=NAME   hyperfine's command CMD is benchmark NAME (else the\n"
		 "                    configured benchmark of that command, else CMD itself\n"
		 "                    when it has no spaces or slashes)\n"
		 "  --host NAME       hyperfine's JSON: the host that measured (default: this one)\n\n"
		 "All or nothing: a malformed or partial file imports nothing (exit 2), and so\n"
		 "does importing the same measurements twice",
	.run = import_run,
};
