#!/bin/bash
# The test command: install dependencies, build, run every test.
# Usage: bash tests/run.sh [BUILD_DIR [MESON_SETUP_ARGS...]]
# With BENCHFS_TEST_PG holding the admin URI of a PostgreSQL server (see
# tests/engines/pg_cluster.sh), every test's store is a database of its own there.
# BENCHFS_TEST_TIMEOUT_MULTIPLIER multiplies every test's time limit.
set -eu
cd "$(dirname "$0")/.."
# A store named in the caller's environment (maybe a real one) is never the
# tests': they get theirs from BENCHFS_TEST_PG or their data directory.
unset BENCHFS_STORE
bash .ci/deps.sh
build=${1:-build}
shift || true
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$@"
fi
ninja -C "$build"
if [ -n "${BENCHFS_TEST_PG:-}" ]; then
	echo "store: a database per test on ${BENCHFS_TEST_PG}"
fi
# BENCHFS_TEST_TIMEOUT_MULTIPLIER: slower engines (a database server) get longer.
meson test -C "$build" --print-errorlogs --timeout-multiplier "${BENCHFS_TEST_TIMEOUT_MULTIPLIER:-1}"
