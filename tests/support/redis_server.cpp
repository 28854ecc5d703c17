#include "redis_server.hpp"

#include <random>
#include <stdexcept>

#include "certificates.hpp"

namespace tcpchat::test {

RedisServer::RedisServer(std::vector<std::string> args) {
  std::mt19937 random{std::random_device{}()};
  // redis-server takes no port 0: try ports below the ephemeral range until one answers.
  for (int attempt = 0; attempt < 20; ++attempt) {
    port_ = static_cast<std::uint16_t>(20000 + random() % 10000);
    std::vector<std::string> argv = {"redis-server",
                                     "--port",
                                     std::to_string(port_),
                                     "--bind",
                                     "127.0.0.1",
                                     "--dir",
                                     dir_.path().string(),
                                     "--save",
                                     "",
                                     "--appendonly",
                                     "yes",
                                     "--appendfsync",
                                     "always"};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions options;
    options.stdin_pipe = false;
    process_ = std::make_unique<Process>(argv, options);
    const bool up = wait_until(
        [&] {
          return !process_->running() ||
                 process_->stdout_text().find("Ready to accept") != std::string::npos;
        },
        10s);
    if (up && process_->running()) return;
  }
  throw std::runtime_error("redis-server did not start: " + process_->stdout_text());
}

std::string RedisServer::cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"redis-cli", "-p", std::to_string(port_)};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

}  // namespace tcpchat::test
