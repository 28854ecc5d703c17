#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "core/lag_histogram.hpp"

namespace tcpchat {

// The loop's responsiveness: a timer due every `period` notes how late it runs. Every client's
// messages wait behind whatever makes it late, since everything shares the one thread.
class LoopProbe {
 public:
  static constexpr std::chrono::milliseconds period{100};
  // The liveness check fails while the loop was this late within the window.
  static constexpr std::chrono::seconds unhealthy_lag{1};
  static constexpr std::chrono::seconds window{10};

  explicit LoopProbe(boost::asio::io_context& io);
  void start();
  void stop();

  const LagHistogram& histogram() const { return histogram_; }
  // Why the loop is not responsive, one sentence, or nothing while it is.
  std::optional<std::string> unhealthy() const;

 private:
  using Clock = std::chrono::steady_clock;
  void arm();
  void on_timer();

  boost::asio::steady_timer timer_;
  LagHistogram histogram_;
  Clock::time_point due_{};
  Clock::time_point stalled_at_{};  // when a lag of unhealthy_lag or more was last seen
  Clock::duration stall_{};
  bool running_ = false;
};

}  // namespace tcpchat
