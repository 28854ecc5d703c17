#include "config.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/program_options.hpp>
#include <charconv>
#include <cmath>
#include <fstream>
#include <functional>
#include <sstream>

#include "exit_codes.hpp"

namespace tcpchat {
namespace po = boost::program_options;

double Config::effective_burst() const {
  if (burst > 0) return static_cast<double>(burst);
  return std::max(1.0, rate_limit);
}

namespace {

// Splits "10s" into 10 and "s"; false when there is no leading number.
bool split_number(std::string_view text, std::uint64_t& number, std::string_view& unit) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc() || end == text.data()) return false;
  unit = text.substr(static_cast<std::size_t>(end - text.data()));
  while (!unit.empty() && unit.front() == ' ') unit.remove_prefix(1);
  return true;
}

std::size_t parse_bytes(const std::string& option, const std::string& text, int status) {
  std::uint64_t n = 0;
  std::string_view unit;
  if (split_number(text, n, unit)) {
    std::uint64_t scale = 0;
    if (unit.empty() || unit == "B") scale = 1;
    if (unit == "K" || unit == "KiB") scale = 1u << 10;
    if (unit == "M" || unit == "MiB") scale = 1u << 20;
    if (unit == "G" || unit == "GiB") scale = 1u << 30;
    if (scale != 0 && n <= UINT64_MAX / scale) return static_cast<std::size_t>(n * scale);
  }
  throw ConfigError(status, "invalid value \"" + text + "\" for " + option +
                                ": expected a byte count such as 1048576, 64KiB, 8MiB or 1GiB");
}

Duration parse_duration(const std::string& option, const std::string& text, int status) {
  // Longer than any sensible timeout, and far from overflowing the clock's nanoseconds.
  constexpr Duration longest = std::chrono::hours(24 * 365 * 10);
  std::uint64_t n = 0;
  std::string_view unit;
  if (split_number(text, n, unit) && n < (std::uint64_t{1} << 40)) {
    const auto count = static_cast<std::int64_t>(n);
    std::optional<Duration> d;
    if (unit.empty() || unit == "s") d = std::chrono::seconds(count);
    if (unit == "ms") d = Duration(count);
    if (unit == "m" || unit == "min") d = std::chrono::minutes(count);
    if (unit == "h") d = std::chrono::hours(count);
    if (d && *d <= longest) return *d;
    if (d) {
      throw ConfigError(status, "invalid value \"" + text + "\" for " + option +
                                    ": at most 10 years (87600h); use 0 to turn it off where "
                                    "that is allowed");
    }
  }
  throw ConfigError(status, "invalid value \"" + text + "\" for " + option +
                                ": expected a duration such as 30, 30s, 500ms, 5m or 1h");
}

std::size_t parse_count(const std::string& option, const std::string& text, int status,
                        std::size_t min, std::size_t max) {
  std::uint64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < min || n > max) {
    throw ConfigError(status, "invalid value \"" + text + "\" for " + option +
                                  ": expected a whole number from " + std::to_string(min) + " to " +
                                  std::to_string(max));
  }
  return static_cast<std::size_t>(n);
}

bool parse_bool(const std::string& option, const std::string& text, int status) {
  if (text == "true" || text == "yes" || text == "on" || text == "1") return true;
  if (text == "false" || text == "no" || text == "off" || text == "0") return false;
  throw ConfigError(status,
                    "invalid value \"" + text + "\" for " + option + ": expected true or false");
}

// One option: its name, help, and how its text value lands in a Config.
struct OptionSpec {
  const char* name;
  const char* value_name;  // nullptr: a switch without a value
  const char* help;
  std::function<void(Config&, const std::string& option, const std::string& value, int status)>
      apply;
};

const std::vector<OptionSpec>& option_specs() {
  static const std::vector<OptionSpec> specs = {
      {"port", "PORT",
       "TCP port to listen on (default 9999); 0 lets each listening socket pick a free port",
       [](Config& c, const std::string& o, const std::string& v, int s) {
         c.port = static_cast<std::uint16_t>(parse_count(o, v, s, 0, 65535));
       }},
      {"max-clients", "N",
       "most clients connected at once (default 10000); the next one gets a ServerFull frame",
       [](Config& c, const std::string& o, const std::string& v, int s) {
         c.max_clients = parse_count(o, v, s, 1, 1'000'000);
       }},
      {"max-message-bytes", "BYTES", "largest frame body accepted (default 1MiB = 1048576)",
       [](Config& c, const std::string& o, const std::string& v, int s) {
         c.max_message_bytes = parse_bytes(o, v, s);
         if (c.max_message_bytes < 64) {
           throw ConfigError(
               s, "invalid value \"" + v + "\" for " + o + ": must be at least 64 bytes");
         }
       }},
      {"max-queue-bytes", "BYTES",
       "unsent bytes allowed per client before it is dropped as a slow consumer (default 8MiB)",
       [](Config& c, const std::string& o, const std::string& v, int s) {
         c.max_queue_bytes = parse_bytes(o, v, s);
       }},
      {"max-total-queue-bytes", "BYTES",
       "unsent bytes allowed for all clients together; past it the largest queues are dropped "
       "(default 1GiB)",
       [](Config& c, const std::string& o, const std::string& v, int s) {
         c.max_total_queue_bytes = parse_bytes(o, v, s);
       }},
      {"write-timeout", "DURATION",
       "a client whose pending output makes no progress for this long is dropped (default 10s)",
       [](Config& c, const std::string& o, const std::string& v, int s) {
         c.write_timeout = parse_duration(o, v, s);
       }},
      {"frame-timeout", "DURATION",
       "a frame must be complete this long after its first byte arrived (default 30s)",
       [](Config& c, const std::string& o, const std::string& v, int s) {
         c.frame_timeout = parse_duration(o, v, s);
       }},
      {"idle-timeout", "DURATION",
       "close clients that sent nothing for this long (default 0 = off; unsuitable for listen-only "
       "clients)",
       [](Config& c, const std::string& o, const std::string& v, int s) {
         c.idle_timeout = parse_duration(o, v, s);
       }},
      {"rate-limit", "MSGS_PER_S",
       "messages per second a client may send; past it the daemon stops reading from it until "
       "its budget refills (default 0 = off)",
       [](Config& c, const std::string& o, const std::string& v, int s) {
         c.rate_limit = static_cast<double>(parse_count(o, v, s, 0, 100'000'000));
       }},
      {"burst", "N",
       "messages a client may send at once above --rate-limit (default: one second's worth)",
       [](Config& c, const std::string& o, const std::string& v, int s) {
         c.burst = parse_count(o, v, s, 0, 100'000'000);
       }},
      {"history", "N", "messages replayed to each new client (default 0)",
       [](Config& c, const std::string& o, const std::string& v, int s) {
         c.history = parse_count(o, v, s, 0, 10'000'000);
       }},
      {"history-file", "PATH",
       "append every accepted message to PATH as a JSON line and reload the history from it at "
       "start (default: none)",
       [](Config& c, const std::string&, const std::string& v, int) { c.history_file = v; }},
      {"history-fsync", "always|interval|never",
       "when the history file is fsync'ed (default interval: every second)",
       [](Config& c, const std::string& o, const std::string& v, int s) {
         if (v == "always") {
           c.history_fsync = FsyncPolicy::always;
         } else if (v == "interval") {
           c.history_fsync = FsyncPolicy::interval;
         } else if (v == "never") {
           c.history_fsync = FsyncPolicy::never;
         } else {
           throw ConfigError(
               s, "invalid value \"" + v + "\" for " + o + ": expected always, interval or never");
         }
       }},
      {"history-file-max-bytes", "BYTES",
       "rotate the history file to PATH.1 past this size (default 64MiB)",
       [](Config& c, const std::string& o, const std::string& v, int s) {
         c.history_file_max_bytes = parse_bytes(o, v, s);
       }},
      {"shutdown-timeout", "DURATION",
       "on SIGTERM/SIGINT, how long to flush queued messages before closing (default 5s)",
       [](Config& c, const std::string& o, const std::string& v, int s) {
         c.shutdown_timeout = parse_duration(o, v, s);
       }},
      {"log-level", "debug|info|warning|error", "least severe log lines shown (default info)",
       [](Config& c, const std::string& o, const std::string& v, int s) {
         if (!log::parse_level(v, c.log_level)) {
           throw ConfigError(s, "invalid value \"" + v + "\" for " + o +
                                    ": expected debug, info, warning or error");
         }
       }},
      {"log-messages", "true|false", "log every accepted message as one line (default true)",
       [](Config& c, const std::string& o, const std::string& v, int s) {
         c.log_messages = parse_bool(o, v, s);
       }},
  };
  return specs;
}

std::string option_label(const std::string& name, bool from_file) {
  return from_file ? "\"" + name + "\"" : "--" + name;
}

// Applies the values present in `vm` to `config`.
void apply(const po::variables_map& vm, Config& config, bool from_file, int status) {
  for (const auto& spec : option_specs()) {
    if (!vm.count(spec.name)) continue;
    spec.apply(config, option_label(spec.name, from_file), vm[spec.name].as<std::string>(), status);
  }
  if (vm.count("bind")) {
    config.bind = vm["bind"].as<std::vector<std::string>>();
    for (const auto& address : config.bind) {
      boost::system::error_code ec;
      boost::asio::ip::make_address(address, ec);
      if (ec) {
        throw ConfigError(
            status, "invalid value \"" + address + "\" for " + option_label("bind", from_file) +
                        ": expected an IPv4 or IPv6 address such as 127.0.0.1 or ::1");
      }
    }
  }
  if (vm.count("quiet") && vm["quiet"].as<bool>()) config.log_messages = false;
}

po::options_description settings_description() {
  po::options_description desc(
      "Settings (also valid as `name = value` lines in the --config file)");
  desc.add_options()("bind", po::value<std::vector<std::string>>()->value_name("ADDRESS"),
                     "address to listen on, IPv4 or IPv6; repeat for several (default 127.0.0.1)");
  for (const auto& spec : option_specs()) {
    desc.add_options()(spec.name, po::value<std::string>()->value_name(spec.value_name), spec.help);
  }
  return desc;
}

}  // namespace

Invocation parse_invocation(const std::vector<std::string>& args) {
  po::options_description general("General");
  general.add_options()("help,h", "show this help and exit")("version",
                                                             "show the version and exit")(
      "config", po::value<std::string>()->value_name("PATH"),
      "read settings from this INI file; the command line wins over it")(
      "check-config", "validate the configuration, print the effective settings and exit")(
      "quiet,q", po::bool_switch(), "do not log every message (same as log-messages = false)");
  const po::options_description settings = settings_description();
  po::options_description all;
  all.add(general).add(settings);

  Invocation inv;
  po::variables_map cli;
  try {
    po::store(po::command_line_parser(args).options(all).run(), cli);
  } catch (const po::error& e) {
    throw ConfigError(exit_code::usage, std::string(e.what()) + "; see tcpchatd --help");
  }
  if (cli.count("help")) {
    std::ostringstream help;
    help << "Usage: tcpchatd [OPTIONS]\n"
            "A single-threaded chat daemon: every valid frame is broadcast to every client.\n\n"
         << all
         << "\nBYTES take B, KiB (K), MiB (M) or GiB (G); DURATION takes ms, s, m or h (a bare "
            "number is seconds).\nExit status: 0 ok, 64 bad option, 66 config file unreadable, 69 "
            "cannot listen, 70 internal error,\n74 history file unusable, 77 permission denied, 78 "
            "invalid config file. See tcpchatd(8).\n";
    inv.action = Action::help;
    inv.help_text = help.str();
    return inv;
  }
  if (cli.count("version")) {
    inv.action = Action::version;
    return inv;
  }
  if (cli.count("check-config")) inv.action = Action::check_config;

  if (cli.count("config")) {
    const std::string path = cli["config"].as<std::string>();
    inv.config.config_file = path;
    std::ifstream file(path);
    if (!file) {
      throw ConfigError(exit_code::no_input,
                        "cannot read config file " + path + ": " + std::strerror(errno));
    }
    po::options_description in_file;
    in_file.add(settings).add_options()("quiet", po::value<bool>(), "");
    po::variables_map from_file;
    try {
      po::store(po::parse_config_file(file, in_file), from_file);
    } catch (const po::error& e) {
      throw ConfigError(exit_code::config, "invalid config file " + path + ": " + e.what());
    }
    try {
      apply(from_file, inv.config, true, exit_code::config);
    } catch (const ConfigError& e) {
      throw ConfigError(exit_code::config, "invalid config file " + path + ": " + e.what());
    }
  }
  apply(cli, inv.config, false, exit_code::usage);
  return inv;
}

std::string format_bytes(std::size_t bytes) {
  if (bytes != 0 && bytes % (1u << 30) == 0) return std::to_string(bytes >> 30) + "GiB";
  if (bytes != 0 && bytes % (1u << 20) == 0) return std::to_string(bytes >> 20) + "MiB";
  if (bytes != 0 && bytes % (1u << 10) == 0) return std::to_string(bytes >> 10) + "KiB";
  return std::to_string(bytes);
}

std::string format_duration(Duration d) {
  const auto ms = d.count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
  return std::to_string(ms) + "ms";
}

std::string to_ini(const Config& c) {
  std::ostringstream out;
  out << "# effective tcpchatd configuration\n";
  for (const auto& b : c.bind) out << "bind = " << b << "\n";
  out << "port = " << c.port << "\n"
      << "max-clients = " << c.max_clients << "\n"
      << "max-message-bytes = " << c.max_message_bytes << "\n"
      << "max-queue-bytes = " << format_bytes(c.max_queue_bytes) << "\n"
      << "max-total-queue-bytes = " << format_bytes(c.max_total_queue_bytes) << "\n"
      << "write-timeout = " << format_duration(c.write_timeout) << "\n"
      << "frame-timeout = " << format_duration(c.frame_timeout) << "\n"
      << "idle-timeout = " << format_duration(c.idle_timeout) << "\n"
      << "rate-limit = " << static_cast<std::uint64_t>(c.rate_limit) << "\n"
      << "burst = " << c.burst << "\n"
      << "history = " << c.history << "\n"
      << "history-file = " << c.history_file << "\n"
      << "history-fsync = "
      << (c.history_fsync == FsyncPolicy::always     ? "always"
          : c.history_fsync == FsyncPolicy::interval ? "interval"
                                                     : "never")
      << "\n"
      << "history-file-max-bytes = " << format_bytes(c.history_file_max_bytes) << "\n"
      << "shutdown-timeout = " << format_duration(c.shutdown_timeout) << "\n"
      << "log-level = " << log::to_string(c.log_level) << "\n"
      << "log-messages = " << (c.log_messages ? "true" : "false") << "\n";
  return out.str();
}

}  // namespace tcpchat
