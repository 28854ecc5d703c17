#!/usr/bin/env bash
# The man pages render without a groff warning, have the sections they must, and agree with
# --help: tcpchatd(8) documents exactly the options of `tcpchatd --help`, tcpchatd.conf(5)
# exactly its settings with their real defaults, tcpchat(1) exactly the options of
# `tcpchat --help`.
# Usage: man_pages.sh MAN_DIR TCPCHATD TCPCHAT
# shellcheck source=tests/service/lib.sh
. "$(dirname "$0")/lib.sh"
man_dir=$1 tcpchatd=$2 tcpchat=$3
make_work_dir

# The roff lines of section $2 (".SH NAME") of page $1 that follow a .TP, with \- as -.
tagged_lines() {
  awk -v section="$2" '
    /^\.SH / { in_section = ($0 == ".SH " section) }
    in_section && previous == ".TP" { print }
    { previous = $0 }' "$1" | sed 's/\\-/-/g'
}
# The first long option on each line.
first_option() { awk 'match($0, /--[a-z][a-z-]*/) { print substr($0, RSTART + 2, RLENGTH - 2) }'; }

for page in tcpchatd.8 tcpchatd.conf.5 tcpchat.1; do
  warnings=$(LC_ALL=C.UTF-8 groff -man -ww -z -Tutf8 "$man_dir/$page" 2>&1)
  [ -z "$warnings" ] || fail "groff warns about $page: $warnings"
done
for section in SYNOPSIS DESCRIPTION OPTIONS SIGNALS 'EXIT STATUS' FILES 'SEE ALSO'; do
  grep -qxF ".SH $section" "$man_dir/tcpchatd.8" || fail "tcpchatd(8) has no $section section"
done

"$tcpchatd" --help >"$work/tcpchatd.help"
same_lists "options of tcpchatd --help and tcpchatd(8)" "$(help_options "$work/tcpchatd.help")" \
  "$(tagged_lines "$man_dir/tcpchatd.8" OPTIONS | first_option | sort)"

# tcpchatd.conf(5) tags are ".BI "name = " VALUE"; each entry ends with a "Default: VALUE." line.
tagged_lines "$man_dir/tcpchatd.conf.5" SETTINGS | sed -n -E 's/^\.BI? "([a-z][a-z-]*) =.*/\1/p' |
  sort >"$work/conf5.settings"
same_lists "settings of tcpchatd --help and tcpchatd.conf(5)" \
  "$(help_options "$work/tcpchatd.help" Settings)" "$(cat "$work/conf5.settings")"
awk '
  /^\.SH / { in_section = ($0 == ".SH SETTINGS") }
  in_section && previous == ".TP" { name = $0; sub(/^\.BI? "/, "", name); sub(/ =.*/, "", name) }
  in_section && /^Default: / {
    value = substr($0, 10); sub(/ \(.*/, "", value); sub(/\.$/, "", value)
    if (value == "none") value = ""
    print name " = " value
  }
  { previous = $0 }' "$man_dir/tcpchatd.conf.5" | sed 's/\\-/-/g; s/ *$//' | sort >"$work/conf5.defaults"
"$tcpchatd" --check-config 2>/dev/null | grep -v '^#' | sed 's/ *$//' | sort >"$work/defaults"
same_lists "defaults of tcpchatd --check-config and tcpchatd.conf(5)" "$(cat "$work/defaults")" \
  "$(cat "$work/conf5.defaults")"

"$tcpchat" --help >"$work/tcpchat.help"
same_lists "options of tcpchat --help and tcpchat(1)" "$(help_options "$work/tcpchat.help")" \
  "$(tagged_lines "$man_dir/tcpchat.1" OPTIONS | first_option | sort)"
