#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <span>
#include <vector>

#include "core/frame.hpp"
#include "core/member.hpp"
#include "core/sequencer.hpp"
#include "tcpchat/message.hpp"

namespace tcpchat {

struct RoomLimits {
  std::size_t history_messages = 0;     // how many recent frames the history keeps
  std::size_t history_bytes = 0;        // and at most how many bytes of them
  std::size_t replay_budget_bytes = 0;  // at most this much of it is replayed to a joiner
  std::size_t max_body_bytes = 0;       // frames with a longer body are not kept
};

// Who hears what: the members, the history ring and the broadcast of each accepted message, in
// the one order the sequencer gave it. The sequencer encodes each message once, and the same
// frame is delivered to every member, its sender included.
class Room {
 public:
  explicit Room(RoomLimits limits) : limits_(limits) {}
  Room(const Room&) = delete;
  Room& operator=(const Room&) = delete;

  // Adds `member` and replays to it the newest history that fits in the replay budget. A member
  // that joins during a broadcast hears that message through the history replay, or not at all.
  void join(Member& member);
  // A member that leaves during a broadcast hears nothing more of it; the others are unaffected.
  void leave(Member& member);
  std::size_t size() const { return members_.size() - holes_; }

  // Keeps `accepted`'s frame in the history and delivers it to every member.
  void publish(const Sequenced& accepted);
  // Delivers `frame` to every member, outside the history: a notice of the room's own.
  void announce(const Frame& frame);
  // Forgets the history: a cluster node fills it from the stream instead.
  void clear_history();
  // Adds messages recorded before a restart to the history, oldest first, without delivering.
  void preload(std::span<const Message> messages);
  void set_limits(RoomLimits limits);

  std::uint64_t messages() const { return messages_; }
  std::size_t history_size() const { return history_.size(); }
  std::size_t history_bytes() const { return history_bytes_; }

 private:
  void remember(const Frame& frame);
  void deliver_all(const Frame& frame);
  void trim_history();
  void close_holes();

  RoomLimits limits_;
  std::vector<Member*> members_;  // null where a member left during a broadcast
  std::size_t holes_ = 0;
  std::deque<Frame> history_;
  std::size_t history_bytes_ = 0;
  std::uint64_t messages_ = 0;
  bool broadcasting_ = false;
};

}  // namespace tcpchat
