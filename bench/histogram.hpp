#pragma once

// Latency histogram: constant memory however many samples, percentiles within 0.8%.

#include <array>
#include <cstdint>

namespace tcpchat::bench {

// Log-linear buckets over nanoseconds: exact below 256 ns, then 128 buckets per power of two. A
// percentile is reported as the upper end of its bucket (never below the true value, at most
// 1/128 above it) and never above the largest sample.
class LatencyHistogram {
 public:
  void add(std::int64_t ns);

  std::uint64_t count() const { return count_; }
  std::int64_t max() const { return max_; }
  double mean() const { return count_ == 0 ? 0.0 : sum_ / static_cast<double>(count_); }
  // `p` in percent (50, 99.9); 0 when there are no samples.
  std::int64_t percentile(double p) const;

 private:
  static constexpr int sub_bits = 7;
  static constexpr std::uint64_t sub_count = std::uint64_t{1} << sub_bits;
  static constexpr std::size_t bucket_count = (64 - sub_bits + 1) * sub_count;

  static std::size_t bucket_of(std::uint64_t ns);
  static std::uint64_t bucket_top(std::size_t bucket);  // the largest value in the bucket

  std::array<std::uint64_t, bucket_count> buckets_{};
  std::uint64_t count_ = 0;
  std::int64_t max_ = 0;
  double sum_ = 0;
};

}  // namespace tcpchat::bench
