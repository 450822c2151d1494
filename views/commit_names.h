/* The name a listing or a plot shows for a commit: a tag on it when the tag
 * works as a compare name, else its short hash.
 *
 * A tag (annotated or lightweight, peeled to the commit) is used when its
 * name, written in a compare name, means exactly that commit through
 * side_resolve (sides.h), and will keep meaning it while the tag stays: so
 * never a name with '/' or "..", "latest", a run name ("run-<digits>", all
 * digits), a pinned baseline's name, a name over COMMIT_NAME_MAX bytes, or one
 * that resolves to another commit or to nothing. With several usable tags on
 * one commit the first wins in this order: annotated before lightweight, then
 * the newest tagger date, then the name in byte order.
 * The short hash is git's shortest unique abbreviation (at least 7 digits),
 * lengthened while it is all digits (it would read as a run id). */
#ifndef BENCHFS_VIEWS_COMMIT_NAMES_H
#define BENCHFS_VIEWS_COMMIT_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "views/context.h"

/* Longest tag name used: two of them, "..", ".json" fit one file name (255). */
#define COMMIT_NAME_MAX 120
#define COMMIT_NAME_SIZE (COMMIT_NAME_MAX + 1)

/* The repository's tags, indexed by commit, and the pinned baselines: read
 * once (one pass over refs/tags) for a whole listing or plot. */
struct commit_names;

/* Load them; -ENOMEM or -EIO (the store failed). Tags repo/ cannot read are
 * left out: their commits are named by hash. */
int commit_names_load(struct commit_names **out, const struct view_ctx *ctx);
void commit_names_free(struct commit_names *names);

/* The display name of commit (a full hex hash) into out (size at least
 * COMMIT_NAME_SIZE). -ENOENT when the repository has no such commit. */
int commit_names_get(char *out, size_t size, struct commit_names *names, const char *commit);

/* A number that changes when a tag may have been added, moved or deleted
 * (the state of packed-refs and of refs/tags/ in the git directory), for the
 * keys of files that show these names. Cheap: two stat calls. */
uint64_t commit_names_stamp(const struct view_ctx *ctx);

#endif
