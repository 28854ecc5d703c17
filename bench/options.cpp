#include "options.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include "tcpchat/option_error.hpp"

namespace tcpchat::bench {
namespace {

namespace po = boost::program_options;

constexpr const char* usage = R"(Usage:
  tcpchat-bench [LOAD OPTIONS] [--host HOST] [--port PORT]
  tcpchat-bench [LOAD OPTIONS] [--host HOST] --ports PORT,PORT,...
  tcpchat-bench [LOAD OPTIONS] --spawn [--daemon PATH] [-- DAEMON OPTIONS...]
  tcpchat-bench --connections N --idle (--spawn [-- DAEMON OPTIONS...] | --pid PID)

Load generator and measuring instrument for tcpchatd. A load run connects --clients
clients, waits until the daemon broadcasts to every one of them (warm-up), then lets
--publishers of them publish --messages messages (or publish for --duration seconds) and
checks that every client receives every message exactly once, in each publisher's order,
and that all clients see the same total order. It reports published/s, delivered/s
(deliveries to all clients), the latency from send to receipt (steady clock, p50 p90 p99
p99.9 max) and, for a daemon it spawned (or --pid), the daemon's CPU time and peak RSS.
An idle run opens N connections that only receive the warm-up broadcast, holds them, and
reports the daemon's resident memory per connection.
)";

constexpr const char* epilogue = R"(
Messages are chat frames whose text starts with "tcb1:<run>:<publisher>:<sequence>:<send
time ns>:" and is padded with '.' to --size bytes. With --rate 0 each publisher keeps at
most --window messages in flight (sent, but not yet received by every client), so the
daemon is measured rather than its buffers; with --rate R the load is open loop (each message is
sent when due, whatever the daemon does) and the report says how late the schedule ran at
worst. Latency counts from the moment a message is queued for sending.

With --churn C (and --rate), each client that does not publish leaves on average C times
a second (times drawn from --seed): it sends a leave marker, resets its connection once
the marker's echo arrives, reconnects at once and sends a join marker. While it is away
nothing is owed to it; from the echo of its join marker to that of its leave marker it is
owed, per publisher, exactly the messages the daemon broadcast between the two markers
(as that publisher's own stream shows them), once each and in order. Each phase (spawn,
connect, warm-up, drain) is bounded by --timeout; publishing gets its planned time plus
--timeout.

With --ports, the clients are spread over several daemons on --host, round-robin in
connection order (client i connects to the (i mod N)th port, so publishers are spread too),
as over the nodes of a cluster (tcpchatd --cluster): every client must still receive every
message, once and in one order. --ports cannot go with --port, --spawn or --pid.

A message the daemon refuses (an @SERVER frame StorageError, NameMismatch, NameInUse,
ClusterUnavailable or ClusterError) is counted as refused, not as lost, when no client
receives it; the run goes on and fails. HistoryGap notices (messages of a cluster's order
missing on a node) are counted and reported; what they cost shows as lost deliveries.

With --spawn, tcpchatd is started as `tcpchatd --bind 127.0.0.1 --port 0 DAEMON OPTIONS`
(without our --bind or --port when DAEMON OPTIONS name it), found next to this program's
build tree unless --daemon names it, stopped with SIGTERM at the end, and must exit 0.

Output: a report on stdout, or one JSON object on one line with --json. A progress line
is shown on stderr while it is a terminal.

Exit status: 0 everything delivered exactly once and in order; 1 loss, duplicate,
reorder, divergent total order, protocol error, a connection dropped, a timeout, or a
daemon that died or failed to stop; 64 bad command line; 69 the daemon cannot be reached
or started.

Examples:
  tcpchat-bench --spawn --clients 100 --publishers 10 --messages 20000 --size 200 -- --quiet
  tcpchat-bench --port 9999 --clients 101 --rate 2000 --messages 10000 --json
  tcpchat-bench --ports 9001,9002,9003 --clients 100 --publishers 10 --messages 20000
  tcpchat-bench --spawn --connections 10000 --idle -- --quiet --max-clients 20000
)";

template <typename T>
T at_least(const po::variables_map& vm, const char* name, long long min) {
  const auto v = vm[name].as<long long>();
  if (v < min) {
    throw UsageError("--" + std::string(name) + " must be at least " + std::to_string(min) +
                     " (got " + std::to_string(v) + ")");
  }
  return static_cast<T>(v);
}

double positive(const po::variables_map& vm, const char* name, bool zero_allowed) {
  const double v = vm[name].as<double>();
  if (!std::isfinite(v) || v < 0 || (!zero_allowed && v == 0)) {
    std::ostringstream s;
    s << "--" << name << " must be " << (zero_allowed ? "zero or more" : "more than zero")
      << " (got " << v << ")";
    throw UsageError(s.str());
  }
  return v;
}

bool given(const po::variables_map& vm, const char* name) {
  return vm.count(name) > 0 && !vm[name].defaulted();
}

void refuse_together(const po::variables_map& vm, const char* a, const char* b) {
  if (given(vm, a) && given(vm, b)) {
    throw UsageError("--" + std::string(a) + " and --" + b + " cannot be used together");
  }
}

void refuse_with_ports(const po::variables_map& vm) {
  if (!given(vm, "ports")) return;
  if (given(vm, "port")) {
    throw UsageError("--port and --ports cannot be used together (--ports takes one port too)");
  }
  if (given(vm, "spawn")) {
    throw UsageError(
        "--spawn and --ports cannot be used together: --spawn starts one daemon of its own, "
        "--ports names daemons that are already running");
  }
  if (given(vm, "pid")) {
    throw UsageError(
        "--pid and --ports cannot be used together: --pid measures one daemon, --ports spreads "
        "the clients over several");
  }
}

std::uint16_t port_number(const std::string& text, const std::string& what) {
  const bool digits =
      !text.empty() && text.size() <= 5 &&
      std::all_of(text.begin(), text.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
  const long value = digits ? std::stol(text) : 0;
  if (value < 1 || value > 65535) {
    throw UsageError(what + " must be between 1 and 65535 (got '" + text + "')");
  }
  return static_cast<std::uint16_t>(value);
}

void check(const Options& o, const po::variables_map& vm) {
  const long cpus = sysconf(_SC_NPROCESSORS_CONF);
  for (const auto& [name, cpu] :
       {std::pair{"--daemon-cpu", o.daemon_cpu}, {"--bench-cpu", o.bench_cpu}}) {
    if (cpu && *cpu >= cpus) {
      throw UsageError(std::string(name) + " " + std::to_string(*cpu) +
                       ": this machine has CPUs 0 to " + std::to_string(cpus - 1));
    }
  }
  refuse_with_ports(vm);
  refuse_together(vm, "spawn", "host");
  refuse_together(vm, "spawn", "port");
  refuse_together(vm, "spawn", "pid");
  refuse_together(vm, "messages", "duration");
  if (!o.spawn && (given(vm, "daemon") || given(vm, "daemon-cpu") || !o.daemon_args.empty())) {
    throw UsageError("--daemon, --daemon-cpu and daemon options after -- need --spawn");
  }
  if (o.idle != given(vm, "connections")) {
    throw UsageError("--connections N and --idle go together (a load run uses --clients)");
  }
  if (o.idle) {
    for (const char* load : {"clients", "publishers", "size", "messages", "duration", "rate",
                             "window", "churn", "seed"}) {
      if (given(vm, load)) {
        throw UsageError("--" + std::string(load) + " has no meaning in an idle run (--idle)");
      }
    }
    if (!o.spawn && !o.daemon_pid) {
      throw UsageError("an idle run measures the daemon's memory: use --spawn or --pid PID");
    }
    return;
  }
  if (o.publishers > o.clients) {
    throw UsageError("--publishers (" + std::to_string(o.publishers) +
                     ") cannot exceed --clients (" + std::to_string(o.clients) + ")");
  }
  if (o.churn > 0 && o.rate == 0) {
    throw UsageError(
        "--churn needs --rate: a closed loop would wait for the messages of clients that left");
  }
  if (o.churn > 0 && o.publishers == o.clients) {
    throw UsageError("--churn needs clients that do not publish (--clients above --publishers)");
  }
  if (o.size_bytes > 1'000'000) {
    throw UsageError(
        "--size must be at most 1000000 bytes (the daemon's default body limit is "
        "1048576 bytes per frame)");
  }
}

}  // namespace

std::vector<std::uint16_t> parse_port_list(const std::string& list) {
  std::vector<std::uint16_t> ports;
  std::size_t from = 0;
  for (;;) {
    const std::size_t comma = std::min(list.find(',', from), list.size());
    const std::uint16_t port =
        port_number(list.substr(from, comma - from),
                    "each port of --ports (a comma-separated list, such as 9001,9002)");
    if (std::find(ports.begin(), ports.end(), port) != ports.end()) {
      throw UsageError("--ports names port " + std::to_string(port) + " twice");
    }
    ports.push_back(port);
    if (comma == list.size()) return ports;
    from = comma + 1;
  }
}

std::optional<Options> parse_options(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  Options o;
  const auto dashes = std::find(args.begin(), args.end(), "--");
  if (dashes != args.end()) {
    o.daemon_args.assign(dashes + 1, args.end());
    args.erase(dashes, args.end());
  }

  const auto integer = [](const char* name, std::optional<long long> fallback = std::nullopt) {
    auto* v = po::value<long long>()->value_name(name);
    return fallback ? v->default_value(*fallback) : v;
  };
  const auto real = [](const char* name, std::optional<double> fallback = std::nullopt) {
    auto* v = po::value<double>()->value_name(name);
    return fallback ? v->default_value(*fallback) : v;
  };
  const auto text = [](const char* name) { return po::value<std::string>()->value_name(name); };
  const auto count = [](std::size_t n) { return static_cast<long long>(n); };

  po::options_description where("Where the daemon is");
  auto add = where.add_options();
  add("host", text("HOST")->default_value(o.host), "daemon address");
  add("port", integer("PORT", o.port), "daemon port");
  add("ports", text("PORT,PORT,..."),
      "several daemons on --host (a cluster's nodes): the clients, publishers included, are "
      "spread over them round-robin");
  add("spawn", "start our own tcpchatd on a free loopback port (its options after --)");
  add("daemon", text("PATH"), "tcpchatd to spawn (default: next to this program)");
  add("pid", integer("PID"), "a daemon we did not spawn: read its CPU and memory from /proc");
  add("daemon-cpu", integer("CPU"), "pin the spawned daemon to this CPU");
  add("bench-cpu", integer("CPU"), "pin this program to this CPU");
  add("tls",
      "connect to the daemon's TLS port, verifying nothing (a measuring instrument); "
      "with --spawn the daemon gets a fresh P-256 certificate and --tls-port 0");
  add("token-file", text("PATH"),
      "sign every connection in to --account with the token in PATH (one account for the whole "
      "fleet)");
  add("account", text("NAME")->default_value(o.account),
      "the name every client sends, and signs in as");

  po::options_description load("Load run");
  add = load.add_options();
  add("clients", integer("N", count(o.clients)), "connections; every one receives every message");
  add("publishers", integer("P", count(o.publishers)), "how many of the clients publish");
  add("size", integer("BYTES", count(o.size_bytes)), "bytes of text per message");
  add("messages", integer("M", count(o.messages)), "messages to publish, over all publishers");
  add("duration", real("S"), "publish for S seconds instead of --messages");
  add("rate", real("R", o.rate), "messages/s over all publishers; 0: as fast as the daemon goes");
  add("window", integer("W", count(o.window)), "with --rate 0: messages in flight per publisher");
  add("churn", real("C", o.churn),
      "disconnects per second per client that does not publish; each reconnects at once");
  add("seed", integer("N", static_cast<long long>(o.seed)), "seed of the --churn disconnect times");

  po::options_description idle("Idle run");
  add = idle.add_options();
  add("connections", integer("N"), "idle connections to open (with --idle)");
  add("idle", "open --connections idle connections, report the daemon's RSS per connection");
  add("hold", real("S", o.hold_s), "seconds to hold them before reading the daemon's RSS");

  po::options_description common("Both");
  add = common.add_options();
  add("connect-concurrency", integer("C", count(o.connect_concurrency)),
      "connections being set up at once");
  add("source-addresses", integer("K", 0),
      "connect from 127.0.0.1 .. 127.0.0.K (0: as many as the connection count needs)");
  add("timeout", real("S", o.timeout_s), "bound of each phase, seconds");
  add("json", "print one JSON object on one line instead of the report");
  add("no-progress", "no progress line, even on a terminal");
  add("label", text("TEXT")->default_value(""), "a name copied into the result");
  add("help", "this text");
  add("version", "the version");

  po::options_description all;
  all.add(where).add(load).add(idle).add(common);

  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args).options(all).run(), vm);
    po::notify(vm);
  } catch (po::error& e) {
    throw UsageError(OptionErrorSentence::of(e));
  }
  if (vm.count("help")) {
    std::cout << usage << all << epilogue;
    return std::nullopt;
  }
  if (vm.count("version")) {
    std::cout << "tcpchat-bench " << TCPCHAT_VERSION << '\n';
    return std::nullopt;
  }

  o.host = vm["host"].as<std::string>();
  o.port = port_number(std::to_string(vm["port"].as<long long>()), "--port");
  if (vm.count("ports")) o.ports = parse_port_list(vm["ports"].as<std::string>());
  o.spawn = vm.count("spawn") > 0;
  o.tls = vm.count("tls") > 0;
  o.account = vm["account"].as<std::string>();
  if (vm.count("token-file")) {
    const std::string path = vm["token-file"].as<std::string>();
    std::ifstream file(path);
    std::string token;
    if (!file || !std::getline(file, token) || token.empty()) {
      throw UsageError("cannot read a token from --token-file " + path);
    }
    o.token = token;
  }
  if (vm.count("daemon")) o.daemon_path = vm["daemon"].as<std::string>();
  if (vm.count("pid")) o.daemon_pid = at_least<int>(vm, "pid", 1);
  if (vm.count("daemon-cpu")) o.daemon_cpu = at_least<int>(vm, "daemon-cpu", 0);
  if (vm.count("bench-cpu")) o.bench_cpu = at_least<int>(vm, "bench-cpu", 0);

  o.clients = at_least<std::size_t>(vm, "clients", 1);
  o.publishers = at_least<std::size_t>(vm, "publishers", 1);
  o.size_bytes = at_least<std::size_t>(vm, "size", 0);
  o.messages = at_least<std::uint64_t>(vm, "messages", 1);
  if (vm.count("duration")) o.duration_s = positive(vm, "duration", false);
  o.rate = positive(vm, "rate", true);
  o.window = at_least<std::size_t>(vm, "window", 1);
  o.churn = positive(vm, "churn", true);
  o.seed = at_least<std::uint64_t>(vm, "seed", 0);

  o.idle = vm.count("idle") > 0;
  if (vm.count("connections")) o.connections = at_least<std::size_t>(vm, "connections", 1);
  o.hold_s = positive(vm, "hold", true);

  o.connect_concurrency = at_least<std::size_t>(vm, "connect-concurrency", 1);
  o.source_addresses = at_least<std::size_t>(vm, "source-addresses", 0);
  if (o.source_addresses > 254) {
    throw UsageError("--source-addresses must be at most 254 (127.0.0.1 .. 127.0.0.254)");
  }
  o.timeout_s = positive(vm, "timeout", false);
  o.json = vm.count("json") > 0;
  o.progress = vm.count("no-progress") == 0;
  o.label = vm["label"].as<std::string>();

  check(o, vm);
  return o;
}

}  // namespace tcpchat::bench
