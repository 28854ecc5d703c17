#include "core/send_queue.hpp"

#include <algorithm>

namespace tcpchat {

void SendQueue::grow() {
  frames_.reserve(std::max(initial_capacity, frames_.size() * 2));
}

void SendQueue::compact() {
  if (head_ > compact_threshold && head_ * 2 > frames_.size()) {
    frames_.erase(frames_.begin(), frames_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

void SendQueue::clear(HeldBytes& held) {
  for (std::size_t i = head_; i < frames_.size(); ++i) release(frames_[i], held);
  if (frames_.capacity() > kept_capacity) {
    decltype(frames_)().swap(frames_);
  } else {
    frames_.clear();
  }
  head_ = 0;
  head_offset_ = 0;
  bytes_ = 0;
}

}  // namespace tcpchat
