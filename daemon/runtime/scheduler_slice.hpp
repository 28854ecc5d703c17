#pragma once

#include <chrono>
#include <string>

namespace tcpchat {

// Asks the kernel to schedule the calling thread in slices of `slice` (sched_setattr's
// sched_runtime under SCHED_OTHER, Linux 6.12 or later; older kernels accept and ignore it), so
// that a message arriving while another task runs on the daemon's CPU is handled at once
// instead of after that task's slice: the light-load tail of docs/performance.md. The thread's
// share of the CPU, its policy and its nice value stay as they are. Zero asks for the kernel's
// default. Returns what went wrong, or an empty string.
std::string request_scheduler_slice(std::chrono::microseconds slice);

}  // namespace tcpchat
