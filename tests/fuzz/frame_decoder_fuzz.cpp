// The frame decoder must not care how a stream is split: the bytes fed at once and fed in
// chunks of the size the first byte picks make the same messages, the same error with the same
// sentence, and leave the same incomplete frame.
#include <variant>

#include "decode_stream.hpp"
#include "fuzz_target.hpp"
#include "tcpchat/utf8.hpp"

using namespace tcpchat;

namespace {

// Small enough that fuzz inputs reach both sides of the body limit.
constexpr Limits limits{.max_body_bytes = 4096, .max_header_bytes = 64};

bool is_utf8(const Message& m) {
  return is_valid_utf8(m.client_name) && is_valid_utf8(m.subject) && is_valid_utf8(m.message) &&
         is_valid_utf8(m.date);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = fuzz::chunked_input(data, size);
  const auto whole = fuzz::decode_whole(input.bytes, limits);
  const auto chunked = fuzz::decode_stream(input.bytes, input.chunk_bytes, limits);
  fuzz::require(whole.results == chunked.results,
                "whole and chunked input decode to the same messages and error");
  fuzz::require(whole.in_frame == chunked.in_frame &&
                    whole.buffered_bytes == chunked.buffered_bytes &&
                    whole.missing_bytes == chunked.missing_bytes,
                "whole and chunked input leave the same incomplete frame");
  for (const auto& result : whole.results) {
    if (const auto* m = std::get_if<Message>(&result)) {
      fuzz::require(is_utf8(*m), "every decoded field is UTF-8");
    } else {
      fuzz::require(is_valid_utf8(std::get<ProtocolError>(result).reason),
                    "an error's sentence is UTF-8");
    }
  }
  return 0;
}
