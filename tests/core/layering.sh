#!/usr/bin/env bash
# Arrows point down only: daemon/core/ includes nothing of the daemon outside core/, no socket,
# timer or clock, and no Asio; net/, storage/ and monitor/ never include the wiring at the top, and
# monitor/ reads the daemon only through its MonitorSource; tls/ and cluster/ know nothing of
# their users.
# Usage: layering.sh DAEMON_SOURCE_DIR
set -u
daemon=$1 status=0
check() {  # check DIR PATTERN WHY: no include line in DIR matches PATTERN
  local hits
  hits=$(grep -rnE "^#include [<\"]($2)" "$daemon/$1" || true)
  if [ -n "$hits" ]; then
    echo "daemon/$1 must not include $3:" >&2
    echo "$hits" >&2
    status=1
  fi
}
check core 'net/|storage/|runtime/|server\.hpp' 'the folders above it'
check core 'boost/asio|sys/socket\.h|netinet/|arpa/|sys/epoll\.h|sys/timerfd\.h' 'sockets, Asio or timers'
for dir in net storage runtime monitor tls auth; do check "$dir" 'server\.hpp' 'the wiring (server.hpp)'; done
# The monitoring endpoint reads the daemon through MonitorSource, not its sockets or storage.
check monitor 'net/|storage/' 'the sockets or the storage (read them through MonitorSource)'
check net 'monitor/' 'the monitoring endpoint, a shell above it'
check core 'monitor/' 'the folders above it'
check runtime 'core/|net/|storage/|tls/' 'the subsystems that use it'
# TLS is a shell the sessions use: it knows OpenSSL and the settings, nothing of who uses it.
check tls 'core/|net/|storage/|monitor/' 'the folders that use it'
check auth 'net/|storage/|monitor/|tls/' 'the sockets or the other shells'
# The cluster link is a shell under the wiring: it knows Redis and the core, not the sessions.
check cluster 'net/|storage/|monitor/|tls/|auth/|server\.hpp' 'the sockets or the other shells'
check net 'cluster/' 'the cluster link, which the wiring plugs in as the sequencer'
# The core never reads a clock: time is passed in.
if grep -rnE '(steady_clock|system_clock|high_resolution_clock)::now|clock_gettime|gettimeofday' \
     "$daemon/core"; then
  echo "daemon/core must not read a clock" >&2
  status=1
fi
[ $status = 0 ] && echo "layering OK"
exit $status
