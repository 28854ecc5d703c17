#include "proc_stats.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

namespace tcpchat::bench {
namespace {

std::optional<std::string> read_proc(pid_t pid, const char* file) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The value of "<key>:   <n> kB" in a /proc/PID/status text; nullopt when absent (a zombie).
std::optional<std::uint64_t> status_kb(const std::string& status, const std::string& key) {
  const auto at = status.find("\n" + key + ":");
  if (at == std::string::npos) return std::nullopt;
  return std::stoull(status.substr(at + key.size() + 2));
}

}  // namespace

std::optional<ProcSample> sample_process(pid_t pid) {
  const auto stat = read_proc(pid, "stat");
  const auto status = read_proc(pid, "status");
  if (!stat || !status) return std::nullopt;
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const auto paren = stat->rfind(')');
  if (paren == std::string::npos) return std::nullopt;
  std::istringstream fields(stat->substr(paren + 2));
  std::string skip;
  for (int field = 3; field < 14; ++field) fields >> skip;
  unsigned long long utime = 0;
  unsigned long long stime = 0;
  if (!(fields >> utime >> stime)) return std::nullopt;
  const auto rss = status_kb(*status, "VmRSS");
  const auto peak = status_kb(*status, "VmHWM");
  if (!rss || !peak) return std::nullopt;
  return ProcSample{static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK)),
                    *rss, *peak};
}

double own_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(u.ru_utime) + seconds(u.ru_stime);
}

}  // namespace tcpchat::bench
