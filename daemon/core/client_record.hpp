#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/close_reason.hpp"
#include "core/counters.hpp"

namespace tcpchat {

using WallTime = std::chrono::system_clock::time_point;

// The client_name a connection last sent, as an operator sees it: a name can be a megabyte
// long, so at most its first max_bytes are kept, cut where a UTF-8 character starts.
class ShortName {
 public:
  static constexpr std::size_t max_bytes = 64;

  // Cheap when the name did not change, which is the usual case: one comparison.
  void assign(std::string_view name);
  const std::string& text() const { return text_; }
  bool cut() const { return cut_; }

 private:
  std::string text_;
  bool cut_ = false;
};

// One connection as the client list shows it, open or closed.
struct ClientRecord {
  std::uint64_t id = 0;
  std::string peer;
  ShortName name;
  std::string account;  // empty: not authenticated
  WallTime connected_at;
  std::chrono::milliseconds idle{0};  // since it last sent anything (at the close, if closed)
  std::size_t queued_bytes = 0;
  Traffic traffic;
  std::optional<WallTime> closed_at;  // set once closed
  CloseReason reason = CloseReason::client_closed;
};

}  // namespace tcpchat
