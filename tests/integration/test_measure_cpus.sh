#!/bin/bash
# CPU placement: "cpus" pins the measured command (as /proc shows
# it), keeps the daemon's threads off those CPUs while the benchmark runs
# and gives them back afterwards; prepare runs beside the benchmark's CPUs;
# CPUs the daemon may not use are a configuration error.
. "$(dirname "$0")/lib.sh"

# The last CPU this shell (and so the daemon) may use.
allowed=$(awk '/^Cpus_allowed_list:/ {print $2}' /proc/self/status)
cpu=$(python3 -c 'import os; print(max(os.sched_getaffinity(0)))')
ncpu=$(python3 -c 'import os; print(len(os.sched_getaffinity(0)))')
bad=$(python3 -c 'import os; s = os.sched_getaffinity(0); print(next(i for i in range(4096) if i not in s))')

# The command prints its own CPUs, then the daemon's threads' (the daemon is
# the spawner's parent, and the spawner is the shell's parent).
make_repo '{
  "runs": 2, "warmup": 0, "timeout": 20,
  "benchmarks": [{"name": "where", "cpus": ['"$cpu"'],
    "prepare": "echo prepare-on $(awk '"'"'/^Cpus_allowed_list:/ {print $2}'"'"' /proc/self/status)",
    "command": "echo bench-on $(awk '"'"'/^Cpus_allowed_list:/ {print $2}'"'"' /proc/self/status); d=$(awk '"'"'/^PPid:/ {print $2}'"'"' /proc/$PPID/status); for t in /proc/$d/task/*; do echo daemon-thread-on $(awk '"'"'/^Cpus_allowed_list:/ {print $2}'"'"' $t/status); done"}]}'
commit_prog first 'true'
start_benchfs
echo HEAD > "$MNT/queue"
wait_status 000001 '^(done|failed)' 60
assert_eq "$(cut -d" " -f1 "$MNT/runs/000001/status")" done "status"
log="$MNT/runs/000001/debug.log"
assert_eq "$(grep -c "\[where [12]/2\] bench-on $cpu\$" "$log")" 2 "the benchmark's Cpus_allowed_list"
grep -q "benchmark where: .*, on CPU $cpu" "$log" || fail "the placement is not logged"
if [ "$ncpu" -gt 1 ]; then
	grep '\[where [12]/2\] daemon-thread-on' "$log" > "$T/threads"
	[ -s "$T/threads" ] || fail "no daemon threads seen"
	while read -r _ _ _ _ list; do
		python3 -c 'import sys
cpus = set()
for part in sys.argv[1].split(","):
    a, _, b = part.partition("-")
    cpus.update(range(int(a), int(b or a) + 1))
sys.exit(int(sys.argv[2]) in cpus)' "$list" "$cpu" || fail "a daemon thread may run on CPU $cpu: $list"
	done < "$T/threads"
	if grep "\[where [12]/2 prepare\] prepare-on" "$log" | grep -q "prepare-on $cpu\$"; then
		fail "prepare ran on the benchmark's CPU"
	fi
	ok "daemon threads off CPU $cpu ($(awk '{print $NF}' "$T/threads" | sort -u | tr '\n' ' ')), prepare beside it"
fi
# Afterwards every thread of the daemon has its CPUs back.
for t in /proc/"$DAEMON_PID"/task/*; do
	assert_eq "$(awk '/^Cpus_allowed_list:/ {print $2}' "$t/status")" "$allowed" "thread $t after the run"
done
ok "the benchmark ran on CPU $cpu; the daemon's threads have $allowed again"

# A CPU the daemon may not use is a configuration error at mount.
stop_daemon
printf '{"cpus": [%s], "benchmarks": [{"name": "x", "command": "true"}]}\n' "$bad" > "$REPO/benchfs.json"
if "$BENCHFS" -f --repo "$REPO" "$MNT" > "$T/err" 2>&1; then fail "CPU $bad was accepted"; fi
grep -q "\"cpus\": CPU $bad is not available to benchfs" "$T/err" || fail "message: $(cat "$T/err")"
ok "an unavailable CPU is refused: $(cat "$T/err")"
echo "3 passed, 0 failed"
