#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace tcpchat {

class SendQueue;

// One encoded frame, built once and shared by every queue that sends it.
class EncodedFrame {
 public:
  explicit EncodedFrame(std::string bytes) : bytes_(std::move(bytes)) {}
  const std::string& bytes() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }
  // The body's length: what follows the header line.
  std::size_t body_size() const { return bytes_.size() - (bytes_.find('\n') + 1); }

 private:
  friend class SendQueue;
  std::string bytes_;
  // How many send queues hold the frame: what they hold together counts its bytes once.
  mutable std::uint32_t queues_ = 0;
};

using Frame = std::shared_ptr<const EncodedFrame>;

inline Frame make_frame(std::string bytes) {
  return std::make_shared<const EncodedFrame>(std::move(bytes));
}

}  // namespace tcpchat
