#!/usr/bin/env bash
# storm.sh - the light-load tail (S3L: 200 messages/s to 100 clients on the plaintext port)
# while other clients reconnect all the time, each reconnection a TLS handshake and/or a sign-in
# on the daemon's one thread.
#
# One tcpchatd (CPU 0, a P-256 certificate made here) serves both. A first tcpchat-bench keeps
# CLIENTS clients in the room, each leaving and rejoining CHURN times a second (CPU 1); once
# they are all up, a second one runs S3L against the plaintext port (CPU 1 too) and reports its
# latency. The storm's clients receive S3L's messages as well, as a real room would.
#
#   bench/storm.sh [KEY=VALUE]...
#     BUILD=build/release
#     CLIENTS=2000     TLS clients in the storm
#     CHURN=0.5        reconnections per second per storm client (CLIENTS x CHURN handshakes/s)
#     RUNS=3           S3L runs, one after another during the storm
#     TLS=1            the storm's clients connect with TLS (0: plaintext)
#     AUTH=0           1: the daemon has accounts (--auth-file), and every client signs in
#     DAEMON_OPTS=     more tcpchatd options, e.g. --max-unauthenticated 5000 for a TLS storm
#                      that signs in: all of CLIENTS may be between handshake and @AUTH at once
#     OUT=/tmp/tcpchat-storm-<time>
#
# Prints S3L's p50, p99 and p99.9 per run, and the handshakes the storm made.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/bench/key_values.sh"
export_key_values "$@" || { sed -n '2,20p' "$0" >&2; exit 64; }
BUILD=$(cd "$ROOT" && cd "${BUILD:-build/release}" && pwd)
CLIENTS=${CLIENTS:-2000}
CHURN=${CHURN:-0.5}
RUNS=${RUNS:-3}
TLS=${TLS:-1}
AUTH=${AUTH:-0}
read -r -a DAEMON_OPTS <<<"${DAEMON_OPTS:-}"
OUT=${OUT:-/tmp/tcpchat-storm-$(date -u +%Y%m%dT%H%M%SZ)}
BENCH="$BUILD/bench/tcpchat-bench"
for f in "$BUILD/daemon/tcpchatd" "$BENCH"; do
  [ -x "$f" ] || { echo "storm.sh: $f is missing: build it first" >&2; exit 66; }
done
mkdir -p "$OUT"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -keyout "$OUT/key.pem" -out "$OUT/cert.pem" 2>/dev/null

auth_opts=() bench_auth=()
if [ "$AUTH" = 1 ]; then
  "$BUILD/daemon/tcpchatd" --new-token tcpchat-bench >"$OUT/new-token"
  sed -n 's/^token for .*: //p' "$OUT/new-token" >"$OUT/token"
  sed -n '3p' "$OUT/new-token" >"$OUT/accounts"
  chmod 600 "$OUT/token" "$OUT/accounts"
  auth_opts=(--auth-file "$OUT/accounts") bench_auth=(--token-file "$OUT/token")
fi
taskset -c 0 "$BUILD/daemon/tcpchatd" --port 0 --tls-port 0 --tls-cert-file "$OUT/cert.pem" \
  --tls-key-file "$OUT/key.pem" --quiet --max-clients 20000 --monitor 127.0.0.1:0 \
  "${auth_opts[@]}" "${DAEMON_OPTS[@]}" 2>"$OUT/daemon.log" &
daemon=$!
storm=
trap 'kill $storm $daemon 2>/dev/null; wait 2>/dev/null' EXIT
# port_of PREFIX: the port of the first log line holding PREFIX127.0.0.1:PORT.
port_of() { grep -m1 -o "${1}127.0.0.1:[0-9]*" "$OUT/daemon.log" | sed "s/.*://" || true; }
for _ in $(seq 100); do [ -n "$(port_of 'serving http://')" ] && break; sleep 0.1; done
plain=$(port_of 'listening on ') tls=$(port_of 'accepting TLS on ') monitor=$(port_of 'serving http://')
[ -n "$plain" ] && [ -n "$tls" ] || { echo "storm.sh: tcpchatd did not start:" >&2; cat "$OUT/daemon.log" >&2; exit 69; }
storm_opts=(--port "$plain") && [ "$TLS" = 1 ] && storm_opts=(--port "$tls" --tls)

# Long enough for every S3L run after the storm is up; it ends with its own report.
storm_s=$((RUNS * 14 + 20))
"$BENCH" --host 127.0.0.1 "${storm_opts[@]}" "${bench_auth[@]}" --bench-cpu 1 --no-progress \
  --json --label storm \
  --clients "$CLIENTS" --publishers 1 --rate 1 --duration "$storm_s" --churn "$CHURN" \
  --timeout 60 >"$OUT/storm.json" 2>"$OUT/storm.stderr" &
storm=$!
metric() { curl -sf "http://127.0.0.1:$monitor/metrics" | awk -v n="$1" '$1 == n { print $2 }'; }
# Churning, the room never holds them all at once: nine in ten means the storm is under way.
for _ in $(seq 600); do
  [ "$(metric tcpchat_clients)" -ge $((CLIENTS * 9 / 10)) ] 2>/dev/null && break
  sleep 0.1
done
handshakes_before=$(metric tcpchat_connections_accepted_total)
: >"$OUT/s3l.jsonl"
for run in $(seq "$RUNS"); do
  "$BENCH" --host 127.0.0.1 --port "$plain" "${bench_auth[@]}" --bench-cpu 1 --no-progress --json \
    --label "S3L/storm/$run" --clients 101 --publishers 1 --messages 2000 --size 200 --rate 200 \
    --timeout 60 >>"$OUT/s3l.jsonl" 2>>"$OUT/s3l.stderr" || true
done
accepted=$(( $(metric tcpchat_connections_accepted_total) - handshakes_before - RUNS * 101 ))
failed=$(( $(metric 'tcpchat_connections_closed_total{reason="tls_handshake"}') + $(metric 'tcpchat_connections_closed_total{reason="authentication"}') ))
kill "$storm" 2>/dev/null || true
python3 - "$OUT/s3l.jsonl" "$accepted" "$failed" "$CLIENTS" "$CHURN" "$TLS" "$AUTH" <<'PY' | tee "$OUT/summary.txt"
import json, sys
path, accepted, failed, clients, churn, tls, auth = sys.argv[1:8]
rows = [json.loads(l) for l in open(path) if l.strip()]
kind = ("TLS" if tls == "1" else "plaintext") + (" signing-in" if auth == "1" else "")
print(f"storm: {clients} {kind} clients, {churn} reconnections/s each; "
      f"{accepted} connections accepted during the S3L runs, {failed} failed handshakes or sign-ins")
for r in rows:
    if not r.get("ok"):
        print(f"{r.get('label')}: failed: {r.get('problems')}")
        continue
    print(f"{r['label']}: p50 {r['lat_p50_us'] / 1e3:.2f} ms, p99 {r['lat_p99_us'] / 1e3:.2f} ms, "
          f"p99.9 {r['lat_p999_us'] / 1e3:.2f} ms, max {r['lat_max_us'] / 1e3:.2f} ms, "
          f"lost {r['lost']}, {r['elapsed_s']:.1f} s")
PY
echo "results in $OUT" >&2
