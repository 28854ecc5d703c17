#pragma once

#include <array>
#include <cstdint>

#include "core/close_reason.hpp"

namespace tcpchat {

// What one connection sent and received: messages are valid chat messages in and broadcast
// frames fully written out, bytes are raw.
struct Traffic {
  std::uint64_t msgs_in = 0;
  std::uint64_t msgs_out = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
};

// The daemon's counters since it started: plain integers, bumped on the loop's one thread where
// the event happens; a scrape reads them as they are.
struct Counters {
  std::uint64_t connections_accepted = 0;
  std::array<std::uint64_t, close_reason_count> connections_closed{};
  Traffic traffic;  // of every connection together
  std::uint64_t reloads = 0;

  void closed(CloseReason reason) { ++connections_closed[static_cast<std::size_t>(reason)]; }
};

}  // namespace tcpchat
