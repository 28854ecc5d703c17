#pragma once

// The text of the bench's messages: who sent it, its place in that sender's sequence, when.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tcpchat::bench {

// A data message's identity. `sent_ns` is steady-clock nanoseconds since the run's epoch.
struct Stamp {
  std::uint32_t publisher = 0;
  std::uint64_t seq = 0;
  std::int64_t sent_ns = 0;
};

enum class TextKind {
  data,       // "tcb1:<run>:<publisher>:<seq>:<sent ns>:" padded with '.'
  warm_up,    // "tcb1:<run>:w:<client>:"
  join,       // "tcb1:<run>:j:<client>:<period>:", a client back in the room (--churn)
  leave,      // "tcb1:<run>:l:<client>:<period>:", a client about to leave it
  malformed,  // this run's prefix, but not a well-formed marker after it
  foreign,    // anything else: another run's messages, other users', the daemon's own
};

struct ParsedText {
  TextKind kind = TextKind::foreign;
  Stamp stamp;                   // for data
  std::size_t marker_bytes = 0;  // for data: where the padding starts
  std::size_t client = 0;        // for join and leave
  std::uint64_t period = 0;      // for join and leave: the client's how-manieth connection
};

// Writes and reads the marker of one run, identified by a random id so that two runs against one
// daemon, or a replayed history, cannot be confused with this one.
class MarkerCodec {
 public:
  explicit MarkerCodec(std::uint32_t run_id);

  // Replaces `out` with the data text for `stamp`, padded to `size` bytes (the marker alone when
  // it is longer). Reuses `out`'s capacity.
  void write_data(std::string& out, const Stamp& stamp, std::size_t size) const;
  void write_warm_up(std::string& out, std::size_t client) const;
  // `kind` is join or leave.
  void write_churn(std::string& out, TextKind kind, std::size_t client, std::uint64_t period) const;
  ParsedText parse(std::string_view text) const;

 private:
  std::string prefix_;  // "tcb1:<run id as 8 hex digits>:"
};

}  // namespace tcpchat::bench
