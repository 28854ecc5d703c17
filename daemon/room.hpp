#pragma once

#include <sys/uio.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "config.hpp"
#include "frame.hpp"
#include "tcpchat/message.hpp"

namespace tcpchat {

class Session;
class HistoryFile;

// The set of connected sessions and the one total order of messages: every accepted message is
// recorded (history ring, history file), encoded once and queued to every session, sender
// included. Writes happen once per batch, not per message, so a busy room costs few syscalls.
// Limits are enforced here: per-session and total queue bytes, client count, deadlines.
class Room {
 public:
  Room(boost::asio::io_context& io, const Config& config, HistoryFile* history_file);

  // Every live session, member or not (closing ones too): for deadlines and shutdown.
  void attach(Session& session);
  void detach(Session& session);
  std::size_t live() const { return all_.size(); }

  // Adds a session to the members who receive broadcasts and replays the history to it.
  void join(Session& session);
  void leave(Session& session);
  bool full() const { return sessions_.size() >= config_.max_clients; }
  std::size_t size() const { return sessions_.size(); }

  // Messages a session decoded from one read, to publish() in order.
  std::vector<Message>& incoming() { return incoming_; }
  // Records and broadcasts incoming(); a message the history file cannot record is not
  // broadcast and its sender gets a StorageError frame.
  void publish(Session& from);
  // Adds messages loaded from the history file at start to the replay ring.
  void preload(std::vector<Message> messages);

  // Session bookkeeping.
  void schedule_flush(Session& session);
  void unschedule_flush(Session& session);
  void queued(std::ptrdiff_t bytes);
  void drop(Session& session, const std::string& why);

  // Shared scratch space: one read buffer and one iovec array for the whole loop.
  std::array<char, 65536>& read_buffer() { return read_buffer_; }
  std::vector<iovec>& iovecs() { return iovecs_; }

  const Config& config() const { return config_; }
  // The loop's notion of now, read once per event instead of once per session and message.
  std::chrono::steady_clock::time_point now() const { return now_; }
  void tick() { now_ = std::chrono::steady_clock::now(); }
  void apply(const Config& config);
  // Stops reading from every session and closes each once its queue is flushed; calls `done`
  // when the last session is gone (at once if there is none).
  void finish_all(std::function<void()> done);
  void close_all();

  std::uint64_t messages() const { return messages_; }
  std::uint64_t dropped() const { return dropped_; }
  std::size_t total_queued_bytes() const { return total_queued_; }

 private:
  void broadcast(const Message& m, const Session& from);
  void flush_pending();
  void enforce_total_limit();
  void remember(const Frame& frame);
  void trim_history();
  void sweep();
  void arm_sweep();
  std::vector<std::shared_ptr<Session>> snapshot(const std::vector<Session*>& list) const;

  boost::asio::io_context& io_;
  Config config_;
  HistoryFile* history_file_;
  std::vector<Session*> sessions_;  // members: receive every broadcast
  std::vector<Session*> all_;       // every live session
  // Sessions with frames to send this turn; a session takes itself off when it dies.
  std::vector<Session*> to_flush_;
  std::vector<std::shared_ptr<Session>> to_drop_;
  std::vector<Message> incoming_;
  std::string lines_;  // scratch for history file lines
  std::deque<Frame> history_;
  std::size_t total_queued_ = 0;
  std::uint64_t messages_ = 0;
  std::uint64_t dropped_ = 0;
  boost::asio::steady_timer sweep_timer_;
  std::array<char, 65536> read_buffer_;
  std::vector<iovec> iovecs_;
  std::chrono::steady_clock::time_point now_ = std::chrono::steady_clock::now();
  bool flush_posted_ = false;
  bool drop_posted_ = false;
  bool stopping_ = false;
  std::function<void()> on_empty_;
};

}  // namespace tcpchat
