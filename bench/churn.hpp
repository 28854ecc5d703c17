#pragma once

// Clients that leave and rejoin at random while the load runs (--churn), and what each is owed
// for the periods it is connected.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <random>
#include <vector>

#include "fleet.hpp"
#include "marker.hpp"
#include "options.hpp"
#include "traffic.hpp"

namespace tcpchat::bench {

// A client that does not publish leaves by sending a leave marker; once it receives the marker's
// echo it resets its connection, reconnects at once and sends a join marker. Its periods of
// connection run from the echo of a join marker (or the start of the load) to the echo of the
// next leave marker, and each period is owed, per publisher, the messages that publisher's own
// stream shows between the two markers. Publishers never leave: their streams are the reference.
class Churn {
 public:
  Churn(boost::asio::io_context& io, Fleet& fleet, Waiter& waiter, const Options& options,
        const MarkerCodec& marker, const Message& base, Traffic& traffic);

  // Leaves begin, at random ticks.
  void start();
  // No new leaves; those under way complete.
  void stop();
  // The ticks end: at the end of the run.
  void end() { timer_.cancel(); }
  // A join or leave marker of this run, received by `receiver`.
  void on_marker(Connection& receiver, const ParsedText& parsed);
  // Every client that left is back, and every publisher has seen every marker sent, so what
  // each period is owed is known.
  bool settled() const { return away_ == 0 && unseen_ == 0; }
  std::uint64_t reconnects() const { return reconnects_; }

 private:
  enum class State { present, leaving, reconnecting, joining };
  struct Client {
    std::vector<std::size_t> periods;  // [period number]: its receiver in the traffic's tracker
    State state = State::present;
  };

  void arm();
  void tick();
  void rejoin(Connection& c);
  void send_marker(Connection& c, TextKind kind);

  Fleet& fleet_;
  Waiter& waiter_;
  const Options& options_;
  const MarkerCodec& marker_;
  Traffic& traffic_;
  boost::asio::io_context& io_;
  boost::asio::steady_timer timer_;
  Message message_;  // the markers' message; only its text changes
  std::mt19937_64 random_;
  Clock::time_point last_tick_;
  std::vector<Client> clients_;  // [connection index]
  std::size_t away_ = 0;
  std::uint64_t unseen_ = 0;  // markers sent times publishers, less the publishers' sightings
  std::uint64_t reconnects_ = 0;
  bool stopped_ = false;
};

}  // namespace tcpchat::bench
