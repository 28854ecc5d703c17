#pragma once

#include <sys/uio.h>

#include <boost/container/small_vector.hpp>
#include <cstddef>
#include <span>

#include "core/frame.hpp"
#include "core/held_bytes.hpp"

namespace tcpchat {

// The frames one connection has still to send, shared with every other queue that holds them,
// and how far the first one has been written. A couple of frames fit inline, so delivering to an
// idle connection does not allocate.
class SendQueue {
 public:
  // A busy room appends many frames per loop turn: grow from this many at once.
  static constexpr std::size_t initial_capacity = 16;
  // Capacity (frames) kept between bursts; a larger one, left by a backlog, is given back.
  static constexpr std::size_t kept_capacity = 64;
  // Sent frames at the front are dropped once there are more than this many and they are most
  // of the queue, so that a slow reader's queue does not grow without end.
  static constexpr std::size_t compact_threshold = 64;

  SendQueue() = default;
  SendQueue(const SendQueue&) = delete;
  SendQueue& operator=(const SendQueue&) = delete;

  // Appends `frame`. `held` counts the bytes of every frame that at least one queue holds, once:
  // a frame already in another queue costs nothing more. Inline, as are fill() and consume():
  // they run once per delivery and per write.
  void push(const Frame& frame, HeldBytes& held) {
    if (frames_.size() == frames_.capacity()) grow();
    bytes_ += frame->size();
    if (frame->queues_++ == 0) held.add_queued(frame->size());
    frames_.push_back(frame);
  }
  // Describes the unsent bytes from the head on, at most out.size() buffers; returns how many
  // buffers were filled and adds their length to `bytes`.
  std::size_t fill(std::span<iovec> out, std::size_t& bytes) const {
    std::size_t count = 0;
    std::size_t offset = head_offset_;
    for (std::size_t i = head_; i < frames_.size() && count < out.size(); ++i) {
      const std::string& f = frames_[i]->bytes();
      out[count++] = {const_cast<char*>(f.data()) + offset, f.size() - offset};
      bytes += f.size() - offset;
      offset = 0;
    }
    return count;
  }
  // Forgets the first `n` unsent bytes (they were written); releases the frames fully sent.
  // Returns how many of those were broadcasts: the deliveries this write completed.
  std::size_t consume(std::size_t n, HeldBytes& held) {
    bytes_ -= n;
    std::size_t delivered = 0;
    while (n > 0) {
      const std::size_t left = frames_[head_]->size() - head_offset_;
      if (n < left) {
        head_offset_ += n;
        break;
      }
      n -= left;
      delivered += frames_[head_]->kind() == FrameKind::broadcast;
      release(frames_[head_++], held);
      head_offset_ = 0;
    }
    return delivered;
  }
  void compact();
  // Forgets everything, keeping at most kept_capacity frames of capacity.
  void clear(HeldBytes& held);

  bool empty() const { return head_ == frames_.size(); }
  // Unsent bytes of this queue, shared frames included.
  std::size_t bytes() const { return bytes_; }
  std::size_t capacity() const { return frames_.capacity(); }
  std::size_t frames() const { return frames_.size() - head_; }

 private:
  void grow();
  static void release(Frame& frame, HeldBytes& held) {
    if (--frame->queues_ == 0) held.remove_queued(frame->size());
    frame.reset();
  }

  boost::container::small_vector<Frame, 2> frames_;
  std::size_t head_ = 0;         // first unsent frame
  std::size_t head_offset_ = 0;  // bytes of frames_[head_] already sent
  std::size_t bytes_ = 0;        // unsent bytes
};

}  // namespace tcpchat
