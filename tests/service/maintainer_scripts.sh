#!/usr/bin/env bash
# The package's maintainer scripts, run by /bin/sh against stand-ins for deb-systemd-helper,
# deb-systemd-invoke and systemctl that record their arguments (nothing on this machine
# changes): a first install enables and starts the service, an upgrade keeps the administrator's
# choice and restarts it, a removal stops the socket and the service, a purge forgets both.
# Starting, stopping and reloading happen only where systemd runs (/run/systemd/system), as on
# a real host; the expectations follow this machine.
# Usage: maintainer_scripts.sh SCRIPT_DIR
# shellcheck source=tests/service/lib.sh
. "$(dirname "$0")/lib.sh"
scripts=$1
make_work_dir

for script in postinst prerm postrm; do
  sh -n "$scripts/$script" || fail "$script is not valid sh"
done

mkdir "$work/bin"
for tool in deb-systemd-helper deb-systemd-invoke systemctl; do
  cat >"$work/bin/$tool" <<STUB
#!/bin/sh
echo "$tool \$*" >>"$work/calls"
# was-enabled answers from WAS_ENABLED, as deb-systemd-helper answers from its state files.
[ "\$2" != was-enabled ] || [ "\$WAS_ENABLED" = yes ]
STUB
  chmod +x "$work/bin/$tool"
done

# run SCRIPT ARGS... prints the calls the script made.
run() {
  : >"$work/calls"
  PATH="$work/bin:$PATH" sh "$scripts/$1" "${@:2}" || fail "$1 ${*:2} failed"
  cat "$work/calls"
}
systemd_running=no
[ -d /run/systemd/system ] && systemd_running=yes
# expect WHAT ACTUAL EXPECTED-LINES...: the calls, with those needing systemd only where it runs.
expect() {
  local what=$1 actual=$2 expected="" line
  shift 2
  for line in "$@"; do
    case $line in
      systemd:*) [ "$systemd_running" = yes ] && expected+="${line#systemd:}"$'\n' ;;
      *) expected+="$line"$'\n' ;;
    esac
  done
  same_lists "calls of $what" "${expected%$'\n'}" "$actual"
}

expect "postinst on a first install" "$(WAS_ENABLED=yes run postinst configure '')" \
  "deb-systemd-helper --quiet was-enabled tcpchatd.service" \
  "deb-systemd-helper enable tcpchatd.service" \
  "systemd:systemctl --system daemon-reload" \
  "systemd:deb-systemd-invoke start tcpchatd.service"
expect "postinst on an upgrade of a disabled service" "$(WAS_ENABLED=no run postinst configure 0.0.9)" \
  "deb-systemd-helper --quiet was-enabled tcpchatd.service" \
  "deb-systemd-helper update-state tcpchatd.service" \
  "systemd:systemctl --system daemon-reload" \
  "systemd:deb-systemd-invoke restart tcpchatd.service"
expect "prerm on an upgrade" "$(run prerm upgrade 0.2.0)"
expect "prerm on removal" "$(run prerm remove)" \
  "systemd:deb-systemd-invoke stop tcpchatd.socket tcpchatd.service"
expect "postrm on removal" "$(run postrm remove)" "systemd:systemctl --system daemon-reload"
expect "postrm on purge" "$(run postrm purge)" \
  "deb-systemd-helper purge tcpchatd.service tcpchatd.socket"
