#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace tcpchat {

// Seconds as a cumulative histogram in the Prometheus way: how late the loop ran a periodic
// timer, how long a cluster append took. The bounds reach from well under one message's
// handling to a stall that fails the health check.
class LagHistogram {
 public:
  static constexpr std::array<double, 13> bounds_seconds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

  void observe(double seconds) {
    std::size_t i = 0;
    while (i < bounds_seconds.size() && seconds > bounds_seconds[i]) ++i;
    ++buckets_[i];
    sum_ += seconds;
    ++count_;
  }

  // Observations at or under bounds_seconds[i]; i == bounds_seconds.size() is +Inf.
  std::uint64_t cumulative(std::size_t i) const {
    std::uint64_t n = 0;
    for (std::size_t j = 0; j <= i; ++j) n += buckets_[j];
    return n;
  }
  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::array<std::uint64_t, bounds_seconds.size() + 1> buckets_{};
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

}  // namespace tcpchat
