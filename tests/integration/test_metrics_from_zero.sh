#!/bin/bash
# A count that appears: "errors", declared lower is better, is 0 at c1 and
# 5 each iteration at c2. Its mean on side a is 0, so there is no ratio:
# compare/c1..c2 shows the absolute change (+5.000 count, from 0), tests it
# (Mann-Whitney U on the A/B job's iterations) and calls it worse; the
# JSON has the verdict and no ratio; benchfs check fails naming it. The
# other way round (c2..c1 as an A/B job) the errors went to 0: better.
. "$(dirname "$0")/lib.sh"

make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 6, "timeout": 30,
  "compare": {"alpha": 0.05, "max_pairs": 8},
  "benchmarks": [{"name": "req", "command": ["./prog"],
                  "metrics": {"errors": {"unit": "count", "better": "lower"}}}]
}'
commit_prog c1 'sleep 0.01; echo "errors 0" >> "$BENCHFS_METRICS"'
c1=$(git -C "$REPO" rev-parse HEAD)
commit_prog c2 'sleep 0.01; echo "errors 5" >> "$BENCHFS_METRICS"'
c2=$(git -C "$REPO" rev-parse HEAD)

start_benchfs
printf '%s..%s\n%s..%s\n' "$c1" "$c2" "$c2" "$c1" > "$MNT/queue"
for r in 000001 000002 000003 000004; do wait_status "$r" '^done( |$)' 240; done

cat "$MNT/compare/$c1..$c2.md" > "$T/c12.md" || fail "read compare/c1..c2.md"
grep -q '^### `errors` (count, lower is better): 1 worse, 0 better' "$T/c12.md" ||
	fail "c1..c2: no errors table with one worse: $(sed -n '/^## Metrics/,$p' "$T/c12.md")"
grep -Eq '^\| req \| 0\.000 count ± 0\.000 count \([0-9]+\) \| 5\.000 count ± 0\.000 count \([0-9]+\) \| \+5\.000 count \(from 0\) \| — \| [0-9.<]+ \| [0-9]+ pairs \| worse \|$' "$T/c12.md" ||
	fail "c1..c2's errors row: $(grep '^| req' "$T/c12.md")"
grep -q 'Worse: `req` errors +5.000 count from 0' "$T/c12.md" || fail "the headline does not name the errors: $(head -5 "$T/c12.md")"
! grep -q 'not comparable' "$T/c12.md" || fail "c1..c2 still says not comparable"
ok "compare/c1..c2.md: errors appearing (0 -> 5) are tested and worse, the change in counts"

cat "$MNT/compare/$c1..$c2.json" > "$T/c12.json" || fail "read compare/c1..c2.json"
valid compare.schema.json "$T/c12.json"
assert_eq "$(json "$T/c12.json" '(lambda m: (m["verdict"], m["ratio"], m["q_value"] <= 0.05))(j["benchmarks"][0]["metrics"]["errors"])')" \
	"('worse', None, True)" "c1..c2's errors in the JSON"
cat "$MNT/compare/$c2..$c1.md" > "$T/c21.md" || fail "read compare/c2..c1.md"
grep -Eq '^\| req \| 5\.000 count .* \| -5\.000 count \(to 0\) \| — \| [0-9.<]+ \| [0-9]+ pairs \| better \|$' "$T/c21.md" ||
	fail "c2..c1's errors row: $(grep '^| req' "$T/c21.md")"
ok "compare/*.json: the errors' verdict, no ratio; errors going to 0 are better"

stop_daemon
unmount
bf check --repo "$REPO" "$c1..$c2"
expect_status 3 "check c1..c2"
grep -q "^REGRESSED  req .* errors worse +5 count" "$T/out" || fail "check c1..c2: $(cat "$T/out")"
ok "check: exit 3 naming the errors that appeared, +5 count"
