#!/bin/bash
# A throwaway PostgreSQL cluster for the tests: never the system's cluster.
# Usage: pg_cluster.sh start DIR PORT   prints the admin URI on stdout
#        pg_cluster.sh stop DIR         idempotent
# The cluster lives in DIR/data, its unix socket in DIR, its log in DIR/log.
# It listens on 127.0.0.1:PORT only, trusts every local connection, and
# skips fsync: its data is worth nothing once the tests end.
# As root the server runs as the system user benchfs-pg (created if
# missing), since PostgreSQL refuses to run as root; otherwise as the caller.
set -eu

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_USER=benchfs-pg

usage() {
	echo "usage: $0 start DIR PORT | stop DIR" >&2
	exit 2
}

die() {
	echo "pg_cluster: $*" >&2
	exit 1
}

# as_pg CMD...: CMD as the user the server runs as.
as_pg() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$PG_USER" -- "$@"
	else
		"$@"
	fi
}

start() {
	local dir=$1 port=$2
	case $port in
	'' | *[!0-9]*) die "port '$port' is not a number" ;;
	esac
	# The system's default cluster's port: a test must never reach it.
	[ "$port" != 5432 ] || die "port 5432 is the system cluster's; pick another"
	[ -x "$PG_BIN/initdb" ] || die "$PG_BIN/initdb not found (bash .ci/deps.sh installs postgresql-15)"
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	if [ "$(id -u)" = 0 ]; then
		if ! id -u "$PG_USER" > /dev/null 2>&1; then
			useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_USER"
		fi
		chown "$PG_USER:" "$dir"
		chmod 700 "$dir"
		runuser -u "$PG_USER" -- test -w "$dir" ||
			die "$PG_USER cannot reach $dir: a directory above it is closed to other users"
	fi
	# The server's user starts where it may read (the caller's directory may be closed to it).
	cd "$dir"
	if [ ! -f "$dir/data/PG_VERSION" ]; then
		as_pg "$PG_BIN/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale --no-sync \
			> "$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
		# Each daemon holds several connections and two tests run at once:
		# 200 leaves room for leaked ones too.
		cat >> "$dir/data/postgresql.conf" <<-EOF
			# tests/engines/pg_cluster.sh
			port = $port
			listen_addresses = '127.0.0.1'
			unix_socket_directories = '$dir'
			max_connections = 200
			fsync = off
			synchronous_commit = off
			full_page_writes = off
			logging_collector = off
		EOF
	fi
	if ! as_pg "$PG_BIN/pg_ctl" -D "$dir/data" status > /dev/null 2>&1; then
		as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/log" -o "-p $port" -w -t 60 start > /dev/null ||
			{ tail -n 20 "$dir/log" >&2; die "the server did not start (log: $dir/log)"; }
	fi
	local ready=
	for _ in $(seq 100); do
		if "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U postgres; then
			ready=1
			break
		fi
		sleep 0.1
	done
	[ -n "$ready" ] || die "the server does not accept connections on 127.0.0.1:$port (log: $dir/log)"
	echo "postgresql://postgres@127.0.0.1:$port/postgres"
}

stop() {
	local dir=$1
	[ -f "$dir/data/PG_VERSION" ] || return 0
	dir=$(cd "$dir" && pwd)
	cd "$dir"
	if [ -f "$dir/data/postmaster.pid" ]; then
		# Fast: the sessions still open are the tests' leftovers, not work to finish.
		as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop > /dev/null 2>&1 || true
	fi
	if [ -f "$dir/data/postmaster.pid" ]; then
		local pid
		pid=$(head -n 1 "$dir/data/postmaster.pid")
		if [ -n "$pid" ] && kill -0 "$pid" 2> /dev/null; then
			as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 10 stop > /dev/null 2>&1 ||
				kill -9 "$pid" 2> /dev/null || true
		fi
	fi
}

case ${1:-} in
start)
	[ $# = 3 ] || usage
	start "$2" "$3"
	;;
stop)
	[ $# = 2 ] || usage
	stop "$2"
	;;
*) usage ;;
esac
