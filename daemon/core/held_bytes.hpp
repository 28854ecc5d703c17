#pragma once

#include <cstddef>

namespace tcpchat {

// What the daemon holds on behalf of its clients, in bytes: frames queued to be sent, and input
// kept for frames that are not complete yet. The bounds on memory are judged against these.
class HeldBytes {
 public:
  void add_queued(std::size_t bytes) { queued_ += bytes; }
  void remove_queued(std::size_t bytes) { queued_ -= bytes; }
  void add_input(std::size_t bytes) { input_ += bytes; }
  void remove_input(std::size_t bytes) { input_ -= bytes; }

  std::size_t queued() const { return queued_; }
  std::size_t input() const { return input_; }
  std::size_t total() const { return queued_ + input_; }

 private:
  std::size_t queued_ = 0;
  std::size_t input_ = 0;
};

}  // namespace tcpchat
