/* Removing a directory tree: a file primitive below every layer (repo/
 * empties its checkout with it, runner/ its scratch directories). */
#ifndef BENCHFS_UTIL_RMTREE_H
#define BENCHFS_UTIL_RMTREE_H

/* Remove a directory tree without following symlinks or crossing into
 * another file system; a missing path is fine. Returns 0 or -errno. */
int rmtree(const char *path);

#endif
