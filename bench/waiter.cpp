#include "waiter.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace tcpchat::bench {

boost::asio::awaitable<bool> Waiter::until(std::function<bool()> done, Clock::time_point deadline) {
  while (!done()) {
    if (Clock::now() >= deadline) co_return false;
    co_await sleep_until(deadline);
  }
  co_return true;
}

boost::asio::awaitable<void> Waiter::sleep_until(Clock::time_point deadline) {
  timer_.expires_at(deadline);
  boost::system::error_code cancelled;  // a wake(): the caller looks again
  co_await timer_.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, cancelled));
}

}  // namespace tcpchat::bench
