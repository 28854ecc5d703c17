#include "spawned_daemon.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>

#include "exit_status.hpp"

namespace tcpchat::bench {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr std::size_t tail_bytes = 16 * 1024;

std::vector<std::string> daemon_argv(const std::string& path,
                                     const std::vector<std::string>& args) {
  const auto names = [&](std::string_view option) {
    return std::any_of(args.begin(), args.end(),
                       [&](const std::string& a) { return a.starts_with(option); });
  };
  std::vector<std::string> argv = {path};
  if (!names("--bind")) argv.insert(argv.end(), {"--bind", "127.0.0.1"});
  if (!names("--port")) argv.insert(argv.end(), {"--port", "0"});
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// In the forked child: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(int output_fd, const std::vector<char*>& argv,
                             std::optional<int> cpu) {
  const int null_fd = open("/dev/null", O_RDONLY);
  dup2(null_fd, STDIN_FILENO);
  dup2(output_fd, STDOUT_FILENO);
  dup2(output_fd, STDERR_FILENO);
  prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a bench that crashed
  if (cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(*cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
  }
  execv(argv[0], argv.data());
  const char* why = strerror(errno);
  (void)!write(STDERR_FILENO, "exec failed: ", 13);
  (void)!write(STDERR_FILENO, why, strlen(why));
  _exit(127);
}

// The endpoint in the first complete "KEY ADDR:PORT" line of `output` (IPv6 as [ADDR]:PORT).
std::optional<asio::ip::tcp::endpoint> listening_endpoint(std::string_view output,
                                                          std::string_view key) {
  const auto at = output.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view line = output.substr(at + key.size());
  const auto end = line.find('\n');
  if (end == std::string_view::npos) return std::nullopt;
  line = line.substr(0, std::min(end, line.find_first_of(" \t\r")));
  const auto colon = line.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string_view address = line.substr(0, colon);
  if (address.starts_with('[') && address.ends_with(']'))
    address = address.substr(1, address.size() - 2);
  std::uint16_t port = 0;
  const std::string_view digits = line.substr(colon + 1);
  if (std::from_chars(digits.data(), digits.data() + digits.size(), port).ec != std::errc()) {
    return std::nullopt;
  }
  boost::system::error_code ec;
  const auto ip = asio::ip::make_address(std::string(address), ec);
  if (ec) return std::nullopt;
  return asio::ip::tcp::endpoint(ip, port);
}

int decode_status(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

std::string find_daemon() {
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "tcpchatd";
  const auto dir = self.parent_path();
  for (const auto& candidate : {dir.parent_path() / "daemon" / "tcpchatd", dir / "tcpchatd"}) {
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return (dir.parent_path() / "daemon" / "tcpchatd").string();
}

SpawnedDaemon::SpawnedDaemon(asio::io_context& io, const std::string& path,
                             const std::vector<std::string>& args, std::optional<int> cpu)
    : output_(io), output_waiter_(io.get_executor()), poll_timer_(io) {
  if (access(path.c_str(), X_OK) != 0) {
    throw Failure(exit_unavailable, "cannot run tcpchatd at " + path + ": " + std::strerror(errno) +
                                        " (build it, or name it with --daemon PATH)");
  }
  const auto argv_strings = daemon_argv(path, args);
  std::vector<char*> argv;
  for (const auto& a : argv_strings) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);

  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    throw Failure(exit_unavailable, std::string("cannot create a pipe: ") + std::strerror(errno));
  }
  pid_ = fork();
  if (pid_ == 0) exec_child(fds[1], argv, cpu);
  const int fork_errno = errno;
  close(fds[1]);
  if (pid_ < 0) {
    close(fds[0]);
    throw Failure(exit_unavailable, std::string("cannot fork: ") + std::strerror(fork_errno));
  }
  output_.assign(fds[0]);
  do_read();
}

SpawnedDaemon::~SpawnedDaemon() {
  if (pid_ > 0 && !status_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

void SpawnedDaemon::do_read() {
  output_.async_read_some(asio::buffer(chunk_), [this](const boost::system::error_code& ec,
                                                       std::size_t n) { on_read(ec, n); });
}

void SpawnedDaemon::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (ec) {
    if (ec == asio::error::operation_aborted) return;
    output_ended_ = true;  // EOF: it has exited (or closed its output)
    output_waiter_.wake();
    return;
  }
  tail_.append(chunk_.data(), n);
  if (tail_.size() > 2 * tail_bytes) tail_.erase(0, tail_.size() - tail_bytes);
  output_waiter_.wake();
  do_read();
}

asio::awaitable<asio::ip::tcp::endpoint> SpawnedDaemon::wait_listening(Clock::time_point deadline,
                                                                       bool tls) {
  const std::string_view key = tls ? "accepting TLS on " : "listening on ";
  std::optional<asio::ip::tcp::endpoint> endpoint;
  co_await output_waiter_.until(
      [&] { return (endpoint = listening_endpoint(tail_, key)) || output_ended_; }, deadline);
  if (endpoint) co_return *endpoint;
  const bool exited = !running();
  throw Failure(exit_unavailable,
                std::string("the spawned tcpchatd ") +
                    (exited ? "exited with status " + std::to_string(*status_)
                            : "did not report \"" + std::string(key) + "ADDR:PORT\" in time") +
                    " before it listened; its output:\n" + tail_);
}

bool SpawnedDaemon::running() {
  if (status_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) status_ = decode_status(status);
  return !status_;
}

asio::awaitable<std::optional<int>> SpawnedDaemon::stop(Clock::time_point deadline) {
  if (running()) kill(pid_, SIGTERM);
  while (running() && Clock::now() < deadline) {
    poll_timer_.expires_after(10ms);
    co_await poll_timer_.async_wait(asio::use_awaitable);
  }
  if (running()) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
    status_ = decode_status(status);
    output_.close();
    co_return std::nullopt;
  }
  output_.close();
  co_return status_;
}

}  // namespace tcpchat::bench
