#!/bin/bash
# Tag names in compare/ listings and on the history plot's axis: a commit is
# named by a tag pointing at it (annotated or lightweight) when that name, in a
# compare name, means exactly that commit; else by its short hash. Among
# several tags: annotated first, then the newest tagger date, then name order.
# Every listed name can be read and names the commits it was listed for.
. "$(dirname "$0")/lib.sh"

make_repo '{"warmup": 0, "runs": 2, "benchmarks": [{"name": "t", "command": ["true"]}]}'
tag_at() { # DATE ARGS...: git tag with that tagger date
	d=$1
	shift
	GIT_COMMITTER_DATE="$d" git -C "$REPO" tag "$@"
}
commit_prog c1 'true'
tag_at 2020-01-01T00:00:00Z -a -m "release 1.0" v1.0
commit_prog c2 'true' v1.1 # lightweight
commit_prog c3 'true'
# Three tags: the lightweight one sorts first by name, the older annotated one
# sorts first among the annotated: the newest annotated wins.
git -C "$REPO" tag a-light
tag_at 2020-06-01T00:00:00Z -a -m "2.0" v2.0
tag_at 2021-06-01T00:00:00Z -a -m "2.0 final" v2.0-final
commit_prog c4 'true' release/3 # a slash: not a file name
commit_prog c5 'true' # tagged "base" below, after a baseline of that name is pinned
commit_prog c6 'true'
for t in latest 12345 run-3; do git -C "$REPO" tag "$t"; done # names of runs
# A tag that names another commit: git (and benchfs) read "shadowed" as
# refs/shadowed before refs/tags/shadowed.
git -C "$REPO" tag shadowed
commit_prog c7 'true'
git -C "$REPO" tag zeta
git -C "$REPO" tag alpha # two lightweight tags: name order
for i in 1 2 3 4 5 6 7; do eval "c$i=\$(git -C \"\$REPO\" rev-parse HEAD~$((7 - i)))"; done
git -C "$REPO" update-ref refs/shadowed "$c1"

s4=$(short_name "$c4") s5=$(short_name "$c5") s6=$(short_name "$c6")

start_benchfs
printf '%s\n' "$c1" "$c2" "$c3" "$c4" "$c5" "$c6" "$c7" > "$MNT/queue"
wait_status 000007 '^done( |$)' 120
echo "$c1" > "$MNT/baselines/base" || fail "pinning baseline base"
git -C "$REPO" tag base "$c5" # named like the pinned baseline: not c5's name

# ---- ls compare/ ----
expected=$(for p in "v1.0..v1.1" "v1.1..v2.0-final" "v2.0-final..$s4" "$s4..$s5" "$s5..$s6" \
	"$s6..alpha" "base..latest"; do printf '%s.md\n%s.json\n' "$p" "$p"; done | LC_ALL=C sort)
assert_eq "$(ls "$MNT/compare" | LC_ALL=C sort)" "$expected" "ls compare/"
ok "ls compare/ names commits by their tags: annotated, newest, then by name; never a tag with '/', a baseline's or a run's name, or one that means another commit"

# ---- every listed name reads, and names the commits it was listed for ----
declare -A commit_of=([v1.0]=$c1 [v1.1]=$c2 [v2.0-final]=$c3 [$s4]=$c4 [$s5]=$c5 [$s6]=$c6
	[alpha]=$c7 [base]=$c1 [latest]=$c7)
for f in $(ls "$MNT/compare"); do
	stem=${f%.*}
	a=${stem%%..*} b=${stem#*..}
	ca=${commit_of[$a]:-} cb=${commit_of[$b]:-}
	[ -n "$ca" ] && [ -n "$cb" ] || fail "compare/$f: unexpected side names"
	case $f in
	*.md)
		md=$(cat "$MNT/compare/$f") || fail "cat compare/$f"
		printf '%s\n' "$md" | grep -qF "| a | \`$a\` | \`${ca:0:12}\` |" ||
			fail "compare/$f: side a is not $ca: $(printf '%s\n' "$md" | grep '^| a ')"
		printf '%s\n' "$md" | grep -qF "| b | \`$b\` | \`${cb:0:12}\` |" ||
			fail "compare/$f: side b is not $cb: $(printf '%s\n' "$md" | grep '^| b ')"
		;;
	*.json)
		assert_eq "$(json "$MNT/compare/$f" "j['a']['commit'] + ' ' + j['b']['commit']")" \
			"$ca $cb" "compare/$f: the commits of its sides"
		;;
	esac
done
ok "each listed compare file reads and compares the commits it names"

# ---- the history plot's axis ----
svg="$MNT/history/t.svg"
python3 -c "import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])" "$svg" ||
	fail "history/t.svg is not well-formed"
for label in v1.0 v1.1 v2.0-final "$s4" "$s5" "$s6" alpha; do
	grep -qF ">$label</text>" "$svg" || fail "history/t.svg has no axis label $label"
done
head -1 "$MNT/history/t.csv" | grep -q '^commit,' || fail "history/t.csv lost its commit column"
assert_eq "$(sed -n 2p "$MNT/history/t.csv" | cut -d, -f1)" "$c1" "history/t.csv names commits by full hash"
ok "history/t.svg labels commits as compare/ does; the CSV keeps full hashes"

# ---- a tag added later shows at once, in the listing and on the plot ----
git -C "$REPO" tag -a -m late late "$c4"
grep -qF ">late</text>" "$svg" || fail "history/t.svg does not show a tag added after it was read"
ls "$MNT/compare" | grep -qxF "v2.0-final..late.md" || fail "ls compare/ does not show a new tag: $(ls "$MNT/compare")"
cat "$MNT/compare/v2.0-final..late.md" > /dev/null || fail "cat compare/v2.0-final..late.md"
ok "a new tag names its commit in compare/ and on the plot without a new run"
