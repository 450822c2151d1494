#!/bin/bash
# "build_mode": "incremental": each side of a job (a solo run, A, B) builds
# in a work tree kept between runs, so make rebuilds only what changed, and
# yet every build gives what a clean build of its commit gives: the program
# measured prints its own commit's marker, a file the commit deleted is
# gone, the artifacts' ids equal the clean builds', a build that fails only
# because of what an earlier one left is built again clean, and a build
# killed with SIGKILL leaves its tree to be checked out clean. The default
# stays clean, and config.json says which mode a run used.
. "$(dirname "$0")/lib.sh"

DATA="$REPO/.git/benchfs"
nap="3.$$$RANDOM" # a unique duration: pgrep finds only our build's sleep
make_repo '{"benchmarks": [{"name": "p", "command": ["./prog"]}]}'
# The build counts its builds in an untracked file of the tree; make
# compiles only what changed (its lines show which files it compiled).
build='echo x >> builds.txt; echo "build number $(wc -l < builds.txt) in this tree";
if [ -e '"$T"'/slow ]; then touch '"$T"'/in-build; sleep '"$nap"'; fi; make'
python3 - "$build" "$T" <<'PY'
import json, sys
build, t = sys.argv[1], sys.argv[2]
base = {"build": build, "runs": 1, "warmup": 0, "artifacts": ["prog"],
        "compare": {"max_pairs": 2, "confirm": False},
        "benchmarks": [{"name": "p", "command": ["./prog"]}]}
json.dump(dict(base, build_mode="incremental"), open(t + "/incremental.json", "w"))
json.dump(base, open(t + "/clean.json", "w"))
PY

cat > "$REPO/main.c" <<'EOF'
#include <stdio.h>
#include <unistd.h>
#include "marker.h"
int util(void);
int main(void)
{
	printf("marker %s util %d extra %s\n", MARKER, util(),
	       access("extra.txt", F_OK) == 0 ? "present" : "absent");
	return 0;
}
EOF
printf 'int util(void) { return 7; }\n' > "$REPO/util.c"
# No -g: the objects hold no path, so any tree builds the same bytes.
cat > "$REPO/Makefile" <<'EOF'
prog: main.o util.o
	cc -o prog main.o util.o
	touch leftover
main.o: main.c marker.h
	cc -O2 -c main.c
util.o: util.c
	cc -O2 -c util.c
EOF
commit_c() { # commit_c MARKER TAG
	printf '#define MARKER "%s"\n' "$1" > "$REPO/marker.h"
	git -C "$REPO" add -A
	git -C "$REPO" commit -qm "$1"
	git -C "$REPO" tag "$2"
}
echo extra > "$REPO/extra.txt"
commit_c one c1
commit_c two c2
git -C "$REPO" rm -q extra.txt
commit_c three c3
# c4's build fails when an earlier build left "leftover": only an
# incremental build can fail so, and it must then be built again clean.
sed -i 's/^\ttouch leftover$/\ttest ! -e leftover || { echo "stale leftover"; exit 1; }/' "$REPO/Makefile"
commit_c four c4

# wait_run RUN: until it is done (fails the test if it failed).
wait_run() {
	wait_status "$1" '^(done|failed)' 60
	grep -q '^done' "$MNT/runs/$1/status" || fail "run $1: $(cat "$MNT/runs/$1/status")"
}
# artifacts RUN: its build's id, from its debug.log.
artifacts() {
	sed -n 's/.*\[benchfs\] artifacts: \([0-9a-f]\{40\}\) .*/\1/p' "$MNT/runs/$1/debug.log"
}
# said RUN: what its benchmark printed.
said() {
	sed -n 's/.*\] \(marker .*\)$/\1/p' "$MNT/runs/$1/debug.log" | head -1
}

start_benchfs --config "$T/incremental.json"
printf 'c1\nc2\nc3\nc4\nc1\n' > "$MNT/queue"
for r in 000001 000002 000003 000004 000005; do wait_run $r; done
assert_eq "$(json "$MNT/runs/000001/config.json" 'j["configuration"]["build_mode"]')" incremental "config.json's build_mode"
for r in 000001 000002 000003 000004 000005; do
	grep -q "work tree $DATA/incremental/solo" "$MNT/runs/$r/debug.log" \
		|| fail "run $r did not build in the solo tree: $(grep build_mode "$MNT/runs/$r/debug.log")"
done
grep -q 'build number 1 in this tree' "$MNT/runs/000001/debug.log" || fail "first build's count"
grep -q 'build number 2 in this tree' "$MNT/runs/000002/debug.log" \
	|| fail "the second run did not reuse the tree: $(grep 'build number' "$MNT/runs/000002/debug.log")"
grep -q 'from commit '"$(git -C "$REPO" rev-parse c1)" "$MNT/runs/000002/debug.log" \
	|| fail "run 2's log does not name the commit its tree came from"
# c1 -> c2 changed marker.h only: main.c is compiled again, util.c is not.
grep -q 'cc -O2 -c main.c' "$MNT/runs/000002/debug.log" || fail "main.c was not compiled again"
if grep -q 'cc -O2 -c util.c' "$MNT/runs/000002/debug.log"; then
	fail "util.c was compiled again although nothing it depends on changed"
fi
ok "successive runs reuse the solo tree; make compiles only what the commit changed"

assert_eq "$(said 000001)" "marker one util 7 extra present" "c1's program"
assert_eq "$(said 000002)" "marker two util 7 extra present" "c2's program"
assert_eq "$(said 000003)" "marker three util 7 extra absent" "c3's program (extra.txt deleted)"
assert_eq "$(said 000004)" "marker four util 7 extra absent" "c4's program"
assert_eq "$(said 000005)" "marker one util 7 extra present" "c1's program after c4 (back in history)"
ok "each run measured its own commit's program; a deleted tracked file left no copy"

grep -q 'the incremental build exited with status' "$MNT/runs/000004/debug.log" \
	|| fail "c4's incremental build did not fail as planned: $(grep -i 'build' "$MNT/runs/000004/debug.log" | tail -5)"
grep -q 'checked out clean (a clean build was asked for)' "$MNT/runs/000004/debug.log" \
	|| fail "c4 was not built again clean"
ok "an incremental build that failed was built again clean, and its run is done"

if [ -x /usr/lib/ccache/cc ]; then
	grep -q 'ccache: [0-9]* hits\?, ' "$MNT/runs/000002/debug.log" \
		|| fail "no ccache statistics in run 2's log"
	[ -d "$DATA/incremental/ccache" ] || fail "no ccache directory under the data directory"
	ok "ccache used: $(sed -n 's/.*\[benchfs\] \(ccache: [0-9].*\)/\1/p' "$MNT/runs/000002/debug.log")"
else
	grep -q 'ccache: not installed' "$MNT/runs/000002/debug.log" || fail "no word on ccache"
	ok "ccache is not installed, and the log says so"
fi

# An A/B job: each side its own tree.
echo "c2..c3" > "$MNT/queue"
wait_run 000006
wait_run 000007
grep -q "work tree $DATA/incremental/a" "$MNT/runs/000006/debug.log" || fail "side A's tree"
grep -q "work tree $DATA/incremental/b" "$MNT/runs/000007/debug.log" || fail "side B's tree"
assert_eq "$(said 000006)" "marker two util 7 extra present" "side A's program"
assert_eq "$(said 000007)" "marker three util 7 extra absent" "side B's program"
ok "an A/B job builds each side in its own tree ($(sed -n 's/.*\[benchfs\] \(ccache: [0-9].*\) (links.*/\1/p' "$MNT/runs/000007/debug.log" | tr '\n' ' '))"

# SIGKILL during a build: the next build of that side starts clean.
touch "$T/slow"
echo c2 > "$MNT/queue"
for _ in $(seq 100); do [ -e "$T/in-build" ] && break; sleep 0.1; done
[ -e "$T/in-build" ] || fail "run 8's build did not start"
[ -e "$DATA/incremental/solo.building" ] || fail "no marker during the build"
kill -9 "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
for _ in $(seq 50); do pgrep -f "sleep $nap" > /dev/null || break; sleep 0.1; done
fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -uz "$MNT"
rm -f "$T/slow"
start_benchfs --config "$T/incremental.json"
wait_run 000008
grep -q 'checked out clean (its last build did not succeed' "$MNT/runs/000008/debug.log" \
	|| fail "the build after the kill did not start clean: $(grep build_mode "$MNT/runs/000008/debug.log")"
assert_eq "$(said 000008)" "marker two util 7 extra present" "the program after the kill"
[ ! -e "$DATA/incremental/solo.building" ] || fail "the marker outlived a good build"
ok "a build killed with SIGKILL leaves its tree to be checked out clean"
stop_daemon

# The same commits built clean (the default): the same artifacts.
start_benchfs --config "$T/clean.json"
printf 'c1\nc2\nc3\nc4\n' > "$MNT/queue"
for r in 000009 000010 000011 000012; do wait_run $r; done
assert_eq "$(json "$MNT/runs/000009/config.json" 'j["configuration"]["build_mode"]')" clean "the default build_mode"
if grep -q 'build_mode incremental' "$MNT/runs/000009/debug.log"; then fail "the default is not clean"; fi
grep -q 'build number 1 in this tree' "$MNT/runs/000010/debug.log" || fail "a clean build reused a tree"
for pair in 000001:000009 000002:000010 000003:000011 000004:000012 000005:000009 \
	000006:000010 000007:000011 000008:000010; do
	inc=${pair%:*} clean=${pair#*:}
	[ -n "$(artifacts $inc)" ] || fail "run $inc has no artifacts id"
	assert_eq "$(artifacts $inc)" "$(artifacts $clean)" "artifacts of incremental run $inc and clean run $clean"
	assert_eq "$(said $inc)" "$(said $clean)" "the programs of runs $inc and $clean"
done
ok "every incremental build's artifacts equal its commit's clean build's"
