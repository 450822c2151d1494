#include "store/paths.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/runid.h"

static int path_printf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int path_printf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;
	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int store_path_db(char *buf, size_t size, const char *data_dir)
{
	const char *shared = getenv("BENCHFS_STORE");
	if (shared && *shared)
		return path_printf(buf, size, "%s", shared);
	return path_printf(buf, size, "%s/benchfs.db", data_dir);
}

bool store_path_is_database(const char *location)
{
	return !strncmp(location, "postgresql://", 13) || !strncmp(location, "postgres://", 11);
}

int store_path_lock(char *buf, size_t size, const char *data_dir)
{
	return path_printf(buf, size, "%s/lock", data_dir);
}

int store_path_logs(char *buf, size_t size, const char *data_dir)
{
	return path_printf(buf, size, "%s/logs", data_dir);
}

int store_path_log(char *buf, size_t size, const char *data_dir, int64_t run_id)
{
	return path_printf(buf, size, "%s/logs/" RUNID_DIR_FMT ".log", data_dir,
			   (long long)run_id);
}

int store_path_artifacts_root(char *buf, size_t size, const char *data_dir)
{
	return path_printf(buf, size, "%s/artifacts", data_dir);
}

int store_path_artifacts(char *buf, size_t size, const char *data_dir, int64_t run_id)
{
	return path_printf(buf, size, "%s/artifacts/" RUNID_DIR_FMT, data_dir,
			   (long long)run_id);
}

int store_path_copies_root(char *buf, size_t size, const char *data_dir)
{
	return path_printf(buf, size, "%s/store-files", data_dir);
}

int store_path_copies(char *buf, size_t size, const char *data_dir, int64_t run_id)
{
	return path_printf(buf, size, "%s/store-files/" RUNID_DIR_FMT, data_dir, (long long)run_id);
}

int store_path_tmp(char *buf, size_t size, const char *data_dir)
{
	return path_printf(buf, size, "%s/tmp", data_dir);
}

int store_path_workdir(char *buf, size_t size, const char *data_dir, const char *name)
{
	return path_printf(buf, size, "%s/%s", data_dir, name);
}
