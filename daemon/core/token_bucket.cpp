#include "core/token_bucket.hpp"

#include <algorithm>

namespace tcpchat {

bool TokenBucket::has_token(SteadyTime now, const RateLimit& limit) {
  if (refilled_at_ == SteadyTime{}) {
    tokens_ = limit.burst;
  } else if (now > refilled_at_) {
    const double elapsed = std::chrono::duration<double>(now - refilled_at_).count();
    tokens_ = std::min(limit.burst, tokens_ + elapsed * limit.per_second);
  }
  refilled_at_ = std::max(refilled_at_, now);
  return tokens_ >= 1;
}

std::chrono::steady_clock::duration TokenBucket::until_token(const RateLimit& limit) const {
  const double wait_s = std::max((1 - tokens_) / limit.per_second, 0.001);
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(wait_s));
}

}  // namespace tcpchat
