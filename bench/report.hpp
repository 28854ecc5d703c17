#pragma once

// What a run measured, and its two printed forms: a report for people, one JSON line for scripts.

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "delivery_tracker.hpp"
#include "fleet.hpp"

namespace tcpchat::bench {

struct LatencySummary {  // microseconds
  std::uint64_t samples = 0;
  double p50_us = 0;
  double p90_us = 0;
  double p99_us = 0;
  double p999_us = 0;
  double max_us = 0;
  double mean_us = 0;
};

struct Result {
  // What was asked.
  bool idle = false;
  std::string label;
  std::string target;  // ADDR:PORT connected to, or ADDR:PORT,PORT,... with --ports
  bool spawned = false;
  bool tls = false;
  std::size_t clients = 0;  // connections opened (--clients, or --connections when idle)
  std::size_t publishers = 0;
  std::size_t size_bytes = 0;
  std::size_t frame_bytes = 0;  // on the wire, for the first message
  std::optional<std::uint64_t> messages;
  std::optional<double> duration_s;
  double rate = 0;
  std::size_t window = 0;
  double churn = 0;
  std::size_t source_addresses = 0;

  // Setting up.
  double connect_s = 0;
  double warm_up_s = 0;
  std::uint64_t warm_up_frames = 0;

  // The load.
  std::uint64_t published = 0;
  std::uint64_t expected = 0;
  Tally tally;
  std::uint64_t reconnects = 0;           // --churn: clients that left and came back
  std::uint64_t impossible = 0;           // this run's marker, but never sent
  std::uint64_t decoded_data_frames = 0;  // data frames not byte for byte as sent
  std::uint64_t malformed = 0;            // this run's prefix, unreadable marker
  std::uint64_t foreign = 0;              // messages of other senders, ignored
  // Messages the daemon refused (@SERVER frames), and of those the ones a cluster did not
  // confirm in time; HistoryGap notices received, and the first ("connection #N: TEXT").
  std::uint64_t refused = 0;
  std::uint64_t refused_outcome_unknown = 0;
  std::uint64_t history_gaps = 0;
  std::optional<std::string> first_history_gap;
  double publish_s = 0;
  double elapsed_s = 0;
  double published_per_s = 0;
  double delivered_per_s = 0;
  LatencySummary latency;
  double schedule_lag_max_us = 0;

  // This program.
  IoCounters io;
  double bench_cpu_s = 0;

  // The daemon, when spawned or named with --pid.
  std::optional<int> daemon_pid;
  std::optional<double> daemon_cpu_s;  // while publishing and draining
  std::optional<std::uint64_t> daemon_rss_before_kb;
  std::optional<std::uint64_t> daemon_rss_after_kb;
  std::optional<std::uint64_t> daemon_peak_rss_kb;
  std::optional<double> rss_per_connection_bytes;
  std::optional<bool> daemon_alive_after;
  std::optional<int> daemon_exit_status;

  std::vector<std::string> problems;
  bool ok() const { return problems.empty(); }
};

void print_text(std::ostream& out, const Result& r);
void print_json(std::ostream& out, const Result& r);

}  // namespace tcpchat::bench
