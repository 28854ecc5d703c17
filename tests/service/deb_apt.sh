#!/usr/bin/env bash
# apt accepts the package and resolves its Depends on this system: `apt-get --simulate`, which
# installs nothing, for the `apt install ./tcpchat_*.deb` that docs/operations.md shows.
# Usage: deb_apt.sh PACKAGE_DIR
# shellcheck source=tests/service/lib.sh
. "$(dirname "$0")/lib.sh"
deb=$(readlink -f "$1/tcpchat.deb")

out=$(timeout 120 apt-get --simulate --no-install-recommends install "$deb" 2>&1) ||
  fail "apt-get --simulate install $deb failed: $out"
echo "$out"
# Where this very version is installed already, apt has nothing to do and says so.
grep -q -e '^Inst tcpchat ' -e '^tcpchat is already the newest version' <<<"$out" ||
  fail "apt-get would not install tcpchat"
