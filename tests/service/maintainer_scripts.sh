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

# postinst warns, and still succeeds, when the conffile listens beyond loopback without
# authentication, which the daemon refuses to start with; DPKG_ROOT points it at a scratch /etc.
mkdir -p "$work/root/etc/tcpchat"
# warning_of CONFIG-LINE...: what postinst configure says on stderr with that conffile.
warning_of() {
  printf '%s\n' "$@" >"$work/root/etc/tcpchat/tcpchatd.conf"
  { DPKG_ROOT=$work/root WAS_ENABLED=yes PATH="$work/bin:$PATH" \
    sh "$scripts/postinst" configure 0.0.9 >/dev/null; } 2>&1 || fail "postinst failed with: $*"
}
# expect_warning ADDRESS CONFIG-LINE...: postinst names ADDRESS, the refusal and both fixes.
expect_warning() {
  local address=$1 out
  shift
  out=$(warning_of "$@")
  [[ $out == *"binds $address without"*"refuses to start"*"auth-file = "*"allow-anonymous = true"* ]] ||
    fail "postinst does not warn that the service will not start with: $* (it says: $out)"
}
expect_no_warning() {
  local out
  out=$(warning_of "$@")
  [ -z "$out" ] || fail "postinst warns with: $* (it says: $out)"
}
expect_warning 0.0.0.0 "bind = 0.0.0.0"
expect_warning :: "bind = ::  # every interface" "allow-anonymous = false"
expect_warning 192.0.2.10 "bind = 127.0.0.1" "bind = 192.0.2.10" "auth-file ="
expect_warning 2001:db8::10 "tls-bind = 2001:db8::10" "tls-port = 9443" "bind = 127.0.0.1"
expect_no_warning "#bind = 127.0.0.1"
expect_no_warning "bind = 127.0.0.2" "bind = ::1"
expect_no_warning "bind = 0.0.0.0" "auth-file = /var/lib/tcpchat/auth"
expect_no_warning "bind = ::" "allow-anonymous = true"
expect_no_warning "bind = ::" "names-from-certificate = true" "tls-verify-clients = require"
expect_no_warning "tls-bind = ::"
expect_no_warning
