# Shared by the service tests.
# shellcheck shell=bash
set -euo pipefail

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Sets $work to a directory removed when the test exits.
make_work_dir() {
  work=$(mktemp -d "${TMPDIR:-/tmp}/tcpchat-service.XXXXXX")
  trap 'rm -rf "$work"' EXIT
}

# Fails unless the lists $2 and $3 (one item a line) are equal, showing how; $1 names them.
same_lists() {
  [ "$2" = "$3" ] && return 0
  echo "$1 differ (< first, > second):" >&2
  diff <(echo "$2") <(echo "$3") >&2 || true
  fail "$1 differ"
}

# The long options that `PROGRAM --help` (file $1) defines, sorted; with $2, only those of the
# section whose title line starts with $2 ("Settings").
help_options() {
  awk -v section="${2:-}" '
    /^[A-Z].*:$/ { in_section = (section == "" || index($0, section) == 1); next }
    in_section || section == "" { print }' "$1" |
    sed -n -E 's/^  (-[a-zA-Z] \[ )?--([a-z][a-z-]*).*/\2/p' | sort
}

# The value of the unit setting $2 in unit file $1 (the last assignment wins, as in systemd).
unit_setting() {
  sed -n "s/^$2=//p" "$1" | tail -n 1
}
