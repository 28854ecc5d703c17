#pragma once

// A steady_timer used as a condition variable: one coroutine waits for a condition with a
// deadline, the handlers that may make it true call wake().

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>

namespace tcpchat::bench {

using Clock = std::chrono::steady_clock;

class Waiter {
 public:
  explicit Waiter(const boost::asio::any_io_executor& executor) : timer_(executor) {}

  // True once `done()` holds; false when `deadline` passes first.
  boost::asio::awaitable<bool> until(std::function<bool()> done, Clock::time_point deadline);
  void wake() { timer_.cancel(); }

 private:
  boost::asio::awaitable<void> sleep_until(Clock::time_point deadline);

  boost::asio::steady_timer timer_;
};

}  // namespace tcpchat::bench
