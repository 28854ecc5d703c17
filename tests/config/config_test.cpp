#include "runtime/config.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <map>
#include <set>

#include "process.hpp"
#include "runtime/exit_codes.hpp"
#include "runtime/option_table.hpp"

using namespace tcpchat;
using tcpchat::test::TempDir;

namespace {

// A value other than the default for every setting (two for a repeated one).
const std::map<std::string, std::vector<std::string>> examples = {
    {"bind", {"::1", "127.0.0.2"}},
    {"port", {"4000"}},
    {"plaintext", {"false"}},
    {"tls-port", {"9443"}},
    {"tls-bind", {"::1", "127.0.0.2"}},
    {"tls-cert-file", {"/etc/tcpchat/chat.pem"}},
    {"tls-key-file", {"/etc/tcpchat/chat.key"}},
    {"tls-ca-file", {"/etc/tcpchat/clients-ca.pem"}},
    {"tls-verify-clients", {"require"}},
    {"tls-min-version", {"1.3"}},
    {"tls-handshake-timeout", {"2s"}},
    {"tls-max-handshakes", {"64"}},
    {"max-clients", {"7"}},
    {"max-message-bytes", {"2048"}},
    {"max-queue-bytes", {"3MiB"}},
    {"max-total-queue-bytes", {"5GiB"}},
    {"max-total-input-bytes", {"64MiB"}},
    {"write-timeout", {"1500ms"}},
    {"frame-timeout", {"2m"}},
    {"idle-timeout", {"1h"}},
    {"rate-limit", {"25"}},
    {"burst", {"40"}},
    {"history", {"100"}},
    {"history-max-bytes", {"2MiB"}},
    {"history-file", {"/var/lib/tcpchat/history.jsonl"}},
    {"history-fsync", {"always"}},
    {"history-file-max-bytes", {"1000"}},
    {"allow-anonymous", {"true"}},
    {"auth-file", {"/var/lib/tcpchat/auth"}},
    {"auth-timeout", {"10s"}},
    {"max-unauthenticated", {"50"}},
    {"allow-plaintext-auth", {"true"}},
    {"names-from-certificate", {"true"}},
    {"unique-names", {"true"}},
    // Without a password, and as masked() spells it, so that --check-config reads back the same.
    {"cluster", {"redis://tcpchat@redis.internal:6380/2"}},
    {"cluster-password-file", {"/var/lib/tcpchat/redis-password"}},
    {"cluster-room", {"lobby"}},
    {"cluster-node", {"chat-1"}},
    {"cluster-stream-length", {"50000"}},
    {"cluster-timeout", {"3s"}},
    {"cluster-max-pending-bytes", {"16MiB"}},
    {"monitor", {"[::1]:9100"}},
    {"monitor-clients", {"false"}},
    {"shutdown-timeout", {"0s"}},
    {"scheduler-slice-us", {"250"}},
    {"log-level", {"debug"}},
    {"log-messages", {"false"}},
};

std::vector<std::string> command_line_of_examples() {
  std::vector<std::string> args;
  for (const auto& [name, values] : examples) {
    for (const auto& v : values) {
      args.push_back("--" + name);
      args.push_back(v);
    }
  }
  return args;
}

std::map<std::string, std::string> values_of(const Config& c) {
  std::map<std::string, std::string> out;
  for (const auto& spec : option_table()) out[std::string(spec.name)] = spec.joined(c);
  return out;
}

Config from_ini(const std::string& ini) {
  TempDir dir;
  const auto path = (dir.path() / "tcpchatd.conf").string();
  std::ofstream(path) << ini;
  return parse_invocation({"--config", path}).config;
}

int status_of(const std::vector<std::string>& args) {
  try {
    parse_invocation(args);
  } catch (const ConfigError& e) {
    return e.exit_status();
  }
  return 0;
}

std::string error_of(const std::vector<std::string>& args) {
  try {
    parse_invocation(args);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the examples cover every option of the table", "[config]") {
  std::set<std::string> names;
  for (const auto& spec : option_table()) names.insert(std::string(spec.name));
  std::set<std::string> covered;
  for (const auto& [name, values] : examples) covered.insert(name);
  CHECK(names == covered);
}

TEST_CASE("every option: parse, INI, parse gives the same value", "[config]") {
  const Config parsed = parse_invocation(command_line_of_examples()).config;
  const auto before = values_of(parsed);
  const auto defaults = values_of(Config{});
  for (const auto& [name, values] : examples) {
    INFO(name);
    CHECK(before.at(name) != defaults.at(name));  // the example really changes something
  }
  CHECK(values_of(from_ini(to_ini(parsed))) == before);
}

TEST_CASE("the defaults survive a round trip through the INI form", "[config]") {
  CHECK(values_of(from_ini(to_ini(Config{}))) == values_of(Config{}));
}

TEST_CASE("each option alone: INI round trip of its example", "[config]") {
  for (const auto& [name, values] : examples) {
    INFO(name);
    std::vector<std::string> args;
    for (const auto& v : values) {
      args.push_back("--" + name);
      args.push_back(v);
    }
    const Config c = parse_invocation(args).config;
    CHECK(values_of(from_ini(to_ini(c))) == values_of(c));
  }
}

TEST_CASE("the INI form lists each setting once, repeated ones once per value", "[config]") {
  const std::string ini = to_ini(parse_invocation({"--bind", "::1", "--bind", "127.0.0.1"}).config);
  CHECK(ini.find("bind = ::1\nbind = 127.0.0.1\n") != std::string::npos);
  CHECK(ini.find("idle-timeout = 0s\n") != std::string::npos);  // off, spelled as it parses
  CHECK(ini.find("history-file = \n") != std::string::npos);    // none
  CHECK(ini.find("tls-port = \n") != std::string::npos);        // none
  CHECK(ini.find("auth-file = \n") != std::string::npos);       // none
  CHECK(ini.find("max-queue-bytes = 8MiB\n") != std::string::npos);
  CHECK(ini.find("max-message-bytes = 1048576\n") != std::string::npos);
}

TEST_CASE("the reload diff lists exactly the changed options, by name, in the log's words",
          "[config]") {
  Config running;
  running.max_clients = 1;
  Config next = running;
  next.max_clients = 2;
  next.log_messages = false;
  const ReloadPlan plan = plan_reload(running, next);
  CHECK(plan.changed ==
        std::vector<std::string>{"log-messages true -> false", "max-clients 1 -> 2"});
  CHECK(plan.restart.empty());
  CHECK(plan.config.max_clients == 2);
  CHECK_FALSE(plan.config.log_messages);
}

TEST_CASE("the reload diff keeps the restart-only options apart and running", "[config]") {
  Config running;
  Config next = running;
  next.port = 9998;
  next.history_file = "/tmp/h.jsonl";
  next.bind = {"127.0.0.1", "::1"};
  next.history = 5;
  const ReloadPlan plan = plan_reload(running, next);
  CHECK(plan.restart == std::vector<std::string>{"bind 127.0.0.1 -> 127.0.0.1,::1",
                                                 "history-file  -> /tmp/h.jsonl",
                                                 "port 9999 -> 9998"});
  CHECK(plan.changed == std::vector<std::string>{"history 0 -> 5"});
  CHECK(plan.config.port == 9999);
  CHECK(plan.config.history_file.empty());
  CHECK(plan.config.bind == running.bind);
  CHECK(plan.config.history == 5);
}

TEST_CASE("the reload diff of one option at a time names that option only", "[config]") {
  const Config changed = parse_invocation(command_line_of_examples()).config;
  for (const auto& spec : option_table()) {
    INFO(spec.name);
    Config next;
    spec.copy(next, changed);
    const ReloadPlan plan = plan_reload(Config{}, next);
    const auto& list = spec.reload == Reload::restart ? plan.restart : plan.changed;
    const auto& other = spec.reload == Reload::restart ? plan.changed : plan.restart;
    REQUIRE(list.size() == 1);
    CHECK(list[0].starts_with(std::string(spec.name) + " "));
    CHECK(other.empty());
    CHECK(values_of(plan.config) == values_of(spec.reload == Reload::restart ? Config{} : next));
  }
}

TEST_CASE("the INI form shows the cluster's password masked, never the password", "[config]") {
  const std::string ini =
      to_ini(parse_invocation({"--cluster", "redis://user:s3cret@host:6379/0"}).config);
  CHECK(ini.find("cluster = redis://user:***@host:6379/0\n") != std::string::npos);
  CHECK(ini.find("s3cret") == std::string::npos);
}

TEST_CASE("the reload diff of the cluster's URL is a restart, with the passwords masked",
          "[config]") {
  const Config running =
      parse_invocation({"--cluster", "redis://user:old-secret@host:6379/0"}).config;
  const Config next = parse_invocation({"--cluster", "redis://user:new-secret@host:6379/1"}).config;
  const ReloadPlan plan = plan_reload(running, next);
  CHECK(plan.restart ==
        std::vector<std::string>{
            "cluster redis://user:***@host:6379/0 -> redis://user:***@host:6379/1"});
  CHECK(plan.changed.empty());
  CHECK(plan.config.cluster == running.cluster);
}

TEST_CASE("an unchanged configuration reloads as nothing", "[config]") {
  const Config c = parse_invocation(command_line_of_examples()).config;
  const ReloadPlan plan = plan_reload(c, c);
  CHECK(plan.changed.empty());
  CHECK(plan.restart.empty());
}

TEST_CASE("an abbreviated option is refused, not guessed", "[config]") {
  CHECK(status_of({"--max-total", "2GiB"}) == exit_code::usage);
  CHECK(error_of({"--max-total", "2GiB"}).find("--max-total") != std::string::npos);
  CHECK(status_of({"--hist", "5"}) == exit_code::usage);
  CHECK(status_of({"--max-total-queue-bytes", "2GiB"}) == 0);
}

TEST_CASE("a bad value gives one sentence naming the option and what it takes", "[config]") {
  CHECK(error_of({"--max-clients", "lots"}) ==
        "invalid value \"lots\" for --max-clients: expected a whole number from 1 to 1000000");
  CHECK(error_of({"--write-timeout", "soon"}) ==
        "invalid value \"soon\" for --write-timeout: expected a duration such as 30, 30s, 500ms, "
        "5m or 1h");
  CHECK(error_of({"--max-queue-bytes", "8 apples"}) ==
        "invalid value \"8 apples\" for --max-queue-bytes: expected a byte count such as "
        "1048576, 64KiB, 8MiB or 1GiB");
  CHECK(error_of({"--history-fsync", "sometimes"}) ==
        "invalid value \"sometimes\" for --history-fsync: expected always, interval or never");
  CHECK(error_of({"--bind", "localhost"}) ==
        "invalid value \"localhost\" for --bind: expected an IPv4 or IPv6 address such as "
        "127.0.0.1 or ::1");
  CHECK(error_of({"--max-message-bytes", "10"}) ==
        "invalid value \"10\" for --max-message-bytes: must be at least 64 bytes");
  CHECK(status_of({"--log-messages", "maybe"}) == exit_code::usage);
  CHECK(error_of({"--tls-port", "65536"}) ==
        "invalid value \"65536\" for --tls-port: expected a whole number from 0 to 65535");
  CHECK(error_of({"--tls-bind", "localhost"}) ==
        "invalid value \"localhost\" for --tls-bind: expected an IPv4 or IPv6 address such as "
        "127.0.0.1 or ::1");
  CHECK(error_of({"--tls-verify-clients", "yes"}) ==
        "invalid value \"yes\" for --tls-verify-clients: expected no, optional or require");
  CHECK(error_of({"--tls-min-version", "1.1"}) ==
        "invalid value \"1.1\" for --tls-min-version: expected 1.2 or 1.3");
  CHECK(error_of({"--tls-handshake-timeout", "0"}) ==
        "invalid value \"0\" for --tls-handshake-timeout: must be at least 10ms; it cannot be "
        "turned off, it defends the daemon against clients that stall");
  CHECK(error_of({"--tls-max-handshakes", "0"}) ==
        "invalid value \"0\" for --tls-max-handshakes: expected a whole number from 1 to 100000");
  CHECK(status_of({"--plaintext", "maybe"}) == exit_code::usage);
  CHECK(error_of({"--auth-timeout", "0"}) ==
        "invalid value \"0\" for --auth-timeout: must be at least 10ms; it cannot be turned off, "
        "it defends the daemon against clients that stall");
  CHECK(error_of({"--auth-timeout", "soon"}) ==
        "invalid value \"soon\" for --auth-timeout: expected a duration such as 30, 30s, 500ms, "
        "5m or 1h");
  CHECK(error_of({"--max-unauthenticated", "0"}) ==
        "invalid value \"0\" for --max-unauthenticated: expected a whole number from 1 to "
        "1000000");
  CHECK(error_of({"--allow-anonymous", "maybe"}) ==
        "invalid value \"maybe\" for --allow-anonymous: expected true or false");
  CHECK(status_of({"--allow-plaintext-auth", "maybe"}) == exit_code::usage);
  CHECK(status_of({"--names-from-certificate", "maybe"}) == exit_code::usage);
  CHECK(status_of({"--unique-names", "maybe"}) == exit_code::usage);
  CHECK(error_of({"--cluster", "http://127.0.0.1:6379"}) ==
        "invalid value \"http://127.0.0.1:6379\" for --cluster: expected "
        "redis://[USER:PASSWORD@]HOST:PORT[/DB], such as redis://127.0.0.1:6379/0");
  CHECK(error_of({"--cluster", "redis://h:0"}) ==
        "invalid value \"redis://h:0\" for --cluster: the port must be a number from 1 to 65535");
  CHECK(error_of({"--cluster-room", "two words"}) ==
        "invalid value \"two words\" for --cluster-room: expected 1 to 200 printable ASCII "
        "characters without spaces");
  CHECK(error_of({"--cluster-stream-length", "99"}) ==
        "invalid value \"99\" for --cluster-stream-length: expected a whole number from 100 to "
        "10000000");
  CHECK(error_of({"--cluster-timeout", "1s"}) ==
        "invalid value \"1s\" for --cluster-timeout: must be at least 2s");
  CHECK(error_of({"--cluster-max-pending-bytes", "1KiB"}) ==
        "invalid value \"1KiB\" for --cluster-max-pending-bytes: must be at least 65536 bytes "
        "(64KiB)");
}

TEST_CASE("the new-token action carries the account name and changes no setting", "[config]") {
  const Invocation inv = parse_invocation({"--new-token", "alice"});
  CHECK(inv.action == Action::new_token);
  CHECK(inv.token_name == "alice");
  CHECK(values_of(inv.config) == values_of(Config{}));
  CHECK(status_of({"--new-token"}) == exit_code::usage);
}

TEST_CASE("the settings given on the command line are known by name, the file's are not",
          "[config]") {
  TempDir dir;
  const auto path = (dir.path() / "tcpchatd.conf").string();
  std::ofstream(path) << "bind = ::\nallow-anonymous = true\n";
  const Invocation inv = parse_invocation({"--config", path, "--auth-file", "/x", "--port", "1"});
  CHECK(inv.from_command_line == std::set<std::string>{"auth-file", "port"});
  CHECK(inv.config.bind == std::vector<std::string>{"::"});
  CHECK(inv.config.allow_anonymous);
}

TEST_CASE("accounts authenticate everyone, certificates that name them only TLS", "[config]") {
  CHECK_FALSE(Config{}.authenticates_tls());
  CHECK_FALSE(Config{}.authenticates_plaintext());
  const auto accounts = parse_invocation({"--auth-file", "/var/lib/tcpchat/auth"}).config;
  CHECK(accounts.authenticates_tls());
  CHECK(accounts.authenticates_plaintext());
  const auto certificates =
      parse_invocation({"--names-from-certificate", "true", "--tls-verify-clients", "require"})
          .config;
  CHECK(certificates.authenticates_tls());
  // A plaintext client has no certificate to be named by.
  CHECK_FALSE(certificates.authenticates_plaintext());
  // Without require a client may have no certificate, so none names it.
  CHECK_FALSE(
      parse_invocation({"--names-from-certificate", "true", "--tls-verify-clients", "optional"})
          .config.authenticates_tls());
}

TEST_CASE("a bad value in the config file names the file and exits 78", "[config]") {
  TempDir dir;
  const auto path = (dir.path() / "bad.conf").string();
  std::ofstream(path) << "max-clients = lots\n";
  CHECK(status_of({"--config", path}) == exit_code::config);
  CHECK(error_of({"--config", path}) ==
        "invalid config file " + path +
            ": invalid value \"lots\" for \"max-clients\": expected a whole number from 1 to "
            "1000000");
  CHECK(status_of({"--config", (dir.path() / "missing.conf").string()}) == exit_code::no_input);
}

TEST_CASE("a config file's text parses as the file does", "[config]") {
  const std::string ini = to_ini(parse_invocation(command_line_of_examples()).config);
  CHECK(values_of(parse_config_text(ini, "text.conf")) == values_of(from_ini(ini)));
  try {
    parse_config_text("max-clients = lots\n", "text.conf");
    FAIL("a bad value was accepted");
  } catch (const ConfigError& e) {
    CHECK(e.exit_status() == exit_code::config);
    CHECK(std::string(e.what()).starts_with("invalid config file text.conf: invalid value"));
  }
}

TEST_CASE("a name or value holding a placeholder of program_options is shown as written",
          "[config]") {
  CHECK(error_of({"--x%original_token%"}) ==
        "unrecognised option '--x%original_token%'; see tcpchatd --help");
  for (const std::string line : {"port%original_token% = 1", "quiet = %value%", "%option% = 1"}) {
    try {
      parse_config_text(line + "\n", "text.conf");
      FAIL("accepted: " << line);
    } catch (const ConfigError& e) {
      CHECK_THAT(e.what(), Catch::Contains(line.substr(0, line.find(' '))));
    }
  }
}

TEST_CASE("help shows every option with the default from the table", "[config]") {
  const std::string help = parse_invocation({"--help"}).help_text;
  for (const auto& spec : option_table()) {
    INFO(spec.name);
    CHECK(help.find("--" + std::string(spec.name)) != std::string::npos);
  }
  const auto spec = [](std::string_view name) {
    for (const auto& s : option_table()) {
      if (s.name == name) return s;
    }
    FAIL("no option " << name);
    return OptionSpec{};
  };
  CHECK(spec("port").default_text() == "(default 9999)");
  CHECK(spec("idle-timeout").default_text() == "(default 0s = off)");
  CHECK(spec("history-file").default_text() == "(default: none)");
  CHECK(spec("burst").default_text() == "(default 0 = one second's worth)");
  CHECK(spec("bind").default_text() == "(default 127.0.0.1)");
  CHECK(spec("tls-port").default_text() == "(default: none)");
  CHECK(spec("tls-bind").default_text() == "(default: the --bind addresses)");
  CHECK(spec("auth-file").default_text() == "(default: none)");
  CHECK(spec("auth-timeout").default_text() == "(default 60s)");
  CHECK(spec("cluster").default_text() == "(default: none, a single node)");
  CHECK(spec("cluster-node").default_text() ==
        "(default: HOSTNAME:PORT, with the first bound chat port)");
  CHECK(spec("cluster-max-pending-bytes").default_text() == "(default 8MiB)");
  CHECK(spec("allow-anonymous").reload == Reload::restart);
  for (const auto& s : option_table()) {
    if (s.name.starts_with("cluster")) CHECK(s.reload == Reload::restart);
  }
  CHECK(spec("auth-file").reload == Reload::reread);
}

TEST_CASE("a repeated setting may be given several times; others only once", "[config]") {
  CHECK(parse_invocation({"--bind", "::1", "--bind", "127.0.0.1"}).config.bind.size() == 2);
  CHECK(parse_invocation({"--tls-bind", "::1", "--tls-bind", "127.0.0.1"}).config.tls_bind.size() ==
        2);
  // The sample config's `tls-bind =`: an empty value is the default, the --bind addresses.
  CHECK(from_ini("tls-bind =\n").tls_bind.empty());
  CHECK(status_of({"--port", "1", "--port", "2"}) == exit_code::usage);
}
