# shellcheck shell=bash
# The scenarios of docs/performance.md as tcpchat-bench arguments, shared by run-comparison.sh and
# ab.sh. Every client receives, publishers included, as in fanout's tcpchat mode (S1: 90
# subscribers + 10 publishers; S2, S3: 1,000 or 100 subscribers + 1).
# SCALE=N multiplies the messages of S1 and S2, for runs long enough to hold a periodic cost
# (a scrape every second) several times over.
bench_args() {
  local scale=${SCALE:-1}
  case $1 in
    S1) echo "--clients 100 --publishers 10 --messages $((20000 * scale)) --size 200" ;;
    S2) echo "--clients 1001 --publishers 1 --messages $((5000 * scale)) --size 64" ;;
    S3) echo "--clients 101 --publishers 1 --messages 10000 --size 200 --rate 2000" ;;
    S3L) echo "--clients 101 --publishers 1 --messages 2000 --size 200 --rate 200" ;;
    S4) echo "--connections 10000 --idle --hold 2" ;;
    *) echo "unknown scenario $1 (S1 S2 S3 S3L S4)" >&2; return 64 ;;
  esac
}
# S4 opens 10,000 connections: above tcpchatd's default --max-clients.
BENCH_DAEMON_OPTS=(--max-clients 20000)
