#include "histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace tcpchat::bench {

// Values below 2 * sub_count sit in their own bucket. Above, a value whose highest bit is b keeps
// its top sub_bits + 1 bits: with shift = b - sub_bits, bucket = shift * sub_count + (v >> shift),
// which continues the exact range without a gap.
std::size_t LatencyHistogram::bucket_of(std::uint64_t ns) {
  if (ns < 2 * sub_count) return static_cast<std::size_t>(ns);
  const int shift = std::bit_width(ns) - 1 - sub_bits;
  return static_cast<std::size_t>(static_cast<std::uint64_t>(shift) * sub_count + (ns >> shift));
}

std::uint64_t LatencyHistogram::bucket_top(std::size_t bucket) {
  if (bucket < 2 * sub_count) return bucket;
  const std::uint64_t shift = bucket / sub_count - 1;
  const std::uint64_t top_bits = bucket - shift * sub_count;
  return ((top_bits + 1) << shift) - 1;
}

void LatencyHistogram::add(std::int64_t ns) {
  const std::int64_t v = std::max<std::int64_t>(ns, 0);
  ++buckets_[bucket_of(static_cast<std::uint64_t>(v))];
  ++count_;
  max_ = std::max(max_, v);
  sum_ += static_cast<double>(v);
}

std::int64_t LatencyHistogram::percentile(double p) const {
  if (count_ == 0) return 0;
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < bucket_count; ++b) {
    seen += buckets_[b];
    if (seen >= rank) return std::min(static_cast<std::int64_t>(bucket_top(b)), max_);
  }
  return max_;
}

}  // namespace tcpchat::bench
