#!/bin/bash
# The demo command: install dependencies, build benchfs, then mount it on the
# example repository, queue its three commits and show the results.
set -eu
cd "$(dirname "$0")/.."
bash .ci/deps.sh
if [ ! -f build/build.ninja ]; then
	meson setup build > /dev/null
fi
ninja -C build benchfs benchfs-spawner > /dev/null
exec bash examples/demo.sh "$PWD/build/benchfs"
