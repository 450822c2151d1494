#!/bin/bash
# The mount's export/: export/<rev>.<ext> and export/<a>..<b>.junit.xml hold
# the bytes `benchfs export` prints for the same store (each format, a
# baseline, latest, a run id, three dots); ls lists latest.<ext> for each
# format of one run and a JUnit report for each pair compare/ lists, so find
# and tar end; a name of no format, a revision that names nothing, a commit
# never measured and a format given the wrong kind of name are ENOENT.
. "$(dirname "$0")/lib.sh"

# sleepy's band against the baseline base: the JUnit report of c1..c3 fails
# it twice over (slower, and its service level breached).
make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 5, "timeout": 30,
  "compare": {"alpha": 0.01, "threshold": 0.25, "max_pairs": 40, "confirm": false},
  "benchmarks": [{"name": "sleepy", "command": ["./prog"],
                  "slo": {"baseline": "base", "tolerance": 0.05}}]
}'
commit_prog c1 'exec sleep 0.020'
commit_prog c2 'exec sleep 0.020'
commit_prog c3 'exec sleep 0.060'
c() { git -C "$REPO" rev-list --reverse HEAD | sed -n "${1}p"; }
c1=$(c 1) c2=$(c 2) c3=$(c 3)

start_benchfs
[ -d "$MNT/export" ] || fail "no export/ in the root: $(ls "$MNT")"
assert_eq "$(ls "$MNT/export" | wc -l)" 0 "export/ before any run"
printf '%s\n%s\n%s\n' "$c1" "$c2" "$c3" > "$MNT/queue"
echo "$c1..$c3" > "$MNT/queue"
wait_status 000005 '^done( |$)' 180
echo "$c1" > "$MNT/baselines/base"

# Same bytes as the command line, in every format; true sizes.
same() { # FILE ARGS...: export/FILE is what benchfs export ARGS prints
	local file=$1
	shift
	bf export --repo "$REPO" "$@"
	expect_status 0 "export $*"
	cmp -s "$T/out" "$MNT/export/$file" ||
		fail "export/$file differs from benchfs export $*: $(diff "$T/out" "$MNT/export/$file" | head -5)"
	assert_eq "$(stat -c %s "$MNT/export/$file")" "$(wc -c < "$T/out")" "export/$file's size"
}
for f in bmf:.bmf.json gab:.gab.json csv:.csv md:.md; do
	fmt=${f%%:*} ext=${f#*:}
	same "$c3$ext" --format "$fmt" "$c3"
	same "latest$ext" --format "$fmt" latest
	same "base$ext" --format "$fmt" base
	same "run-000002$ext" --format "$fmt" run-000002
done
same "$c1..$c3.junit.xml" --format junit "$c1..$c3"
same "base..$c2.junit.xml" --format junit "base..$c2"
same "$c2...$c3.junit.xml" --format junit "$c2...$c3"
grep -q 'type="slower">' "$MNT/export/$c1..$c3.junit.xml" || fail "c1..c3: $(cat "$MNT/export/$c1..$c3.junit.xml")"
grep -q '; slo band base +5.0% breached: +' "$MNT/export/$c1..$c3.junit.xml" ||
	fail "c1..c3 names no breached band: $(cat "$MNT/export/$c1..$c3.junit.xml")"
ok "export/ holds benchfs export's bytes: bmf, gab, csv, md of a commit, latest, a baseline, a run; junit of A..B and A...B"

# ls: latest in each format of one run, a JUnit report per pair of compare/.
ls "$MNT/export" > "$T/ls"
for ext in .bmf.json .gab.json .csv .md; do
	grep -qx "latest$ext" "$T/ls" || fail "ls export/ lacks latest$ext: $(cat "$T/ls")"
done
ls "$MNT/compare" | sed -n 's/\.md$/.junit.xml/p' > "$T/pairs"
assert_eq "$(grep -c '\.junit\.xml$' "$T/ls")" "$(wc -l < "$T/pairs")" "junit files listed"
grep -vxFf "$T/ls" "$T/pairs" > "$T/missing" && fail "not listed: $(cat "$T/missing")"
# find ends, and tar copies every listed file whole (true sizes).
assert_eq "$(timeout 60 find "$MNT/export" -type f | wc -l)" "$(wc -l < "$T/ls")" "find export/"
(cd "$MNT" && timeout 60 tar cf "$T/export.tar" export) || fail "tar of export/"
mkdir "$T/untar" && tar xf "$T/export.tar" -C "$T/untar"
while read -r f; do
	cmp -s "$T/untar/export/$f" "$MNT/export/$f" || fail "tar's copy of export/$f differs"
done < "$T/ls"
ok "ls export/ lists latest.<ext> and a JUnit report per compare/ pair; find and tar end"

# Names that are no file: ENOENT, as compare/ answers.
for bad in "$c3.xml" "$c3" "nosuch.csv" "$c3..$c1.csv" "$c3.junit.xml" "$c1..nosuch.junit.xml" \
	"$(git -C "$REPO" rev-parse HEAD~0^{tree}).md"; do
	if stat "$MNT/export/$bad" > /dev/null 2> "$T/stat"; then fail "export/$bad exists"; fi
	grep -q 'No such file or directory' "$T/stat" || fail "export/$bad: $(cat "$T/stat")"
done
commit_prog c4 'exec sleep 0.020'
if cat "$MNT/export/$(git -C "$REPO" rev-parse HEAD).csv" > /dev/null 2>&1; then
	fail "a commit never measured has an export"
fi
ok "an unknown format, a bad revision, a commit never measured, a wrong kind of name: ENOENT"
stop_daemon
