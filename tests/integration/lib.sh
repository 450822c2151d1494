# Shared by the integration tests: a temporary git repository, a benchfs
# mounted over it, and checks. Every test sources this file; the EXIT trap
# always unmounts and kills the daemon, whatever happens.
set -eu

: "${BENCHFS:?BENCHFS must name the benchfs binary}"
T=$(mktemp -d "${TMPDIR:-/tmp}/benchfs-test.XXXXXX")
REPO="$T/repo"
MNT="$T/mnt"
DAEMON_PID=
mkdir -p "$MNT"

log() { printf '# %s\n' "$*"; }

fail() {
	printf 'FAIL: %s\n' "$*" >&2
	if [ -f "$T/daemon.log" ]; then
		printf -- '--- daemon output:\n' >&2
		tail -n 30 "$T/daemon.log" >&2
	fi
	exit 1
}

ok() { printf 'ok - %s\n' "$*"; }

unmount() {
	if mountpoint -q "$MNT" 2>/dev/null || grep -q " $MNT " /proc/mounts 2>/dev/null; then
		fusermount3 -u "$MNT" 2>/dev/null || fusermount3 -uz "$MNT" 2>/dev/null || true
	fi
}

stop_daemon() {
	unmount
	if [ -n "$DAEMON_PID" ]; then
		for _ in $(seq 50); do
			kill -0 "$DAEMON_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -9 "$DAEMON_PID" 2>/dev/null || true
		wait "$DAEMON_PID" 2>/dev/null || true
		DAEMON_PID=
	fi
}

cleanup() {
	status=$?
	stop_second
	stop_daemon
	unmount
	[ -z "${TEST_PG_DB:-}" ] || drop_test_db # the test's own PostgreSQL database, if any (below)
	# Under ASan/UBSan a report in the daemon fails the test, whatever else passed.
	if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/daemon.log" 2>/dev/null; then
		echo "FAIL: sanitizer report in the daemon's output:" >&2
		grep -E -A20 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$T/daemon.log" | head -60 >&2
		status=1
	fi
	if grep -q " $MNT " /proc/mounts 2>/dev/null; then
		echo "cleanup: $MNT is still mounted" >&2
		status=1
	else
		rm -rf "$T"
	fi
	exit $status
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- PostgreSQL store (tests/engines/pg_cluster.sh) ---------------------------
# With BENCHFS_TEST_PG holding an admin URI, the test's store is a database of
# its own on that server, named after $T, so that tests running at once never
# share one; cleanup drops it (WITH (FORCE): a killed daemon's sessions may linger).
TEST_PG_DB=
TEST_PG_PSQL=
drop_test_db() {
	local db
	# The test's database and those other_store made for it (named after it).
	for db in $("$TEST_PG_PSQL" -X -q -At -d "$BENCHFS_TEST_PG" \
		-c "SELECT datname FROM pg_database WHERE datname = '$TEST_PG_DB' OR datname LIKE '${TEST_PG_DB}\\_%'" 2>/dev/null); do
		"$TEST_PG_PSQL" -X -q -d "$BENCHFS_TEST_PG" -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" \
			> /dev/null 2>&1 || echo "cleanup: could not drop database $db" >&2
	done
}
# The store of a second data directory that must not share the test's:
# under BENCHFS_TEST_PG a new database ${TEST_PG_DB}_NAME (dropped with the
# test's), whose URI is printed; else nothing, so that
# BENCHFS_STORE=$(other_store NAME) leaves the data directory's own file.
other_store() {
	[ -n "${TEST_PG_DB:-}" ] || return 0
	"$TEST_PG_PSQL" -X -q -v ON_ERROR_STOP=1 -d "$BENCHFS_TEST_PG" -c "CREATE DATABASE \"${TEST_PG_DB}_$1\"" \
		> "$T/createdb-$1.log" 2>&1 || fail "cannot create database ${TEST_PG_DB}_$1: $(cat "$T/createdb-$1.log")"
	printf '%s\n' "${BENCHFS_STORE%/*}/${TEST_PG_DB}_$1"
}
# The store's database is PostgreSQL: checks of SQLite's file itself skip.
store_is_pg() { [ -n "${TEST_PG_DB:-}" ]; }
# One SQL query against the test's store, whichever engine (rows as
# psql -At and sqlite3 print them: columns joined by |).
store_sql() {
	if store_is_pg; then
		"$TEST_PG_PSQL" -X -q -At -v ON_ERROR_STOP=1 -d "$BENCHFS_STORE" -c "$1"
	else
		sqlite3 -cmd ".timeout 10000" "${STORE_DB:-$REPO/.git/benchfs/benchfs.db}" "$1"
	fi
}
if [ -n "${BENCHFS_TEST_PG:-}" ]; then
	# Its path now: a test may narrow PATH before cleanup runs.
	TEST_PG_PSQL=$(command -v psql) || fail "BENCHFS_TEST_PG is set but psql is not installed"
	db=$(basename "$T" | tr '[:upper:]' '[:lower:]' | tr -c 'a-z0-9\n' '_')
	db="t_$db"
	"$TEST_PG_PSQL" -X -q -v ON_ERROR_STOP=1 -d "$BENCHFS_TEST_PG" -c "CREATE DATABASE \"$db\"" > "$T/createdb.log" 2>&1 ||
		fail "BENCHFS_TEST_PG: cannot create database $db: $(cat "$T/createdb.log")"
	TEST_PG_DB=$db
	# The admin URI with its database replaced: scheme://authority/DB?query.
	pg_query=
	case $BENCHFS_TEST_PG in *\?*) pg_query="?${BENCHFS_TEST_PG#*\?}" ;; esac
	pg_base=${BENCHFS_TEST_PG%%\?*}
	pg_authority=${pg_base#*://}
	pg_authority=${pg_authority%%/*}
	export BENCHFS_STORE="${pg_base%%://*}://$pg_authority/$db$pg_query"
	log "store: $BENCHFS_STORE"
	unset db pg_query pg_base pg_authority
else
	# Without it, the store is the data directory's, never one named by the caller's environment.
	unset BENCHFS_STORE
fi
# ---- end of the PostgreSQL store block ----------------------------------------

# make_repo CONFIG_JSON: a repository whose benchmark is ./prog, a shell
# script built from prog.sh by the "build" step. Commits are added with commit_prog.
make_repo() {
	git init -q -b main "$REPO"
	git -C "$REPO" config user.email test@example.com
	git -C "$REPO" config user.name test
	git -C "$REPO" config commit.gpgsign false
	# Unless a test says otherwise, the daemon queues no A/B jobs of its own
	# to settle suspected regressions (test_confirm.sh tests those): a test
	# that counts runs or reads the newest one must find only its own.
	python3 - "$1" "$REPO/benchfs.json" <<'PY'
import json, sys
try:
    c = json.loads(sys.argv[1])
except ValueError:
    c = None  # a test of a broken configuration: kept as written
if isinstance(c, dict):
    if not isinstance(c.get("compare"), dict):
        c["compare"] = {}
    c["compare"].setdefault("confirm", False)
    open(sys.argv[2], "w").write(json.dumps(c, indent=2) + "\n")
else:
    open(sys.argv[2], "w").write(sys.argv[1] + "\n")
PY
}

# commit_prog MESSAGE SCRIPT_BODY [TAG]: commit prog.sh with that body.
commit_prog() {
	printf '#!/bin/sh\n%s\n' "$2" > "$REPO/prog.sh"
	git -C "$REPO" add -A
	git -C "$REPO" commit -q --allow-empty -m "$1"
	if [ $# -ge 3 ]; then git -C "$REPO" tag "$3"; fi
}

# start_benchfs [extra args...]: mount in the foreground, in the background.
start_benchfs() {
	"$BENCHFS" -f --repo "$REPO" "$@" "$MNT" >> "$T/daemon.log" 2>&1 &
	DAEMON_PID=$!
	for _ in $(seq 100); do
		if mountpoint -q "$MNT" && [ -e "$MNT/queue" ]; then return 0; fi
		kill -0 "$DAEMON_PID" 2>/dev/null || fail "benchfs exited before mounting"
		sleep 0.1
	done
	fail "benchfs did not mount within 10 s"
}

# A second daemon on the same repository (another runner of a shared store):
# start_second [args...] mounts $MNT2 with --data $DATA2, its output in
# daemon2.log; stop_second unmounts and stops it (cleanup does too).
MNT2="$T/mnt2"
DATA2="$T/data2"
PID2=
start_second() {
	mkdir -p "$MNT2"
	"$BENCHFS" -f --repo "$REPO" --data "$DATA2" "$@" "$MNT2" >> "$T/daemon2.log" 2>&1 &
	PID2=$!
	for _ in $(seq 100); do
		if mountpoint -q "$MNT2" && [ -e "$MNT2/queue" ]; then return 0; fi
		kill -0 "$PID2" 2>/dev/null || fail "the second benchfs exited before mounting: $(tail -5 "$T/daemon2.log")"
		sleep 0.1
	done
	fail "the second benchfs did not mount within 10 s"
}
stop_second() {
	# The unmount stops it cleanly (its runner leaves the store's list).
	fusermount3 -u "$MNT2" 2>/dev/null || fusermount3 -uz "$MNT2" 2>/dev/null || true
	if [ -n "$PID2" ]; then
		for _ in $(seq 50); do kill -0 "$PID2" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$PID2" 2>/dev/null || true
		wait "$PID2" 2>/dev/null || true
		PID2=
	fi
}

# wait_sql SQL EXPECTED SECONDS: until the store answers EXPECTED.
wait_sql() {
	for _ in $(seq $(( $3 * 10 ))); do
		[ "$(store_sql "$1")" = "$2" ] && return 0
		sleep 0.1
	done
	fail "the store answers '$(store_sql "$1")' to $1, expected '$2' within $3 s"
}

# short_name COMMIT: the name benchfs gives a commit without a tag: git's
# short hash, lengthened while it is all digits (it would read as a run id).
short_name() {
	local s n
	s=$(git -C "$REPO" rev-parse --short "$1")
	n=${#s}
	while [ $n -lt 40 ] && [[ ${1:0:n} =~ ^[0-9]+$ ]]; do n=$((n + 1)); done
	printf '%s' "${1:0:n}"
}

# wait_status RUN REGEX [SECONDS]: until runs/RUN/status matches.
wait_status() {
	limit=$(( ${3:-60} * 10 ))
	for _ in $(seq "$limit"); do
		if grep -Eq "$2" "$MNT/runs/$1/status" 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	fail "runs/$1/status is '$(cat "$MNT/runs/$1/status" 2>&1)', expected /$2/ within ${3:-60} s"
}

# json FILE PYTHON_EXPR: evaluate an expression over the parsed JSON (as j).
json() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# valid SCHEMA FILE...: each FILE validates against docs/schemas/SCHEMA
# (python3-jsonschema, Draft 2020-12); fails the test naming the first error.
valid() {
	local schema="$(dirname "${BASH_SOURCE[0]}")/../../docs/schemas/$1"
	shift
	/usr/bin/python3 - "$schema" "$@" <<'PY' || fail "not valid against $(basename "$schema"): $*"
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1]))
for path in sys.argv[2:]:
    err = next(iter(Draft202012Validator(schema).iter_errors(json.load(open(path)))), None)
    if err:
        sys.exit(f"{path}: {'/'.join(map(str, err.path))}: {err.message}")
PY
}

# bf ARGS...: the command line (benchfs COMMAND ...); its standard output in
# $T/out, its standard error in $T/err, its exit status in $st.
bf() {
	st=0
	"$BENCHFS" "$@" > "$T/out" 2> "$T/err" || st=$?
}

# expect_status STATUS WHAT: the last bf exited with STATUS.
expect_status() {
	[ "$st" = "$1" ] || fail "$2: exit $st, expected $1 (stderr: $(cat "$T/err"))"
}

assert_eq() {
	[ "$1" = "$2" ] || fail "$3: expected '$2', got '$1'"
}
