#!/usr/bin/env bash
# cluster-commandstats.sh - what Redis spends on each command of the cluster's appends and reads:
# a fresh redis-server and three nodes of BUILD (bench/cluster.sh, pinned as run-comparison.sh
# pins them), one tcpchat-bench run of SCENARIO through them, then Redis' INFO commandstats,
# which counts the commands a script calls too. Redis' per-call times settle a before/after of
# the script that runs' CPU figures, noisier, cannot.
#
#   bench/cluster-commandstats.sh BUILD OUT [SCENARIO [SCALE]]    (S1 and 1 by default)
#     BUILD   where tcpchatd and tcpchat-bench are, e.g. build/release
#     OUT     a directory for the logs, bench.json and commandstats
#     REDIS_PORT=27046
set -u
[ $# -ge 2 ] || { sed -n '2,12p' "$0" >&2; exit 64; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$1" && pwd) || exit 66
OUT=$2 SCENARIO=${3:-S1}
export SCALE=${4:-1}
REDIS_PORT=${REDIS_PORT:-27046}
. "$ROOT/bench/cluster.sh"
. "$ROOT/bench/scenarios.sh"
mkdir -p "$OUT"
start_cluster "$OUT" "$REDIS_PORT" 3 "$BUILD/daemon/tcpchatd" --quiet --max-clients 20000 || exit 1
redis-cli -p "$REDIS_PORT" CONFIG RESETSTAT >/dev/null
# shellcheck disable=SC2046
"$BUILD/bench/tcpchat-bench" --ports "$CLUSTER_PORTS" --bench-cpu 1 --no-progress \
  $(bench_args "$SCENARIO") --timeout 60 --json >"$OUT/bench.json"
status=$?
redis-cli -p "$REDIS_PORT" INFO commandstats | grep '^cmdstat_' | sort >"$OUT/commandstats"
stop_cluster
cat "$OUT/commandstats"
exit "$status"
