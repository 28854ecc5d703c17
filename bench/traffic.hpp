#pragma once

// The load of a run: publishers send stamped messages (closed loop within a window, or open loop
// on a schedule) and every delivery to every client is checked and timed.

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <vector>

#include "delivery_tracker.hpp"
#include "fleet.hpp"
#include "histogram.hpp"
#include "marker.hpp"
#include "options.hpp"
#include "tcpchat/message.hpp"

namespace tcpchat::bench {

class Traffic {
 public:
  static constexpr std::size_t not_counting = static_cast<std::size_t>(-1);

  // Publisher p is connection #p of `fleet`; every connection of `fleet` receives. Messages are
  // `base` with a marker as their text; timestamps count from `epoch`.
  Traffic(boost::asio::io_context& io, Fleet& fleet, Waiter& waiter, const Options& options,
          const MarkerCodec& marker, const Message& base, Clock::time_point epoch);

  // Publishing starts: every window is filled, or the schedule begins.
  void start();
  // No more messages are published (a --duration run ends, or time is up); those sent are
  // still awaited.
  void stop_publishing();
  // A data message from this run, received by `receiver` when a read returned at `at`.
  void on_data(Connection& receiver, const Stamp& stamp, Clock::time_point at);
  // The daemon refused a message `sender` sent (it does not say which). A publisher's refused
  // message is counted as refused rather than lost if no client receives it (see
  // DeliveryTracker::tally), and no longer holds a place in its window.
  void on_refused(const Connection& sender);

  // With --churn, what each connection is owed (see DeliveryTracker): a period of connection is a
  // receiver of its own, and a connection counts deliveries only while count_for() names one.
  std::size_t add_period() { return tracker_.add_receiver(); }
  void count_for(const Connection& c, std::size_t period) { periods_[c.index] = period; }
  // The period owes publisher `p`'s messages from (until) the one after the last of its own that
  // `p` has received.
  void owe_from(std::size_t period, std::size_t p);
  void owe_until(std::size_t period, std::size_t p);
  std::size_t publisher_count() const { return publishers_.size(); }

  bool publishing_done() const { return published_ == planned_; }
  // A refused message of unknown outcome that is delivered after all may end this early.
  bool all_delivered() const { return publishing_done() && tracker_.delivered() >= expected(); }
  std::uint64_t published() const { return published_; }
  std::uint64_t expected() const;
  std::uint64_t delivered() const { return tracker_.delivered(); }
  // Messages with this run's marker but a publisher or sequence number never sent.
  std::uint64_t impossible() const { return impossible_; }
  Tally tally() const;
  const LatencyHistogram& latency() const { return latency_; }
  std::size_t frame_bytes() const { return frame_bytes_; }
  Clock::time_point started() const { return started_; }
  // From the first message sent to the last one sent, and to the last one delivered.
  double publish_seconds() const;
  double elapsed_seconds() const;
  // How late the open-loop schedule ran at worst.
  std::chrono::nanoseconds schedule_lag_max() const { return schedule_lag_max_; }

 private:
  struct Publisher {
    Connection* connection = nullptr;
    Message message;  // reused: only its text changes
    std::uint64_t sent = 0;
    std::uint64_t quota = 0;
    // With --rate 0: messages sent but not yet received by every client, and for message seq
    // the clients yet to receive it at [seq % window].
    std::size_t in_flight = 0;
    std::vector<std::uint32_t> missing;
    std::uint64_t echoes = 0;  // of its own messages, received by itself
    std::uint64_t refused = 0;
  };

  void publish(Publisher& p, Clock::time_point now);
  void top_up(Publisher& p);
  Clock::time_point due(std::uint64_t n) const;
  void arm_schedule(Clock::time_point at);
  void on_schedule();

  Fleet& fleet_;
  Waiter& waiter_;
  const Options& options_;
  const MarkerCodec& marker_;
  const Clock::time_point epoch_;
  boost::asio::steady_timer schedule_;
  std::vector<Publisher> publishers_;
  DeliveryTracker tracker_;
  std::vector<std::size_t> periods_;  // per connection: its receiver in tracker_, or not_counting
  LatencyHistogram latency_;
  std::uint64_t planned_ = 0;  // over all publishers; UINT64_MAX until a --duration run ends
  std::uint64_t published_ = 0;
  std::uint64_t refused_ = 0;   // messages of the publishers, over all of them
  std::uint64_t next_due_ = 0;  // open loop: the next message of the schedule
  std::uint64_t impossible_ = 0;
  std::size_t frame_bytes_ = 0;
  Clock::time_point started_;
  Clock::time_point last_published_;
  Clock::time_point last_delivered_;
  std::chrono::nanoseconds schedule_lag_max_{0};
};

}  // namespace tcpchat::bench
