/* Private to cli/: the parsed arguments every command shares, and the views
 * a command reads. */
#ifndef BENCHFS_CLI_INTERNAL_H
#define BENCHFS_CLI_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cli/setup.h"
#include "views/compare.h"
#include "views/sides.h"
#include "views/session.h"

#define CLI_ARGS_MAX 16

struct cli_args {
	struct setup_options paths;
	const char *format;   /* --format; NULL: the command's default */
	const char *baseline; /* --baseline (check) */
	const char *out;      /* --out (run) */
	const char *commit;   /* --commit (import) */
	const char *host;     /* --host (import) */
	const char *job;      /* --job ID (run) */
	const char *names[CLI_ARGS_MAX]; /* --name CMD=NAME (import), as given */
	size_t nnames;
	const char *args[CLI_ARGS_MAX];
	size_t nargs;
};

/* A command: its name, what it does in one line, its usage and its body. */
struct cli_command {
	const char *name, *summary, *usage;
	int (*run)(const struct cli_args *args);
};

extern const struct cli_command cli_run, cli_compare, cli_regressions, cli_history, cli_check,
	cli_export, cli_import;
extern const struct cli_command cli_audit; /* audit.c */
extern const struct cli_command cli_cancel; /* cancel.c */

/* The views of the store and repository args name, for reading: the data
 * directory must hold a store already (commands that read never create one).
 * 0, or an exit status after a message; cli_views_close frees what opened. */
struct cli_views {
	struct setup setup;
	struct view_session *session;
};
int cli_views_open(struct cli_views *out, const struct cli_args *args);
void cli_views_close(struct cli_views *v);

/* The sides of a comparison from the arguments "A B" or "A..B" (split as
 * the mount splits compare/<A>..<B>); *a and *b point into args or *owned,
 * which the caller frees. 0, or an exit status after a message. */
int cli_compare_sides(const char **a, const char **b, char **owned, const char *cmd,
		      const struct cli_args *args);
/* The text of compare/<a>..<b> in format (views/compare.h), *text malloc'd:
 * 0, or an exit status after a message. */
int cli_compare_text(char **text, struct cli_views *v, const char *cmd, const char *a,
		     const char *b, enum compare_format format);
/* benchfs compare REV/<param>=<x>..<param>=<y> (compare_variants.c): 1 when
 * the arguments are not of that shape, else 0 or an exit status after a
 * message. */
int cli_compare_variants(const struct cli_args *args, enum compare_format format);

/* Why a resolved side has no finished run to show: its newest run failed
 * (a tool's failure, status 4), or it is not done yet or was never measured
 * (status 2); the exit status after a message, or -1 when it has one. */
int cli_side_unfinished(struct cli_views *v, const char *cmd, const char *name,
			const struct side_ref *ref);

/* Write the tree the mount shows for ctx's store into dir (new or empty) as
 * ordinary files and symlinks: 0, or an exit status after a message. */
int cli_out_tree(const struct view_ctx *ctx, const char *dir);
/* 1 when dir holds nothing, 0 when it holds something, -errno when it
 * cannot be read (-ENOENT: there is none). */
int cli_dir_empty(const char *dir);
/* Whether dir can take the tree (absent or empty): 0, or an exit status
 * after a message; checked before anything is measured. */
int cli_out_usable(const char *dir);

/* A job's id as given (runs/ name "000042", "42" or "run-42"): 0, or
 * -EINVAL (cancel.c). */
int cli_job_id(int64_t *id, const char *text);

/* Write len bytes of text to standard output: 0, or EXIT_TOOL after a message. */
int cli_write_out(const char *text, size_t len);

#endif
