#pragma once

#include <string_view>

namespace tcpchat {

// append.lua, built in: the one script every node appends with.
extern const std::string_view append_script;

}  // namespace tcpchat
