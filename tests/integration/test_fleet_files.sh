#!/bin/bash
# A run's files through another machine's mount: two runners share one
# PostgreSQL store, each with its own data directory; runner B measures a
# profiled job that keeps a file, and runner A's mount shows the run's
# debug.log (the same bytes as B's own file), perf.data, flame.svg and
# artifacts/ from what B put in the store at the run's end, with true sizes,
# whole and ranged reads (tail -c, dd skip=). B's own mount keeps reading
# its data directory; A's mount shows B's debug.log of a run A had started
# (and lost) too; and a debug.log past its cap, whose tail is written when
# the log is closed, whole through A's mount.
. "$(dirname "$0")/lib.sh"

if ! store_is_pg; then
	echo "# skipped: runners share a store on PostgreSQL only (set BENCHFS_TEST_PG)"
	exit 77
fi

# A benchmark that spins a while (for perf's samples) and leaves a file to keep.
make_repo '{"runs": 2, "warmup": 0, "profiles": ["alpha", "beta"], "benchmarks": [{"name": "spin", "command": ["sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; seq 1 500 > out.txt"], "profile": {"perf": true, "frequency": 999}, "keep": ["out.txt"]}]}'
commit_prog one 'true'
host=$(hostname)
name_b="$host:$DATA2"

start_benchfs --labels alpha
start_second --labels beta
echo 'HEAD @profile=beta' > "$MNT/queue"
wait_sql "SELECT state FROM runs WHERE id = 1" done 120
assert_eq "$(store_sql "SELECT runner FROM runs WHERE id = 1")" "$name_b" "run 000001's runner"
# Its files follow its end into the store.
wait_sql "SELECT count(*) > 0 FROM run_files WHERE run_id = 1 AND name = 'debug.log'" t 30
[ ! -e "$REPO/.git/benchfs/logs/000001.log" ] || fail "runner A has a debug.log of B's run"

local_log="$DATA2/logs/000001.log"
local_dir="$DATA2/artifacts/000001"
run="$MNT/runs/000001"
# debug.log: B's bytes, its true size, ranged reads.
cmp "$local_log" "$run/debug.log" || fail "debug.log through A's mount differs from B's: $(diff "$local_log" "$run/debug.log" | head -5)"
assert_eq "$(stat -c %s "$run/debug.log")" "$(wc -c < "$local_log")" "debug.log's size in stat"
assert_eq "$(wc -c < "$run/debug.log")" "$(stat -c %s "$local_log")" "debug.log's bytes read"
assert_eq "$(tail -c 100 "$run/debug.log" | od -c)" "$(tail -c 100 "$local_log" | od -c)" "tail -c 100 debug.log"
assert_eq "$(dd if="$run/debug.log" bs=1 skip=50 count=70 status=none | od -c)" \
	"$(dd if="$local_log" bs=1 skip=50 count=70 status=none | od -c)" "dd skip=50 count=70 of debug.log"
grep -q 'done' "$run/debug.log" || fail "debug.log through A's mount lacks the run's end: $(tail -3 "$run/debug.log")"
ok "debug.log of B's run through A's mount: B's bytes, size in stat, tail -c and dd skip="

# The run's directory lists its extra files as on B's own mount.
assert_eq "$(ls "$run" | tr '\n' ' ')" "$(ls "$MNT2/runs/000001" | tr '\n' ' ')" "ls runs/000001 on A and on B"
ls "$run" | grep -qx debug.log || fail "debug.log not listed: $(ls "$run" | tr '\n' ' ')"
ls "$run" | grep -qx artifacts || fail "artifacts/ not listed: $(ls "$run" | tr '\n' ' ')"
cmp "$local_dir/artifacts/out.txt" "$run/artifacts/out.txt" || fail "artifacts/out.txt differs"
assert_eq "$(stat -c %s "$run/artifacts/out.txt")" "$(wc -c < "$local_dir/artifacts/out.txt")" "artifacts/out.txt's size"
ok "ls runs/000001 alike on both mounts; artifacts/out.txt with its bytes and size"

if grep -q '\[spin profile\] no profile: ' "$local_log"; then
	log "SKIP perf.data: $(grep -m1 '\[spin profile\] no profile: ' "$local_log" | cut -d' ' -f2-)"
else
	ls "$run" | grep -qx perf.data || fail "perf.data not listed on A: $(ls "$run" | tr '\n' ' ')"
	cmp "$local_dir/perf.data" "$run/perf.data" || fail "perf.data through A's mount differs from B's"
	assert_eq "$(stat -c %s "$run/perf.data")" "$(wc -c < "$run/perf.data")" "perf.data: stat against the bytes read"
	assert_eq "$(tail -c 100 "$run/perf.data" | od -c)" "$(tail -c 100 "$local_dir/perf.data" | od -c)" "tail -c 100 perf.data"
	if [ -e "$local_dir/perf.folded" ]; then
		head -c 5 "$run/flame.svg" | grep -q '<' || fail "flame.svg through A's mount is no SVG: $(head -c 100 "$run/flame.svg")"
		cmp "$MNT2/runs/000001/flame.svg" "$run/flame.svg" || fail "flame.svg differs between the mounts"
	fi
	ok "perf.data ($(stat -c %s "$run/perf.data") bytes) and flame.svg of B's run through A's mount"
fi

# B's own mount still reads its data directory.
cmp "$local_log" "$MNT2/runs/000001/debug.log" || fail "debug.log through B's mount differs from its file"
ok "B's mount reads B's own files"

# A run A started and lost (its lease ran out), measured again by B: A's
# partial debug.log stays in A's data directory, and A's mount shows B's.
mkdir -p "$REPO/.git/benchfs/logs"
echo "an attempt of runner A's, cut short" > "$REPO/.git/benchfs/logs/000002.log"
echo 'HEAD @profile=beta' > "$MNT2/queue"
wait_sql "SELECT state FROM runs WHERE id = 2" done 120
wait_sql "SELECT count(*) > 0 FROM run_files WHERE run_id = 2 AND name = 'debug.log'" t 30
cmp "$DATA2/logs/000002.log" "$MNT/runs/000002/debug.log" ||
	fail "A's mount shows its own partial debug.log of a run B ended: $(head -3 "$MNT/runs/000002/debug.log")"
cmp "$DATA2/logs/000002.log" "$MNT2/runs/000002/debug.log" || fail "B's mount: run 000002's debug.log"
ok "a run B measured after A lost it: A's mount shows B's debug.log, not its own partial one"

# A capped debug.log: its kept tail and the line on what was dropped are
# written when the log is closed, and the store's copy is made after that,
# so A's mount shows B's file whole, tail and all.
stop_second
BENCHFS_TEST_LOG_MAX=1024 start_second --labels beta
echo 'HEAD @profile=beta' > "$MNT2/queue"
wait_sql "SELECT state FROM runs WHERE id = 3" done 120
wait_sql "SELECT count(*) > 0 FROM run_files WHERE run_id = 3 AND name = 'debug.log'" t 30
local_log="$DATA2/logs/000003.log"
grep -q 'debug.log reached 512 bytes' "$local_log" || fail "run 000003's log was not capped: $(head -c 1000 "$local_log")"
grep -Eq '\.\.\. [0-9]+ bytes in [0-9]+ lines dropped here' "$local_log" || fail "run 000003's log has no line on what was dropped"
tail -1 "$local_log" | grep -q '\] done' || fail "the end of run 000003's capped log: $(tail -2 "$local_log")"
cmp "$local_log" "$MNT/runs/000003/debug.log" ||
	fail "a capped debug.log through A's mount differs from B's: $(diff "$local_log" "$MNT/runs/000003/debug.log" | tail -5)"
assert_eq "$(stat -c %s "$MNT/runs/000003/debug.log")" "$(stat -c %s "$local_log")" "a capped debug.log's size in stat"
assert_eq "$(tail -c 300 "$MNT/runs/000003/debug.log" | od -c)" "$(tail -c 300 "$local_log" | od -c)" "tail -c 300 of a capped debug.log"
ok "a capped debug.log ($(stat -c %s "$local_log") bytes) through A's mount: B's bytes, its kept tail included"

# Runner B copied the files: a sanitizer build's report of it is in its own log.
stop_second
if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/daemon2.log"; then
	grep -E -A20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/daemon2.log" | head -60 >&2
	fail "runner B's daemon reported a sanitizer error"
fi
