#!/bin/bash
# The test command: install dependencies, build, run every test.
# Usage: bash tests/run.sh [BUILD_DIR [MESON_SETUP_ARGS...]]
set -eu
cd "$(dirname "$0")/.."
bash .ci/deps.sh
build=${1:-build}
shift || true
if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" "$@"
fi
ninja -C "$build"
meson test -C "$build" --print-errorlogs
