#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "tcpchat/message.hpp"
#include "tcpchat/protocol_error.hpp"

namespace tcpchat {

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
  // True when the incomplete frame began in the chunk fed last: its first byte is in it. A
  // caller timing frames restarts its clock then, even though no chunk ended between frames.
  bool frame_began_in_last_chunk() const { return in_frame() && frame_began_in_chunk_; }
  // Bytes the incomplete frame still needs: the rest of its body, or while its header is not
  // complete, the most the header may still take. 0 when no frame is in progress.
  std::size_t missing_bytes() const {
    if (body_length_) return *body_length_ - pending_.size();
    return in_frame()
               ? limits_.max_header_bytes + 1 - std::min(pending_.size(), limits_.max_header_bytes)
               : 0;
  }
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
  bool frame_began_in_chunk_ = false;
};

}  // namespace tcpchat
