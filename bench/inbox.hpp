#pragma once

// What one connection receives, split into frames: this run's data frames recognised by their
// bytes, every other frame decoded by the protocol library.

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "data_frame.hpp"
#include "tcpchat/frame_decoder.hpp"

namespace tcpchat::bench {

// A data frame of this run (by its bytes), any other valid frame (decoded), or the reason the
// stream is broken.
using Received = std::variant<Stamp, Message, ProtocolError>;

// Frames whose header is in encode()'s canonical form (`Content-length:<N>\n`, N without leading
// zeros), which is all tcpchatd sends, are cut here; a data frame of this run is matched against
// its template and any other body goes through decode_body(). A header in any other form hands
// the rest of the stream to a FrameDecoder, which decodes what is valid and says precisely what is
// not. Same contract as FrameDecoder: feed() a chunk without copying, then next() until nullopt;
// an incomplete frame at the end of a chunk is copied, nothing else is.
class Inbox {
 public:
  explicit Inbox(const DataFrameTemplate& data_frame) : data_frame_(data_frame) {}

  void feed(std::string_view chunk);
  std::optional<Received> next();
  // Forgets everything fed: for a new connection.
  void reset();

 private:
  Received take(std::string_view frame);
  std::optional<Received> from_decoder();
  std::optional<Received> hand_over(std::string bytes);

  const DataFrameTemplate& data_frame_;
  std::string_view input_;               // the unread part of the last chunk fed
  std::string carry_;                    // the beginning of a frame that the last chunk cut
  std::optional<FrameDecoder> decoder_;  // once a header was not canonical
  std::string handed_over_;              // the bytes first fed to decoder_
  bool failed_ = false;
};

}  // namespace tcpchat::bench
