/* The lines of commits a bisection walks (service/bisect.h): a commit's
 * parents, the first-parent commits between two commits, and the commits a
 * merge brought in. Each line is a malloc'd array of full hex hashes, oldest
 * first, whose first entry is the known good end and whose last the known
 * bad end, so a bisection narrows any of them the same way. */
#ifndef BENCHFS_REPO_PARENTS_H
#define BENCHFS_REPO_PARENTS_H

#include <stddef.h>

#include "repo/repo.h"

typedef char repo_hex[REPO_HEX_SIZE];

/* The parents of commit, in order (0 for a root, 2 or more for a merge):
 * 0, -ENOENT when commit is none of the repository's, -ENOMEM. */
int repo_parents(repo_hex **out, size_t *n, struct repo *r, const char *commit);

/* good, then the commits of bad's first-parent line after good, up to bad:
 * [good, ..., bad]. -ENOENT when good is not on bad's first-parent line
 * within limit commits (or either is no commit), -ENOMEM. */
int repo_first_parent_line(repo_hex **out, size_t *n, struct repo *r, const char *good,
			   const char *bad, size_t limit);

/* What merge (a commit with two parents or more) brought in, as git bisect
 * descends into it: [first parent, the second parent's first-parent line
 * back to where it leaves the first parent's history (oldest first), merge].
 * A commit of the merged branch that the first parent has is not in it.
 * -EINVAL when merge is no merge, -ENOENT, -EIO, -ENOMEM. */
int repo_merged_line(repo_hex **out, size_t *n, struct repo *r, const char *merge, size_t limit);

#endif
