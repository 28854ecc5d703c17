#include "core/cluster_order.hpp"

#include <algorithm>

#include "tcpchat/encode.hpp"

namespace tcpchat {

ClusterOrder::ClusterOrder(OrderedSink& sink, std::string node, std::string instance)
    : sink_(sink), node_(std::move(node)), instance_(std::move(instance)) {}

std::uint64_t ClusterOrder::submit(const std::shared_ptr<Origin>& origin, const Message& message) {
  const std::uint64_t counter = next_counter_++;
  const std::size_t bytes = encoded_body_size(message);
  pending_.push_back({counter, message, origin, bytes});
  pending_bytes_ += bytes;
  return counter;
}

void ClusterOrder::forget(std::deque<Pending>::iterator it) {
  pending_bytes_ -= it->bytes;
  pending_.erase(it);
}

void ClusterOrder::refuse(std::uint64_t counter, const Refusal& why) {
  const auto it = std::find_if(pending_.begin(), pending_.end(),
                               [&](const Pending& p) { return p.counter == counter; });
  if (it == pending_.end()) return;
  const Message message = it->message;
  const auto origin = it->origin.lock();
  forget(it);
  if (origin) origin->refused(std::span<const Message>(&message, 1), why);
}

ClusterOrder::Gap ClusterOrder::read(std::string_view epoch, const Entry& entry) {
  Gap gap = Gap::none;
  if (!epoch_.empty() && epoch != epoch_) {
    gap = Gap::epoch;
  } else if (last_seq_ != 0 && entry.seq <= last_seq_) {
    gap = Gap::rewind;
  } else if (last_seq_ != 0 && entry.seq > last_seq_ + 1) {
    gap = Gap::trim;
  }
  epoch_ = std::string(epoch);
  last_seq_ = entry.seq;

  std::shared_ptr<Origin> origin;
  if (entry.node == node_ && entry.instance == instance_) {
    // Appends are FIFO, so ours come back in counter order: older pending ones were dropped by
    // a trim or a loss, and will never come back.
    while (!pending_.empty() && pending_.front().counter < entry.counter) {
      pending_bytes_ -= pending_.front().bytes;
      pending_.pop_front();
    }
    if (!pending_.empty() && pending_.front().counter == entry.counter) {
      origin = pending_.front().origin.lock();
      forget(pending_.begin());
    }
  }
  sink_.on_sequenced({entry.seq, entry.message, origin.get()});
  return gap;
}

}  // namespace tcpchat
