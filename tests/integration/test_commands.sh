#!/bin/bash
# The command line over the mount's store: benchfs compare, history and
# regressions print the very bytes the mount's files hold; benchfs check
# turns the same verdicts into exit statuses (0 nothing regressed, 2 invalid
# input, 3 a regression, 4 a tool error).
. "$(dirname "$0")/lib.sh"

make_repo '{
  "build": "cp prog.sh prog && chmod +x prog",
  "warmup": 0, "runs": 5, "timeout": 30,
  "compare": {"alpha": 0.01, "threshold": 0.25, "max_pairs": 40},
  "benchmarks": [{"name": "sleepy", "command": ["./prog"]}]
}'
commit_prog c1 'exec sleep 0.020'
commit_prog c2 'exec sleep 0.020'
commit_prog c3 'exec sleep 0.060'
c() { git -C "$REPO" rev-list --reverse HEAD | sed -n "${1}p"; }
c1=$(c 1) c2=$(c 2) c3=$(c 3)


# Nothing measured yet: the commands do not create a store.
bf compare --repo "$REPO" "$c1" "$c3"
expect_status 2 "compare before any run"
grep -q 'no measurements in' "$T/err" || fail "message: $(cat "$T/err")"
if store_is_pg; then
	# The database is there (empty): a store created would be benchfs's tables in it.
	assert_eq "$(store_sql "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" 0 "tables compare created"
else
	[ ! -e "$REPO/.git/benchfs/benchfs.db" ] || fail "compare created a store"
fi
ok "before any run: exit 2, no store created"

start_benchfs
printf '%s\n%s\n%s\n' "$c1" "$c2" "$c3" > "$MNT/queue"
echo "$c1..$c3" > "$MNT/queue"
wait_status 000005 '^done( |$)' 180
echo "$c1" > "$MNT/baselines/base"

# Same bytes as the mount, in every format.
for pair in "$c1 $c3" "$c3 $c1" "$c1 $c2"; do
	set -- $pair
	for fmt in md json; do
		bf compare --repo "$REPO" --format "$fmt" "$1" "$2"
		expect_status 0 "compare $fmt"
		cmp -s "$T/out" "$MNT/compare/$1..$2.$fmt" \
			|| fail "compare $1..$2.$fmt differs from the mount: $(diff "$T/out" "$MNT/compare/$1..$2.$fmt" | head -5)"
	done
done
bf compare --repo "$REPO" "base..$c3"
expect_status 0 "compare A..B"
cmp -s "$T/out" "$MNT/compare/base..$c3.md" || fail "compare base..c3 differs from the mount"
ok "compare prints the mount's compare files (md, json, A B and A..B, a baseline)"

for fmt in csv svg; do
	bf history --repo "$REPO" --format "$fmt" sleepy
	expect_status 0 "history $fmt"
	cmp -s "$T/out" "$MNT/history/sleepy.$fmt" || fail "history sleepy.$fmt differs from the mount"
done
bf regressions --repo "$REPO"
expect_status 0 "regressions"
cmp -s "$T/out" "$MNT/regressions" || fail "regressions differs from the mount"
ok "history and regressions print the mount's files"

# check: the A/B job of c1 against c3 (a sleep tripled) is a regression.
bf check --repo "$REPO" "$c1..$c3"
expect_status 3 "check c1..c3"
grep -q "^REGRESSED  *sleepy +" "$T/out" || fail "check's report: $(cat "$T/out")"
bf check --repo "$REPO" --format json "$c1" "$c3"
expect_status 3 "check --format json"
assert_eq "$(json "$T/out" '(j["status"], j["exit_code"], [b["regressed"] for b in j["compare"]["benchmarks"]])')" \
	"('regressed', 3, [True])" "check's JSON"
bf check --repo "$REPO" --baseline base
expect_status 3 "check --baseline base (HEAD is c3)"
bf check --repo "$REPO" "$c3..$c1"
expect_status 0 "check c3..c1 (faster)"
grep -q "^benchfs check .*: ok: 0 of 1" "$T/out" || fail "check's report: $(cat "$T/out")"
bf check --repo "$REPO"
expect_status 0 "check of the regressions file (confirm off, one run per commit)"
ok "check: 3 for a slowdown (text, JSON, baseline), 0 for a speed-up"

bf check --repo "$REPO" "nosuchrev..$c1"
expect_status 2 "check of a bad revision"
grep -q "nosuchrev names no finished run" "$T/err" || fail "message: $(cat "$T/err")"
bf check --repo "$REPO" --baseline nosuch
expect_status 2 "check of an unknown baseline"
bf history --repo "$REPO" nosuch
expect_status 2 "history of an unknown benchmark"
bf compare --repo "$REPO" --format xml "$c1" "$c2"
expect_status 2 "compare --format xml"
bf check --repo "$REPO" --bogus
expect_status 2 "an unknown option"
bf regressions --repo "$REPO" --data "$T/nowhere"
if store_is_pg; then
	# The store is the database, not the directory: a machine of the fleet
	# that never measured reads it without a data directory of its own.
	expect_status 0 "a data directory that does not exist, the store a database"
	[ ! -e "$T/nowhere" ] || fail "regressions made the data directory"
else
	expect_status 2 "a data directory that does not exist"
fi
bf compare --repo "$T" "$c1" "$c2"
expect_status 2 "not a repository"
ok "invalid input: exit 2 with a message"

# A store that cannot be read is the tool's failure, not the user's.
if store_is_pg; then
	# A corrupt file is SQLite's; a PostgreSQL store that cannot be read is a server that does not answer.
	bf check --repo "$REPO" --store postgresql://127.0.0.1:1/nodb "$c1..$c3"
	expect_status 4 "check over a store that does not answer"
	grep -q 'postgresql://127.0.0.1:1/nodb' "$T/err" || fail "message: $(cat "$T/err")"
	ok "a store that does not answer: exit 4"
else
	mkdir "$T/broken"
	head -c 8192 /dev/urandom > "$T/broken/benchfs.db"
	bf check --repo "$REPO" --data "$T/broken" "$c1..$c3"
	expect_status 4 "check over a corrupt store"
	ok "a corrupt store: exit 4"
fi

bf compare --help
expect_status 0 "compare --help"
grep -q '^usage: benchfs compare' "$T/out" || fail "compare --help: $(cat "$T/out")"
bf help
expect_status 0 "help"
grep -q '^  check ' "$T/out" || fail "help lists check"
ok "help"
