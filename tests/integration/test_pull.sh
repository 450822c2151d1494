#!/bin/bash
# Pull requests and remote branches on demand, against a bare repository
# standing in for the remote: "pr/7" in the queue fetches refs/pull/7/head
# and queues the A/B job of its merge base with main against it;
# compare/pr-7.md is that job's report and follows a new push once queued
# again; a request the remote lacks fails the write (ENOENT), queues nothing
# and says why in the daemon's log; "origin/feature" works the same way, and
# refs/remotes/origin/... keeps meaning the local remote-tracking branch.
. "$(dirname "$0")/lib.sh"

make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 3, "timeout": 30,
  "compare": {"max_pairs": 4},
  "benchmarks": [{"name": "p", "command": ["./prog"]}]
}'
commit_prog c1 'exec sleep 0.01'
commit_prog c2 'exec sleep 0.01'
base=$(git -C "$REPO" rev-parse HEAD)
git init -q --bare -b main "$T/remote.git"
git -C "$REPO" remote add origin "$T/remote.git"
git -C "$REPO" push -q origin main
# Someone else's clone: the request's commits reach this repository only by
# the fetch.
git clone -q -b main "$T/remote.git" "$T/contrib"
git -C "$T/contrib" config user.email c@example.com
git -C "$T/contrib" config user.name contributor
printf '#!/bin/sh\nexec sleep 0.02\n' > "$T/contrib/prog.sh"
git -C "$T/contrib" commit -qam "the request"
head1=$(git -C "$T/contrib" rev-parse HEAD)
git -C "$T/contrib" push -q origin "$head1:refs/pull/7/head"
# main moves on after the request forked: its merge base is c2, not main's tip.
commit_prog m3 'exec sleep 0.01'
git -C "$REPO" cat-file -e "$head1" 2>/dev/null && fail "the fixture: the request's commit is here already"
start_benchfs

# same_json A..B: compare/pr-7.json is compare/A..B.json with "pull" added.
same_json() {
	python3 - "$MNT/compare/pr-7.json" "$MNT/compare/$1.json" <<'PY' || fail "compare/pr-7.json is not compare/$1.json with \"pull\""
import json, sys
a = json.load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
del a["pull"]
sys.exit(a != b)
PY
}

echo pr/7 > "$MNT/queue" || fail "echo pr/7 > queue failed"
assert_eq "$(cut -f1,2,3,5 "$MNT/queue" | tr '\t' ' ' | tr '\n' '|')" \
	"000001 main...pr/7 $base a/b 000001..000002|000002 pr/7 $head1 a/b 000001..000002|" \
	"the queued A/B job of pr/7"
assert_eq "$(git -C "$REPO" rev-parse refs/benchfs/pull/7)" "$head1" "refs/benchfs/pull/7"
ok "pr/7 is fetched and queued as the A/B job of its merge base (c2) against its head"
[ -e "$MNT/compare/pr-7.md" ] && fail "compare/pr-7.md exists before the job finished"
wait_status 000001 '^(done|failed)' 120
wait_status 000002 '^(done|failed)' 120
assert_eq "$(cut -d' ' -f1 "$MNT/runs/000002/status")" done "pr/7's side B"
assert_eq "$(json "$MNT/runs/000001/config.json" 'j["revision"]')" "main...pr/7" "side A's revision"
assert_eq "$(json "$MNT/runs/000002/config.json" 'j["revision"]')" "pr/7" "side B's revision"

# The report: compare/000001..000002 with one line more.
cat "$MNT/compare/pr-7.md" > "$T/pr.md" || fail "cat compare/pr-7.md"
short1=$(git -C "$REPO" rev-parse --short "$head1")
shortb=$(git -C "$REPO" rev-parse --short "$base")
line="Pull request \`pr/7\`: head \`$short1\`, measured against \`$shortb\`, its merge base with \`main\`."
grep -qxF "$line" "$T/pr.md" || fail "compare/pr-7.md lacks '$line': $(head -5 "$T/pr.md")"
grep -vxF "$line" "$T/pr.md" | cat -s > "$T/pr-without.md"
cat -s "$MNT/compare/000001..000002.md" > "$T/job.md"
cmp -s "$T/pr-without.md" "$T/job.md" || fail "compare/pr-7.md is not compare/000001..000002.md: $(diff "$T/job.md" "$T/pr-without.md" | head -8)"
assert_eq "$(json "$MNT/compare/pr-7.json" 'j["pull"]["kind"], j["pull"]["name"], j["pull"]["head"], j["pull"]["merge_base"], j["pull"]["branch"]')" \
	"('pull_request', 'pr/7', '$head1', '$base', 'main')" "compare/pr-7.json's pull"
same_json 000001..000002
ok "compare/pr-7.md and .json are compare/000001..000002's with the request's line"
"$BENCHFS" compare --repo "$REPO" pr-7 > "$T/cli-pr.md" || fail "benchfs compare pr-7"
cmp -s "$T/cli-pr.md" "$MNT/compare/pr-7.md" || fail "benchfs compare pr-7 is not compare/pr-7.md: $(diff "$T/cli-pr.md" "$MNT/compare/pr-7.md" | head -5)"
"$BENCHFS" compare --repo "$REPO" --format json pr/7 > "$T/cli-pr.json" || fail "benchfs compare --format json pr/7"
cmp -s "$T/cli-pr.json" "$MNT/compare/pr-7.json" || fail "benchfs compare --format json pr/7 is not compare/pr-7.json"
st=0; "$BENCHFS" compare --repo "$REPO" pr-8 > /dev/null 2> "$T/cli-err" || st=$?
assert_eq "$st" 2 "benchfs compare pr-8 (no such job): exit status"
grep -qF "pr/8 has no finished A/B job" "$T/cli-err" || fail "benchfs compare pr-8 says: $(cat "$T/cli-err")"
ok "benchfs compare pr-7 (and pr/7) prints compare/pr-7's bytes; a request without a job exits 2"

# A new push to the request, queued again: the report follows it.
printf '#!/bin/sh\nexec sleep 0.03\n' > "$T/contrib/prog.sh"
git -C "$T/contrib" commit -qam "the request, pushed again"
head2=$(git -C "$T/contrib" rev-parse HEAD)
git -C "$T/contrib" push -q -f origin "$head2:refs/pull/7/head"
echo pr/7 > "$MNT/queue" || fail "echo pr/7 > queue (again) failed"
assert_eq "$(cut -f2,3 "$MNT/queue" | tr '\t' ' ' | tr '\n' '|')" "main...pr/7 $base|pr/7 $head2|" "pr/7 queued again"
wait_status 000003 '^(done|failed)' 120
wait_status 000004 '^(done|failed)' 120
short2=$(git -C "$REPO" rev-parse --short "$head2")
grep -qF "Pull request \`pr/7\`: head \`$short2\`" "$MNT/compare/pr-7.md" \
	|| fail "compare/pr-7.md did not follow the push: $(grep 'Pull request' "$MNT/compare/pr-7.md")"
assert_eq "$(json "$MNT/compare/pr-7.json" 'j["pull"]["head"]')" "$head2" "compare/pr-7.json's head"
same_json 000003..000004
ok "pushed again and queued again, compare/pr-7 follows the new head"

# A request the remote lacks, and malformed ones: refused, nothing queued.
runs_before=$(ls "$MNT/runs" | wc -l)
err=$( { echo pr/999 > "$MNT/queue"; } 2>&1 ) && fail "pr/999 was accepted"
case "$err" in *"No such file or directory"*) ;; *) fail "pr/999: '$err', expected ENOENT";; esac
grep -q 'queue: refused: "pr/999": origin has no refs/pull/999/head' "$T/daemon.log" \
	|| fail "no line in the daemon's log says why pr/999 was refused: $(grep refused "$T/daemon.log" | tail -2)"
for bad in pr/abc pr/0 pr/07; do
	err=$( { echo "$bad" > "$MNT/queue"; } 2>&1 ) && fail "$bad was accepted"
	case "$err" in *"Invalid argument"*) ;; *) fail "$bad: '$err', expected EINVAL";; esac
done
err=$( { printf 'c1\npr/999\n' | cat > "$MNT/queue"; } 2>&1 ) && fail "c1 with pr/999 was accepted"
assert_eq "$(ls "$MNT/runs" | wc -l)" "$runs_before" "runs after the refused writes"
[ -e "$MNT/compare/pr-999.md" ] && fail "compare/pr-999.md exists"
[ -e "$MNT/compare/pr-8.md" ] && fail "compare/pr-8.md exists"
ok "pr/999 fails with ENOENT and a line in the log, pr/abc pr/0 pr/07 with EINVAL; nothing queued"

# A remote branch: fetched, the A/B job of its merge base against its tip.
git -C "$T/contrib" checkout -q -b feature/x "$head1"
printf '#!/bin/sh\nexec sleep 0.015\n' > "$T/contrib/prog.sh"
git -C "$T/contrib" commit -qam "a feature"
tip=$(git -C "$T/contrib" rev-parse HEAD)
git -C "$T/contrib" push -q origin feature/x
echo origin/feature/x > "$MNT/queue" || fail "echo origin/feature/x > queue failed"
assert_eq "$(cut -f1,2,3 "$MNT/queue" | tr '\t' ' ' | tr '\n' '|')" \
	"000005 main...origin/feature/x $base|000006 origin/feature/x $tip|" "the queued A/B job of origin/feature/x"
wait_status 000005 '^(done|failed)' 120
wait_status 000006 '^(done|failed)' 120
grep -qF "Remote branch \`origin/feature/x\`: tip \`$(git -C "$REPO" rev-parse --short "$tip")\`" \
	"$MNT/compare/origin:feature:x.md" || fail "compare/origin:feature:x.md: $(head -5 "$MNT/compare/origin:feature:x.md" 2>&1)"
ok "origin/feature/x is fetched and queued as an A/B job; compare/origin:feature:x.md reports it"

# origin/main is on main already: refused with a hint; its full name keeps
# the old meaning, the local remote-tracking branch's commit alone.
err=$( { echo origin/main > "$MNT/queue"; } 2>&1 ) && fail "origin/main was accepted"
case "$err" in *"Invalid argument"*) ;; *) fail "origin/main: '$err', expected EINVAL";; esac
grep -q 'queue: refused: "origin/main": its tip is on the tracked branch already' "$T/daemon.log" \
	|| fail "no reason for origin/main in the log"
echo refs/remotes/origin/main > "$MNT/queue" || fail "refs/remotes/origin/main was refused"
assert_eq "$(cut -f1,2,3,5 "$MNT/queue" | tr '\t' ' ')" "000007 refs/remotes/origin/main $base -" \
	"refs/remotes/origin/main queued alone"
wait_status 000007 '^(done|failed)' 120
ok "origin/main is refused with a reason; refs/remotes/origin/main is one run as before"
