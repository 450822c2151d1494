#!/bin/bash
# Install what benchfs needs to build, test and run its demo on Debian 12.
# Idempotent: installs only what is missing. Uses sudo when not root.
set -eu
packages=(
	gcc make pkg-config meson ninja-build git
	libfuse3-dev fuse3 libsqlite3-dev sqlite3 libjson-c-dev libgit2-dev libcmocka-dev
	python3 python3-jsonschema python3-yaml libxml2-utils man-db rsync procps util-linux tar
	linux-perf valgrind
	systemd # systemd-analyze verify of benchfs@.service (test_system.sh)
	hyperfine
	zlib1g-dev # the store compresses result.json (already pulled in by libgit2-dev)
	ccache # "build_mode": "incremental" compiles through it (test_incremental.sh)
	openssh-client # ssh-keygen -F: the host keys of watched ssh remotes against known_hosts
	wrk # the load generator of a service benchmark (test_service.sh, examples/http-server)
	chromium # index.html rendered headless (test_dashboard.sh, bench/dashboard_bench.sh)
	postgresql-15 # initdb, pg_ctl, createdb, psql: the throwaway cluster of tests/engines/pg_cluster.sh
	libpq-dev # the PostgreSQL engine of the store (store/db_pg.c) links libpq
	slurm-wlm # slurmctld, slurmd, sbatch, squeue, scancel: the single node of tests/engines/slurm_node.sh
	munge # Slurm's authentication: slurm_node.sh starts its own munged
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
