#!/bin/bash
# Revisions through the mount: every odd form written to queue, to
# baselines/<name> and named in compare/<a>..<b>.json is refused (EINVAL, one
# line in the daemon's log) or resolves to exactly the commit of
# `git rev-parse --verify --end-of-options <rev>^{commit}`; forms git refuses
# are refused. Regex forms (^{/re}, :/text) leaked ~104 KB each inside
# libgit2: 20,000 of them must leave the daemon's RSS flat.
. "$(dirname "$0")/lib.sh"

# How many regex writes (the issue's figure by default).
N=${REVISIONS_N:-20000}
# The RSS bound, in KiB: the leak was ~104 KB a write, 2 GB for 20,000.
RSS_BOUND_KB=${REVISIONS_RSS_BOUND_KB:-8192}

make_repo '{"warmup": 0, "runs": 1, "benchmarks": [{"name": "t", "command": ["true"]}]}'
commit_prog one 'true' v1
commit_prog two 'true'
git -C "$REPO" tag -a v2 -m "annotated tag"
commit_prog three 'true'
git -C "$REPO" branch 'x@' v1
git -C "$REPO" branch 'user@feature' v2
c1=$(git -C "$REPO" rev-parse v1)
c2=$(git -C "$REPO" rev-parse 'v2^{commit}')
c3=$(git -C "$REPO" rev-parse HEAD)
# Under ASan, freed blocks wait in a 256 MB quarantine (and 1 MB more per
# request thread) before reuse: that would read as growth. Small ones keep
# the check meaningful there too.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=1:thread_local_quarantine_size_kb=64"
start_benchfs

echo v1 > "$MNT/baselines/base" || fail "pinning a baseline to v1"

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$DAEMON_PID/status"; }

# ---- regex revisions: refused, one log line each, memory flat ----
regex_writes() {
	local count=$1 accepted=0
	for ((i = 0; i < count; i += 4)); do
		{ echo 'HEAD^{/no match q}' > "$MNT/queue"; } 2>/dev/null && accepted=$((accepted + 1))
		{ echo ':/no match q' > "$MNT/queue"; } 2>/dev/null && accepted=$((accepted + 1))
		{ echo 'v1^{/no match b}' > "$MNT/baselines/base"; } 2>/dev/null && accepted=$((accepted + 1))
		{ echo ':/no match b' > "$MNT/baselines/base"; } 2>/dev/null && accepted=$((accepted + 1))
	done
	[ "$accepted" = 0 ] || fail "$accepted regex revisions were accepted"
}
# The warm-up fills caches and starts the request threads a loaded machine
# needs (each opens its own store and repository); a leak grows past them.
WARMUP=2000
regex_writes $WARMUP
before=$(rss_kb)
start=$(date +%s)
regex_writes "$N"
after=$(rss_kb)
log "daemon RSS ${before} KiB before, ${after} KiB after $N regex revisions ($(($(date +%s) - start)) s)"
[ $((after - before)) -le "$RSS_BOUND_KB" ] ||
	fail "RSS grew by $((after - before)) KiB over $N regex revisions (bound $RSS_BOUND_KB KiB)"
assert_eq "$(grep -cF 'queue: refused: unknown revision "HEAD^{/no match q}": message searches' "$T/daemon.log")" \
	$(((N + WARMUP) / 4)) "log lines for HEAD^{/no match q}"
assert_eq "$(grep -cF 'baseline base: refused: unknown revision ":/no match b": paths and message searches' "$T/daemon.log")" \
	$(((N + WARMUP) / 4)) "log lines for :/no match b"
assert_eq "$(head -1 "$MNT/baselines/base" | cut -d' ' -f1)" "$c1" "baseline after refused writes"
assert_eq "$(ls "$MNT/runs" | wc -l)" 0 "runs after refused writes"
ok "$N regex revisions to queue and baselines/base refused, one log line each; RSS +$((after - before)) KiB (bound $RSS_BOUND_KB KiB)"

# ---- the table of forms ----
# Runs of all three commits, so compare/<a>..<b> exists for each.
printf 'v1\nv2\nHEAD\n' > "$T/three"
cat "$T/three" > "$MNT/queue" || fail "queueing v1, v2, HEAD"
for id in 000001 000002 000003; do wait_status "$id" '^done' 60; done

# git's answer for rev, or empty when git refuses it. Run by the test only.
git_commit() {
	git -C "$REPO" rev-parse -q --verify --end-of-options "$1^{commit}" 2>/dev/null || true
}

# judge FORM WHERE GOT GIT WANT: GOT is benchfs's commit (empty: refused).
judge() {
	if [ -n "$3" ]; then
		[ -n "$4" ] || fail "$2: '$1' gave $3; git refuses it"
		[ "$3" = "$4" ] || fail "$2: '$1' gave $3; git gives $4"
		[ "$5" != refuse ] || fail "$2: '$1' gave $3; it must be refused"
	else
		[ "$5" != accept ] || fail "$2: '$1' refused; git gives $4"
	fi
}

checked=0
# check FORM accept|refuse|either
check() {
	local form=$1 want=$2 expected got runs before
	expected=$(git_commit "$form")
	# Queue lines are trimmed and "a..b" is an A/B job: not single revisions.
	if [[ $form != *..* && $form != [[:space:]]* && $form != *[[:space:]] ]]; then
		runs=$(ls "$MNT/runs" | wc -l)
		if printf '%s\n' "$form" > "$MNT/queue" 2> "$T/err"; then
			got=$(grep -oE '"commit": "[0-9a-f]{40}"' \
				"$MNT/runs/$(ls "$MNT/runs" | tail -n 1)/config.json" | cut -d'"' -f4)
		else
			grep -q 'Invalid argument' "$T/err" || fail "queue: '$form': $(cat "$T/err")"
			assert_eq "$(ls "$MNT/runs" | wc -l)" "$runs" "runs after refusing '$form'"
			got=
		fi
		judge "$form" queue "$got" "$expected" "$want"
		before=$(cat "$MNT/baselines/base")
		if printf '%s\n' "$form" > "$MNT/baselines/base" 2> "$T/err"; then
			got=$(head -1 "$MNT/baselines/base" | cut -d' ' -f1)
		else
			grep -q 'Invalid argument' "$T/err" || fail "baseline: '$form': $(cat "$T/err")"
			assert_eq "$(cat "$MNT/baselines/base")" "$before" "baseline after refusing '$form'"
			got=
		fi
		judge "$form" baselines/base "$got" "$expected" "$want"
	fi
	# A file name holds no '/', and its first ".." splits the sides.
	if [[ $form != */* && $form != *..* && ${#form} -lt 200 ]]; then
		local b=v1 name
		[ "$expected" != "$c1" ] || b=v2
		name="$MNT/compare/$form..$b.json"
		# Judged after the loop, with one python for all (it starts slowly).
		if [ -e "$name" ]; then
			cp "$name" "$T/compare/$checked.json" || fail "cannot read compare/$form..$b.json"
		fi
		printf '%s\0%s\0%s\0' "$form" "$expected" "$want" > "$T/compare/$checked.want"
	fi
	checked=$((checked + 1))
}
mkdir "$T/compare"

for form in HEAD main v1 v2 'x@' 'user@feature' 'x@~0' 'HEAD~' 'HEAD~1' 'HEAD~2' 'HEAD^' \
	'HEAD^0' 'HEAD^^' 'v2^{}' 'v2^{commit}' 'v1^{commit}' 'HEAD^{commit}~1' heads/main \
	refs/tags/v2 "$c1" "$c2" "${c3:0:7}" "${c2:0:4}" "v1-1-g${c2:0:7}"; do
	check "$form" accept
done
for form in '@' '@~1' 'HEAD@{0}' 'main@{0}' '@{0}' ':/two' 'HEAD^{/two}' 'v2^{tag}'; do
	check "$form" either
done
long=$(head -c 2000 /dev/zero | tr '\0' a)
for form in 'v1@' 'no-such-branch@' '$(rm -rf /)@' 'HEAD@' '@@' 'x@@' 'main@' '@{-1}' \
	'HEAD@{upstream}' '@{u}' ':/nomatch' '^{/one}' 'HEAD^{/nomatch}' 'HEAD^{/(}' '~' '^0' '^' \
	'HEAD:prog.sh' 'HEAD:' 'HEAD~9' 'HEAD^2' 'HEAD^{tree}' 'HEAD^{tree}^{commit}' 'HEAD^!' \
	'HEAD^-1' 'HEAD~99999999999999999999' 'v1..v2' '..' 'no-such-branch' '-x' '--all' \
	'main.lock' '.x' 'ma*in' 'ma\in' 'ma[in' ' HEAD' 'HEAD ' "$c1"x "${c1:0:3}" "$long" \
	"$long@"; do
	check "$form" refuse
done
python3 -c 'import json, sys
for i in range(int(sys.argv[2])):
	try:
		print(i, json.load(open("%s/%d.json" % (sys.argv[1], i)))["a"]["commit"])
	except FileNotFoundError:
		print(i)' "$T/compare" "$checked" > "$T/compare/got"
for ((i = 0; i < checked; i++)); do
	[ -e "$T/compare/$i.want" ] || continue
	{ IFS= read -r -d '' form; IFS= read -r -d '' expected; IFS= read -r -d '' want; } < "$T/compare/$i.want"
	got=$(awk -v i="$i" '$1 == i { print $2 }' "$T/compare/got")
	judge "$form" compare "$got" "$expected" "$want"
done
ok "$checked forms through queue, baselines/base and compare/ ($(ls "$T/compare" | grep -c json) compare files): refused, or git's commit"

# The issue's own examples, by name.
for form in 'v1@' 'no-such-branch@' '$(rm -rf /)@'; do
	if err=$(bash -c 'printf "%s\n" "$1" > "$2/queue"' _ "$form" "$MNT" 2>&1); then
		fail "queue accepted '$form'"
	fi
	case "$err" in *"Invalid argument"*) ;; *) fail "queue '$form': $err" ;; esac
	grep -qF "queue: refused: unknown revision \"$form\"" "$T/daemon.log" ||
		fail "no log line for '$form'"
done
[ ! -e "$MNT/compare/v1@..v2.md" ] || fail "compare/v1@..v2.md exists"
ok "v1@, no-such-branch@ and \$(rm -rf /)@ refused with EINVAL and a log line; no compare/v1@..v2.md"
