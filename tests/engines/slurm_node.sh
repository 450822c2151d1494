#!/bin/bash
# A single-node Slurm on this machine for the tests: its own munged, slurmctld
# and slurmd, everything (key, configuration, state, spool, logs, pids) in DIR.
# Usage: slurm_node.sh start DIR   prints "export SLURM_CONF=DIR/slurm.conf":
#                                  the line a client (sbatch, squeue, scancel)
#                                  needs to reach this node
#        slurm_node.sh stop DIR    cancels the jobs, stops every daemon; idempotent
# Environment: SLURM_FEATURES the node's labels (default x86,ci), which
# --constraint matches; SLURM_PORT slurmctld's port (default 6817; slurmd
# takes the next one).
# Runs as root (slurmd launches the jobs as their users). No cgroup plugin:
# processes are tracked through /proc (proctrack/linuxproc), tasks are not
# bound (task/none), so it runs in containers whose cgroups are read-only.
set -eu

SBIN=${SLURM_SBIN:-/usr/sbin}

usage() {
	echo "usage: $0 start DIR | stop DIR" >&2
	exit 2
}

die() {
	echo "slurm_node: $*" >&2
	exit 1
}

# pid_alive FILE: the pid in FILE names a running process.
pid_alive() {
	local pid
	[ -f "$1" ] || return 1
	pid=$(head -n 1 "$1" 2> /dev/null) || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2> /dev/null
}

# show_log FILE WHAT: fail naming WHAT, with FILE's last lines.
show_log() {
	[ ! -f "$1" ] || tail -n 20 "$1" >&2
	die "$2 (log: $1)"
}

start() {
	local dir=$1 host port features conf hw
	[ "$(id -u)" = 0 ] || die "must run as root: slurmd starts the jobs as their users"
	for b in munged mungekey slurmctld slurmd; do
		[ -x "$SBIN/$b" ] || die "$SBIN/$b not found (bash .ci/deps.sh installs slurm-wlm and munge)"
	done
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	host=$(hostname -s)
	port=${SLURM_PORT:-6817}
	features=${SLURM_FEATURES:-x86,ci}
	conf=$dir/slurm.conf
	mkdir -p "$dir/munge-key" "$dir/munge" "$dir/state" "$dir/spool" "$dir/log" "$dir/run"
	# munged wants its key readable by itself alone and its socket reachable
	# by every user (a job's user authenticates through it too): the key's
	# directory is closed, the socket's and those above it are open to search.
	chmod 700 "$dir/munge-key"
	chmod 755 "$dir" "$dir/munge"
	if [ ! -f "$dir/munge-key/munge.key" ]; then
		"$SBIN/mungekey" --create --keyfile="$dir/munge-key/munge.key" --bits=1024
	fi
	chmod 400 "$dir/munge-key/munge.key"
	if ! pid_alive "$dir/run/munged.pid"; then
		"$SBIN/munged" --key-file="$dir/munge-key/munge.key" --socket="$dir/munge/munge.socket" \
			--pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" \
			--seed-file="$dir/munge-key/munged.seed" ||
			show_log "$dir/log/munged.log" "munged did not start"
	fi
	# The machine's own CPUs and memory, as slurmd detects them: a node that
	# claims more than it has is drained at registration.
	hw=$("$SBIN/slurmd" -C | head -n 1 | sed -e 's/^NodeName=[^ ]* //')
	case $hw in CPUs=*) ;; *) die "slurmd -C printed '$hw'" ;; esac
	cat > "$conf" <<-EOF
		# Written by tests/engines/slurm_node.sh: a single node for the tests.
		ClusterName=benchfs-test
		SlurmctldHost=$host
		SlurmctldPort=$port
		SlurmdPort=$((port + 1))
		SlurmUser=root
		SlurmdUser=root
		AuthType=auth/munge
		CredType=cred/munge
		AuthInfo=socket=$dir/munge/munge.socket
		StateSaveLocation=$dir/state
		SlurmdSpoolDir=$dir/spool
		SlurmctldPidFile=$dir/run/slurmctld.pid
		SlurmdPidFile=$dir/run/slurmd.pid
		SlurmctldLogFile=$dir/log/slurmctld.log
		SlurmdLogFile=$dir/log/slurmd.log
		SlurmctldDebug=info
		SlurmdDebug=info
		ProctrackType=proctrack/linuxproc
		TaskPlugin=task/none
		JobAcctGatherType=jobacct_gather/none
		SelectType=select/cons_tres
		SelectTypeParameters=CR_Core
		SchedulerType=sched/backfill
		ReturnToService=2
		MpiDefault=none
		MailProg=/bin/true
		NodeName=$host $hw Features=$features State=UNKNOWN
		PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
	EOF
	export SLURM_CONF=$conf
	if ! pid_alive "$dir/run/slurmctld.pid"; then
		"$SBIN/slurmctld" -f "$conf" || show_log "$dir/log/slurmctld.log" "slurmctld did not start"
	fi
	if ! pid_alive "$dir/run/slurmd.pid"; then
		"$SBIN/slurmd" -f "$conf" || show_log "$dir/log/slurmd.log" "slurmd did not start"
	fi
	local state=
	for _ in $(seq 300); do
		state=$(sinfo -h -n "$host" -o %t 2> /dev/null | head -n 1) || true
		case $state in idle) break ;; esac
		sleep 0.1
	done
	[ "$state" = idle ] || show_log "$dir/log/slurmd.log" "node $host is '$state', not idle, after 30 s"
	echo "export SLURM_CONF=$conf"
}

# stepds DIR: the pids of the slurmstepd processes this node's slurmd started
# (they inherit SLURM_CONF and outlive slurmd).
stepds() {
	local p
	for p in $(pgrep -x slurmstepd 2> /dev/null); do
		if tr '\0' '\n' < "/proc/$p/environ" 2> /dev/null | grep -qxF "SLURM_CONF=$1/slurm.conf"; then
			echo "$p"
		fi
	done
}

stop() {
	local dir=$1 name pid
	[ -d "$dir" ] || return 0
	dir=$(cd "$dir" && pwd)
	export SLURM_CONF=$dir/slurm.conf
	if pid_alive "$dir/run/slurmctld.pid"; then
		local jobs
		jobs=$(squeue -h -o %i 2> /dev/null) || true
		if [ -n "$jobs" ]; then
			# shellcheck disable=SC2086 # one job id a word
			scancel $jobs 2> /dev/null || true
			for _ in $(seq 50); do
				[ -n "$(squeue -h -o %i 2> /dev/null)" ] || break
				sleep 0.1
			done
		fi
	fi
	for name in slurmd slurmctld munged; do
		pid_alive "$dir/run/$name.pid" || continue
		pid=$(head -n 1 "$dir/run/$name.pid")
		kill "$pid" 2> /dev/null || true
		for _ in $(seq 100); do
			kill -0 "$pid" 2> /dev/null || break
			sleep 0.1
		done
		kill -9 "$pid" 2> /dev/null || true
		rm -f "$dir/run/$name.pid"
	done
	for pid in $(stepds "$dir"); do
		kill -9 "$pid" 2> /dev/null || true
	done
}

case ${1:-} in
start)
	[ $# = 2 ] || usage
	start "$2"
	;;
stop)
	[ $# = 2 ] || usage
	stop "$2"
	;;
*) usage ;;
esac
