#include "core/cluster_order.hpp"

#include <algorithm>
#include <set>

#include "tcpchat/encode.hpp"

namespace tcpchat {
namespace {

// The pending message of `counter` in `pending` (kept in counter order, and hundreds long under
// load), or its end.
template <class Queue>
auto find_counter(Queue& pending, std::uint64_t counter) {
  const auto it = std::lower_bound(pending.begin(), pending.end(), counter,
                                   [](const auto& p, std::uint64_t c) { return p.counter < c; });
  return it != pending.end() && it->counter == counter ? it : pending.end();
}

}  // namespace

ClusterOrder::ClusterOrder(OrderedSink& sink, std::string node, std::string instance,
                           Refusal skipped)
    : sink_(sink),
      node_(std::move(node)),
      instance_(std::move(instance)),
      skipped_(std::move(skipped)) {}

std::uint64_t ClusterOrder::submit(const std::shared_ptr<Origin>& origin, const Message& message,
                                   SteadyTime now) {
  const std::uint64_t counter = next_counter_++;
  const std::size_t bytes = encoded_body_size(message);
  pending_.push_back({counter, message, origin, bytes, now, std::nullopt});
  pending_bytes_ += bytes;
  return counter;
}

void ClusterOrder::submit_refused(const std::shared_ptr<Origin>& origin, const Message& message,
                                  const Refusal& why, SteadyTime now) {
  pending_.push_back({next_counter_++, message, origin, 0, now, why});
  ++waiting_refusals_;
  release_refusals();
}

ClusterOrder::Iterator ClusterOrder::forget(Iterator it) {
  pending_bytes_ -= it->bytes;
  if (it->refusal) --waiting_refusals_;
  return pending_.erase(it);
}

ClusterOrder::Iterator ClusterOrder::tell_refusal(Iterator it, const Refusal& why) {
  const Message message = it->message;
  const auto origin = it->origin.lock();
  const Refusal reason = it->refusal.value_or(why);
  it = forget(it);
  if (origin) origin->refused(std::span<const Message>(&message, 1), reason);
  return it;
}

void ClusterOrder::mark_refused(Pending& p, const Refusal& why) {
  if (p.refusal) return;
  p.refusal = why;
  pending_bytes_ -= p.bytes;
  p.bytes = 0;
  ++waiting_refusals_;
}

void ClusterOrder::release_refusals() {
  if (waiting_refusals_ == 0) return;
  // The origins with a message still undecided, seen so far from the oldest.
  std::set<const Origin*> waiting;
  for (auto it = pending_.begin(); it != pending_.end();) {
    const auto origin = it->origin.lock();
    if (!it->refusal) {
      waiting.insert(origin.get());
      ++it;
    } else if (!origin || waiting.count(origin.get()) == 0) {
      it = tell_refusal(it, *it->refusal);
    } else {
      ++it;
    }
  }
}

void ClusterOrder::refuse(std::uint64_t counter, const Refusal& why) {
  const auto it = find_counter(pending_, counter);
  if (it == pending_.end()) return;
  mark_refused(*it, why);
  release_refusals();
}

std::size_t ClusterOrder::expire(SteadyTime deadline, const Refusal& why) {
  std::size_t n = 0;
  // Submission times rise with the counter, so the expired ones are at the front.
  for (auto& p : pending_) {
    if (p.submitted >= deadline) break;
    if (p.refusal) continue;
    mark_refused(p, why);
    ++n;
  }
  release_refusals();
  return n;
}

std::uint64_t ClusterOrder::undecided_before(std::uint64_t counter) const {
  // From the newest: a new message's predecessor is at the back.
  for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
    if (it->counter < counter && !it->refusal) return it->counter;
  }
  return 0;
}

const Message* ClusterOrder::find(std::uint64_t counter) const {
  const auto it = find_counter(pending_, counter);
  return it == pending_.end() || it->refusal ? nullptr : &it->message;
}

ClusterOrder::Gap ClusterOrder::resume(std::string_view epoch, std::uint64_t newest_seq) {
  if (epoch_.empty()) {
    epoch_.assign(epoch);
    last_seq_ = newest_seq;
    return Gap::none;
  }
  Gap gap = Gap::none;
  if (epoch != epoch_) {
    gap = Gap::epoch;
    last_seq_ = 0;  // the new room's entries count from its start
  } else if (newest_seq < last_seq_) {
    gap = Gap::rewind;
    last_seq_ = newest_seq;
  }
  epoch_.assign(epoch);
  return gap;
}

ClusterOrder::Gap ClusterOrder::gap_before(std::string_view epoch, std::uint64_t seq) const {
  if (!epoch_.empty() && epoch != epoch_) return Gap::epoch;
  if (last_seq_ != 0 && seq <= last_seq_) return Gap::rewind;
  if (last_seq_ != 0 && seq > last_seq_ + 1) return Gap::trim;
  return Gap::none;
}

ClusterOrder::Read ClusterOrder::read(std::string_view epoch, const Entry& entry) {
  Read out;
  out.gap = gap_before(epoch, entry.seq);
  epoch_.assign(epoch);
  last_seq_ = entry.seq;

  std::shared_ptr<Origin> origin;
  std::optional<Message> mine;
  if (entry.node == node_ && entry.instance == instance_) {
    // Appends are FIFO, so ours come back in counter order: an older pending one will never
    // come back. Without a gap it was not appended; past one, it may have been, unseen here.
    while (!pending_.empty() && pending_.front().counter < entry.counter) {
      if (!pending_.front().refusal) ++out.skipped;
      tell_refusal(pending_.begin(), skipped_);
    }
    if (!pending_.empty() && pending_.front().counter == entry.counter) {
      // Even one refused as of unknown outcome whose refusal still waits: it is in the order.
      origin = pending_.front().origin.lock();
      out.submitted = pending_.front().submitted;
      mine = std::move(pending_.front().message);
      forget(pending_.begin());
    }
  }
  sink_.on_sequenced({entry.seq, entry.frame, mine ? &*mine : nullptr, origin.get()});
  release_refusals();
  return out;
}

}  // namespace tcpchat
