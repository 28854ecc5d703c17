// How tcpchatd fits its host: descriptor limits, accept errors, the journal.
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>

#include "daemon_process.hpp"
#include "tcp_peer.hpp"

using tcpchat::test::Daemon;
using tcpchat::test::Peer;
using tcpchat::test::ProcessOptions;
using tcpchat::test::TempDir;
using namespace std::chrono_literals;

namespace {

// The scheduler slice of `pid` in nanoseconds, from the `se.slice` line of /proc/PID/sched.
std::uint64_t slice_of(const std::string& pid) {
  const std::string text = tcpchat::test::read_text_file("/proc/" + pid + "/sched");
  const auto at = text.find("se.slice");
  REQUIRE(at != std::string::npos);
  const auto colon = text.find(':', at);
  return std::stoull(text.substr(colon + 1));
}

// Whether the kernel takes a custom slice for SCHED_OTHER (Linux 6.12).
bool kernel_takes_slices() {
  utsname u{};
  uname(&u);
  unsigned major = 0, minor = 0;
  std::sscanf(u.release, "%u.%u", &major, &minor);
  return major > 6 || (major == 6 && minor >= 12);
}

std::string limits_of(pid_t pid) {
  return tcpchat::test::read_text_file("/proc/" + std::to_string(pid) + "/limits");
}

}  // namespace

TEST_CASE("the open-file limit is raised to fit --max-clients", "[platform]") {
  ProcessOptions options;
  options.wrapper = {"prlimit", "--nofile=256:"};  // the soft limit only; the hard one stays
  Daemon daemon({"--max-clients", "5000"}, options);
  rlimit ours{};
  getrlimit(RLIMIT_NOFILE, &ours);
  const auto expected = std::min<rlim_t>(5064, ours.rlim_max);
  CHECK(limits_of(daemon.process().pid())
            .find("Max open files            " + std::to_string(expected) + " ") !=
        std::string::npos);
}

TEST_CASE("a hard open-file limit below --max-clients is reported", "[platform]") {
  ProcessOptions options;
  options.wrapper = {"prlimit", "--nofile=128:128"};
  Daemon daemon({"--max-clients", "1000"}, options);
  CHECK(daemon.wait_log("the open-file limit is 128 (hard limit 128)"));
  CHECK(daemon.wait_log("not --max-clients 1000"));
}

TEST_CASE("at the descriptor budget the daemon waits instead of running out", "[platform]") {
  // 100 descriptors, 64 kept for the daemon's own files: 36 sessions at most.
  ProcessOptions options;
  options.wrapper = {"prlimit", "--nofile=100:100"};
  Daemon daemon({"--quiet"}, options);
  std::vector<Peer> peers;
  for (int i = 0; i < 60; ++i) peers.emplace_back(daemon.port());
  REQUIRE(daemon.wait_log("not accepting on 127.0.0.1:" + std::to_string(daemon.port()) +
                          ": 36 open sessions fill the descriptor budget of 36"));
  // Free sessions: the connections still waiting in the backlog are accepted and served.
  peers.erase(peers.begin(), peers.begin() + 25);
  std::vector<Peer*> rest;
  for (auto& p : peers) rest.push_back(&p);
  CHECK(tcpchat::test::sync_room(rest));
  CHECK(daemon.wait_log("accepting on 127.0.0.1:" + std::to_string(daemon.port()) + " again"));
  const auto log = daemon.log();
  CHECK(log.find("Too many open files") == std::string::npos);  // never reached the limit
  CHECK(log.find("descriptor budget") == log.rfind("descriptor budget"));  // logged once
}

TEST_CASE("under systemd's journal, lines carry priority prefixes and no timestamp", "[platform]") {
  TempDir dir;
  const auto path = dir.path() / "journal-stream";
  std::ofstream(path).close();
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  ProcessOptions options;
  options.stderr_path = path;
  options.env["JOURNAL_STREAM"] = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  Daemon daemon({}, options);
  CHECK(daemon.log().rfind("<5>listening on 127.0.0.1:", 0) == 0);
  Peer p(daemon.port());
  p.send_message({"j", "", "to the journal", "d"});
  REQUIRE(p.read_message());
  CHECK(daemon.wait_log("<6>message from 127.0.0.1:"));
}

TEST_CASE("outside the journal, lines carry an ISO-8601 timestamp and a level", "[platform]") {
  Daemon daemon;
  const auto log = daemon.log();
  // 2026-11-24T06:00:53.826+00:00 notice: listening on ...
  REQUIRE(log.size() > 40);
  CHECK(log[4] == '-');
  CHECK(log[10] == 'T');
  CHECK((log[23] == '+' || log[23] == '-'));
  CHECK(log.substr(29, 8) == " notice:");
}

TEST_CASE("the daemon asks for its scheduler slice at start and on SIGHUP", "[platform]") {
  if (!kernel_takes_slices()) {
    WARN("this kernel predates custom scheduler slices (Linux 6.12): nothing to check");
    return;
  }
  TempDir dir;
  const auto config = dir.path() / "tcpchatd.conf";
  const auto write_config = [&](const std::string& text) { std::ofstream(config) << text; };
  write_config("");
  Daemon daemon({"--config", config.string()});
  const std::string pid = std::to_string(daemon.process().pid());
  CHECK(slice_of(pid) == 100'000);  // the default, 100 us

  write_config("scheduler-slice-us = 2500\n");
  daemon.process().signal(SIGHUP);
  REQUIRE(daemon.wait_log("changed: scheduler-slice-us 100 -> 2500"));
  CHECK(slice_of(pid) == 2'500'000);

  // 0 gives the thread back the kernel's default slice, the one this test runs with.
  write_config("scheduler-slice-us = 0\n");
  daemon.process().signal(SIGHUP);
  REQUIRE(daemon.wait_log("changed: scheduler-slice-us 2500 -> 0"));
  CHECK(slice_of(pid) == slice_of("self"));
}
