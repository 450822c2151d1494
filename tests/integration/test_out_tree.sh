#!/bin/bash
# benchfs run --out DIR where FUSE is unavailable (a mount namespace with
# /dev/null bound over /dev/fuse), on the example repository: it completes,
# and the tree it writes is byte-identical, symlinks included, to what a
# mount over the same data directory shows: each run's profiles/ (a profiler
# command's output) and artifacts/ (kept files) included.
. "$(dirname "$0")/lib.sh"

unshare -m true 2> /dev/null || { echo "1..0 # SKIP unshare -m is not permitted here"; exit 77; }
bash "$(dirname "$0")/../../examples/make-repo.sh" "$REPO" > /dev/null
# Fewer iterations than the example's, the same benchmarks and builds.
# A profiler command (a wrapper writing {out}) and kept files for one of
# them; the wrapper lives outside the repository, whose hashes stay the
# example's.
printf '#!/bin/sh\nout=$1; shift; shift\necho "wrapped: $*" > "$out"\nexec "$@"\n' > "$T/wrap.sh"
chmod +x "$T/wrap.sh"
python3 - "$REPO/benchfs.json" "$T/benchfs.json" "$T/wrap.sh" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["runs"] = 3
c["warmup"] = 0
for b in c["benchmarks"]:
    b.pop("runs", None)
    if b["name"] == "sort-2k-x100":
        b["profile"] = {"command": [sys.argv[3], "{out}", "--"]}
        b["keep"] = ["sorter.c", "Makefile"]
c.setdefault("compare", {})["confirm"] = False
# service levels: the slo file is in the tree too
c["slo"] = {"max": "10s", "baseline": "release", "tolerance": 0.5}
json.dump(c, open(sys.argv[2], "w"), indent=2)
PY

# A baseline, pinned through a mount (the command line has no pin yet).
start_benchfs --config "$T/benchfs.json"
echo v1 > "$MNT/baselines/release"
stop_daemon

# nofuse CMD...: run CMD where /dev/fuse cannot be used.
nofuse() {
	unshare -m bash -c 'mount --bind /dev/null /dev/fuse && exec "$@"' sh "$@"
}
mkdir "$T/m2"
if nofuse "$BENCHFS" -f --repo "$REPO" --config "$T/benchfs.json" --data "$T/nodata" "$T/m2" \
	> /dev/null 2>&1; then
	fail "benchfs mounted where /dev/fuse was bound over"
fi
st=0
nofuse "$BENCHFS" run --repo "$REPO" --config "$T/benchfs.json" --out "$T/out" v1 v2 v3 \
	> "$T/run.out" 2> "$T/run.err" || st=$?
[ "$st" = 0 ] || fail "run --out without FUSE: exit $st: $(tail -5 "$T/run.err")"
assert_eq "$(cut -f3 "$T/run.out" | tr '\n' ' ')" "done done done " "the three runs"
ok "run --out completes where /dev/fuse is unavailable"

for f in README queue regressions latest runs/000001/result.json runs/000003/summary \
	baselines/release history/startup.svg runs/000002/profiles/sort-2k-x100 \
	runs/000002/artifacts/sorter.c runs/000002/artifacts/Makefile; do
	[ -e "$T/out/$f" ] || [ -L "$T/out/$f" ] || fail "the tree has no $f: $(cd "$T/out" && find . | head -30)"
done
[ "$(readlink "$T/out/latest")" = runs/000003 ] || fail "latest -> $(readlink "$T/out/latest")"
grep -q '^wrapped: \./sorter 2000 100$' "$T/out/runs/000002/profiles/sort-2k-x100" ||
	fail "the profiler's output in the tree: $(cat "$T/out/runs/000002/profiles/sort-2k-x100")"
git -C "$REPO" show v2:sorter.c | cmp -s - "$T/out/runs/000002/artifacts/sorter.c" ||
	fail "the tree's runs/000002/artifacts/sorter.c is not v2's"
ls "$T/out/compare" | grep -q '^v1\.\.v2\.md$' || fail "compare/ lists $(ls "$T/out/compare")"

start_benchfs --config "$T/benchfs.json"
# runners is the daemons' state: the mount lists itself, the tree none.
[ -f "$T/out/runners" ] || fail "the tree has no runners"
assert_eq "$(wc -l < "$MNT/runners")" 1 "the mount's runners"
diff -r --no-dereference -x runners "$T/out" "$MNT" > "$T/diff" 2>&1 || fail "the tree differs from the mount: $(head -20 "$T/diff")"
[ -s "$T/out/slo" ] || fail "the tree's slo is empty"
ok "the tree is byte-identical to the mount (diff -r --no-dereference), profiles/ and artifacts/ included"

# Into a directory that holds something: refused, nothing measured.
st=0
"$BENCHFS" run --repo "$REPO" --config "$T/benchfs.json" --out "$T/out" v1 > /dev/null 2> "$T/err" || st=$?
[ "$st" = 2 ] || fail "run --out into a non-empty directory: exit $st"
ok "--out refuses a directory that is not empty"
