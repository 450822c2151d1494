/* compare/pr-<n>.md and .json, and compare/<remote>:<branch>.md and .json
 * (':' for each '/' of the branch): the newest interleaved A/B job the queue
 * made of "pr/<n>" or "<remote>/<branch>" (queue/pull.h), rendered as
 * compare/<A's run>..<B's run> renders it, with a line naming the request,
 * its head and the merge base it was measured against. */
#ifndef BENCHFS_VIEWS_COMPARE_PULL_H
#define BENCHFS_VIEWS_COMPARE_PULL_H

#include "views/compare.h"
#include "views/context.h"
#include "views/sides.h"

/* "pr-7.md" gives the queue line "pr/7" (malloc'd) and the format; 0, or
 * -ENOENT when name is no such file name, -ENOMEM. */
int compare_pull_parse_name(char **line, enum compare_format *format, const char *name);

/* The newest A/B job of line: its two runs (run_id and commit set) into *a
 * and *b. -ENOENT when there is none, or when it has not finished (done) on
 * both sides, -EIO when the store fails. */
int compare_pull_find(struct side_ref *a, struct side_ref *b, const struct view_ctx *ctx,
		      const char *line);

/* Render that job (a and b as compare_pull_find gave them). *text is
 * malloc'd; -ENOENT as compare_render. */
int compare_pull_render(char **text, const struct view_ctx *ctx, const char *line,
			const struct side_ref *a, const struct side_ref *b,
			enum compare_format format);

#endif
