#pragma once

// A live progress line on stderr, redrawn twice a second, only while stderr is a terminal.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <string>

namespace tcpchat::bench {

class Progress {
 public:
  Progress(boost::asio::io_context& io, bool wanted);

  // From now on, shows what `line()` returns.
  void show(std::function<std::string()> line);
  // Clears the line and stops redrawing.
  void stop();

 private:
  void arm();
  void draw();

  boost::asio::steady_timer timer_;
  std::function<std::string()> line_;
  bool enabled_;
  bool drawn_ = false;
};

}  // namespace tcpchat::bench
