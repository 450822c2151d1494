#!/bin/bash
# The tracked branch: a remote-tracking branch ("branch": "origin/release")
# is followed when no local branch has the name; a branch that exists in
# neither form is named in one warning, and history is empty until it exists.
. "$(dirname "$0")/lib.sh"

make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 2, "compare": {"confirm": false},
  "branch": "origin/release",
  "benchmarks": [{"name": "t", "command": ["./prog"]}]}'
commit_prog one 'true'
commit_prog two 'true'
c1=$(git -C "$REPO" rev-parse HEAD~1) c2=$(git -C "$REPO" rev-parse HEAD)
# The release line is c1 then c2, as a fetch from origin leaves it; main moves on.
git -C "$REPO" update-ref refs/remotes/origin/release "$c2"
commit_prog three 'true'
c3=$(git -C "$REPO" rev-parse HEAD)
start_benchfs
printf '%s\n' "$c1" "$c2" "$c3" > "$MNT/queue"
wait_status 000003 '^done' 60
grep -q 'warning: the tracked branch' "$T/daemon.log" && fail "a warning for origin/release: $(grep warning "$T/daemon.log")"
assert_eq "$(cut -d, -f1 "$MNT/history/t.csv" | tail -n +2 | tr '\n' ' ')" "$c1 $c2 " \
	"history follows refs/remotes/origin/release (c3 is off that line)"
ok "\"branch\": \"origin/release\" follows the remote-tracking branch"

stop_daemon
python3 - "$REPO/benchfs.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["branch"] = "nowhere"
json.dump(c, open(sys.argv[1], "w"))
PY
start_benchfs
grep -q 'warning: the tracked branch nowhere exists neither as refs/heads/nowhere nor as refs/remotes/nowhere (yet): history and regressions stay empty until it does' "$T/daemon.log" \
	|| fail "no warning naming both forms: $(grep warning "$T/daemon.log")"
assert_eq "$(tail -n +2 "$MNT/history/t.csv")" "" "history of a branch that does not exist"
ok "a branch in neither form: one warning naming both, an empty history"
