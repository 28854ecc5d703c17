#pragma once

// Turning stdin into messages: line splitting with a bound, the --input forms, and the checks
// that decide whether a message can be sent. Pure: no I/O, no clock.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tcpchat/message.hpp"

namespace tcpchat::client {

// Splits a byte stream into lines. `\n` ends a line and one `\r` before it is dropped. A line
// longer than `max_line_bytes` is kept only as "too long" (its bytes are dropped as they come),
// so memory stays bounded whatever stdin holds.
class LineSplitter {
 public:
  struct Line {
    std::uint64_t number = 0;  // from 1
    std::string text;
    bool too_long = false;
  };

  explicit LineSplitter(std::size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}

  // Appends the lines `chunk` completes to `out`.
  void feed(std::string_view chunk, std::vector<Line>& out);
  // The last line when the input did not end with a newline.
  std::optional<Line> finish();

 private:
  Line take();

  std::size_t max_line_bytes_;
  std::string current_;
  bool too_long_ = false;
  bool started_ = false;  // bytes of the current line arrived
  std::uint64_t number_ = 0;
};

// Spaces and tabs only (after the line's `\r\n` was cut).
bool is_blank(std::string_view line);

// A message with its frame, ready to go.
struct Outgoing {
  Message message;
  std::string frame;
};

// Why something cannot be sent: one sentence that never quotes it.
using Prepared = std::variant<Outgoing, std::string>;

// Encodes `m`, or says why it cannot be sent: a field is not UTF-8, or the body is longer than
// `max_body_bytes`.
Prepared prepare(Message m, std::size_t max_body_bytes);

// A line of `--input json`: an object with a string "message" and optionally string
// "subject", "client_name", "date", which replace those of `defaults`. Other keys are refused
// so that a misspelt key is not silently ignored.
Prepared prepare_json_line(std::string_view line, Message defaults, std::size_t max_body_bytes);

// All of stdin for `--input whole`: one final line break (`\n` or `\r\n`) is dropped, as a
// shell's here-document or `echo` adds one.
std::string_view strip_final_newline(std::string_view text);

}  // namespace tcpchat::client
