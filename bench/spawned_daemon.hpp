#pragma once

// A tcpchatd started by the bench on a free loopback port, its output drained all along (a full
// pipe would stall it mid-run) and its last lines kept for error messages.

#include <sys/types.h>

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <string>
#include <vector>

#include "waiter.hpp"

namespace tcpchat::bench {

// The tcpchatd next to this program in a build tree (<build>/daemon/tcpchatd) or beside it.
std::string find_daemon();

class SpawnedDaemon {
 public:
  // Runs `path --bind 127.0.0.1 --port 0 args...` (without our --bind or --port when `args`
  // names it), pinned to `cpu` if given. Throws Failure(exit_unavailable) when it cannot be run.
  SpawnedDaemon(boost::asio::io_context& io, const std::string& path,
                const std::vector<std::string>& args, std::optional<int> cpu);
  ~SpawnedDaemon();  // SIGKILLs and reaps a daemon still running
  SpawnedDaemon(const SpawnedDaemon&) = delete;
  SpawnedDaemon& operator=(const SpawnedDaemon&) = delete;

  pid_t pid() const { return pid_; }
  // Where it listens, from its first "listening on ADDR:PORT" line, or with `tls` its first
  // "accepting TLS on ADDR:PORT". Throws Failure(exit_unavailable) with its output when it exits
  // or `deadline` passes first.
  boost::asio::awaitable<boost::asio::ip::tcp::endpoint> wait_listening(Clock::time_point deadline,
                                                                        bool tls);
  // False once it has exited (the status is then in exit_status()).
  bool running();
  // SIGTERM, then waits for the exit until `deadline`, then SIGKILL. The exit status, or nullopt
  // when it had to be killed.
  boost::asio::awaitable<std::optional<int>> stop(Clock::time_point deadline);
  // Its exit status (128 + signal when killed) once it has exited.
  std::optional<int> exit_status() const { return status_; }
  // Its last lines of output.
  const std::string& output_tail() const { return tail_; }

 private:
  void do_read();
  void on_read(const boost::system::error_code& ec, std::size_t n);

  pid_t pid_ = -1;
  std::optional<int> status_;
  boost::asio::posix::stream_descriptor output_;
  std::array<char, 65536> chunk_{};
  std::string tail_;
  bool output_ended_ = false;
  Waiter output_waiter_;
  boost::asio::steady_timer poll_timer_;
};

}  // namespace tcpchat::bench
