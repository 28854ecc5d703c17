#pragma once

// The exact bytes of this run's data frames, to recognise them without decoding them.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "marker.hpp"
#include "tcpchat/message.hpp"

namespace tcpchat::bench {

// Every data frame of a run is `base` with its text replaced by a marker padded to `text_bytes`,
// encoded by encode(). tcpchatd re-encodes every message in that same canonical form, so a frame
// it delivers is recognised by comparing its bytes with this template: stricter than decoding it
// (every byte is checked, not only the fields) and several times cheaper, which keeps the
// receiving side of the bench from becoming the bottleneck.
class DataFrameTemplate {
 public:
  // `base`'s name and subject must hold no '.', the padding character.
  DataFrameTemplate(const MarkerCodec& marker, const Message& base, std::size_t text_bytes);

  // The stamp of a whole frame that is one of this run's data frames byte for byte; nullopt for
  // anything else (which the caller decodes normally).
  std::optional<Stamp> match(std::string_view frame) const;

 private:
  const MarkerCodec& marker_;
  std::string frame_;  // the template: its text is all padding
  std::size_t text_at_ = 0;
  std::size_t text_bytes_ = 0;
};

}  // namespace tcpchat::bench
