#!/usr/bin/env bash
# daemon/cluster/append.lua against a real redis-server on a free loopback port: the epoch is
# the first node's and stays, sequences are contiguous across nodes, a retry returns without a
# second entry (and a later counter after it is appended), each run's dedupe record expires, and
# MAXLEN trims the stream.
# Usage: append_lua.sh SCRIPT
set -euo pipefail
script=$1
work=$(mktemp -d)
fail() { echo "FAIL: $*" >&2; exit 1; }
for _ in $(seq 20); do
  port=$((20000 + RANDOM % 20000))
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
    --dir "$work" >"$work/redis.log" 2>&1 &
  redis=$!
  for _ in $(seq 50); do
    redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break 2
    kill -0 "$redis" 2>/dev/null || break
    sleep 0.1
  done
  kill "$redis" 2>/dev/null || true
  wait "$redis" 2>/dev/null || true
done
trap 'kill "$redis" 2>/dev/null; wait "$redis" 2>/dev/null; rm -rf "$work"' EXIT
redis-cli -p "$port" ping | grep -q PONG || fail "redis-server did not start: $(cat "$work/redis.log")"

sha=$(redis-cli -p "$port" SCRIPT LOAD "$(cat "$script")")
# The lifetime of an instance's record, in milliseconds (the daemon gives cluster-timeout + 1 day).
lifetime=86410000
# append EPOCH NODE INSTANCE COUNTER BODY [MAXLEN [AFTER]]: one message's batch, the script's
# reply one value a line.
append() {
  redis-cli -p "$port" EVALSHA "$sha" 3 room stream "last:$2/$3" "$1" "${6:-1000}" "$2" "$3" \
    "$lifetime" 1 "$4" "${7:-0}" "$5"
}
expect() {  # expect WHAT ACTUAL EXPECTED
  [ "$2" = "$3" ] || fail "$1: got $(echo "$2" | tr '\n' ' '), expected $(echo "$3" | tr '\n' ' ')"
}
e1=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa e2=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
expect "first append" "$(append $e1 n1 i1 1 one)" "$(printf '%s\n1' $e1)"
expect "another node, another epoch offered" "$(append $e2 n2 i2 1 two)" "$(printf '%s\n1' $e1)"
expect "n1's second" "$(append $e1 n1 i1 2 three)" "$(printf '%s\n1' $e1)"
expect "a retry of n1's second, kept once" "$(append $e1 n1 i1 2 three)" "$(printf '%s\n1' $e1)"
expect "a retry of n1's first, kept once" "$(append $e1 n1 i1 1 one)" "$(printf '%s\n1' $e1)"
expect "n1 restarted: a new instance counts from 1" "$(append $e1 n1 i3 1 four)" \
  "$(printf '%s\n1' $e1)"
expect "an append after one not appended yet" "$(append $e1 n1 i3 3 five 1000 2)" \
  "$(printf '%s\n0' $e1)"
# A batch: the retry of one in, then two new, then one after a message that never went in.
expect "a batch" "$(redis-cli -p "$port" EVALSHA "$sha" 3 room stream last:n1/i3 "$e1" 1000 n1 i3 \
  "$lifetime" 4 \
  1 0 four  2 1 five  3 2 six  5 4 eight)" \
  "$(printf '%s\n1\n1\n1\n0' $e1)"
expect "the room's last sequence" "$(redis-cli -p "$port" HGET room seq)" 6
expect "n1's record: its highest counter and that sequence" \
  "$(redis-cli -p "$port" GET last:n1/i3)" "3:6"
# Each run's record expires on its own: the room's hash holds nothing per run.
expect "the room's fields" "$(redis-cli -p "$port" HKEYS room | sort | tr '\n' ' ')" "epoch seq "
for record in last:n1/i1 last:n2/i2 last:n1/i3; do
  ttl=$(redis-cli -p "$port" PTTL "$record")
  [ "$ttl" -gt $((lifetime - 60000)) ] && [ "$ttl" -le "$lifetime" ] ||
    fail "$record expires in $ttl ms, expected about $lifetime"
done
expect "the stream's length" "$(redis-cli -p "$port" XLEN stream)" 6
expect "the first entry's id and body" \
  "$(redis-cli -p "$port" XRANGE stream - + COUNT 1 | tail -n 4 | tr '\n' '|')" \
  "id|$e1 1 n1 i1 1|body|one|"
expect "the sequences in the stream" \
  "$(redis-cli -p "$port" XRANGE stream - + | awk 'prev == "id" { print $2 } { prev = $0 }' | tr '\n' ' ')" \
  "1 2 3 4 5 6 "
expect "the messages in order" \
  "$(redis-cli -p "$port" XRANGE stream - + | awk 'prev == "body" { print } { prev = $0 }' | tr '\n' ' ')" \
  "one two three four five six "
for i in $(seq 7 300); do append $e1 n1 i3 "$((i - 3))" "m$i" 50 >/dev/null; done
length=$(redis-cli -p "$port" XLEN stream)
[ "$length" -ge 50 ] && [ "$length" -lt 300 ] || fail "MAXLEN ~ 50 left $length entries"
expect "the last sequence" "$(redis-cli -p "$port" HGET room seq)" 300
echo "append.lua OK"
