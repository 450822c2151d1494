#!/bin/bash
# kill -9 of benchfs-spawner (the helper that runs builds and benchmarks):
# what it was running is killed with it (nothing re-parented to init runs
# on), and the run is queued again as after a crash of the daemon, its
# debug.log saying why; a benchmark that kills the helper every time fails
# for good after a bounded number of attempts.
. "$(dirname "$0")/lib.sh"

tag="$$$RANDOM" # unique sleep durations: pgrep finds only ours
build_marker="sleep 61.$tag"
bench_marker="sleep 62.$tag"
make_repo '{"build": "sh ./build.sh", "runs": 2,
  "benchmarks": [{"name": "nap", "command": ["./prog.sh"]}]}'
# The first build and the first benchmark iteration hang (in a grandchild,
# as a real build's compiler would); once a flag file exists they do not.
cat > "$REPO/build.sh" <<EOF
#!/bin/sh
if [ ! -e "$T/build-once" ]; then touch "$T/build-once"; $build_marker & wait; fi
echo built
EOF
commit_prog hangs "if [ ! -e \"$T/bench-once\" ]; then touch \"$T/bench-once\"; $bench_marker & wait; fi; sleep 0.05"
chmod +x "$REPO/prog.sh"
git -C "$REPO" add -A && git -C "$REPO" commit -q -m 'executable prog'
good=$(git -C "$REPO" rev-parse HEAD)
# A benchmark that kills its parent, the helper, every time.
commit_prog killer 'kill -9 $PPID; sleep 1'
killer=$(git -C "$REPO" rev-parse HEAD)
start_benchfs

spawner_pid() { pgrep -P "$DAEMON_PID" -f benchfs-spawner | head -n 1; }
# gone PATTERN: true when no live process matches within 3 s (zombies do not count).
gone() {
	for _ in $(seq 30); do
		live=
		for p in $(pgrep -f "$1"); do
			[ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" = Z ] || live="$live $p"
		done
		[ -z "$live" ] && return 0
		sleep 0.1
	done
	kill -9 $live 2>/dev/null || true
	return 1
}
wait_proc() {
	for _ in $(seq 100); do pgrep -f "$1" > /dev/null && return 0; sleep 0.1; done
	fail "$1 never started"
}

echo "$good" > "$MNT/queue"
wait_status 000001 '^building' 30
wait_proc "$build_marker"
pid=$(spawner_pid)
[ -n "$pid" ] || fail "no benchfs-spawner under the daemon"
kill -9 "$pid"
gone "$build_marker" || fail "the build outlived the killed benchfs-spawner"
ok "kill -9 of benchfs-spawner during the build kills the build"

wait_status 000001 '^running nap' 60
wait_proc "$bench_marker"
pid2=$(spawner_pid)
[ -n "$pid2" ] && [ "$pid2" != "$pid" ] || fail "no fresh benchfs-spawner (was $pid, now '$pid2')"
kill -9 "$pid2"
gone "$bench_marker" || fail "the benchmark outlived the killed benchfs-spawner"
ok "kill -9 of benchfs-spawner during a benchmark kills the benchmark"

wait_status 000001 '^done( |$)' 60
log1="$MNT/runs/000001/debug.log"
grep -q 'attempt 3' "$log1" || fail "run 000001 did not run a third time: $(grep attempt "$log1")"
[ "$(grep -c 'benchfs-spawner died while it ran the build (killed by signal 9' "$log1")" -ge 1 ] \
	|| fail "debug.log does not say the helper died during the build"
[ "$(grep -c 'nap: benchfs-spawner died while it measured (killed by signal 9' "$log1")" -ge 1 ] \
	|| fail "debug.log does not say the helper died during the benchmark"
[ "$(grep -c 'is queued again' "$log1")" -eq 2 ] || fail "debug.log does not say twice that the run is queued again"
assert_eq "$(json "$MNT/runs/000001/result.json" 'len(j["results"][0]["times"])')" 2 "iterations of the re-run"
ok "the run was queued again twice and ended done: $(cat "$MNT/runs/000001/status")"

# A helper that dies every time: no endless loop.
echo "$killer" > "$MNT/queue"
wait_status 000002 '^failed: ' 90
case "$(cat "$MNT/runs/000002/status")" in
*"benchfs-spawner died while it"*"(attempt 3 of 3: not queued again)") ;;
*) fail "run 000002: $(cat "$MNT/runs/000002/status")" ;;
esac
assert_eq "$(grep -c 'is queued again' "$MNT/runs/000002/debug.log")" 2 "re-queues of a helper killer"
ok "a benchmark that kills the helper fails after 3 attempts: $(cat "$MNT/runs/000002/status")"

# The daemon goes on with a fresh helper.
echo "$good" > "$MNT/queue"
wait_status 000003 '^done( |$)' 60
ok "later runs are measured"
echo "5 passed, 0 failed"
