#include "runtime/log_output.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <utility>

namespace tcpchat::log {

LogOutput::LogOutput() {
  struct stat st {};
  if (fstat(STDERR_FILENO, &st) != 0) return;
  if (S_ISSOCK(st.st_mode)) {
    kind_ = Kind::socket;
    fd_ = STDERR_FILENO;
  } else if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
    fd_ = ::open("/proc/self/fd/2", O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    kind_ = fd_ >= 0 ? Kind::reopened : Kind::polled;
    if (fd_ < 0) fd_ = STDERR_FILENO;
  } else {
    kind_ = Kind::file;
    fd_ = STDERR_FILENO;
  }
}

LogOutput::~LogOutput() {
  if (kind_ == Kind::reopened) ::close(fd_);
}

std::size_t LogOutput::put(const char* data, std::size_t size) {
  for (;;) {
    ssize_t n = -1;
    switch (kind_) {
      case Kind::closed:
        return size;  // nowhere to write: taken and gone
      case Kind::socket:
        n = ::send(fd_, data, size, MSG_DONTWAIT | MSG_NOSIGNAL);
        break;
      case Kind::reopened:
      case Kind::file:
        n = ::write(fd_, data, size);
        break;
      case Kind::polled: {
        // The shared, blocking description: write only what poll says fits without waiting.
        pollfd p{.fd = fd_, .events = POLLOUT, .revents = 0};
        if (::poll(&p, 1, 0) != 1) return 0;
        n = ::write(fd_, data, std::min<std::size_t>(size, PIPE_BUF));
        break;
      }
    }
    if (n >= 0) return static_cast<std::size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    return size;  // a broken destination: nowhere to report it, so the bytes are gone
  }
}

bool LogOutput::write(std::string_view lines) {
  if (!pending()) {
    const std::size_t taken = put(lines.data(), lines.size());
    lines.remove_prefix(taken);
    if (lines.empty()) return true;
    buffer_.clear();
    head_ = 0;
  } else if (buffer_.size() - head_ + lines.size() > capacity) {
    ++dropped_;
    ++dropped_total_;
    return false;
  }
  buffer_.append(lines);
  return true;
}

void LogOutput::drain() {
  while (pending()) {
    const std::size_t taken = put(buffer_.data() + head_, buffer_.size() - head_);
    if (taken == 0) break;
    head_ += taken;
  }
  if (!pending()) {
    // Gives back what a burst needed: an idle daemon holds no log buffer.
    std::string().swap(buffer_);
    head_ = 0;
  } else if (head_ > buffer_.size() / 2) {
    buffer_.erase(0, head_);
    head_ = 0;
  }
}

std::size_t LogOutput::take_dropped() {
  return std::exchange(dropped_, 0);
}

void LogOutput::flush(std::chrono::milliseconds bound) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  drain();
  while (pending()) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    pollfd p{.fd = fd_, .events = POLLOUT, .revents = 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) return;
    drain();
  }
}

}  // namespace tcpchat::log
