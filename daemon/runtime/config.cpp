#include "runtime/config.hpp"

#include <algorithm>
#include <boost/program_options.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "runtime/exit_codes.hpp"
#include "runtime/option_table.hpp"
#include "tcpchat/option_error.hpp"

namespace tcpchat {
namespace po = boost::program_options;

double Config::effective_burst() const {
  if (burst > 0) return static_cast<double>(burst);
  return std::max(1.0, rate_limit);
}

namespace {

// How a setting is named in sentences: as the user wrote it, on the command line or in the file.
std::string option_label(std::string_view name, bool from_file) {
  std::string label = from_file ? "\"" : "--";
  label += name;
  if (from_file) label += '"';
  return label;
}

// Applies the values present in `vm` to `config`.
void apply(const po::variables_map& vm, Config& config, bool from_file, int status) {
  for (const auto& spec : option_table()) {
    const std::string name(spec.name);
    if (!vm.count(name)) continue;
    const auto values = spec.repeated ? vm[name].as<std::vector<std::string>>()
                                      : std::vector{vm[name].as<std::string>()};
    try {
      spec.parse(config, values, option_label(spec.name, from_file));
    } catch (const InvalidValue& e) {
      throw ConfigError(status, e.what());
    }
  }
  if (vm.count("quiet") && vm["quiet"].as<bool>()) config.log_messages = false;
}

po::options_description settings_description() {
  po::options_description desc(
      "Settings (also valid as `name = value` lines in the --config file)");
  for (const auto& spec : option_table()) {
    const std::string value_name(spec.value_name);
    po::value_semantic* semantic = nullptr;
    if (spec.repeated) {
      semantic = po::value<std::vector<std::string>>()->value_name(value_name);
    } else {
      semantic = po::value<std::string>()->value_name(value_name);
    }
    const std::string help = std::string(spec.help) + " " + spec.default_text();
    desc.add_options()(std::string(spec.name).c_str(), semantic, help.c_str());
  }
  return desc;
}

constexpr int command_line_style =
    po::command_line_style::default_style & ~po::command_line_style::allow_guessing;

std::string help_text(const po::options_description& all) {
  std::ostringstream help;
  help << "Usage: tcpchatd [OPTIONS]\n"
          "A single-threaded chat daemon: every valid frame is broadcast to every client.\n\n"
       << all
       << "\nBYTES take B, KiB (K), MiB (M) or GiB (G); DURATION takes ms, s, m or h (a bare "
          "number is seconds).\nExit status: 0 ok, 64 bad option, 66 config file unreadable, 69 "
          "cannot listen, 70 internal error,\n74 history file unusable, 77 permission denied, 78 "
          "invalid config file. See tcpchatd(8).\n";
  return help.str();
}

// Applies the settings of a config file's content; `path` names the file in errors.
void apply_ini(std::istream& ini, const std::string& path, const po::options_description& settings,
               Config& config) {
  po::options_description in_file;
  in_file.add(settings).add_options()("quiet", po::value<bool>(), "");
  po::variables_map from_file;
  try {
    po::store(po::parse_config_file(ini, in_file), from_file);
    apply(from_file, config, true, exit_code::config);
  } catch (po::error& e) {
    throw ConfigError(exit_code::config,
                      "invalid config file " + path + ": " + OptionErrorSentence::of(e));
  } catch (const ConfigError& e) {
    throw ConfigError(exit_code::config, "invalid config file " + path + ": " + e.what());
  }
}

void apply_file(const std::string& path, const po::options_description& settings, Config& config) {
  std::ifstream file(path);
  if (!file) {
    throw ConfigError(exit_code::no_input,
                      "cannot read config file " + path + ": " + std::strerror(errno));
  }
  apply_ini(file, path, settings, config);
}

}  // namespace

Invocation parse_invocation(const std::vector<std::string>& args) {
  po::options_description general("General");
  general.add_options()("help,h", "show this help and exit")("version",
                                                             "show the version and exit")(
      "config", po::value<std::string>()->value_name("PATH"),
      "read settings from this INI file; the command line wins over it")(
      "check-config", "validate the configuration, print the effective settings and exit")(
      "new-token", po::value<std::string>()->value_name("NAME"),
      "print a fresh token for the account NAME and the auth-file line that admits it, and "
      "exit; nothing is stored")("quiet,q", po::bool_switch(),
                                 "do not log every message (same as log-messages = false)");
  const po::options_description settings = settings_description();
  po::options_description all;
  all.add(general).add(settings);

  Invocation inv;
  po::variables_map cli;
  try {
    po::store(po::command_line_parser(args).options(all).style(command_line_style).run(), cli);
  } catch (po::error& e) {
    throw ConfigError(exit_code::usage, OptionErrorSentence::of(e) + "; see tcpchatd --help");
  }
  if (cli.count("help")) {
    inv.action = Action::help;
    inv.help_text = help_text(all);
    return inv;
  }
  if (cli.count("version")) {
    inv.action = Action::version;
    return inv;
  }
  if (cli.count("check-config")) inv.action = Action::check_config;
  if (cli.count("new-token")) {
    inv.action = Action::new_token;
    inv.token_name = cli["new-token"].as<std::string>();
  }
  for (const auto& spec : option_table()) {
    if (cli.count(std::string(spec.name))) inv.from_command_line.emplace(spec.name);
  }
  if (cli.count("config")) apply_file(cli["config"].as<std::string>(), settings, inv.config);
  apply(cli, inv.config, false, exit_code::usage);
  return inv;
}

Config parse_config_text(std::string_view text, const std::string& path) {
  std::istringstream ini{std::string(text)};
  Config config;
  apply_ini(ini, path, settings_description(), config);
  return config;
}

std::string to_ini(const Config& config) {
  std::string out = "# effective tcpchatd configuration\n";
  for (const auto& spec : option_table()) {
    auto values = spec.format(config);
    if (spec.mask) {
      for (auto& value : values) value = spec.mask(value);
    }
    // A repeated setting left at its default (tls-bind: the bind addresses) is an empty line,
    // which reads back as the default, rather than nothing at all.
    if (values.empty()) values.emplace_back();
    for (const auto& value : values) {
      out += spec.name;
      out += " = ";
      out += value;
      out += '\n';
    }
  }
  return out;
}

ReloadPlan plan_reload(const Config& running, const Config& next) {
  ReloadPlan plan{.config = next, .changed = {}, .restart = {}};
  std::vector<const OptionSpec*> by_name;
  for (const auto& spec : option_table()) by_name.push_back(&spec);
  std::ranges::sort(by_name, {}, &OptionSpec::name);
  for (const OptionSpec* spec : by_name) {
    const std::string before = spec->joined(running);
    const std::string after = spec->joined(next);
    if (before == after) continue;
    const bool keep = spec->reload == Reload::restart;
    (keep ? plan.restart : plan.changed)
        .push_back(std::string(spec->name) + " " + spec->shown(running) + " -> " +
                   spec->shown(next));
    if (keep) spec->copy(plan.config, running);
  }
  return plan;
}

}  // namespace tcpchat
