#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runner/runlog.h"
#include "util/clock.h"
#include "util/strbuf.h"
#include "util/write_all.h"

/* A longer output line is split: the log stays line-oriented and bounded. */
#define PARTIAL_MAX 8192
/* A run's log is capped: a benchmark that prints without end must not fill
 * the disk. The first half of the cap is written as it comes; past it the
 * lines go to a ring of the other half in memory, written after a line
 * saying what was dropped when the log is closed (the end of a log says
 * how the run ended). */
#define LOG_MAX (16 << 20)
/* For tests only: the cap in bytes, read when a log is opened. */
#define LOG_MAX_ENV "BENCHFS_TEST_LOG_MAX"

struct runlog {
	int fd;
	char step[160];
	char partial[PARTIAL_MAX];
	size_t partial_len;
	int64_t written, head_max; /* bytes in the file; what it takes before the ring */
	char *ring;                /* the last lines past head_max; NULL until then */
	size_t ring_size;
	int64_t ring_in, ring_lines; /* bytes and lines that went to the ring */
};

void runlog_timestamp(char *buf, size_t size)
{
	int64_t now = now_real_ns();
	time_t sec = (time_t)(now / NS_PER_S);
	struct tm tm;
	gmtime_r(&sec, &tm);
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(now % NS_PER_S / NS_PER_MS));
}

static void ring_add(struct runlog *log, const char *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		size_t at = (size_t)(log->ring_in % (int64_t)log->ring_size);
		size_t n = len - done < log->ring_size - at ? len - done : log->ring_size - at;
		memcpy(log->ring + at, buf + done, n);
		done += n;
		log->ring_in += (int64_t)n;
	}
	log->ring_lines++;
}

/* Past the head: the marker once, then the ring. The check is per line
 * written, never per iteration measured. */
static void write_capped(struct runlog *log, const char *buf, size_t len)
{
	if (!log->ring) {
		char note[256], stamp[40];
		if (!(log->ring = malloc((size_t)log->head_max)))
			return; /* out of memory: the line is lost, not the run */
		log->ring_size = (size_t)log->head_max;
		runlog_timestamp(stamp, sizeof(stamp));
		snprintf(note, sizeof(note),
			 "%s [benchfs] debug.log reached %lld bytes: from here only the last %lld"
			 " bytes are kept, written when the run ends\n",
			 stamp, (long long)log->head_max, (long long)log->head_max);
		write_all(log->fd, note, strlen(note));
	}
	ring_add(log, buf, len);
}

/* The ring's complete lines, after a line saying what was dropped. */
static void flush_ring(struct runlog *log)
{
	size_t size = log->ring_size, start = 0, len;
	int64_t kept_lines = 0;
	char note[256], stamp[40];
	const char *text;
	char *linear;
	if (!log->ring)
		return;
	len = log->ring_in < (int64_t)size ? (size_t)log->ring_in : size;
	if (!(linear = malloc(len + 1)))
		return;
	/* Oldest byte first; a wrapped ring starts inside a line, which goes. */
	if (log->ring_in > (int64_t)size) {
		size_t at = (size_t)(log->ring_in % (int64_t)size);
		memcpy(linear, log->ring + at, size - at);
		memcpy(linear + size - at, log->ring, at);
		text = memchr(linear, '\n', len);
		start = text ? (size_t)(text - linear) + 1 : len;
	} else {
		memcpy(linear, log->ring, len);
	}
	for (size_t i = start; i < len; i++)
		kept_lines += linear[i] == '\n';
	runlog_timestamp(stamp, sizeof(stamp));
	snprintf(note, sizeof(note),
		 "%s [benchfs] ... %lld bytes in %lld lines dropped here (debug.log keeps its first"
		 " and last %lld bytes) ...\n",
		 stamp, (long long)(log->ring_in - (int64_t)(len - start)),
		 (long long)(log->ring_lines - kept_lines), (long long)log->head_max);
	write_all(log->fd, note, strlen(note));
	write_all(log->fd, linear + start, len - start);
	free(linear);
	free(log->ring);
	log->ring = NULL;
}

/* One log line, written with a single write() so readers never see half a prefix. */
static void write_line(struct runlog *log, const char *step, const char *text, size_t len)
{
	struct strbuf line = STRBUF_INIT;
	char stamp[40];
	runlog_timestamp(stamp, sizeof(stamp));
	strbuf_grow(&line, strlen(stamp) + strlen(step) + len + 8);
	strbuf_addf(&line, "%s [%s] ", stamp, step);
	strbuf_add(&line, text, len);
	strbuf_addch(&line, '\n');
	/* Out of memory: the line is lost, not the run. A failed write (a full
	 * disk) is not checked, here or below, for the same reason: the store
	 * keeps the results. */
	if (!strbuf_error(&line) && !log->ring &&
	    log->written + (int64_t)line.len <= log->head_max) {
		write_all(log->fd, line.buf, line.len);
		log->written += (int64_t)line.len;
	} else if (!strbuf_error(&line)) {
		write_capped(log, line.buf, line.len);
	}
	strbuf_release(&line);
}

/* The log's directory, not following a symlink planted as its last
 * component: a descriptor, or -errno. *base is the log's name in it. */
static int open_parent(const char *path, const char **base)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	int fd;

	*base = slash ? slash + 1 : path;
	if (!slash)
		dir = strdup(".");
	else if (slash == path)
		dir = strdup("/");
	else
		dir = strndup(path, (size_t)(slash - path));
	if (!dir)
		return -ENOMEM;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	free(dir);
	return fd < 0 ? -errno : fd;
}

int runlog_open(struct runlog **out, const char *path)
{
	struct runlog *log;
	const char *base;
	struct stat st;
	int dirfd, fd, err;

	/* Only benchfs writes into its data directory, so anything else than a
	 * regular file at a log's name (a symlink pointing out of it, a FIFO
	 * that would block the runner) was planted: refuse to write through it.
	 * O_NONBLOCK keeps a FIFO from blocking the open itself. */
	dirfd = open_parent(path, &base);
	if (dirfd < 0)
		return dirfd;
	fd = openat(dirfd, base, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) /* a new log: ours alone, never an existing file */
		fd = openat(dirfd, base,
			    O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
			    0600);
	/* ENXIO: a FIFO without a reader, or a device: not a log either */
	err = fd < 0 ? (errno == ENXIO ? -EINVAL : -errno) : 0;
	close(dirfd);
	if (err)
		return err;
	/* A second name (a hard link) would let the log be written elsewhere too. */
	if (fstat(fd, &st))
		err = -errno;
	else if (!S_ISREG(st.st_mode))
		err = -EINVAL;
	else if (st.st_nlink != 1)
		err = -EMLINK;
	else if (fcntl(fd, F_SETFL, O_APPEND) < 0)
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	if (!(log = calloc(1, sizeof(*log)))) {
		close(fd);
		return -ENOMEM;
	}
	log->fd = fd;
	/* A run started again after a crash appends to its log: that counts. */
	log->written = st.st_size;
	log->head_max = LOG_MAX / 2;
	if (getenv(LOG_MAX_ENV) && atoll(getenv(LOG_MAX_ENV)) >= 2)
		log->head_max = atoll(getenv(LOG_MAX_ENV)) / 2;
	snprintf(log->step, sizeof(log->step), "benchfs");
	*out = log;
	return 0;
}

void runlog_printf(struct runlog *log, const char *step, const char *fmt, ...)
{
	struct strbuf text = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	strbuf_vaddf(&text, fmt, ap);
	va_end(ap);
	/* A multi-line message keeps one prefix per line. */
	for (const char *line = text.buf, *nl; !strbuf_error(&text) && line;
	     line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl || *line)
			write_line(log, step, line, nl ? (size_t)(nl - line) : strlen(line));
	}
	strbuf_release(&text);
}

static void flush_partial(struct runlog *log)
{
	if (log->partial_len > 0)
		write_line(log, log->step, log->partial, log->partial_len);
	log->partial_len = 0;
}

void runlog_set_step(struct runlog *log, const char *step)
{
	flush_partial(log);
	snprintf(log->step, sizeof(log->step), "%s", step);
}

void runlog_output(void *ctx, const char *buf, size_t len)
{
	struct runlog *log = ctx;
	while (len > 0) {
		const char *nl = memchr(buf, '\n', len);
		size_t take = nl ? (size_t)(nl - buf) : len;
		if (take > PARTIAL_MAX - log->partial_len)
			take = PARTIAL_MAX - log->partial_len;
		memcpy(log->partial + log->partial_len, buf, take);
		log->partial_len += take;
		buf += take;
		len -= take;
		if (len > 0 && *buf == '\n') {
			buf++;
			len--;
			write_line(log, log->step, log->partial, log->partial_len);
			log->partial_len = 0;
		} else if (log->partial_len == PARTIAL_MAX) {
			flush_partial(log);
		}
	}
}

int64_t runlog_pending(const struct runlog *log)
{
	int64_t n = 0;
	/* A partial line with its timestamp and step. */
	if (log->partial_len)
		n += (int64_t)log->partial_len + (int64_t)sizeof(log->step) + 64;
	if (log->ring)
		n += log->ring_in < (int64_t)log->ring_size ? log->ring_in : (int64_t)log->ring_size;
	/* The notes of the cap (each under 256 bytes): that partial line may start the ring. */
	if (log->ring || log->partial_len)
		n += 512;
	return n;
}

void runlog_free(struct runlog *log)
{
	if (!log)
		return;
	flush_partial(log);
	flush_ring(log);
	close(log->fd);
	free(log);
}
