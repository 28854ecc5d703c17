// The real tcpchat-bench against the real tcpchatd over loopback. No timing assertions: only what
// must hold on any machine (nothing lost, duplicated or reordered; the exit statuses).
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include "accounts.hpp"
#include "daemon_process.hpp"
#include "http_client.hpp"
#include "redis_server.hpp"

using namespace tcpchat::test;
namespace json = boost::json;

namespace {

struct Run {
  int status;
  std::string out;
  std::string err;
};

Run bench(std::vector<std::string> args) {
  args.insert(args.begin(), TCPCHAT_BENCH_PATH);
  ProcessOptions options;
  options.stdin_pipe = false;
  Process p(std::move(args), options);
  const auto status = p.wait_exit(60s);
  REQUIRE(status.has_value());
  return {*status, p.stdout_text(), p.stderr_text()};
}

json::object result_of(const Run& run) {
  INFO("stdout: " << run.out << "\nstderr: " << run.err);
  REQUIRE(run.out.find('\n') == run.out.size() - 1);  // one line
  return json::parse(run.out).as_object();
}

void check_clean(const json::object& r, std::int64_t clients) {
  INFO(json::serialize(r));
  CHECK(r.at("ok").as_bool());
  CHECK(r.at("problems").as_array().empty());
  const auto published = r.at("published").as_int64();
  CHECK(published > 0);
  CHECK(r.at("expected").as_int64() == published * clients);
  CHECK(r.at("delivered").as_int64() == published * clients);
  CHECK(r.at("lost").as_int64() == 0);
  CHECK(r.at("duplicates").as_int64() == 0);
  CHECK(r.at("reordered").as_int64() == 0);
  CHECK(r.at("order_divergent_receivers").as_int64() == 0);
  CHECK(r.at("lat_samples").as_int64() == published * clients);
}

// A port nobody listens on: bound by the kernel's choice, then released.
int closed_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

}  // namespace

TEST_CASE("a spawned daemon delivers a few hundred messages to every client, once and in order") {
  const Run run = bench({"--spawn", "--daemon", daemon_path(), "--clients", "6", "--publishers",
                         "3", "--messages", "300", "--size", "120", "--json", "--", "--quiet"});
  INFO(run.err);
  REQUIRE(run.status == 0);
  const auto r = result_of(run);
  check_clean(r, 6);
  CHECK(r.at("published").as_int64() == 300);
  CHECK(r.at("spawned").as_bool());
  CHECK(r.at("daemon_exit_status").as_int64() == 0);
  CHECK(r.at("daemon_cpu_s").is_number());
  CHECK(r.at("daemon_peak_rss_kb").as_int64() > 0);
}

TEST_CASE("an open-loop run for a duration against a daemon that is already running") {
  Daemon daemon({"--quiet"});
  const Run run = bench({"--port", std::to_string(daemon.port()), "--pid",
                         std::to_string(daemon.process().pid()), "--clients", "4", "--rate", "1000",
                         "--duration", "0.3", "--json"});
  INFO(run.err);
  REQUIRE(run.status == 0);
  const auto r = result_of(run);
  check_clean(r, 4);
  CHECK(r.at("published").as_int64() == 300);
  CHECK(r.at("daemon_alive_after").as_bool());
  CHECK(daemon.process().running());
  CHECK(daemon.stop() == 0);
}

TEST_CASE("with --churn clients leave and rejoin, and each is owed exactly its connected periods") {
  const Run run =
      bench({"--spawn", "--daemon", daemon_path(), "--clients", "12",     "--publishers", "2",
             "--rate",  "2000",     "--messages",  "3000",      "--size", "60",           "--churn",
             "4",       "--seed",   "7",           "--json",    "--",     "--quiet"});
  INFO(run.err);
  REQUIRE(run.status == 0);
  const auto r = result_of(run);
  INFO(json::serialize(r));
  CHECK(r.at("ok").as_bool());
  CHECK(r.at("published").as_int64() == 3000);
  // Ten receivers leaving four times a second for about 1.5 s: a few dozen reconnects.
  CHECK(r.at("reconnects").as_int64() > 5);
  const auto expected = r.at("expected").as_int64();
  // The publishers never leave; the others miss what was sent while they were away.
  CHECK(expected > 2 * 3000);
  CHECK(expected < 12 * 3000);
  CHECK(r.at("delivered").as_int64() == expected);
  CHECK(r.at("lost").as_int64() == 0);
  CHECK(r.at("duplicates").as_int64() == 0);
  CHECK(r.at("reordered").as_int64() == 0);
  CHECK(r.at("outside_period").as_int64() == 0);
  CHECK(r.at("order_divergent_receivers").as_int64() == 0);
  CHECK(r.at("daemon_exit_status").as_int64() == 0);
}

TEST_CASE("over TLS, with churn: every reconnection a handshake, every message once") {
  const Run run = bench({"--spawn", "--daemon", daemon_path(), "--tls", "--clients", "8",
                         "--publishers", "2", "--rate", "2000", "--messages", "2000", "--size",
                         "60", "--churn", "4", "--json", "--", "--quiet"});
  INFO(run.err);
  REQUIRE(run.status == 0);
  const auto r = result_of(run);
  INFO(json::serialize(r));
  CHECK(r.at("ok").as_bool());
  CHECK(r.at("tls").as_bool());
  CHECK(r.at("reconnects").as_int64() > 3);
  CHECK(r.at("delivered").as_int64() == r.at("expected").as_int64());
  CHECK(r.at("lost").as_int64() == 0);
  CHECK(r.at("duplicates").as_int64() == 0);
  CHECK(r.at("reordered").as_int64() == 0);
  CHECK(r.at("daemon_exit_status").as_int64() == 0);
}

TEST_CASE("with --token-file every connection signs in, churn and reconnections included") {
  tcpchat::test::TempDir dir;
  const auto account = tcpchat::test::new_token("fleet");
  tcpchat::test::write_auth_file(dir.path() / "accounts", {account.line});
  tcpchat::test::write_auth_file(dir.path() / "token", {account.token});
  // Over TLS too: there the @AUTH frame may arrive with the handshake's last flight, and wait in
  // OpenSSL rather than in the socket.
  for (const char* transport : {"--no-progress", "--tls"}) {
    const Run run = bench({"--spawn",
                           "--daemon",
                           daemon_path(),
                           transport,
                           "--token-file",
                           (dir.path() / "token").string(),
                           "--account",
                           "fleet",
                           "--clients",
                           "8",
                           "--publishers",
                           "2",
                           "--rate",
                           "2000",
                           "--messages",
                           "2000",
                           "--churn",
                           "4",
                           "--json",
                           "--",
                           "--quiet",
                           "--auth-file",
                           (dir.path() / "accounts").string()});
    INFO(transport << ": " << run.err);
    REQUIRE(run.status == 0);
    const auto r = result_of(run);
    CHECK(r.at("ok").as_bool());
    CHECK(r.at("reconnects").as_int64() > 3);
    CHECK(r.at("delivered").as_int64() == r.at("expected").as_int64());
  }
  const Run refused =
      bench({"--spawn", "--daemon", daemon_path(), "--clients", "2", "--messages", "10", "--",
             "--quiet", "--auth-file", (dir.path() / "accounts").string()});
  CHECK(refused.status == 1);
  CHECK((refused.out + refused.err).find("AuthRequired") != std::string::npos);
}

TEST_CASE("an idle run reports the daemon's memory per connection") {
  const Run run = bench({"--spawn", "--daemon", daemon_path(), "--connections", "50", "--idle",
                         "--hold", "0.2", "--json", "--", "--quiet"});
  INFO(run.err);
  REQUIRE(run.status == 0);
  const auto r = result_of(run);
  CHECK(r.at("ok").as_bool());
  CHECK(r.at("mode").as_string() == "idle");
  CHECK(r.at("clients").as_int64() == 50);
  CHECK(r.at("rss_per_connection_bytes").is_number());
}

TEST_CASE("a daemon that turns clients away fails the run") {
  const Run run = bench({"--spawn", "--daemon", daemon_path(), "--clients", "5", "--messages", "10",
                         "--json", "--", "--quiet", "--max-clients", "3"});
  CHECK(run.status == 1);
  const auto r = result_of(run);
  CHECK_FALSE(r.at("ok").as_bool());
  CHECK(json::serialize(r.at("problems")).find("ServerFull") != std::string::npos);
}

TEST_CASE("bad options exit 64 with a sentence") {
  const std::vector<std::vector<std::string>> bad = {
      {"--clients", "0"},
      {"--clients", "many"},
      {"--no-such-option"},
      {"--clients", "2", "--publishers", "3"},
      {"--spawn", "--port", "9999"},
      {"--messages", "10", "--duration", "1"},
      {"--connections", "10"},
      {"--idle", "--connections", "10", "--port", "9999"},
      {"--port", "70000"},
      {"--", "--quiet"},
      {"--churn", "1"},
      {"--clients", "2", "--publishers", "2", "--rate", "10", "--churn", "1"},
      {"--x%original_token%"},  // program_options' sentence once looped on its own placeholder
      {"--ports", ""},
      {"--ports", "9001,,9002"},
      {"--ports", "9001,"},
      {"--ports", "0"},
      {"--ports", "65536"},
      {"--ports", "9001,x"},
      {"--ports", "9001,9001"},
      {"--ports", "9001", "--port", "9002"},
      {"--ports", "9001", "--spawn"},
      {"--ports", "9001", "--pid", "1"},
  };
  for (const auto& args : bad) {
    const Run run = bench(args);
    INFO(args.front() << " ...: " << run.err);
    CHECK(run.status == 64);
    CHECK(run.err.starts_with("tcpchat-bench: "));
    CHECK(run.out.empty());
  }
}

TEST_CASE(
    "a bad --ports list, or --ports with --port, --spawn or --pid, is named in the sentence") {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--ports", "9001,x,9003"}, "(got 'x')"},
      {{"--ports", "9001,,9003"}, "(got '')"},
      {{"--ports", "9001,70000"}, "between 1 and 65535 (got '70000')"},
      {{"--ports", "9001,9002,9001"}, "--ports names port 9001 twice"},
      {{"--ports", "9001", "--port", "9002"}, "--port and --ports cannot be used together"},
      {{"--ports", "9001", "--spawn"}, "--spawn and --ports cannot be used together"},
      {{"--ports", "9001", "--pid", "1"}, "--pid and --ports cannot be used together"},
  };
  for (const auto& [args, sentence] : cases) {
    const Run run = bench(args);
    INFO(args[1] << ": " << run.err);
    CHECK(run.status == 64);
    CHECK(run.err.find(sentence) != std::string::npos);
  }
}

TEST_CASE("a daemon that is not there exits 69 and says so") {
  const std::string port = std::to_string(closed_port());
  const Run run = bench({"--port", port, "--clients", "2", "--messages", "5"});
  CHECK(run.status == 69);
  CHECK(run.err.find("cannot connect to 127.0.0.1:" + port + ": ") != std::string::npos);
  CHECK(run.err.find("is tcpchatd running?") != std::string::npos);

  const Run missing = bench({"--spawn", "--daemon", "/nonexistent/tcpchatd"});
  CHECK(missing.status == 69);
  CHECK(missing.err.find("/nonexistent/tcpchatd") != std::string::npos);

  // With --ports, the one of several that is not there.
  Daemon daemon({"--quiet"});
  const Run one_missing =
      bench({"--ports", std::to_string(daemon.port()) + "," + port, "--messages", "5"});
  CHECK(one_missing.status == 69);
  CHECK(one_missing.err.find("cannot connect to 127.0.0.1:" + port + ": ") != std::string::npos);
}

TEST_CASE("the help text documents every option") {
  const Run run = bench({"--help"});
  CHECK(run.status == 0);
  for (const char* option : {"--host",
                             "--port",
                             "--ports",
                             "--spawn",
                             "--daemon",
                             "--pid",
                             "--clients",
                             "--publishers",
                             "--size",
                             "--messages",
                             "--duration",
                             "--rate",
                             "--window",
                             "--churn",
                             "--seed",
                             "--tls",
                             "--token-file",
                             "--account",
                             "--connections",
                             "--idle",
                             "--hold",
                             "--timeout",
                             "--json",
                             "--source-addresses",
                             "--connect-concurrency",
                             "Exit status"}) {
    CHECK(run.out.find(option) != std::string::npos);
  }
}

TEST_CASE("messages the daemon refuses with StorageError fail the run, which still ends") {
  // The warm-up broadcast is refused too, so the run cannot start: it times out, saying why.
  const Run run =
      bench({"--spawn", "--daemon", daemon_path(), "--clients", "2", "--messages", "5", "--timeout",
             "2", "--json", "--", "--quiet", "--history-file", "/dev/full"});
  INFO(run.err);
  CHECK(run.status != 0);
  const auto r = result_of(run);
  CHECK_FALSE(r.at("ok").as_bool());
  bool said = false;
  for (const auto& p : r.at("problems").as_array()) {
    said = said || std::string(p.as_string()).find("refused (StorageError)") != std::string::npos;
  }
  CHECK(said);
  CHECK(r.at("daemon_alive_after").as_bool());
}

namespace {

std::string cluster_url(const RedisServer& redis) {
  return "redis://127.0.0.1:" + std::to_string(redis.port());
}

std::string port_list(const Daemon& a, const Daemon& b) {
  return std::to_string(a.port()) + "," + std::to_string(b.port());
}

// What a node refused in all, from its /metrics.
double refused_by(const Daemon& node) {
  const auto page = http_get(monitor_port(node), "/metrics").body;
  double sum = 0;
  for (const char* reason : {"unavailable", "error", "unknown"}) {
    sum += metric(page, "tcpchat_cluster_refused_total{reason=\"" + std::string(reason) + "\"}")
               .value_or(0);
  }
  return sum;
}

}  // namespace

TEST_CASE(
    "spread over two cluster nodes with --ports, every client gets every message in one order",
    "[cluster]") {
  RedisServer redis;
  Daemon a({"--quiet", "--cluster", cluster_url(redis)});
  Daemon b({"--quiet", "--cluster", cluster_url(redis)});
  // S1's shape, smaller: a publisher in ten, as fast as the window allows.
  const Run run = bench({"--ports", port_list(a, b), "--clients", "20", "--publishers", "4",
                         "--messages", "2000", "--size", "200", "--json"});
  INFO(run.err);
  REQUIRE(run.status == 0);
  const auto r = result_of(run);
  check_clean(r, 20);
  CHECK(r.at("published").as_int64() == 2000);
  CHECK(r.at("target").as_string() == "127.0.0.1:" + port_list(a, b));
  CHECK(r.at("refused").as_int64() == 0);
  CHECK(r.at("history_gaps").as_int64() == 0);
  // Half of each node's clients' messages came from the other node's publishers: through Redis.
  CHECK(std::stoll(redis.cli({"XLEN", "tcpchat:{tcpchat}:stream"})) >= 2000);
  for (Daemon* node : {&a, &b}) {
    CHECK(node->process().running());
    CHECK(node->stop() == 0);
  }
}

TEST_CASE("messages refused while the cluster's Redis is down count as refused, not lost",
          "[cluster]") {
  RedisServer redis;
  const std::vector<std::string> args = {"--quiet", "--cluster", cluster_url(redis), "--monitor",
                                         "127.0.0.1:0"};
  Daemon a(args);
  Daemon b(args);
  ProcessOptions options;
  options.stdin_pipe = false;
  // Open loop, one publisher on each node, for long enough to span the outage.
  Process run({TCPCHAT_BENCH_PATH, "--ports", port_list(a, b), "--clients", "6", "--publishers",
               "2", "--rate", "400", "--duration", "4", "--size", "100", "--json"},
              options);
  const auto appended = [](const Daemon& node) {
    return metric(http_get(monitor_port(node), "/metrics").body,
                  "tcpchat_cluster_append_seconds_count")
        .value_or(0);
  };
  REQUIRE(wait_until([&] { return appended(a) >= 50 && appended(b) >= 50; }, 10s));
  redis.kill();
  // Redis stays down until each node has refused a few of the bench's messages.
  REQUIRE(wait_until([&] { return refused_by(a) >= 5 && refused_by(b) >= 5; }, 10s));
  redis.restart(RedisServer::Data::kept);
  const auto status = run.wait_exit(60s);
  REQUIRE(status.has_value());
  INFO(run.stderr_text());
  CHECK(*status == 1);  // a refused message fails the run
  const auto r = result_of({*status, run.stdout_text(), run.stderr_text()});
  INFO(json::serialize(r));
  const auto refused = r.at("refused").as_int64();
  CHECK(refused >= 10);
  CHECK(static_cast<double>(refused) == refused_by(a) + refused_by(b));
  // The nodes were back well within --cluster-timeout: nothing of unknown outcome, so every
  // refused message reached no one, and everything else reached everyone once, in one order.
  CHECK(r.at("refused_outcome_unknown").as_int64() == 0);
  CHECK(r.at("refused_undelivered").as_int64() == refused);
  CHECK(r.at("lost").as_int64() == 0);
  CHECK(r.at("duplicates").as_int64() == 0);
  CHECK(r.at("reordered").as_int64() == 0);
  CHECK(r.at("order_divergent_receivers").as_int64() == 0);
  const auto published = r.at("published").as_int64();
  CHECK(r.at("expected").as_int64() == (published - refused) * 6);
  CHECK(r.at("delivered").as_int64() == (published - refused) * 6);
  CHECK(json::serialize(r.at("problems")).find("refused (ClusterUnavailable)") !=
        std::string::npos);
}
