/* The view context's helpers every view shares. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fs/inode.h"
#include "runner/result.h"
#include "views/context.h"

int view_store_errno(int rc)
{
	return rc == STORE_NOTFOUND ? -ENOENT : -EIO;
}

/* Parse a canonical run directory name ("000042"); -1 when it is not one. */
int64_t view_parse_run_name(const char *name)
{
	char *end;
	char canonical[32];
	long long id;
	if (name[0] < '0' || name[0] > '9')
		return -1;
	errno = 0;
	id = strtoll(name, &end, 10);
	if (errno || *end || id <= 0 || id > INODE_ID_MAX)
		return -1;
	run_dir_name(canonical, sizeof(canonical), id);
	return strcmp(canonical, name) == 0 ? id : -1;
}
