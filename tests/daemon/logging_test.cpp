// The daemon's log never blocks its loop: stderr that nobody reads, drops that are counted, the
// last lines at exit, and repeated warnings summarised.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>

#include "daemon_process.hpp"
#include "tcp_peer.hpp"

using tcpchat::Message;
using tcpchat::test::Clock;
using tcpchat::test::contains;
using tcpchat::test::Daemon;
using tcpchat::test::daemon_path;
using tcpchat::test::Peer;
using tcpchat::test::Process;
using namespace std::chrono_literals;

namespace {

// The read end of the daemon's stderr, held by the test, read only when the test decides.
class StderrReader {
 public:
  explicit StderrReader(int fd) : fd_(fd) {}
  ~StderrReader() { ::close(fd_); }
  StderrReader(const StderrReader&) = delete;
  StderrReader& operator=(const StderrReader&) = delete;

  // Reads until the text holds `needle`; false on timeout or end of stream.
  bool read_until(std::string_view needle, std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!contains(text_, needle)) {
      if (!read_some(deadline)) return false;
    }
    return true;
  }
  // Reads until the daemon closes its end (it exited); false on timeout.
  bool read_to_end(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (!eof_) {
      if (!read_some(deadline) && !eof_) return false;
    }
    return true;
  }
  const std::string& text() const { return text_; }

 private:
  bool read_some(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= 0ms) return false;
    pollfd p{.fd = fd_, .events = POLLIN, .revents = 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char buf[65536];
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    text_.append(buf, static_cast<std::size_t>(n));
    return true;
  }

  int fd_;
  std::string text_;
  bool eof_ = false;
};

enum class StderrKind { pipe, socket };

// A descriptor pair for the daemon's stderr: [0] the test reads, [1] the daemon writes.
std::array<int, 2> stderr_pair(StderrKind kind) {
  int fds[2] = {-1, -1};
  if (kind == StderrKind::pipe) {
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
  } else {
    // The journal's stream is a Unix stream socket.
    REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0);
  }
  return {fds[0], fds[1]};
}

// tcpchatd on an ephemeral port whose stderr is `kind`, read by the test only when it wants.
struct DaemonOnStream {
  explicit DaemonOnStream(StderrKind kind, std::vector<std::string> extra = {})
      : fds(stderr_pair(kind)), log(fds[0]), process(argv(std::move(extra)), options(fds[1])) {
    ::close(fds[1]);  // the daemon holds the only write end: its exit ends the stream
    REQUIRE(log.read_until("listening on", 10s));
    const auto ports = tcpchat::test::listening_ports(log.text());
    REQUIRE(!ports.empty());
    port = ports.front();
  }
  static std::vector<std::string> argv(std::vector<std::string> extra) {
    std::vector<std::string> args{daemon_path(), "--bind", "127.0.0.1", "--port", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  static tcpchat::test::ProcessOptions options(int fd) {
    tcpchat::test::ProcessOptions o;
    o.stderr_fd = fd;
    o.stdin_pipe = false;
    return o;
  }

  std::array<int, 2> fds;
  StderrReader log;
  Process process;
  std::uint16_t port = 0;
};

// Sends `count` messages of `size` bytes from `sender` and checks that `reader` gets each one.
void chat(Peer& sender, Peer& reader, int count, std::size_t size) {
  for (int i = 0; i < count; ++i) {
    const Message m{"talker", "s", std::to_string(i) + std::string(size, 'x'), "d"};
    sender.send_message(m);
    const auto got = reader.read_message(30s);
    REQUIRE(got);
    REQUIRE(got->message == m.message);
  }
}

}  // namespace

TEST_CASE("a stderr that nobody reads neither stops the room nor loses count of the lines",
          "[logging]") {
  const auto kind = GENERATE(StderrKind::pipe, StderrKind::socket);
  DaemonOnStream daemon(kind);
  Peer sender(daemon.port), reader(daemon.port);
  REQUIRE(tcpchat::test::sync_room({&sender, &reader}));
  // Every message is logged: 3,000 lines of 2 KiB overflow the kernel's buffer and the daemon's
  // 1 MiB. With blocking writes the loop stopped at the first full buffer and no echo came.
  chat(sender, reader, 3000, 2048);
  // Once stderr is read again, the count of what was dropped follows, and logging resumes.
  const std::string line_end = " log lines dropped: standard error was not taking them";
  REQUIRE(daemon.log.read_until(line_end, 30s));
  const std::string& text = daemon.log.text();
  const auto end = text.find(line_end);
  const auto start = text.rfind("warning: ", end) + std::string("warning: ").size();
  CHECK(std::stoul(text.substr(start, end - start)) > 0);
  sender.send_message({"talker", "s", "after the drops", "d"});
  REQUIRE(reader.read_message(30s));
  CHECK(daemon.log.read_until("after the drops", 30s));
}

TEST_CASE("a stderr that never drains does not hold up the exit", "[logging]") {
  DaemonOnStream daemon(StderrKind::pipe);
  Peer sender(daemon.port), reader(daemon.port);
  REQUIRE(tcpchat::test::sync_room({&sender, &reader}));
  chat(sender, reader, 1000, 2048);  // far more than the pipe holds
  daemon.process.signal(SIGTERM);
  // The exit flush waits at most 1 s for stderr; blocking writes waited forever.
  CHECK(daemon.process.wait_exit(20s) == 0);
}

TEST_CASE("the lines still buffered at exit reach a reader that drains them", "[logging]") {
  DaemonOnStream daemon(StderrKind::pipe);
  Peer sender(daemon.port), reader(daemon.port);
  REQUIRE(tcpchat::test::sync_room({&sender, &reader}));
  chat(sender, reader, 100, 2048);  // 200 KiB of lines: more than the pipe, so some wait
  daemon.process.signal(SIGTERM);
  REQUIRE(daemon.log.read_to_end(30s));
  CHECK(daemon.process.wait_exit(10s) == 0);
  CHECK(contains(daemon.log.text(), std::to_string(99) + std::string(2048, 'x')));
  const std::string& text = daemon.log.text();
  CHECK(text.substr(text.size() - std::string("stopped\n").size()) == "stopped\n");
}

TEST_CASE("repeated warnings keep the first of each second verbatim and count the rest",
          "[logging]") {
  Daemon daemon({"--quiet"});
  constexpr int bad_clients = 40;
  for (int i = 0; i < bad_clients; ++i) {
    Peer bad(daemon.port());
    bad.send("Content-length:x\n");
    const auto reply = bad.read_message(20s);
    REQUIRE(reply);
    REQUIRE(reply->subject == "InvalidRequestError");
  }
  // The count of the rest comes when the second is over, with no further warning to carry it.
  REQUIRE(daemon.wait_log("warnings in the last second were not logged", 20s));
  const std::string log = daemon.log();
  const auto shown = tcpchat::test::occurrences(log, "warning: invalid request from ");
  CHECK(shown >= 1);
  CHECK(shown < static_cast<std::size_t>(bad_clients));
  CHECK(tcpchat::test::repeated_warnings(log, "warning: invalid request from ",
                                         "invalid request") == bad_clients);
}
