/* benchfs-launcher: starts benchfs-spawner's commands from a tiny address
 * space, so that their max RSS is their own.
 *
 * Linux folds the RSS high-water mark of the address space a process execs
 * out of into its ru_maxrss (exec_mmap: setmax_mm_hiwater_rss on the old
 * mm). A posix_spawn child execs out of its parent's (CLONE_VM), a fork
 * child out of a copy whose mark is the parent's resident set at the fork.
 * So whatever starts a benchmark puts a floor under its memory figure:
 * benchfs-spawner's 0.7 MiB statically linked, several MiB under the
 * sanitizers, where it also grows. This program has no libc (raw system
 * calls, its own _start) and no heap: its resident set is a few pages (20
 * KiB). It clones the command with CLONE_VM | CLONE_VFORK (as posix_spawn
 * does) and CLONE_PARENT, so the command is benchfs-spawner's child: the
 * spawner reaps it with wait4 and times it as it times a command it spawned
 * itself, from the clock reading taken here just before the clone.
 *
 * Started by spawn_launcher_start with its socket as LAUNCHER_FD, an empty
 * signal mask and default dispositions, which the commands inherit. It
 * serves one request at a time (internal_launcher.h) and exits when the
 * spawner's end closes. x86-64 only (the system call and clone stubs);
 * elsewhere the spawner spawns its commands itself. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/syscall.h>
#include <time.h>

#include "spawner/internal_launcher.h"

#ifndef __x86_64__
#error "benchfs-launcher: x86-64 only"
#endif

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

#define SYS3(n, a, b, c) sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

/* clone(flags, stack 0): the child runs on this stack until it execs, as a
 * vfork child, so the return address is kept in a register across the
 * system call (glibc's vfork.S does the same). */
__attribute__((returns_twice)) long launcher_clone(long flags);
__asm__(".text\n"
	".globl launcher_clone\n"
	".type launcher_clone, @function\n"
	"launcher_clone:\n"
	"	pop %r9\n"
	"	mov $" "56" ", %eax\n" /* SYS_clone */
	"	xor %esi, %esi\n"
	"	xor %edx, %edx\n"
	"	xor %r10d, %r10d\n"
	"	xor %r8d, %r8d\n"
	"	syscall\n"
	"	push %r9\n"
	"	ret\n");
_Static_assert(SYS_clone == 56, "the clone stub's system call number");

__attribute__((noreturn)) void launcher_main(long *sp);
__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call launcher_main\n"
	"	hlt\n");

/* The compiler may emit calls to these for copies and zeroing. */
void *memset(void *d, int c, size_t n);
void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;

	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n);
void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *p = d;
	const unsigned char *q = s;

	while (n--)
		*p++ = *q++;
	return d;
}

static __attribute__((noreturn)) void die(int code)
{
	for (;;)
		SYS3(SYS_exit_group, code, 0, 0);
}

/* The request, and argv and envp pointing into it. Untouched pages of .bss
 * are not resident: only what a request uses counts. */
static char req_buf[LAUNCHER_MSG_MAX] __attribute__((aligned(8)));
static char *strings[LAUNCHER_STRINGS_MAX + 2];
/* Written by the child before it exits 127 (the address space is shared
 * until exec). */
static volatile long child_errno;

struct launch {
	const char *program, *cwd;
	char **argv, **envp;
	int out_fd, devnull;
};

/* In the child, on the launcher's stack, until exec. Signals are as the
 * launcher got them (an empty mask, default dispositions). */
static __attribute__((noreturn, noinline)) void child_run(const struct launch *l)
{
	long rc = SYS3(SYS_setpgid, 0, 0, 0);

	if (rc == 0)
		rc = SYS3(SYS_dup2, l->out_fd >= 0 ? l->out_fd : l->devnull, 1, 0);
	if (rc >= 0)
		rc = SYS3(SYS_dup2, 1, 2, 0);
	if (rc >= 0)
		rc = SYS3(SYS_dup2, l->devnull, 0, 0);
	if (rc >= 0 && l->cwd)
		rc = SYS3(SYS_chdir, l->cwd, 0, 0);
	if (rc >= 0)
		rc = SYS3(SYS_execve, l->program, l->argv, l->envp);
	child_errno = -rc;
	die(127);
}

/* Starts the child: its pid, or -errno. Apart from launcher_main, so that
 * nothing of the caller's lives in a frame the child runs over. */
static __attribute__((noinline)) long launch(const struct launch *l)
{
	long pid;

	child_errno = 0;
	pid = launcher_clone(CLONE_VM | CLONE_VFORK | CLONE_PARENT);
	if (pid == 0)
		child_run(l);
	return pid;
}

/* The next NUL-terminated string at *pos, or NULL when the request ends first. */
static char *next_string(size_t len, size_t *pos)
{
	char *s = req_buf + *pos;

	while (*pos < len && req_buf[*pos] != '\0')
		(*pos)++;
	if (*pos >= len)
		return NULL;
	(*pos)++;
	return s;
}

/* Parses a request of len bytes into l. 0 or an errno. */
static int parse(struct launch *l, const struct launcher_req *rq, size_t len, const char **mask)
{
	size_t pos = sizeof(*rq), nstr;

	if (len < sizeof(*rq) || rq->masklen > LAUNCHER_MASK_MAX || rq->argc == 0 ||
	    rq->argc > LAUNCHER_STRINGS_MAX || rq->envc > LAUNCHER_STRINGS_MAX - rq->argc)
		return EPROTO;
	*mask = rq->masklen ? req_buf + pos : NULL;
	pos += (rq->masklen + 7u) & ~7u;
	if (pos > len || !(l->program = next_string(len, &pos)))
		return EPROTO;
	l->cwd = NULL;
	if ((rq->flags & LAUNCHER_CWD) && !(l->cwd = next_string(len, &pos)))
		return EPROTO;
	nstr = 0;
	l->argv = strings;
	for (uint32_t i = 0; i < rq->argc; i++)
		if (!(strings[nstr++] = next_string(len, &pos)))
			return EPROTO;
	strings[nstr++] = NULL;
	l->envp = strings + nstr;
	for (uint32_t i = 0; i < rq->envc; i++)
		if (!(strings[nstr++] = next_string(len, &pos)))
			return EPROTO;
	strings[nstr] = NULL;
	return pos == len ? 0 : EPROTO;
}

/* The resident set now, in bytes: what a command started next inherits at
 * exec. This program frees nothing, so its resident set is its high-water
 * mark, and it grows only with a request larger than any before (more
 * pages of req_buf and strings): read again then, not for every command. */
static int64_t floor_now(int statm_fd, long page)
{
	char buf[64];
	long n, i = 0;
	int64_t v = 0;

	n = sys6(SYS_pread64, statm_fd, (long)buf, sizeof(buf) - 1, 0, 0, 0);
	if (n <= 0)
		return 0;
	/* statm: size, then resident, in pages */
	while (i < n && buf[i] != ' ')
		i++;
	for (i++; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		v = v * 10 + (buf[i] - '0');
	return v * page;
}

void launcher_main(long *sp)
{
	long argc = sp[0], page = 4096, *auxv = sp + argc + 2;
	unsigned char home[LAUNCHER_MASK_MAX];
	long homelen;
	int devnull, statm_fd;
	long biggest = 0;
	int64_t floor = 0;
	bool pinned = false;

	while (*auxv)
		auxv++; /* past the environment */
	for (auxv++; auxv[0] != 0; auxv += 2)
		if (auxv[0] == 6) /* AT_PAGESZ */
			page = auxv[1];
	/* Commands must not inherit the socket. */
	if (SYS3(SYS_fcntl, LAUNCHER_FD, F_SETFD, FD_CLOEXEC) < 0)
		die(2);
	devnull = (int)SYS3(SYS_open, "/dev/null", O_RDWR | O_CLOEXEC, 0);
	statm_fd = (int)SYS3(SYS_open, "/proc/self/statm", O_RDONLY | O_CLOEXEC, 0);
	homelen = SYS3(SYS_sched_getaffinity, 0, sizeof(home), home);
	if (devnull < 0)
		die(2);

	for (;;) {
		struct launcher_req rq;
		struct launcher_reply rep = { 0 };
		struct iovec iov[2] = { { &rq, sizeof(rq) }, { req_buf + sizeof(rq),
							       sizeof(req_buf) - sizeof(rq) } };
		union {
			char buf[CMSG_SPACE(2 * sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2, .msg_control = ctl.buf,
				     .msg_controllen = sizeof(ctl.buf) };
		struct launch l = { .out_fd = -1, .devnull = devnull };
		int fds[2] = { -1, -1 }, nfds = 0, err;
		const char *mask;
		struct cmsghdr *cm;
		struct timespec ts;
		long n, pid;

		n = sys6(SYS_recvmsg, LAUNCHER_FD, (long)&mh, MSG_CMSG_CLOEXEC, 0, 0, 0);
		if (n == -EINTR)
			continue;
		if (n <= 0)
			die(0); /* the spawner is gone */
		/* One SCM_RIGHTS with one or two descriptors (CMSG_NXTHDR is a
		 * libc function). */
		cm = CMSG_FIRSTHDR(&mh);
		if (cm && cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS)
			for (size_t i = 0; CMSG_LEN((i + 1) * sizeof(int)) <= cm->cmsg_len && nfds < 2;
			     i++)
				memcpy(&fds[nfds++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
		/* The request starts with rq; the rest lands at the same offset
		 * of req_buf, so that one index reads both. */
		memcpy(req_buf, &rq, (size_t)n < sizeof(rq) ? (size_t)n : sizeof(rq));
		err = (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ? EPROTO
		      : parse(&l, &rq, (size_t)n, &mask);
		if (!err && nfds != !!(rq.flags & LAUNCHER_DIR) + !!(rq.flags & LAUNCHER_OUT))
			err = EPROTO;
		if (!err && (rq.flags & LAUNCHER_DIR) && SYS3(SYS_fchdir, fds[0], 0, 0) < 0)
			err = EBADF;
		if (!err && (rq.flags & LAUNCHER_OUT))
			l.out_fd = fds[nfds - 1];
		/* The command inherits this thread's CPUs. */
		if (!err && mask) {
			long rc = SYS3(SYS_sched_setaffinity, 0, rq.masklen, mask);

			if (rc < 0)
				err = (int)-rc;
			pinned = rc == 0;
		} else if (!err && pinned && homelen > 0) {
			(void)SYS3(SYS_sched_setaffinity, 0, homelen, home);
			pinned = false;
		}
		if (!err && statm_fd >= 0 && n > biggest) {
			biggest = n;
			floor = floor_now(statm_fd, page);
		}
		rep.floor_bytes = floor;
		if (!err) {
			(void)SYS3(SYS_clock_gettime, CLOCK_MONOTONIC, &ts, 0);
			pid = launch(&l);
			rep.start_ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
			rep.pid = pid > 0 ? pid : 0;
			err = pid < 0 ? (int)-pid : (int)child_errno;
		}
		rep.error = err;
		for (int i = 0; i < nfds; i++)
			(void)SYS3(SYS_close, fds[i], 0, 0);
		iov[0] = (struct iovec){ &rep, sizeof(rep) };
		mh = (struct msghdr){ .msg_iov = iov, .msg_iovlen = 1 };
		do
			n = sys6(SYS_sendmsg, LAUNCHER_FD, (long)&mh, MSG_NOSIGNAL, 0, 0, 0);
		while (n == -EINTR);
		if (n < 0)
			die(0);
	}
}
