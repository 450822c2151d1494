#!/bin/bash
# kill -9 in the middle of a run, start again on the same data directory:
# the interrupted run is found, logged and run again; queued jobs survive.
# Then SIGTERM: a clean unmount, and the store is consistent afterwards.
. "$(dirname "$0")/lib.sh"

nap="0.7$$$RANDOM" # a unique duration: pgrep finds only our benchmark
make_repo '{"runs": 3, "benchmarks": [{"name": "nap", "command": ["sleep", "'"$nap"'"]}]}'
commit_prog one 'true'
commit_prog two 'true'
start_benchfs
cat > "$T/jobs" <<JOBS
HEAD~1
HEAD
HEAD~1
JOBS
cat "$T/jobs" > "$MNT/queue"
wait_status 000001 '^running nap 2/3$' 30

kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
# The benchmark must not outlive the daemon: it would disturb the re-run.
for _ in $(seq 30); do pgrep -f "sleep $nap" > /dev/null || break; sleep 0.1; done
if pgrep -f "sleep $nap" > /dev/null; then
	pkill -9 -f "sleep $nap" || true
	fail "the benchmark of the killed daemon is still running"
fi
# The kernel keeps a dead FUSE mount until it is unmounted.
fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -uz "$MNT"
ok "daemon killed with SIGKILL during run 000001"

start_benchfs
assert_eq "$(ls "$MNT/runs" | tr '\n' ' ')" "000001 000002 000003 " "runs after restart"
assert_eq "$(cut -f1 "$MNT/queue" | tr '\n' ' ')" "000001 000002 000003 " "queue after restart"
grep -q 'interrupted: the daemon stopped while it ran' "$MNT/runs/000001/debug.log" \
	|| fail "the interrupted run's debug.log does not say what happened"
ok "the interrupted run and the queued jobs are all there"

wait_status 000001 '^done( |$)' 60
grep -q 'attempt 2' "$MNT/runs/000001/debug.log" || fail "run 000001 was not started again"
assert_eq "$(json "$MNT/runs/000001/result.json" 'len(j["results"][0]["times"])')" 3 "iterations of the re-run"
ok "the interrupted run ran again, from scratch"

# SIGTERM during a run: clean unmount and exit status 0.
wait_status 000002 '^running nap' 30
kill -TERM "$DAEMON_PID"
for _ in $(seq 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$DAEMON_PID" 2>/dev/null && fail "benchfs did not exit on SIGTERM"
wait "$DAEMON_PID"; status=$?
DAEMON_PID=
assert_eq "$status" 0 "exit status after SIGTERM"
mountpoint -q "$MNT" && fail "still mounted after SIGTERM"
grep -q 'interrupted: benchfs is shutting down' "$REPO/.git/benchfs/logs/000002.log" || fail "shutdown not logged"
ok "SIGTERM unmounts cleanly"

start_benchfs
wait_status 000003 '^done( |$)' 60
assert_eq "$(cut -d' ' -f1 "$MNT/runs/000001/status") $(cut -d' ' -f1 "$MNT/runs/000002/status") $(cut -d' ' -f1 "$MNT/runs/000003/status")" "done done done" "statuses"
if store_is_pg; then
	# SQLite's integrity_check has no PostgreSQL counterpart (the server recovers its own
	# files); the store's side of consistent: its three runs, all done, none left running.
	assert_eq "$(store_sql "SELECT id, state FROM runs ORDER BY id" | tr '\n' ' ')" "1|done 2|done 3|done " "the store's runs"
else
	command -v sqlite3 > /dev/null && { assert_eq "$(sqlite3 "$REPO/.git/benchfs/benchfs.db" 'PRAGMA integrity_check')" ok "integrity"; }
fi
ok "after restarts every job ran once to the end"

# fusermount3 -u: the daemon exits by itself.
fusermount3 -u "$MNT"
for _ in $(seq 100); do kill -0 "$DAEMON_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$DAEMON_PID" 2>/dev/null && fail "benchfs did not exit after fusermount3 -u"
DAEMON_PID=
ok "fusermount3 -u ends the daemon"
echo "6 passed, 0 failed"
