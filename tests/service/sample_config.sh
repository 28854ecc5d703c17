#!/usr/bin/env bash
# systemd/tcpchatd.conf parses, lists every setting of `tcpchatd --help`, and the default it shows
# for each is the daemon's: uncommented, it configures exactly what no file does.
# Usage: sample_config.sh TCPCHATD SAMPLE
# shellcheck source=tests/service/lib.sh
. "$(dirname "$0")/lib.sh"
tcpchatd=$1 sample=$2
make_work_dir

"$tcpchatd" --config "$sample" --check-config >/dev/null 2>&1 || fail "$sample does not parse"

"$tcpchatd" --help >"$work/help"
# Setting lines are "#name = value"; prose comments start with "# ".
same_lists "settings of --help and of $sample" "$(help_options "$work/help" Settings)" \
  "$(sed -n -E 's/^#([a-z][a-z-]*) =.*/\1/p' "$sample" | sort)"

sed -E 's/^#([a-z])/\1/' "$sample" >"$work/uncommented.conf"
"$tcpchatd" --check-config >"$work/defaults.ini" 2>/dev/null
"$tcpchatd" --config "$work/uncommented.conf" --check-config >"$work/sample.ini" 2>/dev/null ||
  fail "$sample with its settings uncommented does not parse"
diff "$work/defaults.ini" "$work/sample.ini" || fail "$sample shows other values than the defaults"
