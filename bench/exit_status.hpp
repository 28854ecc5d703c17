#pragma once

// How tcpchat-bench ends (sysexits where one fits).

#include <stdexcept>
#include <string>

namespace tcpchat::bench {

enum ExitStatus : int {
  exit_ok = 0,
  exit_failed = 1,        // the run found a problem: loss, reorder, timeout, a dead daemon
  exit_usage = 64,        // EX_USAGE: bad command line
  exit_unavailable = 69,  // EX_UNAVAILABLE: the daemon cannot be reached or started
};

// A run that cannot go on: main prints what() and exits with `status`.
struct Failure : std::runtime_error {
  Failure(ExitStatus status, const std::string& what) : std::runtime_error(what), status(status) {}
  ExitStatus status;
};

}  // namespace tcpchat::bench
