#!/bin/bash
# Interleaved A/B jobs: "a..b" in the queue builds both commits in their own
# work trees and alternates their iterations in counterbalanced pairs (A B,
# B A, A B, ...); one run per side, linked; a failing side fails both; a
# crash re-runs both. Then pairs added until decisive: identical code never
# slower or faster, a big slowdown decided at its first decisive look, a
# small one adding rounds (status, debug.log, iteration numbers going on),
# and a crash during an extra round re-running the whole job.
. "$(dirname "$0")/lib.sh"

TRACE="$T/trace"
make_repo '{
  "build": "cp prog.sh prog && chmod +x prog", "warmup": 1, "runs": 4, "timeout": 20,
  "compare": {"max_pairs": 4, "confirm": false},
  "prepare": "echo \"prepare $(cat side) $BENCHFS_ITERATION\" >> '"$TRACE"'",
  "benchmarks": [{"name": "p", "command": ["./prog"]}]}'
commit_prog first 'echo "A $BENCHFS_ITERATION $(pwd)" >> '"$TRACE"'; sleep 0.2; echo side-a'
printf 'A\n' > "$REPO/side"; git -C "$REPO" add side; git -C "$REPO" commit -qm side-a; git -C "$REPO" tag va
commit_prog second 'echo "B $BENCHFS_ITERATION $(pwd)" >> '"$TRACE"'; sleep 0.2; echo side-b'
printf 'B\n' > "$REPO/side"; git -C "$REPO" commit -qam side-b; git -C "$REPO" tag vb
va=$(git -C "$REPO" rev-parse va)
vb=$(git -C "$REPO" rev-parse vb)
start_benchfs

# Malformed A/B lines are refused, and a bad side refuses the whole write.
# (a...b is the merge base's job: queued at the end, once the run numbers
# this test reads are taken.)
if echo "va....vb" > "$MNT/queue" 2>/dev/null; then fail "a....b was accepted"; fi
if echo "..vb" > "$MNT/queue" 2>/dev/null; then fail "..b was accepted"; fi
if printf 'va\nva..nope\n' | cat > "$MNT/queue" 2>/dev/null; then fail "a..<unknown> was accepted"; fi
if printf 'va\nva...nope\n' | cat > "$MNT/queue" 2>/dev/null; then fail "a...<unknown> was accepted"; fi
[ -z "$(ls "$MNT/runs")" ] || fail "a refused write queued something: $(ls "$MNT/runs")"
ok "a....b, ..b, a..<unknown> and a...<unknown> are refused; nothing queued"

echo "va..vb" > "$MNT/queue"
assert_eq "$(cut -f1,2,3 "$MNT/queue" | tr '\t' ' ' | tr '\n' '|')" "000001 va $va|000002 vb $vb|" "queue listing"
# Both runs are running at once (each one's status shows its progress).
for _ in $(seq 300); do
	if grep -q '^running p [1-4]/4$' "$MNT/runs/000001/status" 2>/dev/null &&
	   grep -q '^running p [1-4]/4$' "$MNT/runs/000002/status" 2>/dev/null; then break; fi
	sleep 0.1
done
grep -q '^running p' "$MNT/runs/000001/status" && grep -q '^running p' "$MNT/runs/000002/status" \
	|| fail "the two sides were not running together: $(cat "$MNT/runs/000001/status") / $(cat "$MNT/runs/000002/status")"
ok "both sides run together: $(cat "$MNT/runs/000001/status") / $(cat "$MNT/runs/000002/status")"
wait_status 000001 '^(done|failed)' 60
wait_status 000002 '^(done|failed)' 60
assert_eq "$(cut -d" " -f1 "$MNT/runs/000001/status")" done "side A status"
assert_eq "$(cut -d" " -f1 "$MNT/runs/000002/status")" done "side B status"

# The order: warmups A B, then pairs A B, B A, A B, B A (an order effect
# cancels over two pairs), each with its own prepare, in its own work tree.
assert_eq "$(grep -v '^prepare' "$TRACE" | cut -d' ' -f1,2 | tr '\n' ' ')" \
	"A -1 B -1 A 1 B 1 B 2 A 2 A 3 B 3 B 4 A 4 " "alternation"
assert_eq "$(grep '^prepare' "$TRACE" | cut -d' ' -f2,3 | tr '\n' ' ')" \
	"A -1 B -1 A 1 B 1 B 2 A 2 A 3 B 3 B 4 A 4 " "prepare per side"
dir_a=$(grep '^A 1 ' "$TRACE" | cut -d' ' -f3)
dir_b=$(grep '^B 1 ' "$TRACE" | cut -d' ' -f3)
[ "$dir_a" != "$dir_b" ] || fail "both sides ran in the same work tree $dir_a"
ok "iterations alternate A B B A A B B A with per-side prepare, in two work trees"

# One run per side, linked both ways; each log tells the story.
r1="$MNT/runs/000001/result.json"
r2="$MNT/runs/000002/result.json"
assert_eq "$(json "$r1" '(j["benchfs"]["commit"], j["benchfs"]["interleaved_with"])')" \
	"('$va', {'run': '000002', 'commit': '$vb'})" "A's link"
assert_eq "$(json "$r2" '(j["benchfs"]["commit"], j["benchfs"]["interleaved_with"])')" \
	"('$vb', {'run': '000001', 'commit': '$va'})" "B's link"
assert_eq "$(json "$r1" 'len(j["results"][0]["times"])')" 4 "A's iterations"
assert_eq "$(json "$r2" 'len(j["results"][0]["times"])')" 4 "B's iterations"
assert_eq "$(json "$MNT/runs/000002/config.json" 'j["revision"]')" vb "B's revision"
grep -q 'interleaved A/B job: this run is side A, run 000002 (vb' "$MNT/runs/000001/debug.log" || fail "A's log"
grep -q 'interleaved A/B job: this run is side B, run 000001 (va' "$MNT/runs/000002/debug.log" || fail "B's log"
grep -q '\[p 4/4\] side-a' "$MNT/runs/000001/debug.log" || fail "A's output in A's log"
grep -q '\[p 4/4\] side-b' "$MNT/runs/000002/debug.log" || fail "B's output in B's log"
if grep -q 'side-b' "$MNT/runs/000001/debug.log"; then fail "B's output in A's log"; fi
ok "one run per side, linked in result.json, each log with its own output"

# Named by its runs, the job is as interleaved as when named by its commits.
assert_eq "$(json "$MNT/compare/run-1..run-2.json" '(j["a"]["interleaved"], j["b"]["interleaved"], j["method"])')" \
	"(True, True, 'paired')" "compare/run-1..run-2.json"
grep -q '^Method: paired\. ' "$MNT/compare/run-1..run-2.md" || fail "compare/run-1..run-2.md: $(head -12 "$MNT/compare/run-1..run-2.md")"
ok "compare/run-<a>..run-<b> of one A/B job: interleaved, paired"
if [ -e "$MNT/compare/va..vb.md" ]; then
	[ -s "$MNT/compare/va..vb.md" ] || fail "compare/va..vb.md is empty"
	ok "compare/va..vb.md reads"
fi

# A side that fails fails both; the other names it.
commit_prog broken 'echo "C $BENCHFS_ITERATION" >> '"$TRACE"'; exit 3'
echo "va..HEAD" > "$MNT/queue"
wait_status 000004 '^failed' 60
wait_status 000003 '^failed' 60
assert_eq "$(cat "$MNT/runs/000004/status")" "failed: p warmup 1/1 exited with status 3" "failing side"
assert_eq "$(cat "$MNT/runs/000003/status")" \
	"failed: the other side of this A/B job (run 000004) failed: p warmup 1/1 exited with status 3" "other side"
ok "a failing side fails both: $(cat "$MNT/runs/000003/status")"

# A crash mid-job: both sides are queued again and re-run together.
: > "$TRACE"
echo "va..vb" > "$MNT/queue"
wait_status 000006 '^running p [2-4]/4$' 60
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
unmount
: > "$TRACE"
start_benchfs
wait_status 000005 '^done( |$)' 60
wait_status 000006 '^done( |$)' 60
assert_eq "$(grep -v '^prepare' "$TRACE" | cut -d' ' -f1,2 | tr '\n' ' ')" \
	"A -1 B -1 A 1 B 1 B 2 A 2 A 3 B 3 B 4 A 4 " "alternation after restart"
grep -q 'this run was interrupted' "$MNT/runs/000005/debug.log" || fail "A's log does not tell of the crash"
grep -q 'this run was interrupted' "$MNT/runs/000006/debug.log" || fail "B's log does not tell of the crash"
assert_eq "$(json "$MNT/runs/000006/result.json" 'len(j["results"][0]["times"])')" 4 "B after restart"
ok "after kill -9 both sides run again, interleaved"

# ---- pairs added until decisive ----
# Short busy loops (a few ms), a first round of 10 pairs and a cap of 80: the
# looks are at 10, 20, 40 and 80 pairs, at levels 0.01 x 10/80, 10/80, 20/80
# and 40/80. No look of 10 pairs can decide slower or faster (the smallest
# signed-rank p of 10 pairs, 2/1024, is above 0.00125), so every planted
# change is looked at twice at least.
stop_daemon
TRACE2="$T/trace2"
cat > "$REPO/benchfs.json" <<JSON
{
  "build": "cp prog.sh prog && chmod +x prog", "warmup": 1, "runs": 10, "timeout": 20,
  "compare": {"max_pairs": 80, "confirm": false}, "artifacts": ["prog", "lib/*.so"],
  "setup": "echo \"\${PWD##*/} setup\" >> $TRACE2",
  "cleanup": "echo \"\${PWD##*/} cleanup\" >> $TRACE2",
  "benchmarks": [
    {"name": "same", "command": ["./prog", "same"]},
    {"name": "big", "command": ["./prog", "big"]},
    {"name": "small", "command": ["./prog", "small"]}
  ]}
JSON
git -C "$REPO" add benchfs.json
loops_prog() { # SAME BIG SMALL: loop counts (1500 take about 5 ms beside ~10 ms of start-up)
	printf '%s\n' \
		'echo "${PWD##*/} $1 $BENCHFS_ITERATION" >> '"$TRACE2" \
		'case $1 in same) n='"$1"' ;; big) n='"$2"' ;; small) n='"$3"' ;; esac' \
		'i=0; while [ $i -lt $n ]; do i=$((i+1)); done'
}
commit_prog loops-a "$(loops_prog 1500 1000 3000)" wa
commit_prog loops-a-again "$(loops_prog 1500 1000 3000)" wa2 # identical code
commit_prog loops-b "$(loops_prog 1500 12000 3150)" wb       # big about x4, small a few %
commit_prog loops-step "$(loops_prog 1500 1000 3000)
[ \"\$1\" = same ] && [ \"\$BENCHFS_ITERATION\" -ge 11 ] && while [ \$i -lt 40000 ]; do i=\$((i+1)); done
exit 0" wstep # same several times slower from its 11th iteration on
commit_prog loops-b-failing "$(loops_prog 1500 12000 3150)
[ \"\$1\" = big ] && [ \"\$BENCHFS_ITERATION\" = 15 ] && exit 3; exit 0" wfail
start_benchfs

# The status of both runs, as often as it changes, until both end.
watch_status() { # OUT RUN RUN
	while kill -0 $$ 2>/dev/null; do
		a=$(cat "$MNT/runs/$2/status" 2>/dev/null) || a=
		b=$(cat "$MNT/runs/$3/status" 2>/dev/null) || b=
		printf '%s\n%s\n' "$a" "$b"
		case "$a$b" in done*done*|failed*|*failed*) break ;; esac
		sleep 0.02
	done | uniq > "$1"
}
# final_line RUN BENCH: the last "<bench>: <verdict> after <n> pairs" of the log.
final_line() {
	grep -E "\] $2: (slower|faster|unchanged|undecided) after [0-9]+ pairs" \
		"$MNT/runs/$1/debug.log" | tail -1 | sed 's/^[^ ]* \[[^]]*\] //'
}
bench_index() { case $1 in same) echo 0 ;; big) echo 1 ;; small) echo 2 ;; esac; }
# The measured iterations of BENCH in the trace, one "side iteration" each.
measured() { awk -v b="$1" '$2 == b && $3 > 0 { print $1, $3 }' "$TRACE2"; }
# What counterbalanced pairs 1..N look like.
pairs_order() {
	for i in $(seq "$1"); do
		if [ $((i % 2)) = 1 ]; then echo "work-a $i"; echo "work-b $i"; else echo "work-b $i"; echo "work-a $i"; fi
	done
}

# (b) identical code: each benchmark stops early as unchanged or reaches the
# cap undecided; never slower or faster.
: > "$TRACE2"
echo "wa..wa2" > "$MNT/queue"
wait_status 000008 '^(done|failed)' 120
wait_status 000007 '^(done|failed)' 20
assert_eq "$(cut -d' ' -f1 "$MNT/runs/000007/status") $(cut -d' ' -f1 "$MNT/runs/000008/status")" \
	"done done" "A/A statuses"
for b in same big small; do
	line=$(final_line 000007 $b)
	echo "$line" | grep -Eq "^$b: (unchanged after (10|20|40|80) pairs|undecided after 80 pairs \(the cap\): the change is smaller than this machine's noise can resolve)" \
		|| fail "A/A $b: '$line'"
	assert_eq "$(final_line 000008 $b)" "$line" "A/A $b: both logs"
	n=$(echo "$line" | grep -Eo '[0-9]+ pairs' | cut -d' ' -f1)
	assert_eq "$(json "$MNT/runs/000007/result.json" "len(j['results'][$(bench_index $b)]['times'])")" \
		"$n" "A/A $b: times of A"
	assert_eq "$(measured $b | tr '\n' ' ')" "$(pairs_order "$n" | tr '\n' ' ')" "A/A $b: pairs in order"
	log "A/A $line"
done
ok "identical code: every benchmark unchanged or undecided at the cap, never slower or faster"

# (c), (d): a big slowdown and a small one.
: > "$TRACE2"
echo "wa..wb" > "$MNT/queue"
watch_status "$T/statuses" 000009 000010 &
watcher=$!
wait_status 000010 '^(done|failed)' 120
wait_status 000009 '^(done|failed)' 20
assert_eq "$(cut -d' ' -f1 "$MNT/runs/000009/status") $(cut -d' ' -f1 "$MNT/runs/000010/status")" \
	"done done" "A/B statuses"
wait "$watcher"
# (c) decided slower at its first decisive look, before the cap: no look of
# 10 pairs can decide (above), so at 20 pairs, or at 40 when the noise of this
# VM (others' CPU hogs) blurs a few of the first 20.
line=$(final_line 000009 big)
echo "$line" | grep -Eq '^big: slower after (20|40) pairs$' || fail "the big slowdown: '$line' ($(
	grep -E '\] (big|same|small): look' "$MNT/runs/000009/debug.log" | sed 's/^[^ ]* \[[^]]*\] //' | tr '\n' '|'))"
n=$(echo "$line" | grep -Eo '[0-9]+ pairs' | cut -d' ' -f1)
assert_eq "$(final_line 000010 big)" "$line" "the big slowdown, B's log"
grep -Eq '\] big: look 1, 10 pairs: [+-][0-9.]+% \[[+-][0-9.]+%, [+-][0-9.]+%\] at 99\.88%, p=[0-9.e-]+ \(signed-rank\), undecided: adding 10 pairs$' \
	"$MNT/runs/000009/debug.log" || fail "big's first look: $(grep 'big: look 1' "$MNT/runs/000009/debug.log")"
looks=$(grep -c '\] big: look' "$MNT/runs/000009/debug.log")
assert_eq "$(grep '\] big: look' "$MNT/runs/000009/debug.log" | grep -c 'undecided: adding')" $((looks - 1)) \
	"big: undecided at every look before its last"
grep -Eq "\] big: look $looks, $n pairs: \+[0-9.]+% \[\+[0-9.]+%, \+[0-9.]+%\] at 99\.[0-9]+%, p=[0-9.e-]+ \(signed-rank\), slower$" \
	"$MNT/runs/000009/debug.log" || fail "big's last look: $(grep 'big: look' "$MNT/runs/000009/debug.log" | tail -1)"
assert_eq "$(json "$MNT/runs/000010/result.json" 'len(j["results"][1]["times"])')" "$n" "big: B's times"
assert_eq "$(measured big | tr '\n' ' ')" "$(pairs_order "$n" | tr '\n' ' ')" "big: pairs 1..$n in order"
ok "a big slowdown: $line, at its first decisive look (look $looks)"
# (d) the small change adds rounds: in status, in debug.log, iteration numbers going on.
line=$(final_line 000009 small)
echo "$line" | grep -Eq '^small: (slower|unchanged) after (20|40|80) pairs$|^small: undecided after 80 pairs \(the cap\)' \
	|| fail "the small change: '$line'"
n=$(echo "$line" | grep -Eo '[0-9]+ pairs' | cut -d' ' -f1)
grep -Eq '\] small: look 1, 10 pairs: .*, undecided: adding 10 pairs$' "$MNT/runs/000010/debug.log" \
	|| fail "small's first look: $(grep 'small: look 1' "$MNT/runs/000010/debug.log")"
grep -Eq '^running small 1[0-9]/20 \(adding pairs, round 2\)$' "$T/statuses" \
	|| fail "no status of small's second round among: $(grep small "$T/statuses" | tr '\n' '|')"
grep -q 'small: round 2: setup, 1 warmup, 10 more pairs (iterations 11..20, A B for odd, B A for even), cleanup$' "$MNT/runs/000009/debug.log" \
	|| fail "A's log does not tell of small's round 2"
assert_eq "$(measured small | tr '\n' ' ')" "$(pairs_order "$n" | tr '\n' ' ')" "small: pairs 1..$n in order"
rounds=$(( 1 + $(grep -c '\] small: round [0-9]*:' "$MNT/runs/000009/debug.log") ))
assert_eq "$(awk '$2 == "small" && $3 < 0' "$TRACE2" | wc -l)" $(( 2 * rounds )) "small: a warmup per side per round"
all_rounds=$(( 3 + $(grep -c '\] [a-z]*: round [0-9]*:' "$MNT/runs/000009/debug.log") ))
assert_eq "$(grep -c '^work-[ab] setup$' "$TRACE2") $(grep -c '^work-[ab] cleanup$' "$TRACE2")" \
	"$(( 2 * all_rounds )) $(( 2 * all_rounds ))" "a setup and a cleanup per side per round"
for r in 000009 000010; do
	assert_eq "$(json "$MNT/runs/$r/result.json" 'len(j["results"][2]["times"])')" "$n" "small: times of run $r"
done
ok "a small change adds rounds ($rounds, seen as '$(grep -m1 'small.*round 2' "$T/statuses")'): $line"

# (e) kill -9 during an extra round: the whole job is queued again and re-run;
# the same after a graceful stop.
in_extra_round() { # until a pair beyond the first round's 10 was measured
	for _ in $(seq 600); do
		if awk '$3 >= 12 { found = 1 } END { exit !found }' "$TRACE2"; then return 0; fi
		sleep 0.05
	done
	fail "no extra round within 30 s"
}
: > "$TRACE2"
echo "wa..wb" > "$MNT/queue"
in_extra_round
status=$(cat "$MNT/runs/000011/status")
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
unmount
echo "$status" | grep -Eq '^running [a-z]+ [0-9]+/20 \(adding pairs, round 2\)$' \
	|| fail "not killed during an extra round: '$status'"
: > "$TRACE2"
start_benchfs
in_extra_round
stopped=$(cat "$MNT/runs/000012/status")
stop_daemon
echo "$stopped" | grep -Eq '\(adding pairs, round [2-4]\)$' || fail "not stopped during an extra round: '$stopped'"
for r in 000011 000012; do
	grep -q 'interrupted: benchfs is shutting down; the run is queued again' \
		"$REPO/.git/benchfs/logs/$r.log" || fail "run $r's log does not tell of the stop"
done
: > "$TRACE2"
start_benchfs
wait_status 000012 '^(done|failed)' 120
wait_status 000011 '^(done|failed)' 20
assert_eq "$(cut -d' ' -f1 "$MNT/runs/000011/status") $(cut -d' ' -f1 "$MNT/runs/000012/status")" \
	"done done" "statuses after the restart"
grep -q 'this run was interrupted' "$MNT/runs/000011/debug.log" || fail "A's log does not tell of the crash"
assert_eq "$(head -2 "$TRACE2" | tr '\n' ' ')" "work-a setup work-b setup " "the re-run starts with the setup"
assert_eq "$(grep -v 'setup\|cleanup' "$TRACE2" | head -1)" "work-a same -1" \
	"the re-run starts from the first benchmark's warmup"
line=$(final_line 000011 big)
echo "$line" | grep -Eq '^big: slower after (20|40) pairs$' || fail "big after the restart: '$line'"
n=$(echo "$line" | grep -Eo '[0-9]+ pairs' | cut -d' ' -f1)
assert_eq "$(measured big | tr '\n' ' ')" "$(pairs_order "$n" | tr '\n' ' ')" "big after the restart: pairs 1..$n"
assert_eq "$(json "$MNT/runs/000012/result.json" 'len(j["results"][1]["times"])')" "$n" "big: B's times after the restart"
ok "kill -9 ($status) and a graceful stop ($stopped) during extra rounds: the whole job ran again"

# A failing iteration in an extra round fails the job, as in the first round.
echo "wa..wfail" > "$MNT/queue"
wait_status 000014 '^(done|failed)' 120
wait_status 000013 '^(done|failed)' 20
assert_eq "$(cat "$MNT/runs/000014/status")" "failed: big iteration 15/20 exited with status 3" "the failing side"
assert_eq "$(cat "$MNT/runs/000013/status")" \
	"failed: the other side of this A/B job (run 000014) failed: big iteration 15/20 exited with status 3" \
	"the other side"
ok "a failing iteration in an extra round fails both sides: $(cat "$MNT/runs/000014/status")"

# What each benchmark was measured under: the build's identity (identical
# code, identical artifacts), a step inside a run flagged unstable, the
# interference recorded; all in the store for the views.
id_of() { sed -n 's/.*\] artifacts: \([0-9a-f]\{40\}\) (1 file)$/\1/p' "$MNT/runs/$1/debug.log" | tail -1; }
[ -n "$(id_of 000007)" ] || fail "no build identity in run 7's log: $(grep 'artifacts' "$MNT/runs/000007/debug.log")"
assert_eq "$(id_of 000008)" "$(id_of 000007)" "identical code, identical build identity"
[ "$(id_of 000010)" != "$(id_of 000009)" ] || fail "a changed prog kept its build identity"
db="$REPO/.git/benchfs/benchfs.db"
sql() { # QUERY: rows as "a|b", through Python's sqlite3 (read only), or psql
	if store_is_pg; then
		store_sql "$1"
		return
	fi
	python3 -c 'import sqlite3, sys
for row in sqlite3.connect("file:" + sys.argv[1] + "?mode=ro", uri=True).execute(sys.argv[2]):
    print("|".join(str(v) for v in row))' "$db" "$1"
}
# A whole double as sql prints it: Python's 1.0, psql's 1 (both exact).
whole=.0
! store_is_pg || whole=
assert_eq "$(sql "SELECT build_id FROM runs WHERE id = 10")" "$(id_of 000010)" "build_id in the store"
# A step is told from noise as 10 iterations against 10 (a plain run; noise
# may move the step found by an iteration or so).
stop_daemon
sed -i 's/"runs": 10/"runs": 20/' "$REPO/benchfs.json"
start_benchfs
echo "wstep" > "$MNT/queue"
wait_status 000015 '^(done|failed)' 60
grep -Eq '\] same: unstable: its times stepped by \+[0-9]+% at iteration (9|1[0-2]) of 20 \(p=[0-9.e-]+\); the machine changed while it was measured$' \
	"$MNT/runs/000015/debug.log" || fail "no unstable line: $(grep -i 'unstable' "$MNT/runs/000015/debug.log")"
# (big and small may step too, when the machine does)
sql "SELECT benchmark, value FROM metrics WHERE run_id = 15 AND name = 'unstable' ORDER BY benchmark" \
	| grep -Eq "^big\\|[01]${whole/./\\.}\$" || fail "big's unstable metric"
assert_eq "$(sql "SELECT benchmark, value FROM metrics WHERE run_id = 15 AND name = 'unstable' ORDER BY benchmark" | sed -n 2p)" \
	"same|1$whole" "unstable in the store"
for r in 9 10 15; do
	assert_eq "$(sql "SELECT count(*) FROM metrics WHERE run_id = $r AND name IN ('other_cpus', 'steal') AND value >= 0")" \
		6 "interference of run $r in the store"
done
assert_eq "$(sql "SELECT count(*) FROM metrics WHERE run_id = 15 AND name = 'sequential_level'")" 0 \
	"no sequential level for a plain run"
n=$(final_line 000009 big | grep -Eo '[0-9]+ pairs' | cut -d' ' -f1)
assert_eq "$(sql "SELECT CASE WHEN abs(value - 0.01 * $n / 2 / 80) < 1e-12 THEN 1 ELSE 0 END FROM metrics WHERE run_id IN (9, 10) AND benchmark = 'big' AND name = 'sequential_level'" | tr '\n' ' ')" \
	"1 1 " "big's sequential level: its last look's (n pairs: 0.01 x (n/2)/80)"
ok "build identity, unstable ($(grep -o 'same: unstable: .*%' "$MNT/runs/000015/debug.log")) and interference recorded"

# Three dots, as compare/ and git diff read them: the A/B job of the merge
# base of a and b (side A named by its full hash) against b. feat forks from
# va, which vb has moved past.
# (Made without a checkout: the work tree's benchfs.json is edited above.)
feat=$(git -C "$REPO" commit-tree -p va -m feat 'va^{tree}')
git -C "$REPO" branch feat "$feat"
echo "vb...feat" > "$MNT/queue" || fail "vb...feat was refused"
assert_eq "$(cut -f1,2,3,5 "$MNT/queue" | tr '\t' ' ' | tr '\n' '|')" \
	"000016 $va $va a/b 000016..000017|000017 feat $feat a/b 000016..000017|" \
	"vb...feat queues the merge base (va) against feat"
# benchfs run takes the same line (a data directory of its own: it measures
# in this process while the mount holds the other; so under PostgreSQL a
# store of its own too, or its runs would be numbered after the mount's).
run_store=$(other_store run)
BENCHFS_STORE=$run_store bf run --repo "$REPO" --data "$T/data-run" "vb...feat"
expect_status 0 "benchfs run vb...feat"
grep -q "^benchfs: queued $va (${va:0:12}, side A of an A/B job) as run 000001$" "$T/err" ||
	fail "run's side A: $(cat "$T/err")"
grep -q "^benchfs: queued feat (${feat:0:12}, side B) as run 000002$" "$T/err" ||
	fail "run's side B: $(cat "$T/err")"
ok "a...b queues the merge base of a and b against b, as one A/B job (the mount and benchfs run)"
echo "16 passed, 0 failed"
