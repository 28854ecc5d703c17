#include "core/send_queue.hpp"

#include <algorithm>

namespace tcpchat {

void SendQueue::push(Frame frame) {
  if (frames_.size() == frames_.capacity()) {
    frames_.reserve(std::max(initial_capacity, frames_.size() * 2));
  }
  bytes_ += frame->size();
  frames_.push_back(std::move(frame));
}

std::size_t SendQueue::fill(std::span<iovec> out, std::size_t& bytes) const {
  std::size_t count = 0;
  std::size_t offset = head_offset_;
  for (std::size_t i = head_; i < frames_.size() && count < out.size(); ++i) {
    const std::string& f = *frames_[i];
    out[count++] = {const_cast<char*>(f.data()) + offset, f.size() - offset};
    bytes += f.size() - offset;
    offset = 0;
  }
  return count;
}

void SendQueue::consume(std::size_t n) {
  bytes_ -= n;
  while (n > 0) {
    const std::size_t left = frames_[head_]->size() - head_offset_;
    if (n < left) {
      head_offset_ += n;
      return;
    }
    n -= left;
    frames_[head_++].reset();
    head_offset_ = 0;
  }
}

void SendQueue::compact() {
  if (head_ > compact_threshold && head_ * 2 > frames_.size()) {
    frames_.erase(frames_.begin(), frames_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

void SendQueue::clear() {
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
