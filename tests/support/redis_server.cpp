#include "redis_server.hpp"

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <random>
#include <stdexcept>

#include "certificates.hpp"

namespace tcpchat::test {

RedisServer::RedisServer(std::vector<std::string> args) : args_(std::move(args)) {
  std::mt19937 random{std::random_device{}()};
  // redis-server takes no port 0: try ports below the ephemeral range until one answers.
  for (int attempt = 0; attempt < 20; ++attempt) {
    port_ = static_cast<std::uint16_t>(20000 + random() % 10000);
    if (launch()) return;
  }
  throw std::runtime_error("redis-server did not start: " + process_->stdout_text());
}

bool RedisServer::launch() {
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
  argv.insert(argv.end(), args_.begin(), args_.end());
  ProcessOptions options;
  options.stdin_pipe = false;
  process_ = std::make_unique<Process>(argv, options);
  const bool up = wait_until(
      [&] {
        return !process_->running() ||
               process_->stdout_text().find("Ready to accept") != std::string::npos;
      },
      10s);
  return up && process_->running();
}

void RedisServer::kill() {
  process_->signal(SIGKILL);
  process_->wait_exit();
}

void RedisServer::restart(Data data) {
  if (process_->running()) kill();
  if (data == Data::lost) {
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      std::filesystem::remove_all(entry.path());
    }
  }
  if (!launch()) {
    throw std::runtime_error("redis-server did not start again: " + process_->stdout_text());
  }
}

std::string RedisServer::cli(const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {"redis-cli", "-p", std::to_string(port_)};
  const auto pass = std::find(args_.begin(), args_.end(), "--requirepass");
  if (pass != args_.end() && pass + 1 != args_.end()) {
    argv.insert(argv.end(), {"--no-auth-warning", "-a", *(pass + 1)});
  }
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

}  // namespace tcpchat::test
