#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/proc_stat.h"

int proc_stat_read(struct proc_stat *out, const char *pid)
{
	char path[64], buf[1024], *p;
	int ppid, pgrp, session;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime cutime cstime ...": comm may hold
	 * anything, ')' too, so the fields start after its last ')'. */
	if (!(p = strrchr(buf, ')')) ||
	    sscanf(p + 1, " %c %d %d %d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu",
		   &out->state, &ppid, &pgrp, &session, &out->utime, &out->stime, &out->cutime,
		   &out->cstime) != 8)
		return -1;
	out->ppid = ppid;
	out->pgrp = pgrp;
	out->session = session;
	return 0;
}
