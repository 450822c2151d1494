#!/bin/bash
# Slurm as the dispatcher: one mount's daemon (--dispatch slurm) measures
# nothing and submits each queued job to Slurm, where `benchfs run --job`
# measures it into the shared PostgreSQL store; a second, plain mount on the
# same store (labels the jobs do not ask for) shows the same runs. A Slurm
# job cancelled with scancel, and a job cancelled with benchfs cancel, each
# leave a clear status; run --job refuses an id it cannot claim. Labels in
# Slurm's terms: one no node has fails the job in one line, one only the
# plain runner has is left to it, host=NODE,cores=N pins the node; the plain
# runner leaves the store's list however many SIGTERMs reach it as it exits;
# the dispatcher runs the daemon's idle work (a retention pass).
. "$(dirname "$0")/lib.sh"

if ! store_is_pg || [ -z "${BENCHFS_TEST_SLURM:-}" ]; then
	echo "# skipped: needs a PostgreSQL store and a Slurm (set BENCHFS_TEST_PG and BENCHFS_TEST_SLURM)"
	exit 77
fi
command -v sbatch > /dev/null || fail "BENCHFS_TEST_SLURM is set but sbatch is not installed"
[ -n "${SLURM_CONF:-}" ] || fail "BENCHFS_TEST_SLURM is set but SLURM_CONF is not"

# The test's Slurm jobs, whatever happened: the node is shared with others.
cancel_jobs() {
	squeue --noheader --format=%i,%j 2>/dev/null | while IFS=, read -r id name; do
		case $name in benchfs-*) scancel "$id" 2>/dev/null || true ;; esac
	done
}
# cleanup exits with the status it is entered with: the test's, kept here.
trap 'rc=$?; set +e; stop_second; stop_daemon; cancel_jobs; (exit "$rc"); cleanup' EXIT

# wait_sql SQL EXPECTED SECONDS: until the store answers EXPECTED.
wait_sql() {
	for _ in $(seq $(( $3 * 10 ))); do
		[ "$(store_sql "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	fail "the store answers '$(store_sql "$1")' to $1, expected '$2' within $3 s$(tail -n 20 "$REPO/.git/benchfs/slurm/"*.out 2>/dev/null)"
}

# slurm_job RUN: the Slurm job holding or having run RUN (from its holder).
slurm_job() { store_sql "SELECT runner FROM runs WHERE id = $1" | sed -e 's/.*slurm://'; }

make_repo '{"warmup": 0, "runs": 3, "benchmarks": [{"name": "nap", "command": ["sh", "prog.sh"]}]}'
commit_prog one 'sleep 0.3'
commit_prog two 'sleep 0.3'
commit_prog slow 'sleep 60'

# The Slurm node has label ci (SLURM_FEATURES); the plain mount's runner has not.
start_benchfs --dispatch slurm
start_second --labels other
ok "a dispatching mount and a plain one on one store"

# Two jobs through the dispatching mount: submitted, measured under Slurm.
printf 'HEAD~2 @profile=ci\nHEAD~1 @profile=ci\n' > "$MNT/queue"
wait_sql "SELECT state FROM runs WHERE id IN (1, 2) ORDER BY id" "$(printf 'done\ndone')" 120
for id in 1 2; do
	case $(store_sql "SELECT runner FROM runs WHERE id = $id") in
	slurm:[0-9]*) ;;
	*) fail "run $id was measured by $(store_sql "SELECT runner FROM runs WHERE id = $id"), not a Slurm job" ;;
	esac
done
assert_eq "$(store_sql "SELECT count(*) FROM samples WHERE run_id IN (1, 2)")" 6 "samples in PostgreSQL"
grep -q "submitted to Slurm as job $(slurm_job 1)" "$T/daemon.log" || fail "the dispatcher did not say it submitted run 1"
ok "jobs queued through a mount run under Slurm and end done, their results in PostgreSQL"

for f in runs/000001/status runs/000002/result.json compare/HEAD~2..HEAD~1.md; do
	[ -s "$MNT/$f" ] || fail "$f is empty in the dispatching mount"
	cmp -s "$MNT/$f" "$MNT2/$f" || fail "$f differs between the mounts: $(diff "$MNT/$f" "$MNT2/$f" | head -5)"
done
assert_eq "$(cut -d' ' -f1 "$MNT2/runs/000002/status")" done "run 2's status in the plain mount"
ok "both mounts show the Slurm jobs' status, result.json and compare"

# A Slurm job cancelled with scancel while it measures.
echo 'HEAD @profile=ci' > "$MNT/queue"
wait_sql "SELECT state FROM runs WHERE id = 3" running 60
job=$(slurm_job 3)
scancel "$job"
wait_sql "SELECT state FROM runs WHERE id = 3" failed 30
wait_status 000003 "^failed: slurm job $job ended before the run finished \\(CANCELLED\\)" 10
assert_eq "$(cut -d: -f1 "$MNT2/runs/000003/status")" failed "run 3's status in the plain mount"
ok "scancel of a running job: failed, naming the Slurm job ($(cat "$MNT/runs/000003/status"))"

# benchfs cancel of a dispatched job while it measures: failed: cancelled,
# and the Slurm job is gone.
echo 'HEAD @profile=ci' > "$MNT/queue"
wait_sql "SELECT state FROM runs WHERE id = 4" running 60
job=$(slurm_job 4)
out=$("$BENCHFS" cancel --repo "$REPO" 4) || fail "benchfs cancel 4 failed"
assert_eq "$out" "$(printf '000004\tcancelled')" "benchfs cancel's output"
wait_status 000004 "^failed: cancelled" 10
for _ in $(seq 300); do
	state=$(squeue --noheader --format=%T --jobs="$job" 2>/dev/null || true)
	case $state in "" | CANCELLED | COMPLETED) break ;; esac
	sleep 0.1
done
case $state in "" | CANCELLED | COMPLETED) ;; *) fail "Slurm job $job is still $state after benchfs cancel" ;; esac
assert_eq "$(cut -d' ' -f1-2 "$MNT2/runs/000004/status")" "failed: cancelled" "run 4's status in the plain mount"
sleep 3
assert_eq "$(store_sql "SELECT state || ' ' || detail FROM runs WHERE id = 4")" "failed cancelled" \
	"run 4 stays cancelled after its Slurm job ended"
ok "benchfs cancel of a dispatched job: failed: cancelled, Slurm job $job cancelled"

# run --job refuses what it cannot claim, in one line, status 2.
set +e
msg=$("$BENCHFS" run --job 99 --repo "$REPO" --data "$T/jobdata" 2>&1); rc=$?
set -e
assert_eq "$rc" 2 "run --job 99's exit status"
assert_eq "$msg" "benchfs: run --job: no run 000099" "run --job 99's message"
set +e
msg=$("$BENCHFS" run --job 1 --repo "$REPO" --data "$T/jobdata" 2>&1); rc=$?
set -e
assert_eq "$rc" 2 "run --job 1's exit status (a done run)"
assert_eq "$msg" "benchfs: run --job: run 000001 is done, not queued" "run --job 1's message"
ok "run --job of an unknown or finished id: exit 2 with one line"

# A label no Slurm node has (features, architecture, cores=, host=) and no
# runner either: the job fails at once, in one line naming it, with no sbatch.
node=$(scontrol --oneliner show node | sed -n 's/^NodeName=\([^ ]*\) .*/\1/p' | head -n 1)
cpus=$(scontrol --oneliner show node "$node" | sed -n 's/.* CPUTot=\([0-9]*\) .*/\1/p')
echo 'HEAD~1 @profile=ci,gpu' > "$MNT/queue"
wait_status 000005 '^failed' 30
status=$(cat "$MNT/runs/000005/status")
case $status in
"failed: no Slurm node has label gpu (theirs: "*"host=$node"*")") ;;
*) fail "run 5's status: $status" ;;
esac
assert_eq "$(wc -l < "$MNT/runs/000005/status")" 1 "lines of run 5's status"
grep -q "sbatch failed" "$T/daemon.log" && fail "the dispatcher ran sbatch for a job no node can run"
ok "a label no node has: $status"

# A label only the plain runner has: left queued for it, which measures it.
echo 'HEAD~1 @profile=other' > "$MNT/queue"
wait_sql "SELECT state FROM runs WHERE id = 6" done 60
case $(store_sql "SELECT runner FROM runs WHERE id = 6") in
slurm:* | "") fail "run 6 was held by $(store_sql "SELECT runner FROM runs WHERE id = 6"), not the plain runner" ;;
esac
ok "a job only the plain runner can take is left to it"

# The plain runner stops by its unmount while the store holds it up (the
# runners table locked: its exit waits to unregister), and a SIGTERM comes
# then: it still leaves the store's list, and exits 0.
"$TEST_PG_PSQL" -X -q -d "$BENCHFS_STORE" -c "BEGIN; LOCK TABLE runners IN ACCESS EXCLUSIVE MODE;
	SELECT pg_sleep(4); COMMIT;" > /dev/null &
locker=$!
wait_sql "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
	WHERE c.relname = 'runners' AND l.mode = 'AccessExclusiveLock' AND l.granted" 1 10
fusermount3 -u "$MNT2"
sleep 1
kill -0 "$PID2" 2>/dev/null || fail "the plain runner exited with the runners table locked"
kill -TERM "$PID2"
sleep 0.2
kill -TERM "$PID2" 2>/dev/null || true
wait "$locker"
for _ in $(seq 100); do kill -0 "$PID2" 2>/dev/null || break; sleep 0.1; done
set +e
wait "$PID2"; rc=$?
set -e
PID2=
assert_eq "$rc" 0 "the plain runner's exit status after its unmount and the SIGTERMs"
assert_eq "$(store_sql "SELECT count(*) FROM runners WHERE name LIKE '%/data2'")" 0 \
	"the plain runner's registration after it stopped"
ok "a SIGTERM during the exit after an unmount: the runner still unregisters"

# host=NODE,cores=N (what a runner on the node would have): --nodelist and no
# constraint Slurm could not know; measured there.
echo "HEAD~2 @profile=ci,cores=$cpus,host=$node" > "$MNT/queue"
id=$(store_sql "SELECT id FROM runs WHERE labels = 'ci,cores=$cpus,host=$node'")
wait_sql "SELECT state FROM runs WHERE id = $id" done 120
job=$(slurm_job "$id")
grep -q "run $(printf %06d "$id") submitted to Slurm as job $job" "$T/daemon.log" ||
	fail "run $id was not submitted to Slurm: $(grep "$(printf %06d "$id")" "$T/daemon.log")"
shown=$(scontrol --oneliner show job "$job")
case $shown in *" ReqNodeList=$node "*) ;; *) fail "Slurm job $job asked for no node: $shown" ;; esac
case $shown in *" Features=ci "*) ;; *) fail "Slurm job $job's features: $shown" ;; esac
ok "host=$node,cores=$cpus,ci: Slurm job $job on --nodelist=$node, --constraint=ci"

# The dispatcher's idle work, the runner's on_idle chain: with a "retain"
# policy a pass summarizes the old runs (no other daemon runs now).
stop_daemon
/usr/bin/python3 - "$REPO/benchfs.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["retain"] = {"days": 0, "per_commit": 0, "every": "1h", "batch": 50}
# For the A/B job below, as test_confirm plants its step: two benchmarks.
c["runs"] = 5
c["compare"] = {"alpha": 0.01, "threshold": 0.25, "max_pairs": 40, "confirm": True}
c["benchmarks"] = [{"name": n, "command": ["sh", "prog.sh", n]} for n in ("steady", "planted")]
open(sys.argv[1], "w").write(json.dumps(c, indent=2) + "\n")
PY
start_benchfs --dispatch slurm
for _ in $(seq 300); do
	grep -q '^finished: 2' "$MNT/retention" && break
	sleep 0.1
done
grep -q '^finished: 2' "$MNT/retention" || fail "no retention pass by the dispatcher: $(cat "$MNT/retention")"
grep -q 'pruned old runs' "$T/daemon.log" || fail "the dispatcher did not say it pruned"
assert_eq "$(store_sql "SELECT count(*) FROM iterations WHERE run_id = 1")" 0 "run 1's iterations after the pass"
ok "the dispatcher's idle chain prunes: $(grep '^total summarized' "$MNT/retention")"

# A follow-up job of the dispatcher's idle work, as test_confirm plants it:
# a 20 ms sleep tripled at c7 of 12 commits is suspected, and the A/B job
# that settles it is queued by the dispatcher for host=<its host> and
# measured under Slurm.
for i in $(seq 12); do
	s=0.020
	[ "$i" -ge 7 ] && s=0.060
	commit_prog "c$i" "case \"\$1\" in steady) exec sleep 0.020 ;; planted) exec sleep $s ;; esac"
done
first=$(( $(store_sql "SELECT max(id) FROM runs") + 1 ))
git -C "$REPO" rev-list --reverse HEAD~12..HEAD > "$MNT/queue"
wait_sql "SELECT count(*) FROM runs WHERE id >= $first AND state = 'done' AND runner LIKE 'slurm:%'" 12 300
# The planted step's A/B jobs (the history of one and two may have its own).
cs=$(git -C "$REPO" rev-list HEAD~12..HEAD | sed -e "s/.*/'&'/" | paste -sd, -)
ab="FROM runs a JOIN runs b ON b.id = a.pair_id WHERE a.id < b.id AND a.commit_sha IN ($cs)
	AND b.commit_sha IN ($cs) AND a.state = 'done' AND b.state = 'done'"
wait_sql "SELECT count(*) > 0 $ab" t 300
read -r ra rb <<< "$(store_sql "SELECT a.id || ' ' || b.id $ab ORDER BY a.id LIMIT 1")"
grep -q "(runs $ra, $rb) to settle a suspected regression" "$T/daemon.log" ||
	fail "runs $ra and $rb are not an A/B job the dispatcher queued"
assert_eq "$(store_sql "SELECT string_agg(labels, ' ' ORDER BY id) FROM runs WHERE id IN ($ra, $rb)")" \
	"host=$node host=$node" "the A/B job's labels"
job=$(slurm_job "$ra")
assert_eq "$(slurm_job "$rb")" "$job" "the Slurm job of the A/B job's second side"
grep -q "run $(printf %06d "$ra") submitted to Slurm as job $job" "$T/daemon.log" ||
	fail "the A/B job was not submitted to Slurm"
pair=$(store_sql "SELECT string_agg(commit_sha, ' ' ORDER BY id) FROM runs WHERE id IN ($ra, $rb)")
# shellcheck disable=SC2086 # two hashes
names=$(git -C "$REPO" log --no-walk=unsorted --format=%s $pair | paste -sd' ' -)
ok "the dispatcher's A/B job $names for the planted step: Slurm job $job on $node, done"
