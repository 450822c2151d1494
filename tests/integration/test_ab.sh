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
  "compare": {"max_pairs": 4},
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
if echo "va...vb" > "$MNT/queue" 2>/dev/null; then fail "a...b was accepted"; fi
if echo "..vb" > "$MNT/queue" 2>/dev/null; then fail "..b was accepted"; fi
if printf 'va\nva..nope\n' | cat > "$MNT/queue" 2>/dev/null; then fail "a..<unknown> was accepted"; fi
[ -z "$(ls "$MNT/runs")" ] || fail "a refused write queued something: $(ls "$MNT/runs")"
ok "a...b, ..b and a..<unknown> are refused; nothing queued"

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
echo "8 passed, 0 failed"
