#include "tcpchat/frame_decoder.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>

#include "tcpchat/body_parser.hpp"
#include "tcpchat/wire.hpp"

namespace tcpchat {
namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

// Drops a string's heap block: an idle connection's decoder must hold no memory.
void release(std::string& s) {
  std::string().swap(s);
}

}  // namespace

std::string_view to_string(ProtocolErrorKind kind) {
  switch (kind) {
    case ProtocolErrorKind::empty_line:
      return "empty_line";
    case ProtocolErrorKind::bad_header_name:
      return "bad_header_name";
    case ProtocolErrorKind::header_too_long:
      return "header_too_long";
    case ProtocolErrorKind::invalid_length:
      return "invalid_length";
    case ProtocolErrorKind::length_overflow:
      return "length_overflow";
    case ProtocolErrorKind::body_too_large:
      return "body_too_large";
    case ProtocolErrorKind::invalid_utf8:
      return "invalid_utf8";
    case ProtocolErrorKind::invalid_json:
      return "invalid_json";
    case ProtocolErrorKind::not_an_object:
      return "not_an_object";
    case ProtocolErrorKind::missing_field:
      return "missing_field";
    case ProtocolErrorKind::field_not_string:
      return "field_not_string";
  }
  return "unknown";
}

FrameDecoder::FrameDecoder(Limits limits) : limits_(limits) {}

void FrameDecoder::feed(std::string_view chunk) {
  assert(input_.empty() && "drain next() before feeding again");
  if (failed_) return;
  input_ = chunk;
  frame_began_in_chunk_ = !in_frame();
}

std::optional<DecodeResult> FrameDecoder::fail(ProtocolErrorKind kind, std::string reason) {
  failed_ = true;
  input_ = {};
  release(pending_);
  body_length_.reset();
  return ProtocolError{kind, std::move(reason)};
}

void FrameDecoder::keep_rest() {
  pending_.append(input_);
  input_ = {};
}

std::optional<DecodeResult> FrameDecoder::take_header(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) {
    return fail(ProtocolErrorKind::empty_line,
                "expected a \"Content-length:<N>\" header line, got an empty line");
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos || line.substr(0, colon) != header_name) {
    return fail(ProtocolErrorKind::bad_header_name,
                "expected a \"Content-length:<N>\" header line (the name is case-sensitive and "
                "ends at the colon), got something else");
  }
  std::string_view value = trim_blanks(line.substr(colon + 1));
  if (value.empty()) {
    return fail(ProtocolErrorKind::invalid_length, "the Content-length header has no value");
  }
  if (value.front() == '-') {
    return fail(ProtocolErrorKind::invalid_length,
                "the Content-length value is negative; it must be a positive byte count");
  }
  if (value.front() == '+') value.remove_prefix(1);
  if (value.empty() || value.find_first_not_of("0123456789") != std::string_view::npos) {
    return fail(ProtocolErrorKind::invalid_length,
                "the Content-length value is not a decimal number (only ASCII digits, an "
                "optional \"+\" and surrounding spaces or tabs are allowed)");
  }
  std::uint64_t length = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
  if (ec == std::errc::result_out_of_range) {
    return fail(ProtocolErrorKind::length_overflow,
                "the Content-length value does not fit in 64 bits");
  }
  (void)end;
  if (length == 0) {
    return fail(ProtocolErrorKind::invalid_length,
                "the Content-length value is zero; a message body cannot be empty");
  }
  if (length > limits_.max_body_bytes) {
    return fail(ProtocolErrorKind::body_too_large,
                "the Content-length value " + std::to_string(length) +
                    " exceeds the "
                    "limit of " +
                    std::to_string(limits_.max_body_bytes) + " bytes");
  }
  body_length_ = static_cast<std::size_t>(length);
  return std::nullopt;
}

std::optional<DecodeResult> FrameDecoder::next() {
  if (failed_) return std::nullopt;
  for (;;) {
    if (!body_length_) {
      // Look for the end of the header line, but never past its size limit (which a reload may
      // have lowered below what is already buffered).
      const std::size_t max = limits_.max_header_bytes;
      const bool over = pending_.size() > max;
      const std::size_t room = over ? 0 : max + 1 - pending_.size();
      const std::size_t newline = input_.substr(0, room).find('\n');
      if (newline == std::string_view::npos) {
        if (over || input_.size() >= room) {
          return fail(ProtocolErrorKind::header_too_long,
                      "the header line is longer than " + std::to_string(max) +
                          " bytes; expected \"Content-length:<N>\"");
        }
        keep_rest();
        return std::nullopt;
      }
      std::optional<DecodeResult> error;
      if (pending_.empty()) {
        error = take_header(input_.substr(0, newline));
      } else {
        pending_.append(input_.substr(0, newline));
        error = take_header(pending_);
        release(pending_);
      }
      if (error) return error;
      input_.remove_prefix(newline + 1);
      continue;
    }

    const std::size_t needed = *body_length_ - pending_.size();
    if (input_.size() < needed) {
      // Reserve for what arrives, not for what the header announces: a client must not make
      // us allocate a megabyte by sending thirty bytes.
      constexpr std::size_t reserve_limit_bytes = 64 * 1024;
      if (pending_.empty()) pending_.reserve(std::min(*body_length_, reserve_limit_bytes));
      keep_rest();
      return std::nullopt;
    }
    DecodeResult result;
    if (pending_.empty()) {
      result = decode_body(input_.substr(0, needed));
    } else {
      pending_.append(input_.substr(0, needed));
      result = decode_body(pending_);
      release(pending_);
    }
    input_.remove_prefix(needed);
    body_length_.reset();
    frame_began_in_chunk_ = true;  // whatever follows in this chunk is a new frame
    if (auto* error = std::get_if<ProtocolError>(&result)) {
      return fail(error->kind, std::move(error->reason));
    }
    return result;
  }
}

}  // namespace tcpchat
