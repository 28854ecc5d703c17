// tcpchatd under a service manager: the test plays systemd with its own NOTIFY_SOCKET.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>

#include "accounts.hpp"
#include "certificates.hpp"
#include "daemon_process.hpp"
#include "tcp_peer.hpp"

using tcpchat::test::Clock;
using tcpchat::test::Daemon;
using tcpchat::test::Peer;
using tcpchat::test::Process;
using tcpchat::test::ProcessOptions;
using tcpchat::test::TempDir;
using namespace std::chrono_literals;

namespace {

// A unix datagram socket standing in for systemd's notification socket.
class NotifySocket {
 public:
  NotifySocket() : path_((dir_.path() / "notify").string()) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    path_.copy(addr.sun_path, sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  }
  ~NotifySocket() { ::close(fd_); }
  const std::string& path() const { return path_; }

  // The next datagram, or nullopt after `timeout`.
  std::optional<std::string> next(std::chrono::milliseconds timeout = 5s) {
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>(timeout.count() % 1000 * 1000)};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) return std::nullopt;
    return std::string(buf, static_cast<std::size_t>(n));
  }
  // Datagrams until one contains `needle` (returned), or nullopt after `timeout`.
  std::optional<std::string> until(std::string_view needle,
                                   std::chrono::milliseconds timeout = 5s) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      auto d = next(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
      if (d && d->find(needle) != std::string::npos) return d;
    }
    return std::nullopt;
  }

 private:
  TempDir dir_;
  std::string path_;
  int fd_ = -1;
};

ProcessOptions under(const NotifySocket& notify, const std::string& watchdog_usec = "") {
  ProcessOptions options;
  options.env["NOTIFY_SOCKET"] = notify.path();
  if (!watchdog_usec.empty()) options.env["WATCHDOG_USEC"] = watchdog_usec;
  return options;
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace

TEST_CASE("READY=1 comes once the port accepts connections, with a STATUS=", "[service]") {
  NotifySocket notify;
  Process daemon({tcpchat::test::daemon_path(), "--bind", "127.0.0.1", "--port", "0"},
                 under(notify));
  const auto ready = notify.until("READY=1");
  REQUIRE(ready);
  CHECK(ready->find("STATUS=0 clients, 0 messages, 0 slow consumers dropped, 0 bytes queued") !=
        std::string::npos);
  // By the time READY=1 was sent, the socket listened: connecting works at once.
  const auto ports = tcpchat::test::listening_ports(daemon.stderr_text());
  REQUIRE(ports.size() == 1);
  Peer p(ports[0]);
  p.send_message({"a", "", "ready", "d"});
  CHECK(p.read_message());
  daemon.signal(SIGTERM);
  CHECK(notify.until("STOPPING=1"));
  CHECK(daemon.wait_exit() == 0);
}

TEST_CASE("WATCHDOG=1 keeps coming at half the requested interval", "[service]") {
  NotifySocket notify;
  Daemon daemon({}, under(notify, "400000"));  // 400 ms: pings every 200 ms
  REQUIRE(notify.until("READY=1"));
  auto last = Clock::now();
  for (int i = 0; i < 5; ++i) {
    REQUIRE(notify.until("WATCHDOG=1", 2s));
    const auto now = Clock::now();
    // systemd would restart the service if a ping came later than the full interval.
    CHECK(now - last < 400ms);
    last = now;
  }
}

TEST_CASE("no watchdog pings unless the service manager asks for them", "[service]") {
  NotifySocket notify;
  Daemon daemon({}, under(notify));
  REQUIRE(notify.until("READY=1"));
  CHECK_FALSE(notify.until("WATCHDOG=1", 300ms));
}

TEST_CASE("SIGHUP is framed by RELOADING=1 and READY=1", "[service]") {
  NotifySocket notify;
  Daemon daemon({}, under(notify));
  REQUIRE(notify.until("READY=1"));
  daemon.process().signal(SIGHUP);
  const auto reloading = notify.until("RELOADING=1");
  REQUIRE(reloading);
  CHECK(reloading->find("MONOTONIC_USEC=") != std::string::npos);
  CHECK(notify.until("READY=1"));
}

TEST_CASE("socket activation: the daemon serves the socket it is passed", "[service]") {
  const auto port = std::to_string(free_port());
  Process activator({"systemd-socket-activate", "-l", "127.0.0.1:" + port,
                     tcpchat::test::daemon_path(), "--quiet"});
  REQUIRE(activator.wait_stderr("Listening on 127.0.0.1:" + port));
  // systemd-socket-activate starts the daemon on the first connection.
  Peer p(static_cast<std::uint16_t>(std::stoi(port)));
  const tcpchat::Message m{"act", "", "through a passed socket", "d"};
  p.send_message(m);
  CHECK(p.read_message(10s) == m);
  CHECK(activator.wait_stderr("socket(s) passed by the service manager"));
  CHECK(activator.wait_stderr("listening on 127.0.0.1:" + port));
  activator.signal(SIGTERM);
  CHECK(activator.wait_exit() == 0);
}

TEST_CASE("with TLS, STATUS= ends in the days the certificate has left", "[service][tls]") {
  tcpchat::test::Certificates certs;
  NotifySocket notify;
  Daemon daemon({"--tls-port", "0", "--tls-cert-file", certs.server().cert, "--tls-key-file",
                 certs.server().key},
                under(notify));
  const auto ready = notify.until("READY=1");
  REQUIRE(ready);
  // Issued for 30 days a moment ago: 29 whole days and some hours left.
  CHECK(ready->find(", 0 bytes queued, TLS certificate expires in 29 days") != std::string::npos);
}

TEST_CASE("with accounts, STATUS= counts the clients signed in", "[service][auth]") {
  TempDir dir;
  const auto alice = tcpchat::test::new_token("alice");
  tcpchat::test::write_auth_file(dir.path() / "accounts", {alice.line});
  NotifySocket notify;
  Daemon daemon({"--auth-file", (dir.path() / "accounts").string()}, under(notify));
  const auto ready = notify.until("READY=1");
  REQUIRE(ready);
  CHECK(ready->find(", 0 bytes queued, 0 authenticated") != std::string::npos);
}

TEST_CASE("socket activation: a socket named tls is served with TLS, the others in plaintext",
          "[service][tls]") {
  tcpchat::test::Certificates certs;
  const auto plain_port = free_port();
  auto tls_port = free_port();
  while (tls_port == plain_port) tls_port = free_port();
  Process activator({"systemd-socket-activate", "-l", "127.0.0.1:" + std::to_string(plain_port),
                     "-l", "127.0.0.1:" + std::to_string(tls_port), "--fdname=chat:tls",
                     tcpchat::test::daemon_path(), "--quiet", "--tls-cert-file",
                     certs.server().cert, "--tls-key-file", certs.server().key});
  REQUIRE(activator.wait_stderr("Listening on 127.0.0.1:" + std::to_string(tls_port)));
  Peer plain(plain_port);
  Peer secure(tls_port);
  secure.start_tls({.ca_file = certs.ca_cert(),
                    .server_name = "localhost",
                    .cert_file = {},
                    .key_file = {},
                    .max_version = 0});
  REQUIRE(tcpchat::test::sync_room({&plain, &secure}));
  CHECK(activator.wait_stderr("listening on 127.0.0.1:" + std::to_string(plain_port)));
  CHECK(activator.wait_stderr("accepting TLS on 127.0.0.1:" + std::to_string(tls_port)));
  activator.signal(SIGTERM);
  CHECK(activator.wait_exit() == 0);
}
