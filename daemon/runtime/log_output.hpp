#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tcpchat::log {

// Standard error as a destination that never blocks the event loop. Under systemd stderr is
// journald's stream socket, elsewhere often a pipe: a reader that stops must not stop the room.
// The open file description is shared with the parent, so its flags stay as they are: a socket
// is written with send(MSG_DONTWAIT), a pipe or terminal through a fresh, non-blocking open of
// /proc/self/fd/2 (without /proc: poll first, then at most PIPE_BUF), and a regular file (which
// never blocks) with plain write(2). What the
// destination does not take waits in a bounded buffer; past the bound, lines are dropped whole
// and counted.
class LogOutput {
 public:
  static constexpr std::size_t capacity = std::size_t{1} << 20;

  LogOutput();
  ~LogOutput();
  LogOutput(const LogOutput&) = delete;
  LogOutput& operator=(const LogOutput&) = delete;

  // Writes whole lines, after anything still buffered; returns false if they were dropped.
  bool write(std::string_view lines);
  // Writes what is buffered, as far as the destination takes it now.
  void drain();
  bool pending() const { return head_ < buffer_.size(); }
  // Lines dropped since the last call.
  std::size_t take_dropped();
  // Lines dropped since the start.
  std::uint64_t dropped_total() const { return dropped_total_; }
  // Before exit: drains, waiting up to `bound` for the destination to take everything.
  void flush(std::chrono::milliseconds bound);

 private:
  enum class Kind { closed, socket, reopened, polled, file };
  // One non-blocking write attempt: bytes taken, 0 when the destination is full or gone.
  std::size_t put(const char* data, std::size_t size);

  Kind kind_ = Kind::closed;
  int fd_ = -1;
  std::string buffer_;
  std::size_t head_ = 0;  // buffer_[head_..] is still to be written
  std::size_t dropped_ = 0;
  std::uint64_t dropped_total_ = 0;
};

}  // namespace tcpchat::log
