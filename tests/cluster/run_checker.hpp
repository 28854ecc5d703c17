#pragma once

// Clients on several cluster nodes, sending numbered messages, and what they must all have seen:
// one identical order with no duplicate, each sender's own order kept, every message either
// delivered or refused (an unknown outcome may go either way), and a log that is a contiguous
// slice of the room's stream in Redis.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "redis_server.hpp"
#include "tcp_peer.hpp"
#include "tcpchat/message.hpp"

namespace tcpchat::test {

class RunChecker {
 public:
  // One sender (which also receives everything) on each of `ports`, in the room together.
  explicit RunChecker(const std::vector<std::uint16_t>& ports);

  // Each sender sends its next message (their text counts up from 0).
  void send_round();
  // Reads until every sender has had an answer for each of its messages (its echo or a
  // refusal), then until a last marker has reached everyone; false if that takes over `timeout`.
  bool settle(std::chrono::milliseconds timeout);

  // The checks above, each failure one line; `stream` is the room's stream as XRANGE lists it.
  std::vector<std::string> problems(const std::vector<Message>& stream) const;

  std::size_t sent() const { return next_ * peers_.size(); }
  std::size_t refused(std::string_view kind) const;  // "unavailable", "error" or "unknown"
  const std::vector<Message>& log(std::size_t peer) const { return logs_.at(peer); }
  Peer& peer(std::size_t i) { return peers_.at(i); }

 private:
  struct Tally {
    std::size_t echoed = 0;
    std::size_t unavailable = 0;
    std::size_t error = 0;
    std::size_t unknown = 0;
  };
  // Reads what `peer` has within `wait`; returns whether it read anything.
  bool drain(std::size_t peer, std::chrono::milliseconds wait);

  std::vector<Peer> peers_;
  std::vector<std::vector<Message>> logs_;  // the chat messages each peer received
  std::vector<Tally> tallies_;              // what each sender heard of its own messages
  std::vector<std::string> notices_;        // other @SERVER frames
  std::size_t next_ = 0;
};

// The room's stream, oldest first, as `redis-cli XRANGE` lists it.
std::vector<Message> read_stream(const RedisServer& redis, const std::string& room = "tcpchat");

}  // namespace tcpchat::test
