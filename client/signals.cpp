#include "signals.hpp"

namespace tcpchat::client {

void watch_signals(boost::asio::signal_set& signals, std::function<bool(int signo)> on_signal) {
  signals.async_wait([&signals, on_signal = std::move(on_signal)](
                         const boost::system::error_code& ec, int signo) mutable {
    if (!ec && on_signal(signo)) watch_signals(signals, std::move(on_signal));
  });
}

}  // namespace tcpchat::client
