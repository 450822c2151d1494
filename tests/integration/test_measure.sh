#!/bin/bash
# The measurement loop through the mount: setup/prepare/conclude/
# cleanup order and what their environment says, parameters, an adaptive
# count, ignore_failure, output discard, the shell's start-up subtracted,
# a slow first iteration flagged, and timeouts of the untimed commands.
. "$(dirname "$0")/lib.sh"

TRACE="$T/trace"
make_repo '{
  "build": "cp prog.sh prog && chmod +x prog", "warmup": 2, "runs": 3, "timeout": 20,
  "benchmarks": [
    {"name": "order", "command": ["./prog", "{what}"], "parameters": {"what": ["cmd"]},
     "setup": "echo \"setup $BENCHFS_ITERATION $BENCHFS_PHASE $BENCHFS_PARAM_what\" >> '"$TRACE"'",
     "prepare": "echo \"prepare $BENCHFS_ITERATION $BENCHFS_PHASE\" >> '"$TRACE"'",
     "conclude": "echo \"conclude $BENCHFS_ITERATION $BENCHFS_PHASE\" >> '"$TRACE"'",
     "cleanup": "echo \"cleanup $BENCHFS_ITERATION $BENCHFS_PHASE $BENCHFS_COMMIT\" >> '"$TRACE"'"},
    {"name": "grid", "command": "echo size={size} threads=$BENCHFS_PARAM_threads",
     "parameters": {"size": ["1k", "10k"], "threads": [1, 2]}, "warmup": 0, "runs": 2},
    {"name": "adaptive", "command": ["sleep", "0.05"], "warmup": 0,
     "min_time": 0.4, "min_runs": 2, "max_runs": 50},
    {"name": "ignored", "command": "exit $((BENCHFS_ITERATION % 2 * 3))", "warmup": 0,
     "runs": 4, "ignore_failure": true},
    {"name": "quiet", "command": "echo secret-output-$BENCHFS_ITERATION", "warmup": 0,
     "runs": 2, "output": "discard"},
    {"name": "slowfirst", "command": ["sh", "-c", "test $BENCHFS_ITERATION = 1 && sleep 0.4; true"],
     "warmup": 0, "runs": 9},
    {"name": "envbias", "command": ["sh", "-c", "echo pad=${#BENCHFS_PAD}"], "warmup": 1,
     "runs": 12, "randomize_env": true}
  ]}'
commit_prog first 'echo "$1 $BENCHFS_ITERATION $BENCHFS_PHASE" >> '"$TRACE"'; echo "out $BENCHFS_ITERATION"' v1
v1=$(git -C "$REPO" rev-parse v1)
start_benchfs
echo v1 > "$MNT/queue"
wait_status 000001 '^(done|failed)' 90
assert_eq "$(cut -d" " -f1 "$MNT/runs/000001/status")" done "status"
run="$MNT/runs/000001"
r="$run/result.json"

# Order and environment: setup once, then prepare/command/conclude around
# every iteration (warmups count up to -1), cleanup once.
expected="setup 0 setup cmd
prepare -2 warmup
cmd -2 warmup
conclude -2 warmup
prepare -1 warmup
cmd -1 warmup
conclude -1 warmup
prepare 1 measure
cmd 1 measure
conclude 1 measure
prepare 2 measure
cmd 2 measure
conclude 2 measure
prepare 3 measure
cmd 3 measure
conclude 3 measure
cleanup 0 cleanup $v1"
assert_eq "$(cat "$TRACE")" "$expected" "setup/prepare/command/conclude/cleanup order and environment"
grep -q '\[order\[what=cmd\] 3/3\] out 3' "$run/debug.log" || fail "command output not logged under its step"
ok "prepare/conclude around every iteration, setup/cleanup once, BENCHFS_ITERATION and BENCHFS_PHASE"

# Parameters: one benchmark per combination, first parameter slowest,
# hyperfine's "parameters" field, {size} substituted and BENCHFS_PARAM_* set.
assert_eq "$(json "$r" '[b["name"] for b in j["results"]][1:5]')" \
	"['grid[size=1k,threads=1]', 'grid[size=1k,threads=2]', 'grid[size=10k,threads=1]', 'grid[size=10k,threads=2]']" \
	"expanded names"
assert_eq "$(json "$r" 'j["results"][3]["parameters"]')" "{'size': '10k', 'threads': '1'}" "parameters"
assert_eq "$(json "$r" 'j["results"][0]["parameters"]')" "{'what': 'cmd'}" "one parameter"
assert_eq "$(json "$r" 'j["results"][3]["command"]')" 'echo size=10k threads=$BENCHFS_PARAM_threads' "substituted command"
grep -q '\[grid\[size=10k,threads=2\] 2/2\] size=10k threads=2$' "$run/debug.log" || fail "parameter values in the environment"
assert_eq "$(json "$run/config.json" '[b["name"] for b in j["configuration"]["benchmarks"]][1:3]')" "['grid', 'grid']" "config.json names"
assert_eq "$(json "$run/config.json" 'j["configuration"]["benchmarks"][2]["parameters"]')" "{'size': ['1k'], 'threads': ['2']}" "config.json parameters"
ok "parameters expand to grid[size=...,threads=...] with substitution and BENCHFS_PARAM_*"

# Adaptive count: what fits in 0.4 s judging by the first 50 ms sleep
# (hyperfine's rule; the first time is in result.json).
n=$(json "$r" '[b for b in j["results"] if b["name"] == "adaptive"][0]["runs"]')
want=$(json "$r" '[max(2, min(50, int(0.4 / b["times"][0]))) for b in j["results"] if b["name"] == "adaptive"][0]')
[ "$n" -ge $((want - 1)) ] && [ "$n" -le $((want + 1)) ] && [ "$n" -ge 2 ] && [ "$n" -le 8 ] \
	|| fail "adaptive count $n, expected $want (0.4 s / the first time)"
assert_eq "$(json "$r" '[len(b["times"]) for b in j["results"] if b["name"] == "adaptive"][0]')" "$n" "times of the adaptive count"
assert_eq "$(json "$r" '[b["adaptive"] for b in j["results"] if b["name"] == "adaptive"][0]')" "{'min_time': 0.4, 'min_runs': 2, 'max_runs': 50}" "adaptive field"
grep -q "\[benchfs\] adaptive: $n measured iterations" "$run/debug.log" || fail "the decided count is not logged"
ok "adaptive count: $n iterations for min_time 0.4 s of 50 ms sleeps"

# ignore_failure: every exit code recorded, the run is done.
assert_eq "$(json "$r" '[b["exit_codes"] for b in j["results"] if b["name"] == "ignored"][0]')" "[3, 0, 3, 0]" "exit codes"
grep -q '\[benchfs\] ignored iteration 3/4 exited with status 3 (ignored: ignore_failure)' "$run/debug.log" || fail "ignored failure not logged"
ok "ignore_failure keeps going and records exit codes"

# output discard: nothing of it in debug.log.
if grep -q 'secret-output' "$run/debug.log"; then fail "discarded output reached debug.log"; fi
assert_eq "$(json "$r" '[b["runs"] for b in j["results"] if b["name"] == "quiet"][0]')" 2 "quiet runs"
ok "output discard"

# The shell's start-up: measured 50 times, reported and subtracted for string
# commands; absent for commands run without a shell.
assert_eq "$(json "$r" '[(b["shell_spawning"]["runs"], b["shell_spawning"]["subtracted"], b["shell_spawning"]["mean"] > 0) for b in j["results"] if b["name"] == "quiet"][0]')" "(50, True, True)" "shell_spawning"
assert_eq "$(json "$r" '[b["shell_spawning"] for b in j["results"] if b["name"] == "adaptive"][0]')" None "no shell, no calibration"
assert_eq "$(json "$r" 'all(t >= 0 for b in j["results"] for t in b["times"])')" True "corrected times are not negative"
grep -q "\[benchfs\] quiet: the shell's start-up (/bin/sh -c '') takes [0-9.]* ms (mean of 50 runs); subtracted" "$run/debug.log" || fail "calibration not logged"
ok "shell start-up calibrated, reported and subtracted"

# A slow first iteration: flagged in result.json and the run's end, never dropped.
assert_eq "$(json "$r" '[(b["outliers"]["slow_first"], 0 in b["outliers"]["indices"], len(b["times"]), b["times"][0] > 0.3) for b in j["results"] if b["name"] == "slowfirst"][0]')" "(True, True, 9, True)" "slow first"
grep -q '\[benchfs\] done: .*slowfirst: slow first iteration' "$run/debug.log" || fail "slow first iteration not flagged at the end"
grep -Eq '^done \(.*slowfirst: slow first iteration.*\)$' "$run/status" || fail "status does not flag the slow first iteration: $(cat "$run/status")"
ok "a slow first iteration is flagged, not dropped"

# Environment bias: each iteration's random offset is in result.json, and the
# pad the command sees is that offset over a fixed length (one less from the
# two-digit iterations on, which keeps the environment's size).
grep -E '^[0-9T:.-]+Z \[envbias( warmup 1/1|) ?[0-9/]*\] pad=' "$run/debug.log" > /dev/null || fail "envbias output"
python3 - "$r" "$run/debug.log" <<'PY' || fail "env_offsets do not match the pads the command saw"
import json, re, sys
res = [b for b in json.load(open(sys.argv[1]))["results"] if b["name"] == "envbias"][0]
pads = {int(m.group(1)): int(m.group(2)) for m in
        re.finditer(r"\[envbias (\d+)/12\] pad=(\d+)", open(sys.argv[2]).read())}
offsets = res["env_offsets"]
assert len(offsets) == 12 and all(0 <= o < 4096 for o in offsets), offsets
fixed = {pads[i] - offsets[i - 1] + (i >= 10) for i in range(1, 13)}
assert len(fixed) == 1, (pads, offsets)
assert len(set(offsets)) > 1, offsets
PY
grep -q '\[benchfs\] envbias: a random environment-size offset per iteration (seed [0-9]*)' "$run/debug.log" || fail "seed not logged"
ok "randomize_env: offsets in result.json match the environment the command saw"

# Failures of the untimed commands: a prepare that exits non-zero, a conclude
# that hangs (its whole group is killed at the timeout), a setup that fails
# (cleanup still runs).
marker="sleep 61.$$$RANDOM"
# A job runs with the configuration in force when it was queued, which is
# read at mount: remount with each.
queue_with() {
	printf '%s\n' "$2" > "$REPO/benchfs.json"
	stop_daemon
	start_benchfs
	echo v1 > "$MNT/queue"
	wait_status "$1" '^(done|failed)' 60
}
queue_with 000002 '{"build": "cp prog.sh prog && chmod +x prog", "runs": 3, "timeout": 1,
 "benchmarks": [{"name": "p", "command": ["./prog"], "prepare": "test $BENCHFS_ITERATION -lt 2"}]}'
queue_with 000003 '{"build": "cp prog.sh prog && chmod +x prog", "runs": 3, "timeout": 1,
 "benchmarks": [{"name": "c", "command": ["./prog"], "conclude": "'"$marker"' & sleep 60",
  "ignore_failure": true}]}'
queue_with 000004 '{"build": "cp prog.sh prog && chmod +x prog", "runs": 3, "timeout": 5,
 "benchmarks": [{"name": "s", "command": ["./prog"], "setup": "exit 4", "cleanup": "echo cleaned up"}]}'
assert_eq "$(cat "$MNT/runs/000002/status")" "failed: p prepare of iteration 2/3 exited with status 1" "prepare failure"
assert_eq "$(cat "$MNT/runs/000003/status")" "failed: c conclude of iteration 1/3 timed out after 1 s" "conclude timeout"
sleep 0.3
if pgrep -f "$marker" > /dev/null; then
	pkill -f "$marker" || true
	fail "the conclude's background process outlived its timeout"
fi
assert_eq "$(cat "$MNT/runs/000004/status")" "failed: s setup exited with status 4" "setup failure"
grep -q '\[s cleanup\] cleaned up' "$MNT/runs/000004/debug.log" || fail "cleanup did not run after the failed setup"
ok "prepare failure, conclude timeout (group killed), setup failure with cleanup"
echo "10 passed, 0 failed"
