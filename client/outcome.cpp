#include "outcome.hpp"

#include <poll.h>
#include <unistd.h>

#include <cerrno>

namespace tcpchat::client {

int write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n >= 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return errno;
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, -1) < 0 && errno != EINTR) return errno;
  }
  return 0;
}

void say(std::string_view sentence) {
  std::string line = "tcpchat: ";
  line += sentence;
  line += '\n';
  write_all(STDERR_FILENO, line);  // nowhere left to report a failure to write to stderr
}

std::string seconds_text(std::chrono::milliseconds duration) {
  std::string text = std::to_string(duration.count() / 1000);
  if (const auto millis = duration.count() % 1000; millis != 0) {
    std::string fraction = std::to_string(1000 + millis).substr(1);
    while (fraction.back() == '0') fraction.pop_back();
    text += '.' + fraction;
  }
  return text + " s";
}

std::string count_of(std::size_t n, std::string_view singular, std::string_view plural) {
  return std::to_string(n) + ' ' + std::string(n == 1 ? singular : plural);
}

}  // namespace tcpchat::client
