#!/usr/bin/env bash
# soak.sh - a long run: MESSAGES messages through CLIENTS clients that leave and rejoin at random
# (tcpchat-bench --churn), while the daemon's memory and descriptors are sampled. Not run in CI.
#
#   bench/soak.sh [KEY=VALUE]...
#     BUILD=build/release     where tcpchatd and tcpchat-bench were built
#     MESSAGES=1000000  CLIENTS=200  PUBLISHERS=10  RATE=5000 (messages/s)  SIZE=100 (bytes)
#     CHURN=0.05              disconnects per second per client that does not publish
#     SEED=1                  seed of the disconnect times
#     SAMPLE=2                seconds between samples of /proc/PID/status and /proc/PID/fd
#     WARMUP=30               seconds into the run at which the reference RSS is taken
#     RSS_ALLOWANCE=16        MiB by which the RSS may exceed the reference, at any sample after
#                             it and once the clients are gone
#     OUT=/tmp/tcpchat-soak-<time>
#
# Passes (exit 0) when the bench's accounting is clean (nothing lost, duplicated, reordered or
# delivered outside a connected period, see docs/reliability.md), the daemon's RSS after WARMUP
# seconds of load never exceeds the RSS then by more than RSS_ALLOWANCE MiB,
# its open descriptors then are as many as before the clients came, and it exits 0 on SIGTERM.
# Exit 1 when a criterion fails, 64 for a bad argument, 66 when a binary is missing, 69 when
# tcpchatd does not start.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/key_values.sh"
export_key_values "$@" || { sed -n '2,20p' "$0" >&2; exit 64; }
BUILD=${BUILD:-$ROOT/build/release}
MESSAGES=${MESSAGES:-1000000}
CLIENTS=${CLIENTS:-200}
PUBLISHERS=${PUBLISHERS:-10}
RATE=${RATE:-5000}
SIZE=${SIZE:-100}
CHURN=${CHURN:-0.05}
SEED=${SEED:-1}
SAMPLE=${SAMPLE:-2}
WARMUP=${WARMUP:-30}
RSS_ALLOWANCE=${RSS_ALLOWANCE:-16}
OUT=${OUT:-/tmp/tcpchat-soak-$(date -u +%Y%m%dT%H%M%SZ)}
DAEMON=$BUILD/daemon/tcpchatd
BENCH=$BUILD/bench/tcpchat-bench
for f in "$DAEMON" "$BENCH"; do
  [ -x "$f" ] || { echo "soak.sh: $f is missing: build it first" >&2; exit 66; }
done
for n in MESSAGES CLIENTS PUBLISHERS RATE SIZE SAMPLE WARMUP RSS_ALLOWANCE SEED; do
  [[ ${!n} =~ ^[0-9]+$ ]] || { echo "soak.sh: $n must be a whole number (got '${!n}')" >&2; exit 64; }
done
mkdir -p "$OUT"

daemon_pid=
bench_pid=
# Only what this script started is stopped, by its pid.
cleanup() {
  [ -z "$bench_pid" ] || kill "$bench_pid" 2>/dev/null || true
  [ -z "$daemon_pid" ] || kill "$daemon_pid" 2>/dev/null || true
}
trap cleanup EXIT

"$DAEMON" --bind 127.0.0.1 --port 0 --quiet 2>"$OUT/daemon.log" &
daemon_pid=$!
port=
for _ in $(seq 100); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$OUT/daemon.log" | head -n 1)
  [ -n "$port" ] && break
  kill -0 "$daemon_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "soak.sh: tcpchatd did not start listening within 10 s; its log:" >&2
  cat "$OUT/daemon.log" >&2
  exit 69
fi

fds() { find "/proc/$daemon_pid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$daemon_pid/status" 2>/dev/null || echo 0; }
fds_start=$(fds)
echo "daemon pid $daemon_pid on 127.0.0.1:$port, $fds_start descriptors open; writing to $OUT"

"$BENCH" --port "$port" --pid "$daemon_pid" --clients "$CLIENTS" --publishers "$PUBLISHERS" \
  --messages "$MESSAGES" --rate "$RATE" --size "$SIZE" --churn "$CHURN" --seed "$SEED" \
  --timeout 60 --no-progress --json --label soak >"$OUT/bench.json" 2>"$OUT/bench.stderr" &
bench_pid=$!
start=$(date +%s)
printf 'seconds\trss_kb\tfds\n' >"$OUT/samples.tsv"
while kill -0 "$bench_pid" 2>/dev/null; do
  printf '%s\t%s\t%s\n' $(($(date +%s) - start)) "$(rss_kb)" "$(fds)" >>"$OUT/samples.tsv"
  sleep "$SAMPLE"
done
bench_status=0
wait "$bench_pid" || bench_status=$?
bench_pid=

# The daemon closes the sessions of departed clients on its next loop turns: wait, boundedly.
fds_end=$(fds)
for _ in $(seq 100); do
  [ "$fds_end" -le "$fds_start" ] && break
  sleep 0.1
  fds_end=$(fds)
done
rss_after_clients=$(rss_kb)

kill -TERM "$daemon_pid"
daemon_status=0
wait "$daemon_pid" || daemon_status=$?
daemon_pid=

python3 - "$OUT" "$bench_status" "$daemon_status" "$fds_start" "$fds_end" "$rss_after_clients" \
  "$WARMUP" "$RSS_ALLOWANCE" <<'PY' | tee "$OUT/summary.txt"
import json, sys

out, bench_status, daemon_status, fds_start, fds_end, rss_after_clients, warmup, allowance = sys.argv[1:]
bench_status, daemon_status = int(bench_status), int(daemon_status)
fds_start, fds_end, rss_after_clients = int(fds_start), int(fds_end), int(rss_after_clients)
warmup, allowance_kb = int(warmup), int(allowance) * 1024
try:
    r = json.loads(open(f"{out}/bench.json").read())
except ValueError:
    r = {"ok": False, "problems": ["tcpchat-bench wrote no result; see bench.stderr"]}
samples = []
for line in open(f"{out}/samples.tsv").read().splitlines()[1:]:
    t, rss, fds = (int(x) for x in line.split("\t"))
    if rss > 0:
        samples.append((t, rss, fds))

failures = []
def need(ok, what):
    if not ok:
        failures.append(what)

g = lambda k: r.get(k, 0) or 0
need(bench_status == 0 and r.get("ok"), f"tcpchat-bench exited {bench_status}: {r.get('problems')}")
for k in ("lost", "duplicates", "reordered", "outside_period"):
    need(g(k) == 0, f"{g(k)} deliveries {k}")
need(g("delivered") == g("expected") and g("expected") > 0,
     f"delivered {g('delivered')} of {g('expected')} owed")
reference = next((s for s in samples if s[0] >= warmup), None)
end = samples[-1] if samples else None
need(reference is not None, f"the run ended before WARMUP ({warmup} s): no reference RSS")
# An allowance in bytes, not a ratio: the RSS also holds what is queued when the bench falls
# behind (a few MB, and glibc keeps a freed heap resident), while a leak grows with the run. Over
# a million messages and 200 million deliveries, 16 MiB is 17 bytes a message or 0.1 byte a
# delivery: any real per-message, per-delivery or per-reconnect leak passes it.
if reference:
    limit = reference[1] + allowance_kb
    worst = max([s for s in samples if s[0] >= reference[0]], key=lambda s: s[1])
    need(worst[1] <= limit,
         f"RSS grew from {reference[1]} kB at {reference[0]} s to {worst[1]} kB at {worst[0]} s, "
         f"over the allowance of {allowance_kb // 1024} MiB")
    need(rss_after_clients <= limit,
         f"RSS grew from {reference[1]} kB at {reference[0]} s to {rss_after_clients} kB once the "
         f"clients left, over the allowance of {allowance_kb // 1024} MiB")
need(fds_end == fds_start, f"{fds_end} descriptors open after the run, {fds_start} before")
need(daemon_status == 0, f"tcpchatd exited {daemon_status} on SIGTERM")

print(f"messages      {g('published')} published at {r.get('rate')}/s in {g('publish_s'):.0f} s")
print(f"deliveries    {g('delivered')} of {g('expected')} owed, "
      f"{g('delivered_per_s') / 1e6:.2f} M/s, p99 {g('lat_p99_us') / 1e3:.2f} ms, "
      f"max {g('lat_max_us') / 1e3:.1f} ms")
print(f"integrity     lost {g('lost')}, duplicates {g('duplicates')}, reordered "
      f"{g('reordered')}, outside a connected period {g('outside_period')}, "
      f"order divergent {g('order_divergent_receivers')}")
print(f"reconnects    {g('reconnects')} ({r.get('clients')} clients, churn {r.get('churn')}/s "
      f"each for the {r.get('clients', 0) - r.get('publishers', 0)} that do not publish)")
if reference and end:
    print(f"rss           {reference[1]} kB at {reference[0]} s (reference), {end[1]} kB at "
          f"{end[0]} s (end of load), max {max(s[1] for s in samples)} kB, "
          f"{rss_after_clients} kB once the clients left; allowance {allowance_kb // 1024} MiB")
print(f"descriptors   {fds_start} before, max {max((s[2] for s in samples), default=0)} during, "
      f"{fds_end} after")
print(f"daemon        exit status {daemon_status}, cpu {g('daemon_cpu_s'):.1f} s")
for f in failures:
    print(f"FAILED: {f}")
print("result        " + ("OK" if not failures else "FAILED"))
sys.exit(1 if failures else 0)
PY
