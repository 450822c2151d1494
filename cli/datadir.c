#include "cli/datadir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/internal.h"
#include "cli/setup.h"
#include "store/paths.h"
#include "store/store.h"

static int mkdir_p(const char *path)
{
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0777) && errno != EEXIST) /* the umask sets the mode */
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0777) && errno != EEXIST)
		return -errno;
	return 0;
}

int cli_dir_empty(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;
	if (!d)
		return -errno;
	while (empty && (e = readdir(d)))
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	closedir(d);
	return empty;
}

/* The pid a lock holder published, 0 when it wrote none. */
static pid_t lock_holder(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid;
	char *end;
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	return pid > 0 && (*end == '\n' || *end == '\0') ? (pid_t)pid : 0;
}

static int lock_take(struct datadir_lock *lock, const char *dir)
{
	char path[PATH_MAX];
	lock->fd = -1;
	lock->holder = 0;
	if (store_path_lock(path, sizeof(path), dir))
		return setup_fail(EXIT_INVALID, "data directory %s: %s", dir, strerror(ENAMETOOLONG));
	/* The descriptor stays open (and locked) for the life of the process,
	 * across a daemon's fork into the background. */
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return setup_fail(EXIT_INVALID, "data directory %s: %s", dir, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
		/* A previous holder's pid may name another process by now. */
		if (ftruncate(fd, 0)) {
			int rc = setup_fail(EXIT_INVALID, "data directory %s: %s", dir, strerror(errno));
			close(fd);
			return rc;
		}
		lock->fd = fd;
		return 0;
	}
	lock->holder = lock_holder(fd);
	close(fd);
	return 0;
}

int datadir_prepare(struct datadir_lock *lock, const char *dir, mode_t mode, bool mode_given)
{
	char path[PATH_MAX];
	struct store *store = NULL;
	struct stat st;
	int rc;
	lock->fd = -1;
	lock->holder = 0;
	if ((rc = mkdir_p(dir)))
		return setup_fail(EXIT_INVALID, "data directory %s: %s", dir, strerror(-rc));
	if (stat(dir, &st) || !S_ISDIR(st.st_mode))
		return setup_fail(EXIT_INVALID, "data directory %s: not a directory", dir);
	if ((st.st_mode & 0777) != mode && (mode_given || cli_dir_empty(dir) == 1)) {
		if (chmod(dir, mode))
			return setup_fail(EXIT_INVALID,
					  "data directory %s: cannot set its mode to %04o: %s", dir,
					  (unsigned)mode, strerror(errno));
		st.st_mode = (st.st_mode & ~0777u) | mode;
	}
	if ((rc = store_path_logs(path, sizeof(path), dir)) || (rc = mkdir_p(path)))
		return setup_fail(EXIT_INVALID, "data directory %s: %s", path, strerror(-rc));
	if (access(dir, W_OK) || access(path, W_OK))
		return setup_fail(EXIT_INVALID, "data directory %s: %s", dir, strerror(errno));
	if ((rc = lock_take(lock, dir)))
		return rc;
	store_path_db(path, sizeof(path), dir);
	if (store_open(&store, path, STORE_SYNC_FULL)) {
		rc = setup_fail(EXIT_TOOL, "store %s: %s", path, store_errmsg(store));
		store_free(store);
		return rc;
	}
	store_free(store);
	if (st.st_mode & 0077 & ~mode)
		return setup_fail(EXIT_INVALID,
				  "data directory %s is open to other users (mode %04o): chmod %o %s,"
				  " or keep it with --data-mode %o",
				  dir, (unsigned)(st.st_mode & 0777), (unsigned)mode, dir,
				  (unsigned)(st.st_mode & 0777));
	return 0;
}

void datadir_lock_publish(const struct datadir_lock *lock)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (lock->fd < 0)
		return;
	/* Best effort: without it a benchfs run waits for the daemon's own poll. */
	if (ftruncate(lock->fd, 0) == 0 && pwrite(lock->fd, buf, (size_t)n, 0) != n)
		(void)!ftruncate(lock->fd, 0);
}
