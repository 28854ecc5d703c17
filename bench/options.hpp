#pragma once

// tcpchat-bench's command line.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tcpchat::bench {

// A bad command line; main prints it and exits 64 (EX_USAGE).
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Options {
  // Where the daemon is: --host/--port, or one we start ourselves (--spawn).
  std::string host = "127.0.0.1";
  std::uint16_t port = 9999;
  // --ports: several daemons on --host (the nodes of a cluster, say), instead of --port; client i
  // connects to ports[i % size].
  std::vector<std::uint16_t> ports;
  bool spawn = false;
  std::string daemon_path;                // empty: the tcpchatd of this program's build tree
  std::vector<std::string> daemon_args;   // everything after `--`, passed to the spawned daemon
  std::optional<int> daemon_pid;          // --pid: a daemon we did not spawn, to read /proc of
  std::optional<int> daemon_cpu;          // pin the spawned daemon to this CPU
  std::optional<int> bench_cpu;           // pin this program to this CPU
  bool tls = false;                       // connect with TLS (to the spawned daemon's --tls-port)
  std::string account = "tcpchat-bench";  // every client's name, and the account it signs in as
  std::optional<std::string> token;       // from --token-file: each connection signs in first

  // The load run.
  std::size_t clients = 10;
  std::size_t publishers = 1;
  std::size_t size_bytes = 200;     // length of each message's text
  std::uint64_t messages = 10'000;  // over all publishers, unless duration_s is set
  std::optional<double> duration_s;
  double rate = 0;  // messages per second over all publishers; 0: closed loop within `window`
  std::size_t window = 64;
  // Each client that does not publish leaves and rejoins this often per second on average, at
  // times drawn from `seed`.
  double churn = 0;
  std::uint64_t seed = 1;

  // The idle run (--connections N --idle).
  bool idle = false;
  std::size_t connections = 0;
  double hold_s = 2;

  // Both.
  std::size_t connect_concurrency = 256;
  std::size_t source_addresses = 0;  // 0: as many 127.0.0.x as the connection count needs
  double timeout_s = 30;
  bool json = false;
  bool progress = true;  // only ever shown when stderr is a terminal
  std::string label;

  // Connections this run opens.
  std::size_t connection_count() const { return idle ? connections : clients; }
  // The daemon ports on --host the clients are spread over: --ports, or --port alone.
  std::vector<std::uint16_t> target_ports() const {
    return ports.empty() ? std::vector<std::uint16_t>{port} : ports;
  }
};

// The ports of `--ports P1,P2,...`: each from 1 to 65535, none twice. Throws UsageError with a
// sentence that names the faulty entry.
std::vector<std::uint16_t> parse_port_list(const std::string& list);

// Parses the command line. Returns nullopt when --help or --version was printed; throws
// UsageError for anything invalid.
std::optional<Options> parse_options(int argc, char** argv);

}  // namespace tcpchat::bench
