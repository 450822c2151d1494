#!/bin/bash
# regressions settled by the daemon's own A/B jobs: a step the history
# suspects is confirmed by an A/B job of the commits around it and narrowed
# to its commit by further jobs, which the daemon queues when the queue is
# empty; a steady benchmark gets no line; no job is ever queued twice; with
# "confirm": false the daemon queues nothing and the history's own test lists
# the step.
. "$(dirname "$0")/lib.sh"

# The planted step triples a 20 ms sleep (sleeping keeps the test cheap and
# the step far above a loaded machine's noise); 12 commits, the step at c7.
config() { # CONFIRM
	printf '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 5, "timeout": 30,
  "compare": {"alpha": 0.01, "threshold": 0.25, "max_pairs": 40, "confirm": %s},
  "benchmarks": [
    {"name": "steady", "command": ["./prog", "steady"]},
    {"name": "planted", "command": ["./prog", "planted"]}
  ]}' "$1"
}
make_repo "$(config true)"
for i in $(seq 12); do
	s=0.020
	[ "$i" -ge 7 ] && s=0.060
	commit_prog "c$i" "case \"\$1\" in steady) exec sleep 0.020 ;; planted) exec sleep $s ;; esac"
done
c() { git -C "$REPO" rev-list --reverse HEAD | sed -n "${1}p"; }
c6=$(c 6) c7=$(c 7)

# settle SECONDS: until the queue has stayed empty for 3 s (the daemon queues
# its next job the moment the queue empties, so one empty read is not enough).
settle() {
	local quiet=0 limit=$((SECONDS + $1))
	while [ $quiet -lt 3 ]; do
		[ $SECONDS -lt $limit ] || fail "the queue did not settle within $1 s: $(cat "$MNT/queue")"
		if [ -s "$MNT/queue" ]; then quiet=0; else quiet=$((quiet + 1)); fi
		sleep 1
	done
}

start_benchfs
git -C "$REPO" rev-list --reverse HEAD > "$MNT/queue"
wait_status 000012 '^done( |$)' 240
settle 300
jobs=$(grep -c 'to settle a suspected regression' "$T/daemon.log" || true)
[ "$jobs" -ge 1 ] || fail "the daemon queued no A/B job"
cat "$MNT/regressions" > "$T/reg"
assert_eq "$(wc -l < "$T/reg")" 1 "regressions lines ($(cat "$T/reg"))"
IFS=$'\t' read -r commit bench before after change q runs threshold source method range _ < "$T/reg"
assert_eq "$commit $bench $threshold $source $method $range" \
	"$c7 planted 25% fixed paired $c6..$c7" "the confirmed line"
# Sleeps of 20 and 60 ms; starting the process adds whatever the load makes it.
python3 -c "import sys; b, a = float(sys.argv[1]), float(sys.argv[2]); assert 0.019 < b and a - b > 0.03, (b, a)" "$before" "$after" \
	|| fail "means of the deciding job: $before $after"
case "$change" in +*%) ;; *) fail "change $change" ;; esac
python3 -c "import sys; assert 0 <= float(sys.argv[1]) <= 0.01" "$q" || fail "q $q"
ra=${runs%,*} rb=${runs#*,}
assert_eq "$(json "$MNT/compare/run-$((10#$ra))..run-$((10#$rb)).json" '(j["method"], j["a"]["commit"], j["b"]["commit"], [b["verdict"] for b in j["benchmarks"] if b["name"] == "planted"])')" \
	"('paired', '$c6', '$c7', ['slower'])" "the deciding job is the A/B job of c6 and c7"
ok "a planted step: suspected, confirmed by the daemon's A/B jobs and narrowed to its commit ($jobs jobs)"

# Every job once: the pairs of commits the daemon queued are distinct, and
# nothing more is queued on a remount (the jobs are in the store).
sed -n 's/.*queued the A\/B job \([0-9a-f]*\.\.[0-9a-f]*\) .*/\1/p' "$T/daemon.log" | sort | uniq -d > "$T/dup"
assert_eq "$(cat "$T/dup")" "" "A/B jobs queued twice"
nruns=$(ls "$MNT/runs" | wc -l)
assert_eq "$nruns" $((12 + 2 * jobs)) "runs: the history's and two per job"
stop_daemon
start_benchfs
sleep 3
assert_eq "$(cat "$MNT/queue")" "" "queue after a remount"
assert_eq "$(ls "$MNT/runs" | wc -l)" "$nruns" "runs after a remount"
assert_eq "$(cut -f1,2,10 "$MNT/regressions")" "$c7	planted	paired" "regressions after a remount"
ok "no job is queued twice, nor again after a remount"

# "confirm": false: no job of the daemon's own; the history's test lists the step.
stop_daemon
printf '%s\n' "$(config false)" > "$REPO/benchfs.json"
git -C "$REPO" commit -qam "confirm off"
git -C "$REPO" rev-parse HEAD > "$T/head"
mv "$T/daemon.log" "$T/daemon-1.log"
start_benchfs
sleep 3
assert_eq "$(cat "$MNT/queue")" "" "queue with confirm false"
grep -q 'to settle a suspected regression' "$T/daemon.log" && fail "the daemon queued a job with confirm false"
grep -P "^[0-9a-f]{40}\tplanted\t.*\truns\t-(\t|$)" "$MNT/regressions" > "$T/reg" || fail "no history line: $(cat "$MNT/regressions")"
assert_eq "$(cut -f1 "$T/reg")" "$c7" "the history's line"
ok "\"confirm\": false: no jobs of the daemon's own, the history's own line"
