#include "room.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <utility>

#include "history_file.hpp"
#include "log.hpp"
#include "server_frame.hpp"
#include "session.hpp"
#include "tcpchat/encode.hpp"
#include "tcpchat/format.hpp"

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

Room::Room(asio::io_context& io, const Config& config, HistoryFile* history_file)
    : io_(io), config_(config), history_file_(history_file), sweep_timer_(io) {
  iovecs_.reserve(1024);
  arm_sweep();
}

void Room::attach(Session& session) {
  session.all_index = all_.size();
  all_.push_back(&session);
}

void Room::detach(Session& session) {
  const std::size_t i = session.all_index;
  all_[i] = all_.back();
  all_[i]->all_index = i;
  all_.pop_back();
  if (stopping_ && all_.empty()) {
    sweep_timer_.cancel();
    if (auto done = std::exchange(on_empty_, nullptr)) done();
  }
}

std::vector<std::shared_ptr<Session>> Room::snapshot(const std::vector<Session*>& list) const {
  std::vector<std::shared_ptr<Session>> out;
  out.reserve(list.size());
  for (Session* s : list) out.push_back(s->shared_from_this());
  return out;
}

void Room::join(Session& session) {
  session.room_index = sessions_.size();
  session.in_room = true;
  sessions_.push_back(&session);
  // Replay the newest history that fits in half the session's queue bound.
  const std::size_t budget = config_.max_queue_bytes / 2;
  std::size_t bytes = 0;
  auto first = history_.end();
  while (first != history_.begin() && bytes + (*std::prev(first))->size() <= budget) {
    --first;
    bytes += (*first)->size();
  }
  for (auto it = first; it != history_.end(); ++it) session.deliver(*it);
}

void Room::leave(Session& session) {
  if (!session.in_room) return;
  const std::size_t i = session.room_index;
  sessions_[i] = sessions_.back();
  sessions_[i]->room_index = i;
  sessions_.pop_back();
  session.in_room = false;
}

void Room::preload(std::vector<Message> messages) {
  for (const auto& m : messages) remember(std::make_shared<const std::string>(encode(m)));
}

void Room::remember(const Frame& frame) {
  if (config_.history == 0) return;
  history_.push_back(frame);
  trim_history();
}

void Room::trim_history() {
  while (history_.size() > config_.history) history_.pop_front();
}

void Room::publish(Session& from) {
  if (history_file_) {
    lines_.clear();
    for (const auto& m : incoming_) {
      lines_ += format_json(m);
      lines_ += '\n';
    }
    std::string error;
    if (!history_file_->append(lines_, error)) {
      log::error(error + "; " + std::to_string(incoming_.size()) + " message(s) from " +
                 from.peer() + " not broadcast");
      for (std::size_t i = 0; i < incoming_.size(); ++i) {
        from.deliver(server_frame("StorageError",
                                  "the server could not record your message, so it was not "
                                  "delivered; try again later"));
      }
      incoming_.clear();
      return;
    }
  }
  for (const auto& m : incoming_) broadcast(m, from);
  incoming_.clear();
}

void Room::broadcast(const Message& m, const Session& from) {
  const Frame frame = std::make_shared<const std::string>(encode(m));
  ++messages_;
  remember(frame);
  if (config_.log_messages && log::enabled(log::Level::info)) {
    log::info("message from " + from.peer() + ": " + format_line(m));
  }
  for (Session* s : sessions_) s->deliver(frame);
}

void Room::schedule_flush(Session& session) {
  if (session.flush_scheduled) return;
  session.flush_scheduled = true;
  to_flush_.push_back(&session);
  if (flush_posted_) return;
  flush_posted_ = true;
  asio::post(io_, [this] { flush_pending(); });
}

void Room::unschedule_flush(Session& session) {
  if (!session.flush_scheduled) return;
  session.flush_scheduled = false;
  std::erase(to_flush_, &session);
}

void Room::flush_pending() {
  flush_posted_ = false;
  tick();
  auto batch = std::move(to_flush_);
  to_flush_.clear();
  for (auto& s : batch) {
    s->flush_scheduled = false;
    s->flush();
  }
  batch.clear();
  if (to_flush_.empty()) to_flush_.swap(batch);  // keep the capacity for the next turn
}

void Room::queued(std::ptrdiff_t bytes) {
  total_queued_ = static_cast<std::size_t>(static_cast<std::ptrdiff_t>(total_queued_) + bytes);
  if (bytes > 0 && total_queued_ > config_.max_total_queue_bytes) enforce_total_limit();
}

void Room::enforce_total_limit() {
  // Every live session counts, members or not: one that is finishing or rejecting still holds
  // its queue until it is written or the session is dropped.
  std::size_t total = total_queued_;
  for (Session* s : all_) {
    if (s->doomed) total -= s->queued_bytes();
  }
  while (total > config_.max_total_queue_bytes) {
    Session* largest = nullptr;
    for (Session* s : all_) {
      if (!s->doomed && (!largest || s->queued_bytes() > largest->queued_bytes())) largest = s;
    }
    if (!largest || largest->queued_bytes() == 0) break;
    total -= largest->queued_bytes();
    drop(*largest, "slow consumer: all queues together hold " + std::to_string(total_queued_) +
                       " bytes, over the limit of " +
                       std::to_string(config_.max_total_queue_bytes) +
                       " (--max-total-queue-bytes); this client had the largest queue, " +
                       std::to_string(largest->queued_bytes()) + " bytes");
  }
}

void Room::drop(Session& session, const std::string& why) {
  if (session.doomed) return;
  session.doomed = true;
  ++dropped_;
  log::warning("dropping client " + session.peer() + ": " + why);
  // Never close in the middle of a broadcast: the loop over sessions_ must stay intact.
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

void Room::arm_sweep() {
  sweep_timer_.expires_after(sweep_interval(config_));
  sweep_timer_.async_wait([this](const boost::system::error_code& ec) {
    // A cancel can come after the timer expired: then the handler still sees success.
    if (ec || (stopping_ && all_.empty())) return;
    sweep();
    arm_sweep();
  });
}

void Room::sweep() {
  tick();
  const auto now = now_;
  // Deadlines may close sessions, which changes the lists: walk a snapshot.
  for (auto& s : snapshot(all_)) s->check_deadlines(now);
}

void Room::apply(const Config& config) {
  config_ = config;
  trim_history();
  const Limits limits{.max_body_bytes = config_.max_message_bytes};
  for (Session* s : sessions_) s->apply_limits(limits);
  sweep_timer_.cancel();
  if (!stopping_) arm_sweep();
}

void Room::finish_all(std::function<void()> done) {
  stopping_ = true;
  on_empty_ = std::move(done);
  for (auto& s : snapshot(sessions_)) s->finish();
  if (all_.empty()) {
    sweep_timer_.cancel();
    if (auto callback = std::exchange(on_empty_, nullptr)) callback();
  }
}

void Room::close_all() {
  stopping_ = true;
  sweep_timer_.cancel();
  for (auto& s : snapshot(all_)) s->close();
}

}  // namespace tcpchat
