#include <catch2/catch.hpp>

#include "daemon_process.hpp"
#include "tcp_peer.hpp"
#include "tcpchat/encode.hpp"

using tcpchat::Message;
using tcpchat::test::Clock;
using tcpchat::test::Daemon;
using tcpchat::test::Peer;
using namespace std::chrono_literals;

TEST_CASE("a client that never reads is dropped, the others receive everything", "[limits]") {
  Daemon daemon({"--max-queue-bytes", "256KiB", "--quiet"});
  Peer stalled = tcpchat::test::stalled_peer(daemon.port());
  Peer sender(daemon.port()), reader(daemon.port());
  REQUIRE(tcpchat::test::sync_room({&sender, &reader}));
  // More than the kernel's socket buffers can absorb (tcp_wmem allows 4 MiB), so the rest
  // must wait in the daemon's queue.
  constexpr int count = 2500;
  const Message m{"s", "", std::string(4000, 'q'), "d"};
  for (int i = 0; i < count; ++i) {
    sender.send_message(m);
    REQUIRE(sender.read_message() == m);
    REQUIRE(reader.read_message() == m);
  }
  CHECK(daemon.wait_log("dropping client 127.0.0.1:"));
  CHECK(daemon.wait_log("slow consumer"));
  CHECK(daemon.wait_log("(--max-queue-bytes)"));
  CHECK(stalled.wait_closed(10s));
}

TEST_CASE("a write that makes no progress for --write-timeout ends the session", "[limits]") {
  // A queue bound far above the 9 MB sent, so that only the write timeout can end the session,
  // however slowly a loaded machine runs the sender.
  Daemon daemon({"--write-timeout", "300ms", "--max-queue-bytes", "64MiB", "--quiet"});
  Peer stalled = tcpchat::test::stalled_peer(daemon.port());
  Peer sender(daemon.port());
  const Message m{"s", "", std::string(60000, 'w'), "d"};
  for (int i = 0; i < 150; ++i) {
    sender.send_message(m);
    REQUIRE(sender.read_message() == m);
  }
  CHECK(daemon.wait_log("no write progress for 300ms (--write-timeout)"));
  CHECK(stalled.wait_closed(10s));
}

TEST_CASE("all queues together are bounded, the largest queue goes first", "[limits]") {
  Daemon daemon({"--max-total-queue-bytes", "512KiB", "--quiet"});
  Peer stalled = tcpchat::test::stalled_peer(daemon.port());
  Peer sender(daemon.port()), reader(daemon.port());
  REQUIRE(tcpchat::test::sync_room({&sender, &reader}));
  const Message m{"s", "", std::string(8000, 't'), "d"};
  for (int i = 0; i < 800; ++i) {
    sender.send_message(m);
    REQUIRE(sender.read_message() == m);
    REQUIRE(reader.read_message() == m);
  }
  CHECK(daemon.wait_log("(--max-total-queue-bytes)"));
  CHECK(stalled.wait_closed(10s));
}

TEST_CASE("option max-clients: the extra client gets ServerFull and is closed", "[limits]") {
  Daemon daemon({"--max-clients", "2", "--log-level", "debug"});
  Peer a(daemon.port()), b(daemon.port());
  Peer extra(daemon.port());
  const auto reply = extra.read_message();
  REQUIRE(reply);
  CHECK(reply->client_name == "@SERVER");
  CHECK(reply->subject == "ServerFull");
  CHECK(extra.wait_closed());
  CHECK(daemon.wait_log("client limit reached (2 clients, --max-clients)"));
  // The two who fit still chat, and a place frees up when one leaves.
  const Message m{"a", "", "hello", "d"};
  a.send_message(m);
  CHECK(b.read_message() == m);
  const std::string a_name = a.local_name();
  a.close();
  REQUIRE(daemon.wait_log("client " + a_name + " disconnected"));
  Peer c(daemon.port());
  c.send_message(m);
  CHECK(c.read_message() == m);
  CHECK(b.read_message() == m);
}

TEST_CASE("option frame-timeout: a frame left incomplete is an invalid request", "[limits]") {
  Daemon daemon({"--frame-timeout", "200ms"});
  Peer slow(daemon.port()), other(daemon.port());
  slow.send("Content-length:50\n{\"client_name\": ");
  const auto reply = slow.read_message(5s);
  REQUIRE(reply);
  CHECK(reply->subject == "InvalidRequestError");
  CHECK(reply->message == "the frame was not completed within 200ms of its first byte");
  CHECK(slow.wait_closed());
  CHECK(daemon.wait_log("(--frame-timeout)"));
  const Message m{"o", "", "fine", "d"};
  other.send_message(m);
  CHECK(other.read_message() == m);
}

TEST_CASE("option frame-timeout does not touch a client that sends nothing", "[limits]") {
  Daemon daemon({"--frame-timeout", "100ms"});
  Peer quiet(daemon.port());
  CHECK(quiet.nothing_within(400ms));
  CHECK_FALSE(quiet.closed());
}

TEST_CASE("option idle-timeout closes a client that sent nothing", "[limits]") {
  Daemon daemon({"--idle-timeout", "200ms"});
  Peer idle(daemon.port());
  CHECK(idle.wait_closed(5s));
  CHECK(daemon.wait_log("(--idle-timeout)"));
}

TEST_CASE("option rate-limit throttles a fast sender without losing anything", "[limits]") {
  Daemon daemon({"--rate-limit", "20", "--burst", "5", "--quiet"});
  Peer sender(daemon.port()), reader(daemon.port());
  REQUIRE(tcpchat::test::sync_room({&sender, &reader}));
  constexpr int count = 30;
  std::string burst;
  std::vector<Message> sent;
  for (int i = 0; i < count; ++i) {
    sent.push_back({"fast", "", std::to_string(i), "d"});
    tcpchat::encode_to(burst, sent.back());
  }
  const auto start = Clock::now();
  sender.send(burst);
  CHECK(reader.read_messages(count, 20s) == sent);
  // Five go at once, the other 25 at 20 per second: it cannot be done in less than 1.25 s.
  CHECK(Clock::now() - start >= 1200ms);
  CHECK(sender.read_messages(count, 5s) == sent);
  CHECK_FALSE(sender.closed());
}

TEST_CASE("a rate-limited client alone in the room still gets through at its rate", "[limits]") {
  Daemon daemon({"--rate-limit", "10", "--burst", "1", "--quiet"});
  Peer alone(daemon.port());
  std::string burst;
  std::vector<Message> sent;
  for (int i = 0; i < 5; ++i) {
    sent.push_back({"solo", "", std::to_string(i), "d"});
    tcpchat::encode_to(burst, sent.back());
  }
  const auto start = Clock::now();
  alone.send(burst);
  CHECK(alone.read_messages(5, 10s) == sent);
  // One at once, then four at ten per second.
  CHECK(Clock::now() - start >= 380ms);
}
