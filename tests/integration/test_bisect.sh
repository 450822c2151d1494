#!/bin/bash
# Automatic bisection: a step confirmed between two benchmarked commits with
# 15 commits between them never benchmarked is bisected by the daemon to its
# exact commit (a commit that does not build is skipped), verified with an
# A/B job of its parent against it, shown in bisect/<id> and named in
# regressions; kill -9 in the middle and a restart finish it with nothing
# lost or queued twice; "bisect": {"enabled": false} bisects nothing.
. "$(dirname "$0")/lib.sh"

# The planted step makes a 20 ms sleep 200 ms: on a loaded machine starting
# the process adds tens of milliseconds, so a smaller step comes out far
# smaller than planted. c0 .. c16, the step at c11, c8 does not build.
config() { # BISECT_SECTION
	printf '{
  "build": "sh build.sh",
  "warmup": 0, "runs": 5, "timeout": 30,
  "compare": {"alpha": 0.01, "threshold": 0.25, "max_pairs": 40, "confirm": true},
  %s
  "benchmarks": [{"name": "planted", "command": ["./prog"]}]}' "$1"
}
make_repo "$(config '')"
for i in $(seq 0 16); do
	s=0.020
	[ "$i" -ge 11 ] && s=0.200
	if [ "$i" -eq 8 ]; then echo 'exit 1' > "$REPO/build.sh"
	else echo 'cp prog.sh prog && chmod +x prog' > "$REPO/build.sh"; fi
	commit_prog "c$i" "exec sleep $s"
done
c() { git -C "$REPO" rev-list --reverse HEAD | sed -n "$(($1 + 1))p"; }
c0=$(c 0) c10=$(c 10) c11=$(c 11) c16=$(c 16)

# settle SECONDS: until the queue has stayed empty for 3 s.
settle() {
	local quiet=0 limit=$((SECONDS + $1))
	while [ $quiet -lt 3 ]; do
		[ $SECONDS -lt $limit ] || fail "the queue did not settle within $1 s: $(cat "$MNT/queue")"
		if [ -s "$MNT/queue" ]; then quiet=0; else quiet=$((quiet + 1)); fi
		sleep 1
	done
}
queued_runs() { grep -c 'bisection 1: queued run' "$T/daemon.log" 2>/dev/null || true; }

start_benchfs
printf '%s\n%s\n' "$c0" "$c16" > "$MNT/queue"
# Kill -9 once the bisection has queued its second midpoint.
for _ in $(seq 600); do [ "$(queued_runs)" -ge 2 ] && break; sleep 0.2; done
[ "$(queued_runs)" -ge 2 ] || fail "no bisection started: $(cat "$MNT/regressions"; tail -5 "$T/daemon.log")"
assert_eq "$(ls "$MNT/bisect")" "1" "ls bisect"
killed=$(sed -n 's/.*bisection 1: queued run \([0-9]*\) of .*/\1/p' "$T/daemon.log" | sed -n 2p)
killed=$(printf '%06d' "$killed")
cat "$MNT/runs/$killed/status" > "$T/killed-status"
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
sleep 1
fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -uz "$MNT"
ok "killed with SIGKILL during the bisection's second step (run $killed: $(head -1 "$T/killed-status"))"

start_benchfs
settle 400
cat "$MNT/bisect/1" > "$T/b1"
sed 's/^/# /' "$T/b1"
grep -q "^state	named$" "$T/b1" || fail "bisection not named: $(cat "$T/b1")"
assert_eq "$(grep '^culprit	' "$T/b1" | cut -f2)" "$c11" "the culprit"
assert_eq "$(grep '^culprit	' "$T/b1" | cut -f4)" "c11" "the culprit's subject"
assert_eq "$(grep '^good	' "$T/b1" | cut -f2) $(grep '^bad	' "$T/b1" | cut -f2)" "$c0 $c16" "the ends"
grep -q "^step	[0-9]*	$(c 8)	.*	skipped	" "$T/b1" || fail "c8 (no build) not skipped: $(cat "$T/b1")"
builds=$(grep '^builds	' "$T/b1" | cut -f2)
[ "$builds" -le 6 ] || fail "$builds builds (at most 6): $(cat "$T/b1")"
grep -q "^verified by	[0-9,]*	slower	ratio " "$T/b1" || fail "no verifying job: $(cat "$T/b1")"
ok "bisected to the exact commit in $builds builds plus the verification, c8 skipped"

# Nothing lost or queued twice: the run killed with the daemon ran again
# under its own id, a midpoint has at most the two runs of an undecided one,
# and every run of the bisection is in runs/ with its revision.
if grep -q 'interrupted' "$MNT/runs/$killed/debug.log"; then
	grep -q 'attempt 2' "$MNT/runs/$killed/debug.log" || fail "run $killed was not run again after the kill"
fi
# (The log may miss the line of a run queued just before the kill: the
# store is what counts.)
awk -F'\t' '$1 == "step" { print $3 }' "$T/b1" | sort | uniq -d > "$T/dup"
assert_eq "$(cat "$T/dup")" "" "commits judged twice"
awk -F'\t' '$1 == "step" && split($5, r, ",") > 2' "$T/b1" > "$T/dup"
assert_eq "$(cat "$T/dup")" "" "midpoints with more than two runs"
assert_eq "$(awk -F'\t' '$1 == "step" { n += split($5, r, ",") } END { print n }' "$T/b1")" "$builds" "the steps' runs and builds"
assert_eq "$(grep -c 'bisection 1: queued the A/B job' "$T/daemon.log")" 1 "verifying jobs"
used=$(grep '^runs used	' "$T/b1" | cut -f2)
assert_eq "$used" $((builds + 2)) "runs used: the midpoints' and the verification's"
for r in $(grep '^runs used	' "$T/b1" | cut -f3 | tr ',' ' '); do
	grep -q '^done' "$MNT/runs/$r/status" || continue # a failed build has no result.json
	assert_eq "$(json "$MNT/runs/$r/result.json" 'j["benchfs"]["revision"]')" "bisect/1" "revision of run $r"
done
ok "nothing lost or queued twice across the kill; $used runs, each bisect/1"

# regressions names it (the last field), and the bisection's runs are no
# point of the history: one line, its range still c0..c16.
line=$(cat "$MNT/regressions")
assert_eq "$(printf '%s\n' "$line" | wc -l)" 1 "regressions lines ($line)"
assert_eq "$(printf '%s' "$line" | cut -f1,2,11)" "$c16	planted	$c0..$c16" "the confirmed line"
assert_eq "$(printf '%s' "$line" | awk -F'\t' '{print $NF}')" "$c11" "regressions' culprit"
ok "regressions names the culprit; the history is its two ends"

# Nothing more on a remount.
nruns=$(ls "$MNT/runs" | wc -l)
stop_daemon
start_benchfs
sleep 3
assert_eq "$(cat "$MNT/queue")" "" "queue after a remount"
assert_eq "$(ls "$MNT/runs" | wc -l)" "$nruns" "runs after a remount"
ok "nothing queued again after a remount"

# "bisect": {"enabled": false}: a new data directory, no bisection. It
# must start empty, so under PostgreSQL it has a store of its own too:
# the first one's confirmed step would otherwise be bisected already.
stop_daemon
printf '%s\n' "$(config '"bisect": {"enabled": false},')" > "$REPO/benchfs.json"
mv "$T/daemon.log" "$T/daemon-1.log"
store2=$(other_store data2)
BENCHFS_STORE=$store2 start_benchfs --data "$T/data2"
printf '%s\n%s\n' "$c0" "$c16" > "$MNT/queue"
settle 200
assert_eq "$(ls "$MNT/bisect")" "" "bisections with bisect disabled"
assert_eq "$(awk -F'\t' '{print $NF}' "$MNT/regressions")" "-" "regressions' culprit with bisect disabled"
ok "\"bisect\": {\"enabled\": false} bisects nothing"
