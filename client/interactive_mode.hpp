#pragma once

// Interactive mode: a person types in a line editor while the room's messages appear above it.

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <string>
#include <string_view>

#include "connection.hpp"
#include "echo_tracker.hpp"
#include "options.hpp"
#include "output.hpp"
#include "stdin.hpp"
#include "terminal.hpp"

namespace tcpchat::client {

class InteractiveMode {
 public:
  InteractiveMode(boost::asio::io_context& io, Options options, Output output,
                  const StdinState& stdin_state);
  // Runs until /quit, Ctrl-D or a failure; the terminal is restored when it returns.
  Outcome run();

 private:
  void on_signal(int signo);
  void on_connected();
  void on_message(const Message& m);
  // An @SERVER frame after which the connection stays open; a StorageError refuses our oldest
  // message still waiting for its echo.
  void on_notice(const Message& m);
  void on_line(std::string line);
  void run_command(std::string_view line);
  void send_text(std::string text);
  void note(std::string_view text);
  std::string prompt() const;
  void quit();
  void check_done();
  void finish(Outcome outcome);

  boost::asio::io_context& io_;
  Options options_;  // /name and /subject change it
  Output output_;
  Connection connection_;
  EchoTracker echoes_;
  Terminal terminal_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer timeout_timer_;
  bool quitting_ = false;
  bool finished_ = false;
  Outcome outcome_;
};

}  // namespace tcpchat::client
