#!/bin/bash
# The memory metric is the measured program's own peak RSS, whatever the
# size of the process that started it. Linux folds the RSS high-water mark
# of the address space a program execs out of into its ru_maxrss; started
# by benchfs-spawner (0.7 MiB statically linked, tens of MiB under ASan),
# a smaller program read as the spawner. Two programs report their own
# VmHWM from /proc/self/status (the kernel's exact count) into a file:
#   tiny   no libc, a hundred KiB: below benchfs-spawner's resident set in
#          every build (x86-64: its system calls are written out)
#   small  a dynamic C program, about 1 MiB: below the spawner under ASan
# Each one's memory figures must be its own VmHWM, give or take the lag of
# the kernel's per-CPU RSS counters behind ru_maxrss (up to 32 pages a CPU;
# on two CPUs 256 KiB), which is well under the 0.7 MiB the tiny program
# read when the spawner started it.
. "$(dirname "$0")/lib.sh"

command -v cc > /dev/null || { log "SKIP: no C compiler"; exit 0; }
[ "$(uname -m)" = x86_64 ] || { log "SKIP: the tiny program is x86-64 only"; exit 0; }

make_repo '{
  "build": "cc -O2 -nostdlib -static -no-pie -fno-pie -fno-stack-protector -ffreestanding -o tiny tiny.c && cc -O2 -o small small.c",
  "warmup": 1, "runs": 9, "timeout": 30,
  "benchmarks": [{"name": "tiny", "command": ["./tiny", "'"$T"'/tiny.hwm"]},
                 {"name": "small", "command": ["./small", "'"$T"'/small.hwm"]}]}'
# Both append their "VmHWM: ... kB" line to the file argv[1] names, read just
# before they exit.
cat > "$REPO/tiny.c" <<'EOF'
#include <sys/syscall.h>

static long sys3(long n, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return ret;
}

static char touched[96 * 1024];

__attribute__((noreturn)) void tiny_main(long *sp)
{
	const char *out = (const char *)sp[2];
	char buf[2048];
	long fd, n, i, k, ok;

	for (i = 0; i < (long)sizeof(touched); i += 4096)
		((volatile char *)touched)[i] = 1;
	fd = sys3(SYS_open, (long)"/proc/self/status", 0, 0);
	n = fd < 0 ? 0 : sys3(SYS_read, fd, (long)buf, sizeof(buf));
	for (i = 0; i + 6 < n; i++)
		if (buf[i] == 'V' && buf[i + 1] == 'm' && buf[i + 2] == 'H' && buf[i + 3] == 'W' &&
		    buf[i + 4] == 'M')
			break;
	for (k = i; k < n && buf[k] != '\n'; k++)
		;
	fd = sp[0] == 2 ? sys3(SYS_open, (long)out, 02000 | 01 | 0100, 0644) : -1; /* O_APPEND|O_WRONLY|O_CREAT */
	ok = fd >= 0 && i + 6 < n && sys3(SYS_write, fd, (long)(buf + i), k + 1 - i) == k + 1 - i;
	for (;;)
		sys3(SYS_exit_group, !ok, 0, 0);
}

__asm__(".globl _start\n_start:\n xor %ebp, %ebp\n mov %rsp, %rdi\n and $-16, %rsp\n"
	" call tiny_main\n hlt\n");
EOF
cat > "$REPO/small.c" <<'EOF'
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	char buf[4096], *p, *end;
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	int out = argc == 2 ? open(argv[1], O_WRONLY | O_APPEND | O_CREAT, 0644) : -1;

	buf[n > 0 ? n : 0] = '\0';
	p = strstr(buf, "VmHWM:");
	end = p ? strchr(p, '\n') : NULL;
	if (out < 0 || !end)
		return 1;
	_exit(write(out, p, (size_t)(end + 1 - p)) == end + 1 - p ? 0 : 1);
}
EOF
commit_prog c1 "true"

start_benchfs
echo HEAD > "$MNT/queue"
wait_status 000001 '^done( |$)' 120
cp "$MNT/runs/000001/result.json" "$T/result.json"

python3 - "$T/result.json" "$T/tiny.hwm" "$T/small.hwm" <<'PY' || fail "memory against the programs' own peaks"
import json, re, statistics, sys
results = {r["name"]: r for r in json.load(open(sys.argv[1]))["results"]}
for name, hwm in (("tiny", sys.argv[2]), ("small", sys.argv[3])):
    own = [int(m) for m in re.findall(r"VmHWM:\s*([0-9]+) kB", open(hwm).read())]
    mem = [b // 1024 for b in results[name]["memory_usage_byte"]]
    floor = results[name].get("memory_floor", {}).get("bytes", 0) // 1024
    print(f"# {name}: memory (KiB) {mem}; its own VmHWM {own}; floor {floor} KiB")
    assert len(own) == 10 and len(mem) == 9, (own, mem)  # the warmup and 9 runs
    # Not the starter's peak: the program's own, within the counters' lag.
    assert abs(statistics.median(mem) - statistics.median(own)) <= 256, (name, mem, own)
    assert max(mem) <= max(own) + 256, (name, mem, own)
    # What it was started from is smaller still than the tiny program.
    assert 0 < floor < min(own), (name, floor, own)
PY
ok "memory: each program's own peak, not the spawner's"
