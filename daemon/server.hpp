#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>
#include <vector>

#include "cluster/cluster_sequencer.hpp"
#include "core/local_sequencer.hpp"
#include "core/room.hpp"
#include "monitor/monitor.hpp"
#include "monitor/source.hpp"
#include "net/hub.hpp"
#include "net/listener.hpp"
#include "net/session.hpp"
#include "runtime/config.hpp"
#include "runtime/log_pump.hpp"
#include "runtime/service_manager.hpp"
#include "storage/history_file.hpp"
#include "tls/tls_context.hpp"

namespace tcpchat {

// The wiring of everything on the one event loop: listeners hand sockets to sessions, sessions
// submit to the sequencer, which records in the history file and hands the order to the room,
// whose members' queues the hub flushes. It also owns signals, reloads and timers. Nothing here
// runs on another thread.
class Server final : private OrderedSink, private MonitorSource {
 public:
  // Binds every address, loads the auth file and the TLS certificate and opens the history
  // file; throws ListenError / AuthFileError / TlsError / HistoryError.
  // `session_budget`: the most sessions open at once, whatever their state, so that the daemon's
  // own descriptors always fit under the open-file limit.
  Server(boost::asio::io_context& io, Config config, std::vector<std::string> args,
         std::size_t session_budget);

  // Starts accepting and handling signals; a cluster node first waits for its link's first
  // attempt. io_context::run() returns once the server has shut down (SIGINT/SIGTERM) and every
  // session is gone.
  void start();
  // After a failure on the loop: stops listening and every timer, and closes every session at
  // once, so that the pending handlers can finish before the server goes.
  void abandon();

 private:
  void on_sequenced(const Sequenced& accepted) override;
  // MonitorSource
  Gauges gauges() const override;
  const Counters& counters() const override;
  std::vector<ClientRecord> open_clients() const override;
  const ClosedClients& closed_clients() const override;
  std::optional<std::string> not_ready() const override;
  void open_monitor();
  // The sequencer: a single node's own, or the cluster's once the listeners are bound.
  void make_sequencer();
  void serve();
  // The history file's newest messages into the history ring.
  void preload_history();
  void open_listeners();
  void add_listener(boost::asio::ip::tcp::acceptor acceptor, bool tls);
  void on_accept(boost::asio::ip::tcp::socket socket, std::string peer, bool tls);
  // Loads the certificate again on SIGHUP; a bad one leaves the running one in place.
  void reload_tls();
  // Reads the auth file again on SIGHUP; ends the sessions of accounts it withdrew.
  void reload_accounts();
  void log_certificate() const;
  void on_signal(int signo);
  void shutdown(const char* why);
  void reload();
  // The scheduler slice of --scheduler-slice-us, for the loop's thread; at start and on SIGHUP.
  void apply_scheduler_slice();
  void arm_fsync();
  void arm_signals();
  std::string status() const;
  std::optional<std::string> why_full() const;

  boost::asio::io_context& io_;
  log::LogPump log_pump_;
  Config config_;
  std::vector<std::string> args_;  // for re-reading the configuration on SIGHUP
  std::unique_ptr<HistoryFile> history_file_;
  Room room_;
  std::unique_ptr<LocalSequencer> local_sequencer_;
  std::unique_ptr<ClusterSequencer> cluster_;
  Hub hub_;
  Access access_;
  SessionContext session_context_;
  ServiceManager service_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<std::unique_ptr<Listener>> tls_listeners_;
  std::shared_ptr<const TlsContext> tls_context_;  // the one new TLS connections take
  std::unique_ptr<Monitor> monitor_;
  std::string monitor_name_;  // ADDR:PORT it serves on
  bool monitor_loopback_ = true;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer fsync_timer_;
  boost::asio::steady_timer shutdown_timer_;
  std::size_t session_budget_;
  bool stopping_ = false;
  bool stream_history_ = false;  // the history ring was filled from the cluster's stream
};

struct HistoryError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace tcpchat
