/* The view context's helpers every view shares. */
#include <errno.h>

#include "util/runid.h"
#include "views/context.h"

int64_t view_parse_run_name(const char *name)
{
	int64_t id;
	return runid_parse_dir(&id, name) ? -1 : id;
}
