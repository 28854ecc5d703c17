#pragma once

#include <string_view>

#include "frame.hpp"

namespace tcpchat {

// The name the daemon speaks under; clients may not use it.
inline constexpr std::string_view server_name = "@SERVER";

// A frame from @SERVER with `subject` and `text`, dated with the server's clock now.
Frame server_frame(std::string_view subject, std::string_view text);

}  // namespace tcpchat
