#!/usr/bin/env bash
# run-comparison.sh - the measurements of docs/performance.md in one go:
#   1. ../shared/bench/run-anchors.sh: redis-server, nats-server and tcpchatd under the independent
#      fanout generator, each server fresh per run, pinned to CPU 0 and fanout to CPU 1;
#   2. tcpchat-bench --spawn on the same scenarios, pinned the same way, with message logging off
#      (--quiet) and, for S1 and S2, on; S1 also with --monitor and its /metrics and /clients
#      scraped every second (monitoring's cost, as daemon CPU per delivery against S1 quiet); S1,
#      S2 and S4 also over TLS (tcpchat-bench --tls, a fresh P-256 certificate), beside plaintext;
#   3. the cluster (issue 15), for S1 and S3L: every run a fresh redis-server (append-only, fsync
#      always, as docs/operations.md tells production) and CLUSTER_NODES tcpchatd --cluster nodes,
#      all pinned to CPU 0, under tcpchat-bench --ports on CPU 1; interleaved with S1 and S3L on
#      one node (tcpchat-bench --spawn, as in 2) and S1 of redis-server's own Pub/Sub (fanout,
#      through run-anchors.sh); results in $OUT/cluster.jsonl, rows in $OUT/cluster.md. On two
#      cores this measures the cluster's overhead, not its scale-out;
#   4. a Markdown table of the medians, $OUT/table.md (the cluster's rows under it), and the
#      light-load tail (S3L's median p50, p99 and p99.9 for each peer under fanout, with the ratios
#      to redis-server), $OUT/tail.md.
#
# The tail alone, in one command: bench/run-comparison.sh SCENARIOS=S3L BENCH=0 CLUSTER=0
# The cluster alone: bench/run-comparison.sh ANCHORS=0 BENCH=0 SCENARIOS="S1 S3L"
#
#   bench/run-comparison.sh [KEY=VALUE]...
#     BUILD=build/release             where tcpchatd and tcpchat-bench are (run from the checkout)
#     REPS=3                          runs per scenario and peer (medians are reported)
#     TAIL_REPS=5                     runs of S3L per peer: its p99.9 needs more than REPS
#     SCENARIOS="S1 S2 S3 S3L S4"
#     PEERS="redis nats tcpchat"      for run-anchors.sh
#     ANCHORS=1 BENCH=1 CLUSTER=1     0 skips that part (the table uses what $OUT holds)
#     CLUSTER_NODES=3                 tcpchatd nodes in the cluster part
#     CLUSTER_REDIS_PORT=             the cluster's redis-server port; empty: a free one, drawn
#                                     once per run of this script
#     CLUSTER_OPTS=                   more options for every node (they get --port 0 --cluster URL
#                                     --monitor 127.0.0.1:0 --quiet --max-clients 20000); the
#                                     nodes' chat and monitor ports are read from their logs
#     LOAD=                           a command kept running during the anchors, to compare the
#                                     peers on a busy machine, say a program competing for the
#                                     server's CPU half the time:
#                                     LOAD="stress-ng --cpu 1 --cpu-load 50 --cpu-load-slice 2 --taskset 0"
#     OUT=/tmp/tcpchat-perf-<time>
#     MONITOR_PORT=17005              the monitor's port in S1's monitored runs
#     REDIS_PORT NATS_PORT TCPCHAT_PORT  passed on to run-anchors.sh (17001, 17002, 17004): pick
#                                     others when someone else may be running the anchors too
# Needs redis-server and nats-server on PATH (Debian packages), python3, curl and taskset.
set -u
for kv in "$@"; do
  case "$kv" in
    *=*) export "${kv%%=*}=${kv#*=}" ;;
    *) echo "usage: $0 [KEY=VALUE]..." >&2; exit 64 ;;
  esac
done
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "$ROOT" && cd "${BUILD:-build/release}" && pwd) || exit 66
REPS=${REPS:-3}
TAIL_REPS=${TAIL_REPS:-5}
SCENARIOS=${SCENARIOS:-"S1 S2 S3 S3L S4"}
PEERS=${PEERS:-"redis nats tcpchat"}
ANCHORS=${ANCHORS:-1}
LOAD=${LOAD:-}
BENCH=${BENCH:-1}
CLUSTER=${CLUSTER:-1}
CLUSTER_NODES=${CLUSTER_NODES:-3}
CLUSTER_REDIS_PORT=${CLUSTER_REDIS_PORT:-}
read -r -a CLUSTER_OPTS <<<"${CLUSTER_OPTS:-}"
MONITOR_PORT=${MONITOR_PORT:-17005}
OUT=${OUT:-/tmp/tcpchat-perf-$(date -u +%Y%m%dT%H%M%SZ)}
ANCHORS_SCRIPT="$ROOT/../shared/bench/run-anchors.sh"
DAEMON="$BUILD/daemon/tcpchatd"
BENCH_BIN="$BUILD/bench/tcpchat-bench"
for f in "$DAEMON" "$BENCH_BIN"; do
  [ -x "$f" ] || { echo "$f is missing: build first (cmake --build --preset release)" >&2; exit 66; }
done
mkdir -p "$OUT"

{
  echo "date: $(date -u +%FT%TZ)"
  echo "commit: $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)"
  echo "cpus: $(nproc)  model: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
  echo "kernel: $(uname -r)"
  echo "loadavg at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "load during the anchors: ${LOAD:-none}"
} >"$OUT/machine.txt"

if [ "$ANCHORS" = 1 ]; then
  load_pid=
  if [ -n "$LOAD" ]; then
    sh -c "exec $LOAD" >"$OUT/load.log" 2>&1 </dev/null &
    load_pid=$!
    trap 'kill "$load_pid" 2>/dev/null' EXIT
  fi
  # S4 opens 10,000 connections: above tcpchatd's default --max-clients, as the issue asks.
  tcpchat_cmd="$DAEMON --port \$TCPCHAT_PORT --quiet --max-clients 20000"
  others=$(printf '%s\n' $SCENARIOS | grep -vx S3L | tr '\n' ' ')
  if [ -n "${others// /}" ]; then
    "$ANCHORS_SCRIPT" PEERS="$PEERS" SCENARIOS="$others" REPS="$REPS" OUT="$OUT/anchors" \
      TCPCHAT_CMD="$tcpchat_cmd" >/dev/null
  fi
  case " $SCENARIOS " in
    *" S3L "*) "$ANCHORS_SCRIPT" PEERS="$PEERS" SCENARIOS=S3L REPS="$TAIL_REPS" \
                 OUT="$OUT/anchors-tail" TCPCHAT_CMD="$tcpchat_cmd" >/dev/null ;;
  esac
  if [ -n "$load_pid" ]; then
    kill "$load_pid" 2>/dev/null
    wait "$load_pid" 2>/dev/null
  fi
fi

. "$ROOT/bench/scenarios.sh"
. "$ROOT/bench/scrape.sh"

if [ "$BENCH" = 1 ]; then
  : >"$OUT/bench.jsonl"
  for sc in $SCENARIOS; do
    variants="quiet"
    case $sc in
      S1) variants="quiet logging monitored tls" ;;
      S2) variants="quiet logging tls" ;;
      S4) variants="quiet tls" ;;
    esac
    for rep in $(seq "$REPS"); do
      for variant in $variants; do
        daemon_opts=("${BENCH_DAEMON_OPTS[@]}") bench_opts=()
        [ "$variant" = tls ] && bench_opts=(--tls)
        [ "$variant" = logging ] || daemon_opts+=(--quiet)
        if [ "$variant" = monitored ]; then
          daemon_opts+=(--monitor "127.0.0.1:$MONITOR_PORT")
          start_scraper "$OUT/scrapes.log" 1 "http://127.0.0.1:$MONITOR_PORT/metrics" \
            "http://127.0.0.1:$MONITOR_PORT/clients"
        fi
        # shellcheck disable=SC2046
        line=$("$BENCH_BIN" --spawn --daemon "$DAEMON" --daemon-cpu 0 --bench-cpu 1 --no-progress \
                 "${bench_opts[@]}" $(bench_args "$sc") --timeout 60 --json --label "$sc/$variant/$rep" \
                 -- "${daemon_opts[@]}" 2>>"$OUT/bench.stderr")
        rc=$?
        stop_scraper
        [ -n "$line" ] || line="{\"label\":\"$sc/$variant/$rep\",\"ok\":false}"
        echo "${line%\}},\"rc\":$rc,\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" | tee -a "$OUT/bench.jsonl"
        sleep 1
      done
    done
  done
fi

# The cluster part: in each round S1 on one node, on the cluster and on redis-server's Pub/Sub,
# then S3L on one node and on the cluster.
if [ "$CLUSTER" = 1 ]; then
  . "$ROOT/bench/cluster.sh"
  : >"$OUT/cluster.jsonl"
  [ -n "$CLUSTER_REDIS_PORT" ] || CLUSTER_REDIS_PORT=$(free_port)
  ticks=$(getconf CLK_TCK)
  record() {  # LINE RC EXTRA: LINE (or a failure for $label) with EXTRA fields, into cluster.jsonl
    local line=$1
    [ -n "$line" ] || line="{\"label\":\"$label\",\"ok\":false}"
    echo "${line%\}}$3,\"rc\":$2,\"loadavg\":\"$(cut -d' ' -f1-3 /proc/loadavg)\"}" |
      tee -a "$OUT/cluster.jsonl"
  }
  for rep in $(seq "$REPS"); do
    for sc in $(printf '%s\n' $SCENARIOS | grep -xE 'S1|S3L'); do
      label="$sc/one-node/$rep"
      # shellcheck disable=SC2046
      line=$("$BENCH_BIN" --spawn --daemon "$DAEMON" --daemon-cpu 0 --bench-cpu 1 --no-progress \
               $(bench_args "$sc") --timeout 60 --json --label "$label" \
               -- "${BENCH_DAEMON_OPTS[@]}" --quiet 2>>"$OUT/cluster.stderr")
      record "$line" $? ""
      sleep 1
      label="$sc/cluster/$rep"
      dir="$OUT/cluster/$sc-$rep"
      if start_cluster "$dir" "$CLUSTER_REDIS_PORT" "$CLUSTER_NODES" "$DAEMON" --quiet \
           "${BENCH_DAEMON_OPTS[@]}" "${CLUSTER_OPTS[@]}" 2>>"$OUT/cluster.stderr"; then
        nodes_before=$(cpu_ticks "${CLUSTER_NODE_PIDS[@]}")
        redis_before=$(cpu_ticks "$CLUSTER_REDIS_PID")
        # shellcheck disable=SC2046
        line=$("$BENCH_BIN" --ports "$CLUSTER_PORTS" --bench-cpu 1 --no-progress \
                 $(bench_args "$sc") --timeout 60 --json --label "$label" 2>>"$OUT/cluster.stderr")
        rc=$?
        nodes_cpu=$(( $(cpu_ticks "${CLUSTER_NODE_PIDS[@]}") - nodes_before ))
        redis_cpu=$(( $(cpu_ticks "$CLUSTER_REDIS_PID") - redis_before ))
        append=$(cluster_append_metrics)
        stop_cluster
        rm -rf "$dir/redis"  # its append-only file: some MB a run
        record "$line" "$rc" "$(awk -v n="$nodes_cpu" -v r="$redis_cpu" -v t="$ticks" \
          'BEGIN { printf ",\"nodes_cpu_s\":%.2f,\"redis_cpu_s\":%.2f", n / t, r / t }'),$append,\"node_exits\":\"$CLUSTER_NODE_EXITS\""
      else
        record "" 1 ",\"node_exits\":\"\""
      fi
      sleep 1
      [ "$sc" = S1 ] || continue
      # redis-server's own Pub/Sub, fresh, pinned the same way (run-anchors.sh: --save '' and
      # --appendonly no, as Pub/Sub keeps nothing).
      "$ANCHORS_SCRIPT" PEERS=redis SCENARIOS=S1 REPS=1 OUT="$OUT/cluster/anchors-$rep" >/dev/null
      sed "s#\"label\":\"S1/redis/1\"#\"label\":\"S1/redis-pubsub/$rep\"#" \
        "$OUT/cluster/anchors-$rep/results.jsonl" | tee -a "$OUT/cluster.jsonl"
    done
  done
fi

python3 - "$OUT" <<'EOF' | tee "$OUT/table.md"
import json, os, statistics as st, sys
out = sys.argv[1]
def load(path):
    rows = []
    if os.path.exists(path):
        for line in open(path):
            try: rows.append(json.loads(line))
            except ValueError: pass
    return rows
cells = {}  # (scenario, column) -> list of result rows
for r in (load(os.path.join(out, "anchors", "results.jsonl")) +
          load(os.path.join(out, "anchors-tail", "results.jsonl"))):
    sc, peer, _ = (r.get("label", "") + "//").split("/")[:3]
    cells.setdefault((sc, {"tcpchat": "tcpchatd (fanout)", "redis": "redis-server (fanout)",
                           "nats": "nats-server (fanout)"}.get(peer, peer)), []).append(r)
for r in load(os.path.join(out, "bench.jsonl")):
    sc, variant, _ = (r.get("label", "") + "//").split("/")[:3]
    cells.setdefault((sc, "tcpchatd (tcpchat-bench" + {"logging": ", logging on)",
                                                        "monitored": ", monitored)",
                                                        "tls": ", TLS)"}.get(variant, ")")), []).append(r)
columns = ["tcpchatd (fanout)", "redis-server (fanout)", "nats-server (fanout)",
           "tcpchatd (tcpchat-bench)", "tcpchatd (tcpchat-bench, logging on)",
           "tcpchatd (tcpchat-bench, monitored)", "tcpchatd (tcpchat-bench, TLS)"]
# scenario -> (what the table shows, the JSON keys holding it in tcpchat-bench's and fanout's
# results, how to print it)
metric = {"S1": ("delivered/s", ["delivered_per_s"], lambda v: "%.2f M" % (v / 1e6)),
          "S2": ("delivered/s", ["delivered_per_s"], lambda v: "%.2f M" % (v / 1e6)),
          "S3": ("p99", ["lat_p99_us"], lambda v: "%.2f ms" % (v / 1e3)),
          "S3L": ("p99", ["lat_p99_us"], lambda v: "%.2f ms" % (v / 1e3)),
          "S4": ("RSS per connection", ["rss_per_connection_bytes", "server_rss_per_conn_bytes"],
                 lambda v: "%.1f KB" % (v / 1e3))}
def value(r, keys):
    return next((r[k] for k in keys if r.get(k) is not None), None)
print("| scenario | " + " | ".join(columns) + " |")
print("|---|" + "---|" * len(columns))
for sc in ["S1", "S2", "S3", "S3L", "S4"]:
    what, keys, fmt = metric[sc]
    row = []
    for c in columns:
        rs = cells.get((sc, c), [])
        vals = [value(r, keys) for r in rs if r.get("ok") and value(r, keys) is not None]
        failed = sum(1 for r in rs if not r.get("ok"))
        if not vals:
            row.append("failed %d/%d" % (failed, len(rs)) if rs else "-")
            continue
        text = fmt(st.median(vals))
        if len(vals) > 1: text += " (" + fmt(min(vals)) + " to " + fmt(max(vals)) + ")"
        if failed: text += ", %d failed" % failed
        row.append(text)
    print("| %s %s | " % (sc, what) + " | ".join(row) + " |")
# Monitoring's cost: the daemon's CPU per delivery, which the machine's load moves far less than
# deliveries/s, with --monitor and scrapes against without.
def per_delivery(column, key="daemon_cpu_s", sc="S1"):
    vals = [r[key] / r["delivered"] * 1e9 for r in cells.get((sc, column), [])
            if r.get("ok") and r.get(key) and r.get("delivered")]
    return st.median(vals) if vals else None
cpu_per_delivery = per_delivery
quiet = cpu_per_delivery("tcpchatd (tcpchat-bench)")
monitored = cpu_per_delivery("tcpchatd (tcpchat-bench, monitored)")
if quiet and monitored:
    scrapes = os.path.join(out, "scrapes.log")
    n = sum(1 for _ in open(scrapes)) if os.path.exists(scrapes) else 0
    print()
    print("S1 daemon CPU per delivery: %.1f ns quiet, %.1f ns monitored and scraped every second "
          "(%d scrapes answered): monitored/quiet %.3f" % (quiet, monitored, n, monitored / quiet))
# TLS beside plaintext: the daemon's and the generator's CPU per delivery (the generator decrypts
# what the daemon encrypts), deliveries/s, and memory per idle connection.
plain_col, tls_col = "tcpchatd (tcpchat-bench)", "tcpchatd (tcpchat-bench, TLS)"
def median_of(sc, column, key):
    vals = [r[key] for r in cells.get((sc, column), []) if r.get("ok") and r.get(key) is not None]
    return st.median(vals) if vals else None
for sc in ["S1", "S2"]:
    d_plain, d_tls = per_delivery(plain_col, sc=sc), per_delivery(tls_col, sc=sc)
    b_plain, b_tls = per_delivery(plain_col, "bench_cpu_s", sc), per_delivery(tls_col, "bench_cpu_s", sc)
    r_plain, r_tls = median_of(sc, plain_col, "delivered_per_s"), median_of(sc, tls_col, "delivered_per_s")
    if d_plain and d_tls and r_plain and r_tls:
        print()
        print("%s over TLS: daemon CPU per delivery %.1f ns against %.1f ns plaintext (%.2fx), "
              "generator %.1f ns against %.1f ns (%.2fx); deliveries/s %.2f M against %.2f M (%.0f %%)"
              % (sc, d_tls, d_plain, d_tls / d_plain, b_tls, b_plain, b_tls / b_plain,
                 r_tls / 1e6, r_plain / 1e6, 100 * r_tls / r_plain))
m_plain = median_of("S4", plain_col, "rss_per_connection_bytes")
m_tls = median_of("S4", tls_col, "rss_per_connection_bytes")
if m_plain and m_tls:
    print()
    print("S4 over TLS: %.0f B per idle connection against %.0f B plaintext" % (m_tls, m_plain))
EOF
python3 "$ROOT/bench/cluster_table.py" "$OUT" | tee "$OUT/cluster.md" | tee -a "$OUT/table.md"
echo
python3 "$ROOT/bench/tail_table.py" "$OUT" | tee "$OUT/tail.md"
echo "results in $OUT" >&2
