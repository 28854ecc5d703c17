// Whatever the decoder accepts, the daemon re-encodes in the canonical form and every client
// decodes again. The first two bytes pick the daemon's --max-message-bytes, the rest is the
// stream its decoder reads. For every message: the re-encoding decodes to the same message, its
// header announces encoded_body_size(), and admission refuses it for its size exactly when that
// canonical body is over the limit, so a client with the same limit accepts every frame sent.
#include <limits>
#include <variant>

#include "core/admission.hpp"
#include "decode_stream.hpp"
#include "fuzz_target.hpp"
#include "tcpchat/encode.hpp"

using namespace tcpchat;

namespace {

// The smallest --max-message-bytes the daemon takes.
constexpr std::size_t least_max_message_bytes = 64;

void check_reencoding(const Message& m, std::size_t max_message_bytes) {
  const std::string frame = encode(m);
  const std::size_t body_bytes = encoded_body_size(m);
  fuzz::require(frame.size() - (frame.find('\n') + 1) == body_bytes,
                "encoded_body_size() is the size of the body encode() writes");

  const auto exact = fuzz::decode_whole(frame, Limits{body_bytes});
  fuzz::require(exact.results.size() == 1 && exact.results[0] == DecodeResult(m) && !exact.in_frame,
                "the re-encoding decodes to the same message");

  const auto limited = fuzz::decode_whole(frame, Limits{max_message_bytes});
  if (body_bytes <= max_message_bytes) {
    fuzz::require(limited.results == exact.results, "a re-encoding within the limit is accepted");
  } else {
    const auto* error =
        limited.results.size() == 1 ? std::get_if<ProtocolError>(&limited.results[0]) : nullptr;
    fuzz::require(error && error->kind == ProtocolErrorKind::body_too_large,
                  "a re-encoding over the limit is refused on its header");
  }

  const bool refused_anyway = refusal_for(m, std::numeric_limits<std::size_t>::max()).has_value();
  fuzz::require(refusal_for(m, max_message_bytes).has_value() ==
                    (refused_anyway || body_bytes > max_message_bytes),
                "admission refuses a message for its size exactly when its canonical body is "
                "over the limit");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t max_message_bytes = least_max_message_bytes + data[0] + (data[1] << 8);
  const auto stream =
      fuzz::decode_whole(fuzz::as_text(data + 2, size - 2), Limits{max_message_bytes});
  for (const auto& result : stream.results) {
    if (const auto* m = std::get_if<Message>(&result)) check_reencoding(*m, max_message_bytes);
  }
  return 0;
}
