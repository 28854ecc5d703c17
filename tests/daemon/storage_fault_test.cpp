// Storage faults against the real daemon: a rotation that cannot open its new file, a full disk,
// an fsync that fails. Nothing is broadcast that was not recorded, and the daemon recovers.
#include <sys/resource.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "daemon_process.hpp"
#include "tcp_peer.hpp"

using tcpchat::Message;
using tcpchat::test::Daemon;
using tcpchat::test::Peer;
using tcpchat::test::TempDir;
using namespace std::chrono_literals;

namespace {

Message numbered(int i) {
  return {"s", "", "message " + std::to_string(i) + std::string(100, '.'), "d"};
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The history file's line for message `i` contains its text.
bool holds(const std::string& line, int i) {
  return tcpchat::test::contains(line, "\"message " + std::to_string(i) + ".");
}

// Sets the soft limit `resource` of process `pid`, keeping its hard limit.
void set_soft_limit(pid_t pid, int resource, rlim_t soft) {
  rlimit limit{};
  REQUIRE(::prlimit(pid, static_cast<__rlimit_resource>(resource), nullptr, &limit) == 0);
  limit.rlim_cur = soft;
  REQUIRE(::prlimit(pid, static_cast<__rlimit_resource>(resource), &limit, nullptr) == 0);
}

// The lowest descriptor number `pid` does not use: the one its next open would get.
rlim_t lowest_free_descriptor(pid_t pid) {
  std::set<long> used;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
    used.insert(std::stol(entry.path().filename().string()));
  long fd = 0;
  while (used.count(fd)) ++fd;
  return static_cast<rlim_t>(fd);
}

// `sender` sends message i; both it and `reader` get it back.
void chat(Peer& sender, Peer& reader, int i) {
  sender.send_message(numbered(i));
  REQUIRE(sender.read_message(20s) == numbered(i));
  REQUIRE(reader.read_message(20s) == numbered(i));
}

// `sender` sends message i and is told StorageError; `reader` is sent nothing.
void refused(Peer& sender, Peer& reader, int i) {
  sender.send_message(numbered(i));
  const auto reply = sender.read_message(20s);
  REQUIRE(reply);
  CHECK(reply->client_name == "@SERVER");
  CHECK(reply->subject == "StorageError");
  CHECK(reader.nothing_within(300ms));
}

}  // namespace

TEST_CASE("a rotation that cannot open its new file is retried and recovers by itself",
          "[storage]") {
  TempDir dir;
  const auto file = (dir.path() / "history.jsonl").string();
  Daemon daemon({"--history-file", file, "--history-file-max-bytes", "1KiB", "--quiet"});
  Peer sender(daemon.port()), reader(daemon.port());
  REQUIRE(tcpchat::test::sync_room({&sender, &reader}));
  // No descriptor left: the rename succeeds, opening the new PATH fails with EMFILE.
  const pid_t pid = daemon.process().pid();
  set_soft_limit(pid, RLIMIT_NOFILE, lowest_free_descriptor(pid));
  int sent = 0;
  while (!daemon.wait_log("cannot reopen history file", 0ms)) {
    REQUIRE(sent < 100);
    chat(sender, reader, sent++);
  }
  CHECK(tcpchat::test::contains(daemon.log(), "trying again in 1 s"));
  const int before_recovery = sent;
  set_soft_limit(pid, RLIMIT_NOFILE, 4096);
  // Appends go on to PATH.1 meanwhile; the retry comes with the first append after its time.
  const auto deadline = tcpchat::test::Clock::now() + 30s;
  while (!daemon.wait_log("rotated history file", 0ms)) {
    REQUIRE(tcpchat::test::Clock::now() < deadline);
    chat(sender, reader, sent++);
    reader.nothing_within(100ms);  // paces the loop; the deadline bounds it
  }
  chat(sender, reader, sent++);
  const auto old = lines_of(file + ".1"), now = lines_of(file);
  // Everything before the new PATH opened is in PATH.1, the message after it in PATH.
  REQUIRE(now.size() == 1);
  CHECK(holds(now[0], sent - 1));
  REQUIRE(old.size() >= static_cast<std::size_t>(before_recovery));
  CHECK(holds(old.back(), sent - 2));
  // One error line per retry, not one per append.
  CHECK(tcpchat::test::occurrences(daemon.log(), "error: ") <
        static_cast<std::size_t>(sent - before_recovery));
}

TEST_CASE("a full disk refuses what it cannot record and recovers when space returns",
          "[storage]") {
  TempDir dir;
  const auto file = (dir.path() / "history.jsonl").string();
  {
    Daemon daemon({"--history", "10", "--history-file", file, "--quiet"});
    Peer sender(daemon.port()), reader(daemon.port());
    for (int i = 0; i < 3; ++i) chat(sender, reader, i);
    // The file may not grow past 20 more bytes: the next line is written in part, then EFBIG.
    const pid_t pid = daemon.process().pid();
    set_soft_limit(pid, RLIMIT_FSIZE, std::filesystem::file_size(file) + 20);
    refused(sender, reader, 3);
    refused(sender, reader, 4);
    CHECK(daemon.wait_log("cannot write history file"));
    CHECK(lines_of(file).size() == 3);  // the partial line was cut off again
    set_soft_limit(pid, RLIMIT_FSIZE, RLIM_INFINITY);
    chat(sender, reader, 5);
  }
  const auto lines = lines_of(file);
  REQUIRE(lines.size() == 4);
  CHECK(holds(lines[3], 5));
  // After a restart the replay holds exactly what was broadcast.
  Daemon daemon({"--history", "10", "--history-file", file, "--quiet"});
  Peer late(daemon.port());
  CHECK(late.read_messages(4) ==
        std::vector<Message>{numbered(0), numbered(1), numbered(2), numbered(5)});
  CHECK(late.nothing_within(200ms));
}

TEST_CASE("with --history-fsync always, a batch that fsync fails is cut off and refused",
          "[storage]") {
  TempDir dir;
  const auto file = (dir.path() / "history.jsonl").string();
  const auto flag = (dir.path() / "fail-fsync").string();
  tcpchat::test::ProcessOptions options;
  options.env["LD_PRELOAD"] = tcpchat::test::fail_fsync_library();
  options.env["TCPCHAT_FAIL_FSYNC_WHILE"] = flag;
  // Under AddressSanitizer the preloaded library comes before its runtime, which is fine here.
  const char* asan = std::getenv("ASAN_OPTIONS");
  options.env["ASAN_OPTIONS"] = std::string(asan ? asan : "") + ":verify_asan_link_order=0";
  Daemon daemon({"--history", "10", "--history-file", file, "--history-fsync", "always", "--quiet"},
                options);
  Peer sender(daemon.port()), reader(daemon.port());
  for (int i = 0; i < 2; ++i) chat(sender, reader, i);
  std::ofstream(flag).put('x');
  refused(sender, reader, 2);
  CHECK(daemon.wait_log("cannot fsync history file " + file + ": Input/output error"));
  CHECK(lines_of(file).size() == 2);
  std::filesystem::remove(flag);
  chat(sender, reader, 3);
  const auto lines = lines_of(file);
  REQUIRE(lines.size() == 3);
  CHECK(holds(lines[2], 3));
}

#ifndef __SANITIZE_ADDRESS__
// AddressSanitizer reserves terabytes of address space up front, so an address-space limit
// cannot be set on a sanitized daemon; the release run covers this.
TEST_CASE("an exception that escapes the loop closes every connection and exits 70", "[storage]") {
  Daemon daemon({"--quiet"});
  Peer sender(daemon.port()), reader(daemon.port());
  REQUIRE(tcpchat::test::sync_room({&sender, &reader}));
  // Out of address space: the next large allocation (a 1 MiB frame's buffer) throws bad_alloc
  // out of a handler, and the daemon must tear down with its sessions' handlers still pending.
  const pid_t pid = daemon.process().pid();
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  rlim_t vm_bytes = 0;
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmSize:", 0) == 0) vm_bytes = std::stoull(line.substr(7)) * 1024;
  }
  REQUIRE(vm_bytes > 0);
  set_soft_limit(pid, RLIMIT_AS, vm_bytes + 256 * 1024);
  const std::string body(1000000, 'x');
  sender.send("Content-length:" + std::to_string(body.size()) + "\n" + body);
  CHECK(daemon.process().wait_exit(20s) == 70);
  CHECK(tcpchat::test::contains(daemon.log(), "internal error: std::bad_alloc"));
  CHECK(reader.wait_closed(5s));
}
#endif
