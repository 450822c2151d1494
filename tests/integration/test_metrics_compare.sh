#!/bin/bash
# compare/ and benchfs check over a metric the benchmark reports: a
# throughput written to $BENCHFS_METRICS each iteration ("throughput N",
# declared MiB/s, higher is better). An A/B job where it halves is "worse"
# in compare/<a>..<b>.md and .json (wall time, unmoved, keeps its own
# verdict), and check exits 3 naming it; one where it doubles is "better"
# and check passes. A throughput floor of "slo" is breached at the commit
# that halved it. Peak memory and CPU time are compared for every benchmark
# too, and shown by check without gating it.
. "$(dirname "$0")/lib.sh"

make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 10, "timeout": 30,
  "compare": {"alpha": 0.05, "max_pairs": 12},
  "benchmarks": [{"name": "io", "command": ["./prog"],
                  "metrics": {"throughput": {"unit": "MiB/s", "better": "higher"}}}]
}'
# prog RATE: sleep 10 ms and report about RATE MiB/s (within 1%).
prog() {
	printf 'sleep 0.01\nawk -v r=%s '"'"'BEGIN { srand(); printf "throughput %%.3f\\n", r * (1 + (rand() - 0.5) / 50) }'"'"' >> "$BENCHFS_METRICS"' "$1"
}
commit_prog c1 "$(prog 100)"
c1=$(git -C "$REPO" rev-parse HEAD)
commit_prog c2 "$(prog 50)"
c2=$(git -C "$REPO" rev-parse HEAD)
commit_prog c3 "$(prog 200)"
c3=$(git -C "$REPO" rev-parse HEAD)

start_benchfs
printf '%s..%s\n%s..%s\n%s\n' "$c1" "$c2" "$c1" "$c3" "$c2" > "$MNT/queue"
for r in 000001 000002 000003 000004 000005; do wait_status "$r" '^done( |$)' 240; done

# The Markdown: a table per metric after wall time's, the verdict in the
# metric's direction.
cat "$MNT/compare/$c1..$c2.md" > "$T/c12.md" || fail "read compare/c1..c2.md"
grep -q '^### `throughput` (MiB/s, higher is better): 1 worse, 0 better' "$T/c12.md" ||
	fail "c1..c2: no throughput table: $(cat "$T/c12.md")"
sed -n '/^### `throughput`/,/^<details>/p' "$T/c12.md" > "$T/tput"
grep -Eq '^\| io \| (99|10[01])\.[0-9]* MiB/s ± [0-9.]+ MiB/s \([0-9]+\) \| (49|50)\.[0-9]* MiB/s ± .* \| -(49|50)\.[0-9]% \|.*\| worse \|$' "$T/tput" ||
	fail "c1..c2's throughput row: $(cat "$T/tput")"
grep -q '^### `memory` (bytes, lower is better)' "$T/c12.md" || fail "c1..c2: no memory table"
grep -q '^### `cpu` (s, lower is better)' "$T/c12.md" || fail "c1..c2: no cpu table"
ok "compare/c1..c2.md: the halved throughput is worse, in MiB/s; cpu and memory tables too"

# The JSON: the same verdicts per benchmark and metric, valid against its schema.
cat "$MNT/compare/$c1..$c2.json" > "$T/c12.json" || fail "read compare/c1..c2.json"
cat "$MNT/compare/$c1..$c3.json" > "$T/c13.json" || fail "read compare/c1..c3.json"
valid compare.schema.json "$T/c12.json" "$T/c13.json"
assert_eq "$(json "$T/c12.json" 'j["benchmarks"][0]["metrics"]["throughput"]["verdict"]')" worse "c1..c2 throughput"
assert_eq "$(json "$T/c13.json" 'j["benchmarks"][0]["metrics"]["throughput"]["verdict"]')" better "c1..c3 throughput"
assert_eq "$(json "$T/c12.json" '[m["name"] for m in j["metrics"]]')" "['cpu', 'memory', 'throughput']" "metrics compared"
# Wall time keeps its own words.
case "$(json "$T/c12.json" 'j["benchmarks"][0]["verdict"]')" in
slower | faster | unchanged | undecided) ;;
*) fail "c1..c2's wall time verdict: $(json "$T/c12.json" 'j["benchmarks"][0]["verdict"]')" ;;
esac
ok "compare/*.json: throughput worse at c2, better at c3; cpu, memory, throughput compared"

stop_daemon
unmount

# The gate: a declared metric that got worse fails it, as wall time would.
bf check --repo "$REPO" "$c1..$c2"
expect_status 3 "check c1..c2"
grep -Eq "^REGRESSED  io .* throughput worse -(49|50)\.[0-9]%" "$T/out" || fail "check c1..c2: $(cat "$T/out")"
bf check --repo "$REPO" --format json "$c1..$c2"
expect_status 3 "check --format json c1..c2"
cp "$T/out" "$T/check12.json"
valid check.schema.json "$T/check12.json"
assert_eq "$(json "$T/check12.json" '(j["compare"]["benchmarks"][0]["regressed"], j["compare"]["benchmarks"][0]["metrics"]["throughput"], j["compare"]["benchmarks"][0]["metrics"]["memory"]["gated"])')" \
	"(True, {'verdict': 'worse', 'ratio': $(json "$T/c12.json" 'j["benchmarks"][0]["metrics"]["throughput"]["ratio"]'), 'gated': True, 'regressed': True}, False)" \
	"check's JSON of c1..c2"
bf check --repo "$REPO" "$c1..$c3"
wall=$(json "$T/c13.json" 'j["benchmarks"][0]["verdict"]')
if [ "$wall" = slower ]; then
	expect_status 3 "check c1..c3 (wall time slower by chance)"
else
	expect_status 0 "check c1..c3"
fi
grep -q " throughput better +[0-9.]*%" "$T/out" || fail "check c1..c3: $(cat "$T/out")"
ok "check: exit 3 for the worse throughput, named; a better one passes"

# A floor of the throughput: c2 (two runs near 50 MiB/s) is below 80.
python3 - "$REPO/benchfs.json" "$T/floor.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["benchmarks"][0]["slo"] = {"metrics": {"throughput": {"min": 80}}}
open(sys.argv[2], "w").write(json.dumps(c) + "\n")
PY
bf check --repo "$REPO" --config "$T/floor.json" --format json "$c1..$c2"
expect_status 3 "check with a throughput floor"
cp "$T/out" "$T/check-floor.json"
valid check.schema.json "$T/check-floor.json"
assert_eq "$(json "$T/check-floor.json" '[(s["name"], s["metric"], s["kind"], s["min"], s["unit"], s["verdict"], s["runs"]) for s in j["slo"]]')" \
	"[('io', 'throughput', 'min', 80, 'MiB/s', 'breached', 2)]" "the floor's verdict"
bf check --repo "$REPO" --config "$T/floor.json" "$c1..$c2"
grep -q '^BREACHED   io:throughput  min  80 MiB/s mean  ' "$T/out" || fail "check's slo line: $(cat "$T/out")"
ok "slo: a throughput floor breached at c2, exit 3"
