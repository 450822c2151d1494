#!/bin/bash
# benchfs export: two commits measured by `benchfs run` (no mount), then each
# format checked against its published description: Bencher's BMF and
# github-action-benchmark's JSON against the schemas in docs/schemas/ (with a
# real JSON Schema validator), JUnit XML against the Ant JUnit XSD with
# xmllint, hyperfine's CSV with Python's csv module and its exact header,
# hyperfine's Markdown table by its lines. Exit 2 for bad input, 4 for a
# tool error (a run whose build failed).
. "$(dirname "$0")/lib.sh"

SCHEMAS=$(cd "$(dirname "$0")/../../docs/schemas" && pwd)
PY=
for p in python3 /usr/bin/python3; do
	if "$p" -c 'import jsonschema' 2> /dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || fail "no python3 with jsonschema (apt-get install python3-jsonschema)"
command -v xmllint > /dev/null || fail "no xmllint (apt-get install libxml2-utils)"

make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 5, "timeout": 30,
  "compare": {"alpha": 0.01, "threshold": 0.25, "max_pairs": 40},
  "benchmarks": [
    {"name": "sleepy", "command": ["./prog"]},
    {"name": "tiny", "command": ["true", "{n}"], "parameters": {"n": ["1", "2"]}}
  ]
}'
commit_prog c1 'exec sleep 0.020'
commit_prog c2 'exec sleep 0.060'
c() { git -C "$REPO" rev-list --reverse HEAD | sed -n "${1}p"; }
c1=$(c 1) c2=$(c 2)


bf run --repo "$REPO" "$c1..$c2"
expect_status 0 "run c1..c2"
ok "benchfs run measured an A/B job of c1 and c2 without a mount"

# Bencher Metric Format.
bf export --repo "$REPO" --format bmf "$c2"
expect_status 0 "export bmf"
cp "$T/out" "$T/c2.bmf.json"
"$PY" - "$SCHEMAS/bmf.schema.json" "$T/c2.bmf.json" <<'PY' || fail "bmf: $(cat "$T/c2.bmf.json")"
import json, sys, jsonschema
schema, doc = (json.load(open(p)) for p in sys.argv[1:3])
jsonschema.validate(doc, schema, cls=jsonschema.Draft7Validator)
assert sorted(doc) == ["sleepy", "tiny[n=1]", "tiny[n=2]"], sorted(doc)
lat = doc["sleepy"]["latency"]
assert 40e6 < lat["value"] < 1e9, lat
assert lat["lower_value"] < lat["value"] < lat["upper_value"], lat
PY
ok "bmf validates against docs/schemas/bmf.schema.json (Bencher's schema, stricter)"

# github-action-benchmark's customSmallerIsBetter.
bf export --repo "$REPO" --format gab "$c2"
expect_status 0 "export gab"
cp "$T/out" "$T/c2.gab.json"
"$PY" - "$SCHEMAS/gab.schema.json" "$T/c2.gab.json" "$T/c2.bmf.json" <<'PY' || fail "gab: $(cat "$T/c2.gab.json")"
import json, sys, jsonschema
schema, doc, bmf = (json.load(open(p)) for p in sys.argv[1:4])
jsonschema.validate(doc, schema, cls=jsonschema.Draft7Validator)
# Each benchmark's wall time, then its cpu and memory in their units, as BMF has them.
assert [e["name"] for e in doc] == [f"{b}{m}" for b in ["sleepy", "tiny[n=1]", "tiny[n=2]"]
                                    for m in ["", " (cpu)", " (memory)"]], doc
units = {"cpu": "s", "memory": "bytes"}
for e in doc:
    bench, _, metric = e["name"].partition(" (")
    if metric:
        metric = metric[:-1]
        assert e["unit"] == units[metric] and e["value"] == bmf[bench][metric]["value"], e
        continue
    assert e["unit"] == "ns" and e["value"] == bmf[e["name"]]["latency"]["value"], e
    # An A/B job adds pairs to the 5 runs configured.
    runs = [l for l in e["extra"].split("\n") if l.startswith("runs: ")]
    assert len(runs) == 1 and int(runs[0][6:]) >= 5, e
PY
ok "gab validates against docs/schemas/gab.schema.json; its values are BMF's"

# hyperfine's CSV: the exact header, one row per benchmark, the mean BMF gives.
bf export --repo "$REPO" --format csv "$c2"
expect_status 0 "export csv"
cp "$T/out" "$T/c2.csv"
"$PY" - "$T/c2.csv" "$T/c2.bmf.json" <<'PY' || fail "csv: $(cat "$T/c2.csv")"
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
bmf = json.load(open(sys.argv[2]))
assert rows[0] == ["command", "mean", "stddev", "median", "user", "system", "min", "max",
                   "parameter_n"], rows[0]
assert [r[0] for r in rows[1:]] == ["sleepy", "tiny[n=1]", "tiny[n=2]"], rows
assert [r[8] for r in rows[1:]] == ["", "1", "2"], rows
for r in rows[1:]:
    mean, sd, median, user, system, lo, hi = map(float, r[1:8])
    assert lo <= median <= hi and lo <= mean <= hi and sd >= 0, r
    assert abs(mean * 1e9 - bmf[r[0]]["latency"]["value"]) < 1, (r, bmf[r[0]])
PY
ok "csv: hyperfine's header with parameter_n, one row per benchmark"

# hyperfine's Markdown table: the unit of the first mean (sleepy: ms).
bf export --repo "$REPO" --format md "$c2"
expect_status 0 "export md"
assert_eq "$(sed -n 1,2p "$T/out")" '| Command | Mean [ms] | Min [ms] | Max [ms] | Relative |
|:---|---:|---:|---:|---:|' "md header"
assert_eq "$(wc -l < "$T/out")" 5 "md lines"
grep -Eq '^\| `sleepy` \| [0-9]+\.[0-9] ± [0-9]+\.[0-9] \| [0-9]+\.[0-9] \| [0-9]+\.[0-9] \| [0-9]+\.[0-9]{2} ± [0-9]+\.[0-9]{2} \|$' "$T/out" ||
	fail "md row: $(cat "$T/out")"
ok "md: hyperfine's table"

# JUnit XML of the comparison: valid against the XSD; the slowdown a failure,
# as check sees it.
bf export --repo "$REPO" --format junit "$c1..$c2"
expect_status 0 "export junit"
cp "$T/out" "$T/report.xml"
xmllint --noout --schema "$SCHEMAS/junit.xsd" "$T/report.xml" 2> "$T/xmllint" ||
	fail "junit does not validate: $(cat "$T/xmllint") $(cat "$T/report.xml")"
bf check --repo "$REPO" --format json "$c1..$c2"
expect_status 3 "check c1..c2"
cp "$T/out" "$T/check.json"
"$PY" - "$T/report.xml" "$T/check.json" <<'PY' || fail "junit: $(cat "$T/report.xml")"
import json, sys
import xml.etree.ElementTree as ET
suite = ET.parse(sys.argv[1]).getroot()
check = json.load(open(sys.argv[2]))
cases = {c.get("name"): c for c in suite.findall("testcase")}
assert sorted(cases) == ["sleepy", "tiny[n=1]", "tiny[n=2]"], cases
assert suite.get("tests") == "3", suite.attrib
failed = sorted(n for n, c in cases.items() if c.find("failure") is not None)
regressed = sorted(b["name"] for b in check["compare"]["benchmarks"] if b["regressed"])
assert failed == regressed and "sleepy" in failed, (failed, regressed)
assert suite.get("failures") == str(len(failed)), suite.attrib
msg = cases["sleepy"].find("failure").get("message")
assert msg.startswith("slower: +") and "confidence" in msg, msg
PY
ok "junit validates against the Ant JUnit XSD; its failures are what check finds regressed"

# A run by its id is that run; a commit is its newest finished run.
bf export --repo "$REPO" --format bmf run-2
expect_status 0 "export bmf run-2"
cmp -s "$T/out" "$T/c2.bmf.json" || fail "run-2 and c2 differ"
ok "a run id exports that run"

# Bad input: exit 2, nothing on standard output.
expect_invalid() { # PATTERN ARGS...
	pattern=$1; shift
	bf export --repo "$REPO" "$@"
	expect_status 2 "export $*"
	[ ! -s "$T/out" ] || fail "export $*: printed $(cat "$T/out")"
	grep -q -- "$pattern" "$T/err" || fail "export $*: $(cat "$T/err")"
}
expect_invalid "junit compares two revisions" --format junit "$c2"
expect_invalid "bmf describes one run" --format bmf "$c1..$c2"
expect_invalid "no-such-rev names no" --format csv no-such-rev
expect_invalid "no-such-rev names no" --format junit "$c1..no-such-rev"
expect_invalid "--format is bmf, gab, junit, csv or md" --format xml "$c2"
expect_invalid "give --format" "$c2"
commit_prog c3 'exec sleep 0.010'
expect_invalid "has not been measured" --format md HEAD
ok "bad input: exit 2 with the reason"

# A commit whose only run failed (its build): the tool's failure, exit 4.
sed -i 's/"build": "cp prog.sh prog \&\& chmod +x prog"/"build": "false"/' "$REPO/benchfs.json"
bf run --repo "$REPO" HEAD
expect_status 4 "run of a failing build"
git -C "$REPO" checkout -q benchfs.json
bf export --repo "$REPO" --format bmf HEAD
expect_status 4 "export of a failed run"
grep -q "failed" "$T/err" || fail "message: $(cat "$T/err")"
ok "a failed run: exit 4 naming it"
