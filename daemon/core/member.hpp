#pragma once

#include <cstddef>
#include <limits>

#include "core/frame.hpp"

namespace tcpchat {

class Room;

// What the Room needs of whoever hears the room: a place to queue frames. A member's slot in the
// Room belongs to the Room; the member only asks whether it has one.
class Member {
 public:
  Member(const Member&) = delete;
  Member& operator=(const Member&) = delete;

  // Queues `frame` for sending. Called during a broadcast: it must not write to a socket, and
  // if it decides to leave, it leaves through the Room like anyone else.
  virtual void deliver(const Frame& frame) = 0;

  bool in_room() const { return slot_ != no_slot; }

 protected:
  Member() = default;
  ~Member() = default;

 private:
  friend class Room;
  static constexpr std::size_t no_slot = std::numeric_limits<std::size_t>::max();
  std::size_t slot_ = no_slot;
};

}  // namespace tcpchat
