#!/usr/bin/env bash
# The packaged units: the service runs the packaged binary with the packaged config file and has
# the settings issue 5 asks for; `systemd-analyze verify` accepts both units without a word, and
# `systemd-analyze security --offline=yes` rates the service 1.2 or lower.
# systemd is not PID 1 here, so the units are checked offline: verify needs ExecStart's binary
# to exist, so a copy of the service names the unpacked one, and MANPATH the unpacked man pages
# (for Documentation=).
# Usage: units.sh PACKAGE_DIR UNIT_DIR
# shellcheck source=tests/service/lib.sh
. "$(dirname "$0")/lib.sh"
root=$1/root unit_dir=$2
service=$root$unit_dir/tcpchatd.service socket=$root$unit_dir/tcpchatd.socket
max_exposure=1.2

# What the service runs: the packaged binary, the packaged conffile.
exec_start="/usr/bin/tcpchatd --config /etc/tcpchat/tcpchatd.conf"
[ "$(unit_setting "$service" ExecStart)" = "$exec_start" ] ||
  fail "ExecStart=$(unit_setting "$service" ExecStart), not $exec_start"
[ -x "$root/usr/bin/tcpchatd" ] || fail "the package lacks /usr/bin/tcpchatd"
[ -f "$root/etc/tcpchat/tcpchatd.conf" ] || fail "the package lacks /etc/tcpchat/tcpchatd.conf"

expect() {
  [ "$(unit_setting "$1" "$2")" = "$3" ] || fail "$(basename "$1"): $2=$(unit_setting "$1" "$2"), not $3"
}
expect "$service" Type notify
# shellcheck disable=SC2016 # $MAINPID is systemd's, not ours
expect "$service" ExecReload '/bin/kill -HUP $MAINPID'
expect "$service" Restart on-failure
expect "$service" RestartPreventExitStatus "64 66 77 78"
expect "$service" DynamicUser yes
expect "$service" StateDirectory tcpchat
expect "$service" Documentation "man:tcpchatd(8) man:tcpchatd.conf(5)"
[ -n "$(unit_setting "$service" WatchdogSec)" ] || fail "no WatchdogSec="
expect "$socket" ListenStream 127.0.0.1:9999

# The daemon needs --max-clients + 64 descriptors; the unit must allow them for the default.
max_clients=$("$root/usr/bin/tcpchatd" --check-config 2>/dev/null | sed -n 's/^max-clients = //p')
expect "$service" LimitNOFILE $((max_clients + 64))

make_work_dir
sed "s|^ExecStart=/usr/bin/tcpchatd --config /etc/|ExecStart=$root/usr/bin/tcpchatd --config $root/etc/|" \
  "$service" >"$work/tcpchatd.service"
cp "$socket" "$work/tcpchatd.socket"

status=0
out=$(MANPATH=$root/usr/share/man timeout 60 systemd-analyze verify \
  "$work/tcpchatd.service" "$work/tcpchatd.socket" 2>&1) || status=$?
if [ "$status" -ne 0 ] || [ -n "$out" ]; then
  fail "systemd-analyze verify (status $status) says: $out"
fi
echo "systemd-analyze verify: both units accepted, no warning"

out=$(timeout 60 systemd-analyze security --offline=yes "$work/tcpchatd.service" 2>&1) ||
  fail "systemd-analyze security failed: $out"
exposure=$(sed -n -E 's/.*Overall exposure level for tcpchatd\.service: ([0-9]+\.[0-9]+).*/\1/p' <<<"$out")
[ -n "$exposure" ] || fail "no overall exposure level in: $out"
echo "systemd-analyze security --offline=yes: exposure $exposure (at most $max_exposure)"
awk -v e="$exposure" -v max="$max_exposure" 'BEGIN { exit !(e <= max) }' || {
  echo "$out" >&2
  fail "exposure level $exposure is over $max_exposure"
}
