#pragma once

#include <algorithm>
#include <chrono>

namespace tcpchat::client {

// The waits between reconnection attempts: 250 ms, doubling up to 8 s, back to 250 ms once a
// connection is up again.
class Backoff {
 public:
  static constexpr std::chrono::milliseconds first{250};
  static constexpr std::chrono::milliseconds cap{8000};

  // The wait before the next attempt.
  std::chrono::milliseconds next() {
    const auto wait = delay_;
    delay_ = std::min(delay_ * 2, cap);
    ++attempt_;
    return wait;
  }
  void reset() {
    delay_ = first;
    attempt_ = 0;
  }
  // Attempts announced by next() since the last reset().
  unsigned attempt() const { return attempt_; }

 private:
  std::chrono::milliseconds delay_ = first;
  unsigned attempt_ = 0;
};

}  // namespace tcpchat::client
