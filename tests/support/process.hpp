#pragma once

// A child process for tests: argv, extra environment, stdin as a pipe (or /dev/null), stdout and
// stderr captured into files so a chatty child never blocks on a full pipe. Every wait is bounded.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tcpchat::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Polls `condition` until it holds or `timeout` passes; returns whether it held.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

// A fresh directory under the system's temporary directory, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct ProcessOptions {
  std::map<std::string, std::string> env;  // set (or, with an empty value, unset) in the child
  std::vector<std::string> unset_env;      // removed from the child's environment
  bool stdin_pipe = true;                  // otherwise stdin is /dev/null
  std::optional<std::filesystem::path> cwd;
  // Append stderr to this existing file instead of a fresh one (to know its inode beforehand).
  std::optional<std::filesystem::path> stderr_path;
  // Give the child this descriptor as stderr (a pipe or socket the test holds) instead of a
  // file; stderr_text() and wait_stderr() then see nothing.
  std::optional<int> stderr_fd;
  // A command put before argv, e.g. {"prlimit", "--nofile=32:32"}.
  std::vector<std::string> wrapper;
};

class Process {
 public:
  Process(std::vector<std::string> argv, ProcessOptions options = {});
  ~Process();  // SIGKILLs and reaps a child still running
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  int stdin_fd() const { return stdin_fd_; }

  void write_stdin(std::string_view bytes);
  void close_stdin();
  void signal(int signo);

  std::string stdout_text() const;
  std::string stderr_text() const;
  // Waits until stdout (stderr) contains `needle`; returns whether it did in time.
  bool wait_stdout(std::string_view needle, std::chrono::milliseconds timeout = 10s) const;
  bool wait_stderr(std::string_view needle, std::chrono::milliseconds timeout = 10s) const;

  // The exit status (or 128 + signal) once the child ends; nullopt if it is still running after
  // `timeout`.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout = 10s);
  bool running();

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::optional<int> status_;
  TempDir dir_;
  std::filesystem::path stderr_path_;
};

std::string read_text_file(const std::filesystem::path& path);

}  // namespace tcpchat::test
