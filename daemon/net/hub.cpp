#include "net/hub.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <utility>

#include "net/session.hpp"
#include "runtime/log.hpp"

namespace tcpchat {
namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// How often deadlines are checked: often enough for the shortest configured timeout.
Clock::duration sweep_interval(const Config& c) {
  Duration shortest = std::min(c.write_timeout, c.frame_timeout);
  if (c.idle_timeout.count() > 0) shortest = std::min(shortest, c.idle_timeout);
  return std::clamp<Duration>(shortest / 4, Duration(20), Duration(1000));
}

}  // namespace

Hub::Hub(asio::io_context& io, const Config& config)
    : io_(io), config_(config), sweep_timer_(io), now_(Clock::now()) {
  arm_sweep();
}

Hub::~Hub() = default;

void Hub::tick() {
  now_ = Clock::now();
}

std::uint64_t Hub::attach(Session& session) {
  live_.push_back(session);
  ++live_count_;
  ++counters_.connections_accepted;
  return ++last_id_;
}

void Hub::detach(Session& session) {
  static_cast<hub_hooks::Live&>(session).unlink();
  --live_count_;
  counters_.closed(session.reason());
  ClientRecord record = session.record(Clock::now());
  record.closed_at = std::chrono::system_clock::now();
  closed_.add(std::move(record));
  notify_if_empty();
}

void Hub::notify_if_empty() {
  if (!stopping_ || live_count_ > 0) return;
  sweep_timer_.cancel();
  if (auto done = std::exchange(on_empty_, nullptr)) done();
}

std::vector<std::shared_ptr<Session>> Hub::snapshot_live() const {
  std::vector<std::shared_ptr<Session>> out;
  out.reserve(live_count_);
  for (const Session& s : live_) out.push_back(const_cast<Session&>(s).shared_from_this());
  return out;
}

void Hub::schedule_flush(Session& session) {
  if (static_cast<hub_hooks::Flush&>(session).is_linked()) return;
  to_flush_.push_back(session);
  if (flush_posted_) return;
  flush_posted_ = true;
  asio::post(io_, [this] { flush_pending(); });
}

void Hub::flush_pending() {
  flush_posted_ = false;
  tick();
  while (!to_flush_.empty()) {
    Session& s = to_flush_.front();
    to_flush_.pop_front();
    s.flush();
  }
  if (held_.queued() > config_.max_total_queue_bytes) enforce_total_limit();
}

void Hub::enforce_total_limit() {
  // Only when over the bound, after this turn's writes: the walk is O(sessions) per drop. Every
  // live session counts, members or not: one that is finishing or rejecting still holds its
  // queue until it is written or the session is dropped. A dropped session's queue is released
  // at once, so the total shows what dropping it gave back.
  while (held_.queued() > config_.max_total_queue_bytes) {
    Session* largest = nullptr;
    for (Session& s : live_) {
      if (!s.doomed() && (!largest || s.queued_bytes() > largest->queued_bytes())) largest = &s;
    }
    if (!largest || largest->queued_bytes() == 0) break;
    drop(*largest, CloseReason::slow_consumer_total,
         "slow consumer: all queues together hold " + std::to_string(held_.queued()) +
             " bytes, over the limit of " + std::to_string(config_.max_total_queue_bytes) +
             " (--max-total-queue-bytes); this client had the largest queue, " +
             std::to_string(largest->queued_bytes()) + " bytes");
  }
}

bool Hub::may_read(bool in_frame, std::size_t missing) {
  const std::size_t limit = config_.max_total_input_bytes;
  const std::size_t held = held_.input();
  if (!in_frame || held + missing <= limit) {
    if (input_full_reported_ && held < limit) {
      input_full_reported_ = false;
      log::info("unfinished frames hold " + std::to_string(held) + " bytes, under the limit of " +
                std::to_string(limit) + " (--max-total-input-bytes) again");
    }
    return true;
  }
  if (!input_full_reported_) {
    input_full_reported_ = true;
    log::warning("unfinished frames of all clients hold " + std::to_string(held) +
                 " bytes, the limit is " + std::to_string(limit) +
                 " (--max-total-input-bytes): reading only from clients whose frame fits");
  }
  return false;
}

void Hub::drop(Session& session, CloseReason reason, const std::string& why) {
  if (!session.doom(reason)) return;
  ++dropped_;
  session.release_queue();
  log::warning(log::Repeat::dropped_client, "dropping client " + session.peer() + ": " + why);
  // Never close in the middle of a broadcast: the room's walk over its members must stay intact.
  to_drop_.push_back(session.shared_from_this());
  if (drop_posted_) return;
  drop_posted_ = true;
  asio::post(io_, [this] {
    drop_posted_ = false;
    auto batch = std::move(to_drop_);
    to_drop_.clear();
    for (auto& s : batch) s->abort();
  });
}

void Hub::arm_sweep() {
  sweep_timer_.expires_after(sweep_interval(config_));
  sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
    // A cancel can come after the timer expired: then the handler still sees success.
    if (ec || (stopping_ && live_count_ == 0)) return;
    sweep();
    arm_sweep();
  });
}

void Hub::park(Session& session) {
  parked_.push_back(session.shared_from_this());
}

void Hub::sweep() {
  tick();
  for (auto& s : std::exchange(parked_, {})) s->unpark();
  // Deadlines may close sessions, which changes the list: walk a snapshot.
  for (auto& s : snapshot_live()) s->check_deadlines(now_);
}

void Hub::apply(const Config& config) {
  config_ = config;
  const Limits limits{.max_body_bytes = config_.max_message_bytes};
  for (Session& s : live_) s.apply_limits(limits);
  sweep_timer_.cancel();
  if (!stopping_) arm_sweep();
}

void Hub::finish_all(std::function<void()> done) {
  stopping_ = true;
  on_empty_ = std::move(done);
  for (auto& s : snapshot_live()) {
    // A session still joining has nothing queued to flush; left alone it would join the room.
    if (!s->in_room() && !s->joining()) continue;
    s->end_for(CloseReason::shutdown);
    s->finish();
  }
  notify_if_empty();
}

void Hub::close_all() {
  stopping_ = true;
  sweep_timer_.cancel();
  parked_.clear();
  for (auto& s : snapshot_live()) {
    s->end_for(CloseReason::shutdown);
    s->close();
  }
}

}  // namespace tcpchat
