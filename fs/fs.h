/* The mounted tree: mount, serve and unmount the FUSE file system whose
 * files are the views (fs.c; the file kinds are internal_kinds.h). */
#ifndef BENCHFS_FS_FS_H
#define BENCHFS_FS_FS_H

#include <stdbool.h>
#include <stdint.h>

#include "views/context.h"

struct fs;
struct fuse_args;
struct runner;

/* Create the session (parses -o options in args) and mount it. Returns 0 or
 * -1 with a message in err. */
int fs_mount(struct fs **out, const struct view_settings *opts, struct fuse_args *args,
	     const char *mountpoint, char *err, size_t errsize);
/* Jobs written to /queue wake this runner. */
void fs_set_runner(struct fs *fs, struct runner *runner);
/* Serve requests until unmounted or a signal arrives. Returns 0 or -1. */
int fs_serve(struct fs *fs);
/* The runner's change callback: drop what the kernel caches of a run. */
void fs_run_changed(void *fs, int64_t run_id);
/* Unmount (if still mounted) and free. */
void fs_unmount(struct fs *fs);

#endif
