#include "monitor/loop_probe.hpp"

#include <cstdio>

namespace tcpchat {

namespace {

std::string seconds_text(std::chrono::steady_clock::duration d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f s", std::chrono::duration<double>(d).count());
  return text;
}

}  // namespace

LoopProbe::LoopProbe(boost::asio::io_context& io) : timer_(io) {}

void LoopProbe::start() {
  running_ = true;
  arm();
}

void LoopProbe::stop() {
  running_ = false;
  timer_.cancel();
}

void LoopProbe::arm() {
  due_ = Clock::now() + period;
  timer_.expires_at(due_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    // A cancel can come after the timer expired: then the handler still sees success.
    if (ec || !running_) return;
    on_timer();
    arm();
  });
}

void LoopProbe::on_timer() {
  const auto now = Clock::now();
  const auto lag = now - due_;
  histogram_.observe(std::chrono::duration<double>(lag).count());
  if (lag >= unhealthy_lag) {
    stalled_at_ = now;
    stall_ = lag;
  }
}

std::optional<std::string> LoopProbe::unhealthy() const {
  const auto now = Clock::now();
  // The probe itself may be stuck behind the stall this request waited out.
  if (running_ && now - due_ >= unhealthy_lag) {
    return "the event loop is " + seconds_text(now - due_) + " behind its timers";
  }
  if (stalled_at_ != Clock::time_point{} && now - stalled_at_ < window) {
    return "the event loop ran its timers " + seconds_text(stall_) + " late " +
           seconds_text(now - stalled_at_) + " ago (unhealthy while " +
           seconds_text(unhealthy_lag) + " or more within " + seconds_text(window) + ")";
  }
  return std::nullopt;
}

}  // namespace tcpchat
