#pragma once

#include <string>
#include <string_view>

#include "tcpchat/message.hpp"

namespace tcpchat {

// The exact bytes the original Python sender writes for `m`:
// `Content-length:<N>\n` + json.dumps(..., ensure_ascii=False) + `\n`, N counting the body bytes.
std::string encode(const Message& m);

// N of the frame encode() makes for `m`: the canonical body's length. A receiver's limit on N
// applies to this, which may differ from the N the message arrived with (a compact body grows by
// the spaces and the newline of the canonical form).
std::size_t encoded_body_size(const Message& m);

// Appends the frame for `m` to `out`, so a caller can reuse one buffer's capacity.
void encode_to(std::string& out, const Message& m);

// The body alone of the frame encode() makes for `m`, newline included: what a store that frames
// it again later keeps (a cluster's stream entry).
std::string encode_body(const Message& m);
// The frame for a body that encode_body() made: its header, then the body as it is.
std::string frame_body(std::string_view body);

// Appends `s` as a JSON string literal with Python's escapes (`\"`, `\\`, `\n`, `\r`, `\t`, `\b`,
// `\f`, other C0 controls as lowercase `\u00xx`); everything else, non-ASCII included, is raw.
void append_json_string(std::string& out, std::string_view s);

}  // namespace tcpchat
