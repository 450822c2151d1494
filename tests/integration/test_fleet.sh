#!/bin/bash
# Two runners on this machine share one PostgreSQL store, each with its own
# data directory, labels and mount: a job goes only to a runner with its
# labels, both mounts show the same runs, compare and history, and a runner
# killed with SIGKILL mid-benchmark loses its lease, after which the other
# matching runner measures the job again from scratch: nothing lost, nothing
# counted twice.
. "$(dirname "$0")/lib.sh"

if ! store_is_pg; then
	echo "# skipped: runners share a store on PostgreSQL only (set BENCHFS_TEST_PG)"
	exit 77
fi

nap="1.2$$"
make_repo '{"runs": 3, "profiles": ["alpha", "beta"], "benchmarks": [{"name": "nap", "command": ["sleep", "'"$nap"'"]}]}'
commit_prog one 'true'
commit_prog two 'true'
host=$(hostname)
name_a="$host:$REPO/.git/benchfs"
name_b="$host:$DATA2"

start_benchfs --labels alpha,common --lease 3
start_second --labels beta,common --lease 3
assert_eq "$(store_sql "SELECT name || ' ' || labels FROM runners ORDER BY name" | sort)" \
	"$(printf '%s\n' "$name_a alpha,common,cores=$(nproc),host=$host,$(uname -m)" "$name_b beta,common,cores=$(nproc),host=$host,$(uname -m)" | sort)" \
	"the two runners and their labels"
ok "two runners registered in one store with their own labels"

# Queued through one mount, each job goes to the runner with its labels.
printf 'HEAD @profile=beta\nHEAD~1 @profile=alpha\nHEAD @profile=nosuch\n' > "$MNT/queue"
wait_sql "SELECT state FROM runs WHERE id IN (1, 2) ORDER BY id" "$(printf 'done\ndone')" 60
assert_eq "$(store_sql "SELECT runner FROM runs WHERE id = 1")" "$name_b" "the beta job's runner"
assert_eq "$(store_sql "SELECT runner FROM runs WHERE id = 2")" "$name_a" "the alpha job's runner"
assert_eq "$(store_sql "SELECT state || ' ' || runner || ' ' || labels FROM runs WHERE id = 3")" \
	"queued  nosuch" "a job no runner can take stays queued, held by none"
ok "jobs go only to runners with their labels; one no runner matches waits"

# Both mounts read the one store: the same runs, compare and history.
assert_eq "$(ls "$MNT2/runs" | tr '\n' ' ')" "$(ls "$MNT/runs" | tr '\n' ' ')" "runs/ in both mounts"
for f in runs/000001/status runs/000002/result.json compare/HEAD~1..HEAD.md history/nap.csv; do
	cmp -s "$MNT/$f" "$MNT2/$f" || fail "$f differs between the mounts: $(diff "$MNT/$f" "$MNT2/$f" | head -5)"
done
assert_eq "$(wc -l < "$MNT2/history/nap.csv")" 3 "history/nap.csv: a header and the two commits"
ok "both mounts show the same runs, compare and history"

# The configuration's profiles: a revision without its own @profile= runs on each.
echo HEAD~1 > "$MNT2/queue"
wait_sql "SELECT count(*) FROM runs WHERE id IN (4, 5) AND state = 'done'" 2 60
assert_eq "$(store_sql "SELECT labels || ' ' || runner FROM runs WHERE id IN (4, 5) ORDER BY id")" \
	"$(printf 'alpha %s\nbeta %s' "$name_a" "$name_b")" "one job per profile, each on its runner"
ok "\"profiles\": one job per profile, each measured by the runner with its labels"

# A job both runners may take; the one that claims it is killed mid-benchmark.
echo 'HEAD @profile=common' > "$MNT2/queue"
wait_sql "SELECT state FROM runs WHERE id = 6" running 30
holder=$(store_sql "SELECT runner FROM runs WHERE id = 6")
if [ "$holder" = "$name_a" ]; then
	victim=$DAEMON_PID survivor_name=$name_b survivor_mnt=$MNT2
	kill -9 "$DAEMON_PID"; wait "$DAEMON_PID" 2>/dev/null || true; DAEMON_PID=
	fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -uz "$MNT"
else
	victim=$PID2 survivor_name=$name_a survivor_mnt=$MNT
	kill -9 "$PID2"; wait "$PID2" 2>/dev/null || true; PID2=
	fusermount3 -u "$MNT2" 2>/dev/null || fusermount3 -uz "$MNT2"
fi
log "killed runner $holder (pid $victim) while it measured run 000006"
wait_sql "SELECT state || ' ' || runner FROM runs WHERE id = 6" "done $survivor_name" 60
assert_eq "$(store_sql "SELECT attempts FROM runs WHERE id = 6")" 2 "run 000006's attempts"
assert_eq "$(store_sql "SELECT count(*) FROM samples WHERE run_id = 6")" 3 \
	"run 000006's samples: one measurement of 3 iterations, none from the killed attempt"
assert_eq "$(store_sql "SELECT count(*) FROM runs")" 6 "runs in the store"
assert_eq "$(cut -d' ' -f1 "$survivor_mnt/runs/000006/status")" done "run 000006 through the survivor's mount"
grep -q "queued again: its runner's lease ran out" "$T/daemon.log" "$T/daemon2.log" ||
	fail "no runner said it queued the job again"
ok "a runner killed mid-benchmark: its job is measured again by the other once the lease ran out"

# A machine that measured nothing reads the fleet's store without a data directory of its own.
bf compare --repo "$REPO" --data "$T/never-made" HEAD~1 HEAD
expect_status 0 "compare from a machine without a data directory"
cmp -s "$T/out" "$survivor_mnt/compare/HEAD~1..HEAD.md" ||
	fail "the command's compare differs from the mount's: $(diff "$T/out" "$survivor_mnt/compare/HEAD~1..HEAD.md" | head -5)"
[ ! -e "$T/never-made" ] || fail "compare made the data directory"
ok "a reading command on another machine: the same compare, no data directory needed"
