#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tcpchat/frame_decoder.hpp"

namespace tcpchat::test {

// Everything a decoder yields for `bytes` fed in chunks of at most `chunk` bytes.
inline std::vector<DecodeResult> decode_all(std::string_view bytes, std::size_t chunk,
                                            Limits limits = {}) {
  FrameDecoder decoder(limits);
  std::vector<DecodeResult> out;
  for (std::size_t at = 0; at < bytes.size(); at += chunk) {
    decoder.feed(bytes.substr(at, chunk));
    while (auto r = decoder.next()) out.push_back(std::move(*r));
  }
  return out;
}

inline std::vector<Message> messages_of(const std::vector<DecodeResult>& results) {
  std::vector<Message> out;
  for (const auto& r : results) {
    if (const auto* m = std::get_if<Message>(&r)) out.push_back(*m);
  }
  return out;
}

inline std::optional<ProtocolError> error_of(const std::vector<DecodeResult>& results) {
  for (const auto& r : results) {
    if (const auto* e = std::get_if<ProtocolError>(&r)) return *e;
  }
  return std::nullopt;
}

}  // namespace tcpchat::test
