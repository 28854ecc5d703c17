#!/usr/bin/env bash
# Fixture of the package tests: builds the Debian package from the build tree with cpack into OUT,
# unpacks its files into OUT/root and its control files into OUT/control.
# Usage: package.sh BUILD_DIR OUT VERSION
# shellcheck source=tests/service/lib.sh
. "$(dirname "$0")/lib.sh"
build=$1 out=$2 version=$3

rm -rf "$out"
timeout 240 cpack -G DEB --config "$build/CPackConfig.cmake" -B "$out"
deb="$out/tcpchat_${version}_$(dpkg --print-architecture).deb"
[ -f "$deb" ] || fail "cpack did not write $deb: $(ls "$out")"
dpkg-deb -x "$deb" "$out/root"
dpkg-deb -e "$deb" "$out/control"
ln -s "$(basename "$deb")" "$out/tcpchat.deb"
