/* One process's /proc/<pid>/stat, the fields benchfs uses. */
#ifndef BENCHFS_UTIL_PROC_STAT_H
#define BENCHFS_UTIL_PROC_STAT_H

#include <sys/types.h>

struct proc_stat {
	char state; /* 'R', 'S', 'Z', ... */
	pid_t ppid, pgrp, session;
	/* Clock ticks: its own user and system time, and its reaped children's. */
	unsigned long long utime, stime, cutime, cstime;
};

/* Read /proc/<pid>/stat (pid as the directory's name): 0, or -1 when the
 * process is gone or the file does not read. */
int proc_stat_read(struct proc_stat *out, const char *pid);

#endif
