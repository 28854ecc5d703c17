#pragma once

#include <string_view>

#include "tcpchat/protocol_error.hpp"

namespace tcpchat {

// Decodes one body (the N bytes after the header) into a Message, for callers that frame
// messages themselves (history files, tests) and for the FrameDecoder.
DecodeResult decode_body(std::string_view body);

}  // namespace tcpchat
