#pragma once

#include <string_view>

#include "core/frame.hpp"

namespace tcpchat {

// A frame from @SERVER with `subject` and `text`, dated with the server's clock now.
Frame server_frame(std::string_view subject, std::string_view text);

}  // namespace tcpchat
