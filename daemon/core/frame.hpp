#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace tcpchat {

class SendQueue;

// What a frame is to the counters: a broadcast (a chat message, live or replayed) counts as a
// delivery once written; a @SERVER reply to one client does not.
enum class FrameKind : std::uint8_t { broadcast, server };

// One encoded frame, built once and shared by every queue that sends it.
class EncodedFrame {
 public:
  explicit EncodedFrame(std::string bytes, FrameKind kind = FrameKind::broadcast)
      : bytes_(std::move(bytes)), kind_(kind) {}
  const std::string& bytes() const { return bytes_; }
  FrameKind kind() const { return kind_; }
  std::size_t size() const { return bytes_.size(); }
  // The body's length: what follows the header line.
  std::size_t body_size() const { return bytes_.size() - (bytes_.find('\n') + 1); }

 private:
  friend class SendQueue;
  std::string bytes_;
  // How many send queues hold the frame: what they hold together counts its bytes once.
  mutable std::uint32_t queues_ = 0;
  FrameKind kind_;
};

using Frame = std::shared_ptr<const EncodedFrame>;

inline Frame make_frame(std::string bytes, FrameKind kind = FrameKind::broadcast) {
  return std::make_shared<const EncodedFrame>(std::move(bytes), kind);
}

}  // namespace tcpchat
