#pragma once

// The real tcpchatd, started on an ephemeral loopback port for one test.

#include <cstdint>
#include <string>
#include <vector>

#include "process.hpp"

namespace tcpchat::test {

std::string daemon_path();  // the tcpchatd built alongside the tests
std::string client_path();  // the tcpchat client built alongside the tests
// The library that, preloaded, makes fdatasync fail while a flag file exists (fail_fsync.cpp).
std::string fail_fsync_library();

class Daemon {
 public:
  // Starts `tcpchatd --bind 127.0.0.1 --port 0 args...` (no --bind/--port of ours when `args`
  // names one) and waits until it logs where it listens, over TLS too with --tls-port. Throws
  // if it does not within 10 s.
  explicit Daemon(std::vector<std::string> args = {}, ProcessOptions options = {});

  std::uint16_t port() const { return ports_.at(0); }
  // The first TLS port, with --tls-port.
  std::uint16_t tls_port() const { return tls_ports_.at(0); }
  const std::vector<std::uint16_t>& ports() const { return ports_; }
  Process& process() { return process_; }
  std::string log() const { return process_.stderr_text(); }
  bool wait_log(std::string_view needle, std::chrono::milliseconds timeout = 10s) const {
    return process_.wait_stderr(needle, timeout);
  }
  // Sends `signo` and returns the exit status, or nullopt if it did not exit within `timeout`.
  std::optional<int> stop(int signo = 15, std::chrono::milliseconds timeout = 10s);

 private:
  Process process_;
  std::vector<std::uint16_t> ports_;
  std::vector<std::uint16_t> tls_ports_;
};

// How a tcpchatd run that was expected to end (--help, --check-config, a refused start) ended.
struct Outcome {
  std::optional<int> status;
  std::string err;
  std::string out;
};
// Runs tcpchatd with `args` to completion.
Outcome run_daemon(std::vector<std::string> args);

inline bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// How many times `needle` occurs in `text`.
std::size_t occurrences(std::string_view text, std::string_view needle);

// How many warnings of a kind the daemon rate-limits the log stands for: the lines holding
// `marker`, plus the counts of its summary lines for `kind`
// (`57 more "invalid request" warnings in the last second were not logged`).
std::size_t repeated_warnings(const std::string& log, std::string_view marker,
                              std::string_view kind);

// The ports in every `listening on ADDR:PORT` line of `log`, in order.
std::vector<std::uint16_t> listening_ports(const std::string& log);
// The ports in every `accepting TLS on ADDR:PORT` line.
std::vector<std::uint16_t> tls_ports(const std::string& log);
// The ports of the lines of `log` holding `marker` followed by ADDR:PORT.
std::vector<std::uint16_t> logged_ports(const std::string& log, std::string_view marker);

}  // namespace tcpchat::test
