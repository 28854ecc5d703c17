#!/usr/bin/env bash
# The daemon stays within the service's confinement, which cannot be started here (systemd is
# not PID 1): under strace, through socket activation, sd_notify and watchdog pings, clients,
# history-file appends, fsyncs and a rotation, a SIGHUP reload and a SIGTERM shutdown, tcpchatd
# makes only system calls that the unit's SystemCallFilter= allows, opens only sockets of the
# families its RestrictAddressFamilies= allows, executes nothing and writes only next to its
# history file.
# Usage: confinement.sh TCPCHATD UNIT
# shellcheck source=tests/service/lib.sh
. "$(dirname "$0")/lib.sh"
tcpchatd=$1 unit=$2
make_work_dir

# What SystemCallFilter= allows, read as systemd reads it: the first line is the allow-list, and
# each later line, in order, adds its calls or ("~") takes them away; @groups are expanded
# (systemd-analyze syscall-filter lists a group's calls and nested groups).
expand() {
  local item
  for item in "$@"; do
    if [[ $item = @* ]]; then
      # shellcheck disable=SC2046 # one word per call name
      expand $(systemd-analyze syscall-filter "$item" | sed -n 's/^    \([^#]\)/\1/p')
    else
      echo "$item"
    fi
  done
}
filters=0
: >"$work/allowed"
while read -r filter; do
  filters=$((filters + 1))
  if [[ $filter = ~* ]]; then
    [ "$filters" -gt 1 ] || fail "$unit's first SystemCallFilter= is a deny-list, not an allow-list"
    # shellcheck disable=SC2086 # the setting is a space-separated list
    comm -23 "$work/allowed" <(expand ${filter#\~} | sort -u) >"$work/filtered"
  else
    # shellcheck disable=SC2086
    sort -u "$work/allowed" <(expand $filter) >"$work/filtered"
  fi
  mv "$work/filtered" "$work/allowed"
done < <(sed -n 's/^SystemCallFilter=//p' "$unit")
[ "$filters" -gt 0 ] || fail "$unit has no SystemCallFilter= allow-list"

# TLS too: its handshake and its reads of the certificate on start and SIGHUP.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
cat >"$work/tcpchatd.conf" <<CONF
tls-cert-file = $work/cert.pem
tls-key-file = $work/key.pem
history = 10
history-file = $work/history.jsonl
history-fsync = always
history-file-max-bytes = 1KiB
CONF

# systemd-socket-activate takes no port 0: try ports below the ephemeral range until one binds.
# It execs tcpchatd on the first connection, under strace with it, passing on only the variables
# named with -E; NOTIFY_SOCKET names nothing, which makes the calls a service manager would see.
for attempt in $(seq 20); do
  port=$((20000 + RANDOM % 10000)) tls_port=$((30000 + RANDOM % 2000))
  timeout 60 strace -f -qq -o "$work/trace" systemd-socket-activate -l "127.0.0.1:$port" \
    -l "127.0.0.1:$tls_port" --fdname=chat:tls \
    -E NOTIFY_SOCKET="$work/notify" -E WATCHDOG_USEC=200000 \
    "$tcpchatd" --config "$work/tcpchatd.conf" 2>"$work/log" >/dev/null &
  strace_pid=$! # of timeout, which ends strace and what it runs when it ends
  for _ in $(seq 100); do
    grep -q "Listening on 127.0.0.1:$port" "$work/log" && break 2
    kill -0 "$strace_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill "$strace_pid" 2>/dev/null || true
  wait "$strace_pid" || true
  [ "$attempt" -lt 20 ] || fail "systemd-socket-activate did not listen: $(cat "$work/log")"
done
# On failure too, nothing may outlive the test.
trap 'kill "$strace_pid" 2>/dev/null || true; wait; rm -rf "$work"' EXIT

# wait_for TEXT: until the log holds TEXT, at most 10 s.
wait_for() {
  for _ in $(seq 100); do
    grep -qF "$1" "$work/log" && return 0
    sleep 0.1
  done
  fail "no '$1' in the log: $(cat "$work/log")"
}

# Thirty messages from one client, read back: appends, fsyncs and a rotation of the history file.
exec 3<>"/dev/tcp/127.0.0.1/$port"
frames="" expected=0
for i in $(seq 10 39); do
  body="{\"client_name\": \"t\", \"subject\": \"\", \"message\": \"message $i\", \"date\": \"24/11/2018 20:43:01\"}"$'\n'
  frames+="Content-length:${#body}"$'\n'"$body"
done
expected=${#frames}
printf '%s' "$frames" >&3
echoed=$(timeout 10 head -c "$expected" <&3 | wc -c)
exec 3<&-
[ "$echoed" -eq "$expected" ] || fail "$echoed of $expected bytes echoed"
# The same frames over TLS, echoed through the socket named tls. s_client -quiet waits for the
# server to close, which it does not: the timeout ends it once the echo is in.
echoed=$({ printf '%s' "$frames" |
  timeout 3 openssl s_client -quiet -connect "127.0.0.1:$tls_port" 2>/dev/null || true; } |
  head -c "$expected" | wc -c)
[ "$echoed" -eq "$expected" ] || fail "$echoed of $expected bytes echoed over TLS"
wait_for "listening on 127.0.0.1:$port"
# systemd-socket-activate's process, the first in the trace, became tcpchatd.
daemon_pid=$(awk 'NR == 1 { print $1 }' "$work/trace")
[ -f "$work/history.jsonl.1" ] || fail "the history file was not rotated"

sleep 0.5 # a few watchdog pings
# strace pads the pid to five columns: "2114  sendmsg" but "21140 sendmsg".
grep -Eq "^$daemon_pid +sendmsg\(.*WATCHDOG=1" "$work/trace" || fail "tcpchatd sent no WATCHDOG=1"
kill -HUP "$daemon_pid"
wait_for "SIGHUP"
kill -TERM "$daemon_pid"
wait "$strace_pid" || fail "tcpchatd under strace ended with status $?: $(cat "$work/log")"

# What tcpchatd did: every traced line from its execve on (before it, systemd-socket-activate),
# without the pid column.
awk '/ execve\("[^"]*tcpchatd"/ { started = 1 } started { sub(/^[0-9]+ +/, ""); print }' \
  "$work/trace" >"$work/daemon"
sed -n -E 's/^([a-z_0-9]+)\(.*/\1/p' "$work/daemon" | sort -u >"$work/used"
[ -s "$work/used" ] || fail "no system calls traced for tcpchatd"
echo "tcpchatd made $(wc -l <"$work/used") distinct system calls: $(tr '\n' ' ' <"$work/used")"
refused=$(comm -23 "$work/used" "$work/allowed")
[ -z "$refused" ] || fail "SystemCallFilter= of $unit refuses: $refused"

families=$(sed -n -E 's/^socket\((AF_[A-Z0-9]+).*/\1/p' "$work/daemon" | sort -u | tr '\n' ' ')
allowed_families=" $(sed -n 's/^RestrictAddressFamilies=//p' "$unit") "
for family in $families; do
  [[ $allowed_families = *" $family "* ]] || fail "tcpchatd opened an $family socket"
done
echo "socket families: $families"

# No other program, and files written only in the history file's directory, which stands for
# the StateDirectory= that the service's ProtectSystem=strict leaves writable.
[ "$(grep -c '^execve(' "$work/daemon")" -eq 1 ] || fail "tcpchatd executed another program"
written=$(grep -E '^(openat\(.*(O_WRONLY|O_RDWR|O_CREAT)|rename\()' "$work/daemon" |
  grep -oE '"[^"]*"' | tr -d '"' | sort -u)
[ -n "$written" ] || fail "no written files traced"
for path in $written; do
  [[ $path = "$work"/* ]] || fail "tcpchatd wrote $path, outside the history file's directory"
done
echo "files written: $(echo "$written" | sed "s|^$work/||" | tr '\n' ' ')"
