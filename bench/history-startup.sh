#!/usr/bin/env bash
# history-startup.sh - how long tcpchatd takes to start on a large history file, and how much of
# it it reads: the time from exec to its `listening on` line and the bytes read by then (rchar in
# /proc/PID/io), over RUNS starts, for each build given.
#
#   bench/history-startup.sh BUILD_DIR... [KEY=VALUE]...
#     FILE_MIB=64     size of the history file, MiB of 200-byte messages
#     HISTORY=100     --history, the messages kept
#     RUNS=5          starts per build, alternating between the builds; the median is printed
#
# One line per build: median milliseconds to `listening on`, median MiB read by then.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/key_values.sh"
builds=()
while [ $# -gt 0 ] && [[ $1 != *=* ]]; do builds+=("$(cd "$1" && pwd)"); shift; done
export_key_values "$@" || { sed -n '2,12p' "$0" >&2; exit 64; }
[ ${#builds[@]} -gt 0 ] || { sed -n '2,12p' "$0" >&2; exit 64; }
FILE_MIB=${FILE_MIB:-64}
HISTORY=${HISTORY:-100}
RUNS=${RUNS:-5}
for b in "${builds[@]}"; do
  [ -x "$b/daemon/tcpchatd" ] || { echo "history-startup.sh: $b/daemon/tcpchatd is missing: build it first" >&2; exit 66; }
done

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
python3 - "$dir/history.jsonl" "$FILE_MIB" <<'PY'
import sys
path, mib = sys.argv[1], int(sys.argv[2])
line = '{"client_name":"h","subject":"","message":"%s","date":"d"}\n'
with open(path, "w") as f:
    n, size = 0, 0
    while size < mib << 20:
        text = line % (str(n) + "." * 150)
        f.write(text)
        size += len(text)
        n += 1
PY

# start BUILD: prints "MILLISECONDS BYTES_READ" for one start of BUILD's tcpchatd.
start() {
  local log=$dir/log begin end pid rchar
  : >"$log"
  begin=$(date +%s%N)
  "$1/daemon/tcpchatd" --bind 127.0.0.1 --port 0 --quiet --history "$HISTORY" \
    --history-file "$dir/history.jsonl" 2>"$log" &
  pid=$!
  until grep -q "listening on" "$log"; do
    kill -0 "$pid" 2>/dev/null || { echo "history-startup.sh: tcpchatd exited: $(cat "$log")" >&2; exit 69; }
    sleep 0.001
  done
  end=$(date +%s%N)
  rchar=$(awk '/^rchar:/ { print $2 }' "/proc/$pid/io")
  kill -TERM "$pid"
  wait "$pid" || true
  echo "$(((end - begin) / 1000000)) $rchar"
}

declare -A results
for ((run = 0; run < RUNS; run++)); do
  for ((i = 0; i < ${#builds[@]}; i++)); do
    # Alternate the order, so that a drifting machine weighs on every build alike.
    b=${builds[$(((i + run) % ${#builds[@]}))]}
    results[$b]+="$(start "$b")"$'\n'
  done
done
echo "history file: $FILE_MIB MiB, --history $HISTORY, $RUNS starts per build"
for b in "${builds[@]}"; do
  printf '%s' "${results[$b]}" | python3 -c '
import statistics, sys
rows = [tuple(map(int, l.split())) for l in sys.stdin if l.strip()]
ms = statistics.median(r[0] for r in rows)
mib = statistics.median(r[1] for r in rows) / 2**20
print(f"{sys.argv[1]}: {ms:.0f} ms to listening on, {mib:.1f} MiB read")' "$b"
done
