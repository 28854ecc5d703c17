#!/usr/bin/env bash
# The package's control data: name, version, architecture, section, maintainer, a Depends from
# dpkg-shlibdeps with the Boost libraries (and libsystemd when the daemon links it), the config
# file as a conffile, and the maintainer scripts.
# Usage: deb_control.sh PACKAGE_DIR VERSION WITH_SYSTEMD(ON|OFF)
# shellcheck source=tests/service/lib.sh
. "$(dirname "$0")/lib.sh"
dir=$1 version=$2 with_systemd=$3
deb=$dir/tcpchat.deb

dpkg-deb -I "$deb"
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = tcpchat ] || fail "Package: $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version), not $version"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] || fail "Architecture: $(field Architecture)"
[ "$(field Section)" = net ] || fail "Section: $(field Section)"
[[ "$(field Maintainer)" =~ ^[^\<]+\ \<[^@\>]+@[^\>]+\>$ ]] || fail "Maintainer: $(field Maintainer)"
[ -n "$(field Description)" ] || fail "no Description"

# "libfoo1 (>= 1.0), libbar2" -> one package name a line.
depends=$(field Depends | tr ',' '\n' | sed -E 's/^ +//; s/ .*//')
needed=(libboost-json1.81.0 libboost-program-options1.81.0 libc6 libstdc++6 init-system-helpers)
[ "$with_systemd" = ON ] && needed+=(libsystemd0)
for package in "${needed[@]}"; do
  grep -qxF "$package" <<<"$depends" || fail "Depends lacks $package: $(field Depends)"
done

[ "$(cat "$dir/control/conffiles")" = /etc/tcpchat/tcpchatd.conf ] ||
  fail "conffiles: $(cat "$dir/control/conffiles")"
for script in postinst prerm postrm; do
  [ -x "$dir/control/$script" ] || fail "no executable $script"
done
