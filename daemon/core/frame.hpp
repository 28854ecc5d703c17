#pragma once

#include <memory>
#include <string>

namespace tcpchat {

// One encoded frame, built once and shared by every queue that sends it.
using Frame = std::shared_ptr<const std::string>;

}  // namespace tcpchat
