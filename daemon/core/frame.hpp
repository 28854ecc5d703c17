#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "tcpchat/encode.hpp"
#include "tcpchat/message.hpp"

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
  // What follows the header line.
  std::string_view body() const { return std::string_view(bytes_).substr(bytes_.find('\n') + 1); }
  std::size_t body_size() const { return body().size(); }

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

// The broadcast frame of a chat message.
inline Frame encode_frame(const Message& m) {
  return make_frame(encode(m));
}

}  // namespace tcpchat
