#pragma once

#include <cstddef>
#include <string>

namespace tcpchat {

// One chat message as it travels on the wire. Every field is valid UTF-8.
struct Message {
  std::string client_name;
  std::string subject;
  std::string message;
  std::string date;

  bool operator==(const Message&) const = default;
};

// Decoder limits; units are in the names so a caller cannot confuse bytes with counts.
struct Limits {
  // Largest body length N a `Content-length:<N>` header may announce (NATS' max_payload).
  std::size_t max_body_bytes = 1'048'576;
  // Longest header line, not counting its terminating `\n`.
  std::size_t max_header_bytes = 64;
};

}  // namespace tcpchat
