#pragma once

#include <chrono>

#include "core/time.hpp"

namespace tcpchat {

struct RateLimit {
  double per_second = 0;  // 0: no limit
  double burst = 1;       // tokens the bucket holds when full
};

// A client's message budget: it refills at the rate, up to the burst. Starts full. The rate is
// passed on every call, so a reload applies to buckets that already exist.
class TokenBucket {
 public:
  // Refills for the time since the last call and says whether a whole token is there. Time that
  // stands still refills nothing; a clock that seems to go back is treated as standing still.
  bool has_token(SteadyTime now, const RateLimit& limit);
  void spend() { tokens_ -= 1; }
  // How long until a whole token is there again at `limit`'s rate (at least a millisecond).
  std::chrono::steady_clock::duration until_token(const RateLimit& limit) const;
  double tokens() const { return tokens_; }

 private:
  double tokens_ = 0;
  SteadyTime refilled_at_{};  // zero until the first call
};

}  // namespace tcpchat
