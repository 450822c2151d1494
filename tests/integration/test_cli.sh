#!/bin/bash
# The command line: --help, --version, and setup errors that name the problem
# in one line, exit with status 2 and mount nothing.
. "$(dirname "$0")/lib.sh"

"$BENCHFS" --help | grep -q -- '--repo DIR' || fail "--help"
"$BENCHFS" --version | grep -Eq '^benchfs [0-9]+\.[0-9]+\.[0-9]+ ' || fail "--version"
ok "--help and --version"

# expect_setup_error PATTERN ARGS...: exit 2, one line naming the problem, nothing mounted.
expect_setup_error() {
	pattern=$1; shift
	set +e
	"$BENCHFS" -f "$@" > "$T/out" 2> "$T/err"
	status=$?
	set -e
	assert_eq "$status" 2 "exit status of benchfs $*"
	assert_eq "$(wc -l < "$T/err")" 1 "lines of error for benchfs $* ($(cat "$T/err"))"
	grep -Eq "$pattern" "$T/err" || fail "error for benchfs $* is '$(cat "$T/err")', expected /$pattern/"
	mountpoint -q "$MNT" && fail "mounted despite the error"
	printf '  %s\n' "$(cat "$T/err")"
}

expect_setup_error "not a git repository: $T/nowhere" --repo "$T/nowhere" "$MNT"
mkdir "$T/plain"
expect_setup_error "not a git repository" --repo "$T/plain" "$MNT"

make_repo '{"benchmarks": [{"name": "a", "command": ["true"]}]}'
commit_prog one 'true'
expect_setup_error "cannot read configuration $T/missing.json: No such file" --repo "$REPO" --config "$T/missing.json" "$MNT"
printf '{"benchmarks": [{"name": "a", "command": ["true"]}], "rnus": 3}' > "$T/typo.json"
expect_setup_error 'unknown key "rnus"' --repo "$REPO" --config "$T/typo.json" "$MNT"
printf '{"benchmarks": [{"name": "a", "command": ["true"], "warmpu": 1}]}' > "$T/typo2.json"
expect_setup_error 'benchmarks\[0\]: unknown key "warmpu"' --repo "$REPO" --config "$T/typo2.json" "$MNT"
printf '{"benchmarks": [' > "$T/broken.json"
expect_setup_error 'invalid JSON' --repo "$REPO" --config "$T/broken.json" "$MNT"
if [ "$(id -u)" != 0 ]; then
	printf '{"benchmarks": [{"name": "a", "command": ["true"]}]}' > "$T/secret.json"
	chmod 000 "$T/secret.json"
	expect_setup_error 'Permission denied' --repo "$REPO" --config "$T/secret.json" "$MNT"
fi
touch "$T/afile"
expect_setup_error "data directory $T/afile: not a directory" --repo "$REPO" --data "$T/afile" "$MNT"
expect_setup_error "data directory $T/afile/sub" --repo "$REPO" --data "$T/afile/sub" "$MNT"
if store_is_pg; then
	# A corrupt benchfs.db is SQLite's; a PostgreSQL store that cannot be
	# opened is a server that does not answer, and is the same setup error.
	expect_setup_error "store postgresql://127.0.0.1:1/nodb: .*Connection refused" \
		--repo "$REPO" --store postgresql://127.0.0.1:1/nodb --data "$T/data-bad" "$MNT"
else
	printf 'not a database, really not one at all: %0500d' 0 > "$T/baddb"
	mkdir "$T/data-bad"; cp "$T/baddb" "$T/data-bad/benchfs.db"
	expect_setup_error "store .*benchfs.db" --repo "$REPO" --data "$T/data-bad" "$MNT"
fi
expect_setup_error "mount point $T/nomount" --repo "$REPO" "$T/nomount"
BENCHFS_SPAWNER="$T/no-spawner" expect_setup_error "cannot use the helper $T/no-spawner: No such file" --repo "$REPO" "$MNT"
expect_setup_error "unknown option --frobnicate" --frobnicate "$MNT"
expect_setup_error "no mount point" --repo "$REPO"
ok "setup errors: exit status 2, one line naming the problem, nothing mounted"

# Defaults: the repository is the current directory (a subdirectory works),
# the configuration is benchfs.json at its top, the data in .git/benchfs.
mkdir -p "$REPO/sub/dir"
(cd "$REPO/sub/dir" && "$BENCHFS" -f "$MNT" >> "$T/daemon.log" 2>&1) &
DAEMON_PID=$!
for _ in $(seq 100); do mountpoint -q "$MNT" && break; sleep 0.1; done
mountpoint -q "$MNT" || fail "default options did not mount"
echo HEAD > "$MNT/queue"
wait_status 000001 '^done( |$)' 30
if store_is_pg; then
	# No store file in it: the run's log shows the data directory used.
	[ -f "$REPO/.git/benchfs/logs/000001.log" ] || fail "default data directory not used"
else
	[ -f "$REPO/.git/benchfs/benchfs.db" ] || fail "default data directory not used"
fi
# A second daemon on the same data directory is refused before it mounts.
mkdir "$T/mnt2"
if "$BENCHFS" -f --repo "$REPO" "$T/mnt2" 2> "$T/err"; then fail "second daemon started"; fi
grep -q "data directory $REPO/.git/benchfs is in use by another benchfs" "$T/err" || fail "second daemon: $(cat "$T/err")"
mountpoint -q "$T/mnt2" && { fusermount3 -u "$T/mnt2"; fail "second daemon mounted"; }
ok "a second daemon on the same data directory: $(cat "$T/err")"
assert_eq "$(json "$MNT/runs/000001/config.json" 'j["configuration"]["benchmarks"][0]["name"]')" a "default configuration"
ok "defaults: --repo ., --config <top>/benchfs.json, --data .git/benchfs"

# Without -f benchfs daemonises; the mount works and unmounting ends it.
stop_daemon
"$BENCHFS" --repo "$REPO" "$MNT" || fail "background start"
mountpoint -q "$MNT" || fail "not mounted after a background start"
assert_eq "$(cut -d" " -f1 "$MNT/runs/000001/status")" done "status through a daemonised benchfs"
fusermount3 -u "$MNT"
for _ in $(seq 50); do pgrep -f "benchfs --repo $REPO" > /dev/null || break; sleep 0.1; done
pgrep -f "benchfs --repo $REPO" > /dev/null && fail "daemon still running after unmount"
ok "background mode"
echo "5 passed, 0 failed"
