#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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

// Incremental, strict decoder of `Content-length:<N>\n` + N-byte JSON frames.
//
// Usage: `feed()` a chunk, then call `next()` until it returns nullopt, then feed the next chunk.
// `feed()` does not copy: the chunk must stay valid until `next()` has returned nullopt, at which
// point any incomplete frame at its end has been copied into the decoder. Complete frames are
// decoded straight from the caller's buffer, so a reader can use one buffer for every connection
// and an idle decoder holds no memory.
//
// After an error the decoder is finished: `next()` returns that error once, then nullopt forever.
class FrameDecoder {
 public:
  explicit FrameDecoder(Limits limits = {});

  void feed(std::string_view chunk);
  std::optional<DecodeResult> next();
  // Hands back the part of the last chunk that next() has not looked at yet, so a caller that
  // pauses (rate limiting) can keep it and feed it again later; the decoder forgets it.
  std::string_view take_unread() { return std::exchange(input_, {}); }

  // True while a frame has begun (at least one byte of it arrived) but is not complete.
  bool in_frame() const { return !pending_.empty() || body_length_.has_value(); }
  // Bytes held for an incomplete frame.
  std::size_t buffered_bytes() const { return pending_.size(); }
  bool failed() const { return failed_; }
  const Limits& limits() const { return limits_; }
  void set_limits(const Limits& limits) { limits_ = limits; }

 private:
  std::optional<DecodeResult> fail(ProtocolErrorKind kind, std::string reason);
  std::optional<DecodeResult> take_header(std::string_view line);
  void keep_rest();

  Limits limits_;
  std::string pending_;                     // bytes of an incomplete frame (header line or body)
  std::string_view input_;                  // the unread part of the last fed chunk
  std::optional<std::size_t> body_length_;  // set once a header was read, until its body is
  bool failed_ = false;
  bool error_reported_ = false;
};

// Decodes one body (the N bytes after the header) into a Message, for callers that frame
// messages themselves (history files, tests).
DecodeResult decode_body(std::string_view body);

}  // namespace tcpchat
