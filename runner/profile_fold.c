/* Folding `perf script` output into stacks (profile_fold.h). The rules are
 * stackcollapse-perf's defaults: the command name is the root frame (spaces
 * made underscores), a frame is the symbol without its +0x offset, an
 * unknown symbol is named after its module ("[libc.so.6]"), ';' in a name
 * becomes ':', a C++ argument list is dropped, and every sample counts one. */
#include "runner/profile_fold.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/array.h"
#include "util/strbuf.h"

/* perf script resolving symbols of a large binary takes a while; a hung one
 * is still stopped. */
#define FOLD_TIMEOUT_S 600.0

struct stack_entry {
	char *stack;
	unsigned long long count;
};

struct fold_state {
	struct strbuf line;  /* a line not yet ended */
	struct strbuf comm;  /* the current sample's root frame; empty: none */
	char **frames;       /* leaf first, as perf prints them */
	size_t nframes, frames_alloc;
	bool in_sample;
	/* Distinct stacks: open addressing on a power-of-two table. */
	struct stack_entry *table;
	size_t size, used;
	unsigned long long samples;
	int error;
};

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int table_grow(struct fold_state *f)
{
	size_t size = f->size ? f->size * 2 : 1024;
	struct stack_entry *t = calloc(size, sizeof(*t));

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < f->size; i++) {
		size_t k;

		if (!f->table[i].stack)
			continue;
		for (k = hash_str(f->table[i].stack) & (size - 1); t[k].stack; k = (k + 1) & (size - 1))
			;
		t[k] = f->table[i];
	}
	free(f->table);
	f->table = t;
	f->size = size;
	return 0;
}

/* Count one sample of stack (taken over when new, else freed). */
static int table_add(struct fold_state *f, char *stack)
{
	size_t k;

	if ((f->used + 1) * 2 > f->size && table_grow(f)) {
		free(stack);
		return -ENOMEM;
	}
	for (k = hash_str(stack) & (f->size - 1); f->table[k].stack; k = (k + 1) & (f->size - 1)) {
		if (strcmp(f->table[k].stack, stack) == 0) {
			f->table[k].count++;
			free(stack);
			return 0;
		}
	}
	f->table[k].stack = stack;
	f->table[k].count = 1;
	f->used++;
	return 0;
}

static void frames_clear(struct fold_state *f)
{
	for (size_t i = 0; i < f->nframes; i++)
		free(f->frames[i]);
	f->nframes = 0;
}

/* The sample read so far becomes a stack: root (comm) first. */
static void sample_end(struct fold_state *f)
{
	struct strbuf sb = STRBUF_INIT;
	char *stack;

	if (!f->in_sample)
		return;
	f->in_sample = false;
	strbuf_addstr(&sb, f->comm.buf);
	for (size_t i = f->nframes; i-- > 0;) {
		strbuf_addch(&sb, ';');
		strbuf_addstr(&sb, f->frames[i]);
	}
	frames_clear(f);
	if (!(stack = strbuf_detach(&sb, NULL))) {
		f->error = -ENOMEM;
		return;
	}
	if (table_add(f, stack))
		f->error = -ENOMEM;
	else
		f->samples++;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* An event line: "<comm> <pid>[/<tid>] ... <event>: ...". The command name
 * may hold spaces: it ends before the first blank-separated number (with an
 * optional /tid) that is followed by a blank. */
static bool event_line(struct fold_state *f, const char *line)
{
	for (size_t i = 1; line[i]; i++) {
		size_t j = i, end = i;

		if (!is_space(line[i]) || is_space(line[i - 1]))
			continue;
		while (is_space(line[j]))
			j++;
		if (!is_digit(line[j]))
			continue;
		while (is_digit(line[j]))
			j++;
		if (line[j] == '/') {
			j++;
			while (is_digit(line[j]))
				j++;
		}
		if (!is_space(line[j]))
			continue;
		strbuf_reset(&f->comm);
		for (size_t k = 0; k < end; k++)
			strbuf_addch(&f->comm, line[k] == ' ' || line[k] == ';' ? (line[k] == ' ' ? '_' : ':')
									: line[k]);
		if (strbuf_error(&f->comm)) {
			f->error = -ENOMEM;
			return false;
		}
		return true;
	}
	return false;
}

/* A frame line: "<hex address> <symbol>[+0x<offset>] (<module>)". */
static void frame_line(struct fold_state *f, const char *line)
{
	const char *p = line, *sym, *sym_end, *mod = NULL, *mod_end = NULL, *paren;
	struct strbuf name = STRBUF_INIT;
	char *frame;

	while (is_space(*p))
		p++;
	while (*p && !is_space(*p))
		p++; /* the address */
	while (is_space(*p))
		p++;
	sym = p;
	sym_end = p + strlen(p);
	while (sym_end > sym && (is_space(sym_end[-1]) || sym_end[-1] == '\r'))
		sym_end--;
	/* The module is the last parenthesized word. */
	if (sym_end > sym && sym_end[-1] == ')') {
		for (paren = sym_end - 1; paren > sym && paren[-1] != '('; paren--)
			;
		if (paren > sym + 1 && is_space(paren[-2])) {
			mod = paren;
			mod_end = sym_end - 1;
			sym_end = paren - 2;
		}
	}
	/* "+0x1f": the offset in the symbol. */
	for (const char *q = sym_end; q > sym; q--) {
		if (q[-1] == '+' && q + 1 < sym_end && q[0] == '0' && q[1] == 'x') {
			sym_end = q - 1;
			break;
		}
	}
	if (sym_end - sym == 9 && strncmp(sym, "[unknown]", 9) == 0 && mod &&
	    !(mod_end - mod == 9 && strncmp(mod, "[unknown]", 9) == 0)) {
		const char *base = mod;

		for (const char *q = mod; q < mod_end; q++)
			if (*q == '/')
				base = q + 1;
		strbuf_addf(&name, "[%.*s]", (int)(mod_end - base), base);
	} else {
		/* A C++ argument list goes ("f(int)" -> "f"); a name that starts
		 * with one is kept whole. */
		const char *open = memchr(sym, '(', (size_t)(sym_end - sym));

		if (open && open > sym)
			sym_end = open;
		if (sym_end == sym)
			strbuf_addstr(&name, "[unknown]");
		for (const char *q = sym; q < sym_end; q++)
			strbuf_addch(&name, *q == ';' ? ':' : *q);
	}
	if (!(frame = strbuf_detach(&name, NULL)) ||
	    ALLOC_GROW(f->frames, f->nframes + 1, f->frames_alloc)) {
		free(frame);
		f->error = -ENOMEM;
		return;
	}
	f->frames[f->nframes++] = frame;
}

static void fold_line(struct fold_state *f, const char *line)
{
	if (!*line || (line[0] == '\r' && !line[1])) {
		sample_end(f);
		return;
	}
	if (line[0] == '#')
		return;
	if (!is_space(line[0])) {
		sample_end(f);
		f->in_sample = event_line(f, line);
		return;
	}
	if (f->in_sample)
		frame_line(f, line);
}

int fold_new(struct fold_state **out)
{
	struct fold_state *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	strbuf_init(&f->line, 0);
	strbuf_init(&f->comm, 0);
	*out = f;
	return 0;
}

void fold_feed(struct fold_state *f, const char *buf, size_t len)
{
	while (len > 0 && !f->error) {
		const char *nl = memchr(buf, '\n', len);
		size_t n = nl ? (size_t)(nl - buf) : len;

		if (strbuf_add(&f->line, buf, n)) {
			f->error = -ENOMEM;
			return;
		}
		if (!nl)
			return;
		fold_line(f, f->line.buf);
		strbuf_reset(&f->line);
		buf += n + 1;
		len -= n + 1;
	}
}

static int entry_cmp(const void *a, const void *b)
{
	const struct stack_entry *x = a, *y = b;

	return strcmp(x->stack, y->stack);
}

int fold_result(char **out, size_t *len, unsigned long long *samples, struct fold_state *f)
{
	struct strbuf sb = STRBUF_INIT;
	size_t n = 0;

	if (f->line.len) {
		fold_line(f, f->line.buf);
		strbuf_reset(&f->line);
	}
	sample_end(f);
	if (f->error)
		return f->error;
	/* Packed to the front, then sorted: the same profile folds to the same bytes. */
	for (size_t i = 0; i < f->size; i++)
		if (f->table[i].stack)
			f->table[n++] = f->table[i];
	for (size_t i = n; i < f->size; i++)
		f->table[i] = (struct stack_entry){0};
	if (n)
		qsort(f->table, n, sizeof(*f->table), entry_cmp);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%s %llu\n", f->table[i].stack, f->table[i].count);
	/* Unsorted again is no table: nothing may be added after the result. */
	f->error = -EINVAL;
	if (samples)
		*samples = f->samples;
	if (!(*out = strbuf_detach(&sb, len)))
		return -ENOMEM;
	return 0;
}

void fold_free(struct fold_state *f)
{
	if (!f)
		return;
	frames_clear(f);
	free(f->frames);
	for (size_t i = 0; i < f->size; i++)
		free(f->table[i].stack);
	free(f->table);
	strbuf_release(&f->line);
	strbuf_release(&f->comm);
	free(f);
}

int profile_fold_text(char **out, const char *script)
{
	struct fold_state *f;
	int rc;

	if ((rc = fold_new(&f)))
		return rc;
	fold_feed(f, script, strlen(script));
	rc = fold_result(out, NULL, NULL, f);
	fold_free(f);
	return rc;
}

/* perf from the daemon's PATH, as profile.c finds it. */
static int perf_find(char *out, size_t size)
{
	const char *path = getenv("PATH");

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t len = strcspn(path, ":");
		struct stat st;

		if (len > 0 && (size_t)snprintf(out, size, "%.*s/perf", (int)len, path) < size &&
		    stat(out, &st) == 0 && S_ISREG(st.st_mode) && access(out, X_OK) == 0)
			return 0;
		path += len;
		if (*path == ':')
			path++;
	}
	return -ENOENT;
}

static void fold_output(void *ctx, const char *buf, size_t len)
{
	fold_feed(ctx, buf, len);
}

static int write_file(const char *path, const char *text, size_t len)
{
	char tmp[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path + 1) : 0;
	int fd, rc = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%.*s.%s.tmp", dirlen, path, path + dirlen) >=
	    sizeof(tmp))
		return -ENAMETOOLONG;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
		return -errno;
	while (len > 0 && !rc) {
		ssize_t n = write(fd, text, len);

		if (n < 0 && errno != EINTR)
			rc = -errno;
		else if (n > 0)
			text += n, len -= (size_t)n;
	}
	if (!rc && fsync(fd))
		rc = -errno;
	if (close(fd) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}

int profile_fold(const struct profile_job *job, const char *perf_data, const char *out_path)
{
	char perf[PATH_MAX], step[160], how[128];
	char *argv[] = {perf, "script", "-i", (char *)perf_data, "--no-inline", NULL};
	struct spawn_spec spec;
	struct spawn_result res;
	struct fold_state *f = NULL;
	unsigned long long samples = 0;
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!job || !job->spawner || !job->spec || !job->bench_name || !perf_data || !out_path)
		return -EINVAL;
	snprintf(step, sizeof(step), "%s profile", job->bench_name);
	if ((rc = perf_find(perf, sizeof(perf)))) {
		runlog_printf(job->log, step, "no folded stacks: perf is not installed");
		return rc;
	}
	if ((rc = fold_new(&f)))
		return rc;
	spec = *job->spec;
	spec.argv = argv;
	spec.timeout_s = FOLD_TIMEOUT_S;
	/* perf script's warnings share the pipe: they are no sample lines. */
	spec.on_output = fold_output;
	spec.output_ctx = f;
	spec.cpus = NULL;
	spec.ncpus = 0;
	rc = spawner_measure(job->spawner, &res, &spec);
	if (rc) {
		runlog_printf(job->log, step, "no folded stacks: could not start perf script: %s",
			      strerror(-rc));
		goto done;
	}
	if (res.cancelled) {
		rc = -ECANCELED;
		goto done;
	}
	spawn_result_describe(how, sizeof(how), &res, FOLD_TIMEOUT_S);
	if (res.timed_out || res.exit_code != 0) {
		runlog_printf(job->log, step, "no folded stacks: perf script %s", how);
		rc = res.timed_out ? -ETIMEDOUT : -EIO;
		goto done;
	}
	if ((rc = fold_result(&text, &len, &samples, f)))
		goto done;
	if (samples == 0) {
		runlog_printf(job->log, step, "no folded stacks: perf script printed no sample");
		rc = -EIO;
		goto done;
	}
	if ((rc = write_file(out_path, text, len))) {
		runlog_printf(job->log, step, "no folded stacks: cannot write %s: %s", out_path,
			      strerror(-rc));
		goto done;
	}
	runlog_printf(job->log, step, "%s: %llu samples, %zu bytes of folded stacks",
		      strrchr(out_path, '/') ? strrchr(out_path, '/') + 1 : out_path, samples, len);
done:
	free(text);
	fold_free(f);
	return rc;
}
