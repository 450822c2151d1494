#!/bin/bash
# A declared metric's steps are settled as wall time's are: a throughput drop
# the history suspects is confirmed by the daemon's A/B job (its verdict on
# the metric, in the metric's direction) and narrowed to its commit before
# regressions lists it; a flat throughput gets no line; "confirm": false
# lists the history's own line; a confirmed drop between two benchmarked
# commits far apart is bisected to the commit that made it, verified by the
# A/B job of its parent against it.
. "$(dirname "$0")/lib.sh"

# "tput" reports 100 MiB/s (give or take 1, so that the sides have a spread)
# until c6, then 80: -20%, worse, as higher is better; "flat" reports 100
# throughout. The values are fixed per commit, so every verdict is certain
# however loaded the machine, given pairs enough (an A/B job adds pairs
# while wall time or a declared metric is undecided; its first round of 10
# pairs, "runs", decides this one). Wall time is a steady sleep. 12 commits.
config() { # CONFIRM
	printf '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 10, "timeout": 30,
  "compare": {"alpha": 0.05, "threshold": 0.1, "max_pairs": 20, "confirm": %s},
  "benchmarks": [
    {"name": "tput", "command": ["./prog", "tput"],
     "metrics": {"throughput": {"unit": "MiB/s", "better": "higher"}}},
    {"name": "flat", "command": ["./prog", "flat"],
     "metrics": {"throughput": {"unit": "MiB/s", "better": "higher"}}}
  ]}' "$1"
}
make_repo "$(config true)"
for i in $(seq 12); do
	v=100
	[ "$i" -ge 7 ] && v=80
	commit_prog "c$i" "case \"\$1\" in
tput) echo \"throughput \$(($v + BENCHFS_ITERATION % 2))\" >> \"\$BENCHFS_METRICS\" ;;
flat) echo \"throughput \$((100 + BENCHFS_ITERATION % 2))\" >> \"\$BENCHFS_METRICS\" ;;
esac
exec sleep 0.01"
done
c() { git -C "$REPO" rev-list --reverse HEAD | sed -n "${1}p"; }
c1=$(c 1) c6=$(c 6) c7=$(c 7) c12=$(c 12)

# settle SECONDS: until the queue has stayed empty for 3 s (the daemon queues
# its next job the moment the queue empties).
settle() {
	local quiet=0 limit=$((SECONDS + $1))
	while [ $quiet -lt 3 ]; do
		[ $SECONDS -lt $limit ] || fail "the queue did not settle within $1 s: $(cat "$MNT/queue")"
		if [ -s "$MNT/queue" ]; then quiet=0; else quiet=$((quiet + 1)); fi
		sleep 1
	done
}
# The throughput lines of regressions.
tput_lines() { awk -F '\t' '$2 ~ /:throughput$/' "$MNT/regressions"; }

# ---- every commit benchmarked: confirmed by A/B jobs, at c7 ----
start_benchfs
git -C "$REPO" rev-list --reverse HEAD > "$MNT/queue"
wait_status 000012 '^done( |$)' 240
settle 400
jobs=$(grep -c 'to settle a suspected regression' "$T/daemon.log" || true)
[ "$jobs" -ge 1 ] || fail "the daemon queued no A/B job"
tput_lines > "$T/reg"
assert_eq "$(wc -l < "$T/reg")" 1 "throughput lines ($(cat "$MNT/regressions"))"
IFS=$'\t' read -r commit bench before after change q runs threshold source method range _ < "$T/reg"
assert_eq "$commit $bench $threshold $source $method $range" \
	"$c7 tput:throughput 10% fixed paired $c6..$c7" "the confirmed throughput line"
python3 -c "import sys; b, a = float(sys.argv[1]), float(sys.argv[2]); assert 100 <= b <= 101 and 80 <= a <= 81, (b, a)" "$before" "$after" \
	|| fail "means of the deciding job: $before $after"
case "$change" in -*%) ;; *) fail "change $change" ;; esac
ra=${runs%,*} rb=${runs#*,}
assert_eq "$(json "$MNT/compare/run-$((10#$ra))..run-$((10#$rb)).json" '(j["method"], j["a"]["commit"], j["b"]["commit"], [b["metrics"]["throughput"]["verdict"] for b in j["benchmarks"] if b["name"] == "tput"])')" \
	"('paired', '$c6', '$c7', ['worse'])" "the deciding job is the A/B job of c6 and c7"
ok "a throughput drop: confirmed by the daemon's A/B jobs ($jobs) and narrowed to c7; flat's throughput none"

# benchfs check fails on the confirmed line (a declared metric gates).
bf check --repo "$REPO"
expect_status 3 "check with a confirmed throughput drop"
grep -qE "^NEW +$c7	tput:throughput	" "$T/out" || fail "check does not fail on the line: $(cat "$T/out")"
ok "benchfs check fails on the confirmed throughput line"

# Its alert: kind throughput, the interval of the deciding job's ratio.
alert=$(tput_lines | cut -f12)
grep -qx $'kind\tthroughput' "$MNT/alerts/$alert" || fail "alerts/$alert: $(cat "$MNT/alerts/$alert")"
grep -qE $'^interval\t\\[-(19|20|21)\\.[0-9]%, -(19|20|21)\\.[0-9]%\\]$' "$MNT/alerts/$alert" \
	|| fail "alerts/$alert's interval: $(cat "$MNT/alerts/$alert")"
ok "alerts/$alert: kind throughput, the job's interval"

# No job twice, nothing more on a remount.
sed -n 's/.*queued the A\/B job \([0-9a-f]*\.\.[0-9a-f]*\) .*/\1/p' "$T/daemon.log" | sort | uniq -d > "$T/dup"
assert_eq "$(cat "$T/dup")" "" "A/B jobs queued twice"
nruns=$(ls "$MNT/runs" | wc -l)
stop_daemon
start_benchfs
sleep 3
assert_eq "$(cat "$MNT/queue")" "" "queue after a remount"
assert_eq "$(ls "$MNT/runs" | wc -l)" "$nruns" "runs after a remount"
assert_eq "$(tput_lines | cut -f1,2,10)" "$c7	tput:throughput	paired" "regressions after a remount"
ok "no job queued twice, nor again after a remount"

# ---- "confirm": false: the history's own line, no job ----
stop_daemon
printf '%s\n' "$(config false)" > "$REPO/benchfs.json"
git -C "$REPO" commit -qam "confirm off"
mv "$T/daemon.log" "$T/daemon-1.log"
start_benchfs
sleep 3
assert_eq "$(cat "$MNT/queue")" "" "queue with confirm false"
grep -q 'to settle a suspected regression' "$T/daemon.log" && fail "the daemon queued a job with confirm false"
tput_lines > "$T/reg"
assert_eq "$(cut -f1,2,10,11 "$T/reg")" "$c7	tput:throughput	runs	-" "the history's own throughput line"
ok "\"confirm\": false: the history's own throughput line, no job"

# ---- two commits far apart: confirmed by the sweep's job, bisected to c7 ----
stop_daemon
printf '%s\n' "$(config true)" > "$REPO/benchfs.json"
git -C "$REPO" commit -qam "confirm on"
mv "$T/daemon.log" "$T/daemon-2.log"
store2=$(other_store data2)
BENCHFS_STORE=$store2 start_benchfs --data "$T/data2"
printf '%s\n%s\n' "$c1" "$c12" > "$MNT/queue"
settle 400
assert_eq "$(ls "$MNT/bisect")" "1" "ls bisect"
cat "$MNT/bisect/1" > "$T/b1"
sed 's/^/# /' "$T/b1"
assert_eq "$(grep -E '^(benchmark|metric|state)	' "$T/b1" | cut -f2 | tr '\n' ' ')" "tput throughput named " "the bisection"
assert_eq "$(grep '^culprit	' "$T/b1" | cut -f2)" "$c7" "the culprit"
grep -q "^verified by	[0-9,]*	worse	ratio 0\.[78]" "$T/b1" || fail "no verifying job: $(cat "$T/b1")"
tput_lines > "$T/reg"
assert_eq "$(wc -l < "$T/reg")" 1 "throughput lines ($(cat "$MNT/regressions"))"
assert_eq "$(cut -f1,2,10,11 "$T/reg")" "$c12	tput:throughput	paired	$c1..$c12" "the confirmed line"
assert_eq "$(awk -F '\t' '{print $NF}' "$T/reg")" "$c7" "regressions' culprit"
ok "a drop between c1 and c12: confirmed, bisected to c7 and verified worse; flat's throughput none"
