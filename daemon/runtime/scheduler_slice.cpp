#include "runtime/scheduler_slice.hpp"

#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#ifndef SCHED_FLAG_RESET_ON_FORK
#define SCHED_FLAG_RESET_ON_FORK 0x01
#endif

namespace tcpchat {
namespace {

// glibc 2.36 has no wrapper for sched_getattr(2)/sched_setattr(2), nor this structure.
struct SchedAttr {
  std::uint32_t size;
  std::uint32_t sched_policy;
  std::uint64_t sched_flags;
  std::int32_t sched_nice;
  std::uint32_t sched_priority;
  std::uint64_t sched_runtime;
  std::uint64_t sched_deadline;
  std::uint64_t sched_period;
  std::uint32_t sched_util_min;
  std::uint32_t sched_util_max;
};

}  // namespace

std::string request_scheduler_slice(std::chrono::microseconds slice) {
  SchedAttr attr{};
  if (::syscall(SYS_sched_getattr, 0, &attr, sizeof attr, 0) != 0) {
    return std::string("cannot read the daemon's scheduling attributes: ") + std::strerror(errno);
  }
  // A real-time or deadline policy someone chose for the daemon is theirs to keep.
  if (attr.sched_policy != SCHED_OTHER && attr.sched_policy != SCHED_BATCH) return {};
  attr.size = sizeof attr;
  // Keep reset-on-fork if it was set; the other flags are for policies and clamps we leave alone.
  attr.sched_flags &= SCHED_FLAG_RESET_ON_FORK;
  attr.sched_runtime = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(slice).count());
  if (::syscall(SYS_sched_setattr, 0, &attr, 0) != 0) {
    return std::string("cannot set the scheduler slice (--scheduler-slice-us): ") +
           std::strerror(errno) + "; set it to 0 to leave the kernel's default";
  }
  return {};
}

}  // namespace tcpchat
