#pragma once

#include <boost/asio/signal_set.hpp>
#include <functional>

namespace tcpchat::client {

// Calls `on_signal` for each signal `signals` catches, for as long as it returns true.
void watch_signals(boost::asio::signal_set& signals, std::function<bool(int signo)> on_signal);

}  // namespace tcpchat::client
