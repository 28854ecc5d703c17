#include "cluster/cluster_settings.hpp"

#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "runtime/exit_codes.hpp"

namespace tcpchat {
namespace {

std::string read_password(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    const int e = errno;
    throw ClusterSetupError(e == EACCES ? exit_code::no_permission : exit_code::no_input,
                            "cannot read cluster-password-file " + path + ": " + std::strerror(e));
  }
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) {
    throw ClusterSetupError(exit_code::config, "cluster-password-file " + path +
                                                   " is empty: its first line must be the "
                                                   "Redis password");
  }
  return line;
}

std::string host_name() {
  std::array<char, 256> name{};
  if (gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') return "localhost";
  return name.data();
}

}  // namespace

ClusterSettings cluster_settings(const Config& config, std::uint16_t first_port) {
  const auto parsed = parse_redis_url(config.cluster);  // the option table checked it
  ClusterSettings s;
  s.url = *parsed.url;
  if (!config.cluster_password_file.empty()) {
    if (!s.url.password.empty()) {
      throw ClusterSetupError(exit_code::config,
                              "the Redis password is given twice, in cluster's URL and in "
                              "cluster-password-file: keep one (the file keeps it off the "
                              "command line)");
    }
    s.url.password = read_password(config.cluster_password_file);
  }
  s.room = config.cluster_room;
  s.node = config.cluster_node.empty() ? host_name() + ":" + std::to_string(first_port)
                                       : config.cluster_node;
  s.stream_length = config.cluster_stream_length;
  s.history = config.history;
  s.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.cluster_timeout);
  s.max_pending_bytes = config.cluster_max_pending_bytes;
  return s;
}

}  // namespace tcpchat
