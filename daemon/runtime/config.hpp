#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/log.hpp"
#include "runtime/units.hpp"

namespace tcpchat {

enum class FsyncPolicy { always, interval, never };
enum class TlsVerify { no, optional, require };
enum class TlsVersion { v1_2, v1_3 };

// Everything tcpchatd can be told. The defaults here are the documented defaults: help, the man
// page test and --check-config all read them from here, through the option table.
struct Config {
  std::vector<std::string> bind = {"127.0.0.1"};
  std::uint16_t port = 9999;
  bool plaintext = true;  // serve --port; false: TLS only

  std::optional<std::uint16_t> tls_port;  // none: no TLS listener
  std::vector<std::string> tls_bind;      // empty: the --bind addresses
  std::string tls_cert_file;              // the certificate chain, PEM
  std::string tls_key_file;
  std::string tls_ca_file;  // for client certificates
  TlsVerify tls_verify_clients = TlsVerify::no;
  TlsVersion tls_min_version = TlsVersion::v1_2;
  Duration tls_handshake_timeout = std::chrono::seconds(10);
  std::size_t tls_max_handshakes = 256;

  std::size_t max_clients = 10'000;
  std::size_t max_message_bytes = 1'048'576;
  std::size_t max_queue_bytes = 8u << 20;
  std::size_t max_total_queue_bytes = std::size_t{1} << 30;
  std::size_t max_total_input_bytes = 256u << 20;
  Duration write_timeout = std::chrono::seconds(10);
  Duration frame_timeout = std::chrono::seconds(30);
  Duration idle_timeout{0};  // 0: off
  double rate_limit = 0;     // messages per second per client; 0: off
  std::size_t burst = 0;     // 0: one second's worth of rate_limit

  std::size_t history = 0;
  std::size_t history_max_bytes = 4u << 20;
  std::string history_file;  // empty: none
  FsyncPolicy history_fsync = FsyncPolicy::interval;
  std::size_t history_file_max_bytes = 64u << 20;

  // Access control.
  bool allow_anonymous = false;  // serve beyond loopback without authentication
  std::string auth_file;         // NAME:sha256:HEX lines; empty: no accounts
  Duration auth_timeout = std::chrono::seconds(60);
  std::size_t max_unauthenticated = 1'000;
  bool allow_plaintext_auth = false;  // take @AUTH in clear from beyond loopback
  bool names_from_certificate = false;
  bool unique_names = false;

  // Several nodes as one room, through Redis Streams.
  std::string cluster;  // redis://[USER:PASSWORD@]HOST:PORT[/DB]; empty: a single node
  std::string cluster_password_file;  // the password, instead of the URL's
  std::string cluster_room = "tcpchat";
  std::string cluster_node;  // empty: HOSTNAME:PORT, with the first bound chat port
  std::size_t cluster_stream_length = 10'000;
  Duration cluster_timeout = std::chrono::seconds(10);
  std::size_t cluster_max_pending_bytes = 8u << 20;

  std::string monitor;  // ADDR:PORT of the HTTP monitoring endpoint; empty: none
  bool monitor_clients = true;

  Duration shutdown_timeout = std::chrono::seconds(5);
  std::uint32_t scheduler_slice_us = 100;  // 0: the kernel's default
  log::Level log_level = log::Level::info;
  bool log_messages = true;

  // The effective burst: `burst`, or a second's worth of messages when unset.
  double effective_burst() const;
  bool tls() const { return tls_port.has_value(); }
  // Whether clients prove who they are: accounts, or (over TLS alone) client certificates that
  // name them.
  bool authenticates_plaintext() const { return !auth_file.empty(); }
  bool authenticates_tls() const {
    return !auth_file.empty() ||
           (names_from_certificate && tls_verify_clients == TlsVerify::require);
  }
  // Where the TLS listeners are: --tls-bind, or the --bind addresses.
  const std::vector<std::string>& tls_addresses() const {
    return tls_bind.empty() ? bind : tls_bind;
  }
};

// A configuration problem, with the sysexits status it ends the daemon with at start.
class ConfigError : public std::runtime_error {
 public:
  ConfigError(int exit_status, const std::string& what)
      : std::runtime_error(what), exit_status_(exit_status) {}
  int exit_status() const { return exit_status_; }

 private:
  int exit_status_;
};

enum class Action { run, help, version, check_config, new_token };

struct Invocation {
  Action action = Action::run;
  Config config;
  std::string help_text;   // filled for Action::help
  std::string token_name;  // the account of Action::new_token
  // The settings given on the command line, by name: a refusal names where a value came from.
  std::set<std::string> from_command_line;
};

// Parses the command line and the INI file it names with `--config` (the command line wins).
// Options must be spelled in full: a prefix of one is refused, so that a new option can never
// change what an old script meant. Throws ConfigError: 64 for the command line, 66 for an
// unreadable file, 78 for its content.
Invocation parse_invocation(const std::vector<std::string>& args);

// The settings of a config file's content over the defaults, read as --config reads the file
// (without a command line); `path` names the file in errors. Throws ConfigError 78.
Config parse_config_text(std::string_view text, const std::string& path);

// The effective configuration as an INI file that --config accepts.
std::string to_ini(const Config& config);

// What a SIGHUP does with a configuration read again.
struct ReloadPlan {
  Config config;  // the new one, with the settings that need a restart kept as they run
  // `name old -> new`, by name: the settings applied, and those that need a restart.
  std::vector<std::string> changed;
  std::vector<std::string> restart;
};
ReloadPlan plan_reload(const Config& running, const Config& next);

}  // namespace tcpchat
