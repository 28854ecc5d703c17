// Several real tcpchatd nodes as one room through a real redis-server (with the append-only file
// fsync'ed always, as docs/operations.md tells production): one identical order everywhere, the
// same history on every node, and under faults of Redis or of a node, refusals or delays but
// never a loss that nobody was told of, a duplicate or a forked order.
#include <algorithm>
#include <catch2/catch.hpp>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "daemon_process.hpp"
#include "http_client.hpp"
#include "process.hpp"
#include "redis_server.hpp"
#include "run_checker.hpp"
#include "tcp_peer.hpp"

using namespace tcpchat::test;
using tcpchat::Message;
using namespace std::chrono_literals;

namespace {

std::string url(const RedisServer& redis) {
  return "redis://127.0.0.1:" + std::to_string(redis.port());
}

// `extra` may replace the defaults: the daemon refuses an option given twice.
std::vector<std::string> node_args(const RedisServer& redis, std::vector<std::string> extra) {
  std::vector<std::string> args;
  for (const std::vector<std::string>& d :
       {std::vector<std::string>{"--cluster", url(redis)}, {"--history", "100"}}) {
    if (std::find(extra.begin(), extra.end(), d[0]) == extra.end()) {
      args.insert(args.end(), d.begin(), d.end());
    }
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

Daemon node(const RedisServer& redis, std::vector<std::string> extra = {}) {
  return Daemon(node_args(redis, std::move(extra)));
}

std::vector<std::uint16_t> ports(const std::vector<Daemon*>& nodes) {
  std::vector<std::uint16_t> out;
  for (auto* n : nodes) out.push_back(n->port());
  return out;
}

// What a client joining now is replayed: everything before its own marker.
std::vector<Message> replay(std::uint16_t port, const std::string& tag) {
  Peer p(port);
  const Message mark{"joiner", "", tag, "d"};
  p.send_message(mark);
  std::vector<Message> out;
  for (auto m = p.read_message(); m && !(*m == mark); m = p.read_message()) out.push_back(*m);
  return out;
}

// Reads until `wanted` arrives; whether it did.
bool read_until(Peer& p, const Message& wanted) {
  for (auto m = p.read_message(); m; m = p.read_message()) {
    if (*m == wanted) return true;
  }
  return false;
}

void check_run(RunChecker& run, const RedisServer& redis) {
  REQUIRE(run.settle(30s));
  const auto problems = run.problems(read_stream(redis));
  for (const auto& p : problems) UNSCOPED_INFO(p);
  CHECK(problems.empty());
}

}  // namespace

TEST_CASE("three nodes deliver 3,000 concurrent messages in one identical order", "[cluster]") {
  RedisServer redis;
  Daemon a = node(redis), b = node(redis), c = node(redis);
  RunChecker run(ports({&a, &b, &c}));
  for (int i = 0; i < 1000; ++i) run.send_round();
  check_run(run, redis);
  CHECK(run.refused("unavailable") + run.refused("error") + run.refused("unknown") == 0);
  CHECK(run.log(0).size() == 3001);  // and the last marker
  // Redis lists each node's two connections by name.
  const std::string clients = redis.cli({"CLIENT", "LIST"});
  CHECK(occurrences(clients, ":writer") == 3);
  CHECK(occurrences(clients, ":reader") == 3);
  // Each named HOSTNAME:PORT by default, with its own port.
  for (auto* n : {&a, &b, &c}) {
    std::string name = ":";  // not ":" + ...: GCC 12 warns falsely (-Wrestrict) of that
    name.append(std::to_string(n->port())).append(":writer");
    CHECK(occurrences(clients, name) == 1);
  }
}

TEST_CASE("two nodes are one room: a message sent to either reaches the clients of both",
          "[cluster]") {
  RedisServer redis;
  Daemon a = node(redis), b = node(redis);
  Peer on_a(a.port()), on_b(b.port());
  REQUIRE(sync_room({&on_a, &on_b}));
  const Message hello{"alice", "", "hello from a", "d"};
  on_a.send_message(hello);
  CHECK(on_a.read_message() == hello);
  CHECK(on_b.read_message() == hello);
  // b has the frame alone, and decodes it for its log line.
  CHECK(a.wait_log(": [d] alice: hello from a"));
  CHECK(b.wait_log("message from another node: [d] alice: hello from a"));
}

TEST_CASE("a node that joins late hears from then on and replays the others' history",
          "[cluster]") {
  RedisServer redis;
  Daemon a = node(redis, {"--history", "20"}), b = node(redis, {"--history", "20"});
  RunChecker run(ports({&a, &b}));
  for (int i = 0; i < 30; ++i) run.send_round();
  REQUIRE(run.settle(30s));
  Daemon late = node(redis, {"--history", "20"});
  const auto on_a = replay(a.port(), "a");
  const auto on_late = replay(late.port(), "late");
  CHECK(on_a.size() == 20);
  // The late node's ring holds "a" too by now: compare what both had before it.
  CHECK(std::vector<Message>(on_late.begin(), on_late.end() - 1) ==
        std::vector<Message>(on_a.begin() + 1, on_a.end()));
  CHECK(on_late.back().message == "a");
  Peer listener(late.port());
  const Message after{"s0", "", "after", "d"};
  run.peer(0).send_message(after);
  CHECK(read_until(listener, after));
}

TEST_CASE("CLIENT KILL of the nodes' connections loses nothing and duplicates nothing",
          "[cluster]") {
  RedisServer redis;
  Daemon a = node(redis), b = node(redis);
  RunChecker run(ports({&a, &b}));
  for (int i = 0; i < 200; ++i) run.send_round();
  redis.cli({"CLIENT", "KILL", "TYPE", "normal"});
  for (int i = 0; i < 200; ++i) run.send_round();
  REQUIRE(a.wait_log("is back after"));
  REQUIRE(b.wait_log("is back after"));
  check_run(run, redis);
  // Whatever was sent and not confirmed when the links died was retried and kept once.
  CHECK(run.refused("unknown") == 0);
  CHECK(run.refused("error") == 0);
}

TEST_CASE("Redis stopped for 3 s: refusals or delay, never a loss or a duplicate", "[cluster]") {
  RedisServer redis;
  Daemon a = node(redis), b = node(redis);
  RunChecker run(ports({&a, &b}));
  for (int i = 0; i < 50; ++i) run.send_round();
  redis.process().signal(SIGSTOP);
  // Paced sends through the outage: the first wait for Redis, later ones are refused.
  const auto until = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < until) {
    run.send_round();
    std::this_thread::sleep_for(100ms);  // pacing the load, not waiting for an event
  }
  redis.process().signal(SIGCONT);
  REQUIRE(a.wait_log("is back after"));
  REQUIRE(b.wait_log("is back after"));
  for (int i = 0; i < 50; ++i) run.send_round();
  INFO(a.log());
  check_run(run, redis);
  CHECK(run.refused("unavailable") > 0);
  CHECK(a.wait_log("lost Redis at"));
}

TEST_CASE("Redis killed and restarted from its append-only file: same epoch, identical logs",
          "[cluster]") {
  RedisServer redis;
  Daemon a = node(redis), b = node(redis);
  RunChecker run(ports({&a, &b}));
  for (int i = 0; i < 100; ++i) run.send_round();
  const std::string epoch = redis.cli({"HGET", "tcpchat:{tcpchat}:room", "epoch"});
  redis.kill();
  redis.restart(RedisServer::Data::kept);
  REQUIRE(a.wait_log("is back after"));
  REQUIRE(b.wait_log("is back after"));
  for (int i = 0; i < 100; ++i) run.send_round();
  check_run(run, redis);
  CHECK(redis.cli({"HGET", "tcpchat:{tcpchat}:room", "epoch"}) == epoch);
  CHECK_FALSE(contains(a.log(), "epoch changed"));
  CHECK_FALSE(contains(a.log(), "went back to message"));
}

TEST_CASE("Redis restarted empty: every node tells its clients of the new epoch", "[cluster]") {
  RedisServer redis;
  Daemon a = node(redis), b = node(redis);
  Peer on_a(a.port()), on_b(b.port());
  REQUIRE(sync_room({&on_a, &on_b}));
  redis.restart(RedisServer::Data::lost);
  for (Peer* p : {&on_a, &on_b}) {
    const auto notice = p->read_message(10s);
    REQUIRE(notice);
    CHECK(notice->client_name == "@SERVER");
    CHECK(notice->subject == "HistoryGap");
  }
  CHECK(a.wait_log("the room's epoch changed"));
  CHECK(b.wait_log("the room's epoch changed"));
  // The room goes on under the new epoch.
  REQUIRE(a.wait_log("is back after"));
  REQUIRE(b.wait_log("is back after"));
  REQUIRE(sync_room({&on_a, &on_b}));
}

TEST_CASE("a node killed and restarted rejoins, and its new messages are not taken for retries",
          "[cluster]") {
  RedisServer redis;
  Daemon a = node(redis);
  std::optional<Daemon> b;
  b.emplace(node_args(redis, {"--cluster-node", "b"}));
  {
    RunChecker run(ports({&a, &*b}));
    for (int i = 0; i < 20; ++i) run.send_round();
    REQUIRE(run.settle(30s));
  }
  b->process().signal(SIGKILL);
  b->process().wait_exit();
  b.emplace(node_args(redis, {"--cluster-node", "b"}));
  // The same node name counts from 1 again, under a new instance.
  RunChecker run(ports({&a, &*b}));
  for (int i = 0; i < 20; ++i) run.send_round();
  check_run(run, redis);
  CHECK(run.refused("unavailable") + run.refused("unknown") == 0);
  // Each run has its own dedupe record, which expires a day past the default cluster-timeout
  // (10 s), so that the runs gone leave nothing behind; the room's hash holds no run's.
  std::istringstream records(redis.cli({"KEYS", "tcpchat:{tcpchat}:last:*"}));
  std::vector<std::string> keys;
  for (std::string key; std::getline(records, key);) keys.push_back(key);
  CHECK(keys.size() == 3);  // a, and b twice
  for (const std::string& key : keys) {
    const long ttl = std::stol(redis.cli({"PTTL", key}));
    CHECK(ttl > 86'410'000 - 60'000);
    CHECK(ttl <= 86'410'000);
  }
  CHECK(redis.cli({"HKEYS", "tcpchat:{tcpchat}:room"}) == "epoch\nseq\n");
}

TEST_CASE(
    "a node started while Redis is down replays its history file, then the stream's once Redis is "
    "back",
    "[cluster]") {
  RedisServer redis;
  TempDir dir;
  const std::string file = (dir.path() / "history").string();
  Daemon a = node(redis, {"--history", "4"});
  std::optional<Daemon> b;
  b.emplace(node_args(redis, {"--history", "4", "--history-file", file}));
  {
    Peer on_a(a.port()), on_b(b->port());
    for (int i = 0; i < 3; ++i) on_a.send_message({"s", "", "before " + std::to_string(i), "d"});
    REQUIRE(read_until(on_b, {"s", "", "before 2", "d"}));  // in b's history file
  }
  REQUIRE(b->stop() == 0);
  {
    Peer on_a(a.port());
    for (int i = 0; i < 3; ++i) on_a.send_message({"s", "", "meanwhile " + std::to_string(i), "d"});
    REQUIRE(read_until(on_a, {"s", "", "meanwhile 2", "d"}));  // in the stream, and the AOF
  }
  redis.kill();
  b.emplace(node_args(redis, {"--history", "4", "--history-file", file}));
  REQUIRE(b->wait_log("cannot reach Redis"));
  // The file's messages are replayed at once, and a new message is refused, not delivered here.
  Peer joiner(b->port());
  joiner.send_message({"j", "", "while down", "d"});
  std::vector<std::string> from_file;
  auto m = joiner.read_message();
  for (; m && m->client_name != "@SERVER"; m = joiner.read_message())
    from_file.push_back(m->message);
  REQUIRE(m);
  CHECK(m->subject == "ClusterUnavailable");
  CHECK(from_file == std::vector<std::string>{"before 0", "before 1", "before 2"});
  redis.restart(RedisServer::Data::kept);
  REQUIRE(a.wait_log("is back after"));
  REQUIRE(b->wait_log("is back after"));
  // Now b replays the stream's history, what the room received while b was away included.
  const auto on_a = replay(a.port(), "a");
  const auto on_b = replay(b->port(), "b");
  REQUIRE(on_a.size() == 4);
  CHECK(std::vector<Message>(on_b.begin(), on_b.end() - 1) ==
        std::vector<Message>(on_a.begin() + 1, on_a.end()));
  CHECK(on_b.back().message == "a");
  CHECK(std::find(on_b.begin(), on_b.end(), Message{"s", "", "meanwhile 2", "d"}) != on_b.end());
}

TEST_CASE("with Redis killed a sender is refused within the liveness bound, and service resumes",
          "[cluster]") {
  RedisServer redis;
  Daemon a = node(redis, {"--cluster-timeout", "2s", "--monitor", "127.0.0.1:0"});
  const auto monitor = monitor_port(a);
  CHECK(http_get(monitor, "/readyz").status == 200);
  CHECK(metric(http_get(monitor, "/metrics").body, "tcpchat_cluster_up") == 1);
  Peer p(a.port());
  REQUIRE(sync_room({&p}));
  redis.kill();
  const auto killed = std::chrono::steady_clock::now();
  std::optional<Message> reply;
  for (int i = 0; i < 50 && !(reply && reply->subject == "ClusterUnavailable"); ++i) {
    p.send_message({"s", "", "while down " + std::to_string(i), "d"});
    reply = p.read_message(100ms);
  }
  REQUIRE(reply);
  CHECK(reply->subject == "ClusterUnavailable");
  // 1 s to find a silent link, plus slack for a loaded machine.
  CHECK(std::chrono::steady_clock::now() - killed < 3s);
  // Down is not dead: /healthz stays 200 while /readyz and the metrics tell the outage.
  CHECK(http_get(monitor, "/healthz").status == 200);
  const auto readyz = http_get(monitor, "/readyz");
  CHECK(readyz.status == 503);
  CHECK(contains(readyz.body, "unreachable"));
  const auto page = http_get(monitor, "/metrics").body;
  CHECK(metric(page, "tcpchat_cluster_up") == 0);
  CHECK(metric(page, "tcpchat_cluster_refused_total{reason=\"unavailable\"}") >= 1);
  redis.restart(RedisServer::Data::kept);
  REQUIRE(a.wait_log("is back after"));
  const Message after{"s", "", "after", "d"};
  p.send_message(after);
  auto m = p.read_message(5s);
  while (m && m->client_name == "@SERVER") m = p.read_message(5s);
  CHECK(m == after);
  CHECK(http_get(monitor, "/readyz").status == 200);
  CHECK(metric(http_get(monitor, "/metrics").body, "tcpchat_cluster_append_seconds_count") >= 2);
}

TEST_CASE("a Redis with a password: the URL's, or the password file's", "[cluster]") {
  RedisServer redis({"--requirepass", "s3cret-pass"});
  TempDir dir;
  const auto file = dir.path() / "password";
  std::ofstream(file) << "s3cret-pass\n";
  Daemon with_url =
      node(redis, {"--cluster", "redis://:s3cret-pass@127.0.0.1:" + std::to_string(redis.port())});
  Daemon with_file = node(redis, {"--cluster-password-file", file.string()});
  RunChecker run(ports({&with_url, &with_file}));
  run.send_round();
  check_run(run, redis);
  CHECK_FALSE(contains(with_url.log(), "s3cret"));
  // A wrong password is said, and messages are refused rather than delivered here alone.
  Daemon wrong =
      node(redis, {"--cluster", "redis://:wrong@127.0.0.1:" + std::to_string(redis.port())});
  CHECK(wrong.wait_log("AUTH refused"));
  Peer p(wrong.port());
  p.send_message({"s", "", "refused", "d"});
  const auto reply = p.read_message();
  REQUIRE(reply);
  CHECK(reply->subject == "ClusterUnavailable");
}

TEST_CASE("the ACL user of docs/operations.md may run everything the nodes run", "[cluster]") {
  // The documented line, with a password of the test's for the elided one.
  std::ifstream doc(TCPCHAT_OPERATIONS_DOC);
  std::string line;
  while (std::getline(doc, line) && line.find("  user tcpchat on ") != 0) {
  }
  REQUIRE(doc);
  std::vector<std::string> args{"--user"};
  std::istringstream rules(line);
  for (std::string rule; rules >> rule;) {
    if (rule == "user") continue;
    args.push_back(rule.starts_with('>') ? ">acl-pass" : rule);
  }
  RedisServer redis(args);
  const std::string url = "redis://tcpchat:acl-pass@127.0.0.1:" + std::to_string(redis.port());
  Daemon a = node(redis, {"--cluster", url});
  {
    RunChecker run(ports({&a}));
    run.send_round();
    REQUIRE(run.settle(30s));
  }
  // A node that starts later reads the history; after SCRIPT FLUSH the appends carry the script.
  Daemon b = node(redis, {"--cluster", url, "--history", "4"});
  redis.cli({"SCRIPT", "FLUSH"});
  RunChecker run(ports({&a, &b}));
  for (int i = 0; i < 3; ++i) run.send_round();
  check_run(run, redis);
  CHECK(run.refused("error") == 0);
  CHECK_FALSE(contains(a.log(), "NOPERM"));
  CHECK_FALSE(contains(b.log(), "NOPERM"));
}

TEST_CASE("a history file that fails after Redis ordered a message: delivered, logged, not ready",
          "[cluster]") {
  RedisServer redis;
  TempDir dir;
  const auto file = (dir.path() / "history.jsonl").string();
  const auto flag = (dir.path() / "fail-fsync").string();
  ProcessOptions options;
  options.env["LD_PRELOAD"] = fail_fsync_library();
  options.env["TCPCHAT_FAIL_FSYNC_WHILE"] = flag;
  // Under AddressSanitizer the preloaded library comes before its runtime, which is fine here.
  const char* asan = std::getenv("ASAN_OPTIONS");
  options.env["ASAN_OPTIONS"] = std::string(asan ? asan : "") + ":verify_asan_link_order=0";
  Daemon a(node_args(redis, {"--history-file", file, "--history-fsync", "always", "--monitor",
                             "127.0.0.1:0"}),
           options);
  Daemon b = node(redis);
  Peer on_a(a.port()), on_b(b.port());
  REQUIRE(sync_room({&on_a, &on_b}));
  std::ofstream(flag).put('x');
  // The other node delivers it whatever this one's disk does: so must this one.
  const Message m{"alice", "", "ordered", "d"};
  on_b.send_message(m);
  CHECK(on_a.read_message() == m);
  CHECK(on_b.read_message() == m);
  CHECK(a.wait_log("delivered anyway"));
  const auto port = monitor_port(a);
  CHECK(http_get(port, "/readyz").status == 503);
  CHECK(metric(http_get(port, "/metrics").body, "tcpchat_history_write_errors_total") >= 1);
}

TEST_CASE(
    "past --cluster-max-pending-bytes a node stops reading from its clients, and drops "
    "nothing",
    "[cluster]") {
  RedisServer redis;
  Daemon a = node(redis, {"--cluster-max-pending-bytes", "64KiB", "--log-level", "debug",
                          "--log-messages", "false"});
  Peer sender(a.port()), reader(a.port());
  REQUIRE(sync_room({&sender, &reader}));
  // 1 MiB at once: far more than Redis confirms in the time the socket takes it.
  const std::string text(1024, 'x');
  constexpr int count = 1024;
  for (int i = 0; i < count; ++i) sender.send_message({"s", "", std::to_string(i) + text, "d"});
  const auto got = reader.read_messages(count, 30s);
  REQUIRE(got.size() == count);
  for (int i = 0; i < count; ++i) CHECK(got[i].message == std::to_string(i) + text);
  CHECK(sender.read_messages(count, 30s).size() == count);
  CHECK(a.wait_log("past cluster-max-pending-bytes: not reading from"));
}

TEST_CASE("SCRIPT FLUSH mid-run: the appends are sent again whole, once each, in order",
          "[cluster]") {
  RedisServer redis;
  Daemon a = node(redis), b = node(redis);
  RunChecker run(ports({&a, &b}));
  for (int i = 0; i < 100; ++i) run.send_round();
  redis.cli({"SCRIPT", "FLUSH"});
  for (int i = 0; i < 200; ++i) run.send_round();
  check_run(run, redis);
  CHECK(run.refused("unavailable") + run.refused("error") + run.refused("unknown") == 0);
}

TEST_CASE("an error reply of Redis refuses the message with its reason, and the room goes on",
          "[cluster]") {
  RedisServer redis({"--maxmemory-policy", "noeviction"});
  Daemon a = node(redis, {"--monitor", "127.0.0.1:0"});
  Peer p(a.port());
  REQUIRE(sync_room({&p}));
  redis.cli({"CONFIG", "SET", "maxmemory", "1"});
  p.send_message({"s", "", "over memory", "d"});
  const auto reply = p.read_message();
  REQUIRE(reply);
  CHECK(reply->subject == "ClusterError");
  CHECK(contains(reply->message, "OOM"));
  CHECK(a.wait_log("cluster: a message was refused: OOM"));
  CHECK(metric(http_get(monitor_port(a), "/metrics").body,
               "tcpchat_cluster_refused_total{reason=\"error\"}") == 1);
  redis.cli({"CONFIG", "SET", "maxmemory", "0"});
  const Message after{"s", "", "after", "d"};
  p.send_message(after);
  CHECK(p.read_message() == after);
}

TEST_CASE("a room emptied under live connections gets a new epoch, which every node tells",
          "[cluster]") {
  RedisServer redis;
  Daemon a = node(redis), b = node(redis);
  Peer on_a(a.port()), on_b(b.port());
  REQUIRE(sync_room({&on_a, &on_b}));
  redis.cli({"DEL", "tcpchat:{tcpchat}:room", "tcpchat:{tcpchat}:stream"});
  const Message next{"alice", "", "in the new room", "d"};
  on_a.send_message(next);
  for (Peer* p : {&on_a, &on_b}) {
    const auto notice = p->read_message();
    REQUIRE(notice);
    CHECK(notice->subject == "HistoryGap");
    CHECK(p->read_message() == next);
  }
  CHECK(a.wait_log("the room's epoch changed"));
  CHECK(b.wait_log("the room's epoch changed"));
}
