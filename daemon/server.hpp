#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <vector>

#include "config.hpp"
#include "history_file.hpp"
#include "listener.hpp"
#include "room.hpp"
#include "service_manager.hpp"

namespace tcpchat {

// Owns everything on the one event loop: listeners, the room, the history file, signals and
// timers. Nothing here runs on another thread.
class Server {
 public:
  // Binds every address and opens the history file; throws ListenError / HistoryError.
  Server(boost::asio::io_context& io, Config config, std::vector<std::string> args);

  // Starts accepting and handling signals. io_context::run() returns once the server has
  // shut down (SIGINT/SIGTERM) and every session is gone.
  void start();

 private:
  void on_accept(boost::asio::ip::tcp::socket socket);
  void on_signal(int signo);
  void shutdown(const char* why);
  void reload();
  void arm_fsync();
  void arm_signals();

  boost::asio::io_context& io_;
  Config config_;
  std::vector<std::string> args_;  // for re-reading the configuration on SIGHUP
  std::unique_ptr<HistoryFile> history_file_;
  Room room_;
  ServiceManager service_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer fsync_timer_;
  boost::asio::steady_timer shutdown_timer_;
  bool stopping_ = false;
};

struct HistoryError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace tcpchat
