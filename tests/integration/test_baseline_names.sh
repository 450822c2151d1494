#!/bin/bash
# Baseline names against revisions of the same name: pinning a baseline under
# a name the repository already resolves (a branch, a tag, a hash) is refused
# with EEXIST, and nothing is pinned; a baseline that a branch created later
# shadows wins in compare names, and the compare says so (markdown and JSON).
. "$(dirname "$0")/lib.sh"

make_repo '{"warmup": 0, "runs": 2, "benchmarks": [{"name": "t", "command": ["true"]}]}'
commit_prog one 'true' v1
commit_prog two 'true'
git -C "$REPO" branch release v1
c1=$(git -C "$REPO" rev-parse v1)
c2=$(git -C "$REPO" rev-parse HEAD)
# An all-digit name is refused as a run id (EINVAL) before the revision check,
# so the short hash used below is the shortest prefix of 10 or more characters
# holding a letter.
short=${c2:0:10}
while [[ $short =~ ^[0-9]+$ ]]; do short=${c2:0:$((${#short} + 1))}; done
start_benchfs
printf 'v1\nHEAD\n' > "$MNT/queue"
wait_status 000002 '^done( |$)' 60

# ---- a pin under a revision's name is refused ----
for name in release v1 "$short"; do
	if err=$(echo v1 2>&1 > "$MNT/baselines/$name"); then
		fail "baseline $name pinned though the repository resolves that name"
	fi
	case "$err" in
	*"File exists"*) ;;
	*) fail "pinning baseline $name: expected 'File exists', got: $err" ;;
	esac
	grep -qF "baseline $name: refused: the repository already has a revision of that name" \
		"$T/daemon.log" || fail "no log line for the refused baseline $name"
	[ ! -e "$MNT/baselines/$name" ] || fail "baselines/$name exists after a refused pin"
done
assert_eq "$(ls "$MNT/baselines")" "" "baselines after refused pins"
ok "pins named release (a branch), v1 (a tag) and a short hash are refused with EEXIST"

# ---- a branch created after the pin: the baseline wins, and says so ----
echo v1 > "$MNT/baselines/feature" || fail "pinning baseline feature"
git -C "$REPO" branch feature HEAD
md=$(cat "$MNT/compare/feature..latest.md") || fail "cat compare/feature..latest.md"
printf '%s\n' "$md" | grep -qF "| a | \`feature\` | \`${c1:0:12}\` |" ||
	fail "side a is not the baseline's commit: $(printf '%s\n' "$md" | head -8)"
printf '%s\n' "$md" | grep -qF "> **Note:** \`feature\` is the baseline of that name (${c1:0:12}); the branch or tag of the same name (${c2:0:12}) is not used here" ||
	fail "no note that the baseline shadows the branch: $(printf '%s\n' "$md" | head -12)"
assert_eq "$(json "$MNT/compare/feature..latest.json" "j['a']['commit'] + ' ' + j['a']['shadowed_commit']")" \
	"$c1 $c2" "compare JSON: side a's commit and the commit it shadows"
assert_eq "$(json "$MNT/compare/feature..latest.json" "j['b']['shadowed_commit']")" None \
	"compare JSON: side b shadows nothing"
ok "a baseline shadowing a later branch wins in compare names, and the compare says so"

# ---- re-pinning it now is refused too; the old pin stays ----
if echo HEAD > "$MNT/baselines/feature" 2>/dev/null; then fail "re-pinning feature over a branch accepted"; fi
assert_eq "$(head -1 "$MNT/baselines/feature" | cut -d' ' -f1)" "$c1" "baseline feature after a refused re-pin"
rm "$MNT/baselines/feature" || fail "unpinning feature"
assert_eq "$(json "$MNT/compare/feature..latest.json" "j['a']['commit'] + ' ' + str(j['a']['shadowed_commit'])")" \
	"$c2 None" "compare names the branch once the baseline is gone"
ok "re-pinning a shadowed name is refused and keeps the pin; unpinned, the name means the branch"
