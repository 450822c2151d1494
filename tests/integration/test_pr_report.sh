#!/bin/bash
# The report of a pull request: three dots compare a branch against where it
# forked (its merge base with main), as git diff does, on the mount
# (compare/main...feature.md) and on the command line (benchfs compare
# main...feature), byte for byte; the Markdown starts with a marker line a
# bot finds its comment by, keeps its first table narrow enough for a
# comment, and folds the detail into <details>.
. "$(dirname "$0")/lib.sh"

make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 3, "timeout": 30,
  "compare": {"alpha": 0.01, "threshold": 0.25, "max_pairs": 40},
  "benchmarks": [{"name": "sleepy", "command": ["./prog"]}]
}'
commit_prog c1 'exec sleep 0.020'
commit_prog c2 'exec sleep 0.020'
base=$(git -C "$REPO" rev-parse HEAD)
git -C "$REPO" checkout -q -b feature
commit_prog f1 'exec sleep 0.060'
feature=$(git -C "$REPO" rev-parse HEAD)
git -C "$REPO" checkout -q main
# main moves on after the fork: main..feature would compare against m3.
commit_prog m3 'exec sleep 0.020'
main=$(git -C "$REPO" rev-parse HEAD)
assert_eq "$(git -C "$REPO" merge-base main feature)" "$base" "the fixture's merge base"


# The merge base against the branch as an interleaved A/B job, and main's tip.
bf run --repo "$REPO" "$base..$feature" "$main"
[ "$st" = 0 ] || fail "benchfs run: exit $st: $(cat "$T/err")"

start_benchfs
md="$MNT/compare/main...feature.md"
cat "$md" > "$T/mount.md" || fail "cat compare/main...feature.md"
bf compare --repo "$REPO" main...feature
[ "$st" = 0 ] || fail "benchfs compare main...feature: exit $st: $(cat "$T/err")"
cmp -s "$T/out" "$T/mount.md" || fail "benchfs compare main...feature differs from the mount: $(diff "$T/out" "$T/mount.md" | head -5)"
bf compare --repo "$REPO" --format json main...feature
cmp -s "$T/out" "$MNT/compare/main...feature.json" || fail "the JSON differs from the mount's"
ok "compare/main...feature.md and .json are what benchfs compare main...feature prints"

assert_eq "$(json "$MNT/compare/main...feature.json" '(j["a"]["rev"], j["a"]["commit"], j["a"]["merge_base"], j["a"]["merge_base_with"], j["b"]["rev"], j["b"]["commit"], j["b"]["merge_base"], j["method"])')" \
	"('main', '$base', True, 'feature', 'feature', '$feature', False, 'paired')" "the sides of main...feature"
assert_eq "$(json "$MNT/compare/main..feature.json" '(j["a"]["commit"], j["a"]["merge_base"])')" \
	"('$main', False)" "two dots: main's tip"
ok "side a of main...feature is the merge base, written main and marked merge_base; main..feature is main's tip"

python3 - "$T/mount.md" "$base" <<'PY' || fail "the report's layout: $(head -20 "$T/mount.md")"
import sys
md = open(sys.argv[1], encoding="utf-8").read()
base = sys.argv[2]
lines = md.splitlines()
assert lines[0] == "<!-- benchfs compare main...feature -->", lines[0]
assert lines[1] == "# benchfs compare: `main` ... `feature`: slower", lines[1]
assert lines[3].startswith("**Slower:** 1 of 1 benchmark. Worst: `sleepy` +"), lines[3]
assert "`main` is the merge base of `main` and `feature`: `%s`" % base[:12] in md, md
first = next(i for i, l in enumerate(lines) if l.startswith("|"))
table = []
for l in lines[first:]:
    if not l.startswith("|"):
        break
    table.append(l)
assert table[0] == "| benchmark | change | interval | verdict |", table
assert len(table) == 3 and table[2].startswith("| sleepy | +") and table[2].endswith(" | slower |"), table
assert max(len(l) for l in table) <= 120, table
assert md.count("<details><summary>") == md.count("</details>") >= 3, md
assert md.index("<details>") > md.index(table[-1]), md
for text in ("| benchmark | a | b | change | interval | p | q | samples | verdict |",
             "| a | `main`, merge base with `feature` | `%s` |" % base[:12],
             "Method: paired.", "## Noise model", "## Summary"):
    assert text in md, text
PY
ok "the Markdown: the marker first, the verdict and the worst slowdown, a table of at most 120 characters, <details>"

for bad in "main....feature.md" "main...nosuch.md" "...feature.md" "main...feature..x.md"; do
	cat "$MNT/compare/$bad" > /dev/null 2> "$T/err" && fail "compare/$bad reads"
	grep -q 'No such file' "$T/err" || fail "compare/$bad: $(cat "$T/err")"
done
bf check --repo "$REPO" main...feature
[ "$st" = 3 ] || fail "benchfs check main...feature: exit $st, expected 3 (a regression): $(cat "$T/out" "$T/err")"
grep -q '^benchfs check main\.\.\.feature: REGRESSED: 1 of 1 benchmarks regressed$' "$T/out" \
	|| fail "check's report names the comparison as written: $(head -1 "$T/out")"
bf check --repo "$REPO" --format json main...feature
assert_eq "$(json "$T/out" '(j["compare"]["a"], j["compare"]["b"], j["compare"]["merge_base"])')" \
	"('main', 'feature', True)" "check's JSON sides"
ok "benchfs check main...feature finds the slowdown against the merge base (exit 3)"

bf compare --repo "$REPO" main...nosuch
[ "$st" = 2 ] || fail "benchfs compare main...nosuch: exit $st, expected 2"
ok "four dots, an unknown side and a side of two dots name no compare file"
