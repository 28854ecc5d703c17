// Regression tests for the defects of the hardening review, each against the real daemon.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "daemon_process.hpp"
#include "tcp_peer.hpp"
#include "tcpchat/encode.hpp"
#include "tcpchat/format.hpp"

using tcpchat::Message;
using tcpchat::test::contains;
using tcpchat::test::Daemon;
using tcpchat::test::Peer;
using tcpchat::test::Process;
using tcpchat::test::run_daemon;
using tcpchat::test::TempDir;
using namespace std::chrono_literals;

namespace {

// A frame whose body is compact JSON (no spaces, no trailing newline) of exactly `body_bytes`.
std::string compact_frame(std::size_t body_bytes) {
  const std::string head = R"({"client_name":"m","subject":"","message":")";
  const std::string tail = R"(","date":"d"})";
  const std::string body = head + std::string(body_bytes - head.size() - tail.size(), 'x') + tail;
  return "Content-length:" + std::to_string(body.size()) + "\n" + body;
}

}  // namespace

TEST_CASE("a compact message whose canonical form exceeds the limit is refused to its sender",
          "[hardening]") {
  Daemon daemon({"--max-message-bytes", "1000", "--quiet"});
  Peer sender(daemon.port()), reader(daemon.port());
  REQUIRE(tcpchat::test::sync_room({&sender, &reader}));
  sender.send(compact_frame(1000));  // accepted by the decoder: N = 1000
  const auto reply = sender.read_message();
  REQUIRE(reply);
  CHECK(reply->client_name == "@SERVER");
  CHECK(reply->subject == "InvalidRequestError");
  CHECK(contains(reply->message, "1008 bytes"));  // what the daemon would send
  CHECK(contains(reply->message, "1000 bytes"));  // the limit
  CHECK(sender.wait_closed());
  CHECK(reader.nothing_within(300ms));  // nobody received the oversized frame
  // One byte shorter in its canonical form fits exactly and is delivered to everyone.
  Peer next(daemon.port());
  REQUIRE(tcpchat::test::sync_room({&reader, &next}));
  const std::string head = R"({"client_name": "m", "subject": "", "message": ")";
  const std::string tail = "\", \"date\": \"d\"}\n";
  const Message fits{"m", "", std::string(1000 - head.size() - tail.size(), 'x'), "d"};
  REQUIRE(tcpchat::encoded_body_size(fits) == 1000);
  next.send_message(fits);
  CHECK(reader.read_message() == fits);
  CHECK(next.read_message() == fits);
}

TEST_CASE("history-file messages over the limit once encoded are not replayed", "[hardening]") {
  TempDir dir;
  const auto file = (dir.path() / "h.jsonl").string();
  const Message small{"a", "", "small", "d"};
  const Message big{"a", "", std::string(900, 'y'), "d"};
  std::ofstream(file) << tcpchat::format_json(small) << "\n" << tcpchat::format_json(big) << "\n";
  Daemon daemon({"--history", "10", "--history-file", file, "--max-message-bytes", "500"});
  CHECK(daemon.wait_log("skipped 1 message(s) longer than --max-message-bytes (500 bytes)"));
  Peer late(daemon.port());
  CHECK(late.read_message() == small);
  CHECK(late.nothing_within(300ms));
}

TEST_CASE("deadlines and queue bounds refuse values that would disable them", "[hardening]") {
  for (const char* option : {"--write-timeout", "--frame-timeout"}) {
    INFO(option);
    auto r = run_daemon({option, "0"});
    CHECK(r.status == 64);
    CHECK(contains(r.err,
                   std::string("invalid value \"0\" for ") + option + ": must be at least 10ms"));
    r = run_daemon({option, "9ms", "--check-config"});
    CHECK(r.status == 64);
    CHECK(run_daemon({option, "10ms", "--check-config"}).status == 0);
  }
  for (const char* option : {"--max-queue-bytes", "--max-total-queue-bytes"}) {
    INFO(option);
    const auto r = run_daemon({option, "0"});
    CHECK(r.status == 64);
    CHECK(contains(r.err, std::string("invalid value \"0\" for ") + option +
                              ": must be at least 65536 bytes (64KiB)"));
    CHECK(run_daemon({option, "64KiB", "--check-config"}).status == 0);
  }
  CHECK(run_daemon({"--idle-timeout", "0", "--rate-limit", "0", "--check-config"}).status == 0);
}

TEST_CASE("a SIGHUP with a zero deadline keeps the running configuration", "[hardening]") {
  TempDir dir;
  const auto config = (dir.path() / "tcpchatd.conf").string();
  std::ofstream(config) << "write-timeout = 5s\n";
  Daemon daemon({"--config", config});
  std::ofstream(config) << "write-timeout = 0\n";
  daemon.process().signal(SIGHUP);
  CHECK(daemon.wait_log("cannot reload the configuration"));
  CHECK(daemon.wait_log("must be at least 10ms"));
  CHECK(daemon.wait_log("keeping the running one"));
}

TEST_CASE("history-file-max-bytes 0 never rotates", "[hardening]") {
  TempDir dir;
  const auto file = dir.path() / "h.jsonl";
  Daemon daemon({"--history-file", file.string(), "--history-file-max-bytes", "0", "--quiet"});
  Peer p(daemon.port());
  const Message m{"a", "", "kept in one file", "d"};
  for (int i = 0; i < 5; ++i) {
    p.send_message(m);
    REQUIRE(p.read_message() == m);
  }
  CHECK_FALSE(std::filesystem::exists(file.string() + ".1"));
  CHECK(std::filesystem::file_size(file) == 5 * (tcpchat::format_json(m).size() + 1));
}

TEST_CASE("frame-timeout runs from the unfinished frame's first byte, not the last boundary read",
          "[hardening]") {
  Daemon daemon({"--frame-timeout", "300ms", "--quiet"});
  Peer sender(daemon.port());
  const Message m{"busy", "", std::string(100'000, 'b'), "d"};
  const std::string frame = tcpchat::encode(m);
  // Sends the stream of frames a frame and a half at a time, so that every chunk (and so the
  // daemon's last read of it) ends in the middle of a frame, for several frame timeouts.
  const std::size_t chunk = frame.size() * 3 / 2;
  std::size_t sent = 0, echoed = 0;
  const auto start = tcpchat::test::Clock::now();
  while (tcpchat::test::Clock::now() - start < 1500ms) {
    std::string bytes;
    while (bytes.size() < chunk) bytes += frame.substr((sent + bytes.size()) % frame.size());
    bytes.resize(chunk);
    sender.send(bytes);
    sent += chunk;
    for (; echoed < sent / frame.size(); ++echoed) {
      const auto echo = sender.read_message();
      REQUIRE(echo);
      REQUIRE(echo->client_name == "busy");
    }
  }
  CHECK_FALSE(contains(daemon.log(), "frame-timeout"));
  CHECK(sender.nothing_within(100ms));  // no InvalidRequestError
  CHECK_FALSE(sender.closed());
}

TEST_CASE("a SIGHUP during start-up does not kill the daemon", "[hardening]") {
  // The config file is a FIFO, so the daemon is held in the middle of its start-up, before the
  // loop could handle a signal, for as long as the test wants.
  TempDir dir;
  const auto fifo = (dir.path() / "tcpchatd.conf").string();
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  const auto write_config = [&](const std::string& text) {
    const int fd = open(fifo.c_str(), O_WRONLY);  // returns once the daemon opened it to read
    REQUIRE(fd >= 0);
    REQUIRE(write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()));
    close(fd);
  };
  Process p({tcpchat::test::daemon_path(), "--config", fifo});
  write_config("bind = 127.0.0.1\nport = 0\n");  // the daemon is reading its configuration
  p.signal(SIGHUP);
  REQUIRE(p.wait_stderr("listening on"));
  CHECK(p.running());
  // The SIGHUP waited for the loop, which now reads the configuration again.
  write_config("bind = 127.0.0.1\nport = 0\nmax-clients = 5\n");
  CHECK(p.wait_stderr("changed: max-clients 10000 -> 5"));
  p.signal(SIGTERM);
  CHECK(p.wait_exit() == 0);
}

TEST_CASE("a 1 MiB message reaches 2,000 reading clients with the default limits, none dropped",
          "[hardening]") {
  Daemon daemon({"--quiet"});
  std::vector<Peer> peers;
  peers.reserve(2000);
  for (int i = 0; i < 2000; ++i) peers.emplace_back(daemon.port());
  std::vector<Peer*> all;
  for (auto& p : peers) all.push_back(&p);
  REQUIRE(tcpchat::test::sync_room(all));
  // The largest message the defaults allow, once encoded.
  const std::size_t overhead = tcpchat::encoded_body_size({"big", "", "", "d"});
  const Message big{"big", "", std::string(1'048'576 - overhead, 'x'), "d"};
  REQUIRE(tcpchat::encoded_body_size(big) == 1'048'576);
  peers.front().send_message(big);
  // The total bound counts the shared frame once (1 MiB), not once per client (2 GiB). Every
  // client reads a little on each pass, as independent readers would, so none stalls for
  // --write-timeout.
  const std::string expected = tcpchat::encode(big);
  std::vector<bool> got(peers.size());
  std::size_t done = 0, dropped = 0;
  const auto deadline = tcpchat::test::Clock::now() + 60s;
  while (done + dropped < peers.size() && tcpchat::test::Clock::now() < deadline) {
    for (std::size_t i = 0; i < peers.size(); ++i) {
      if (got[i]) continue;
      if (const auto frame = peers[i].read_frame(0ms)) {
        REQUIRE(*frame == expected);
        got[i] = true;
        ++done;
      } else if (peers[i].closed()) {
        got[i] = true;
        ++dropped;
      }
    }
  }
  CHECK(dropped == 0);
  CHECK(done == peers.size());
  CHECK_FALSE(contains(daemon.log(), "dropping client"));
}

TEST_CASE("the history keeps at most --history-max-bytes, however many messages it may keep",
          "[hardening]") {
  // A replay budget (half the queue bound) far above the history bound, so only the latter cuts.
  Daemon daemon({"--history", "300", "--max-queue-bytes", "64MiB", "--quiet"});
  Peer sender(daemon.port());
  const Message m{"h", "", std::string(100'000, 'h'), "d"};
  for (int i = 0; i < 300; ++i) {
    sender.send_message(m);
    REQUIRE(sender.read_message() == m);
  }
  Peer late(daemon.port());
  const std::size_t fit = (4u << 20) / tcpchat::encode(m).size();  // the default 4 MiB
  CHECK(late.read_messages(fit).size() == fit);
  CHECK(late.nothing_within(300ms));
}

TEST_CASE("a SIGHUP lowering max-message-bytes trims the history to match", "[hardening]") {
  TempDir dir;
  const auto config = (dir.path() / "tcpchatd.conf").string();
  std::ofstream(config) << "history = 10\nquiet = true\n";
  Daemon daemon({"--config", config});
  Peer sender(daemon.port());
  const Message big{"b", "", std::string(5000, 'b'), "d"}, small{"s", "", "small", "d"};
  for (const auto& m : {big, small}) {
    sender.send_message(m);
    REQUIRE(sender.read_message() == m);
  }
  std::ofstream(config) << "history = 10\nquiet = true\nmax-message-bytes = 1000\n";
  daemon.process().signal(SIGHUP);
  REQUIRE(daemon.wait_log("changed: max-message-bytes 1048576 -> 1000"));
  Peer late(daemon.port());
  CHECK(late.read_message() == small);
  CHECK(late.nothing_within(300ms));
}

TEST_CASE("start-up reads only the tail of a large history file", "[hardening]") {
  TempDir dir;
  const auto file = (dir.path() / "h.jsonl").string();
  {
    std::ofstream out(file);
    const std::string line = tcpchat::format_json({"old", "", std::string(1000, 'o'), "d"}) + "\n";
    for (std::size_t written = 0; written < (64u << 20); written += line.size()) out << line;
    out << tcpchat::format_json({"new", "", "the newest", "d"}) << "\n";
  }
  Daemon daemon({"--history", "100", "--history-file", file, "--history-file-max-bytes", "0"});
  const std::string io =
      tcpchat::test::read_text_file("/proc/" + std::to_string(daemon.process().pid()) + "/io");
  const auto at = io.find("rchar: ");
  REQUIRE(at != std::string::npos);
  const std::size_t rchar = std::stoull(io.substr(at + 7));
  CHECK(rchar < (8u << 20));
  Peer late(daemon.port());
  const auto replay = late.read_messages(100);
  REQUIRE(replay.size() == 100);
  CHECK(replay.back().message == "the newest");
}

TEST_CASE("a file-size limit makes the history file's writes fail, not the daemon", "[hardening]") {
  TempDir dir;
  tcpchat::test::ProcessOptions options;
  options.wrapper = {"prlimit", "--fsize=4096"};
  Daemon daemon({"--history-file", (dir.path() / "h.jsonl").string(), "--quiet"}, options);
  Peer p(daemon.port());
  const Message m{"a", "", std::string(1000, 'f'), "d"};
  for (int i = 0; i < 3; ++i) {  // about 3 KiB: fits
    p.send_message(m);
    REQUIRE(p.read_message() == m);
  }
  p.send_message(m);
  p.send_message(m);  // past 4 KiB: EFBIG, not SIGXFSZ
  bool refused = false;
  for (int i = 0; i < 2; ++i) {
    const auto reply = p.read_message();
    REQUIRE(reply);
    refused = refused || reply->subject == "StorageError";
  }
  CHECK(refused);
  CHECK(daemon.process().running());
  CHECK(daemon.wait_log("File too large"));
}

TEST_CASE("unfinished frames of all connections together stay under --max-total-input-bytes",
          "[hardening]") {
  Daemon daemon({"--max-total-input-bytes", "1MiB", "--frame-timeout", "1s", "--quiet"});
  // Forty connections each announce a 1 MiB frame and send 16 KiB of it, then 32 KiB more:
  // about 2 MiB offered. (At most 64 KiB each, what the daemon reads and throws away after
  // refusing, so its reply is not lost to a reset.)
  std::vector<Peer> hogs;
  for (int i = 0; i < 40; ++i) {
    hogs.emplace_back(daemon.port());
    hogs.back().send("Content-length:1048576\n{\"client_name\": \"" + std::string(16 * 1024, 'h'));
  }
  // A normal client's round trip: the daemon has handled the reads that came before it.
  Peer normal(daemon.port());
  const Message m{"n", "", "still here", "d"};
  normal.send_message(m);
  REQUIRE(normal.read_message() == m);
  for (auto& hog : hogs) hog.send(std::string(32 * 1024, 'h'));
  CHECK(daemon.wait_log("(--max-total-input-bytes): reading only from clients whose frame fits"));
  // The normal client keeps chatting while the others wait.
  normal.send_message(m);
  CHECK(normal.read_message() == m);
  // What the daemon held when it stopped reading: the first parts only, not the 2 MiB offered.
  const auto log = daemon.log();
  const auto at = log.find("unfinished frames of all clients hold ");
  REQUIRE(at != std::string::npos);
  CHECK(std::stoul(log.substr(at + 38)) <= 40u * (16 * 1024 + 64));
  // Frames that cannot complete are refused once their --frame-timeout passes.
  for (auto& hog : hogs) {
    auto reply = hog.read_message(5s);
    while (reply && reply->client_name != "@SERVER") reply = hog.read_message(5s);  // the chat
    REQUIRE(reply);
    CHECK(reply->subject == "InvalidRequestError");
  }
  normal.send_message(m);
  CHECK(normal.read_message() == m);
}

TEST_CASE("names that only look like @SERVER, or hide controls, are invalid requests",
          "[hardening]") {
  Daemon daemon({"--quiet"});
  for (const std::string name :
       {"@SERVER ", "\u200b@SERVER", "\uff20\uff33\uff25\uff32\uff36\uff25\uff32", "\ufe6bSERVER",
        "a\u202eb"}) {
    INFO(name);
    Peer p(daemon.port());
    p.send_message({name, "ServerFull", "fake", "d"});
    const auto reply = p.read_message();
    REQUIRE(reply);
    CHECK(reply->client_name == "@SERVER");
    CHECK(reply->subject == "InvalidRequestError");
    CHECK(p.wait_closed());
  }
  Peer ok(daemon.port());
  const Message m{"@alice", "", "a name may start with @", "d"};
  ok.send_message(m);
  CHECK(ok.read_message() == m);
}
