// The monitoring endpoint (--monitor) of the real daemon, scraped over HTTP while clients chat.
#include <sys/mount.h>

#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "daemon_process.hpp"
#include "http_client.hpp"
#include "tcp_peer.hpp"
#include "tcpchat/encode.hpp"

using tcpchat::Message;
using tcpchat::test::contains;
using tcpchat::test::Daemon;
using tcpchat::test::http_get;
using tcpchat::test::http_request;
using tcpchat::test::HttpResponse;
using tcpchat::test::metric;
using tcpchat::test::monitor_port;
using tcpchat::test::Peer;
using tcpchat::test::read_response;
using namespace std::chrono_literals;
namespace json = boost::json;

namespace {

const std::vector<std::string> monitored = {"--monitor", "127.0.0.1:0", "--quiet"};

std::vector<std::string> with(std::vector<std::string> extra) {
  std::vector<std::string> args = monitored;
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::string scrape(std::uint16_t port) {
  const HttpResponse r = http_get(port, "/metrics");
  REQUIRE(r.status == 200);
  return r.body;
}

double value(const std::string& page, std::string_view series) {
  const auto v = metric(page, series);
  INFO(series);
  REQUIRE(v);
  return *v;
}

json::object clients(std::uint16_t port, std::string_view query) {
  const HttpResponse r = http_get(port, "/clients?" + std::string(query));
  INFO(r.body);
  REQUIRE(r.status == 200);
  REQUIRE(r.headers.at("content-type") == "application/json");
  return json::parse(r.body).as_object();
}

Message numbered(const std::string& name, int i) {
  return {name, "s", "message " + std::to_string(i), "d"};
}

}  // namespace

TEST_CASE("the monitor logs where it serves after the chat listeners, and answers on it",
          "[monitor]") {
  Daemon daemon(monitored);
  const std::string log = daemon.log();
  REQUIRE(daemon.wait_log("monitor: serving http://127.0.0.1:"));
  CHECK(log.find("listening on") < daemon.log().find("monitor: serving"));
  CHECK(tcpchat::test::listening_ports(daemon.log()).size() == 1);
  const std::uint16_t port = monitor_port(daemon);
  CHECK(port != daemon.port());
  const HttpResponse index = http_get(port, "/");
  CHECK(index.status == 200);
  CHECK(contains(index.body, "/metrics"));
  const HttpResponse health = http_get(port, "/healthz");
  CHECK(health.status == 200);
  CHECK(health.body == "ok\n");
  const HttpResponse ready = http_get(port, "/readyz");
  CHECK(ready.status == 200);
  CHECK_FALSE(contains(daemon.log(), "no authentication"));
}

TEST_CASE("a scrape passes promtool check metrics", "[monitor]") {
  Daemon daemon(monitored);
  const std::uint16_t port = monitor_port(daemon);
  Peer a(daemon.port()), b(daemon.port());
  REQUIRE(tcpchat::test::sync_room({&a, &b}));
  const HttpResponse r = http_get(port, "/metrics");
  REQUIRE(r.status == 200);
  CHECK(r.headers.at("content-type") == "text/plain; version=0.0.4; charset=utf-8");
  tcpchat::test::Process promtool({"promtool", "check", "metrics"});
  promtool.write_stdin(r.body);
  promtool.close_stdin();
  const auto status = promtool.wait_exit(20s);
  INFO(promtool.stdout_text() << promtool.stderr_text());
  CHECK(status == 0);
  CHECK(value(r.body, "tcpchat_clients") == 2);
  CHECK(value(r.body, "tcpchat_clients_limit") == 10000);
  CHECK(value(r.body, "tcpchat_build_info{version=\"" TCPCHAT_VERSION "\"}") == 1);
  CHECK(value(r.body, "process_open_fds") > 0);
  CHECK(value(r.body, "process_resident_memory_bytes") > 0);
  CHECK(value(r.body, "tcpchat_loop_lag_seconds_bucket{le=\"+Inf\"}") ==
        value(r.body, "tcpchat_loop_lag_seconds_count"));
}

TEST_CASE("the counters are exact after scripted traffic", "[monitor]") {
  Daemon daemon(monitored);
  const std::uint16_t port = monitor_port(daemon);
  Peer a(daemon.port()), b(daemon.port());
  REQUIRE(tcpchat::test::sync_room({&a, &b}));
  const std::string before = scrape(port);
  // sync_room's marker is traffic too: count from what the page said after it.
  const double received0 = value(before, "tcpchat_messages_received_total");
  const double delivered0 = value(before, "tcpchat_messages_delivered_total");
  const double in0 = value(before, "tcpchat_bytes_received_total");
  const double out0 = value(before, "tcpchat_bytes_sent_total");
  std::size_t frame_bytes = 0;
  for (int i = 0; i < 100; ++i) {
    for (Peer* p : {&a, &b}) {
      const Message m = numbered(p == &a ? "alice" : "bob", i);
      frame_bytes += tcpchat::encode(m).size();
      p->send_message(m);
    }
  }
  CHECK(a.read_messages(200).size() == 200);
  CHECK(b.read_messages(200).size() == 200);
  const std::string after = scrape(port);
  CHECK(value(after, "tcpchat_messages_received_total") - received0 == 200);
  CHECK(value(after, "tcpchat_messages_delivered_total") - delivered0 == 400);
  CHECK(value(after, "tcpchat_bytes_received_total") - in0 == static_cast<double>(frame_bytes));
  CHECK(value(after, "tcpchat_bytes_sent_total") - out0 == static_cast<double>(2 * frame_bytes));
  CHECK(value(after, "tcpchat_connections_accepted_total") == 2);

  const json::object page = clients(port, "sort=msgs_in");
  CHECK(page.at("total").as_int64() == 2);
  const json::array& list = page.at("clients").as_array();
  REQUIRE(list.size() == 2);
  for (const auto& c : list) {
    CHECK(c.at("state") == "open");
    CHECK(c.at("msgs_out").as_int64() >= 200);
    CHECK(c.at("msgs_in").as_int64() >= 100);
  }
  CHECK((list[0].at("name") == "alice" || list[0].at("name") == "bob"));
  CHECK(list[0].at("id").as_int64() != list[1].at("id").as_int64());
}

TEST_CASE("the set of series does not depend on traffic", "[monitor]") {
  Daemon daemon(monitored);
  const std::uint16_t port = monitor_port(daemon);
  const std::size_t idle = tcpchat::test::series_count(scrape(port));
  {
    Peer one(daemon.port());
    REQUIRE(tcpchat::test::sync_room({&one}));
    CHECK(tcpchat::test::series_count(scrape(port)) == idle);
  }
  std::vector<Peer> many;
  for (int i = 0; i < 100; ++i) many.emplace_back(daemon.port());
  std::vector<Peer*> all;
  for (auto& p : many) all.push_back(&p);
  REQUIRE(tcpchat::test::sync_room(all));
  many[0].send(std::string("Content-length:3\n{x}"));  // one invalid request among them
  CHECK(many[0].wait_closed());
  const std::string page = scrape(port);
  CHECK(value(page, "tcpchat_clients") == 99);
  CHECK(tcpchat::test::series_count(page) == idle);
}

TEST_CASE("a client that never reads sorts first by queue, and is listed with why it was dropped",
          "[monitor]") {
  Daemon daemon(with({"--max-queue-bytes", "256KiB"}));
  const std::uint16_t port = monitor_port(daemon);
  Peer stalled = tcpchat::test::stalled_peer(daemon.port());
  Peer sender(daemon.port()), reader(daemon.port());
  REQUIRE(tcpchat::test::sync_room({&sender, &reader}));
  const std::string stalled_name = stalled.local_name();
  const Message m{"s", "", std::string(4000, 'q'), "d"};
  bool seen_first = false;
  for (int i = 0; i < 2500 && !stalled.closed(); ++i) {
    sender.send_message(m);
    REQUIRE(sender.read_message() == m);
    REQUIRE(reader.read_message() == m);
    if (seen_first || i % 10 != 0) continue;
    const json::object page = clients(port, "sort=queued&limit=1");
    const json::array& top = page.at("clients").as_array();
    if (page.at("total").as_int64() == 3 && top.size() == 1 &&
        top[0].at("queued_bytes").as_int64() > 0) {
      CHECK(top[0].at("peer").as_string() == stalled_name);
      seen_first = true;
    }
  }
  CHECK(seen_first);
  REQUIRE(stalled.wait_closed(10s));
  REQUIRE(daemon.wait_log("dropping client " + stalled_name));
  json::object closed;
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < deadline;) {
    closed = clients(port, "state=closed");
    if (closed.at("total").as_int64() > 0) break;
  }
  REQUIRE(closed.at("total").as_int64() == 1);
  const json::object& gone = closed.at("clients").as_array()[0].as_object();
  CHECK(gone.at("peer").as_string() == stalled_name);
  CHECK(gone.at("state") == "closed");
  CHECK(gone.at("reason") == "slow_consumer_queue");
  CHECK(gone.contains("closed_at"));
  const std::string page = scrape(port);
  CHECK(value(page, "tcpchat_connections_closed_total{reason=\"slow_consumer_queue\"}") == 1);
  CHECK(value(page, "tcpchat_connections_closed_total{reason=\"client_closed\"}") == 0);
  CHECK(clients(port, "state=all").at("total").as_int64() == 3);
}

TEST_CASE("each way a connection ends is counted under its reason", "[monitor]") {
  Daemon daemon(with({"--max-clients", "2"}));
  const std::uint16_t port = monitor_port(daemon);
  Peer a(daemon.port()), b(daemon.port());
  REQUIRE(tcpchat::test::sync_room({&a, &b}));
  Peer refused(daemon.port());
  CHECK(refused.wait_closed());
  b.send("Content-length:2\n{}");
  CHECK(b.wait_closed());
  a.close();
  const auto closed_total = [&](std::string_view reason) {
    return value(scrape(port),
                 "tcpchat_connections_closed_total{reason=\"" + std::string(reason) + "\"}");
  };
  for (auto deadline = std::chrono::steady_clock::now() + 10s;
       std::chrono::steady_clock::now() < deadline &&
       clients(port, "state=closed").at("total").as_int64() < 3;) {
  }
  CHECK(closed_total("server_full") == 1);
  CHECK(closed_total("invalid_request") == 1);
  CHECK(closed_total("client_closed") == 1);
  const json::object page = clients(port, "state=closed&sort=id");
  REQUIRE(page.at("clients").as_array().size() == 3);
  CHECK(page.at("clients").as_array()[0].at("reason") == "client_closed");
  CHECK(page.at("clients").as_array()[1].at("reason") == "invalid_request");
  CHECK(page.at("clients").as_array()[2].at("reason") == "server_full");
}

TEST_CASE("a long name is listed by its first 64 bytes, cut where a character starts",
          "[monitor]") {
  Daemon daemon(monitored);
  const std::uint16_t port = monitor_port(daemon);
  Peer p(daemon.port());
  // 63 ASCII bytes, then two-byte characters: byte 64 is in the middle of one.
  const std::string name =
      std::string(63, 'n') + std::string(1000, 'x').replace(0, 4, "\xc3\xa9\xc3\xa9");
  const Message m{name, "s", "hi", "d"};
  p.send_message(m);
  REQUIRE(p.read_message() == m);
  const json::object page = clients(port, "");
  const json::object& c = page.at("clients").as_array()[0].as_object();
  CHECK(c.at("name").as_string() == std::string(63, 'n'));
  CHECK(c.at("name_truncated") == true);
}

TEST_CASE("bad requests get their status and the chat goes on", "[monitor]") {
  Daemon daemon(monitored);
  const std::uint16_t port = monitor_port(daemon);
  Peer a(daemon.port()), b(daemon.port());
  REQUIRE(tcpchat::test::sync_room({&a, &b}));
  int sent = 0;
  const auto chat = [&] {
    const Message m = numbered("alice", sent++);
    a.send_message(m);
  };

  {
    Peer big(port);
    chat();
    big.send(http_request("/metrics", "GET", "X-Filler: " + std::string(20 * 1024, 'f') + "\r\n"));
    CHECK(read_response(big).status == 431);
  }
  {
    Peer post(port);
    chat();
    post.send(http_request("/metrics", "POST", "Content-Length: 0\r\n"));
    const HttpResponse r = read_response(post);
    CHECK(r.status == 405);
    CHECK(r.headers.at("allow") == "GET, HEAD");
  }
  {
    chat();
    const HttpResponse r = http_get(port, "/clients?limit=-1");
    CHECK(r.status == 400);
    CHECK(r.headers.at("content-type") == "application/json");
    CHECK(contains(json::parse(r.body).at("error").as_string(), "limit"));
    CHECK(http_get(port, "/clients?sort=name").status == 400);
    CHECK(http_get(port, "/clients?colour=blue").status == 400);
    CHECK(http_get(port, "/nowhere").status == 404);
  }
  {
    // 16 keep-alive connections at once are served; the 17th is told to come back later.
    std::vector<Peer> open;
    for (int i = 0; i < 16; ++i) {
      open.emplace_back(port);
      open.back().send(http_request("/healthz"));
      REQUIRE(read_response(open.back()).status == 200);
    }
    chat();
    Peer extra(port);
    const HttpResponse r = read_response(extra);
    CHECK(r.status == 503);
    CHECK(extra.wait_closed());
    // Keep-alive: each of the 16 answers another request on the same connection.
    for (auto& p : open) {
      p.send(http_request("/readyz"));
      CHECK(read_response(p).status == 200);
    }
  }
  CHECK(a.read_messages(static_cast<std::size_t>(sent)).size() == static_cast<std::size_t>(sent));
  CHECK(b.read_messages(static_cast<std::size_t>(sent)).size() == static_cast<std::size_t>(sent));
  CHECK(http_get(port, "/healthz").status == 200);
}

TEST_CASE("HEAD answers the headers of GET without a body", "[monitor]") {
  Daemon daemon(monitored);
  const std::uint16_t port = monitor_port(daemon);
  Peer p(port);
  p.send(http_request("/healthz", "HEAD"));
  const HttpResponse head = read_response(p, true);
  CHECK(head.status == 200);
  CHECK(head.headers.at("content-length") == "3");
  p.send(http_request("/healthz"));  // the same connection: nothing of a body came in between
  const HttpResponse get = read_response(p);
  CHECK(get.status == 200);
  CHECK(get.body == "ok\n");
}

TEST_CASE("a request that does not finish within 10 s is closed", "[monitor]") {
  Daemon daemon(monitored);
  const std::uint16_t port = monitor_port(daemon);
  Peer slow(port);
  slow.send("GET /metrics HTTP/1.1\r\n");
  CHECK_FALSE(slow.wait_closed(8s));
  CHECK(slow.wait_closed(6s));
  CHECK(http_get(port, "/healthz").status == 200);
}

TEST_CASE("the client list is turned off by --monitor-clients false, the metrics stay",
          "[monitor]") {
  Daemon daemon(with({"--monitor-clients", "false"}));
  const std::uint16_t port = monitor_port(daemon);
  const HttpResponse r = http_get(port, "/clients");
  CHECK(r.status == 404);
  CHECK(contains(r.body, "--monitor-clients false"));
  CHECK(http_get(port, "/metrics").status == 200);
}

TEST_CASE("a monitor beyond loopback is served with a warning", "[monitor]") {
  Daemon daemon({"--monitor", "0.0.0.0:0", "--quiet"});
  const std::uint16_t port = monitor_port(daemon);
  CHECK(daemon.wait_log("has no authentication"));
  CHECK(http_get(port, "/healthz").status == 200);
}

TEST_CASE("IPv6 monitor addresses are written in brackets", "[monitor]") {
  Daemon daemon({"--bind", "::1", "--port", "0", "--monitor", "[::1]:0", "--quiet"});
  CHECK(daemon.wait_log("monitor: serving http://[::1]:"));
}

TEST_CASE("a bad --monitor is refused with a sentence", "[monitor]") {
  for (const std::string bad :
       {"9100", "localhost:9100", "::1:9100", "127.0.0.1:99999", "[127.0.0.1]:1"}) {
    const auto outcome = tcpchat::test::run_daemon({"--monitor", bad});
    INFO(bad << ": " << outcome.err);
    CHECK(outcome.status == 64);
    CHECK(contains(outcome.err,
                   "invalid value \"" + bad + "\" for --monitor: expected ADDRESS:PORT"));
  }
  // The port taken by the chat listener of another daemon.
  Daemon other({"--quiet"});
  const auto taken = tcpchat::test::run_daemon(
      {"--port", "0", "--monitor", "127.0.0.1:" + std::to_string(other.port())});
  CHECK(taken.status != 0);
  CHECK(contains(taken.err, "127.0.0.1:" + std::to_string(other.port())));
}

TEST_CASE("/readyz fails while the history file cannot be written, /healthz does not",
          "[monitor][storage]") {
  tcpchat::test::TempDir dir;
  const std::filesystem::path disk = dir.path() / "disk";
  std::filesystem::create_directory(disk);
  REQUIRE(::mount("tmpfs", disk.c_str(), "tmpfs", 0, "size=64k") == 0);
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{disk.string()};
  Daemon daemon(with({"--history-file", (disk / "history.jsonl").string(), "--history", "0"}));
  const std::uint16_t port = monitor_port(daemon);
  Peer p(daemon.port());
  const Message first = numbered("alice", 0);
  p.send_message(first);
  REQUIRE(p.read_message() == first);
  CHECK(http_get(port, "/readyz").status == 200);

  {  // Fill the disk.
    std::ofstream filler(disk / "filler", std::ios::binary);
    const std::string block(4096, 'f');
    while (filler.write(block.data(), static_cast<std::streamsize>(block.size())) &&
           filler.flush()) {
    }
  }
  // Larger than what is left of the history file's last page, which tmpfs already holds.
  const Message refused{"alice", "s", std::string(8000, 'r'), "d"};
  p.send_message(refused);
  const auto reply = p.read_message();
  REQUIRE(reply);
  CHECK(reply->subject == "StorageError");
  const HttpResponse not_ready = http_get(port, "/readyz");
  CHECK(not_ready.status == 503);
  CHECK(contains(not_ready.body, "No space left on device"));
  CHECK(http_get(port, "/healthz").status == 200);
  CHECK(value(scrape(port), "tcpchat_history_write_errors_total") == 1);

  std::filesystem::remove(disk / "filler");
  const Message again = numbered("alice", 2);
  p.send_message(again);
  REQUIRE(p.read_message() == again);
  CHECK(http_get(port, "/readyz").status == 200);
  CHECK(http_get(port, "/healthz").status == 200);
}
