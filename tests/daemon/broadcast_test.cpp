#include <catch2/catch.hpp>

#include "daemon_process.hpp"
#include "tcp_peer.hpp"
#include "tcpchat/encode.hpp"

using tcpchat::Message;
using tcpchat::test::Daemon;
using tcpchat::test::Peer;
using namespace std::chrono_literals;

TEST_CASE("a message is broadcast to every client, sender included, byte for byte", "[broadcast]") {
  Daemon daemon;
  Peer a(daemon.port()), b(daemon.port()), c(daemon.port());
  const Message m{"alice", "greeting", "Hello, world!", "24/11/2018 20:43:01"};
  c.send_message(m);  // the newest connection: everyone is in the room before it speaks
  for (Peer* p : {&a, &b, &c}) CHECK(p->read_frame() == tcpchat::encode(m));
  CHECK(daemon.wait_log("message from 127.0.0.1:"));
  CHECK(daemon.wait_log("[24/11/2018 20:43:01] alice (greeting): Hello, world!"));
}

TEST_CASE("concurrent senders: every client sees the same total order", "[broadcast]") {
  Daemon daemon({"--quiet"});
  constexpr int senders = 4;
  constexpr int per_sender = 250;
  std::vector<Peer> peers;
  for (int i = 0; i < senders + 2; ++i) peers.emplace_back(daemon.port());
  std::vector<Peer*> all;
  for (auto& p : peers) all.push_back(&p);
  REQUIRE(tcpchat::test::sync_room(all));
  // Each sender writes all its frames in one go, so they interleave inside the daemon.
  for (int s = 0; s < senders; ++s) {
    std::string burst;
    for (int i = 0; i < per_sender; ++i) {
      tcpchat::encode_to(burst, {"sender" + std::to_string(s), "", std::to_string(i), "d"});
    }
    peers[static_cast<std::size_t>(s)].send(burst);
  }
  std::vector<std::vector<Message>> seen;
  for (auto& p : peers) seen.push_back(p.read_messages(senders * per_sender, 30s));
  for (std::size_t i = 0; i < seen.size(); ++i) {
    INFO("client " << i);
    REQUIRE(seen[i].size() == senders * per_sender);
    CHECK(seen[i] == seen[0]);
  }
  // Each sender's own messages keep their order.
  std::vector<int> next(senders, 0);
  for (const auto& m : seen[0]) {
    const int s = m.client_name.back() - '0';
    CHECK(m.message == std::to_string(next[static_cast<std::size_t>(s)]++));
  }
}

TEST_CASE("the broadcast is re-encoded canonically with only the four fields", "[broadcast]") {
  Daemon daemon;
  Peer a(daemon.port());
  const std::string body =
      R"({"date":"d","extra":[1,2],"message":"\u00e7\ud83d\ude00","subject":null,"client_name":"x"})";
  a.send("Content-length: +" + std::to_string(body.size()) + "\r\n" + body);
  CHECK(a.read_frame() == tcpchat::encode({"x", "", "ç😀", "d"}));
}

TEST_CASE("a body split over many TCP segments is read whole", "[broadcast]") {
  Daemon daemon;
  Peer a(daemon.port()), b(daemon.port());
  REQUIRE(tcpchat::test::sync_room({&a, &b}));
  const Message m{"big", "", std::string(300000, 'y'), "d"};
  const std::string frame = tcpchat::encode(m);
  for (std::size_t at = 0; at < frame.size(); at += 7777) a.send(frame.substr(at, 7777));
  CHECK(b.read_frame(10s) == frame);
  CHECK(a.read_frame(10s) == frame);
}

TEST_CASE("the largest allowed message passes and a larger one is refused on its header",
          "[broadcast]") {
  Daemon daemon({"--max-message-bytes", "1000", "--quiet"});
  Peer a(daemon.port()), b(daemon.port());
  REQUIRE(tcpchat::test::sync_room({&a, &b}));
  Message m{"n", "s", "", "d"};
  const std::string empty = tcpchat::encode(m);
  const std::size_t body_overhead = empty.size() - empty.find('\n') - 1;
  m.message = std::string(1000 - body_overhead, 'z');
  const std::string frame = tcpchat::encode(m);
  REQUIRE(frame.substr(0, 20) == "Content-length:1000\n");
  a.send(frame);
  CHECK(b.read_frame() == frame);
  CHECK(a.read_frame() == frame);
  a.send("Content-length:1001\n");  // no body: refused on the header alone
  const auto reply = a.read_message();
  REQUIRE(reply);
  CHECK(reply->client_name == "@SERVER");
  CHECK(reply->subject == "InvalidRequestError");
  CHECK(reply->message.find("1000") != std::string::npos);
  CHECK(a.wait_closed());
}

TEST_CASE("a client that closes its sending side still gets what was queued for it",
          "[broadcast]") {
  Daemon daemon;
  Peer a(daemon.port()), b(daemon.port());
  REQUIRE(tcpchat::test::sync_room({&a, &b}));
  const Message m{"a", "", "last words", "d"};
  a.send_message(m);
  a.shutdown_write();
  CHECK(a.read_message() == m);
  CHECK(a.wait_closed());
  CHECK(b.read_message() == m);
  // The room goes on without it.
  b.send_message({"b", "", "still here", "d"});
  CHECK(b.read_message() == Message{"b", "", "still here", "d"});
}

TEST_CASE("a client that resets mid-frame does not disturb the others", "[broadcast]") {
  Daemon daemon;
  Peer a(daemon.port()), b(daemon.port());
  a.send("Content-length:100\n{\"client_na");
  a.reset();
  const Message m{"b", "", "after the reset", "d"};
  b.send_message(m);
  CHECK(b.read_message() == m);
  Peer c(daemon.port());
  c.send_message(m);
  CHECK(c.read_message() == m);
  CHECK(b.read_message() == m);
}

TEST_CASE("IPv6 and several listening sockets", "[broadcast]") {
  Daemon daemon({"--bind", "127.0.0.1", "--bind", "::1", "--port", "0"});
  REQUIRE(daemon.ports().size() == 2);
  CHECK(daemon.log().find("listening on [::1]:") != std::string::npos);
  Peer v4(daemon.ports()[0]);
  Peer v6(daemon.ports()[1], "::1");
  // The two listeners accept in either order: both must be in the room before the message.
  REQUIRE(tcpchat::test::sync_room({&v4, &v6}));
  const Message m{"six", "", "over IPv6", "d"};
  v6.send_message(m);
  CHECK(v4.read_message() == m);
  CHECK(v6.read_message() == m);
}

TEST_CASE("nobody may speak as @SERVER", "[broadcast]") {
  Daemon daemon;
  Peer impostor(daemon.port()), other(daemon.port());
  REQUIRE(tcpchat::test::sync_room({&impostor, &other}));
  impostor.send_message({"@SERVER", "ServerFull", "fake", "d"});
  const auto reply = impostor.read_message();
  REQUIRE(reply);
  CHECK(reply->subject == "InvalidRequestError");
  CHECK(reply->message == "the name @SERVER is reserved for the server");
  CHECK(reply->date != "d");
  CHECK(impostor.wait_closed());
  CHECK(other.nothing_within(50ms));
}
