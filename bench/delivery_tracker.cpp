#include "delivery_tracker.hpp"

#include <algorithm>
#include <limits>

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
    : publishers_(publishers),
      next_(receivers * publishers, 0),
      first_(receivers * publishers, 0),
      end_(receivers * publishers, std::numeric_limits<std::uint64_t>::max()),
      partial_(receivers, false),
      order_hash_(receivers, 0) {}

std::size_t DeliveryTracker::add_receiver() {
  next_.resize(next_.size() + publishers_, 0);
  first_.resize(next_.size(), 0);
  end_.resize(next_.size(), std::numeric_limits<std::uint64_t>::max());
  partial_.push_back(false);
  order_hash_.push_back(0);
  return order_hash_.size() - 1;
}

void DeliveryTracker::owe_from(std::size_t receiver, std::uint32_t publisher, std::uint64_t first) {
  first_[receiver * publishers_ + publisher] = first;
  partial_[receiver] = true;
}

void DeliveryTracker::owe_until(std::size_t receiver, std::uint32_t publisher, std::uint64_t end) {
  end_[receiver * publishers_ + publisher] = end;
  partial_[receiver] = true;
}

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

std::uint64_t DeliveryTracker::missing(std::size_t stream, std::uint64_t from,
                                       std::uint64_t to) const {
  if (from >= to) return 0;
  const std::uint64_t unreached = std::max(next_[stream], from);
  std::uint64_t n = unreached < to ? to - unreached : 0;
  if (const auto found = gaps_.find(stream); found != gaps_.end()) {
    for (const auto& [first, end] : found->second) {
      const std::uint64_t a = std::max(first, from);
      const std::uint64_t b = std::min(end, to);
      if (a < b) n += b - a;
    }
  }
  return n;
}

std::optional<std::uint64_t> DeliveryTracker::owed_if_received_by_none(
    std::uint32_t publisher, std::uint64_t seq, std::uint64_t published) const {
  std::uint64_t owed = 0;
  for (std::size_t stream = publisher; stream < next_.size(); stream += publishers_) {
    if (missing(stream, seq, seq + 1) == 0) return std::nullopt;
    if (seq >= first_[stream] && seq < std::min(end_[stream], published)) ++owed;
  }
  return owed;
}

void DeliveryTracker::excuse_refused(Tally& t, std::uint32_t publisher, std::uint64_t published,
                                     std::uint64_t count) const {
  // Only a message missing at a receiver owed everything can have reached no one.
  const auto whole = std::find(partial_.begin(), partial_.end(), false);
  if (whole == partial_.end()) return;
  const std::size_t reference =
      static_cast<std::size_t>(whole - partial_.begin()) * publishers_ + publisher;
  const auto excuse = [&](std::uint64_t seq) {
    const auto owed = owed_if_received_by_none(publisher, seq, published);
    if (!owed) return;
    t.owed -= *owed;
    t.lost -= *owed;
    ++t.refused;
    --count;
  };
  if (const auto found = gaps_.find(reference); found != gaps_.end()) {
    for (const auto& [first, end] : found->second) {
      for (std::uint64_t seq = first; seq < std::min(end, published) && count > 0; ++seq) {
        excuse(seq);
      }
    }
  }
  for (std::uint64_t seq = next_[reference]; seq < published && count > 0; ++seq) excuse(seq);
}

Tally DeliveryTracker::tally(const std::vector<std::uint64_t>& published,
                             const std::vector<std::uint64_t>& refused) const {
  Tally t;
  t.delivered = delivered_;
  t.duplicates = duplicates_;
  t.reordered = reordered_;
  for (std::size_t stream = 0; stream < next_.size(); ++stream) {
    const std::uint64_t end = std::min(end_[stream], published[stream % publishers_]);
    const std::uint64_t first = std::min(first_[stream], end);
    t.owed += end - first;
    t.lost += missing(stream, first, end);
    // What was received before `first` or from `end` on: a span less what is missing in it.
    const std::uint64_t top = std::max(next_[stream], end);
    t.outside += first - missing(stream, 0, first);
    t.outside += top - end - missing(stream, end, top);
  }
  std::map<std::uint64_t, std::uint64_t> receivers_by_hash;
  std::uint64_t most_common = 0;
  std::uint64_t whole = 0;
  for (std::size_t r = 0; r < order_hash_.size(); ++r) {
    if (partial_[r]) continue;
    ++whole;
    most_common = std::max(most_common, ++receivers_by_hash[order_hash_[r]]);
  }
  t.order_divergent_receivers = whole - most_common;
  for (std::uint32_t p = 0; p < refused.size(); ++p) {
    if (refused[p] > 0) excuse_refused(t, p, published[p], refused[p]);
  }
  return t;
}

}  // namespace tcpchat::bench
