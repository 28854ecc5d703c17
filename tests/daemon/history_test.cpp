#include <signal.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "daemon_process.hpp"
#include "tcp_peer.hpp"

using tcpchat::Message;
using tcpchat::test::Daemon;
using tcpchat::test::Peer;
using tcpchat::test::TempDir;
using namespace std::chrono_literals;

namespace {

Message numbered(int i) {
  return {"h", "", "message " + std::to_string(i), "d"};
}

// Sends messages 0..count-1 and waits for their echoes, so the daemon has handled them all.
void send_numbered(Daemon& daemon, int count) {
  Peer p(daemon.port());
  for (int i = 0; i < count; ++i) {
    p.send_message(numbered(i));
    REQUIRE(p.read_message() == numbered(i));
  }
}

std::vector<Message> numbered_range(int from, int to) {
  std::vector<Message> out;
  for (int i = from; i < to; ++i) out.push_back(numbered(i));
  return out;
}

}  // namespace

TEST_CASE("option history replays the last N messages to a new client first", "[history]") {
  Daemon daemon({"--history", "3", "--quiet"});
  send_numbered(daemon, 5);
  Peer late(daemon.port());
  CHECK(late.read_messages(3) == numbered_range(2, 5));
  CHECK(late.nothing_within(50ms));
}

TEST_CASE("history replay is bounded by half the queue limit, newest kept", "[history]") {
  Daemon daemon({"--history", "100", "--max-queue-bytes", "64KiB", "--quiet"});
  Peer p(daemon.port());
  const Message big{"h", "", std::string(10000, 'b'), "d"};
  for (int i = 0; i < 10; ++i) {
    Message m = big;
    m.message[0] = static_cast<char>('0' + i);
    p.send_message(m);
    REQUIRE(p.read_message());
  }
  Peer late(daemon.port());
  // 32 KiB fit three 10 KB frames: messages 7, 8 and 9.
  const auto replay = late.read_messages(3);
  REQUIRE(replay.size() == 3);
  CHECK(replay[0].message[0] == '7');
  CHECK(replay[2].message[0] == '9');
  CHECK(late.nothing_within(50ms));
}

TEST_CASE("option history-file records every message and reloads after a restart", "[history]") {
  TempDir dir;
  const auto file = (dir.path() / "history.jsonl").string();
  {
    Daemon daemon({"--history", "10", "--history-file", file, "--quiet"});
    send_numbered(daemon, 4);
    CHECK(daemon.stop() == 0);
  }
  const std::string text = tcpchat::test::read_text_file(file);
  CHECK(text.find(R"({"client_name":"h","subject":"","message":"message 0","date":"d"})"
                  "\n") == 0);
  {
    Daemon daemon({"--history", "3", "--history-file", file, "--quiet"});
    Peer late(daemon.port());
    CHECK(late.read_messages(3) == numbered_range(1, 4));
  }
}

TEST_CASE("the history file survives kill -9, even with a torn last line", "[history]") {
  TempDir dir;
  const auto file = (dir.path() / "history.jsonl").string();
  {
    Daemon daemon({"--history", "10", "--history-file", file, "--quiet"});
    send_numbered(daemon, 3);
    daemon.process().signal(SIGKILL);
    CHECK(daemon.process().wait_exit() == 128 + SIGKILL);
  }
  {
    std::ofstream torn(file, std::ios::app);
    torn << R"({"client_name":"h","subject":"","mess)";
  }
  Daemon daemon({"--history", "10", "--history-file", file, "--quiet"});
  CHECK(daemon.wait_log("dropped a torn last line"));
  Peer late(daemon.port());
  CHECK(late.read_messages(3) == numbered_range(0, 3));
  // New messages start on a line of their own.
  late.send_message(numbered(3));
  REQUIRE(late.read_message() == numbered(3));
  CHECK(daemon.stop() == 0);
  Daemon again({"--history", "10", "--history-file", file, "--quiet"});
  Peer later(again.port());
  CHECK(later.read_messages(4) == numbered_range(0, 4));
}

TEST_CASE("the history file rotates to PATH.1 past its size limit", "[history]") {
  TempDir dir;
  const auto file = (dir.path() / "history.jsonl").string();
  {
    Daemon daemon(
        {"--history", "50", "--history-file", file, "--history-file-max-bytes", "1KiB", "--quiet"});
    send_numbered(daemon, 40);
    CHECK(daemon.wait_log("rotated history file"));
  }
  CHECK(std::filesystem::exists(file + ".1"));
  CHECK(std::filesystem::file_size(file) < 1024);
  // Both files together still give the newest messages back.
  Daemon daemon({"--history", "5", "--history-file", file, "--quiet"});
  Peer late(daemon.port());
  CHECK(late.read_messages(5) == numbered_range(35, 40));
}

TEST_CASE("a message the history file cannot take is not broadcast: StorageError", "[history]") {
  Daemon daemon({"--history-file", "/dev/full"});
  Peer sender(daemon.port()), other(daemon.port());
  sender.send_message(numbered(0));
  const auto reply = sender.read_message();
  REQUIRE(reply);
  CHECK(reply->client_name == "@SERVER");
  CHECK(reply->subject == "StorageError");
  CHECK(other.nothing_within(100ms));
  CHECK(daemon.wait_log("cannot write history file /dev/full"));
  // The sender stays connected.
  CHECK_FALSE(sender.closed());
  CHECK(sender.nothing_within(50ms));
}

TEST_CASE("an unusable history file at start exits 74", "[history]") {
  tcpchat::test::Process p({tcpchat::test::daemon_path(), "--port", "0", "--history-file",
                            "/nonexistent-dir/history.jsonl"});
  CHECK(p.wait_exit() == 74);
  CHECK(p.stderr_text().find("cannot open history file /nonexistent-dir/history.jsonl") !=
        std::string::npos);
}
