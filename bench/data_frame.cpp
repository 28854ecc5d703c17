#include "data_frame.hpp"

#include <cstring>

#include "tcpchat/encode.hpp"

namespace tcpchat::bench {

DataFrameTemplate::DataFrameTemplate(const MarkerCodec& marker, const Message& base,
                                     std::size_t text_bytes)
    : marker_(marker), text_bytes_(text_bytes) {
  Message m = base;
  m.message.assign(text_bytes, '.');
  frame_ = encode(m);
  text_at_ = frame_.find(m.message);
}

std::optional<Stamp> DataFrameTemplate::match(std::string_view frame) const {
  if (frame.size() != frame_.size() || text_bytes_ == 0) return std::nullopt;
  const std::size_t text_end = text_at_ + text_bytes_;
  if (std::memcmp(frame.data(), frame_.data(), text_at_) != 0 ||
      std::memcmp(frame.data() + text_end, frame_.data() + text_end, frame_.size() - text_end) !=
          0) {
    return std::nullopt;
  }
  const ParsedText parsed = marker_.parse(frame.substr(text_at_, text_bytes_));
  if (parsed.kind != TextKind::data) return std::nullopt;
  const std::size_t padding_at = text_at_ + parsed.marker_bytes;
  if (std::memcmp(frame.data() + padding_at, frame_.data() + padding_at, text_end - padding_at) !=
      0) {
    return std::nullopt;
  }
  return parsed.stamp;
}

}  // namespace tcpchat::bench
