#pragma once

// Running the real tcpchat in tests: an isolated environment, the daemon's view of its clients,
// and a tmux session standing in for a person at a terminal.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "daemon_process.hpp"
#include "process.hpp"
#include "tcpchat/message.hpp"

namespace tcpchat::test {

// `tcpchat args...`, for Process.
std::vector<std::string> client_argv(std::vector<std::string> args);

// The environment of a client under test: no TCPCHAT_* variables, no NO_COLOR, no config file
// (XDG_CONFIG_HOME points nowhere), USER=tester; then `env` on top.
ProcessOptions client_env(std::map<std::string, std::string> env = {});

// A daemon with debug logging (it logs each client that joins the room) and `args`.
std::vector<std::string> daemon_args(std::vector<std::string> args = {});

// Waits until the daemon has let `n` clients in since it started. It logs a client right before
// it joins the room in the same event-loop turn, so a message it reads afterwards reaches that
// client.
bool wait_clients(const Daemon& daemon, std::size_t n, std::chrono::milliseconds timeout = 10s);

// The bytes waiting unread in the receive queues of the daemon's connections (from
// /proc/net/tcp): what clients sent that a stopped daemon has not read.
std::size_t unread_bytes(std::uint16_t daemon_port);

// The frame size of a message; dates always have 19 characters, so any date gives the size.
std::size_t frame_size(const std::string& name, const std::string& subject,
                       const std::string& message);

// The messages in JSON Lines `text` (tcpchat's default output on a pipe).
std::vector<Message> parse_json_lines(const std::string& text);

// A detached tmux session on its own server, running `command` with `sh -c` in a pane of
// `width` x `height` that stays on screen after the command exits.
class Tmux {
 public:
  Tmux(const std::string& command, const std::map<std::string, std::string>& env, int width = 100,
       int height = 30);
  ~Tmux();
  Tmux(const Tmux&) = delete;
  Tmux& operator=(const Tmux&) = delete;

  // The visible screen, one line per row, trailing spaces cut.
  std::string screen() const;
  bool wait_screen(std::string_view needle, std::chrono::milliseconds timeout = 10s) const;
  // The last non-empty row.
  std::string last_line() const;
  // Cursor column and row.
  std::pair<int, int> cursor() const;
  // Types `text` literally.
  void type(std::string_view text);
  // Presses keys by tmux name: "Enter", "Up", "C-c", "C-d".
  void press(const std::string& key);
  // Whether the pane's command has exited within `timeout`.
  bool wait_exit(std::chrono::milliseconds timeout = 10s) const;
  const std::filesystem::path& dir() const { return dir_.path(); }

 private:
  std::string tmux(std::vector<std::string> args) const;

  TempDir dir_;
  std::string socket_;
};

}  // namespace tcpchat::test
