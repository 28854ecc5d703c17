#pragma once

// The command line, the TCPCHAT_* environment and the INI file, merged into one Options.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tcpchat::client {

enum class Format { line, block, json };
enum class ColorMode { automatic, always, never };
enum class InputMode { lines, json, whole };

using Environment = std::map<std::string, std::string>;

struct TlsOptions {
  bool enabled = false;
  std::string ca_file;      // empty: the system's CAs
  std::string server_name;  // empty: the host connected to
  std::string cert_file;    // a client certificate, with key_file
  std::string key_file;
};

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9999;
  std::string name;  // the login name unless set
  std::string subject;
  std::optional<Format> format;  // unset: line on a terminal, json otherwise
  ColorMode color = ColorMode::automatic;
  std::optional<InputMode> input;  // set: scripting mode even on a terminal
  bool listen = false;
  std::optional<std::uint64_t> count;
  std::optional<std::string> send;
  bool reconnect = false;
  std::optional<std::chrono::milliseconds> timeout;
  std::size_t max_message_bytes = 1'048'576;
  TlsOptions tls;
  std::optional<std::string> token;  // from --token-file: sent in @AUTH with `name` as the account

  InputMode input_mode() const { return input.value_or(InputMode::lines); }
};

enum class Action { run, help, version };

struct Command {
  Action action = Action::run;
  Options options;
};

// A mistake in the command line, the environment or the config file; what() is one sentence.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// `$XDG_CONFIG_HOME/tcpchat/config`, else `$HOME/.config/tcpchat/config`; nullopt without either.
std::optional<std::filesystem::path> config_path(const Environment& env);

// Parses `args` (without the program name). The command line wins over the environment, which
// wins over the config file. Throws UsageError.
Command parse_command(const std::vector<std::string>& args, const Environment& env);

// What `tcpchat --help` prints.
std::string help_text();

// The login name: $USER, else the password database entry for the real user id.
std::string login_name(const Environment& env);

}  // namespace tcpchat::client
