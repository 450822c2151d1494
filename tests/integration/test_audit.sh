#!/bin/bash
# Audit bundles: audit/<a>..<b>.tar is a standard tar (tar tvf lists it,
# python3's tarfile reads every header, cp and cat agree, stat's size is the
# bytes read) whose MANIFEST.sha256 verifies with sha256sum -c; its compare
# members are compare/<a>..<b>.md and .json byte for byte, its run files
# those of runs/<id>/, its samples every iteration of the runs the compare
# uses (an A/B job's two runs once there is one); benchfs audit -o FILE and
# -o - write the same bytes; names that resolve to nothing are ENOENT (exit
# 2 on the command line).
. "$(dirname "$0")/lib.sh"

make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 3, "timeout": 30,
  "compare": {"confirm": false},
  "benchmarks": [{"name": "quick", "command": ["./prog"],
                  "slo": {"baseline": "base", "tolerance": 0.5}}]
}'
commit_prog c1 'exec sleep 0.01' v1
commit_prog c2 'exec sleep 0.01' v2
c1=$(git -C "$REPO" rev-parse v1) c2=$(git -C "$REPO" rev-parse v2)
top="benchfs-audit-${c1:0:12}..${c2:0:12}"

start_benchfs
[ -d "$MNT/audit" ] || fail "no audit/ in the root: $(ls "$MNT")"
printf 'v1\nv2\n' > "$MNT/queue"
wait_status 000002 '^done' 120
echo v1 > "$MNT/baselines/base"
A="$MNT/audit/v1..v2.tar"

# A standard tar with a true size: tar tvf, cp, cat and stat agree.
tar tvf "$A" > "$T/tvf" || fail "tar tvf: $(cat "$T/tvf")"
for m in audit.json compare.md compare.json baselines/base baselines/.history/base a/samples.csv a/slo \
	a/runs/000001/config.json a/runs/000001/system.json a/runs/000001/result.json \
	b/samples.csv b/slo b/runs/000002/result.json MANIFEST.sha256; do
	grep -q " $top/$m\$" "$T/tvf" || fail "tar tvf lacks $top/$m: $(cat "$T/tvf")"
done
grep -v "^[-d]r[-w]xr-xr-x root/root \|^-rw-r--r-- root/root " "$T/tvf" &&
	fail "a member not owned by root/root or of another mode"
cp "$A" "$T/cp.tar"
cat "$A" > "$T/cat.tar"
cmp -s "$T/cp.tar" "$T/cat.tar" || fail "cp and cat of the bundle differ"
assert_eq "$(stat -c %s "$A")" "$(wc -c < "$T/cat.tar")" "stat's size against the bytes read"
cat "$A" | cmp -s - "$T/cat.tar" || fail "two reads differ"
ok "audit/v1..v2.tar lists with tar tvf; cp, cat and stat's size agree"

# Every header as python3's tarfile reads it (it checks each checksum).
python3 - "$T/cat.tar" "$top" <<'PY' || fail "python3's tarfile refuses the bundle"
import sys, tarfile
with tarfile.open(sys.argv[1], "r:") as t:
    members = t.getmembers()
    assert members[0].name == sys.argv[2] and members[0].isdir(), members[0].name
    assert members[-1].name == sys.argv[2] + "/MANIFEST.sha256", members[-1].name
    for m in members:
        assert m.uid == 0 and m.gid == 0 and m.uname == "root", m.name
        assert m.mode == (0o755 if m.isdir() else 0o644), (m.name, oct(m.mode))
        assert m.mtime > 1500000000, (m.name, m.mtime)
        assert m.name.startswith(sys.argv[2]), m.name
PY
ok "python3's tarfile reads every member: root, 0644/0755, mtimes of the runs"

# The manifest verifies, and lists every other file.
mkdir "$T/x"
tar xf "$A" -C "$T/x" || fail "tar xf"
(cd "$T/x/$top" && sha256sum --quiet -c MANIFEST.sha256) > "$T/sum" 2>&1 ||
	fail "sha256sum -c: $(cat "$T/sum")"
assert_eq "$(wc -l < "$T/x/$top/MANIFEST.sha256")" \
	"$(cd "$T/x/$top" && find . -type f ! -name MANIFEST.sha256 | wc -l)" "files in the manifest"
ok "tar xf, then sha256sum -c MANIFEST.sha256 passes"

# Members against the mount's own files.
cmp -s "$T/x/$top/compare.md" "$MNT/compare/v1..v2.md" || fail "compare.md differs from compare/v1..v2.md"
cmp -s "$T/x/$top/compare.json" "$MNT/compare/v1..v2.json" || fail "compare.json differs"
for f in config.json system.json result.json; do
	cmp -s "$T/x/$top/a/runs/000001/$f" "$MNT/runs/000001/$f" || fail "a's $f differs"
	cmp -s "$T/x/$top/b/runs/000002/$f" "$MNT/runs/000002/$f" || fail "b's $f differs"
done
# slo judges latest (v2): the same verdicts, a reason that names latest.
assert_eq "$(cut -f1-6 "$T/x/$top/b/slo")" "$(cut -f1-6 "$MNT/slo")" "b/slo against slo at latest (v2)"
grep -q "^quick	band	" "$T/x/$top/b/slo" || fail "b/slo: $(cat "$T/x/$top/b/slo")"
cmp -s "$T/x/$top/baselines/base" "$MNT/baselines/base" || fail "baselines/base differs"
cmp -s "$T/x/$top/baselines/.history/base" "$MNT/baselines/.history/base" || fail "baselines/.history/base differs"
grep -q "^$c1 " "$T/x/$top/baselines/base" || fail "baselines/base: $(cat "$T/x/$top/baselines/base")"
assert_eq "$(head -1 "$T/x/$top/a/samples.csv")" \
	"run,benchmark,iteration,wall_ns,user_ns,sys_ns,maxrss_bytes,exit_code,term_signal" "samples header"
assert_eq "$(grep -c '^000001,quick,[1-3],[0-9]*,[0-9]*,[0-9]*,[0-9]*,0,0$' "$T/x/$top/a/samples.csv")" 3 \
	"a's samples: $(cat "$T/x/$top/a/samples.csv")"
# wall_ns is result.json's times, in nanoseconds.
python3 - "$T/x/$top/b" <<'PY' || fail "b's samples are not result.json's times"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1] + "/samples.csv")))
times = json.load(open(sys.argv[1] + "/runs/000002/result.json"))["results"][0]["times"]
assert [int(r["wall_ns"]) for r in rows] == [round(t * 1e9) for t in times], (rows, times)
PY
assert_eq "$(json "$T/x/$top/audit.json" 'j["a"]["commit"], j["b"]["runs"], j["interleaved"]')" \
	"('$c1', ['000002'], False)" "audit.json"
ok "compare.md/.json, run files, slo and samples are the mount's bytes and the store's iterations"

# The command line writes the same bytes, to a file or to standard output.
bf audit --repo "$REPO" v1..v2 -o "$T/f.tar"
expect_status 0 "audit -o FILE"
cmp -s "$T/f.tar" "$T/cat.tar" || fail "benchfs audit -o FILE differs from the mount's file"
bf audit --repo "$REPO" -o - v1 v2
expect_status 0 "audit -o -"
cmp -s "$T/out" "$T/cat.tar" || fail "benchfs audit -o - differs from the mount's file"
ok "benchfs audit v1..v2 -o FILE and -o - give the mount's bytes"

# Names that resolve to nothing.
for bad in v1..nosuch.tar nosuch..v2.tar v1.tar v1..v2.md v1..v2 "v1..v2.tar.gz"; do
	if stat "$MNT/audit/$bad" > /dev/null 2> "$T/stat"; then fail "audit/$bad exists"; fi
	grep -q 'No such file or directory' "$T/stat" || fail "audit/$bad: $(cat "$T/stat")"
done
bf audit --repo "$REPO" v1..nosuch -o "$T/bad.tar"
expect_status 2 "audit of v1..nosuch"
grep -q 'nosuch names no finished run, baseline or revision' "$T/err" || fail "audit v1..nosuch: $(cat "$T/err")"
[ ! -e "$T/bad.tar" ] || fail "a failed audit left $T/bad.tar"
ok "a name that resolves to nothing: ENOENT in the mount, exit 2 on the command line"

# ls audit/ lists a bundle per pair compare/ lists; three dots work.
ls "$MNT/compare" | sed -n 's/\.md$/.tar/p' > "$T/pairs"
ls "$MNT/audit" > "$T/ls"
cmp -s "$T/pairs" "$T/ls" || fail "ls audit/: $(cat "$T/ls"), compare/ pairs: $(cat "$T/pairs")"
tar tf "$MNT/audit/v1...v2.tar" | grep -qx "$top/compare.md" || fail "audit/v1...v2.tar"
ok "ls audit/ lists one bundle per compare/ pair; a...b works"

# An A/B job: the bundle holds that job's two runs, as the compare uses them.
echo v1..v2 > "$MNT/queue"
wait_status 000004 '^done' 120
tar xOf "$A" "$top/audit.json" > "$T/ab.json"
assert_eq "$(json "$T/ab.json" 'j["a"]["runs"], j["b"]["runs"], j["interleaved"]')" \
	"(['000003'], ['000004'], True)" "audit.json of the A/B job"
tar tf "$A" | grep -q "/a/runs/000001/" && fail "the A/B job's bundle holds run 000001"
tar xOf "$A" "$top/compare.md" | cmp -s - "$MNT/compare/v1..v2.md" || fail "compare.md of the A/B job"
ok "after an A/B job the bundle holds its two runs"
