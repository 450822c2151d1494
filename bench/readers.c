/* bench/readers: latency of small reads while many readers share a file
 * system, some of them slow (listing a big directory).
 *
 *   readers [-p READERS] [-n COUNT] [-H HEAVY -l DIR] FILE...
 *
 * Starts READERS processes (default 100) at once; each opens, reads to the
 * end and closes COUNT (default 50) of the FILEs, timing each cycle: reader
 * k reads FILEs k*COUNT, k*COUNT+1, ... (wrapping around), so with as many
 * FILEs as reads no file is read twice. HEAVY more processes list DIR the way `ls -l` does (opendir, readdir,
 * lstat of every entry) over and over until the readers are done. Prints
 * one line of milliseconds:
 *   reads=5000 p50_ms=0.21 p99_ms=3.4 max_ms=12.0 lists=37 list_max_ms=410.2
 * Exit status 1 when a read or a listing failed (counted in errors=). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct shared {
	volatile int go, stop;
	volatile long errors, lists;
	volatile double list_max_ms;
	double ms[]; /* READERS * COUNT cycle times */
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int read_all(const char *path)
{
	char buf[1 << 14];
	ssize_t got;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((got = read(fd, buf, sizeof(buf))) > 0)
		;
	close(fd);
	return got < 0 ? -1 : 0;
}

static int list_dir(const char *dir)
{
	char path[4096];
	struct dirent *e;
	struct stat st;
	DIR *d = opendir(dir);
	int rc = 0;
	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) < (int)sizeof(path) &&
		    lstat(path, &st))
			rc = -1;
	closedir(d);
	return rc;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void wait_go(struct shared *sh)
{
	while (!sh->go)
		usleep(1000);
}

int main(int argc, char **argv)
{
	long readers = 100, count = 50, heavy = 0;
	const char *dir = NULL;
	struct shared *sh;
	size_t total, bytes;
	pid_t *kids;
	int opt;
	while ((opt = getopt(argc, argv, "p:n:H:l:")) != -1) {
		switch (opt) {
		case 'p': readers = atol(optarg); break;
		case 'n': count = atol(optarg); break;
		case 'H': heavy = atol(optarg); break;
		case 'l': dir = optarg; break;
		default: goto usage;
		}
	}
	if (optind >= argc || readers < 1 || count < 1 || heavy < 0 || (heavy && !dir))
		goto usage;
	total = (size_t)readers * (size_t)count;
	bytes = sizeof(*sh) + total * sizeof(double);
	sh = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	kids = calloc((size_t)(readers + heavy), sizeof(*kids));
	if (sh == MAP_FAILED || !kids) {
		perror("readers");
		return 2;
	}
	for (long k = 0; k < readers + heavy; k++) {
		pid_t pid = fork();
		if (pid < 0) {
			perror("fork");
			return 2;
		}
		if (pid > 0) {
			kids[k] = pid;
			continue;
		}
		wait_go(sh);
		if (k >= readers) {
			while (!sh->stop) {
				double t0 = now_ms(), t;
				if (list_dir(dir))
					__atomic_add_fetch(&sh->errors, 1, __ATOMIC_RELAXED);
				t = now_ms() - t0;
				__atomic_add_fetch(&sh->lists, 1, __ATOMIC_RELAXED);
				/* A racy maximum is good enough for a report line. */
				if (t > sh->list_max_ms)
					sh->list_max_ms = t;
			}
			_exit(0);
		}
		for (long i = 0; i < count; i++) {
			const char *path = argv[optind + (k * count + i) % (argc - optind)];
			double t0 = now_ms();
			if (read_all(path))
				__atomic_add_fetch(&sh->errors, 1, __ATOMIC_RELAXED);
			sh->ms[k * count + i] = now_ms() - t0;
		}
		_exit(0);
	}
	sh->go = 1;
	for (long k = 0; k < readers; k++)
		waitpid(kids[k], NULL, 0);
	sh->stop = 1;
	for (long k = readers; k < readers + heavy; k++)
		waitpid(kids[k], NULL, 0);
	qsort(sh->ms, total, sizeof(double), cmp_double);
	printf("reads=%zu p50_ms=%.3f p99_ms=%.3f max_ms=%.3f lists=%ld list_max_ms=%.1f "
	       "errors=%ld\n",
	       total, sh->ms[total / 2], sh->ms[(size_t)((double)total * 0.99)], sh->ms[total - 1],
	       sh->lists, sh->list_max_ms, sh->errors);
	return sh->errors ? 1 : 0;
usage:
	fprintf(stderr, "usage: readers [-p READERS] [-n COUNT] [-H HEAVY -l DIR] FILE...\n");
	return 2;
}
