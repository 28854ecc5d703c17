#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "tcpchat/message.hpp"

namespace tcpchat {

enum class ProtocolErrorKind {
  empty_line,        // a header line with nothing on it
  bad_header_name,   // not exactly `Content-length` before the colon, or no colon at all
  header_too_long,   // the header line exceeds Limits::max_header_bytes
  invalid_length,    // the value is missing, not decimal, negative or zero
  length_overflow,   // the value does not fit in 64 bits
  body_too_large,    // the announced length exceeds Limits::max_body_bytes
  invalid_utf8,      // the body (or the header) is not UTF-8, lone surrogate escapes included
  invalid_json,      // the body is not one JSON value
  not_an_object,     // the JSON value is not an object
  missing_field,     // one of the four fields is absent
  field_not_string,  // a field holds something else than a string (`subject` may be null)
};

// A rejected frame. `reason` is one English sentence in valid UTF-8 that never quotes raw input.
struct ProtocolError {
  ProtocolErrorKind kind;
  std::string reason;

  bool operator==(const ProtocolError&) const = default;
};

// The short stable name of a kind (`"invalid_json"`), for logs and tests.
std::string_view to_string(ProtocolErrorKind kind);

using DecodeResult = std::variant<Message, ProtocolError>;

}  // namespace tcpchat
