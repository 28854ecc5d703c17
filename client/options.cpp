#include "options.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/program_options.hpp>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "tcpchat/format.hpp"
#include "tcpchat/option_error.hpp"
#include "tcpchat/utf8.hpp"

namespace tcpchat::client {
namespace po = boost::program_options;
namespace {

// Options that may also come from TCPCHAT_<NAME> and the config file.
po::options_description settings_description() {
  po::options_description d(
      "Connection and display (also as TCPCHAT_<NAME> variables and config file keys)", 100, 50);
  auto text = [](const char* value_name) {
    return po::value<std::string>()->value_name(value_name);
  };
  d.add_options()                                                                           //
      ("host", text("HOST"), "the daemon's host name or address (default 127.0.0.1)")       //
      ("port", text("PORT"), "the daemon's TCP port (default 9999)")                        //
      ("name", text("NAME"), "your name in the room (default: your login name)")            //
      ("subject", text("SUBJECT"), "the subject of the messages you send (default: none)")  //
      ("format", text("line|block|json"),
       "how received messages are printed (default: line on a terminal, json otherwise)")  //
      ("color", text("auto|always|never"),
       "colour each sender: auto (default) only on a terminal and never with NO_COLOR set; "
       "always also colours a pipe")  //
      ("timeout", text("SECONDS"),
       "after the input ended, wait at most this long for the echoes of the sent messages "
       "(exit 75); with --listen, stop listening after this long")  //
      ("max-message-bytes", text("BYTES"),
       "the daemon's --max-message-bytes: the largest frame body sent or accepted (default "
       "1048576)")  //
      ("tls", po::value<std::string>()->value_name("true|false")->implicit_value("true"),
       "connect with TLS, verifying the server's certificate and name (default false; --tls "
       "alone is true)")  //
      ("tls-ca-file", text("PATH"),
       "trust the CA certificates in PATH (PEM) instead of the system's")  //
      ("tls-server-name", text("NAME"),
       "the name the server's certificate must carry, also sent as SNI (default: --host)")        //
      ("tls-cert-file", text("PATH"), "a client certificate (PEM) to show, with --tls-key-file")  //
      ("tls-key-file", text("PATH"), "the client certificate's private key (PEM)")                //
      ("token-file", text("PATH"),
       "authenticate with the token in PATH (one line, readable by you alone), --name being the "
       "account; never given on the command line, where ps would show it");
  return d;
}

// Options of the command line only.
po::options_description scripting_description() {
  po::options_description d(
      "Scripting (chosen when stdin or stdout is not a terminal, or by these)", 100, 50);
  d.add_options()  //
      ("input", po::value<std::string>()->value_name("lines|json|whole"),
       "lines (default): each stdin line is a message, blank lines skipped; json: each line is "
       "an object with \"message\" and optionally \"subject\", \"client_name\", \"date\"; "
       "whole: all of stdin is one message")                            //
      ("listen", po::bool_switch(), "only receive; do not read stdin")  //
      ("count", po::value<std::string>()->value_name("N"),
       "with --listen: exit 0 after N messages arrived")  //
      ("send", po::value<std::string>()->value_name("TEXT"),
       "send TEXT as one message, exit after its echo")  //
      ("reconnect", po::bool_switch(),
       "with --listen: re-establish a lost connection with capped exponential backoff");
  return d;
}

po::options_description general_description() {
  po::options_description d("General", 100, 50);
  d.add_options()                                                //
      ("help,h", po::bool_switch(), "print this help and exit")  //
      ("version", po::bool_switch(), "print the version and exit");
  return d;
}

struct Setting {
  std::string value;
  std::string source;  // `--port`, `TCPCHAT_PORT`, `port in /home/a/.config/tcpchat/config`
};

std::string env_name(const std::string& option) {
  std::string name = "TCPCHAT_";
  for (const char c : option)
    name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

// The settings from the file, then the environment, then the command line, each overriding the
// one before.
std::map<std::string, Setting> merge_settings(const po::options_description& settings,
                                              const po::variables_map& command_line,
                                              const Environment& env) {
  std::map<std::string, Setting> merged;
  if (const auto path = config_path(env)) {
    std::ifstream file(*path);
    if (file) {
      po::variables_map from_file;
      try {
        po::store(po::parse_config_file(file, settings), from_file);
      } catch (po::error& e) {
        throw UsageError("config file " + path->string() + ": " + OptionErrorSentence::of(e));
      }
      for (const auto& [key, value] : from_file)
        merged[key] = {value.as<std::string>(), key + " in " + path->string()};
    }
  }
  for (const auto& option : settings.options()) {
    const auto& key = option->long_name();
    if (const auto it = env.find(env_name(key)); it != env.end())
      merged[key] = {it->second, it->first};
    if (command_line.count(key)) merged[key] = {command_line[key].as<std::string>(), "--" + key};
  }
  return merged;
}

[[noreturn]] void invalid(const Setting& s, const std::string& expected) {
  throw UsageError("invalid value \"" + s.value + "\" for " + s.source + ": expected " + expected);
}

std::uint64_t parse_whole(const Setting& s, std::uint64_t min, std::uint64_t max) {
  std::uint64_t n = 0;
  const auto* end = s.value.data() + s.value.size();
  const auto [stop, ec] = std::from_chars(s.value.data(), end, n);
  if (ec != std::errc() || stop != end || n < min || n > max) {
    invalid(s, "a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return n;
}

std::chrono::milliseconds parse_seconds(const Setting& s) {
  double seconds = 0;
  const auto* end = s.value.data() + s.value.size();
  const auto [stop, ec] = std::from_chars(s.value.data(), end, seconds, std::chars_format::fixed);
  if (ec != std::errc() || stop != end || !(seconds >= 0.001) || seconds > 1e7) {
    invalid(s, "a number of seconds from 0.001 to 10000000, such as 2 or 0.5");
  }
  return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000 + 0.5));
}

template <typename Enum>
Enum parse_choice(const Setting& s, const std::vector<std::pair<const char*, Enum>>& choices,
                  const char* expected) {
  for (const auto& [word, value] : choices)
    if (s.value == word) return value;
  invalid(s, expected);
}

std::string parse_text(const Setting& s, bool may_be_empty) {
  if (!is_valid_utf8(s.value)) throw UsageError("the value of " + s.source + " is not valid UTF-8");
  if (!may_be_empty && s.value.empty()) throw UsageError(s.source + " must not be empty");
  return s.value;
}

bool parse_switch(const Setting& s) {
  return parse_choice<bool>(
      s,
      {{"true", true}, {"1", true}, {"yes", true}, {"false", false}, {"0", false}, {"no", false}},
      "true or false (also 1 or 0, yes or no)");
}

template <class Get>
void apply_tls(const Get& get, TlsOptions& tls) {
  if (const auto* s = get("tls")) tls.enabled = parse_switch(*s);
  const Setting* named = nullptr;
  for (auto [key, field] :
       {std::pair{"tls-ca-file", &tls.ca_file}, std::pair{"tls-server-name", &tls.server_name},
        std::pair{"tls-cert-file", &tls.cert_file}, std::pair{"tls-key-file", &tls.key_file}}) {
    if (const auto* s = get(key)) {
      *field = parse_text(*s, false);
      named = s;
    }
  }
  // A certificate setting without TLS would be silently ignored: the chat would go in clear.
  if (named && !tls.enabled) throw UsageError(named->source + " needs TLS: add --tls");
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    throw UsageError("a client certificate needs both --tls-cert-file and --tls-key-file");
  }
}

// The token of a --token-file: its one line, from a file that only its owner may read.
std::string read_token(const Setting& s) {
  const std::string path = parse_text(s, false);
  std::ifstream file(path);
  struct stat st {};
  if (!file || ::stat(path.c_str(), &st) != 0) {
    throw UsageError("cannot read the token file " + path + " (" + s.source +
                     "): " + std::strerror(errno));
  }
  if (st.st_mode & (S_IRGRP | S_IROTH)) {
    throw UsageError("the token file " + path + " can be read by others: chmod 600 " + path);
  }
  std::string token;
  std::getline(file, token);
  std::string rest;
  if (std::getline(file, rest) && !rest.empty()) {
    throw UsageError("the token file " + path + " must hold the token alone, on one line");
  }
  if (!token.empty() && token.back() == '\r') token.pop_back();
  if (token.empty()) throw UsageError("the token file " + path + " is empty");
  return token;
}

void apply_settings(const std::map<std::string, Setting>& merged, Options& o) {
  auto get = [&](const char* key) -> const Setting* {
    const auto it = merged.find(key);
    return it == merged.end() ? nullptr : &it->second;
  };
  if (const auto* s = get("host")) o.host = parse_text(*s, false);
  if (const auto* s = get("port")) o.port = static_cast<std::uint16_t>(parse_whole(*s, 1, 65535));
  if (const auto* s = get("name")) o.name = parse_text(*s, false);
  if (const auto* s = get("subject")) o.subject = parse_text(*s, true);
  if (const auto* s = get("format")) {
    o.format = parse_choice<Format>(
        *s, {{"line", Format::line}, {"block", Format::block}, {"json", Format::json}},
        "line, block or json");
  }
  if (const auto* s = get("color")) {
    o.color = parse_choice<ColorMode>(*s,
                                      {{"auto", ColorMode::automatic},
                                       {"always", ColorMode::always},
                                       {"never", ColorMode::never}},
                                      "auto, always or never");
  }
  if (const auto* s = get("timeout")) o.timeout = parse_seconds(*s);
  if (const auto* s = get("max-message-bytes")) {
    o.max_message_bytes = static_cast<std::size_t>(parse_whole(*s, 64, std::size_t{1} << 30));
  }
  apply_tls(get, o.tls);
  if (const auto* s = get("token-file")) o.token = read_token(*s);
}

void apply_scripting(const po::variables_map& vm, Options& o) {
  auto from_command_line = [&](const char* key) {
    return Setting{vm[key].as<std::string>(), std::string("--") + key};
  };
  if (vm.count("input")) {
    o.input = parse_choice<InputMode>(
        from_command_line("input"),
        {{"lines", InputMode::lines}, {"json", InputMode::json}, {"whole", InputMode::whole}},
        "lines, json or whole");
  }
  o.listen = vm["listen"].as<bool>();
  o.reconnect = vm["reconnect"].as<bool>();
  if (vm.count("count")) o.count = parse_whole(from_command_line("count"), 1, UINT64_MAX);
  if (vm.count("send")) {
    o.send = vm["send"].as<std::string>();
    if (o.send->empty()) throw UsageError("--send needs a non-empty text");
  }
  if (o.listen && o.send) throw UsageError("--listen and --send exclude each other");
  if (o.listen && o.input) throw UsageError("--listen reads no input, so --input makes no sense");
  if (o.send && o.input) throw UsageError("--send reads no input, so --input makes no sense");
  if (o.count && !o.listen) throw UsageError("--count needs --listen");
  if (o.reconnect && !o.listen) throw UsageError("--reconnect needs --listen");
}

}  // namespace

std::optional<std::filesystem::path> config_path(const Environment& env) {
  if (const auto it = env.find("XDG_CONFIG_HOME"); it != env.end() && !it->second.empty())
    return std::filesystem::path(it->second) / "tcpchat" / "config";
  if (const auto it = env.find("HOME"); it != env.end() && !it->second.empty())
    return std::filesystem::path(it->second) / ".config" / "tcpchat" / "config";
  return std::nullopt;
}

std::string login_name(const Environment& env) {
  if (const auto it = env.find("USER"); it != env.end() && !it->second.empty()) return it->second;
  if (const passwd* entry = getpwuid(getuid()); entry && entry->pw_name && *entry->pw_name)
    return entry->pw_name;
  return "anonymous";
}

Command parse_command(const std::vector<std::string>& args, const Environment& env) {
  const auto settings = settings_description();
  po::options_description all;
  all.add(settings).add(scripting_description()).add(general_description());
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(args)
                  .options(all)
                  .positional(po::positional_options_description())
                  .run(),
              vm);
  } catch (po::error& e) {
    throw UsageError(OptionErrorSentence::of(e));
  }
  Command command;
  if (vm["help"].as<bool>()) {
    command.action = Action::help;
    return command;
  }
  if (vm["version"].as<bool>()) {
    command.action = Action::version;
    return command;
  }
  Options& o = command.options;
  apply_settings(merge_settings(settings, vm, env), o);
  apply_scripting(vm, o);
  if (o.name.empty()) o.name = login_name(env);
  if (!is_valid_utf8(o.name)) throw UsageError("the login name is not valid UTF-8; set --name");
  return command;
}

std::string help_text() {
  std::ostringstream out;
  out << R"(Usage: tcpchat [OPTIONS]

The terminal client of tcpchatd. Everything the room delivers (your own messages' echoes and the
history replay included) is printed on stdout, which is the room's transcript.

Interactive when stdin and stdout are terminals, TERM is not "dumb" and none of --input, --listen,
--send is given: a line editor (arrow keys, history of sent lines); messages arrive above the
line you type. Commands: /name NEW, /subject [NEW], /quit, /help; //text sends "/text".
Ctrl-D on an empty line quits, Ctrl-C clears the line.

Otherwise scripting: stdin is sent (see --input), then tcpchat waits until the server has echoed
every sent message back and exits 0. A line that cannot be sent (invalid UTF-8 or JSON, over
--max-message-bytes) is reported with its line number and skipped; the others still go.

)";
  po::options_description all;
  all.add(settings_description()).add(scripting_description()).add(general_description());
  out << all;
  out << R"(
Precedence: the command line, then TCPCHAT_HOST, TCPCHAT_PORT, TCPCHAT_NAME, TCPCHAT_SUBJECT,
TCPCHAT_FORMAT, TCPCHAT_COLOR, TCPCHAT_TIMEOUT, TCPCHAT_MAX_MESSAGE_BYTES, TCPCHAT_TLS,
TCPCHAT_TLS_CA_FILE, TCPCHAT_TLS_SERVER_NAME, TCPCHAT_TLS_CERT_FILE, TCPCHAT_TLS_KEY_FILE,
TCPCHAT_TOKEN_FILE,
then the INI file $XDG_CONFIG_HOME/tcpchat/config (default ~/.config/tcpchat/config) with the
same long option names as keys ("port = 9999", "tls = true").

Exit status (each with one sentence on stderr):
  0   success (also on SIGTERM, and when stdout is a closed pipe)
  64  usage: a bad option, value or config file
  65  an input line could not be sent, or the server refused a message (StorageError,
      NameMismatch, NameInUse); the others were
  68  the host name was not found
  69  cannot connect (is tcpchatd running?)
  70  internal error
  74  the connection was lost (with how many sent messages were not confirmed), or stdin or
      stdout failed
  75  --timeout expired with messages unconfirmed (or, with --listen --count, not received)
  76  the server sent an @SERVER error that ends the connection (InvalidRequestError,
      ServerFull) or a malformed frame, or TLS failed (the certificate could not be verified,
      the server answered without TLS); --reconnect does not retry these
  77  the server refused the account or token (AuthRequired, AuthFailed, AuthThrottled,
      AuthRevoked); --reconnect does not retry these
  130 interrupted by SIGINT

See docs/client.md for the details.
)";
  return out.str();
}

}  // namespace tcpchat::client
