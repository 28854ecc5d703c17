#include "traffic.hpp"

#include <algorithm>
#include <limits>

#include "tcpchat/encode.hpp"

namespace tcpchat::bench {
namespace {

constexpr std::uint64_t unlimited = std::numeric_limits<std::uint64_t>::max();

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

std::int64_t nanoseconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
}

}  // namespace

Traffic::Traffic(boost::asio::io_context& io, Fleet& fleet, Waiter& waiter, const Options& options,
                 const MarkerCodec& marker, const Message& base, Clock::time_point epoch)
    : fleet_(fleet),
      waiter_(waiter),
      options_(options),
      marker_(marker),
      epoch_(epoch),
      schedule_(io),
      publishers_(options.publishers),
      tracker_(fleet.size(), options.publishers),
      periods_(fleet.size()) {
  for (std::size_t i = 0; i < periods_.size(); ++i) periods_[i] = i;
  // Open loop for a duration is a fixed number of messages too.
  const std::uint64_t total = !options.duration_s ? options.messages
                              : options.rate > 0
                                  ? static_cast<std::uint64_t>(*options.duration_s * options.rate)
                                  : unlimited;
  planned_ = total;
  const std::uint64_t count = publishers_.size();
  for (std::size_t i = 0; i < publishers_.size(); ++i) {
    Publisher& p = publishers_[i];
    p.connection = &fleet[i];
    p.message = base;
    if (options.rate == 0) p.missing.assign(options.window, 0);
    p.quota = total == unlimited ? unlimited : total / count + (i < total % count ? 1 : 0);
  }
}

void Traffic::start() {
  started_ = Clock::now();
  last_published_ = started_;
  last_delivered_ = started_;
  if (options_.rate > 0) {
    arm_schedule(started_);
    return;
  }
  for (Publisher& p : publishers_) {
    top_up(p);
    fleet_.flush(*p.connection);
  }
  if (options_.duration_s) {
    schedule_.expires_at(started_ + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(*options_.duration_s)));
    schedule_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) stop_publishing();
    });
  }
}

void Traffic::stop_publishing() {
  schedule_.cancel();
  for (Publisher& p : publishers_) p.quota = p.sent;
  planned_ = published_;
  waiter_.wake();
}

void Traffic::publish(Publisher& p, Clock::time_point now) {
  const auto index = static_cast<std::uint32_t>(&p - publishers_.data());
  marker_.write_data(p.message.message, Stamp{index, p.sent, nanoseconds_between(epoch_, now)},
                     options_.size_bytes);
  std::string& outbox = p.connection->outbox;
  const std::size_t before = outbox.size();
  encode_to(outbox, p.message);
  if (frame_bytes_ == 0) frame_bytes_ = outbox.size() - before;
  if (!p.missing.empty()) {
    p.missing[p.sent % p.missing.size()] = static_cast<std::uint32_t>(fleet_.size());
    ++p.in_flight;
  }
  ++p.sent;
  ++published_;
  last_published_ = now;
}

void Traffic::top_up(Publisher& p) {
  const auto now = Clock::now();
  while (p.in_flight < options_.window && p.sent < p.quota) publish(p, now);
}

// Message n of the schedule is publisher n % P's, due n / rate seconds after the start.
Clock::time_point Traffic::due(std::uint64_t n) const {
  return started_ + std::chrono::duration_cast<Clock::duration>(
                        std::chrono::duration<double>(static_cast<double>(n) / options_.rate));
}

void Traffic::arm_schedule(Clock::time_point at) {
  schedule_.expires_at(at);
  schedule_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) on_schedule();
  });
}

void Traffic::on_schedule() {
  const auto now = Clock::now();
  while (published_ < planned_ && due(next_due_) <= now) {
    schedule_lag_max_ = std::max(schedule_lag_max_, now - due(next_due_));
    Publisher& p = publishers_[next_due_ % publishers_.size()];
    publish(p, now);
    fleet_.flush(*p.connection);
    ++next_due_;
  }
  if (published_ < planned_) {
    arm_schedule(due(next_due_));
  } else {
    waiter_.wake();
  }
}

void Traffic::on_data(Connection& receiver, const Stamp& stamp, Clock::time_point at) {
  if (stamp.publisher >= publishers_.size() || stamp.seq >= publishers_[stamp.publisher].sent) {
    ++impossible_;
    return;
  }
  const std::size_t period = periods_[receiver.index];
  if (period == not_counting) return;
  latency_.add(nanoseconds_between(epoch_, at) - stamp.sent_ns);
  last_delivered_ = at;
  if (!tracker_.record(period, stamp.publisher, stamp.seq)) return;
  Publisher& p = publishers_[stamp.publisher];
  if (receiver.index == stamp.publisher) ++p.echoes;
  // Closed loop: a message leaves the window once every client has it, so at most `window`
  // messages per publisher wait anywhere, whichever order the daemon serves its clients in. (Once
  // a refusal has freed a place for a message that is delivered after all, counts can run out:
  // the window is then a little wider, never stuck.)
  if (!p.missing.empty()) {
    std::uint32_t& missing = p.missing[stamp.seq % p.missing.size()];
    if (missing > 0 && --missing == 0 && p.in_flight > 0) {
      --p.in_flight;
      top_up(p);
      fleet_.defer_flush(*p.connection);
    }
  }
  // With --churn, what is owed is only known once the markers are in: the churn's ticks look.
  if (options_.churn == 0 && all_delivered()) waiter_.wake();
}

void Traffic::on_refused(const Connection& sender) {
  if (sender.index >= publishers_.size()) return;
  Publisher& p = publishers_[sender.index];
  ++p.refused;
  ++refused_;
  // The refused message never completes: its place in the window is given back now.
  if (!p.missing.empty() && p.in_flight > 0) {
    --p.in_flight;
    top_up(p);
    fleet_.defer_flush(*p.connection);
  }
  waiter_.wake();
}

void Traffic::owe_from(std::size_t period, std::size_t p) {
  tracker_.owe_from(period, static_cast<std::uint32_t>(p), publishers_[p].echoes);
}

void Traffic::owe_until(std::size_t period, std::size_t p) {
  tracker_.owe_until(period, static_cast<std::uint32_t>(p), publishers_[p].echoes);
}

std::uint64_t Traffic::expected() const {
  return options_.churn == 0 ? (published_ - std::min(refused_, published_)) * fleet_.size()
                             : tally().owed;
}

Tally Traffic::tally() const {
  std::vector<std::uint64_t> sent;
  std::vector<std::uint64_t> refused;
  for (const Publisher& p : publishers_) {
    sent.push_back(p.sent);
    refused.push_back(p.refused);
  }
  return tracker_.tally(sent, refused);
}

double Traffic::publish_seconds() const {
  return seconds_between(started_, last_published_);
}

double Traffic::elapsed_seconds() const {
  return seconds_between(started_, std::max(last_published_, last_delivered_));
}

}  // namespace tcpchat::bench
