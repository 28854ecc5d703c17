#include <signal.h>
#include <sys/socket.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "daemon_process.hpp"
#include "tcp_peer.hpp"

using tcpchat::Message;
using tcpchat::test::contains;
using tcpchat::test::Daemon;
using tcpchat::test::Peer;
using tcpchat::test::Process;
using tcpchat::test::run_daemon;
using tcpchat::test::TempDir;
using namespace std::chrono_literals;

namespace {

std::string write_config(const TempDir& dir, const std::string& text) {
  const auto path = (dir.path() / "tcpchatd.conf").string();
  std::ofstream(path) << text;
  return path;
}

}  // namespace

TEST_CASE("SIGTERM delivers what was queued, then exits 0", "[lifecycle]") {
  // Generous timeouts: the reader must stay queued however slowly this test runs.
  Daemon daemon({"--quiet", "--write-timeout", "120s", "--shutdown-timeout", "60s"});
  Peer reader(daemon.port());  // reads nothing until the daemon is told to stop
  Peer sender(daemon.port());
  constexpr int count = 1500;  // about 6 MB: more than the socket buffers hold
  const Message m{"s", "", std::string(4000, 'x'), "d"};
  for (int i = 0; i < count; ++i) {
    sender.send_message(m);
    REQUIRE(sender.read_message() == m);
  }
  daemon.process().signal(SIGTERM);
  REQUIRE(daemon.wait_log(" bytes queued), at most 60s"));
  // Part of what the reader is owed was still in the daemon's queue, not only in the kernel's.
  const auto log = daemon.log();
  const auto at = log.find("flushing 2 client queue(s) (");
  REQUIRE(at != std::string::npos);
  CHECK(std::stoul(log.substr(at + 28)) > 0);
  CHECK(reader.read_messages(count, 30s).size() == count);
  CHECK(reader.wait_closed());
  CHECK(daemon.process().wait_exit() == 0);
  CHECK(contains(daemon.log(), "received SIGTERM"));
}

TEST_CASE("SIGINT exits 0 too, and an idle daemon stops at once", "[lifecycle]") {
  Daemon daemon;
  Peer idle(daemon.port());
  CHECK(daemon.stop(SIGINT) == 0);
  CHECK(idle.wait_closed());
}

TEST_CASE("SIGHUP applies a changed limit from the config file", "[lifecycle]") {
  TempDir dir;
  const auto config = write_config(dir, "port = 0\nmax-clients = 1\n");
  Daemon daemon({"--config", config, "--bind", "127.0.0.1"});
  Peer first(daemon.port());
  Peer refused(daemon.port());
  REQUIRE(refused.read_message()->subject == "ServerFull");
  write_config(dir, "port = 0\nmax-clients = 2\nlog-messages = false\n");
  daemon.process().signal(SIGHUP);
  CHECK(daemon.wait_log(
      "reloaded the configuration; changed: log-messages true -> false, max-clients 1 -> 2"));
  Peer second(daemon.port());
  const Message m{"b", "", "fits now", "d"};
  second.send_message(m);
  CHECK(first.read_message() == m);
  CHECK(second.read_message() == m);
  CHECK_FALSE(contains(daemon.log(), "fits now"));  // log-messages = false took effect
}

TEST_CASE("SIGHUP with a broken config file keeps the running configuration", "[lifecycle]") {
  TempDir dir;
  const auto config = write_config(dir, "max-clients = 5\n");
  Daemon daemon({"--config", config});
  write_config(dir, "max-clients = lots\n");
  daemon.process().signal(SIGHUP);
  CHECK(daemon.wait_log("cannot reload the configuration"));
  CHECK(daemon.wait_log("keeping the running one"));
  Peer still(daemon.port());
  const Message m{"a", "", "alive", "d"};
  still.send_message(m);
  CHECK(still.read_message() == m);
}

TEST_CASE("SIGHUP says which changes need a restart", "[lifecycle]") {
  TempDir dir;
  const auto config = write_config(dir, "history = 1\n");
  Daemon daemon({"--config", config});
  write_config(dir, "history = 1\nhistory-file = " + (dir.path() / "h.jsonl").string() + "\n");
  daemon.process().signal(SIGHUP);
  CHECK(daemon.wait_log("not applied, a restart is needed: history-file  -> "));
}

TEST_CASE("option check-config prints the effective configuration", "[lifecycle]") {
  TempDir dir;
  const auto config =
      write_config(dir, "# comment\nport = 4000\nmax-clients = 7\nhistory-fsync = always\n");
  const auto r = run_daemon({"--config", config, "--max-clients", "9", "--check-config"});
  CHECK(r.status == 0);
  CHECK(contains(r.out, "port = 4000\n"));
  CHECK(contains(r.out, "max-clients = 9\n"));  // the command line wins
  CHECK(contains(r.out, "history-fsync = always\n"));
  CHECK(contains(r.out, "max-queue-bytes = 8MiB\n"));
  CHECK(contains(r.err, "configuration OK"));
}

TEST_CASE("help and version", "[lifecycle]") {
  const auto help = run_daemon({"--help"});
  CHECK(help.status == 0);
  for (const char* option : {"--bind",
                             "--port",
                             "--max-clients",
                             "--max-message-bytes",
                             "--max-queue-bytes",
                             "--max-total-queue-bytes",
                             "--write-timeout",
                             "--frame-timeout",
                             "--idle-timeout",
                             "--rate-limit",
                             "--burst",
                             "--history",
                             "--history-file",
                             "--history-fsync",
                             "--history-file-max-bytes",
                             "--shutdown-timeout",
                             "--log-level",
                             "--log-messages",
                             "--quiet",
                             "--config",
                             "--check-config"}) {
    CHECK(contains(help.out, option));
  }
  const auto version = run_daemon({"--version"});
  CHECK(version.status == 0);
  CHECK(contains(version.out, "tcpchatd "));
}

TEST_CASE("exit status 64: a bad option or value, named", "[lifecycle]") {
  auto r = run_daemon({"--port", "99999"});
  CHECK(r.status == 64);
  CHECK(contains(r.err, "invalid value \"99999\" for --port"));
  r = run_daemon({"--no-such-option"});
  CHECK(r.status == 64);
  CHECK(contains(r.err, "no-such-option"));
  r = run_daemon({"--bind", "localhost-ish"});
  CHECK(r.status == 64);
  CHECK(contains(r.err, "for --bind"));
  r = run_daemon({"--idle-timeout", "9999999999"});
  CHECK(r.status == 64);
  CHECK(contains(r.err, "for --idle-timeout: at most 10 years"));
  r = run_daemon({"--write-timeout", "soon"});
  CHECK(r.status == 64);
  CHECK(contains(r.err, "for --write-timeout"));
}

TEST_CASE("exit status 66: the config file cannot be read", "[lifecycle]") {
  const auto r = run_daemon({"--config", "/nonexistent/tcpchatd.conf"});
  CHECK(r.status == 66);
  CHECK(contains(r.err, "cannot read config file /nonexistent/tcpchatd.conf"));
}

TEST_CASE("exit status 78: invalid config file content, named", "[lifecycle]") {
  TempDir dir;
  auto r = run_daemon({"--config", write_config(dir, "max-queue-bytes = huge\n")});
  CHECK(r.status == 78);
  CHECK(contains(r.err, "invalid config file"));
  CHECK(contains(r.err, "\"max-queue-bytes\""));
  r = run_daemon({"--config", write_config(dir, "colour = red\n")});
  CHECK(r.status == 78);
  CHECK(contains(r.err, "colour"));
}

TEST_CASE("exit status 69: the address is in use", "[lifecycle]") {
  Daemon first;
  const auto r = run_daemon({"--bind", "127.0.0.1", "--port", std::to_string(first.port())});
  CHECK(r.status == 69);
  CHECK(contains(r.err, "cannot listen on 127.0.0.1:" + std::to_string(first.port()) +
                            ": address already in use"));
}

TEST_CASE("exit status 77: permission denied for a privileged port", "[lifecycle]") {
  // As an unprivileged user (setpriv from util-linux), port 80 is out of reach.
  Process p({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
             tcpchat::test::daemon_path(), "--port", "80"});
  CHECK(p.wait_exit() == 77);
  CHECK(contains(p.stderr_text(), "cannot listen on 127.0.0.1:80: permission denied"));
}
