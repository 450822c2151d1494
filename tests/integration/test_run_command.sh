#!/bin/bash
# benchfs run: queue, build and measure without a mount, in this process
# when no daemon holds the data directory, handed to the daemon when one
# does; exit 0 when every run is done, 2 for bad input (nothing queued), 4
# when a run failed. The mount then shows what run measured.
. "$(dirname "$0")/lib.sh"

make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 5, "timeout": 30,
  "compare": {"alpha": 0.01, "threshold": 0.25, "max_pairs": 40},
  "benchmarks": [{"name": "sleepy", "command": ["./prog"]}]
}'
commit_prog c1 'exec sleep 0.020'
commit_prog c2 'exec sleep 0.060'
c() { git -C "$REPO" rev-list --reverse HEAD | sed -n "${1}p"; }
c1=$(c 1) c2=$(c 2)


# Bad input queues nothing.
bf run --repo "$REPO" "$c1" no-such-rev
expect_status 2 "run with a bad revision"
grep -q "no-such-rev" "$T/err" || fail "message: $(cat "$T/err")"
bf run --repo "$REPO"
expect_status 2 "run without revisions"
ok "bad input: exit 2"

# Without a daemon (and with /dev/fuse out of reach): measured here.
bf run --repo "$REPO" "$c1..$c2"
expect_status 0 "run c1..c2"
assert_eq "$(cut -f1,2,3 "$T/out" | tr '\t' ' ')" "000001 $c1 done
000002 $c2 done" "run's stdout"
grep -q "queued $c1 .*side A" "$T/err" || fail "run's log: $(cat "$T/err")"
grep -q "^run 000002 $(echo "$c2" | cut -c1-12): done" "$T/err" || fail "progress lines: $(cat "$T/err")"
bf check --repo "$REPO" "$c1..$c2"
expect_status 3 "check after run"
ok "run without a mount measures an A/B job; check then finds the slowdown"

if command -v unshare > /dev/null && unshare -m true 2> /dev/null; then
	st=0
	unshare -m bash -c 'mount --bind /dev/null /dev/fuse && exec "$@"' sh \
		"$BENCHFS" run --repo "$REPO" "$c2" > "$T/out" 2> "$T/err" || st=$?
	expect_status 0 "run with /dev/fuse unavailable"
	assert_eq "$(cut -f1,3 "$T/out" | tr '\t' ' ')" "000003 done" "run's stdout without FUSE"
	ok "run works where /dev/fuse is unavailable"
fi

# A failing build: the run fails and run says so with status 4.
commit_prog unmeasured 'exec sleep 0.020'
commit_prog broken 'exit 1'
sed -i 's/"build": "cp prog.sh prog \&\& chmod +x prog"/"build": "false"/' "$REPO/benchfs.json"
bf run --repo "$REPO" HEAD
expect_status 4 "run of a failing build"
grep -q "failed" "$T/out" || fail "run's stdout: $(cat "$T/out")"
git -C "$REPO" checkout -q benchfs.json
bf check --repo "$REPO" "$c1..HEAD"
expect_status 4 "check against the failed run"
grep -q "run 000004 of HEAD failed" "$T/err" || fail "check's message: $(cat "$T/err")"
bf check --repo "$REPO" "$c1..HEAD~1"
expect_status 2 "check against a commit never measured"
grep -q "has not been measured" "$T/err" || fail "check's message: $(cat "$T/err")"
ok "a failing build: run and check exit 4; an unmeasured commit: check exits 2"

# With a daemon holding the data directory: handed over, measured there.
start_benchfs
bf run --repo "$REPO" "$c1"
expect_status 0 "run beside a mount"
grep -q "handed over to the benchfs (pid $DAEMON_PID)" "$T/err" || fail "hand-over: $(cat "$T/err")"
id=$(cut -f1 "$T/out")
[ -n "$id" ] || fail "no run id: $(cat "$T/out")"
grep -q '^done' "$MNT/runs/$id/status" || fail "the mount shows run $id as $(cat "$MNT/runs/$id/status")"
assert_eq "$(json "$MNT/runs/$id/result.json" 'len(j["results"][0]["times"])')" 5 "the handed-over run's iterations"
ok "run beside a mount hands its job to the daemon and waits for it"

# The daemon ends while run waits for the jobs handed to it: run says so and
# exits 4; the jobs stay queued for the next benchfs.
commit_prog long 'exec sleep 1'
"$BENCHFS" run --repo "$REPO" HEAD > "$T/out2" 2> "$T/err2" &
run_pid=$!
for _ in $(seq 100); do grep -q 'handed over' "$T/err2" && break; sleep 0.1; done
grep -q 'handed over' "$T/err2" || fail "run did not hand over: $(cat "$T/err2")"
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2> /dev/null || true
DAEMON_PID=
fusermount3 -u "$MNT" 2> /dev/null || fusermount3 -uz "$MNT"
st=0
wait "$run_pid" || st=$?
[ "$st" = 4 ] || fail "run after its daemon ended: exit $st: $(cat "$T/err2")"
grep -q 'has ended; they stay queued' "$T/err2" || fail "run's message: $(tail -2 "$T/err2")"
ok "the daemon ends under a waiting run: exit 4, the jobs stay queued"
