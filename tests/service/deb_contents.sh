#!/usr/bin/env bash
# The package holds the binaries, the units, the conffile, the man pages and the copyright file,
# at the Debian paths, and nothing under /usr/local or /usr/etc.
# Usage: deb_contents.sh PACKAGE_DIR UNIT_DIR
# shellcheck source=tests/service/lib.sh
. "$(dirname "$0")/lib.sh"
deb=$1/tcpchat.deb unit_dir=$2

listing=$(dpkg-deb -c "$deb")
echo "$listing"
expected=(
  "-rwxr-xr-x root/root ./usr/bin/tcpchatd"
  "-rw-r--r-- root/root .$unit_dir/tcpchatd.service"
  "-rw-r--r-- root/root .$unit_dir/tcpchatd.socket"
  "-rw-r--r-- root/root ./etc/tcpchat/tcpchatd.conf"
  "-rw-r--r-- root/root ./usr/share/man/man8/tcpchatd.8.gz"
  "-rw-r--r-- root/root ./usr/share/man/man5/tcpchatd.conf.5.gz"
  "-rw-r--r-- root/root ./usr/share/doc/tcpchat/copyright"
  "-rwxr-xr-x root/root ./usr/bin/tcpchat"
  "-rw-r--r-- root/root ./usr/share/man/man1/tcpchat.1.gz"
)
# Mode, owner and path of every file: dpkg-deb -c prints size, date and time between them.
files=$(awk '{ print $1, $2, $6 }' <<<"$listing")
for entry in "${expected[@]}"; do
  grep -qxF -- "$entry" <<<"$files" || fail "the package lacks: $entry"
done
if grep -E ' \./usr/(local|etc)/' <<<"$files"; then
  fail "the package installs under /usr/local or /usr/etc"
fi
# tcpchat --tls verifies against the system's CAs; libssl comes from shlibdeps.
recommends=$(dpkg-deb -f "$deb" Recommends)
grep -qw ca-certificates <<<"$recommends" || fail "the package does not recommend ca-certificates: $recommends"
grep -qw 'libssl3' <<<"$(dpkg-deb -f "$deb" Depends)" || fail "the package does not depend on libssl3"
