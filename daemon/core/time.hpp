#pragma once

#include <chrono>

namespace tcpchat {

// A point on the loop's clock. The core never reads a clock: callers pass the time in.
using SteadyTime = std::chrono::steady_clock::time_point;

}  // namespace tcpchat
