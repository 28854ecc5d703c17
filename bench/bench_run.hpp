#pragma once

// One run from start to end: find or spawn the daemon, connect, warm up, then publish and drain
// (load) or hold (idle), then tear down and collect the result.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <optional>
#include <string>
#include <vector>

#include "churn.hpp"
#include "data_frame.hpp"
#include "fleet.hpp"
#include "marker.hpp"
#include "options.hpp"
#include "proc_stats.hpp"
#include "progress.hpp"
#include "report.hpp"
#include "spawned_daemon.hpp"
#include "tls_certificate.hpp"
#include "traffic.hpp"
#include "waiter.hpp"

namespace tcpchat::bench {

// Runs one bench on an io_context of its own. Throws Failure when the daemon cannot be reached
// or started.
Result run_bench(const Options& options);

class BenchRun {
 public:
  BenchRun(boost::asio::io_context& io, const Options& options);

  // The result, problems included. Throws Failure when the daemon cannot be reached or started.
  boost::asio::awaitable<Result> run();

 private:
  boost::asio::awaitable<void> run_phases(Result& r);
  // Where the clients connect: one daemon, or with --ports several on one address.
  boost::asio::awaitable<std::vector<boost::asio::ip::tcp::endpoint>> locate_daemon();
  boost::asio::awaitable<bool> warm_up(Result& r);
  boost::asio::awaitable<void> load(Result& r);
  boost::asio::awaitable<void> hold(Result& r);
  boost::asio::awaitable<void> tear_down(Result& r);

  void on_message(Connection& c, Message&& m, Clock::time_point at);
  void send_warm_up(Connection& c);
  // An @SERVER frame that refuses one message `c` sent, or one that tells of a gap in the order.
  void on_refused(Connection& c, const Message& m);
  void on_history_gap(Connection& c, const Message& m);
  // Records a problem; halt() also ends the current phase and skips the rest.
  void problem(std::string what);
  void halt(std::string what);
  std::optional<ProcSample> sample_daemon() const;
  Clock::time_point deadline() const;
  std::string progress_line() const;

  boost::asio::io_context& io_;
  const Options& options_;
  const Clock::time_point epoch_;
  MarkerCodec marker_;
  const Message data_message_;  // every data message is this with a marker as its text
  Message warm_up_message_;
  DataFrameTemplate data_frame_;
  Waiter waiter_;
  Fleet fleet_;
  Progress progress_;
  boost::asio::signal_set signals_;
  std::optional<TemporaryCertificate> certificate_;  // for a spawned daemon's TLS port
  std::optional<SpawnedDaemon> daemon_;
  std::optional<int> daemon_pid_;
  std::optional<Traffic> traffic_;
  std::optional<Churn> churn_;
  std::vector<bool> warmed_up_;
  std::size_t warmed_up_count_ = 0;
  std::uint64_t decoded_data_frames_ = 0;
  std::uint64_t malformed_ = 0;
  std::uint64_t foreign_ = 0;
  std::uint64_t server_frames_ = 0;
  // refuses_one_message() frames: messages the daemon did not deliver, and of those the ones
  // whose outcome is unknown (a cluster's Redis did not confirm them in time: they may still be).
  std::uint64_t refused_ = 0;
  std::uint64_t refused_outcome_unknown_ = 0;
  std::uint64_t history_gaps_ = 0;  // HistoryGap notices, over all connections
  std::optional<std::string> first_history_gap_;
  std::string phase_;
  std::vector<std::string> problems_;
  bool halted_ = false;
};

}  // namespace tcpchat::bench
