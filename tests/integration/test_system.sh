#!/bin/bash
# Started by the system: the installed benchfs@.service passes systemd-analyze
# verify, and its ExecStart, expanded with the unit's environment as systemd
# would, mounts and measures, and SIGTERM unmounts; an fstab line of type
# fuse.benchfs mounts through mount(8) and mount.fuse3, with mount(8)'s and
# FUSE's options beside benchfs's own; a wrong option is refused with status 2.
# Everything runs in a private mount namespace: mount(8) must find benchfs in
# its PATH, which a bind mount over /usr/local/sbin gives it only in here.
if [ -z "${BENCHFS_SYSTEM_NS:-}" ]; then
	if [ "$(id -u)" != 0 ] || ! unshare -m true 2> /dev/null; then
		echo "SKIP: needs root and unshare -m"
		exit 77
	fi
	BENCHFS_SYSTEM_NS=1 exec unshare -m --propagation private bash "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"
: "${BUILD_ROOT:?BUILD_ROOT must name the build directory}"

# The benchmark fails if it inherits systemd's notification socket.
make_repo '{"build": "true", "warmup": 0, "runs": 2, "benchmarks": [{"name": "t", "command": ["sh", "-c", "test -z \"${NOTIFY_SOCKET:-}\""]}]}'
commit_prog one 'true'

# --- The unit, as meson install puts it.
meson install -C "$BUILD_ROOT" --no-rebuild --destdir "$T/inst" > "$T/install.log" 2>&1 \
	|| fail "meson install: $(tail -5 "$T/install.log")"
unit=$(find "$T/inst" -name 'benchfs@.service' | head -1)
[ -n "$unit" ] || fail "no benchfs@.service installed"
case "$unit" in */systemd/system/benchfs@.service) ;; *) fail "the unit is at $unit" ;; esac
[ -n "$(find "$T/inst" -path '*/sysusers.d/benchfs.conf')" ] || fail "no sysusers.d file for the user benchfs"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
bin=${exec_start%% *}
[ -x "$T/inst$bin" ] || fail "ExecStart runs $bin, which meson install did not put there"
ok "installed: $unit, running $bin"

# systemd-analyze checks that ExecStart's program exists: the staged copy
# stands in for the installed one. The man page is checked by test_install.
if ! command -v systemd-analyze > /dev/null; then
	fail "systemd-analyze is missing (.ci/deps.sh installs systemd)"
fi
sed "s|^ExecStart=$bin |ExecStart=$T/inst$bin |" "$unit" > "$T/benchfs@ci.service"
systemd-analyze verify --man=no "$T/benchfs@ci.service" > "$T/verify" 2>&1 \
	|| fail "systemd-analyze verify: $(cat "$T/verify")"
[ ! -s "$T/verify" ] || fail "systemd-analyze verify warns: $(cat "$T/verify")"
ok "systemd-analyze verify passes"

grep -qx 'EnvironmentFile=/etc/benchfs/%i.conf' "$unit" || fail "the instance's file is not /etc/benchfs/%i.conf"
grep -qx 'Type=notify' "$unit" || fail "Type is not notify"
grep -qx 'KillMode=mixed' "$unit" || fail "KillMode is not mixed: SIGTERM would reach the benchmark too"
grep -qx 'Restart=on-failure' "$unit" || fail "no Restart=on-failure"
# An option giving the service its own mount namespace would hide the mount.
if grep -Eq '^(ProtectSystem|ProtectHome|PrivateTmp|PrivateDevices|PrivateMounts|ReadWritePaths|ReadOnlyPaths|NoNewPrivileges|SystemCallFilter)=' "$unit"; then
	fail "the unit has an option that breaks the mount: $(grep -E '^(Protect|Private|NoNew|SystemCall|Read)' "$unit")"
fi

# expand_exec LINE INSTANCE: LINE's words as systemd passes them, one a line:
# %i is the instance, a word $VAR is VAR split at blanks (none when empty), and
# ${VAR} within a word is VAR's value.
expand_exec() {
	local word var
	for word in ${1//%i/$2}; do
		if [[ $word =~ ^\$([A-Za-z_][A-Za-z0-9_]*)$ ]]; then
			var=${BASH_REMATCH[1]}
			# shellcheck disable=SC2086
			[ -z "${!var:-}" ] || printf '%s\n' ${!var}
			continue
		fi
		while [[ $word =~ \$\{([A-Za-z_][A-Za-z0-9_]*)\} ]]; do
			var=${BASH_REMATCH[1]}
			word=${word//\$\{$var\}/${!var:-}}
		done
		printf '%s\n' "$word"
	done
}

# The unit's environment: Environment= first, then the instance's file,
# which wins (as in systemd); a file here stands for /etc/benchfs/ci.conf.
cat > "$T/ci.conf" <<CONF
# ci's instance
BENCHFS_REPO=$REPO
BENCHFS_MOUNTPOINT=$MNT
BENCHFS_DATA=$T/state/data
BENCHFS_OPTIONS=--data-mode 0750 -o default_permissions
CONF
mkdir -p "$T/state"
# systemd's side of Type=notify: each message a line, READY=1 with whether
# the tree was mounted when it came.
python3 - "$T/notify" "$MNT" > "$T/notified" <<'PY2' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(120)
while True:
    msg = s.recv(4096).decode()
    if msg == "READY=1":
        msg += " mounted" if os.path.ismount(sys.argv[2]) else " not-mounted"
    print(msg, flush=True)
    if msg.startswith("STOPPING=1"):
        break
PY2
notify_pid=$!
for _ in $(seq 50); do [ -S "$T/notify" ] && break; sleep 0.1; done
(
	export NOTIFY_SOCKET="$T/notify"
	while IFS= read -r line; do
		line=${line//%i/ci}
		export "${line#Environment=}"
	done < <(grep '^Environment=' "$unit")
	while IFS= read -r line; do
		case "$line" in '#'* | '') continue ;; esac
		export "$line"
	done < "$T/ci.conf"
	mapfile -t argv < <(expand_exec "$exec_start" ci)
	printf '%s\n' "${argv[@]}" > "$T/argv"
	argv[0]=$BENCHFS
	exec "${argv[@]}"
) >> "$T/daemon.log" 2>&1 &
DAEMON_PID=$!
for _ in $(seq 100); do
	grep -q '^READY=1' "$T/notified" && break
	kill -0 "$DAEMON_PID" 2>/dev/null || fail "the unit's ExecStart exited before it was ready: $(cat "$T/argv")"
	sleep 0.1
done
grep -q '^READY=1' "$T/notified" || fail "no READY=1 within 10 s (Type=notify)"
assert_eq "$(grep '^READY=1' "$T/notified")" "READY=1 mounted" "the tree is mounted when benchfs says READY=1"
assert_eq "$(sed -n 2p "$T/argv")" "-f" "ExecStart keeps benchfs in the foreground (Type=exec)"
assert_eq "$(stat -c %a "$T/state/data")" 750 "BENCHFS_OPTIONS reached benchfs (--data-mode 0750)"
echo HEAD > "$MNT/queue"
wait_status 000001 '^done' 60
ok "the unit's ExecStart mounts and measures: $(tr '\n' ' ' < "$T/argv")"

# systemctl stop: SIGTERM to benchfs alone (KillMode=mixed); it unmounts and exits 0.
kill -TERM "$DAEMON_PID"
st=0
wait "$DAEMON_PID" || st=$?
DAEMON_PID=
assert_eq "$st" 0 "benchfs's exit status after SIGTERM"
wait "$notify_pid" || fail "no STOPPING=1 after SIGTERM: $(cat "$T/notified")"
! mountpoint -q "$MNT" || fail "still mounted after SIGTERM"
ok "SIGTERM unmounts and exits 0"

# --- An fstab line: mount(8) runs mount.fuse3, which runs benchfs from PATH.
mkdir -p "$T/bin"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$BENCHFS" > "$T/bin/benchfs"
chmod +x "$T/bin/benchfs"
mkdir -p /usr/local/sbin
mount --bind "$T/bin" /usr/local/sbin || fail "cannot bind $T/bin over /usr/local/sbin"

# The lock file names the daemon mount.fuse3 left behind: the cleanup's to stop.
daemon_of() {
	DAEMON_PID=$(head -1 "$1/lock" 2>/dev/null || true)
}

# The fstab mount's data directory is a new one, with a store of its own:
# under PostgreSQL a database of its own, named on the line (store=), as a
# mount started by the system has no BENCHFS_STORE.
fstore=$(other_store fstab)
printf '%s %s fuse.benchfs %s 0 0\n' "$REPO" "$MNT" \
	"noauto,nofail,_netdev,x-systemd.automount,x-systemd.requires=network.target,comment=ci,data=$T/fdata,${fstore:+store=$fstore,}data-mode=0750,default_permissions,allow_other,nodev,nosuid" \
	> "$T/fstab"
mount -T "$T/fstab" "$MNT" > "$T/mount.out" 2>&1 || fail "mount -T: $(cat "$T/mount.out")"
daemon_of "$T/fdata"
mountpoint -q "$MNT" || fail "mount -T returned but nothing is mounted"
grep " $MNT fuse.benchfs " /proc/mounts | grep -q allow_other || fail "FUSE's allow_other is lost: $(grep " $MNT " /proc/mounts)"
assert_eq "$(stat -c %a "$T/fdata")" 750 "data-mode= in fstab"
[ -e "$MNT/runs/000001" ] && fail "the fstab mount reads the unit's data directory"
cat "$MNT/README" > /dev/null || fail "the tree is not readable"
echo HEAD > "$MNT/queue"
wait_status 000001 '^done' 60
ok "fstab: mounted through mount.fuse3, a run queued and done"
# mount -a knows the line is mounted (the source is the mount's name): it
# neither mounts it again nor fails (noauto would make it skip the line).
sed 's/noauto,//' "$T/fstab" > "$T/fstab-auto"
mount -a -T "$T/fstab-auto" > "$T/mount.out" 2>&1 || fail "mount -a on a mounted line: $(cat "$T/mount.out")"
assert_eq "$(grep -c " $MNT fuse.benchfs " /proc/mounts)" 1 "benchfs mounts at $MNT after mount -a"
grep -q "^$REPO $MNT fuse.benchfs " /proc/mounts || fail "the source is not the mount's name: $(grep " $MNT " /proc/mounts)"
ok "mount -a leaves a mounted line alone"
umount "$MNT" || fail "umount $MNT"
for _ in $(seq 50); do
	kill -0 "$DAEMON_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$DAEMON_PID" 2>/dev/null && fail "benchfs $DAEMON_PID still runs after umount"
DAEMON_PID=
ok "umount ends the daemon"

# A wrong option: refused with status 2 before the data directory is made.
printf '%s %s fuse.benchfs noauto,data=%s,bogus=1 0 0\n' "$REPO" "$MNT" "$T/bad" > "$T/fstab"
st=0
mount -T "$T/fstab" "$MNT" > "$T/mount.out" 2>&1 || st=$?
daemon_of "$T/bad"
! mountpoint -q "$MNT" || fail "mounted with an unknown option"
[ "$st" != 0 ] || fail "mount -T with an unknown option succeeded"
grep -q "unknown option.*bogus=1" "$T/mount.out" || fail "no clear message: $(cat "$T/mount.out")"
[ ! -e "$T/bad" ] || fail "the data directory was made before the options were judged"
st=0
"$BENCHFS" "$REPO" "$MNT" -o "data=$T/bad,data_mode=0750" > "$T/out" 2>&1 || st=$?
assert_eq "$st" 2 "benchfs with an unknown -o option"
st=0
"$BENCHFS" "$REPO" "$MNT" -o "repo=$REPO" > "$T/out" 2>&1 || st=$?
assert_eq "$st" 2 "the repository both as SOURCE and repo="
grep -q "given twice" "$T/out" || fail "no clear message: $(cat "$T/out")"
st=0
"$BENCHFS" "$REPO" "$MNT" extra > "$T/out" 2>&1 || st=$?
assert_eq "$st" 2 "a third argument"
ok "wrong options refused with status 2"
