#!/bin/bash
# Service levels ("slo" in the configuration): benchfs check judges each
# benchmark's ceiling and band at the revision it checks: exit 3 when one is
# breached (named in the report and the JSON), 0 when they hold or are
# undecided (a single run while the host's noise is unknown: said so), 2 for
# a band against a baseline that is not pinned, 4 for one whose baseline's
# run failed. The mount's slo file shows
# the same verdicts for the commit of latest; a JUnit export fails the
# benchmark whose service level is breached.
. "$(dirname "$0")/lib.sh"

SCHEMAS=$(cd "$(dirname "$0")/../../docs/schemas" && pwd)
command -v xmllint > /dev/null || fail "no xmllint (apt-get install libxml2-utils)"

# confirm stays on: with no daemon nothing is confirmed, so the regressions
# file that a check without a revision reads stays empty whatever the steps.
make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 5, "timeout": 30,
  "compare": {"confirm": true},
  "benchmarks": [{"name": "work", "command": ["./prog", "work"]},
                 {"name": "quick", "command": ["./prog", "quick"]}]
}'
prog() { printf 'case "$1" in work) exec sleep %s;; *) exec sleep 0.005;; esac' "$1"; }
commit_prog c1 "$(prog 0.020)"
c1=$(git -C "$REPO" rev-parse HEAD)

# slo_config NAME CONFIRM SLO_OF_WORK SLO_OF_QUICK: the repository's
# configuration with these service levels, as $T/NAME.json.
slo_config() {
	python3 - "$REPO/benchfs.json" "$T/$1.json" "$2" "$3" "$4" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["compare"]["confirm"] = sys.argv[3] == "true"
for b, slo in zip(c["benchmarks"], sys.argv[4:]):
    b["slo"] = json.loads(slo)
open(sys.argv[2], "w").write(json.dumps(c, indent=2) + "\n")
PY
}
slo_config held true '{"max": "1s"}' '{"max": "1s", "statistic": "median"}'
slo_config ceiling true '{"max": "20ms"}' '{"max": "1s"}'
slo_config ceiling_mount false '{"max": "20ms"}' '{"max": "1s"}'
slo_config band true '{"baseline": "release", "tolerance": 0.05}' 'null'
slo_config unknown true '{"max": "1s"}' '{"baseline": "nosuch", "tolerance": 0.05}'
slo_config broken true '{"baseline": "broken", "tolerance": 0.05}' 'null'

# Three runs of c1 (work sleeps 20 ms): far below a ceiling of 1 s.
bf run --repo "$REPO" HEAD HEAD HEAD
expect_status 0 "run c1 three times"
bf check --repo "$REPO" --config "$T/held.json"
expect_status 0 "check, service levels that hold"
grep -q '^benchfs check slo HEAD: ok: 0 of 2 service levels breached$' "$T/out" \
	|| fail "check's report: $(cat "$T/out")"
grep -q '^holds      work  max  1 s mean  .*, 3 runs  \[.*\] 99%  holds  -$' "$T/out" \
	|| fail "check's report: $(cat "$T/out")"
grep -q '^holds      quick  max  1 s median  ' "$T/out" || fail "check's report: $(cat "$T/out")"
ok "held service levels: exit 0, each listed as holds"

# c2: work sleeps 100 ms, five times a ceiling of 20 ms. One run, and the
# host has 3 other runs of the 11 it needs to know its noise: undecided, not breached.
commit_prog c2 "$(prog 0.100)"
c2=$(git -C "$REPO" rev-parse HEAD)
bf run --repo "$REPO" HEAD
expect_status 0 "run c2 once"
bf check --repo "$REPO" --config "$T/ceiling.json"
expect_status 0 "check, one run of c2"
grep -q '^benchfs check slo HEAD: ok: 0 of 2 service levels breached$' "$T/out" \
	|| fail "check's report: $(cat "$T/out")"
grep -q '^undecided  work  max  0.02 s mean  0\.[0-9]* s, 1 run  -  undecided  one run of [0-9a-f]*, and this host.s run-to-run noise is not known yet (3 of the 11 runs of work it needs): measure [0-9a-f]* again (2 runs or more' "$T/out" \
	|| fail "check's report: $(cat "$T/out")"
bf check --repo "$REPO" --config "$T/ceiling.json" --format json
expect_status 0 "check --format json, one run of c2"
assert_eq "$(json "$T/out" '(j["status"], j["exit_code"], [(s["name"], s["kind"], s["verdict"], s["breached"], s["runs"]) for s in j["slo"]])')" \
	"('ok', 0, [('work', 'max', 'undecided', False, 1), ('quick', 'max', 'undecided', False, 1)])" \
	"check's JSON, undecided"
ok "one run while the host's noise is unknown: undecided, exit 0, with the runs it needs"

# Three more runs of c2: four runs all near 100 ms. The ceiling is breached.
bf run --repo "$REPO" HEAD HEAD HEAD
expect_status 0 "run c2 three more times"
bf check --repo "$REPO" --config "$T/ceiling.json"
expect_status 3 "check, a breached ceiling"
grep -q '^benchfs check slo HEAD: BREACHED: 1 of 2 service levels breached$' "$T/out" \
	|| fail "check's report: $(cat "$T/out")"
grep -q '^BREACHED   work  max  0.02 s mean  0\.[0-9]* s, 4 runs  \[0\.[0-9]* s, 0\.[0-9]* s\] 99%  breached  -$' "$T/out" \
	|| fail "check's report: $(cat "$T/out")"
grep -q '^holds      quick  max  1 s mean  .* holds  -$' "$T/out" || fail "check's report: $(cat "$T/out")"
grep "^[a-zA-Z]* *work  max" "$T/out" | sed 's/^[a-zA-Z]* *//' > "$T/check_lines"
grep "^[a-zA-Z]* *quick  max" "$T/out" | sed 's/^[a-zA-Z]* *//' >> "$T/check_lines"
bf check --repo "$REPO" --config "$T/ceiling.json" --format json
expect_status 3 "check --format json, a breached ceiling"
assert_eq "$(json "$T/out" '(j["status"], j["exit_code"], j["slo_rev"], [(s["name"], s["verdict"], s["breached"], s["statistic"], float(s["max"])) for s in j["slo"]])')" \
	"('regressed', 3, 'HEAD', [('work', 'breached', True, 'mean', 0.02), ('quick', 'holds', False, 'mean', 1.0)])" \
	"check's JSON, breached"
assert_eq "$(json "$T/out" 'j["slo"][0]["interval"][0] > 0.02 and j["regressions"] == []')" "True" \
	"the interval of the breach is above the ceiling"
# A compare's check judges the service levels of its second side. (The same
# commit on both sides is never a regression: only the service levels count.)
bf check --repo "$REPO" --config "$T/ceiling.json" "$c2..$c2"
expect_status 3 "check c2..c2: the same commit, no regression, a breached ceiling"
grep -q '^benchfs check [0-9a-f]*\.\.[0-9a-f]*: ok: 0 of 2 benchmarks regressed$' "$T/out" \
	|| fail "check's report: $(cat "$T/out")"
grep -q "^benchfs check slo $c2: BREACHED: 1 of 2" "$T/out" || fail "check's report: $(cat "$T/out")"
bf check --repo "$REPO" --config "$T/held.json" "$c1..$c1"
expect_status 0 "check c1..c1: the service levels of c1 hold"
grep -q "^benchfs check slo $c1: ok: 0 of 2" "$T/out" || fail "check's report: $(cat "$T/out")"
bf check --repo "$REPO" --config "$T/held.json" "$c1..$c2"
expect_status 3 "check c1..c2: work five times slower, c2's service levels hold"
grep -q "^REGRESSED  *work " "$T/out" || fail "check's report: $(cat "$T/out")"
grep -q "^benchfs check slo $c2: ok: 0 of 2" "$T/out" || fail "check's report: $(cat "$T/out")"
ok "a breached ceiling: exit 3, named in the report and the JSON"

# JUnit: a breached service level at B fails the benchmark's test case (type
# slo: the same commit on both sides is no regression), valid against the XSD.
bf export --repo "$REPO" --config "$T/ceiling.json" --format junit "$c2..$c2"
expect_status 0 "export junit c2..c2"
cp "$T/out" "$T/slo.xml"
xmllint --noout --schema "$SCHEMAS/junit.xsd" "$T/slo.xml" 2> "$T/xmllint" ||
	fail "junit does not validate: $(cat "$T/xmllint") $(cat "$T/slo.xml")"
python3 - "$T/slo.xml" <<'PY' || fail "junit: $(cat "$T/slo.xml")"
import sys, xml.etree.ElementTree as ET
suite = ET.parse(sys.argv[1]).getroot()
assert suite.get("failures") == "1", suite.attrib
cases = {c.get("name"): c for c in suite.iter("testcase")}
f = cases["work"].find("failure")
assert f is not None and f.get("type") == "slo", ET.tostring(cases["work"])
msg = f.get("message")
assert msg.startswith("slo max 20.00 ms (mean) breached: ") and " over 4 runs [" in msg \
    and "] at 99% confidence" in msg, msg
assert cases["quick"].find("failure") is None, ET.tostring(cases["quick"])
assert suite.find("system-out").text.endswith("; 1 of 2 service levels breached"), \
    suite.find("system-out").text
PY
ok "junit: the breached ceiling is work's failure (type slo), valid against the XSD"

# A band against a baseline that is not pinned is bad input.
bf check --repo "$REPO" --config "$T/unknown.json"
expect_status 2 "check, a band against an unknown baseline"
grep -q 'check: "slo" of quick: no baseline nosuch is pinned' "$T/err" || fail "message: $(cat "$T/err")"
ok "a band against an unknown baseline: exit 2"

# The mount: pin c1 as release; slo shows what check said for latest (c2).
start_benchfs --config "$T/ceiling_mount.json"
echo "$c1" > "$MNT/baselines/release"
printf 'work\tmax\t0.02 s mean\t' > "$T/want"
grep -q "^$(cat "$T/want").*	breached	-$" "$MNT/slo" || fail "slo: $(cat "$MNT/slo")"
grep -q '^quick	max	1 s mean	.*	holds	-$' "$MNT/slo" || fail "slo: $(cat "$MNT/slo")"
assert_eq "$(wc -l < "$MNT/slo")" 2 "lines of slo"
assert_eq "$(sed 's/\t/  /g' "$MNT/slo")" "$(cat "$T/check_lines")" "slo against check's lines"
assert_eq "$(stat -c %s "$MNT/slo")" "$(cat "$MNT/slo" | wc -c)" "slo's size"
ok "the mount's slo file: the same verdicts as check, true size"

# The band: c2's work is five times release's, beyond a tolerance of 5%.
bf check --repo "$REPO" --config "$T/band.json"
expect_status 3 "check, a breached band"
grep -q '^BREACHED   work  band  release +5%  +[0-9.]*%  \[+[0-9.]*%, +[0-9.]*%\] 99%  breached  -$' "$T/out" \
	|| fail "check's report: $(cat "$T/out")"
ok "a band breached against the pinned baseline: exit 3"

# A baseline whose commit's run failed (its build: c3 has no prog.sh) is the
# tool's failure, exit 4 with the run's reason, for a band as for --baseline.
git -C "$REPO" rm -q prog.sh
git -C "$REPO" commit -qm "c3: the build breaks"
c3=$(git -C "$REPO" rev-parse HEAD)
echo "$c3" > "$MNT/queue"
id=$(ls "$MNT/runs" | tail -n 1)
wait_status "$id" '^(done|failed)' 60
grep -q '^failed' "$MNT/runs/$id/status" || fail "c3's run: $(cat "$MNT/runs/$id/status")"
echo "$c3" > "$MNT/baselines/broken"
bf check --repo "$REPO" --config "$T/broken.json" "$c2..$c2"
expect_status 4 "check, a band whose baseline's run failed"
grep -q "^benchfs: check: \"slo\" of work (baseline broken): run $id of broken failed: " "$T/err" \
	|| fail "message: $(cat "$T/err")"
bf check --repo "$REPO" --config "$T/held.json" --baseline broken "$c2"
expect_status 4 "check --baseline, the baseline's run failed"
grep -q "^benchfs: check: run $id of broken failed: " "$T/err" || fail "message: $(cat "$T/err")"
ok "a baseline whose run failed: exit 4 naming the failed run, for a band and for --baseline"
stop_daemon
