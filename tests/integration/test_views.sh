#!/bin/bash
# The computed views over a repository with planted speed changes: compare
# (Markdown and JSON), regressions, history CSV and SVG, baselines, and a new
# run showing up in every view without a remount.
. "$(dirname "$0")/lib.sh"

# prog sleeps for the time its commit plants per benchmark: sleep keeps the
# noise far below the 10% threshold (raised from the default 2% so that a
# loaded machine does not turn drift into a finding), so the verdicts are the
# planted ones.
make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 10, "timeout": 30,
  "compare": {"alpha": 0.01, "threshold": 0.10},
  "benchmarks": [
    {"name": "steady", "command": ["./prog", "steady"]},
    {"name": "planted", "command": ["./prog", "planted"]}
  ]}'
plant() { # MESSAGE PLANTED_SECONDS [TAG]
	commit_prog "$1" 'case "$1" in steady) sleep 0.050 ;; planted) sleep '"$2"' ;; esac' ${3:-}
}
plant c1 0.030 v1
plant c2 0.030
plant c3 0.060 # the planted slowdown: +100%
plant c4 0.060
plant c5 0.060
c() { git -C "$REPO" rev-parse "HEAD~$((5 - $1))"; }
c1=$(c 1) c2=$(c 2) c3=$(c 3) c4=$(c 4) c5=$(c 5)
start_benchfs

printf '%s\n' "$c1" "$c2" "$c3" "$c4" "$c5" > "$T/jobs"
cat "$T/jobs" > "$MNT/queue"
wait_status 000005 '^done( |$)' 120
for i in 1 2 3 4; do assert_eq "$(cut -d" " -f1 "$MNT/runs/00000$i/status")" done "run $i"; done
assert_eq "$(stat -c %h "$MNT/runs")" 7 "link count of runs/ (cached, invalidated on queue)"
ok "five commits measured"

# ---- compare ----
cmp_md="$MNT/compare/$c2..$c3.md"
cat "$cmp_md" > "$T/c23.md" || fail "cannot read $cmp_md"
grep -Eq '^\| planted \| .* \| \+[0-9.]+% \| \[.*\] \| .* \| slower \|$' "$T/c23.md" \
	|| fail "planted is not slower in compare: $(cat "$T/c23.md")"
# The unchanged benchmark may be inconclusive on a loaded machine, never slower or faster.
grep -Eq '^\| steady \| .* \| (unchanged|inconclusive) \|$' "$T/c23.md" \
	|| fail "steady is not unchanged: $(grep steady "$T/c23.md")"
grep -q "^| a | \`$c2\` | \`${c2:0:12}\` | c2 | 000002 |" "$T/c23.md" || fail "side a header: $(grep '^| a' "$T/c23.md")"
grep -q 'ms ± .* ms (10)' "$T/c23.md" || fail "times are not in ms with n"
grep -Eq '^0 faster, 1 slower, (1 unchanged, 0|0 unchanged, 1) inconclusive\.$' "$T/c23.md" || fail "summary counts: $(tail -3 "$T/c23.md")"
grep -q 'p < 0.01 .* threshold of ±10%' "$T/c23.md" || fail "alpha and threshold are not stated"
ok "compare .md: planted slower, steady unchanged, header and summary"

assert_eq "$(stat -c %s "$cmp_md")" "$(wc -c < "$T/c23.md")" "compare size"
cmp "$cmp_md" "$T/c23.md" || fail "a second read differs"
ok "compare .md: true size, same bytes on every read"

cj="$MNT/compare/$c2..$c3.json"
cat "$cj" > "$T/c23.json"
assert_eq "$(json "$T/c23.json" '[b["verdict"].replace("inconclusive", "unchanged") for b in j["benchmarks"]]')" "['slower', 'unchanged']" "json verdicts"
assert_eq "$(json "$T/c23.json" '1.6 < j["benchmarks"][0]["ratio"] < 2.2')" True "planted ratio"
assert_eq "$(json "$T/c23.json" 'j["benchmarks"][0]["ratio_ci"][0] < j["benchmarks"][0]["ratio"] < j["benchmarks"][0]["ratio_ci"][1]')" True "ratio inside its interval"
assert_eq "$(json "$T/c23.json" '0.029 < j["benchmarks"][0]["a"]["mean"] < 0.045 and j["benchmarks"][0]["a"]["n"] == 10')" True "a mean in seconds, n"
assert_eq "$(json "$T/c23.json" 'j["benchmarks"][0]["p_value"] < 0.01 and j["benchmarks"][0]["mannwhitney_p"] < 0.01')" True "p-values"
assert_eq "$(json "$T/c23.json" '(j["a"]["commit"], j["a"]["runs"], j["b"]["runs"], j["alpha"], j["threshold"])')" "('$c2', [2], [3], 0.01, 0.1)" "json sides"
assert_eq "$(json "$T/c23.json" '(j["summary"]["slower"], j["summary"]["unchanged"] + j["summary"]["inconclusive"], j["summary"]["faster"])')" "(1, 1, 0)" "json summary"
assert_eq "$(json "$T/c23.json" '1.2 < j["summary"]["geomean_ratio"] < 1.6 and j["summary"]["geomean_ci"][0] < j["summary"]["geomean_ratio"]')" True "geomean"
ok "compare .json: names, numbers and verdicts"

# The other names: resolved to the right commits and runs, the planted step seen
# (the verdict itself is checked once above: parallel tests can make a turn noisy).
assert_eq "$(json "$MNT/compare/$c3..$c2.json" '(j["a"]["commit"], j["b"]["commit"], j["benchmarks"][0]["ratio"] < 0.75)')" "('$c3', '$c2', True)" "reversed"
assert_eq "$(json "$MNT/compare/v1..run-3.json" '(j["a"]["commit"], j["b"]["runs"])')" "('$c1', [3])" "tag and run id"
assert_eq "$(json "$MNT/compare/000004..latest.json" '(j["a"]["runs"], j["b"]["commit"], j["benchmarks"][0]["verdict"] != "slower")')" "([4], '$c5', True)" "run dir name and latest"
assert_eq "$(json "$MNT/compare/HEAD~4..HEAD.json" '(j["a"]["commit"], j["b"]["commit"], j["benchmarks"][0]["ratio"] > 1.4)')" "('$c1', '$c5', True)" "HEAD~4..HEAD"
for bad in "nope..$c2.md" "$c2..nope.md" "$c2..$c3.txt" "$c2.md" "run-99..$c2.md"; do
	if cat "$MNT/compare/$bad" > /dev/null 2> "$T/err"; then fail "compare/$bad exists"; fi
	grep -q 'No such file' "$T/err" || fail "compare/$bad: $(cat "$T/err")"
done
ok "compare names: tags, run ids, latest, HEAD~n; unknown names are ENOENT"

ls "$MNT/compare" > "$T/ls"
for pair in "$c1..$c2" "$c2..$c3" "$c4..$c5"; do
	a=${pair%..*} b=${pair#*..}
	grep -Eq "^${a:0:7}[0-9a-f]*\.\.${b:0:7}[0-9a-f]*\.md$" "$T/ls" || fail "ls compare/ lacks $pair: $(cat "$T/ls")"
done
assert_eq "$(wc -l < "$T/ls")" 8 "ls compare/ entries"
while read -r name; do
	cat "$MNT/compare/$name" > /dev/null || fail "listed compare/$name cannot be read"
done < "$T/ls"
ok "ls compare/ lists each commit against its parent, and every listed file reads"

# ---- regressions ----
cat "$MNT/regressions" > "$T/reg"
assert_eq "$(wc -l < "$T/reg")" 1 "regressions lines ($(cat "$T/reg"))"
IFS=$'\t' read -r commit bench before after change p runs < "$T/reg"
assert_eq "$commit $bench $runs" "$c3 planted 000003" "regression commit, benchmark, runs"
python3 -c "import sys; b, a = float(sys.argv[1]), float(sys.argv[2]); assert 0.029 < b < 0.045 and 0.059 < a < 0.08, (b, a)" "$before" "$after" \
	|| fail "regression means: $before $after"
python3 -c "import sys; assert 60 < float(sys.argv[1].strip('+%')) < 130" "$change" || fail "regression change: $change"
python3 -c "import sys; assert float(sys.argv[1]) < 0.01" "$p" || fail "regression p-value $p"
ok "regressions: exactly the planted slowdown ($change, p $p)"

# ---- history ----
ls "$MNT/history" > "$T/ls"
assert_eq "$(tr '\n' ' ' < "$T/ls")" "planted.csv planted.svg steady.csv steady.svg " "ls history/"
csv="$MNT/history/planted.csv"
head -1 "$csv" | grep -qx 'commit,commit_time,runs,n,mean,stddev,median,min,max' || fail "csv header: $(head -1 "$csv")"
python3 - "$csv" "$c1" "$c2" "$c3" "$c4" "$c5" <<'PY' || fail "history/planted.csv: $(cat "$csv")"
import csv, sys, datetime
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["commit"] for r in rows] == sys.argv[2:7], [r["commit"] for r in rows]
for i, r in enumerate(rows):
    datetime.datetime.strptime(r["commit_time"], "%Y-%m-%dT%H:%M:%SZ")
    assert r["runs"] == "1" and r["n"] == "10", r
    mean, lo, hi, med = float(r["mean"]), float(r["min"]), float(r["max"]), float(r["median"])
    assert lo <= med <= hi and lo <= mean <= hi and float(r["stddev"]) >= 0, r
    assert (0.029 < mean < 0.045) if i < 2 else (0.059 < mean < 0.08), r
PY
ok "history/planted.csv: one row per commit, oldest first, right numbers"
svg="$MNT/history/planted.svg"
python3 -c "import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); assert r.tag.endswith('svg'), r.tag" "$svg" \
	|| fail "history/planted.svg is not well-formed SVG"
grep -q "${c3:0:8}" "$svg" || fail "svg lacks the commit labels"
python3 -c "import re, sys; assert any(float(x) > 50 for x in re.findall(r'\+([0-9.]+)%', open(sys.argv[1]).read()))" "$svg" \
	|| fail "svg does not mark the change point: $(grep -o '[+-][0-9.]*%' "$svg" | tr '\n' ' ')"
assert_eq "$(stat -c %s "$svg")" "$(wc -c < "$svg")" "svg size"
if cat "$MNT/history/nope.csv" 2>/dev/null; then fail "history/nope.csv exists"; fi
ok "history/planted.svg: well-formed, labelled, change point marked"

# ---- baselines ----
echo v1 > "$MNT/baselines/release" || fail "cannot pin a baseline"
assert_eq "$(cat "$MNT/baselines/release")" "$c1 000001" "baseline content"
assert_eq "$(ls "$MNT/baselines")" release "ls baselines/"
if echo nope > "$MNT/baselines/bad" 2> "$T/err"; then fail "a bad revision was pinned"; fi
grep -q 'Invalid argument' "$T/err" || fail "bad baseline error: $(cat "$T/err")"
assert_eq "$(ls "$MNT/baselines")" release "a refused baseline is not kept"
for name in .hidden latest 000001 run-1; do
	if { echo v1 > "$MNT/baselines/$name"; } 2>/dev/null; then fail "baseline name $name was accepted"; fi
done
assert_eq "$(json "$MNT/compare/release..latest.json" '(j["a"]["commit"], j["b"]["commit"])')" "('$c1', '$c5')" "baseline in compare"
grep -qx 'release\.\.latest\.md' <(ls "$MNT/compare") || fail "ls compare/ lacks release..latest.md"
echo "$c3" > "$MNT/baselines/release"
assert_eq "$(cat "$MNT/baselines/release")" "$c3 000003" "re-pinned baseline"
echo v1 > "$MNT/baselines/old"
rm "$MNT/baselines/old" || fail "rm of a baseline"
assert_eq "$(ls "$MNT/baselines" | tr '\n' ' ')" "release " "after rm"
if rm "$MNT/baselines/old" 2>/dev/null; then fail "rm of a missing baseline succeeded"; fi
ok "baselines: pin, cat, re-pin, refuse a bad revision, rm, ls, compare against latest"

# ---- a new run shows up everywhere without a remount ----
csv_lines=$(wc -l < "$csv")
plant c6 0.030 # back to fast: an improvement, not a regression
c6=$(git -C "$REPO" rev-parse HEAD)
echo "$c6" > "$MNT/queue"
assert_eq "$(stat -c %h "$MNT/runs")" 8 "link count of runs/ after a queue write"
wait_status 000006 '^done( |$)' 60
assert_eq "$(wc -l < "$csv")" $((csv_lines + 1)) "history rows after a new run"
tail -1 "$csv" | grep -q "^$c6," || fail "the new commit is not the last history row"
# Still one line, the same slowdown (its means may now span other commits).
assert_eq "$(cut -f1,2,7 "$MNT/regressions")" "$c3	planted	000003" "regressions after an improvement"
assert_eq "$(json "$MNT/compare/$c5..$c6.json" '(j["b"]["runs"], j["benchmarks"][0]["ratio"] < 0.75)')" "([6], True)" "compare of the new run"
grep -Eq "\.\.${c6:0:7}[0-9a-f]*\.md$" <(ls "$MNT/compare") || fail "ls compare/ lacks the new pair"
assert_eq "$(cat "$MNT/baselines/release")" "$c3 000003" "baseline after a new run"
ok "a new run appears in history, compare and ls without a remount; improvements are not regressions"

# ---- an interleaved A/B job is what compare uses for its two commits ----
echo "$c2..$c3" > "$MNT/queue"
wait_status 000008 '^done( |$)' 60
assert_eq "$(json "$MNT/compare/$c2..$c3.json" '(j["a"]["runs"], j["b"]["runs"], j["a"]["interleaved"], j["benchmarks"][0]["ratio"] > 1.4)')" \
	"([7], [8], True, True)" "compare of an A/B pair"
grep -q 'one interleaved A/B job' "$MNT/compare/$c2..$c3.md" || fail "the .md does not say the sides are interleaved"
assert_eq "$(json "$MNT/compare/$c1..$c3.json" '(j["a"]["runs"], j["b"]["runs"], j["a"]["interleaved"])')" \
	"([1], [3, 8], False)" "other commits pool their runs"
grep -qx "run-7\.\.run-8\.md" <(ls "$MNT/compare") || fail "ls compare/ lacks the A/B pair"
ok "compare uses the interleaved pair of its two commits; other names pool every run"

# ---- baselines survive a remount ----
stop_daemon
start_benchfs
assert_eq "$(cat "$MNT/baselines/release")" "$c3 000008" "baseline after remount (its newest run)"
assert_eq "$(wc -l < "$MNT/regressions")" 1 "regressions after remount"
ok "baselines survive a remount"
