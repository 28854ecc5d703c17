#pragma once

// What /proc shows of a process, and the test process's own open-file limit.

#include <sys/types.h>

#include <cstddef>

namespace tcpchat::test {

// The descriptors `pid` has open: the entries of /proc/PID/fd.
std::size_t open_descriptors(pid_t pid);
// The peak resident set size of `pid` so far, in bytes: VmHWM in /proc/PID/status.
std::size_t peak_rss_bytes(pid_t pid);
// The CPU time `pid` has used, user and system, in clock ticks (utime + stime of /proc/PID/stat).
std::size_t cpu_ticks(pid_t pid);

// Raises this process's soft RLIMIT_NOFILE to at least `wanted`, for a test that holds thousands
// of client sockets; throws if the hard limit does not allow it.
void need_open_files(std::size_t wanted);

}  // namespace tcpchat::test
