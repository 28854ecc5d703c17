#include "daemon_process.hpp"

#include <algorithm>
#include <stdexcept>

namespace tcpchat::test {

std::string daemon_path() {
  return std::string(TCPCHAT_BINARY_DIR) + "/daemon/tcpchatd";
}
std::string fail_fsync_library() {
  return TCPCHAT_FAIL_FSYNC_LIBRARY;
}

std::string client_path() {
  return std::string(TCPCHAT_BINARY_DIR) + "/client/tcpchat";
}

std::vector<std::uint16_t> listening_ports(const std::string& log) {
  return logged_ports(log, "listening on ");
}

std::vector<std::uint16_t> tls_ports(const std::string& log) {
  return logged_ports(log, "accepting TLS on ");
}

std::vector<std::uint16_t> logged_ports(const std::string& log, std::string_view marker) {
  std::vector<std::uint16_t> out;
  for (auto at = log.find(marker); at != std::string::npos; at = log.find(marker, at + 1)) {
    const auto end = log.find('\n', at);
    const std::string line = log.substr(at, end == std::string::npos ? end : end - at);
    const auto colon = line.rfind(':');
    if (colon == std::string::npos || colon + 1 >= line.size()) continue;
    out.push_back(static_cast<std::uint16_t>(std::stoi(line.substr(colon + 1))));
  }
  return out;
}

namespace {

std::vector<std::string> daemon_argv(std::vector<std::string> args) {
  const bool own_listen = std::any_of(args.begin(), args.end(), [](const std::string& a) {
    return a.rfind("--bind", 0) == 0 || a.rfind("--port", 0) == 0;
  });
  std::vector<std::string> argv = {daemon_path()};
  if (!own_listen) argv.insert(argv.end(), {"--bind", "127.0.0.1", "--port", "0"});
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

}  // namespace

Daemon::Daemon(std::vector<std::string> args, ProcessOptions options)
    : process_(daemon_argv(args), std::move(options)) {
  // The TLS listeners are logged after the plaintext ones.
  const bool tls = std::any_of(args.begin(), args.end(),
                               [](const std::string& a) { return a.rfind("--tls-port", 0) == 0; });
  const auto listening = [&] {
    return tls ? !tls_ports(log()).empty() : !listening_ports(log()).empty();
  };
  const bool up = wait_until([&] { return listening() || !process_.running(); }, 10s);
  ports_ = listening_ports(log());
  tls_ports_ = tls_ports(log());
  if (!up || !listening()) {
    throw std::runtime_error("tcpchatd did not start listening; its log:\n" + log());
  }
}

std::optional<int> Daemon::stop(int signo, std::chrono::milliseconds timeout) {
  process_.signal(signo);
  return process_.wait_exit(timeout);
}

std::size_t occurrences(std::string_view text, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

std::size_t repeated_warnings(const std::string& log, std::string_view marker,
                              std::string_view kind) {
  const std::string summary =
      " more \"" + std::string(kind) + "\" warnings in the last second were not logged";
  std::size_t total = occurrences(log, marker);
  for (auto at = log.find(summary); at != std::string::npos; at = log.find(summary, at + 1)) {
    const auto start = log.find_last_not_of("0123456789", at - 1) + 1;
    total += std::stoul(log.substr(start, at - start));
  }
  return total;
}

Outcome run_daemon(std::vector<std::string> args) {
  args.insert(args.begin(), daemon_path());
  Process p(args);
  const auto status = p.wait_exit();
  return {status, p.stderr_text(), p.stdout_text()};
}

}  // namespace tcpchat::test
