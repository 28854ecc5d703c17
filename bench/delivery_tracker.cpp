#include "delivery_tracker.hpp"

#include <algorithm>

namespace tcpchat::bench {
namespace {

// splitmix64's finaliser: spreads (publisher, seq) over 64 bits before it enters the order hash.
std::uint64_t mix(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9;
  x = (x ^ (x >> 27)) * 0x94d049bb133111eb;
  return x ^ (x >> 31);
}

}  // namespace

DeliveryTracker::DeliveryTracker(std::size_t receivers, std::size_t publishers)
    : publishers_(publishers), next_(receivers * publishers, 0), order_hash_(receivers, 0) {}

bool DeliveryTracker::record(std::size_t receiver, std::uint32_t publisher, std::uint64_t seq) {
  auto& hash = order_hash_[receiver];
  hash = hash * 0x100000001b3 + mix((std::uint64_t{publisher} << 44) ^ seq);

  const std::size_t stream = receiver * publishers_ + publisher;
  std::uint64_t& next = next_[stream];
  if (seq >= next) {
    if (seq > next) gaps_[stream].emplace(next, seq);
    next = seq + 1;
  } else if (fill_gap(stream, seq)) {
    ++reordered_;
  } else {
    ++duplicates_;
    return false;
  }
  ++delivered_;
  return true;
}

bool DeliveryTracker::fill_gap(std::size_t stream, std::uint64_t seq) {
  const auto found = gaps_.find(stream);
  if (found == gaps_.end()) return false;
  Gaps& gaps = found->second;
  auto it = gaps.upper_bound(seq);
  if (it == gaps.begin()) return false;
  --it;
  const auto [first, end] = *it;
  if (seq >= end) return false;
  gaps.erase(it);
  if (first < seq) gaps.emplace(first, seq);
  if (seq + 1 < end) gaps.emplace(seq + 1, end);
  if (gaps.empty()) gaps_.erase(found);
  return true;
}

Tally DeliveryTracker::tally(const std::vector<std::uint64_t>& published) const {
  Tally t;
  t.delivered = delivered_;
  t.duplicates = duplicates_;
  t.reordered = reordered_;
  for (std::size_t stream = 0; stream < next_.size(); ++stream) {
    const std::uint64_t sent = published[stream % publishers_];
    if (next_[stream] < sent) t.lost += sent - next_[stream];
  }
  for (const auto& [stream, gaps] : gaps_) {
    for (const auto& [first, end] : gaps) t.lost += end - first;
  }
  std::map<std::uint64_t, std::uint64_t> receivers_by_hash;
  std::uint64_t most_common = 0;
  for (const std::uint64_t h : order_hash_)
    most_common = std::max(most_common, ++receivers_by_hash[h]);
  t.order_divergent_receivers = order_hash_.size() - most_common;
  return t;
}

}  // namespace tcpchat::bench
