#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "tcpchat/message.hpp"

namespace tcpchat {

// Whether a well-formed message may enter the order: its reason for refusal, one sentence for
// the sender, or nothing when it may. `max_body_bytes` bounds the frame the daemon will send
// (the canonical encoding), not the one the message arrived in.
std::optional<std::string> refusal_for(const Message& m, std::size_t max_body_bytes);
// Why nobody may go by `name` (valid UTF-8): the server's, or it hides characters.
std::optional<std::string> name_refusal(std::string_view name);

}  // namespace tcpchat
