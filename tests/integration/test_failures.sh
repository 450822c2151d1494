#!/bin/bash
# Runs that fail: the build, a benchmark's exit status, a timeout (the whole
# process group is killed), a missing program. The daemon carries on each time.
. "$(dirname "$0")/lib.sh"

# A sleep of a unique duration marks the grandchild, so pgrep finds only ours.
marker="sleep 60.$$$RANDOM"
make_repo '{"build": "sh ./build.sh", "runs": 2, "timeout": 1.5,
  "benchmarks": [{"name": "prog", "command": ["./prog.sh"]}]}'
commit_step() { # MESSAGE BUILD_BODY PROG_BODY
	printf '#!/bin/sh\n%s\n' "$2" > "$REPO/build.sh"
	printf '#!/bin/sh\n%s\n' "$3" > "$REPO/prog.sh"
	chmod +x "$REPO/prog.sh"
	git -C "$REPO" add -A
	git -C "$REPO" commit -q -m "$1"
	git -C "$REPO" rev-parse HEAD
}
good=$(commit_step good 'echo building' 'echo fine')
badbuild=$(commit_step badbuild 'echo "cc: error: no such file" >&2; exit 2' 'echo fine')
badexit=$(commit_step badexit 'true' 'echo failing; exit 3')
slow=$(commit_step slow 'true' "$marker & sleep 60")
missing=$(commit_step missing 'rm prog.sh' 'true')
start_benchfs

for c in "$badbuild" "$badexit" "$slow" "$missing" "$good"; do echo "$c" > "$MNT/queue"; done

wait_status 000001 '^failed: ' 60
assert_eq "$(cat "$MNT/runs/000001/status")" "failed: build exited with status 2" "failed build status"
grep -q '\[build\] cc: error: no such file' "$MNT/runs/000001/debug.log" || fail "build error not in debug.log"
[ ! -e "$MNT/runs/000001/result.json" ] || fail "failed run has result.json"
[ ! -e "$MNT/commits/$badbuild" ] || fail "failed run linked from commits/"
ok "failing build: $(cat "$MNT/runs/000001/status")"

wait_status 000002 '^failed: ' 60
assert_eq "$(cat "$MNT/runs/000002/status")" "failed: prog iteration 1/2 exited with status 3" "failed benchmark status"
grep -q '\[prog 1/2\] failing' "$MNT/runs/000002/debug.log" || fail "benchmark output not in debug.log"
ok "non-zero exit: $(cat "$MNT/runs/000002/status")"

wait_status 000003 '^(running|failed)' 60
for _ in $(seq 50); do pgrep -f "$marker" > /dev/null && break; sleep 0.1; done
pgrep -f "$marker" > /dev/null || fail "the timed-out benchmark's grandchild never started"
wait_status 000003 '^failed: ' 60
assert_eq "$(cat "$MNT/runs/000003/status")" "failed: prog iteration 1/2 timed out after 1.5 s" "timeout status"
sleep 0.5
if pgrep -f "$marker" > /dev/null; then
	pkill -f "$marker" || true
	fail "a process of the timed-out benchmark survived"
fi
ok "timeout kills the process group: $(cat "$MNT/runs/000003/status")"

wait_status 000004 '^failed: ' 60
case "$(cat "$MNT/runs/000004/status")" in
"failed: prog iteration 1/2: cannot run ./prog.sh: No such file or directory") ;;
*) fail "missing program: $(cat "$MNT/runs/000004/status")" ;;
esac
ok "missing program: $(cat "$MNT/runs/000004/status")"

wait_status 000005 '^done( |$)' 60
assert_eq "$(readlink "$MNT/latest")" runs/000005 "latest after failures"
assert_eq "$(ls "$MNT/commits")" "$good" "only the good commit has a finished run"
grep -q '\[benchfs\] failed: prog iteration 1/2 timed out' "$MNT/runs/000003/debug.log" || fail "failure reason not in debug.log"
ok "the daemon carried on: the next run is done"
echo "5 passed, 0 failed"
