#!/bin/bash
# bench/fleet_bench.sh: the fleet's figures, PostgreSQL against SQLite.
#
#   bench/fleet_bench.sh [BUILD_DIR]        (default: build; about 15-30 minutes)
#
# Variables: PARTS="claims rows views" (which parts), JOBS=30 (jobs per engine
# in part 1), ROWS_ARGS="-r 4 -b 20 -s 30 -k 7" (bench/store_rows's), COMMITS=2000
# and VIEWS_ROUNDS=1 (part 3), FLEET_PG=URI (a PostgreSQL server to use, as a
# role that may create databases: the script creates fleet_claims, fleet_rows
# and fleet_views there, and drops them at the end unless FLEET_KEEP is set;
# else it starts a throwaway cluster of its own with tests/engines/pg_cluster.sh
# on PORT=55446 and stops it at the end), FLEET_KEEP=DIR (keep the work, the cluster and part 3's stores in DIR;
# later runs reuse part 3's stores instead of filling them again).
#
# 1. claims: how long a job written to a mount waits until a runner starts it.
#    PostgreSQL: two daemons on one database, each with its own data directory
#    and labels; the job is written to the first one's queue with the second
#    one's label (`HEAD @profile=fleet-runner`), so the second must learn of it
#    through the store (its keeper LISTENs; the NOTIFY comes with the queue's
#    commit). Reference: one SQLite daemon, the job written to its own queue,
#    its runner woken in-process. The jobs alternate between the two (which
#    goes first alternates too); each is waited for until done, then a pause
#    of 0.3-0.8 s (seeded), so every job finds an idle runner. Figures from the
#    store's own timestamps: created_ns (the queue's write) to started_ns (the
#    runner's first progress after its claim, after it ran `cc --version` for
#    system.json), and to the first line of the run's debug.log (written
#    right after the claim, millisecond stamps). Without LISTEN there is no
#    same-process reference for PostgreSQL: an idle runner then claims at its
#    next poll, once a minute (runner/runner.c's worker), 30 s on average.
# 2. rows: the store's cost per iteration row, bench/store_rows (store/store.h,
#    in process, the two stores alternating round by round).
# 3. views: bench/views_bench.sh over COMMITS commits x 20 benchmarks x 30
#    samples on each engine (SQLite first, then PostgreSQL; with
#    VIEWS_ROUNDS=2 again in the other order), then PostgreSQL / SQLite for
#    every figure both print.
# The throwaway cluster is tests/engines/pg_cluster.sh's: fsync = off and
# synchronous_commit = off for the whole server (a runner's connection sets
# the latter anyway), on the same machine as the daemons (TCP on 127.0.0.1).
# Figures, not assertions: the exit status is 0 whenever the measurement
# itself worked. Results are in bench/README.md ("fleet_bench.sh").
set -eu

here=$(cd "$(dirname "$0")" && pwd)
BENCH_NAME=fleet_bench
. "$here/lib.sh"
build=${1:-$here/../build}
build=$(cd "$build" && pwd)
benchfs=$build/benchfs
rows=$build/bench/store_rows
bench_need "$benchfs" "$rows" "$build/bench/fill_store" "$build/bench/read_time"
command -v psql > /dev/null || { echo "fleet_bench: psql is missing (postgresql-client)" >&2; exit 2; }

PARTS=${PARTS:-claims rows views}
JOBS=${JOBS:-30}
ROWS_ARGS=${ROWS_ARGS:--r 4 -b 20 -s 30 -k 7}
COMMITS=${COMMITS:-2000}
VIEWS_ROUNDS=${VIEWS_ROUNDS:-1}
PORT=${PORT:-55446}

if [ -n "${FLEET_KEEP:-}" ]; then
	mkdir -p "$FLEET_KEEP"
	work=$(cd "$FLEET_KEEP" && pwd)
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/benchfs-fleet-bench-XXXXXX")
fi
# The cluster's user must reach its directory inside; data directories stay 700.
chmod 755 "$work"
cluster=
pids=()
mnts=()

# stop_daemons: every mount unmounted and its daemon waited for.
stop_daemons() {
	for m in "${mnts[@]}"; do
		fusermount3 -u "$m" 2> /dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2> /dev/null || true
	done
	pids=()
	mnts=()
}

cleanup() {
	stop_daemons
	if [ -n "$cluster" ]; then
		bash "$here/../tests/engines/pg_cluster.sh" stop "$cluster" || true
	elif [ -n "${admin:-}" ] && [ -z "${FLEET_KEEP:-}" ]; then
		for db in fleet_claims fleet_rows fleet_views; do
			psql_admin "DROP DATABASE IF EXISTS $db WITH (FORCE)" > /dev/null 2>&1 || true
		done
	fi
	if [ -z "${FLEET_KEEP:-}" ]; then
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

echo "fleet_bench: $(date -u '+%Y-%m-%d %H:%M UTC'), $(git -C "$here/.." rev-parse --short HEAD 2> /dev/null || echo '?'),"\
	"$(meson introspect --buildoptions "$build" 2> /dev/null |
		/usr/bin/python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"] == "buildtype"][0])' 2> /dev/null || echo '?') build"
echo "load average$(uptime | sed 's/.*load average//')"

if [ -n "${FLEET_PG:-}" ]; then
	admin=$FLEET_PG
else
	cluster=$work/pg
	admin=$(bash "$here/../tests/engines/pg_cluster.sh" start "$cluster" "$PORT")
fi
# db_uri NAME: the admin URI with its database replaced by NAME.
db_uri() {
	printf '%s\n' "$admin" | sed -E "s#^(postgres(ql)?://[^/]*)(/[^?]*)?#\\1/$1#"
}
psql_admin() {
	PGOPTIONS='-c client_min_messages=warning' psql -XAtq -v ON_ERROR_STOP=1 "$admin" -c "$1"
}
fresh_db() { # NAME: an empty database of that name
	psql_admin "DROP DATABASE IF EXISTS $1 WITH (FORCE)" > /dev/null
	psql_admin "CREATE DATABASE $1" > /dev/null
}
pg_version=$(psql_admin "SHOW server_version")
echo "PostgreSQL server $pg_version ($(printf '%s' "$admin" | sed -E 's#//[^@]*@#//#'))"

# stats FILE: "median p90 min max n" of the numbers in FILE (p90: nearest rank).
stats() {
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "n/a n/a n/a n/a 0"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		r = int(0.9 * NR); if (r < 0.9 * NR) r++
		printf "%.1f %.1f %.1f %.1f %d\n", m, v[r], v[1], v[NR], NR }'
}

# ---- 1. claims ----
claims() {
	local repo=$work/claims-repo uri i first pause
	rm -rf "$repo" "$work/claims"
	mkdir -p "$work/claims"
	git init -q -b main "$repo"
	git -C "$repo" config user.email bench@example.com
	git -C "$repo" config user.name Bench
	echo one > "$repo/file"
	git -C "$repo" add file
	git -C "$repo" commit -q -m one
	cat > "$work/claims/benchfs.json" <<-'EOF'
		{"warmup": 0, "runs": 1, "compare": {"confirm": false},
		 "benchmarks": [{"name": "true", "command": ["true"]}]}
	EOF
	fresh_db fleet_claims
	uri=$(db_uri fleet_claims)
	# daemon NAME LABELS [--store URI]: a daemon of its own data directory.
	daemon() {
		local name=$1 labels=$2 d=$work/claims/$1 t0
		shift 2
		mkdir -p "$d/data" "$d/mnt"
		chmod 700 "$d/data"
		env -u BENCHFS_STORE "$benchfs" -f --repo "$repo" --config "$work/claims/benchfs.json" \
			--data "$d/data" --labels "$labels" "$@" "$d/mnt" < /dev/null \
			>> "$work/claims/$name.log" 2>&1 &
		pids+=($!)
		mnts+=("$d/mnt")
		t0=$(now_ms)
		until [ -e "$d/mnt/queue" ]; do
			if [ $(($(now_ms) - t0)) -gt 20000 ] || ! kill -0 "${pids[-1]}" 2> /dev/null; then
				echo "fleet_bench: daemon $name did not mount:" >&2
				cat "$work/claims/$name.log" >&2
				exit 1
			fi
			sleep 0.05
		done
	}
	daemon writer fleet-writer --store "$uri"
	daemon runner fleet-runner --store "$uri"
	daemon sqlite fleet-runner
	sql_pg() { psql -XAtq "$uri" -c "$1"; }
	sql_lite() { sqlite3 "$work/claims/sqlite/data/benchfs.db" "$1"; }
	# one ENGINE N: queue the N-th job of ENGINE and wait until it is done.
	one() {
		local t0=$(now_ms) state
		if [ "$1" = pg ]; then
			echo 'HEAD @profile=fleet-runner' > "$work/claims/writer/mnt/queue"
		else
			echo HEAD > "$work/claims/sqlite/mnt/queue"
		fi
		# Nothing polls while the runner claims: the first look is 0.3 s on.
		sleep 0.3
		while :; do
			state=$("sql_$1" "SELECT count(*) FROM runs WHERE state IN ('done', 'failed')")
			[ "$state" -ge "$2" ] && break
			if [ $(($(now_ms) - t0)) -gt 120000 ]; then
				echo "fleet_bench: $1 job $2 not done within 2 minutes" >&2
				exit 1
			fi
			sleep 0.1
		done
	}
	# A first job each, not counted: checkouts, the first connections.
	one pg 1
	one lite 1
	for i in $(seq 2 $((JOBS + 1))); do
		pause=$(awk -v s="$i" 'BEGIN { srand(s); printf "%.2f", 0.3 + 0.5 * rand() }')
		if [ $((i % 2)) = 0 ]; then
			one pg "$i"; sleep "$pause"; one lite "$i"
		else
			one lite "$i"; sleep "$pause"; one pg "$i"
		fi
		sleep "$pause"
	done
	# created -> started (ms), state, runner, from each store; the first job left out.
	q="SELECT id, (started_ns - created_ns) / 1e6, state FROM runs WHERE id > 1 ORDER BY id"
	sql_pg "$q" | tr '|' ' ' > "$work/claims/pg.started"
	sql_lite "$q" | tr '|' ' ' > "$work/claims/lite.started"
	# created -> the debug.log's first line (the claim), through the runner's mount.
	to_log() { # ENGINE MNT: "id ms" lines
		local id created line
		while read -r id _ _; do
			if [ "$1" = pg ]; then
				created=$(sql_pg "SELECT created_ns FROM runs WHERE id = $id")
			else
				created=$(sql_lite "SELECT created_ns FROM runs WHERE id = $id")
			fi
			line=$(head -n 1 "$2/runs/$(printf '%06d' "$id")/debug.log")
			echo "$id $created ${line%% *}"
		done < "$work/claims/$1.started" | while read -r id created stamp; do
			echo "$id $(( $(date -d "$stamp" +%s%3N) - created / 1000000 ))"
		done
	}
	to_log pg "$work/claims/runner/mnt" > "$work/claims/pg.log_ms"
	to_log lite "$work/claims/sqlite/mnt" > "$work/claims/lite.log_ms"
	echo
	echo "1. claims: a job written to the queue until a runner starts it, $JOBS jobs each (milliseconds)"
	echo "  PostgreSQL: written to another daemon's mount, the runner woken by LISTEN/NOTIFY;"
	echo "  SQLite: written to the runner's own mount, woken in-process"
	printf '  %-36s %8s %8s %8s %8s %4s\n' "" median p90 min max n
	for e in pg lite; do
		name=$([ $e = pg ] && echo "PostgreSQL" || echo "SQLite")
		awk '$3 == "done" { print $2 }' "$work/claims/$e.started" > "$work/claims/$e.s"
		awk '{ print $2 }' "$work/claims/$e.log_ms" > "$work/claims/$e.l"
		read -r m p lo hi n <<< "$(stats "$work/claims/$e.l")"
		printf '  %-36s %8s %8s %8s %8s %4s\n' "$name, to the claim (debug.log)" "$m" "$p" "$lo" "$hi" "$n"
		read -r m p lo hi n <<< "$(stats "$work/claims/$e.s")"
		printf '  %-36s %8s %8s %8s %8s %4s\n' "$name, to started_ns" "$m" "$p" "$lo" "$hi" "$n"
		eval "${e}_claim=\$(stats \"$work/claims/$e.l\")"
		eval "${e}_start=\$(stats \"$work/claims/$e.s\")"
	done
	# The two jobs of one turn ran within a second of each other: their
	# difference is the engine's, less the load's drift than the medians'.
	paste "$work/claims/pg.log_ms" "$work/claims/lite.log_ms" | awk '{ print $2 - $4 }' > "$work/claims/diff"
	read -r m p lo hi n <<< "$(stats "$work/claims/diff")"
	sort -g "$work/claims/diff" | awk -v m="$m" '{ v[NR] = $1 } END {
		r = int(0.1 * NR); if (r < 1) r = 1
		printf "  paired, PostgreSQL - SQLite to the claim, job by job: median %+.1f ms (p10 %+.1f, p90 %+.1f)\n", m, v[r], v[int(0.9 * NR + 0.999)] }'
	awk -v a="${pg_claim%% *}" -v b="${lite_claim%% *}" -v c="${pg_start%% *}" -v d="${lite_start%% *}" \
		'BEGIN { printf "  ratio PostgreSQL / SQLite of the medians: %.2f to the claim, %.2f to started_ns\n", a / b, c / d }'
	p90=$(echo "$pg_claim" | cut -d' ' -f2)
	awk -v p="$p90" 'BEGIN { printf "  target: under 100 ms with LISTEN/NOTIFY (p90 to the claim %.1f ms): %s\n", p, p < 100 ? "met" : "missed" }'
	echo "  (without LISTEN an idle runner would claim at its next poll: once a minute, 30 s on average)"
	echo "  done: PostgreSQL $(grep -c ' done$' "$work/claims/pg.started") / $JOBS, SQLite $(grep -c ' done$' "$work/claims/lite.started") / $JOBS"
	stop_daemons
}

# ---- 2. rows ----
rows_part() {
	rm -f "$work/rows.db" "$work/rows.db-wal" "$work/rows.db-shm"
	fresh_db fleet_rows
	echo
	echo "2. rows: the store's cost per iteration row, A = SQLite file, B = PostgreSQL (bench/store_rows $ROWS_ARGS)"
	# shellcheck disable=SC2086 # the arguments are words
	env -u BENCHFS_STORE "$rows" $ROWS_ARGS "$work/rows.db" "$(db_uri fleet_rows)" | sed 's/^/  /'
}

# ---- 3. views ----
views_part() {
	local uri k
	uri=$(db_uri fleet_views)
	if [ -z "${FLEET_KEEP:-}" ] || [ -z "$(psql_admin "SELECT 1 FROM pg_database WHERE datname = 'fleet_views'")" ]; then
		fresh_db fleet_views
	fi
	echo
	echo "3. views over $COMMITS commits x 20 benchmarks x 30 samples, bench/views_bench.sh on each engine"
	for k in $(seq 1 "$VIEWS_ROUNDS"); do
		for e in $([ $((k % 2)) = 1 ] && echo "lite pg" || echo "pg lite"); do
			echo "  views_bench.sh, $([ $e = pg ] && echo PostgreSQL || echo SQLite), round $k: $(date -u +%H:%M:%S) UTC, load average$(uptime | sed 's/.*load average//')"
			if [ $e = pg ]; then
				KEEP=$work/views-pg BENCHFS_STORE=$uri sh "$here/views_bench.sh" "$build" "$COMMITS" \
					> "$work/views-$e-$k.out" 2>&1 || { cat "$work/views-$e-$k.out" >&2; exit 1; }
			else
				env -u BENCHFS_STORE KEEP="$work/views-lite" sh "$here/views_bench.sh" "$build" "$COMMITS" \
					> "$work/views-$e-$k.out" 2>&1 || { cat "$work/views-$e-$k.out" >&2; exit 1; }
			fi
		done
	done
	for e in lite pg; do
		echo
		echo "  --- $([ $e = pg ] && echo PostgreSQL || echo SQLite), round 1 ---"
		sed 's/^/  /' "$work/views-$e-1.out"
	done
	echo
	echo "  PostgreSQL / SQLite (medians over rounds when VIEWS_ROUNDS > 1):"
	printf '  %-14s %10s %10s %10s %10s\n' operation cold cold-drop 1st-in-run warm
	# The table rows of each output: operation cold cold-drop 1st-in-run warm warm-min.
	for op in regressions compare-step compare-all history-svg history-csv ls-l-runs result-json; do
		line=$op
		for col in 2 3 4 5; do
			for e in lite pg; do
				awk -v op="$op" -v c="$col" '$1 == op && NF >= 6 && $2 ~ /^[0-9.]+$/ { print $c }' "$work"/views-$e-*.out \
					| sort -g | awk '{ v[NR] = $1 } END { if (NR) print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2); else print "n/a" }' \
					> "$work/v.$e"
			done
			line="$line $(awk -v a="$(cat "$work/v.lite")" -v b="$(cat "$work/v.pg")" 'BEGIN {
				if (a == "n/a" || b == "n/a" || a == 0) print "n/a"; else printf "%.2f", b / a }')"
		done
		# shellcheck disable=SC2086
		printf '  %-14s %10s %10s %10s %10s\n' $line
	done
}

for part in $PARTS; do
	case $part in
	claims) claims ;;
	rows) rows_part ;;
	views) views_part ;;
	*) echo "fleet_bench: unknown part '$part' (claims, rows, views)" >&2; exit 2 ;;
	esac
done
echo
echo "load average at the end$(uptime | sed 's/.*load average//')"
