#include "core/room.hpp"

#include <iterator>
#include <utility>

namespace tcpchat {

void Room::join(Member& member) {
  if (member.in_room()) return;
  member.slot_ = members_.size();
  members_.push_back(&member);
  std::size_t bytes = 0;
  auto first = history_.end();
  while (first != history_.begin() &&
         bytes + (*std::prev(first))->size() <= limits_.replay_budget_bytes) {
    --first;
    bytes += (*first)->size();
  }
  for (auto it = first; it != history_.end(); ++it) member.deliver(*it);
}

void Room::leave(Member& member) {
  if (!member.in_room()) return;
  const std::size_t slot = std::exchange(member.slot_, Member::no_slot);
  if (broadcasting_) {
    // The broadcast walks members_ by slot: leave a hole rather than move anyone under it.
    members_[slot] = nullptr;
    ++holes_;
    return;
  }
  Member* last = members_.back();
  members_.pop_back();
  if (last == &member) return;
  members_[slot] = last;
  last->slot_ = slot;
}

void Room::close_holes() {
  std::size_t kept = 0;
  for (Member* m : members_) {
    if (!m) continue;
    m->slot_ = kept;
    members_[kept++] = m;
  }
  members_.resize(kept);
  holes_ = 0;
}

void Room::announce(const Frame& frame) {
  deliver_all(frame);
}

void Room::clear_history() {
  history_.clear();
  history_bytes_ = 0;
}

void Room::publish(const Sequenced& accepted) {
  ++messages_;
  remember(accepted.frame);
  deliver_all(accepted.frame);
}

void Room::deliver_all(const Frame& frame) {
  broadcasting_ = true;
  // Members who join meanwhile are appended past `count` and were replayed the frame already.
  const std::size_t count = members_.size();
  for (std::size_t i = 0; i < count; ++i) {
    if (Member* m = members_[i]) m->deliver(frame);
  }
  broadcasting_ = false;
  if (holes_ > 0) close_holes();
}

void Room::preload(std::span<const Message> messages) {
  for (const Message& m : messages) remember(encode_frame(m));
}

void Room::remember(const Frame& frame) {
  if (limits_.history_messages == 0 || frame->size() > limits_.history_bytes) return;
  history_.push_back(frame);
  history_bytes_ += frame->size();
  trim_history();
}

void Room::trim_history() {
  while (history_.size() > limits_.history_messages || history_bytes_ > limits_.history_bytes) {
    history_bytes_ -= history_.front()->size();
    history_.pop_front();
  }
}

void Room::set_limits(RoomLimits limits) {
  limits_ = limits;
  // A lower message limit: what clients would now refuse is not replayed to them.
  std::erase_if(history_, [&](const Frame& f) {
    const bool drop = f->body_size() > limits_.max_body_bytes;
    if (drop) history_bytes_ -= f->size();
    return drop;
  });
  trim_history();
}

}  // namespace tcpchat
