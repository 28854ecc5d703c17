# shellcheck shell=bash
# A fresh cluster for one run of run-comparison.sh: redis-server with its append-only file fsync'ed
# always (as docs/operations.md tells production), and tcpchatd nodes joined through it, all pinned
# to CPU 0 (the bench goes on CPU 1).

# free_port: a loopback port the kernel would give now (redis-server takes no port 0).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for_line FILE TEXT PID: true once FILE holds TEXT, false if PID exits or 10 s pass first.
wait_for_line() {
  local i
  for i in $(seq 100); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$3" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# start_cluster DIR REDIS_PORT NODES DAEMON [NODE OPTION...]: redis-server on REDIS_PORT with its
# data in DIR/redis, then NODES `DAEMON --port 0 --cluster redis://127.0.0.1:REDIS_PORT --monitor
# 127.0.0.1:0 NODE OPTION...`, each waited for until it listens (a node listens once its link to
# Redis is settled). Logs in DIR. Sets CLUSTER_REDIS_PID, CLUSTER_NODE_PIDS, CLUSTER_PORTS (comma
# separated, for tcpchat-bench --ports) and CLUSTER_MONITORS (the nodes' /metrics URLs). False,
# with a sentence on stderr and nothing left running, when a part does not come up in 10 s.
start_cluster() {
  local dir=$1 redis_port=$2 nodes=$3 daemon=$4 i log port
  shift 4
  CLUSTER_NODE_PIDS=() CLUSTER_PORTS='' CLUSTER_MONITORS=()
  mkdir -p "$dir/redis"
  if (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null; then
    echo "port $redis_port is already in use: not starting redis-server (CLUSTER_REDIS_PORT)" >&2
    return 1
  fi
  taskset -c 0 redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$dir/redis" --save "" \
    --appendonly yes --appendfsync always --daemonize no >"$dir/redis.log" 2>&1 </dev/null &
  CLUSTER_REDIS_PID=$!
  if ! wait_for_line "$dir/redis.log" "Ready to accept" "$CLUSTER_REDIS_PID"; then
    echo "redis-server did not start on port $redis_port: $(tail -n 2 "$dir/redis.log")" >&2
    stop_cluster
    return 1
  fi
  for i in $(seq "$nodes"); do
    log="$dir/node$i.log"
    taskset -c 0 "$daemon" --port 0 --cluster "redis://127.0.0.1:$redis_port" \
      --monitor 127.0.0.1:0 "$@" >"$log" 2>&1 </dev/null &
    CLUSTER_NODE_PIDS+=("$!")
    # The monitor's line comes after the chat port's.
    if ! wait_for_line "$log" "monitor: serving http://" "$!"; then
      echo "cluster node $i did not start listening: $(tail -n 2 "$log")" >&2
      stop_cluster
      return 1
    fi
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -n 1)
    CLUSTER_PORTS+="${CLUSTER_PORTS:+,}$port"
    CLUSTER_MONITORS+=("$(sed -n 's#.*monitor: serving \(http://[0-9.]*:[0-9]*/\).*#\1#p' "$log" |
      head -n 1)metrics")
  done
}

# cpu_ticks PID...: their user + system CPU time so far, in clock ticks (getconf CLK_TCK).
cpu_ticks() {
  local pid total=0
  for pid in "$@"; do
    # Past the command name in parentheses, utime and stime are the 12th and 13th fields.
    total=$((total + $(sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')))
  done
  echo "$total"
}

# cluster_append_metrics: the nodes' tcpchat_cluster_append_seconds (a message's arrival at its
# node to its reading back from the stream) summed over the nodes, as JSON fields:
# "append_count":N,"append_mean_ms":X,"append_p99_le_ms":Y (the bucket bound the 99th percentile
# is under).
cluster_append_metrics() {
  local url
  for url in "${CLUSTER_MONITORS[@]}"; do curl -sf --max-time 5 "$url"; done | awk '
    /^tcpchat_cluster_append_seconds_bucket/ {
      le = $1; sub(/.*le="/, "", le); sub(/".*/, "", le); bucket[le] += $2; if (!(le in seen)) { seen[le] = 1; order[n++] = le } }
    /^tcpchat_cluster_append_seconds_sum/ { sum += $2 }
    /^tcpchat_cluster_append_seconds_count/ { count += $2 }
    END {
      p99 = "null"
      for (i = 0; i < n && count > 0; i++) if (bucket[order[i]] >= 0.99 * count) { p99 = order[i] == "+Inf" ? "null" : order[i] * 1000; break }
      printf "\"append_count\":%d,\"append_mean_ms\":%.3f,\"append_p99_le_ms\":%s", count, count ? 1000 * sum / count : 0, p99
    }'
}

# stop_cluster: SIGTERM to the nodes, then to redis-server, each waited for up to 10 s (then
# SIGKILL). Sets CLUSTER_NODE_EXITS to the nodes' exit statuses, space separated.
stop_cluster() {
  local pid i
  CLUSTER_NODE_EXITS=''
  for pid in "${CLUSTER_NODE_PIDS[@]}" ${CLUSTER_REDIS_PID:-}; do
    kill "$pid" 2>/dev/null
    for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    i=$?
    [ "$pid" = "${CLUSTER_REDIS_PID:-}" ] || CLUSTER_NODE_EXITS+="${CLUSTER_NODE_EXITS:+ }$i"
  done
  CLUSTER_NODE_PIDS=() CLUSTER_REDIS_PID=''
}
