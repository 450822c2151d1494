/* Importing measurements made elsewhere, for every front end (benchfs
 * import, a file written into the mount's import/): hyperfine's JSON export
 * (--export-json), a benchfs result.json, one run directory of a `benchfs run
 * --out` tree (runs/<id>/ with result.json, config.json, system.json) or a
 * whole such tree. Each becomes done runs in the store, as the runner records
 * them (iterations, per-benchmark sums and metrics, result.json,
 * system.json of the host that measured, marked as imported), so history,
 * compare and regressions take them as any other run of their host.
 *
 * All or none: a file that is malformed, truncated or partial (a missing
 * field, a wrong type, a negative or non-finite number, arrays of different
 * lengths, a result.json whose benchmarks or commit do not match its
 * config.json) is refused whole, and nothing is written. Importing the same
 * measurements twice is refused (-EEXIST): an import is identified by the
 * commit, the measuring host and run, and a hash of the result's text.
 *
 * How a hyperfine result is named: by --name CMD=NAME when given, else by the
 * configured benchmark whose command reads the same, else by hyperfine's
 * "command" itself when it is a valid benchmark name (hyperfine's
 * --command-name sets it); any other command is refused, naming --name.
 * hyperfine records each iteration's wall time but only the mean user and
 * system time: every imported iteration gets those means. Exit codes and
 * memory are kept when present (an exit code of null, hyperfine's "killed
 * by a signal", is kept as -1).
 * No printing: the front end reports what was imported or why not. */
#ifndef BENCHFS_QUEUE_IMPORT_H
#define BENCHFS_QUEUE_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "repo/repo.h"
#include "store/store.h"

/* The largest file an import reads. */
#define IMPORT_FILE_MAX (64 << 20)

/* --name CMD=NAME: hyperfine's command CMD becomes benchmark NAME. */
struct import_name {
	const char *command, *name;
};

struct import_options {
	/* The commit measured, as the user wrote it (resolved by repo/ before
	 * anything is read). Required for hyperfine's JSON; for benchfs's
	 * files optional, and when given the files' commit must be its. */
	const char *rev;
	const struct import_name *names;
	size_t nnames;
	/* The configured benchmarks, whose commands name hyperfine's results;
	 * may be NULL. */
	const struct config *config;
	/* hyperfine's JSON: the name of the host that measured; NULL: this
	 * machine, described as the runner describes it. */
	const char *host;
	/* What the user named (a path, import/<rev>.json), for messages and
	 * system.json's "imported"."source". */
	const char *source;
};

struct import_run {
	int64_t id;                      /* the new run */
	char commit[STORE_HASH_LEN + 1];
	char *host;                      /* the host that measured */
	char *from;                      /* "hyperfine", or the run it was ("run 000003") */
	size_t nbenchmarks;
};

struct import_result {
	struct import_run *runs; /* in the order imported */
	size_t n;
	/* An --out tree's runs that are not done (failed, or never finished):
	 * not imported, and not an error. */
	size_t skipped;
};

/* Import the text of one file (hyperfine's JSON or a benchfs result.json,
 * told apart by benchfs's "benchfs" object). 0 with *out filled (free with
 * import_result_clear), or a negative errno with a one-line message in err,
 * and nothing written:
 *   -EINVAL  a bad revision, a malformed or partial file, a name that cannot
 *            be a benchmark's
 *   -EEXIST  these measurements were imported already (err names the run)
 *   -ENOSPC, -EIO  the store failed (it logged why); -ENOMEM */
int import_text(struct import_result *out, struct store *store, struct repo *repo,
		const struct import_options *opts, const char *text, size_t len, char *err,
		size_t errsize);
/* Import path: a file as import_text, a run directory, or a `benchfs run
 * --out` tree (every done run of its runs/, in one transaction). Also
 * -ENOENT and the like when path cannot be read (as -EINVAL: the user named
 * it). */
int import_path(struct import_result *out, struct store *store, struct repo *repo,
		const struct import_options *opts, const char *path, char *err, size_t errsize);
void import_result_clear(struct import_result *result);

#endif
