#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace tcpchat {

// Why a connection ended: one word, the same in the log, in the metric's label and in the list
// of closed clients. The set is fixed, so every value is exported from the start.
enum class CloseReason : unsigned char {
  client_closed,                // the client closed or reset the connection
  invalid_request,              // a bad frame: InvalidRequestError
  server_full,                  // --max-clients: ServerFull
  frame_timeout,                // --frame-timeout
  idle_timeout,                 // --idle-timeout
  input_budget,                 // --frame-timeout, while --max-total-input-bytes held the frame
  slow_consumer_queue,          // --max-queue-bytes
  slow_consumer_write_timeout,  // --write-timeout
  slow_consumer_total,          // --max-total-queue-bytes
  shutdown,                     // SIGTERM or SIGINT
  error,                        // a socket error
  tls_handshake,                // a TLS handshake failed or took --tls-handshake-timeout
  authentication,               // AuthRequired, AuthFailed, AuthThrottled, --auth-timeout
  auth_revoked,                 // the account left the auth file, or its token changed
};

inline constexpr std::array<std::string_view, 14> close_reason_names = {
    "client_closed",
    "invalid_request",
    "server_full",
    "frame_timeout",
    "idle_timeout",
    "input_budget",
    "slow_consumer_queue",
    "slow_consumer_write_timeout",
    "slow_consumer_total",
    "shutdown",
    "error",
    "tls_handshake",
    "authentication",
    "auth_revoked",
};
inline constexpr std::size_t close_reason_count = close_reason_names.size();
static_assert(static_cast<std::size_t>(CloseReason::auth_revoked) + 1 == close_reason_count);

constexpr std::string_view name(CloseReason reason) {
  return close_reason_names[static_cast<std::size_t>(reason)];
}

}  // namespace tcpchat
