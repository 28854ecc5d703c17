#pragma once

#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/config.hpp"

namespace tcpchat {

// What a SIGHUP does with a changed setting.
enum class Reload {
  live,     // applied at once
  restart,  // reported, not applied: the running value stays until a restart
  reread,   // applied, and the file it names is read again on every SIGHUP even when unchanged
};

// A value a setting cannot take; what() is the whole sentence for the user.
struct InvalidValue : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The one sentence for a bad value: `invalid value "TEXT" for OPTION: EXPECTED`.
std::string invalid_value(std::string_view option, std::string_view text,
                          std::string_view expected);

// One setting, described once: the command line, the config file, --help, --check-config and
// the SIGHUP diff all come from its entry.
struct OptionSpec {
  std::string_view name;
  std::string_view value_name;
  std::string_view help;  // without the default, which is derived from Config{}
  Reload reload;
  bool repeated = false;  // may be given several times, each adding a value
  // The INI value that turns the setting off, and what that means in help ("off", "none").
  std::optional<std::string_view> off;
  std::string_view off_meaning = "off";
  // Parses `values` (one unless repeated) into `config`; `option` names the setting as the
  // user wrote it. Throws InvalidValue.
  std::function<void(Config& config, std::span<const std::string> values, std::string_view option)>
      parse;
  // The setting's INI values (one unless repeated).
  std::function<std::vector<std::string>(const Config&)> format;
  // For a setting that holds a secret: the value as logs and --check-config show it.
  std::string (*mask)(const std::string& value) = nullptr;
  // Copies the setting from `from` into `to`.
  std::function<void(Config& to, const Config& from)> copy;

  // `(default 9999)`, `(default 0 = off)`, `(default: none)`.
  std::string default_text() const;
  // The setting's value as one string: repeated values joined by commas.
  std::string joined(const Config& config) const;
  // The same, with a secret masked.
  std::string shown(const Config& config) const;
};

// Every setting, in the order --help and --check-config list them.
std::span<const OptionSpec> option_table();

}  // namespace tcpchat
