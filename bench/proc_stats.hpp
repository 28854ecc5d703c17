#pragma once

// A process's CPU time and memory, read from /proc.

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace tcpchat::bench {

struct ProcSample {
  double cpu_s = 0;           // user + system time of all its threads (/proc/PID/stat)
  std::uint64_t rss_kb = 0;   // resident now (VmRSS in /proc/PID/status)
  std::uint64_t peak_kb = 0;  // resident at most so far (VmHWM)
};

// nullopt when the process is gone or /proc cannot be read.
std::optional<ProcSample> sample_process(pid_t pid);

// This process's own user + system CPU time.
double own_cpu_seconds();

}  // namespace tcpchat::bench
