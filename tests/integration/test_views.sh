#!/bin/bash
# The computed views over a repository with a planted speed change: compare
# (separate runs judged against this host's run-to-run noise, an A/B job's
# pairs, the same build), regressions, history CSV and SVG, baselines, and a
# new run showing up in every view without a remount.
. "$(dirname "$0")/lib.sh"

# The wall-time lines of the regressions file: the steps this test plants. Lines
# <bench>:<metric> (cpu, memory) are the metrics' own, tested elsewhere; a
# program's peak RSS moves with things this test does not control (under
# ASan, the sanitized spawner's own memory before exec counts in it).
wall_regressions() {
	awk -F '\t' '$2 !~ /:/' "$MNT/regressions"
}

# prog sleeps for the time its commit plants per benchmark: sleeping 100 ms
# and more keeps the relative noise low even on a loaded machine (where
# starting a process costs tens of milliseconds that vary with the load), and
# the threshold is raised from the default 2% to 25% so that the machine's
# own drift (other builds starting and stopping for minutes) does not turn
# into a finding: the verdicts are the planted ones. The build drops
# "# " comment lines, so a commit changing only a comment builds
# byte-identical artifacts; the ": <name>" line makes every other commit's
# build differ. "confirm": false: regressions here is the history's own test
# (the daemon's A/B jobs that settle its suspects are test_confirm.sh's).
make_repo '{
  "build": "sed \"/^# /d\" prog.sh > prog && chmod +x prog",
  "artifacts": ["prog"],
  "warmup": 0, "runs": 10, "timeout": 30,
  "compare": {"alpha": 0.01, "threshold": 0.25, "max_pairs": 40, "confirm": false},
  "benchmarks": [
    {"name": "steady", "command": ["./prog", "steady"]},
    {"name": "planted", "command": ["./prog", "planted"]}
  ]}'
plant() { # MESSAGE PLANTED_SECONDS [TAG]
	commit_prog "$1" ": $1
case \"\$1\" in steady) exec sleep 0.100 ;; planted) exec sleep $2 ;; esac" ${3:-}
}
plant c1 0.100 v1
for i in 2 3 4; do plant c$i 0.100; done
c() { git -C "$REPO" rev-list --reverse HEAD | sed -n "${1}p"; }
c1=$(c 1) c2=$(c 2) c3=$(c 3) c4=$(c 4)
start_benchfs

# ---- separate runs before this host's noise is known: undecided, and why ----
printf '%s\n' "$c1" "$c2" "$c3" "$c4" > "$MNT/queue"
wait_status 000004 '^done( |$)' 120
for i in 1 2 3; do assert_eq "$(cut -d" " -f1 "$MNT/runs/00000$i/status")" done "run $i"; done
cat "$MNT/compare/$c1..$c2.md" > "$T/c12.md" || fail "cannot read compare/$c1..$c2.md"
grep -q '^Method: runs\.' "$T/c12.md" || fail "the .md does not name the runs method: $(head -12 "$T/c12.md")"
grep -Eq '^\| planted \| .* \| undecided( \(unstable run [0-9, ]+\))? \|$' "$T/c12.md" || fail "planted is not undecided: $(grep planted "$T/c12.md")"
grep -Eq '^\| steady \| .* \| undecided( \(unstable run [0-9, ]+\))? \|$' "$T/c12.md" || fail "steady is not undecided: $(grep steady "$T/c12.md")"
grep -q "^- planted undecided: this host's run-to-run noise is not known yet (2 of the 11 runs it needs).*queue an A/B job: echo $c1..$c2 > queue" "$T/c12.md" \
	|| fail "no reason with the A/B suggestion: $(grep '^- ' "$T/c12.md")"
grep -q '^0 faster, 0 slower, 0 unchanged, 2 undecided, 0 same build\.$' "$T/c12.md" || fail "summary: $(tail -2 "$T/c12.md")"
json "$MNT/compare/$c1..$c2.json" 'all(b["method"] == "runs" and b["verdict"] == "undecided" and "A/B job" in b["reason"] and b["runs_a"] == 1 and b["runs_b"] == 1 and b["history_runs"] == 2 and b["p_value"] is None and b["q_value"] is None for b in j["benchmarks"])' > "$T/out"
assert_eq "$(cat "$T/out")" True "json: untestable rows"
assert_eq "$(wall_regressions)" "" "regressions without a step"
ok "separate runs without known noise: undecided, with the A/B job to queue"

# ---- enough runs: the noise is known, a planted step is slower ----
# Eight commits on each side of the step (c9): sixteen runs of this host give
# its run-to-run noise, and the step has enough commits after it for
# regressions to find it at run level.
for i in 5 6 7 8; do plant c$i 0.100; done
for i in 9 10 11 12 13 14 15 16; do plant c$i 0.400; done # the planted slowdown
for i in $(seq 5 16); do eval "c$i=$(c $i)"; done
for i in $(seq 5 16); do eval echo "\$c$i"; done > "$MNT/queue"
wait_status 000016 '^done( |$)' 240
cmp_md="$MNT/compare/$c8..$c9.md"
cat "$cmp_md" > "$T/c89.md" || fail "cannot read $cmp_md"
grep -Eq '^\| planted \| .* \| \+[0-9.]+% \| \[\+[0-9.]+%, \+[0-9.]+%\] at 99% \| .* \| 1 vs 1 runs; σ [0-9.]+%, 14 history runs \| slower( \(unstable run [0-9, ]+\))? \|$' "$T/c89.md" \
	|| fail "planted is not slower in compare: $(cat "$T/c89.md")"
grep -Eq '^\| steady \| .* \| (unchanged|undecided)( \(unstable run [0-9, ]+\))? \|$' "$T/c89.md" \
	|| fail "steady is slower or faster: $(grep steady "$T/c89.md")"
grep -q "^| a | \`$c8\` | \`${c8:0:12}\` | c8 | 000008 |" "$T/c89.md" || fail "side a header: $(grep '^| a' "$T/c89.md")"
grep -q 'ms ± .* ms (10)' "$T/c89.md" || fail "times are not in ms with n"
grep -Eq '^0 faster, 1 slower, (1 unchanged, 0|0 unchanged, 1) undecided, 0 same build\.$' "$T/c89.md" || fail "summary counts: $(tail -3 "$T/c89.md")"
grep -q '^## Noise model$' "$T/c89.md" || fail "no noise model"
grep -q 'newest 16 finished runs of this host' "$T/c89.md" || fail "the noise model does not name its history"
grep -q 'Alpha 0.01, with the Benjamini-Hochberg correction over the 2 benchmarks tested' "$T/c89.md" || fail "alpha and correction are not stated"
grep -q 'Threshold: ±25% (configured)' "$T/c89.md" || fail "the threshold is not stated"
ok "compare .md of separate runs: planted slower, steady never slower or faster, noise model stated"

assert_eq "$(stat -c %s "$cmp_md")" "$(wc -c < "$cmp_md")" "compare size"
cmp "$cmp_md" "$T/c89.md" || fail "a second read differs"
ok "compare .md: true size, same bytes on every read"

cj="$MNT/compare/$c8..$c9.json"
cat "$cj" > "$T/c89.json"
python3 - "$T/c89.json" "$T/c89.md" <<'PY' || fail "compare .json: $(cat "$T/c89.json")"
import json, re, sys
j = json.load(open(sys.argv[1]))
md = open(sys.argv[2]).read()
assert j["method"] == "runs" and j["same_build"] is False, j["method"]
b = {x["name"]: x for x in j["benchmarks"]}
p, s = b["planted"], b["steady"]
keys = ["name", "a", "b", "method", "runs_a", "runs_b", "history_runs", "ratio", "ratio_ci",
        "confidence", "p_value", "p_sequential", "q_value", "sigma_run", "threshold",
        "threshold_source", "verdict", "reason", "unstable", "other_cpus", "pooled_welch",
        "only_in", "instructions"]
for x in (p, s):
    missing = [k for k in keys if k not in x]
    assert not missing, missing
    assert x["method"] == "runs" and x["runs_a"] == 1 and x["runs_b"] == 1 and x["history_runs"] == 14, x
    assert x["threshold"] == 0.25 and x["threshold_source"] == "fixed", x
    assert x["confidence"] == 0.99 and x["sigma_run"] > 0, x
    assert set(x["unstable"]) == {"a", "b"} and set(x["other_cpus"]) == {"a", "b"}, x
    assert set(x["pooled_welch"]) == {"p_value", "verdict"}, x
    assert x["verdict"] in ("unchanged", "undecided", "slower"), x
    assert x["p_value"] <= x["p_sequential"] <= x["q_value"] + 1e-12, x
assert p["verdict"] == "slower" and p["reason"] is None, p
assert 2 < p["ratio"] < 5 and p["ratio_ci"][0] < p["ratio"] < p["ratio_ci"][1], p
assert p["ratio_ci"][0] > 1.1 and p["q_value"] <= 0.01, p
assert s["verdict"] != "slower" and s["verdict"] != "faster", s
assert (s["reason"] is None) == (s["verdict"] == "unchanged"), s
assert 0.099 < p["a"]["mean"] < 0.16 and p["a"]["n"] == 10, p["a"]
# The interval the .md shows is the verdict's, at its confidence.
row = next(l for l in md.splitlines() if l.startswith("| planted |"))
lo, hi = (float(v) for v in re.search(r"\[([-+0-9.]+)%, ([-+0-9.]+)%\] at 99%", row).groups())
assert abs(lo - (p["ratio_ci"][0] - 1) * 100) < 0.051 and abs(hi - (p["ratio_ci"][1] - 1) * 100) < 0.051, (row, p["ratio_ci"])
sm = j["summary"]
assert (sm["slower"], sm["faster"], sm["unchanged"] + sm["undecided"], sm["same_build"]) == (1, 0, 1, 0), sm
assert 1.4 < sm["geomean_ratio"] < 3.5 and sm["geomean_ci"][0] < sm["geomean_ratio"], sm
nm = j["noise_model"]
assert nm["method"] == "runs" and nm["correction"] == "benjamini-hochberg" and nm["tested"] == 2, nm
assert nm["history_runs"] == 16 and nm["alpha"] == 0.01 and nm["threshold"] == 0.25, nm
assert (j["a"]["commit"], j["a"]["runs"], j["b"]["runs"], j["alpha"], j["threshold"]) == \
    (j["a"]["commit"], ["000008"], ["000009"], 0.01, 0.25), j
PY
ok "compare .json: fields, the verdict's interval and confidence, summary and noise model"

# Identical code compared run against run: never slower or faster.
for i in 6 10; do
	a=$(eval echo "\$c$i") b=$(eval echo "\$c$((i + 1))")
	v=$(json "$MNT/compare/$a..$b.json" '" ".join(x["verdict"] for x in j["benchmarks"])')
	case "$v" in *slower* | *faster*) fail "c$i..c$((i + 1)) of identical code: $v" ;; esac
done
ok "neighbouring commits of identical code: never slower or faster"

# The other names: resolved to the right commits and runs, the planted step seen.
assert_eq "$(json "$MNT/compare/$c9..$c8.json" '(j["a"]["commit"], j["b"]["commit"], j["benchmarks"][0]["ratio"] < 0.5)')" "('$c9', '$c8', True)" "reversed"
assert_eq "$(json "$MNT/compare/v1..run-9.json" '(j["a"]["commit"], j["b"]["runs"])')" "('$c1', ['000009'])" "tag and run id"
assert_eq "$(json "$MNT/compare/000015..latest.json" '(j["a"]["runs"], j["b"]["commit"], j["benchmarks"][0]["verdict"] != "slower")')" "(['000015'], '$c16', True)" "run dir name and latest"
assert_eq "$(json "$MNT/compare/HEAD~15..HEAD.json" '(j["a"]["commit"], j["b"]["commit"], j["benchmarks"][0]["ratio"] > 2)')" "('$c1', '$c16', True)" "HEAD~15..HEAD"
for bad in "nope..$c2.md" "$c2..nope.md" "$c2..$c3.txt" "$c2.md" "run-99..$c2.md"; do
	if cat "$MNT/compare/$bad" > /dev/null 2> "$T/err"; then fail "compare/$bad exists"; fi
	grep -q 'No such file' "$T/err" || fail "compare/$bad: $(cat "$T/err")"
done
ok "compare names: tags, run ids, latest, HEAD~n; unknown names are ENOENT"

ls "$MNT/compare" > "$T/ls"
for pair in "v1..$c2" "$c8..$c9" "$c15..$c16"; do
	a=${pair%..*} b=${pair#*..}
	grep -Eq "^${a:0:7}[0-9a-f]*\.\.${b:0:7}[0-9a-f]*\.md$" "$T/ls" || fail "ls compare/ lacks $pair: $(cat "$T/ls")"
done
assert_eq "$(wc -l < "$T/ls")" 30 "ls compare/ entries"
while read -r name; do
	cat "$MNT/compare/$name" > /dev/null || fail "listed compare/$name cannot be read"
done < <(head -4 "$T/ls")
ok "ls compare/ lists each commit against its parent, and listed files read"

# ---- regressions: run-level, the planted step once eight commits follow it ----
wall_regressions > "$T/reg"
assert_eq "$(wc -l < "$T/reg")" 1 "regressions lines ($(cat "$T/reg"))"
IFS=$'\t' read -r commit bench before after change p runs threshold source method range _ < "$T/reg"
assert_eq "$commit $bench $runs $threshold $source $method $range" "$c9 planted 000009 25% fixed runs -" "regression commit, benchmark, runs, threshold, method"
python3 -c "import sys; b, a = float(sys.argv[1]), float(sys.argv[2]); assert 0.099 < b < 0.16 and 0.399 < a < 0.5, (b, a)" "$before" "$after" \
	|| fail "regression means: $before $after"
python3 -c "import sys; assert 100 < float(sys.argv[1].strip('+%')) < 400" "$change" || fail "regression change: $change"
python3 -c "import sys; assert float(sys.argv[1]) < 0.01" "$p" || fail "regression p-value $p"
ok "regressions: exactly the planted slowdown ($change, p $p), nothing for steady"

# ---- history ----
ls "$MNT/history" > "$T/ls"
assert_eq "$(grep -v : "$T/ls" | tr '\n' ' ')" "planted.csv planted.svg steady.csv steady.svg " "ls history/"
# Beside each benchmark's wall time, its cpu and memory.
assert_eq "$(grep : "$T/ls" | LC_ALL=C sort | tr '\n' ' ')" \
	"planted:cpu.csv planted:cpu.svg planted:memory.csv planted:memory.svg steady:cpu.csv steady:cpu.svg steady:memory.csv steady:memory.svg " \
	"ls history/'s metrics"
csv="$MNT/history/planted.csv"
head -1 "$csv" | grep -qx 'commit,commit_time,runs,n,mean,stddev,median,min,max' || fail "csv header: $(head -1 "$csv")"
python3 - "$csv" $(for i in $(seq 16); do eval echo "\$c$i"; done) <<'PY' || fail "history/planted.csv: $(cat "$csv")"
import csv, sys, datetime
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["commit"] for r in rows] == sys.argv[2:18], [r["commit"] for r in rows]
for i, r in enumerate(rows):
    datetime.datetime.strptime(r["commit_time"], "%Y-%m-%dT%H:%M:%SZ")
    assert r["runs"] == "1" and r["n"] == "10", r
    mean, lo, hi, med = float(r["mean"]), float(r["min"]), float(r["max"]), float(r["median"])
    assert lo <= med <= hi and lo <= mean <= hi and float(r["stddev"]) >= 0, r
    assert (0.099 < mean < 0.16) if i < 8 else (0.399 < mean < 0.5), r
PY
ok "history/planted.csv: one row per commit, oldest first, right numbers"
svg="$MNT/history/planted.svg"
python3 -c "import sys, xml.etree.ElementTree as E; r = E.parse(sys.argv[1]).getroot(); assert r.tag.endswith('svg'), r.tag" "$svg" \
	|| fail "history/planted.svg is not well-formed SVG"
grep -q ">$(short_name "$c9")</text>" "$svg" || fail "svg lacks the commit labels"
python3 -c "import re, sys; assert any(float(x) > 50 for x in re.findall(r'\+([0-9.]+)%', open(sys.argv[1]).read()))" "$svg" \
	|| fail "svg does not mark the change point: $(grep -o '[+-][0-9.]*%' "$svg" | tr '\n' ' ')"
python3 -c "import re, sys; g = re.search(r'<g class=\"changes\">(.*?)</g>', open(sys.argv[1]).read(), re.S); assert g and '<line' not in g.group(1)" "$MNT/history/steady.svg" \
	|| fail "history/steady.svg marks a change"
assert_eq "$(stat -c %s "$svg")" "$(wc -c < "$svg")" "svg size"
if cat "$MNT/history/nope.csv" 2>/dev/null; then fail "history/nope.csv exists"; fi
ok "history/planted.svg: well-formed, labelled, the regressions' change point marked (none for steady)"

# ---- an interleaved A/B job: the paired method decides ----
echo "$c8..$c9" > "$MNT/queue"
wait_status 000018 '^done( |$)' 120
cat "$MNT/compare/$c8..$c9.json" > "$T/ab.json"
python3 - "$T/ab.json" "$MNT/compare/$c8..$c9.md" <<'PY' || fail "compare of the A/B pair: $(cat "$T/ab.json")"
import json, re, sys
j = json.load(open(sys.argv[1]))
md = open(sys.argv[2]).read()
assert (j["a"]["runs"], j["b"]["runs"], j["a"]["interleaved"], j["method"]) == (["000017"], ["000018"], True, "paired"), j["a"]
b = {x["name"]: x for x in j["benchmarks"]}
p, s = b["planted"], b["steady"]
for x in (p, s):
    for k in ("pairs", "paired_t_p", "p_sequential", "q_value", "confidence", "ratio_ci"):
        assert k in x, k
    assert x["method"] == "paired" and x["pairs"] >= 10 and x["threshold_source"] == "fixed", x
    assert "runs_a" not in x and "sigma_run" not in x, x
    assert x["verdict"] != "faster", x
assert p["verdict"] == "slower" and p["ratio"] > 2 and p["ratio_ci"][0] > 1.1, p
assert 0 <= p["paired_t_p"] < 0.01 and p["p_value"] < 0.01, p
assert s["verdict"] != "slower", s
# The confidence is the look's (1 - its level <= alpha, at least), and the .md shows that interval.
assert 0.99 - 1e-9 <= p["confidence"] < 1, p
# The statistics table (in its <details> block, after the narrow table) has the pairs.
row = [l for l in md.splitlines() if l.startswith("| planted |")][-1]
m = re.search(r"\[([-+0-9.]+)%, ([-+0-9.]+)%\] at ([0-9.]+)%", row)
lo, hi, conf = (float(v) for v in m.groups())
assert abs(lo - (p["ratio_ci"][0] - 1) * 100) < 0.051 and abs(hi - (p["ratio_ci"][1] - 1) * 100) < 0.051, (row, p)
assert abs(conf - p["confidence"] * 100) < 0.01, (row, p["confidence"])
assert "%d pairs" % p["pairs"] in row and "(t: " in row, row
assert "Method: paired." in md, md
PY
grep -qx "run-17\.\.run-18\.md" <(ls "$MNT/compare") || fail "ls compare/ lacks the A/B pair"
assert_eq "$(json "$MNT/compare/run-17..run-18.json" '(j["method"], j["benchmarks"][0]["method"])')" "('paired', 'paired')" "the pair by its run names"
assert_eq "$(json "$MNT/compare/$c7..$c9.json" '(j["a"]["runs"], j["b"]["runs"], j["a"]["interleaved"], j["method"])')" \
	"(['000007'], ['000009', '000018'], False, 'runs')" "other commits pool their runs"
ok "an A/B pair's compare says method paired, with pairs and the look's interval"

# ---- the same build: a commit changing only a comment ----
commit_prog c17 ": c16
# only a comment changed
case \"\$1\" in steady) exec sleep 0.100 ;; planted) exec sleep 0.400 ;; esac"
c17=$(git -C "$REPO" rev-parse HEAD)
echo "$c17" > "$MNT/queue"
wait_status 000019 '^done( |$)' 60
cat "$MNT/compare/$c16..$c17.md" > "$T/same.md"
grep -q 'The artifacts are byte-identical: same build; nothing to test\.' "$T/same.md" || fail "no same build note: $(cat "$T/same.md")"
grep -q '^0 faster, 0 slower, 0 unchanged, 0 undecided, 2 same build\.$' "$T/same.md" || fail "same build summary: $(tail -2 "$T/same.md")"
assert_eq "$(json "$MNT/compare/$c16..$c17.json" '(j["same_build"], [b["verdict"] for b in j["benchmarks"]], j["summary"]["same_build"])')" \
	"(True, ['same build', 'same build'], 2)" "same build verdicts"
assert_eq "$(json "$MNT/compare/$c15..$c16.json" 'j["same_build"]')" False "different builds"
# The A/B job's sides are runs of their commits too.
assert_eq "$(wall_regressions | cut -f1,2,7)" "$c9	planted	000009,000018" "regressions with the same build added"
ok "a comment-only commit is the same build: nothing to test"

# ---- baselines ----
echo v1 > "$MNT/baselines/release" || fail "cannot pin a baseline"
assert_eq "$(head -1 "$MNT/baselines/release")" "$c1 000001" "baseline content"
assert_eq "$(ls "$MNT/baselines")" release "ls baselines/"
if echo nope > "$MNT/baselines/bad" 2> "$T/err"; then fail "a bad revision was pinned"; fi
grep -q 'Invalid argument' "$T/err" || fail "bad baseline error: $(cat "$T/err")"
assert_eq "$(ls "$MNT/baselines")" release "a refused baseline is not kept"
for name in .hidden latest 000001 run-1; do
	if { echo v1 > "$MNT/baselines/$name"; } 2>/dev/null; then fail "baseline name $name was accepted"; fi
done
assert_eq "$(json "$MNT/compare/release..latest.json" '(j["a"]["commit"], j["b"]["commit"])')" "('$c1', '$c17')" "baseline in compare"
grep -qx 'release\.\.latest\.md' <(ls "$MNT/compare") || fail "ls compare/ lacks release..latest.md"
echo "$c3" > "$MNT/baselines/release"
assert_eq "$(head -1 "$MNT/baselines/release")" "$c3 000003" "re-pinned baseline"
echo v1 > "$MNT/baselines/old"
rm "$MNT/baselines/old" || fail "rm of a baseline"
assert_eq "$(ls "$MNT/baselines" | tr '\n' ' ')" "release " "after rm"
if rm "$MNT/baselines/old" 2>/dev/null; then fail "rm of a missing baseline succeeded"; fi
ok "baselines: pin, cat, re-pin, refuse a bad revision, rm, ls, compare against latest"

# ---- a new run shows up everywhere without a remount ----
csv_lines=$(wc -l < "$csv")
plant c18 0.100 # back to fast: an improvement, not a regression
c18=$(git -C "$REPO" rev-parse HEAD)
echo "$c18" > "$MNT/queue"
assert_eq "$(stat -c %h "$MNT/runs")" 22 "link count of runs/ after a queue write"
wait_status 000020 '^done( |$)' 60
assert_eq "$(wc -l < "$csv")" $((csv_lines + 1)) "history rows after a new run"
tail -1 "$csv" | grep -q "^$c18," || fail "the new commit is not the last history row"
assert_eq "$(wall_regressions | cut -f1,2,7)" "$c9	planted	000009,000018" "regressions after an improvement"
assert_eq "$(json "$MNT/compare/$c17..$c18.json" '(j["b"]["runs"], j["benchmarks"][0]["ratio"] < 0.5, j["benchmarks"][0]["verdict"])')" "(['000020'], True, 'faster')" "compare of the new run"
grep -Eq "\.\.${c18:0:7}[0-9a-f]*\.md$" <(ls "$MNT/compare") || fail "ls compare/ lacks the new pair"
assert_eq "$(head -1 "$MNT/baselines/release")" "$c3 000003" "baseline after a new run"
ok "a new run appears in history, compare and ls without a remount; improvements are not regressions"

# ---- baselines survive a remount (with a third benchmark configured) ----
stop_daemon
python3 - "$REPO/benchfs.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["benchmarks"].append({"name": "stepping", "command": ["./prog", "stepping"], "runs": 16})
json.dump(c, open(sys.argv[1], "w"))
PY
start_benchfs
assert_eq "$(head -1 "$MNT/baselines/release")" "$c3 000003" "baseline after remount"
assert_eq "$(wall_regressions | wc -l)" 1 "regressions after remount"
ok "baselines survive a remount"

# ---- notes: a run whose times stepped, and other processes' load ----
# stepping sleeps 50 ms for its first 8 iterations and 150 ms after; two
# busy loops run while c20 is measured.
for i in 19 20; do
	commit_prog c$i ": c$i
case \"\$1\" in steady) exec sleep 0.100 ;; planted) exec sleep 0.100 ;;
stepping) if [ \"\$BENCHFS_ITERATION\" -gt 8 ]; then exec sleep 0.150; else exec sleep 0.050; fi ;; esac"
	eval "c$i=$(git -C "$REPO" rev-parse HEAD)"
done
echo "$c19" > "$MNT/queue"
wait_status 000021 '^done( |$)' 60
hogs=
for _ in 1 2; do
	timeout 60 sh -c 'while :; do :; done' &
	hogs="$hogs $!"
done
echo "$c20" > "$MNT/queue"
wait_status 000022 '^done( |$)' 60
kill $hogs 2>/dev/null || true
cat "$MNT/compare/$c19..$c20.md" > "$T/notes.md"
grep -Eq '^\| stepping \| .* \| [a-z ]+ \(unstable run 000021, 000022\) \|$' "$T/notes.md" \
	|| fail "the stepping row does not name its unstable runs: $(grep stepping "$T/notes.md")"
grep -q '^> \*\*Warning:\*\* the verdict rests on a run whose times stepped while it was measured: .*stepping (000021, 000022)' "$T/notes.md" \
	|| fail "no warning of the unstable runs: $(grep Warning "$T/notes.md")"
grep -Eq '^> \*\*Warning:\*\* other processes used the machine heavily or unequally .*stepping [0-9.]+ vs [0-9.]+' "$T/notes.md" \
	|| fail "no interference warning: $(grep Warning "$T/notes.md")"
python3 - "$MNT/compare/$c19..$c20.json" <<'PY' || fail "notes in the json: $(cat "$MNT/compare/$c19..$c20.json")"
import json, sys
b = {x["name"]: x for x in json.load(open(sys.argv[1]))["benchmarks"]}
assert b["stepping"]["unstable"] == {"a": True, "b": True}, b["stepping"]["unstable"]
for x in b.values():
    o = x["other_cpus"]
    assert o["b"] >= 0.5 and o["a"] is not None, (x["name"], o)
PY
ok "compare names the unstable runs and warns of the other processes' load, with figures"

# ---- "threshold": "auto": each benchmark's fence of its run-to-run changes ----
stop_daemon
python3 - "$REPO/benchfs.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["compare"]["threshold"] = "auto"
json.dump(c, open(sys.argv[1], "w"))
PY
start_benchfs
python3 - "$MNT/compare/$c6..$c7.json" "$MNT/compare/$c8..$c9.json" <<'PY' || fail "auto thresholds: $(cat "$MNT/compare/$c6..$c7.json")"
import json, sys
runs, pair = (json.load(open(f)) for f in sys.argv[1:3])
assert runs["noise_model"]["threshold"] == "auto" and runs["threshold_auto"] is True, runs["noise_model"]
for b in runs["benchmarks"]:
    assert b["threshold_source"] == "history" and 0 < b["threshold"] < 1, b
    assert b["verdict"] not in ("slower", "faster"), b
# Pairs keep the fixed threshold (the default 2% with "auto").
for b in pair["benchmarks"]:
    assert b["method"] == "paired" and b["threshold_source"] == "fixed" and b["threshold"] == 0.02, b
PY
grep -q 'Threshold: auto, each benchmark' "$MNT/compare/$c6..$c7.md" || fail "the .md does not state the auto threshold"
IFS=$'\t' read -r commit bench _ _ _ _ _ threshold source _ < <(wall_regressions | grep -P '^[0-9a-f]{40}\tplanted\t')
assert_eq "$commit $bench $source" "$c9 planted history" "regressions with auto thresholds ($threshold)"
ok "\"threshold\": \"auto\": separate runs and regressions use the host's fence, pairs the fixed threshold"
