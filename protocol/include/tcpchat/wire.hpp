#pragma once

#include <string_view>

namespace tcpchat {

// The one header a frame has, before its `:<N>` (the name is case-sensitive).
inline constexpr std::string_view header_name = "Content-length";
// The name the daemon speaks under in its own frames; no client may use it.
inline constexpr std::string_view server_name = "@SERVER";

}  // namespace tcpchat
