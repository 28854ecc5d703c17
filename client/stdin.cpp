#include "stdin.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <cerrno>
#include <cstring>

namespace tcpchat::client {

StdinState::StdinState() : flags_(::fcntl(STDIN_FILENO, F_GETFL)) {
  terminal_ = flags_ != -1 && ::tcgetattr(STDIN_FILENO, &settings_) == 0;
}

void StdinState::restore() const {
  if (flags_ == -1) return;
  if (::fcntl(STDIN_FILENO, F_GETFL) != flags_) ::fcntl(STDIN_FILENO, F_SETFL, flags_);
  if (!terminal_) return;
  // Only when something differs: tcsetattr from a background job would stop it with SIGTTOU.
  termios now{};
  if (::tcgetattr(STDIN_FILENO, &now) != 0) return;
  if (now.c_iflag != settings_.c_iflag || now.c_oflag != settings_.c_oflag ||
      now.c_cflag != settings_.c_cflag || now.c_lflag != settings_.c_lflag ||
      std::memcmp(now.c_cc, settings_.c_cc, sizeof now.c_cc) != 0) {
    ::tcsetattr(STDIN_FILENO, TCSADRAIN, &settings_);
  }
}

void StdinState::set_non_blocking() const {
  if (flags_ != -1) ::fcntl(STDIN_FILENO, F_SETFL, flags_ | O_NONBLOCK);
}

StdinReader::StdinReader(boost::asio::any_io_executor executor) : descriptor_(executor) {
  const int fd = ::fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
  if (fd == -1) {
    closed_ = true;  // stdin is closed: read() reports the end of input
    return;
  }
  boost::system::error_code ec;
  descriptor_.assign(fd, ec);
  if (ec) {
    ::close(fd);
    closed_ = true;
  }
}

void StdinReader::read(Handler handler) {
  if (closed_) {
    boost::asio::post(descriptor_.get_executor(), [h = std::move(handler)] { h({}, 0); });
    return;
  }
  reading_ = true;
  descriptor_.async_read_some(
      boost::asio::buffer(buffer_),
      [this, h = std::move(handler)](const boost::system::error_code& ec, std::size_t n) {
        reading_ = false;
        if (ec == boost::asio::error::operation_aborted) return;
        if (ec == boost::asio::error::eof) return h({}, 0);
        if (ec) return h({}, ec.value() != 0 ? ec.value() : EIO);
        h({buffer_.data(), n}, 0);
      });
}

void StdinReader::close() {
  closed_ = true;
  boost::system::error_code ignored;
  descriptor_.close(ignored);
}

}  // namespace tcpchat::client
