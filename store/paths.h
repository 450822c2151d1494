/* The data directory's layout: where the store, the run logs, the runs'
 * extra files and the scratch space live under --data. Every front end and
 * the runner find them here, so a layout change has one place to happen. */
#ifndef BENCHFS_STORE_PATHS_H
#define BENCHFS_STORE_PATHS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Each writes into buf (terminated; cut at size) and returns 0, or
 * -ENAMETOOLONG when the path did not fit. */

/* Where the store is: the environment's BENCHFS_STORE when set (a
 * postgresql:// URI shared by a fleet; --store sets it), else the SQLite
 * file in the data directory. */
int store_path_db(char *buf, size_t size, const char *data_dir);
/* The location names a database server (PostgreSQL), not a file. */
bool store_path_is_database(const char *location);
/* The lock a daemon holds for as long as it serves the directory. */
int store_path_lock(char *buf, size_t size, const char *data_dir);
/* The folder of the runs' debug logs, and one run's log. */
int store_path_logs(char *buf, size_t size, const char *data_dir);
int store_path_log(char *buf, size_t size, const char *data_dir, int64_t run_id);
/* The folder of the runs' extra files, and one run's (perf.data): every
 * complete file in it is shown in runs/<id>/; files are written under a
 * hidden name and renamed. */
int store_path_artifacts_root(char *buf, size_t size, const char *data_dir);
int store_path_artifacts(char *buf, size_t size, const char *data_dir, int64_t run_id);
/* The copies of other machines' runs' files, taken from a shared store
 * (views/run_files.c), and one run's. */
int store_path_copies_root(char *buf, size_t size, const char *data_dir);
int store_path_copies(char *buf, size_t size, const char *data_dir, int64_t run_id);
/* Scratch space of the profilers. */
int store_path_tmp(char *buf, size_t size, const char *data_dir);
/* A checkout's directory ("work", "work-a", "work-b"). */
int store_path_workdir(char *buf, size_t size, const char *data_dir, const char *name);

#endif
