#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>

namespace tcpchat::log {

// Brings the loop back to the log while something waits: lines stderr did not take, and
// summaries of repeated warnings. A timer, not a readiness wait on stderr: Asio would switch the
// descriptor to non-blocking, and under systemd or a shell that description is shared.
class LogPump {
 public:
  explicit LogPump(boost::asio::io_context& io);
  ~LogPump();
  LogPump(const LogPump&) = delete;
  LogPump& operator=(const LogPump&) = delete;

  // At shutdown: the loop may end; what still waits is left to log::flush().
  void stop();

 private:
  void arm();

  boost::asio::steady_timer timer_;
  std::optional<boost::asio::steady_timer::time_point> armed_for_;
  bool stopped_ = false;
};

}  // namespace tcpchat::log
