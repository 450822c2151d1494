#!/bin/bash
# A whole run: build, measure, every file of the run directory, symlinks,
# and tail -f following debug.log while the run goes.
. "$(dirname "$0")/lib.sh"

make_repo '{
  "build": "cp prog.sh prog && chmod +x prog && echo built $BENCHFS_COMMIT",
  "warmup": 1, "runs": 3, "timeout": 30,
  "benchmarks": [
    {"name": "nap", "command": ["./prog", "0.05"]},
    {"name": "shell", "command": "echo iteration-output; echo to-stderr >&2", "runs": 5, "warmup": 0},
    {"name": "pause", "command": ["sleep", "1.5"], "runs": 3, "warmup": 0}
  ]}'
commit_prog first 'sleep "$1"; echo "slept $1 in $PWD commit=$BENCHFS_COMMIT"' v1
commit_prog second 'sleep "$1"; echo "slept $1 (second)"'
v1=$(git -C "$REPO" rev-parse v1)
head=$(git -C "$REPO" rev-parse HEAD)
start_benchfs

# Follow debug.log of the first run from its start, like a person would.
echo v1 > "$MNT/queue"
tail -n +1 -f "$MNT/runs/000001/debug.log" > "$T/tailed" 2>&1 &
TAIL_PID=$!
# While the run is still going (at least one 1.5 s iteration after this one),
# tail has already shown the earlier steps.
wait_status 000001 '^running pause 2/3$' 60
sleep 1.2
grep -q '\[shell 5/5\] to-stderr' "$T/tailed" || fail "tail -f showed nothing of the live run"
grep -q '\[benchfs\] done' "$T/tailed" && fail "the run ended too early to test tail -f live"
ok "tail -f follows a live debug.log"
wait_status 000001 '^done( |$)' 60
sleep 2.5 # tail -f polls once a second
kill "$TAIL_PID"; wait "$TAIL_PID" 2>/dev/null || true
cmp "$T/tailed" "$MNT/runs/000001/debug.log" || fail "tail -f saw something else than the final debug.log"
grep -q '\[benchfs\] done' "$T/tailed" || fail "tail -f did not follow to the end"
ok "tail -f followed debug.log to the end ($(wc -l < "$T/tailed") lines)"

run="$MNT/runs/000001"
assert_eq "$(ls "$run" | tr '\n' ' ')" "config.json debug.log result.json status summary system.json " "run directory"
assert_eq "$(cut -d" " -f1 "$run/status")" done "status"

# debug.log: timestamped lines of each step, build output with BENCHFS_COMMIT.
grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z \[build\] built '"$v1"'$' "$run/debug.log" \
	|| fail "build output with BENCHFS_COMMIT missing from debug.log"
grep -q "\[nap 3/3\] slept 0.05 in .* commit=$v1" "$run/debug.log" || fail "benchmark output missing"
grep -q '\[nap warmup 1/1\]' "$run/debug.log" || fail "warmup not logged"
grep -q '\[shell 5/5\] to-stderr' "$run/debug.log" || fail "stderr not logged"
grep -Ev '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z \[[^]]+\] ' "$run/debug.log" > "$T/untimed" || true
[ ! -s "$T/untimed" ] || fail "debug.log lines without timestamp: $(head -3 "$T/untimed")"
ok "debug.log: timestamps, build and benchmark output, stderr"

# config.json: configuration plus run, revision, commit.
assert_eq "$(json "$run/config.json" 'j["run"]')" 000001 "config.json run"
assert_eq "$(json "$run/config.json" 'j["revision"]')" v1 "config.json revision"
assert_eq "$(json "$run/config.json" 'j["commit"]')" "$v1" "config.json commit"
assert_eq "$(json "$run/config.json" 'j["configuration"]["benchmarks"][1]["runs"]')" 5 "config.json runs override"
assert_eq "$(json "$run/config.json" 'j["configuration"]["benchmarks"][0]["warmup"]')" 1 "config.json default warmup"
ok "config.json"

# system.json: the host.
assert_eq "$(json "$run/system.json" 'j["kernel"].split()[1] == __import__("os").uname().release')" True "kernel"
assert_eq "$(json "$run/system.json" 'j["cores"]')" "$(getconf _NPROCESSORS_ONLN)" "cores"
assert_eq "$(json "$run/system.json" 'j["memory_bytes"] > 0 and len(j["load_average"]) == 3 and "governor" in j and "cpu_model" in j')" True "system.json fields"
ok "system.json"

# result.json: hyperfine's format plus benchfs's fields.
r="$run/result.json"
assert_eq "$(json "$r" 'len(j["results"])')" 3 "results"
assert_eq "$(json "$r" '[b["name"] for b in j["results"]]')" "['nap', 'shell', 'pause']" "names"
assert_eq "$(json "$r" 'j["results"][0]["command"]')" "./prog 0.05" "command"
assert_eq "$(json "$r" 'len(j["results"][0]["times"])')" 3 "times per run count"
assert_eq "$(json "$r" 'len(j["results"][1]["times"])')" 5 "times with runs override"
assert_eq "$(json "$r" 'all(0.05 <= t < 5 for t in j["results"][0]["times"])')" True "nap times at least 50 ms"
assert_eq "$(json "$r" 'all(k in b for b in j["results"] for k in ("mean","stddev","median","user","system","min","max","times","memory_usage_byte","exit_codes"))')" True "hyperfine fields"
assert_eq "$(json "$r" 'j["results"][0]["min"] <= j["results"][0]["median"] <= j["results"][0]["max"]')" True "min <= median <= max"
assert_eq "$(json "$r" 'abs(sum(j["results"][0]["times"])/3 - j["results"][0]["mean"]) < 1e-8')" True "mean of times"
assert_eq "$(json "$r" 'j["results"][1]["exit_codes"]')" "[0, 0, 0, 0, 0]" "exit codes"
assert_eq "$(json "$r" 'all(m > 0 for m in j["results"][0]["memory_usage_byte"])')" True "peak memory"
assert_eq "$(json "$r" 'len(j["results"][0]["user_times"]) == 3 and len(j["results"][0]["system_times"]) == 3')" True "per-run cpu times"
assert_eq "$(json "$r" 'j["results"][0]["outliers"]["count"] >= 0')" True "outlier count"
assert_eq "$(json "$r" '(j["benchfs"]["run"], j["benchfs"]["commit"], j["benchfs"]["revision"])')" "('000001', '$v1', 'v1')" "benchfs fields"
assert_eq "$(json "$r" 'j["benchfs"]["host"]["cores"]')" "$(getconf _NPROCESSORS_ONLN)" "host in result"
ok "result.json (hyperfine fields, benchfs fields)"

# Symlinks: commits/<sha> and latest.
assert_eq "$(readlink "$MNT/commits/$v1")" ../runs/000001 "commits/<sha>"
assert_eq "$(readlink "$MNT/latest")" runs/000001 "latest"
cmp "$MNT/commits/$v1/result.json" "$r" || fail "commits/<sha>/result.json"
assert_eq "$(ls "$MNT/commits")" "$v1" "ls commits"
[ ! -e "$MNT/commits/$head" ] || fail "commits/ lists a commit without a finished run"
ok "commits/<sha> and latest"

# A second run of another commit, then a third of the first: the links move.
echo HEAD > "$MNT/queue"
echo v1 > "$MNT/queue"
wait_status 000002 '^done( |$)' 60
wait_status 000003 '^done( |$)' 60
assert_eq "$(readlink "$MNT/latest")" runs/000003 "latest after 3 runs"
assert_eq "$(readlink "$MNT/commits/$v1")" ../runs/000003 "commits/<v1> after a newer run"
assert_eq "$(readlink "$MNT/commits/$head")" ../runs/000002 "commits/<head>"
assert_eq "$(ls "$MNT/commits" | wc -l)" 2 "ls commits"
grep -q 'slept 0.05 (second)' "$MNT/runs/000002/debug.log" || fail "run 2 did not build its own commit"
ok "links follow newer runs; each run builds its own commit"

# The queue is empty once everything ran; an empty file.
[ ! -s "$MNT/queue" ] || fail "queue not empty: $(cat "$MNT/queue")"
ok "empty queue"
echo "9 passed, 0 failed"
