#!/bin/bash
# The memory metric of a small program is its own peak RSS, not
# benchfs-spawner's: a posix_spawn child keeps the spawner's RSS high-water
# mark through exec, so the spawner's resident set when it starts a command
# is the floor of every figure. debug.log names that floor per benchmark and
# how many iterations read at it (an upper bound, not the program's own
# peak); figures above it are the program's own, as it sees itself in
# /proc/self/status. A statically linked spawner (the normal build) has its
# floor below a small dynamic C program's peak, so none of that program's
# figures sits on it.
. "$(dirname "$0")/lib.sh"

command -v cc > /dev/null || { log "SKIP: no C compiler"; exit 0; }

make_repo '{
  "build": "cc -O2 -o small small.c",
  "warmup": 1, "runs": 5, "timeout": 30,
  "benchmarks": [{"name": "small", "command": ["./small", "'"$T"'/hwm"]}]}'
# Appends its own VmHWM (KiB) to the file named by argv[1]: read as late as
# it can be, after a first pass through the same code, and written with
# write(2) before _exit, so that little runs after the reading.
cat > "$REPO/small.c" <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long hwm(char *buf, size_t size)
{
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, size - 1);
	char *p;

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	p = strstr(buf, "\nVmHWM:");
	return p ? strtol(p + 7, NULL, 10) : -1;
}

int main(int argc, char **argv)
{
	char buf[4096], line[32];
	int out = argc == 2 ? open(argv[1], O_WRONLY | O_APPEND | O_CREAT, 0644) : -1;
	int len = snprintf(line, sizeof(line), "%ld\n", hwm(buf, sizeof(buf)));

	if (out < 0 || len < 0)
		return 1;
	len = snprintf(line, sizeof(line), "%ld\n", hwm(buf, sizeof(buf)));
	_exit(write(out, line, (size_t)len) == len ? 0 : 1);
}
EOF
commit_prog c1 "true"

start_benchfs
echo HEAD > "$MNT/queue"
wait_status 000001 '^done( |$)' 120
cp "$MNT/runs/000001/result.json" "$T/result.json"
grep -F '[benchfs] small: max RSS floor ' "$MNT/runs/000001/debug.log" > "$T/floor" \
	|| fail "no floor line in debug.log: $(grep -F '[benchfs]' "$MNT/runs/000001/debug.log" | tail -5)"
assert_eq "$(wc -l < "$T/floor")" 1 "floor lines"
spawner=${BENCHFS_SPAWNER:-$(dirname "$BENCHFS")/benchfs-spawner}
static=0
if command -v file > /dev/null && file -L "$spawner" | grep -q 'statically linked'; then
	static=1
fi

python3 - "$T/result.json" "$T/floor" "$T/hwm" "$static" <<'PY' || fail "memory against the floor and the program's own peak"
import json, re, sys
res = json.load(open(sys.argv[1]))["results"]
mem = [b // 1024 for b in res[0]["memory_usage_byte"]]
line = open(sys.argv[2]).read()
m = re.search(r"max RSS floor [0-9.]+ MiB \(([0-9]+) KiB\).* ([0-9]+) of ([0-9]+) measured iterations within ([0-9]+) KiB of it", line)
assert m, line
floor, at, n, slack = (int(x) for x in m.groups())
own = [int(x) for x in open(sys.argv[3]).read().split()]
static = sys.argv[4] == "1"
print(f"# memory (KiB) {mem}; the program's own VmHWM {own}; floor {floor} KiB, {at} of {n} at it; static spawner: {static}")
assert n == len(mem) == 5, (n, mem)
assert len(own) == 6, own  # the warmup and 5 measured iterations
# The log counts exactly the figures at the floor.
assert at == sum(v <= floor + slack for v in mem), (at, mem, floor)
for v in mem:
    # Never far below the floor (the kernel's per-CPU RSS counters behind
    # the figure lag by up to 32 pages a CPU), and above it the program's own.
    assert v >= floor - 320, (v, floor)
    if v > floor + slack:
        assert min(own) - 384 <= v <= max(own) + 256, (v, own)
if static:
    # The fix itself: the floor is below the small program's own peak, so
    # every figure is that program's, not the spawner's.
    assert floor + slack < min(own), (floor, own)
    assert at == 0, (at, mem)
PY
ok "memory: the small program's own peak above the floor the log names ($(cut -d' ' -f4- "$T/floor" | cut -c1-60)...)"
