#include "decode_stream.hpp"

#include <algorithm>
#include <string>
#include <variant>

#include "fuzz_target.hpp"
#include "tcpchat/frame_decoder.hpp"

namespace tcpchat::fuzz {

DecodedStream decode_stream(std::string_view bytes, std::size_t chunk_bytes, Limits limits) {
  FrameDecoder decoder(limits);
  DecodedStream out;
  const std::size_t most_held = std::max(limits.max_body_bytes, limits.max_header_bytes);
  for (std::size_t at = 0; at < bytes.size(); at += chunk_bytes) {
    const std::string chunk(bytes.substr(at, chunk_bytes));
    decoder.feed(chunk);
    while (auto result = decoder.next()) {
      require(out.results.empty() || std::holds_alternative<Message>(out.results.back()),
              "the decoder returns nothing after an error");
      out.results.push_back(std::move(*result));
    }
    require(decoder.take_unread().empty(), "a drained decoder has read its whole chunk");
    require(decoder.buffered_bytes() <= most_held,
            "the decoder holds no more than its body or header limit");
    require(!decoder.in_frame() || decoder.missing_bytes() > 0,
            "an incomplete frame still misses bytes");
  }
  out.in_frame = decoder.in_frame();
  out.buffered_bytes = decoder.buffered_bytes();
  out.missing_bytes = decoder.missing_bytes();
  return out;
}

}  // namespace tcpchat::fuzz
