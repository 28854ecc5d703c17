#include "runtime/log_pump.hpp"

#include "runtime/log.hpp"

namespace tcpchat::log {

LogPump::LogPump(boost::asio::io_context& io) : timer_(io) {
  set_wake([this] { arm(); });
  arm();
}

LogPump::~LogPump() {
  set_wake(nullptr);
}

void LogPump::stop() {
  stopped_ = true;
  set_wake(nullptr);
  timer_.cancel();
  armed_for_.reset();
}

void LogPump::arm() {
  if (stopped_) return;
  const auto due = next_service(std::chrono::steady_clock::now());
  if (!due || (armed_for_ && *armed_for_ <= *due)) return;
  armed_for_ = due;
  timer_.expires_at(*due);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;  // cancelled: stopped, or armed again for an earlier time
    armed_for_.reset();
    serve(std::chrono::steady_clock::now());
    arm();
  });
}

}  // namespace tcpchat::log
