#ifndef BENCHFS_RUNNER_RMTREE_H
#define BENCHFS_RUNNER_RMTREE_H

/* Remove a directory tree without following symlinks; a missing path is fine.
 * Returns 0 or -errno. */
int rmtree(const char *path);

#endif
