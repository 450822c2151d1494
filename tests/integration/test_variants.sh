#!/bin/bash
# compare/<rev>/<param>=<x>..<param>=<y>.md and .json through the mount: a
# parameter's two values over one commit's runs, workload by workload. impl
# slow sleeps fifteen times as long as fast: fast wins each workload, on either
# side, the wins counted per category (the name's prefix, or a declared
# "category"); a name that resolves to nothing (an unknown parameter or
# value, a revision naming nothing, a malformed name) is ENOENT. benchfs
# compare prints the same bytes.
. "$(dirname "$0")/lib.sh"

make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 4, "timeout": 30,
  "benchmarks": [
    {"name": "parse-json", "command": ["./prog", "{impl}"],
     "parameters": {"impl": ["fast", "slow"], "size": ["1k"]}},
    {"name": "render", "command": ["./prog", "{impl}"], "parameters": {"impl": ["fast", "slow"]},
     "category": "draw"}
  ]
}'
commit_prog c1 'case "$1" in fast) exec sleep 0.01 ;; *) exec sleep 0.15 ;; esac'
c1=$(git -C "$REPO" rev-parse HEAD)

start_benchfs
printf '%s\n%s\n%s\n' "$c1" "$c1" "$c1" > "$MNT/queue"
wait_status 000003 '^done( |$)' 120

V="$MNT/compare/$c1"
[ -d "$V" ] || fail "compare/<c1>/ is no directory"
assert_eq "$(ls "$V" | tr '\n' ' ')" "impl=fast..impl=slow.json impl=fast..impl=slow.md " \
	"ls compare/<c1>/ (impl's two values; size has one)"
cat "$V/impl=fast..impl=slow.md" > "$T/v.md" || fail "no impl=fast..impl=slow.md"
grep -q '^| `parse-json\[size=1k\]` | parse | .* | slower | fast |$' "$T/v.md" ||
	fail "parse-json's winner is not fast: $(cat "$T/v.md")"
grep -q '^| `render` | draw | .* | slower | fast |$' "$T/v.md" ||
	fail "render's winner is not fast: $(head -20 "$T/v.md")"
grep -q '^| parse | 1 | 0 | 0 |$' "$T/v.md" || fail "wins per category: $(head -30 "$T/v.md")"
assert_eq "$(stat -c %s "$V/impl=fast..impl=slow.md")" "$(wc -c < "$T/v.md")" "the .md's size"
ok "impl=fast..impl=slow.md names fast the winner of each workload, wins per category"

cat "$V/impl=slow..impl=fast.json" > "$T/v.json" || fail "no impl=slow..impl=fast.json"
assert_eq "$(json "$T/v.json" '[w["winner"] for w in j["variants"]["workloads"]]')" \
	"['fast', 'fast']" "the .json's winners"
assert_eq "$(json "$T/v.json" '[(c["category"], c["a"], c["b"]) for c in j["variants"]["wins"]]')" \
	"[('parse', 0, 1), ('draw', 0, 1)]" "the .json's wins"
assert_eq "$(json "$T/v.json" 'j["method"]')" "runs" "method"
cat "$MNT/compare/latest/impl=slow..impl=fast.json" > "$T/latest.json" || fail "no latest/"
assert_eq "$(json "$T/latest.json" '[w["winner"] for w in j["variants"]["workloads"]]')" \
	"['fast', 'fast']" "latest/'s winners"
cat "$MNT/compare/run-000002/impl=fast..impl=slow.json" > "$T/r2.json" || fail "no run-000002/"
# One run measures each variant once: undecided until more runs make the noise known.
assert_eq "$(json "$T/r2.json" '[w["winner"] for w in j["variants"]["workloads"]]')" \
	"[None, None]" "one run's winners"
grep -q "more runs of its commit decide it (echo $c1 > queue)" "$T/r2.json" ||
	fail "one run: no reason saying what decides: $(json "$T/r2.json" 'j["variants"]')"
ok "impl=slow..impl=fast.json: winner fast on side b; latest/ and run-<id>/ resolve"

# The command line prints the same bytes.
bf compare --repo "$REPO" "$c1/impl=fast..impl=slow"
expect_status 0 "benchfs compare $c1/impl=fast..impl=slow"
cmp -s "$T/out" "$T/v.md" || fail "benchfs compare differs: $(diff "$T/out" "$T/v.md" | head -5)"
bf compare --repo "$REPO" --format json "$c1/impl=slow..impl=fast"
expect_status 0 "benchfs compare --format json"
cmp -s "$T/out" "$T/v.json" || fail "benchfs compare --format json differs"
bf compare --repo "$REPO" "$c1/impl=fast..impl=medium"
expect_status 2 "benchfs compare of a value no benchmark has"
ok "benchfs compare REV/impl=fast..impl=slow prints the file's bytes"

for bad in "$c1/impl=fast..impl=medium.md" "$c1/lang=fast..lang=slow.json" \
	"$c1/impl=fast..size=1k.md" "$c1/impl=fast..impl=slow.txt" \
	"nosuchrev/impl=fast..impl=slow.md"; do
	if err=$(cat "$MNT/compare/$bad" 2>&1); then fail "compare/$bad exists"; fi
	case "$err" in *"No such file"*) ;; *) fail "compare/$bad: $err" ;; esac
done
ok "names that resolve to nothing are ENOENT"

# latest/ follows the newest run: a new commit's run makes it another directory.
commit_prog c2 'exec sleep 0.01'
c2=$(git -C "$REPO" rev-parse HEAD)
echo "$c2" > "$MNT/queue"
wait_status 000004 '^done( |$)' 60
assert_eq "$(json "$MNT/compare/latest/impl=fast..impl=slow.json" 'j["a"]["commit"]')" "$c2" \
	"latest/ after a run of c2"
ok "compare/latest/ names the newest run's commit"
