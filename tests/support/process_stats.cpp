#include "process_stats.hpp"

#include <sys/resource.h>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "process.hpp"

namespace tcpchat::test {

std::size_t open_descriptors(pid_t pid) {
  const std::filesystem::path dir = "/proc/" + std::to_string(pid) + "/fd";
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) ++count;
  return count;
}

std::size_t peak_rss_bytes(pid_t pid) {
  const std::string status = read_text_file("/proc/" + std::to_string(pid) + "/status");
  const auto at = status.find("VmHWM:");
  if (at == std::string::npos) throw std::runtime_error("no VmHWM in /proc/PID/status");
  return std::stoull(status.substr(at + 6)) * 1024;  // the kernel writes it in kB
}

std::size_t cpu_ticks(pid_t pid) {
  const std::string stat = read_text_file("/proc/" + std::to_string(pid) + "/stat");
  // The command name, in parentheses, may hold spaces: count the fields after its end.
  std::size_t at = stat.rfind(')');
  std::size_t ticks = 0;
  for (int field = 3; at != std::string::npos && field <= 15; ++field) {
    at = stat.find(' ', at + 1);
    if (field >= 14 && at != std::string::npos) ticks += std::stoull(stat.substr(at + 1));
  }
  return ticks;
}

void need_open_files(std::size_t wanted) {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur >= wanted) return;
  if (limit.rlim_max < wanted) {
    throw std::runtime_error("this test needs " + std::to_string(wanted) +
                             " open files; the hard limit is " + std::to_string(limit.rlim_max));
  }
  limit.rlim_cur = wanted;
  if (setrlimit(RLIMIT_NOFILE, &limit) != 0) throw std::runtime_error("setrlimit failed");
}

}  // namespace tcpchat::test
