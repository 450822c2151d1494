#!/bin/bash
# Slurm as the dispatcher: one mount's daemon (--dispatch slurm) measures
# nothing and submits each queued job to Slurm, where `benchfs run --job`
# measures it into the shared PostgreSQL store; a second, plain mount on the
# same store (labels the jobs do not ask for) shows the same runs. A Slurm
# job cancelled with scancel, and a job cancelled with benchfs cancel, each
# leave a clear status; run --job refuses an id it cannot claim.
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
trap 'stop_second; stop_daemon; cancel_jobs; cleanup' EXIT

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
