#include "progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace tcpchat::bench {

using namespace std::chrono_literals;

Progress::Progress(boost::asio::io_context& io, bool wanted)
    : timer_(io), enabled_(wanted && isatty(STDERR_FILENO)) {}

void Progress::show(std::function<std::string()> line) {
  if (!enabled_) return;
  const bool running = static_cast<bool>(line_);
  line_ = std::move(line);
  if (!running) arm();
}

void Progress::arm() {
  timer_.expires_after(500ms);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    draw();
    arm();
  });
}

void Progress::draw() {
  // \r and "erase to end of line": the line is redrawn in place and never scrolls.
  std::fprintf(stderr, "\r\033[K%s", line_().c_str());
  std::fflush(stderr);
  drawn_ = true;
}

void Progress::stop() {
  timer_.cancel();
  line_ = nullptr;
  if (drawn_) std::fprintf(stderr, "\r\033[K");
  drawn_ = false;
}

}  // namespace tcpchat::bench
