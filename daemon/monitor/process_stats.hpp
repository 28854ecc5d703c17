#pragma once

#include <cstdint>

namespace tcpchat {

// The standard process metrics of Prometheus' client libraries, read from /proc at a scrape.
struct ProcessStats {
  double start_time_seconds = 0;  // since the Unix epoch
  double cpu_seconds = 0;         // user and system
  std::uint64_t resident_bytes = 0;
  std::uint64_t open_fds = 0;
  std::uint64_t max_fds = 0;
};

ProcessStats read_process_stats();

}  // namespace tcpchat
