#include "client_support.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tcpchat/encode.hpp"

namespace tcpchat::test {

std::vector<std::string> client_argv(std::vector<std::string> args) {
  args.insert(args.begin(), client_path());
  return args;
}

ProcessOptions client_env(std::map<std::string, std::string> env) {
  ProcessOptions options;
  options.unset_env = {
      "TCPCHAT_HOST",   "TCPCHAT_PORT",  "TCPCHAT_NAME",    "TCPCHAT_SUBJECT",
      "TCPCHAT_FORMAT", "TCPCHAT_COLOR", "TCPCHAT_TIMEOUT", "TCPCHAT_MAX_MESSAGE_BYTES",
      "NO_COLOR"};
  options.env = {{"XDG_CONFIG_HOME", "/nonexistent/tcpchat-tests"}, {"USER", "tester"}};
  for (auto& [name, value] : env)
    options.env[name] = value;
  return options;
}

std::vector<std::string> daemon_args(std::vector<std::string> args) {
  args.insert(args.begin(), {"--log-level", "debug"});
  return args;
}

bool wait_clients(const Daemon& daemon, std::size_t n, std::chrono::milliseconds timeout) {
  return wait_until(
      [&] {
        // "... debug: client 127.0.0.1:40312 connected"
        std::istringstream log(daemon.log());
        std::size_t count = 0;
        for (std::string line; std::getline(log, line);) {
          if (line.find("debug: client ") != std::string::npos && line.ends_with(" connected")) {
            ++count;
          }
        }
        return count >= n;
      },
      timeout);
}

std::size_t unread_bytes(std::uint16_t daemon_port) {
  std::ifstream in("/proc/net/tcp");
  std::string line;
  std::getline(in, line);  // the header
  std::size_t total = 0;
  while (std::getline(in, line)) {
    // "  sl  local_address rem_address   st tx_queue:rx_queue ..."
    std::istringstream fields(line);
    std::string slot, local, remote, state, queues;
    fields >> slot >> local >> remote >> state >> queues;
    const auto port = std::stoul(local.substr(local.find(':') + 1), nullptr, 16);
    if (port != daemon_port || state != "01") continue;  // 01: ESTABLISHED
    total += std::stoul(queues.substr(queues.find(':') + 1), nullptr, 16);
  }
  return total;
}

std::size_t frame_size(const std::string& name, const std::string& subject,
                       const std::string& message) {
  return encode({name, subject, message, "01/01/2000 00:00:00"}).size();
}

std::vector<Message> parse_json_lines(const std::string& text) {
  std::vector<Message> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const auto object = boost::json::parse(line).as_object();
    auto field = [&](const char* key) { return std::string(object.at(key).as_string()); };
    out.push_back({field("client_name"), field("subject"), field("message"), field("date")});
  }
  return out;
}

Tmux::Tmux(const std::string& command, const std::map<std::string, std::string>& env, int width,
           int height)
    : socket_((dir_.path() / "tmux.sock").string()) {
  const auto config = dir_.path() / "tmux.conf";
  std::ofstream(config) << "set -g remain-on-exit on\nset -g status off\n"
                           "set -g default-terminal screen\n";
  std::vector<std::string> args = {
      "-f", config.string(),       "new-session", "-d", "-s", "test", "-x", std::to_string(width),
      "-y", std::to_string(height)};
  for (const auto& [name, value] : env)
    args.insert(args.end(), {"-e", name + "=" + value});
  args.insert(args.end(), {"sh", "-c", command});
  tmux(args);
}

Tmux::~Tmux() {
  try {
    tmux({"kill-server"});
  } catch (const std::exception&) {
    // The server is gone already.
  }
}

std::string Tmux::tmux(std::vector<std::string> args) const {
  args.insert(args.begin(), {"/usr/bin/tmux", "-S", socket_});
  ProcessOptions options;
  options.stdin_pipe = false;
  options.cwd = dir_.path();
  Process p(args, options);
  if (p.wait_exit(10s) != 0) {
    throw std::runtime_error("tmux " + args.at(3) + " failed: " + p.stderr_text());
  }
  return p.stdout_text();
}

std::string Tmux::screen() const {
  // Trailing spaces of each row are cut so that tests can match whole lines.
  std::istringstream rows(tmux({"capture-pane", "-p", "-t", "test"}));
  std::string text;
  for (std::string row; std::getline(rows, row);) {
    row.erase(row.find_last_not_of(' ') + 1);
    text += row + '\n';
  }
  return text;
}

bool Tmux::wait_screen(std::string_view needle, std::chrono::milliseconds timeout) const {
  return wait_until([&] { return screen().find(needle) != std::string::npos; }, timeout);
}

std::string Tmux::last_line() const {
  std::istringstream rows(screen());
  std::string row, last;
  while (std::getline(rows, row))
    if (!row.empty()) last = row;
  return last;
}

std::pair<int, int> Tmux::cursor() const {
  const std::string xy = tmux({"display-message", "-p", "-t", "test", "#{cursor_x} #{cursor_y}"});
  std::istringstream in(xy);
  int x = -1, y = -1;
  in >> x >> y;
  return {x, y};
}

void Tmux::type(std::string_view text) {
  tmux({"send-keys", "-t", "test", "-l", std::string(text)});
}

void Tmux::press(const std::string& key) {
  tmux({"send-keys", "-t", "test", key});
}

bool Tmux::wait_exit(std::chrono::milliseconds timeout) const {
  return wait_until(
      [&] {
        return tmux({"display-message", "-p", "-t", "test", "#{pane_dead}"}) == "1\n";
      },
      timeout);
}

}  // namespace tcpchat::test
