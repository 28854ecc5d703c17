#include "monitor/process_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>

namespace tcpchat {

namespace {

// /proc/stat's btime: when the machine booted, in seconds since the epoch.
double boot_time() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return 0;
}

}  // namespace

ProcessStats read_process_stats() {
  ProcessStats stats;
  const double ticks = static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::ifstream stat_file("/proc/self/stat");
  const std::string stat((std::istreambuf_iterator<char>(stat_file)), {});
  // The command name, field 2, is in parentheses and may hold spaces: count after its end.
  const auto end_of_name = stat.rfind(')');
  if (end_of_name != std::string::npos) {
    std::istringstream fields(stat.substr(end_of_name + 2));
    std::string field;
    // Fields from 3 (state) on: utime is 14, stime 15, starttime 22.
    for (int number = 3; fields >> field && number <= 22; ++number) {
      if (number == 14 || number == 15) stats.cpu_seconds += std::stod(field) / ticks;
      if (number == 22) stats.start_time_seconds = boot_time() + std::stod(field) / ticks;
    }
  }
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  if (statm >> size >> resident)
    stats.resident_bytes = resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec))
    ++stats.open_fds;
  if (stats.open_fds > 0) --stats.open_fds;  // the directory's own, open while it is read
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) stats.max_fds = limit.rlim_cur;
  return stats;
}

}  // namespace tcpchat
