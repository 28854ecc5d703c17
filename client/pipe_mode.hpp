#pragma once

// Scripting mode: send stdin (or --send), or --listen; stdout is the room's transcript.

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <string>

#include "backoff.hpp"
#include "connection.hpp"
#include "echo_tracker.hpp"
#include "input.hpp"
#include "options.hpp"
#include "output.hpp"
#include "stdin.hpp"

namespace tcpchat::client {

class PipeMode {
 public:
  PipeMode(boost::asio::io_context& io, const Options& options, Output output);
  // Runs until the work is done or fails; the outcome's sentence is not said yet.
  Outcome run();

 private:
  bool sending() const { return !options_.listen; }
  void on_signal(int signo);
  void on_connected();
  void on_message(const Message& m);
  // An @SERVER frame after which the connection stays open; a StorageError refuses our oldest
  // message still waiting for its echo.
  void on_notice(const Message& m);
  void on_failed(Outcome outcome);
  void do_reconnect(const std::string& why);
  void do_read_stdin();
  void on_stdin(std::string_view chunk, int error);
  void take_line(const LineSplitter::Line& line);
  void take_whole(std::string_view chunk);
  void end_of_input();
  void send(Prepared prepared, const std::string& what);
  Message draft() const;
  void print(const Message& m);
  void start_timeout();
  void on_timeout();
  void check_done();
  void finish(Outcome outcome);

  boost::asio::io_context& io_;
  const Options& options_;
  Output output_;
  Connection connection_;
  EchoTracker echoes_;
  StdinReader stdin_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer timeout_timer_;
  boost::asio::steady_timer reconnect_timer_;
  Backoff backoff_;
  LineSplitter lines_;
  std::string whole_;  // --input whole: stdin so far
  std::uint64_t whole_bytes_ = 0;
  std::uint64_t lines_seen_ = 0;
  std::uint64_t lines_not_sent_ = 0;
  std::string input_problem_;  // --input whole / --send: why it was not sent
  std::uint64_t received_ = 0;
  std::uint64_t refused_ = 0;   // sent, then refused by the server (StorageError, NameMismatch)
  std::string refusals_;        // the subjects of those refusals, each once
  bool was_connected_ = false;  // to say "reconnected" rather than "connected" after retries
  bool input_ended_ = false;
  bool stdout_closed_ = false;
  bool finished_ = false;
  Outcome outcome_;
};

}  // namespace tcpchat::client
