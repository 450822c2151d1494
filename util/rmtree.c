/* Removing a directory tree (rmtree.h). */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <unistd.h>

#include "util/rmtree.h"

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if ((type == FTW_DP ? rmdir(path) : unlink(path)) && errno != ENOENT)
		return -errno;
	return 0;
}

int rmtree(const char *path)
{
	int result = nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
	if (result == -1)
		return errno == ENOENT ? 0 : -errno;
	return result;
}
