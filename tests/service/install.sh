#!/usr/bin/env bash
# `cmake --install` (into a DESTDIR, never this machine's root): the binaries, units, config file
# and man pages land where they should, the unit names the binary and config file of the prefix
# actually installed to, and an existing config file is kept.
# Usage: install.sh BUILD_DIR UNIT_DIR
# shellcheck source=tests/service/lib.sh
. "$(dirname "$0")/lib.sh"
build=$1 unit_dir=$2
make_work_dir

# install_to NAME [--prefix PREFIX]: installs into $work/NAME, prints cmake's output.
install_to() {
  local destdir=$work/$1
  shift
  DESTDIR=$destdir timeout 120 cmake --install "$build" "$@"
}

# check_install DESTDIR PREFIX BINDIR CONFIG: the files, and the unit naming BINDIR/tcpchatd
# and CONFIG, which exist in DESTDIR.
check_install() {
  local destdir=$1 prefix=$2 bindir=$3 config=$4 units=$unit_dir
  [[ $units = /* ]] || units=$prefix/$units
  local files=(
    "$bindir/tcpchatd" "$units/tcpchatd.service" "$units/tcpchatd.socket" "$config"
    "$prefix/share/man/man8/tcpchatd.8.gz" "$prefix/share/man/man5/tcpchatd.conf.5.gz"
    "$bindir/tcpchat" "$prefix/share/man/man1/tcpchat.1.gz"
  )
  for file in "${files[@]}"; do
    [ -f "$destdir$file" ] || fail "--prefix $prefix: $file is not installed"
  done
  local exec_start
  exec_start=$(unit_setting "$destdir$units/tcpchatd.service" ExecStart)
  [ "$exec_start" = "$bindir/tcpchatd --config $config" ] ||
    fail "--prefix $prefix: ExecStart=$exec_start, not $bindir/tcpchatd --config $config"
  echo "--prefix $prefix: ExecStart=$exec_start"
}

install_to usr --prefix /usr
check_install "$work/usr" /usr /usr/bin /etc/tcpchat/tcpchatd.conf

install_to opt --prefix /opt/tcpchat
check_install "$work/opt" /opt/tcpchat /opt/tcpchat/bin /etc/opt/tcpchat/tcpchat/tcpchatd.conf

install_to local --prefix /usr/local
check_install "$work/local" /usr/local /usr/local/bin /usr/local/etc/tcpchat/tcpchatd.conf

# A second install keeps the administrator's config file.
echo "port = 9998" >>"$work/usr/etc/tcpchat/tcpchatd.conf"
out=$(install_to usr --prefix /usr)
grep -q "Keeping: $work/usr/etc/tcpchat/tcpchatd.conf" <<<"$out" || fail "no 'Keeping' line in: $out"
[ "$(tail -n 1 "$work/usr/etc/tcpchat/tcpchatd.conf")" = "port = 9998" ] ||
  fail "a second install replaced the edited config file"
