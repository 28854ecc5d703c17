#pragma once

// A real redis-server for one test, on a free loopback port, with its data in a fresh directory.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "process.hpp"

namespace tcpchat::test {

class RedisServer {
 public:
  // Starts `redis-server` with `args` added (--appendonly yes and --appendfsync always, as the
  // docs tell production, unless `args` says otherwise); throws if it does not answer PING
  // within 10 s.
  explicit RedisServer(std::vector<std::string> args = {});
  std::uint16_t port() const { return port_; }
  Process& process() { return *process_; }
  // SIGKILLs it, as a crash would.
  void kill();
  // Starts it again on the same port: from its append-only file, or empty (the data lost).
  enum class Data { kept, lost };
  void restart(Data data);
  // `redis-cli -p PORT args...`, its output (authenticated with --requirepass, if given).
  std::string cli(const std::vector<std::string>& args) const;

 private:
  bool launch();  // whether it came up on port_

  TempDir dir_;
  std::vector<std::string> args_;
  std::uint16_t port_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace tcpchat::test
