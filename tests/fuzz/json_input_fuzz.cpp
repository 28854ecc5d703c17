// The client's `--input json` path: stdin split into lines (fed whole and in chunks of the size
// the first byte picks, which must split alike), each line prepared as a message. A prepared
// frame decodes, under the same limit, to exactly the message; a refusal is one sentence that
// reaches stderr without a control or bidirectional character.
#include <variant>

#include "decode_stream.hpp"
#include "fuzz_target.hpp"
#include "input.hpp"
#include "tcpchat/format.hpp"
#include "tcpchat/utf8.hpp"

using namespace tcpchat;
using client::LineSplitter;

namespace {

// Small enough that fuzz inputs reach both sides of the limit.
constexpr std::size_t max_message_bytes = 1024;

std::vector<LineSplitter::Line> split_lines(std::string_view bytes, std::size_t chunk_bytes) {
  LineSplitter splitter(max_message_bytes);
  std::vector<LineSplitter::Line> lines;
  for (std::size_t at = 0; at < bytes.size(); at += chunk_bytes) {
    splitter.feed(bytes.substr(at, chunk_bytes), lines);
  }
  if (auto last = splitter.finish()) lines.push_back(std::move(*last));
  return lines;
}

bool same_lines(const std::vector<LineSplitter::Line>& a,
                const std::vector<LineSplitter::Line>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].number != b[i].number || a[i].text != b[i].text || a[i].too_long != b[i].too_long) {
      return false;
    }
  }
  return true;
}

void check_prepared(const client::Prepared& prepared) {
  if (const auto* out = std::get_if<client::Outgoing>(&prepared)) {
    const auto decoded = fuzz::decode_whole(out->frame, Limits{max_message_bytes});
    fuzz::require(decoded.results.size() == 1 && decoded.results[0] == DecodeResult(out->message) &&
                      !decoded.in_frame,
                  "a prepared frame decodes to its message within the limit");
    return;
  }
  const auto& refusal = std::get<std::string>(prepared);
  fuzz::require(is_valid_utf8(refusal) && displayable(refusal) == refusal,
                "a refusal holds no control or bidirectional character");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = fuzz::chunked_input(data, size);
  const auto lines = split_lines(input.bytes, input.bytes.size());
  fuzz::require(same_lines(lines, split_lines(input.bytes, input.chunk_bytes)),
                "whole and chunked input split into the same lines");
  const Message defaults{"fuzz", "", "", "24/11/2018 20:43:01"};
  for (const auto& line : lines) {
    fuzz::require(line.text.size() <= max_message_bytes && (!line.too_long || line.text.empty()),
                  "a line is within the limit, or too long and dropped");
    if (line.too_long || client::is_blank(line.text)) continue;
    check_prepared(client::prepare_json_line(line.text, defaults, max_message_bytes));
  }
  return 0;
}
