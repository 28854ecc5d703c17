#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "tcpchat/message.hpp"
#include "tcpchat/protocol_error.hpp"

namespace tcpchat::fuzz {

// What a FrameDecoder made of a byte stream, and the state it was left in.
struct DecodedStream {
  std::vector<DecodeResult> results;  // messages, then at most one error
  bool in_frame = false;
  std::size_t buffered_bytes = 0;
  std::size_t missing_bytes = 0;
};

// Feeds `bytes` to a decoder in chunks of `chunk_bytes`, draining next() after each, and
// checks the decoder's contract on the way: nothing follows an error, nothing is left unread,
// and what it holds stays within its limits. Each chunk is a copy freed once drained, so ASan
// reports a decoder that keeps a view into a chunk longer than its contract allows.
DecodedStream decode_stream(std::string_view bytes, std::size_t chunk_bytes, Limits limits);

// The frames decode_stream() finds in `bytes` fed at once.
inline DecodedStream decode_whole(std::string_view bytes, Limits limits) {
  return decode_stream(bytes, bytes.size(), limits);
}

}  // namespace tcpchat::fuzz
